"""An independent checker of every rule A01–E02, written from docs/rule_semantics.md.

It reads canonical rows (what a correct connector loads: the quarantined rows are *not* in the
tables) plus the quarantine list, and returns the set of flags as (rule_id, village_code,
subject_key). The generator's tests require `check(...) == ground truth`, which proves both that every
injected anomaly fires and that nothing else in the synthetic county does.

Deliberately conservative where rule_semantics.md leaves room: the kinship table treats *every* pair
of people sharing a register household or a roster household as close relatives (except relation 其他),
so a baseline that passes here passes any narrower kinship derivation; "active in a month" means
active on any day of it.

Long because every rule's check and the helpers they share (names, periods, kinship, the cadre circle)
are kept in this one file, which imports nothing from the project, so the oracle stays independent of rules/.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import Counter, defaultdict
from statistics import median

from pypinyin import lazy_pinyin

DOTS = "·•・.．‧"
PER_PERSON_ITEMS = ("高龄补贴", "残疾人两项补贴", "困难残疾人生活补贴", "重度残疾人护理补贴")
PER_HOUSEHOLD_ITEMS = ("耕地地力保护补贴", "农村低保", "特困供养", "生态公益林补偿", "退耕还林", "农村危房改造")
D04_KEYWORDS = ("招待", "餐", "宴", "烟", "酒", "礼品", "土特产", "购物卡", "加油卡")
SALARY_WORDS = ("工资", "误工", "补贴", "报酬", "津贴")
INF = dt.date(9999, 12, 31)
D10_AS_OF = dt.date(2024, 12, 31)

# (table, name column, id column) pairs that tie a name to an ID
NAME_ID_PAIRS = (
    ("assistance_roster", "head_name", "head_id"), ("assistance_roster", "member_name", "member_id"),
    ("disability_payments", "person_name", "person_id"), ("old_age_payments", "person_name", "person_id"),
    ("deaths", "person_name", "person_id"), ("cadre_roster", "person_name", "person_id"),
    ("relative_filings", "applicant_name", "applicant_id"), ("payroll", "person_name", "person_id"),
    ("onecard_payments", "person_name", "person_id"), ("farmland_subsidy", "head_name", "person_id"),
    ("land_contracts", "contractor_name", "person_id"), ("collective_contracts", "lessee_name", "lessee_id"),
    ("household_register", "person_name", "person_id"), ("compensation_roster", "person_name", "person_id"),
)


def norm_name(s: str | None) -> str:
    if not s:
        return ""
    return "".join("·" if ch in DOTS else ch for ch in s if not ch.isspace())


_PY: dict[str, str] = {}


def _py(s: str) -> str:
    if s not in _PY:
        _PY[s] = "".join(lazy_pinyin(s.replace("·", "")))
    return _PY[s]


def same_name(a: str | None, b: str | None) -> bool:
    a, b = norm_name(a), norm_name(b)
    return a == b or _py(a) == _py(b)


def month_start(d: dt.date) -> dt.date:
    return d.replace(day=1)


def next_month(d: dt.date) -> dt.date:
    return dt.date(d.year + d.month // 12, d.month % 12 + 1, 1)


def town_of(code: str) -> str:
    return code[:9]


def interval(r: dict) -> tuple[dt.date, dt.date] | None:
    """The roster row's active period [approval, stop] (None when never active)."""
    if r["stop_date"] is not None:
        return (r["approval_date"], r["stop_date"]) if r["stop_date"] >= r["approval_date"] else None
    if r["status"] == "在保":
        return (r["approval_date"], INF)
    return None


def active_on(r: dict, d: dt.date) -> bool:
    iv = interval(r)
    return iv is not None and iv[0] <= d <= iv[1]


def overlaps(a: tuple | None, b: tuple | None) -> bool:
    return a is not None and b is not None and a[0] <= b[1] and b[0] <= a[1]


def group_of(programme: str) -> str | None:
    if "低保" in programme or programme in ("A类", "B类", "C类"):
        return "低保"
    if "特困" in programme:
        return "特困"
    return None


def _robust_z(values: list[float]) -> tuple[float, float]:
    med = median(values)
    mad = median(abs(x - med) for x in values)
    return med, mad


def kinship(t: dict) -> dict[str, set[str]]:
    """person_id -> IDs of people sharing a register or roster household with them (relation ≠ 其他)."""
    groups: dict[tuple, set[str]] = defaultdict(set)
    for r in t["household_register"]:
        if r["relation_to_head"] != "其他":
            groups[("reg", r["household_no"])].add(r["person_id"])
    for r in t["assistance_roster"]:
        groups[("ros", r["head_id"])].add(r["head_id"])
        if r["relation_to_head"] != "其他":
            groups[("ros", r["head_id"])].add(r["member_id"])
    kin: dict[str, set[str]] = defaultdict(set)
    for members in groups.values():
        for p in members:
            kin[p] |= members
    return kin


