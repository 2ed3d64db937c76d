"""Materialise the world into canonical rows (the tables of connectors/schema.py).

Rows are dicts keyed by canonical column names plus `village_code` (for tables that carry a
village). They hold what a correct connector should load: typed dates and amounts, IDs as
18-character strings. Names are kept *as written* (with stray spaces, dot variants, homophone
spellings), because normalising them is the readers' and the rules' job.

Hints for the writers start with an underscore:
  _ids   {column: style}  how to spell a valid ID (fullwidth, lower_x, apostrophe, spaces, tab, id15)
  _q     (column, reason_code, raw_value)  the row's ID is unusable; the connector must quarantine it
"""

from __future__ import annotations

import datetime as dt

from samplegen import names as N
from samplegen.world import (
    CARE_SUBSIDY,
    COUNTY_NAME,
    LIVING_SUBSIDY,
    TEKUN_AMOUNT,
    D,
    Person,
    Town,
    Village,
    age_on,
    month_end,
    oldage_amount,
)

FARMLAND_RATE = {2022: 116.5, 2023: 118.2, 2024: 120.0}
PER_PERSON_ITEMS = ("高龄补贴", "残疾人两项补贴", "困难残疾人生活补贴", "重度残疾人护理补贴")
PER_HOUSEHOLD_ITEMS = ("耕地地力保护补贴", "农村低保", "特困供养", "生态公益林补偿", "退耕还林", "农村危房改造")

TABLE_NAMES = (
    "assistance_roster", "disability_payments", "old_age_payments", "deaths", "cadre_roster",
    "relative_filings", "payroll", "onecard_payments", "farmland_subsidy", "land_contracts",
    "village_ledger", "collective_contracts", "village_basics", "household_register",
    "compensation_roster",
)
DOTS_BY_TABLE = {
    "assistance_roster": "·", "disability_payments": "•", "old_age_payments": "・", "deaths": ".",
    "onecard_payments": "·", "household_register": "·", "land_contracts": "•", "farmland_subsidy": "・",
}
SPACED_TABLES = ("old_age_payments", "assistance_roster", "farmland_subsidy")


def name_in(p: Person, table: str) -> str:
    """The person's name as this department writes it (dot variant, alignment spaces)."""
    nm = p.name
    if p.minority:
        return nm.replace("·", DOTS_BY_TABLE.get(table, "·"))
    if table in SPACED_TABLES and len(nm) == 2 and int(p.pid[14:17]) % 7 == 0:
        return N.spaced(nm)
    return nm


def empty_tables() -> dict[str, list[dict]]:
    return {t: [] for t in TABLE_NAMES}


def _vrow(v: Village, **kw) -> dict:
    kw["village_code"] = v.code
    return kw


def materialise_people(town: Town, tables: dict[str, list[dict]]) -> None:
    """Every table that follows from people and households (not ledger, contracts, onecard, basics)."""
    for v in town.villages:
        _register(v, tables)
        _roster(v, tables)
        _disability(v, tables)
        _oldage(v, tables)
        _deaths(v, tables)
        _cadres(v, tables)
        _filings(v, tables)
        _payroll(v, tables)
        _land(v, tables)


def _register(v: Village, t: dict) -> None:
    for h in v.households:
        for p in h.members:
            t["household_register"].append(_vrow(
                v, household_no=h.no, person_name=name_in(p, "household_register"), person_id=p.pid,
                sex="男" if p.male else "女", birth_date=p.birth, relation_to_head=p.rel, group_name=h.group,
                register_status=p.status, cancel_date=p.death if p.status == "注销" else None, _p=p))


def _roster(v: Village, t: dict) -> None:
    for c in v.cases:
        rows = list(c.members) + list(c.extra_rows)
        for p, rel in rows:
            status, stop = c.member_stop.get(p.pid, (c.status, c.stop))
            t["assistance_roster"].append(_vrow(
                v, county=COUNTY_NAME, head_name=name_in(c.head, "assistance_roster"), head_id=c.head.pid,
                member_name=name_in(p, "assistance_roster"), member_id=p.pid, relation_to_head=rel,
                programme=c.programme, household_size=len(c.members), monthly_amount_yuan=c.amount,
                approval_date=c.approval, status=status, stop_date=stop, _p=p, _case=c))


def _disability(v: Village, t: dict) -> None:
    for p in v.people():
        for typ, months in p.dis_months.items():
            cat, grade = p.disability
            cert = p.pid + str(N_CAT.index(cat) + 1) + str(grade)
            for m in months:
                amount = LIVING_SUBSIDY if "生活" in typ else CARE_SUBSIDY.get(grade, 80.0)
                t["disability_payments"].append(_vrow(
                    v, person_name=name_in(p, "disability_payments"), person_id=p.pid, disability_cert_no=cert,
                    disability_category=cat + "残疾", disability_grade=grade, subsidy_type=typ, pay_month=m,
                    amount_yuan=amount, _p=p))


N_CAT = ("视力", "听力", "言语", "肢体", "智力", "精神", "多重")


def _oldage(v: Village, t: dict) -> None:
    for p in v.people():
        for m in p.oldage_months:
            amt = p.__dict__.get("oldage_amounts", {}).get(m, oldage_amount(p, m))
            row = _vrow(
                v, person_name=name_in(p, "old_age_payments"), person_id=p.pid,
                age=age_on(p.birth, month_end(m)), standard_yuan=oldage_amount(p, m), pay_month=m,
                amount_yuan=amt, _p=p)
            if p.birth.year < 1940 and int(p.pid[14]) % 3 == 0:  # still carries the old 15-digit number
                row["_ids"] = {"person_id": "id15"}
            t["old_age_payments"].append(row)


