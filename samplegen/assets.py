"""Collective asset contracts (集体资产资源合同台账) and land compensation rosters (青苗及地上附着物补偿).

Baseline contracts: rents per mu within ±20 % of a county-wide rate per asset kind (so no contract is
below half of any median, D10), terms of 5–20 years, no arrears, lessees are villagers outside cadre
households or co-operatives/companies without an ID. Compensation: one project per town crossing a few
villages, paying land-contract holders once each (D09 quiet).
"""

from __future__ import annotations

import datetime as dt
import random

from pypinyin import Style, lazy_pinyin

from samplegen.world import GROUP_CN, D, Household, Person, Town, Village

RENT_PER_MU = {"土地": 420.0, "林地": 45.0, "水面": 650.0, "房屋": 18000.0}
AREA_RANGE = {"土地": (5.0, 60.0), "林地": (30.0, 300.0), "水面": (2.0, 15.0), "房屋": (0.1, 0.6)}
ASSET_NAMES = {"土地": ("{g}组河滩地", "{g}组机动地", "{g}组坡地", "原村小学旁空地"), "林地": ("后山集体林地", "{g}组荒山"),
               "水面": ("{g}组灌溉水库", "村东鱼塘"), "房屋": ("原村小学校舍", "村委会临街门面房", "原村卫生室")}
COOPS = ("种植专业合作社", "养殖专业合作社", "农业开发有限公司", "生态农业有限公司", "家庭农场")


def initials(base: str) -> str:
    return "".join(s[0] for s in lazy_pinyin(base, style=Style.FIRST_LETTER)).upper()


def lessee_pool(v: Village) -> list[Person]:
    return [p for h in v.households if "cadre" not in h.tags for p in h.members
            if 30 <= p.age() <= 65 and p.death is None and p.status == "正常" and not p.minority]


def contract(v: Village, seq: int, kind: str, rng: random.Random, lessee: Person | None, *, rent_factor: float = 1.0,
             start: D | None = None, years: int | None = None, arrears: float = 0.0, coop: str | None = None) -> dict:
    lo, hi = AREA_RANGE[kind]
    area = round(rng.uniform(lo, hi), 2)
    rent = round(area * RENT_PER_MU[kind] * rng.uniform(0.85, 1.15) * rent_factor, -1 if kind != "房屋" else 1)
    start = start or D(rng.randint(2012, 2023), rng.randint(1, 12), 1)
    years = years or rng.randint(5, 20)
    end = D(start.year + years, start.month, 1) - dt.timedelta(days=1)
    elapsed = max(0, min(2024, end.year) - start.year)
    name = rng.choice(ASSET_NAMES[kind]).format(g=GROUP_CN[rng.randint(0, v.groups - 1)])
    return dict(village_code=v.code, contract_no=f"{initials(v.base)}{start.year}-{seq:03d}", asset_name=name,
                asset_kind=kind, lessee_name=lessee.name if lessee else coop, lessee_id=lessee.pid if lessee else None,
                area_mu=area, annual_rent_yuan=rent, start_date=start, end_date=end,
                received_yuan=round(rent * max(1, elapsed) - arrears, 2), arrears_yuan=arrears, _p=lessee)


def build_contracts(v: Village) -> list[dict]:
    rng = random.Random(f"{v.code}-contracts")
    pool = lessee_pool(v)
    rng.shuffle(pool)
    kinds = ["土地"] * rng.randint(3, 5) + ["林地"] * rng.randint(0, 2) + ["水面"] * rng.randint(0, 1) \
        + ["房屋"] * rng.randint(0, 1)
    rows = []
    for i, kind in enumerate(kinds):
        if rng.random() < 0.6 and pool:
            rows.append(contract(v, i + 1, kind, rng, pool.pop()))
        else:
            coop = v.base + rng.choice(COOPS)
            rows.append(contract(v, i + 1, kind, rng, None, coop=coop))
    return rows


PROJECTS = ("示例县S202线{town}段改扩建工程", "{town}污水管网建设项目", "示例县{town}农村公路提升工程",
            "{town}高标准农田建设项目")


def build_compensation(town: Town, rng: random.Random, outside_cadre_households: bool = False) -> list[dict]:
    """outside_cadre_households: when compensation is paid through the village ledger, a payment to a
    cadre's household would be a ledger payment to a cadre's relative (D05), so the baseline avoids it."""
    rows = []
    project = PROJECTS[town.index % len(PROJECTS)].format(town=town.name)
    for v in town.villages[: min(3, len(town.villages))]:
        holders = [h for h in v.households if h.contract_area is not None
                   and not (outside_cadre_households and "cadre" in h.tags)]
        rng.shuffle(holders)
        for h in holders[: rng.randint(6, 12)]:
            rows.append(comp_row(v, project, h, rng))
    return rows


def comp_row(v: Village, project: str, h: Household, rng: random.Random, person: Person | None = None) -> dict:
    p = person or h.head
    area = round(rng.uniform(0.2, 2.0), 2)
    return dict(village_code=v.code, project_name=project, group_name=h.group, person_name=p.name, person_id=p.pid,
                area_mu=area, amount_yuan=round(area * 1850, 2), pay_date=D(2024, 8, rng.randint(5, 25)),
                account_no=p.account, _p=p)