def cadre_circle(t: dict) -> dict[str, set[str]]:
    """village_code -> IDs of its cadres and their close relatives."""
    kin = kinship(t)
    out: dict[str, set[str]] = defaultdict(set)
    for r in t["cadre_roster"]:
        out[r["village_code"]].add(r["person_id"])
        out[r["village_code"]] |= kin.get(r["person_id"], set())
    return out


def id_names(t: dict) -> dict[str, list[str]]:
    names: dict[str, list[str]] = defaultdict(list)
    for table, ncol, icol in NAME_ID_PAIRS:
        for r in t[table]:
            if r.get(icol) and r.get(ncol):
                names[r[icol]].append(r[ncol])
    return names


def basics_for(t: dict, code: str, year: int) -> dict | None:
    rows = [r for r in t["village_basics"] if r["village_code"] == code]
    if not rows:
        return None
    before = [r for r in rows if r["year"] <= year]
    if before:
        return max(before, key=lambda r: r["year"])
    return min(rows, key=lambda r: abs(r["year"] - year))


def check(t: dict[str, list[dict]], quarantine: list[dict]) -> set[tuple[str, str, str]]:
    """All flags as (rule_id, village_code, subject_key)."""
    f: set[tuple[str, str, str]] = set()
    roster = t["assistance_roster"]
    circle = cadre_circle(t)
    id_to_names = id_names(t)
    name_circle: dict[str, list[str]] = defaultdict(list)
    for code, ids in circle.items():
        for pid in ids:
            name_circle[code] += id_to_names.get(pid, [])

    # A01
    deaths = {r["person_id"]: r["death_date"] for r in t["deaths"]}
    for r in roster:
        d = deaths.get(r["member_id"])
        if d and active_on(r, next_month(d)):
            f.add(("A01", r["village_code"], r["member_id"]))
    for table in ("onecard_payments", "disability_payments", "old_age_payments"):
        for r in t[table]:
            d = deaths.get(r["person_id"])
            if d and r["pay_month"] >= next_month(d):
                f.add(("A01", r["village_code"], r["person_id"]))
    # A02 / A03
    by_member: dict[str, list[dict]] = defaultdict(list)
    for r in roster:
        by_member[r["member_id"]].append(r)
    for pid, rows in by_member.items():
        for i, a in enumerate(rows):
            for b in rows[i + 1:]:
                ga, gb = group_of(a["programme"]), group_of(b["programme"])
                if overlaps(interval(a), interval(b)):
                    if ga == gb and ga is not None:
                        f.add(("A03", a["village_code"], pid))
                        f.add(("A03", b["village_code"], pid))
                    elif {ga, gb} == {"低保", "特困"}:
                        tk = a if ga == "特困" else b
                        f.add(("A02", tk["village_code"], pid))
    care = defaultdict(list)
    for r in t["disability_payments"]:
        if "护理" in r["subsidy_type"]:
            care[r["person_id"]].append(r["pay_month"])
    for r in roster:
        if group_of(r["programme"]) == "特困" and r["member_id"] in care:
            iv = interval(r)
            for m in care[r["member_id"]]:
                if overlaps(iv, (m, next_month(m) - dt.timedelta(days=1))):
                    f.add(("A02", r["village_code"], r["member_id"]))
    # A04
    payroll = defaultdict(list)
    for r in t["payroll"]:
        payroll[r["person_id"]].append((r["start_date"], (r["end_date"] - dt.timedelta(days=1)) if r["end_date"] else INF))
    for r in roster:
        if group_of(r["programme"]) and r["member_id"] in payroll:
            if any(overlaps(interval(r), p) for p in payroll[r["member_id"]]):
                f.add(("A04", r["village_code"], r["member_id"]))
    # A05
    filed = {r["applicant_id"] for r in t["relative_filings"]}
    households: dict[tuple[str, str], list[dict]] = defaultdict(list)
    for r in roster:
        households[(r["village_code"], r["head_id"])].append(r)
    for (code, head), rows in households.items():
        if not any(interval(r) for r in rows):
            continue
        for r in rows:
            if r["member_id"] in circle.get(code, ()) and head not in filed and r["member_id"] not in filed:
                f.add(("A05", code, head))
    # A06
    for q in quarantine:
        if q["reason_code"] in ("id_checksum", "id_birth_date", "id_region"):
            f.add(("A06", q["village_code"], q["cleaned_value"]))
    villages_of: dict[str, set[str]] = defaultdict(set)
    for table, _, icol in NAME_ID_PAIRS:
        for r in t[table]:
            if r.get(icol) and r.get("village_code"):
                villages_of[r[icol]].add(r["village_code"])
    for pid, nms in id_to_names.items():
        uniq = sorted(set(norm_name(n) for n in nms))
        if any(not same_name(a, b) for i, a in enumerate(uniq) for b in uniq[i + 1:]):
            for code in villages_of[pid]:
                f.add(("A06", code, pid))
    # A07
    for r in t["old_age_payments"]:
        last = next_month(r["pay_month"]) - dt.timedelta(days=1)
        b = dt.date(int(r["person_id"][6:10]), int(r["person_id"][10:12]), int(r["person_id"][12:14]))
        age = last.year - b.year - ((last.month, last.day) < (b.month, b.day))
        if age < 80:
            f.add(("A07", r["village_code"], r["person_id"]))
    # A08
    dibao_rows = defaultdict(list)
    for r in roster:
        if group_of(r["programme"]) == "低保":
            dibao_rows[r["member_id"]].append(r)
    for r in t["disability_payments"]:
        m = r["pay_month"]
        span = (m, next_month(m) - dt.timedelta(days=1))
        if "生活补贴" in r["subsidy_type"]:
            if not any(overlaps(interval(x), span) for x in dibao_rows.get(r["person_id"], [])):
                f.add(("A08", r["village_code"], r["person_id"]))
        if "护理" in r["subsidy_type"] and r["disability_grade"] not in (1, 2):
            f.add(("A08", r["village_code"], r["person_id"]))
    # A09
    dates = [r["approval_date"] for r in roster] + [r["stop_date"] for r in roster if r["stop_date"]]
    if dates and t["village_basics"]:
        as_of = max(dates)
        latest = max(r["year"] for r in t["village_basics"])
        counts: dict[str, set[str]] = defaultdict(set)
        for r in roster:
            if group_of(r["programme"]) == "低保" and active_on(r, as_of):
                counts[r["village_code"]].add(r["member_id"])
        rates = {}
        for b in t["village_basics"]:
            if b["year"] == latest:
                rates[b["village_code"]] = len(counts.get(b["village_code"], ())) / b["registered_population"]
        by_town = defaultdict(list)
        for code, rate in rates.items():
            by_town[town_of(code)].append(rate)
        for code, rate in rates.items():
            if rate > 2 * median(by_town[town_of(code)]) and len(counts.get(code, ())) >= 5:
                f.add(("A09", code, code))
    _onecard(t, f)
    _farmland(t, f, circle)
    _ledger(t, f, circle, name_circle)
    _assets(t, f, circle, name_circle)
    return f