def _deaths(v: Village, t: dict) -> None:
    for p in v.people():
        if p.death is not None and p.death.year >= 2022:
            t["deaths"].append(_vrow(v, person_name=name_in(p, "deaths"), person_id=p.pid, death_date=p.death,
                                     reason="死亡", _p=p))


def _cadres(v: Village, t: dict) -> None:
    for p, position in v.cadres:
        t["cadre_roster"].append(_vrow(v, person_name=p.name, person_id=p.pid, position=position,
                                       term_start_date=D(2021, 1, 15) if "组长" not in position else D(2021, 3, 2),
                                       term_end_date=None, _p=p))


def _filings(v: Village, t: dict) -> None:
    for f in v.filings:
        t["relative_filings"].append(_vrow(
            v, applicant_name=f["applicant"].name, applicant_id=f["applicant"].pid, related_name=f["related"].name,
            related_position=f["position"], relation=f["relation"], filing_date=f["date"], _p=f["applicant"]))


def _payroll(v: Village, t: dict) -> None:
    for r in v.payroll:
        p = r["person"]
        t["payroll"].append(dict(person_name=p.name, person_id=p.pid, employer=r["employer"],
                                 staff_category=r["category"], start_date=r["start"], end_date=r["end"],
                                 _vcode=v.code, _p=p))


def _land(v: Village, t: dict) -> None:
    for h in v.households:
        if h.contract_area is not None:
            t["land_contracts"].append(_vrow(
                v, contractor_name=name_in(h.head, "land_contracts"), person_id=h.head.pid, group_name=h.group,
                plot_count=h.plots, contract_area_mu=h.contract_area, _p=h.head))
        for y, area in sorted(h.subsidy_area.items()):
            t["farmland_subsidy"].append(_vrow(
                v, year=y, group_name=h.group, head_name=name_in(h.head, "farmland_subsidy"), person_id=h.head.pid,
                contract_area_mu=h.contract_area, subsidy_area_mu=area, rate_yuan_per_mu=FARMLAND_RATE[y],
                amount_yuan=round(area * FARMLAND_RATE[y], 2), account_no=h.head.account, _p=h.head))


# ---------------------------------------------------------------------------------------------
# One-card payments
# ---------------------------------------------------------------------------------------------

def pay_date(month: D, salt: str) -> D:
    return month.replace(day=10 + int(salt[-3:-1]) % 15)


def onecard_row(v: Village, item: str, month: D, person: Person, amount: float, *, head: Person | None = None,
                holder: Person | None = None, account: str | None = None, person_name: str | None = None,
                holder_name: str | None = None, head_name: str | None = None) -> dict:
    head = head or person.hh.head
    holder = holder or (person if item in PER_PERSON_ITEMS else head)
    row = _onecard_row(v, item, month, person, amount, head, holder, account, person_name, holder_name, head_name)
    if person.pid.endswith("X") and int(person.pid[15]) % 2 == 0:  # this clerk types a lower-case x
        row["_ids"] = {"person_id": "lower_x"}
    return row


def _onecard_row(v, item, month, person, amount, head, holder, account, person_name, holder_name, head_name):
    return _vrow(
        v, item=item, pay_month=month, person_name=person_name or name_in(person, "onecard_payments"),
        person_id=person.pid, head_name=head_name or name_in(head, "onecard_payments"),
        account_no=account or holder.account, account_holder=holder_name or name_in(holder, "onecard_payments"),
        bank=holder.bank, amount_yuan=amount, pay_date=pay_date(month, person.pid), _p=person)


def materialise_onecard(town: Town, tables: dict[str, list[dict]]) -> None:
    rows = tables["onecard_payments"]
    for v in town.villages:
        for h in v.households:
            area = h.subsidy_area.get(2024)
            if area:
                rows.append(onecard_row(v, "耕地地力保护补贴", D(2024, 6, 1), h.head,
                                        round(area * FARMLAND_RATE[2024], 2), head=h.head))
        for c in v.cases:
            item = "特困供养" if not c.is_dibao else "农村低保"
            for m in c.paid_months_2024():
                rows.append(onecard_row(v, item, m, c.head, c.amount if c.is_dibao else TEKUN_AMOUNT, head=c.head))
        for p in v.people():
            for m in p.oldage_months:
                amt = p.__dict__.get("oldage_amounts", {}).get(m, oldage_amount(p, m))
                rows.append(onecard_row(v, "高龄补贴", m, p, amt))
            for typ, months in p.dis_months.items():
                grade = p.disability[1]
                for m in months:
                    amount = LIVING_SUBSIDY if "生活" in typ else CARE_SUBSIDY.get(grade, 80.0)
                    rows.append(onecard_row(v, typ, m, p, amount))
        tuigeng = getattr(v, "tuigeng", [])
        n = len(tuigeng)
        for i, h in enumerate(tuigeng):
            rows.append(onecard_row(v, "退耕还林", D(2024, 9, 1), h.head, float(round(300 + 500 * (i + 0.5) / n)),
                                    head=h.head))


__all__ = ["materialise_people", "materialise_onecard", "empty_tables", "TEKUN_AMOUNT", "dt"]
