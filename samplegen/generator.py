"""Orchestration: build a county town by town, inject, balance, check, and hand rows to the writers.

`generate_towns` yields one `TownResult` at a time (canonical rows, quarantine list, ground truth,
near misses, oracle flags), so a 1,300-village city is streamed to disk without holding it whole.
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterator
from dataclasses import dataclass, field

from samplegen import names as N
from samplegen.assets import build_compensation, build_contracts
from samplegen.inject import Injector
from samplegen.ledger import build_ledger, ledger_rows, number_vouchers
from samplegen.oracle import check, norm_name
from samplegen.styles import DEFAULT, Style, facts, get_style
from samplegen.tables import (
    empty_tables,
    materialise_onecard,
    materialise_people,
    onecard_row,
)
from samplegen.world import COUNTY_NAME, Allocator, D, Town, Village, build_town

VILLAGES_PER_TOWN = 12


@dataclass
class TownResult:
    town: Town
    tables: dict[str, list[dict]]  # all rows, including the ones to be quarantined (marked _q)
    quarantine: list[dict]  # expected quarantine (without file positions yet)
    gt: list[tuple[str, str, str, str]]
    nm: list[tuple[str, str, str, str]]
    flags: set[tuple[str, str, str]] = field(default_factory=set)
    # (bound, extra, missing) when reading a style's period texts as first/last month changes the flags
    period_mismatches: list[tuple] = field(default_factory=list)


def town_sizes(villages: int) -> list[int]:
    towns = max(1, villages // VILLAGES_PER_TOWN)
    base, extra = divmod(villages, towns)
    return [base + (1 if i < extra else 0) for i in range(towns)]


def clean_tables(t: dict[str, list[dict]]) -> dict[str, list[dict]]:
    """What a correct connector loads: every row except the quarantined ones."""
    return {k: [r for r in rows if "_q" not in r] for k, rows in t.items()}


def _population(v: Village, year: int) -> tuple[int, int]:
    end = D(year, 12, 31)
    people = households = 0
    for h in v.households:
        n = sum(1 for p in h.members if p.status != "迁出" and p.birth <= end and (p.death is None or p.death > end))
        people += n
        households += n > 0
    return people, households


def _basics(town: Town, t: dict, rng: random.Random, book) -> None:
    rows = t["village_basics"]
    for v in town.villages:
        factor = getattr(v, "farmland_factor", None)
        f = factor or rng.uniform(1.15, 1.35)
        for year in (2023, 2024):
            pop, hh = _population(v, year)
            area = sum(h.subsidy_area.get(year, 0.0) for h in v.households)
            rows.append(dict(village_code=v.code, year=year, county=COUNTY_NAME, households=hh,
                             registered_population=pop, resident_population=round(pop * rng.uniform(0.55, 0.8)),
                             farmland_mu=round(area * f, 1) if factor is None
                             else math.floor(area * f * 10) / 10 + (0.1 if factor > 0.9 else 0),
                             income_per_capita_yuan=float(rng.randrange(11800, 17600, 10)), _v=v))


def _balance(town: Town, t: dict, inj: Injector) -> None:
    """E02 baseline and injections, then E01: done last, on the final one-card rows."""
    rng = random.Random(f"balance-{town.code}-{inj.rng.random()}")
    pay = t["onecard_payments"]
    vs = town.villages
    b24 = {r["village_code"]: r for r in t["village_basics"] if r["year"] == 2024}
    n = len(vs)
    factors = [0.8 + 0.4 * (i + 0.5) / n for i in range(n)]
    rng.shuffle(factors)
    fac = {v.code: f for v, f in zip(vs, factors, strict=True)}
    total = {v.code: 0.0 for v in vs}
    for r in pay:
        if "_q" not in r:
            total[r["village_code"]] += r["amount_yuan"]
    pop = {c: b24[c]["registered_population"] for c in total}
    base = {c: total[c] / pop[c] for c in total}
    q_level = max(base[c] / fac[c] for c in total) * 1.08
    target = {c: q_level * fac[c] for c in total}
    if n >= 11:
        near = inj.v(10).code
        for _ in range(8):
            vals = sorted(target.values())
            med = _median(vals)
            mad = _median(sorted(abs(x - med) for x in vals))
            target[near] = med + 2.8 * mad / 0.6745
    for v in vs:
        # collective forest shares go with the land contract (not every household has one)
        heads = [h for h in v.households if h.head.death is None and h.head.status == "正常"
                 and h.contract_area is not None]
        per_household = round((target[v.code] - base[v.code]) * pop[v.code] / len(heads), 2)
        fp = getattr(v, "forest_person", {})
        for h in heads:
            p = fp.get(h.no, h.head)
            pay.append(onecard_row(v, "生态公益林补偿", D(2024, 11, 1), p, per_household, head=h.head))
    if n >= 11:
        inj.book.near("E02", near, near, "人均补贴金额稳健Z值约2.8（低于3.5）")
        v9 = inj.v(9)
        homes = sorted((h for h in v9.households if h.head.death is None and h.head.status == "正常"),
                       key=lambda h: h.no)
        k = math.ceil(2.5 * q_level * pop[v9.code] / 35000)
        for h in homes[:k]:
            pay.append(onecard_row(v9, "农村危房改造", D(2024, 10, 1), h.head, 35000.0, head=h.head))
        inj.book.add("E02", v9, v9.code, f"2024年集中发放农村危房改造补助{k}户，人均补贴金额远超全镇其他村")
    # E01
    if n >= 9:
        for i, kind in ((7, "gt"), (8, "nm")):
            v = inj.v(i)
            heads = {norm_name(r["head_name"]) for r in pay if r["village_code"] == v.code and "_q" not in r
                     and r["pay_month"].year == 2024}
            row = b24[v.code]
            if kind == "gt":
                row["households"] = int(len(heads) * 0.6)
                inj.book.add("E01", v, v.code, f"一卡通发放涉及{len(heads)}户，统计户籍户数仅{row['households']}户")
            else:
                row["households"] = len(heads)
                inj.book.near("E01", v, v.code, f"一卡通发放涉及{len(heads)}户，恰好等于统计户籍户数")


def _median(xs: list[float]) -> float:
    xs = sorted(xs)
    m = len(xs) // 2
    return xs[m] if len(xs) % 2 else (xs[m - 1] + xs[m]) / 2


def villagers(v: Village) -> list[str]:
    return sorted({p.name for h in v.households if "cadre" not in h.tags for p in h.members
                   if 20 <= p.age() <= 70 and p.death is None and p.status == "正常" and not p.minority})


def generate_towns(villages: int, seed: int, verify: bool = True, scale: float = 1.0,
                   style: Style | None = None) -> Iterator[TownResult]:
    style = style or get_style(DEFAULT)
    alloc = Allocator()
    sizes = town_sizes(villages)
    names = N.town_names(len(sizes))
    name_rng = random.Random(f"xuncha-sample-{seed}-names")
    bases = N.village_bases(villages + facts.extra_stems(style, len(sizes)), name_rng)
    spare = bases[villages:]
    k = 0
    first_town = None
    for ti, size in enumerate(sizes):
        town = Town(f"{100 + ti:03d}", names[ti], ti)
        build_town(alloc, town, size, seed, scale)
        for v in town.villages:
            v.base = bases[k]
            k += 1
        first_town = first_town or town
        facts.name_villages(style, town, first_town, spare)
        inj = Injector(town, alloc, seed)
        full = size >= VILLAGES_PER_TOWN
        if full:
            inj.world_phase()
        t = empty_tables()
        materialise_people(town, t)
        ledgers = {}
        for v in town.villages:
            ledgers[v.code] = build_ledger(v, villagers(v))
        contracts = {v.code: build_contracts(v) for v in town.villages}
        t["compensation_roster"] = build_compensation(town, random.Random(f"comp-{seed}-{town.code}"),
                                                      style.compensation_in_ledger)
        materialise_onecard(town, t)
        if full:
            inj.row_phase(t, ledgers, contracts)
        if style.compensation_in_ledger:
            facts.pay_compensation_through_ledger(t["compensation_roster"], ledgers)
        _basics(town, t, random.Random(f"basics-{seed}-{town.code}"), inj.book)
        _balance(town, t, inj)
        for v in town.villages:
            number_vouchers(ledgers[v.code], words=style.voucher_words)
            t["village_ledger"] += ledger_rows(v, ledgers[v.code])
            t["collective_contracts"] += contracts[v.code]
        quarantine = [dict(table=tb, column=r["_q"][0], reason_code=r["_q"][1], raw_value=r["_q"][2],
                           cleaned_value=r.get(r["_q"][0]) if r["_q"][1] in ("id_checksum", "id_birth_date", "id_region")
                           else "", village_code=r.get("village_code") or "", _row=r)
                      for tb, rows in t.items() for r in rows if "_q" in r]
        res = TownResult(town, t, quarantine, inj.book.resolved(inj.book.gt), inj.book.resolved(inj.book.nm))
        if verify:
            clean = clean_tables(t)
            res.flags = check(clean, quarantine)
            res.period_mismatches = facts.period_mismatches(style, clean, quarantine, res.flags)
        yield res