def _onecard(t: dict, f: set) -> None:
    pay = t["onecard_payments"]
    reg_hh = {r["person_id"]: r["household_no"] for r in t["household_register"]}
    by_acct = defaultdict(list)
    for r in pay:
        by_acct[r["account_no"]].append(r)
    for acct, rows in by_acct.items():
        people = {r["person_id"] for r in rows}
        hhs = {reg_hh.get(r["person_id"]) or ("name", norm_name(r["head_name"])) for r in rows}
        if len(people) >= 2 and len(hhs) >= 2:
            village = Counter(r["village_code"] for r in rows).most_common(1)[0][0]
            f.add(("B01", village, acct))
    for r in pay:
        if r["item"] in PER_PERSON_ITEMS and not same_name(r["account_holder"], r["person_name"]):
            f.add(("B02", r["village_code"], r["person_id"]))
        if r["item"] in PER_HOUSEHOLD_ITEMS and not same_name(r["account_holder"], r["head_name"]):
            f.add(("B02", r["village_code"], r["person_id"]))
    seen = Counter((r["person_id"], r["item"], r["pay_month"]) for r in pay)
    for r in pay:
        if seen[(r["person_id"], r["item"], r["pay_month"])] > 1:
            f.add(("B03", r["village_code"], r["person_id"]))
    groups = defaultdict(list)
    for r in pay:
        groups[(r["item"], r["village_code"])].append(r)
    for rows in groups.values():
        if len(rows) < 5:
            continue
        med, mad = _robust_z([r["amount_yuan"] for r in rows])
        for r in rows:
            x = r["amount_yuan"]
            if (mad > 0 and 0.6745 * (x - med) / mad > 3.5) or (mad == 0 and x > 1.5 * med):
                f.add(("B04", r["village_code"], r["person_id"]))
    reg = defaultdict(set)
    for r in t["household_register"]:
        reg[r["village_code"]].add(r["person_id"])
    for r in pay:
        if r["village_code"] in reg and r["person_id"] not in reg[r["village_code"]]:
            f.add(("B05", r["village_code"], r["person_id"]))
    # E01 / E02
    per = defaultdict(lambda: [set(), set(), 0.0])
    for r in pay:
        k = (r["village_code"], r["pay_month"].year)
        per[k][0].add(r["person_id"])
        per[k][1].add(norm_name(r["head_name"]))
        per[k][2] += r["amount_yuan"]
    percap = defaultdict(dict)
    for (code, year), (people, heads, total) in per.items():
        b = basics_for(t, code, year)
        if b is None:
            continue
        if len(people) > b["registered_population"] or len(heads) > b["households"]:
            f.add(("E01", code, code))
        percap[(town_of(code), year)][code] = total / b["registered_population"]
    for vals in percap.values():
        med, mad = _robust_z(list(vals.values()))
        if mad > 0:
            for code, x in vals.items():
                if 0.6745 * (x - med) / mad > 3.5:
                    f.add(("E02", code, code))


def _farmland(t: dict, f: set, circle: dict) -> None:
    contract = defaultdict(float)
    for r in t["land_contracts"]:
        contract[(r["village_code"], r["person_id"])] += r["contract_area_mu"] or 0.0
    area = defaultdict(float)
    total = defaultdict(float)
    for r in t["farmland_subsidy"]:
        if r["subsidy_area_mu"] > 1.05 * contract.get((r["village_code"], r["person_id"]), 0.0):
            f.add(("C01", r["village_code"], r["person_id"]))
        area[(r["village_code"], r["person_id"], r["year"])] += r["subsidy_area_mu"]
        total[(r["village_code"], r["year"])] += r["subsidy_area_mu"]
    for (code, year), s in total.items():
        b = basics_for(t, code, year)
        if b is not None and s > 1.05 * b["farmland_mu"]:
            f.add(("C02", code, code))
    for (code, pid, year), a in area.items():
        if pid not in circle.get(code, ()):
            continue
        prev = area.get((code, pid, year - 1))
        tprev, tnow = total.get((code, year - 1)), total.get((code, year))
        if prev and tprev and a >= 1.10 * prev and abs(tnow / tprev - 1) <= 0.02:
            f.add(("C03", code, pid))


def _vk(r: dict) -> str:
    """A voucher by accounting period, word and number (rules.sqlparts.voucher_key)."""
    return f"{r['voucher_date']:%Y-%m}/{r['voucher_no']}"


def _key(rows: list[dict]) -> str:
    return ";".join(sorted({_vk(r) for r in rows}))


def _ledger(t: dict, f: set, circle: dict, name_circle: dict) -> None:
    pays = [r for r in t["village_ledger"] if (r["debit_yuan"] or 0) > 0
            and not r["subject_name"].startswith(("库存现金", "银行存款"))]
    by_village = defaultdict(list)
    for r in pays:
        by_village[r["village_code"]].append(r)
    dec_shares: dict[tuple[str, int], float] = {}
    for code, rows in by_village.items():
        for r in rows:
            amt = r["debit_yuan"]
            if "现金" in (r["settlement_method"] or "") and amt > 1000:
                f.add(("D01", code, _vk(r)))
            if "招待" in r["subject_name"] or any(k in (r["summary"] or "") for k in D04_KEYWORDS):
                f.add(("D04", code, _vk(r)))
            if r["payee"] and not any(w in r["subject_name"] for w in SALARY_WORDS):
                if any(same_name(r["payee"], n) for n in name_circle.get(code, [])):
                    f.add(("D05", code, _vk(r)))
            if (r["receipt_type"] in ("白条", "收条", "无") or r["attachment_count"] == 0) and amt > 200:
                f.add(("D06", code, _vk(r)))
        by_payee = defaultdict(list)
        for r in rows:
            if r["payee"]:
                by_payee["".join(r["payee"].split())].append(r)
        for ps in by_payee.values():
            small = sorted((r for r in ps if r["debit_yuan"] < 10000), key=lambda r: (r["voucher_date"], r["voucher_no"]))
            i = 0
            while i < len(small):
                start = small[i]["voucher_date"]
                j = i
                while j + 1 < len(small) and (small[j + 1]["voucher_date"] - start).days <= 7:
                    j += 1
                cluster = small[i:j + 1]
                if len(cluster) >= 2 and sum(r["debit_yuan"] for r in cluster) >= 10000:
                    f.add(("D02", code, _key(cluster)))
                    i = j + 1
                else:
                    i += 1
            # D03: connected components of same-amount pairs within 3 days
            parent = {_vk(r): _vk(r) for r in ps}

            def find(x: str, parent: dict[str, str] = parent) -> str:
                while parent[x] != x:
                    x = parent[x]
                return x
            linked = set()
            for a_i, a in enumerate(ps):
                for b in ps[a_i + 1:]:
                    if (_vk(a) != _vk(b) and abs(a["debit_yuan"] - b["debit_yuan"]) < 0.005
                            and abs((a["voucher_date"] - b["voucher_date"]).days) <= 3):
                        parent[find(_vk(a))] = find(_vk(b))
                        linked |= {_vk(a), _vk(b)}
            comps = defaultdict(set)
            for no in linked:
                comps[find(no)].add(no)
            for comp in comps.values():
                f.add(("D03", code, ";".join(sorted(comp))))
        # D07 shares
        years = sorted({r["voucher_date"].year for r in rows})
        for y in years:
            np_rows = [r for r in rows if r["voucher_date"].year == y
                       and r["subject_name"].startswith(("管理费用", "其他支出"))]
            tot = sum(r["debit_yuan"] for r in np_rows)
            if tot > 0:
                dec_shares[(code, y)] = sum(r["debit_yuan"] for r in np_rows if r["voucher_date"].month == 12) / tot
        # D08
        amounts = [r["debit_yuan"] for r in rows if r["debit_yuan"] >= 10]
        if len(amounts) >= 300:
            c = Counter(int(f"{a:.6e}"[0]) for a in amounts)
            mad = sum(abs(c[d] / len(amounts) - math.log10(1 + 1 / d)) for d in range(1, 10)) / 9
            if mad > 0.015:
                f.add(("D08", code, code))
    town_year = defaultdict(list)
    for (code, y), s in dec_shares.items():
        town_year[(town_of(code), y)].append(s)
    for (code, y), s in dec_shares.items():
        prev = [dec_shares[(code, p)] for p in range(y - 10, y) if (code, p) in dec_shares]
        if len(prev) >= 2:
            if s > 2 * (sum(prev) / len(prev)):
                f.add(("D07", code, code))
        elif s > 2 * median(town_year[(town_of(code), y)]):
            f.add(("D07", code, code))


def _assets(t: dict, f: set, circle: dict, name_circle: dict) -> None:
    contracts = defaultdict(set)
    for r in t["land_contracts"]:
        contracts[r["village_code"]].add(r["person_id"])
    projects = defaultdict(set)
    for r in t["compensation_roster"]:
        projects[(r["village_code"], r["person_id"])].add(r["project_name"])
        if r["person_id"] not in contracts.get(r["village_code"], ()):
            f.add(("D09", r["village_code"], r["person_id"]))
    for (code, pid), ps in projects.items():
        if len(ps) >= 2:
            f.add(("D09", code, pid))
    cc = t["collective_contracts"]
    rate = defaultdict(list)
    town_rate = defaultdict(list)
    for r in cc:
        if r["area_mu"]:
            rate[(r["village_code"], r["asset_kind"])].append(r["annual_rent_yuan"] / r["area_mu"])
            town_rate[(town_of(r["village_code"]), r["asset_kind"])].append(r["annual_rent_yuan"] / r["area_mu"])
    for r in cc:
        code = r["village_code"]
        hit = False
        if r["lessee_id"] and r["lessee_id"] in circle.get(code, ()):
            hit = True
        if r["lessee_name"] and any(same_name(r["lessee_name"], n) for n in name_circle.get(code, [])):
            hit = True
        if r["area_mu"]:
            peers = rate[(code, r["asset_kind"])]
            if len(peers) < 3:
                peers = town_rate[(town_of(code), r["asset_kind"])]
            if r["annual_rent_yuan"] / r["area_mu"] < 0.5 * median(peers):
                hit = True
        s, e = r["start_date"], r["end_date"]
        try:
            s30 = s.replace(year=s.year + 30)
        except ValueError:
            s30 = s.replace(year=s.year + 30, day=28)
        if e > s30:
            hit = True
        if (r["arrears_yuan"] or 0) > 0:
            try:
                anniv = s.replace(year=D10_AS_OF.year)
            except ValueError:
                anniv = s.replace(year=D10_AS_OF.year, day=28)
            if anniv > D10_AS_OF:
                anniv = anniv.replace(year=anniv.year - 1)
            if (D10_AS_OF - anniv).days > 60:
                hit = True
        if hit:
            f.add(("D10", code, r["contract_no"]))
