"""A small county for the report tests: canonical rows that fire A01, A06, B01, B02 and B03, run through
`pipelines.steps.check` on a temporary workspace, so reports read exactly what a run stores.

Other report tests import `build_county` from here; the tests below check the county itself.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import duckdb

from connectors.schema import TABLES, data_columns
from pipelines import steps
from xuncha.config import WorkspaceConfig
from xuncha.idcard import check_char

TOWNS = {"1002": "城关镇", "1003": "东岭镇"}
VILLAGES = {
    "611021100201": ("城关镇", "东关村"),
    "611021100202": ("城关镇", "西街村"),
    "611021100203": ("城关镇", "南坪村"),
    "611021100301": ("东岭镇", "东岭村"),
    "611021100302": ("东岭镇", "石门村"),
    "611021100303": ("东岭镇", "桃园村"),  # nothing flagged
}
# A 12-digit account: shorter than the generic account pattern, masked because it is a known account.
SHORT_ACCOUNT = "620110203344"
LONG_ACCOUNT = "6217000011112222333"


def pid(birth: str, seq: int) -> str:
    body = f"611021{birth}{seq:03d}"
    return body + check_char(body)


@dataclass
class County:
    root: Path
    con: duckdb.DuckDBPyConnection
    config: WorkspaceConfig
    people: dict[str, str]  # name -> ID


def _insert(con: duckdb.DuckDBPyConnection, table: str, rows: list[dict], file: str, sheet: str = "Sheet1") -> None:
    known = {c.name for c in data_columns(TABLES[table])}
    for i, rec in enumerate(rows):
        full = {"source_file": file, "source_sheet": sheet, "source_row": i + 2, **rec}
        if "pay_month" in full and "period_start" in known and "period_start" not in full:
            # a monthly payment covers its own month (connectors/periods.py fills these on ingest)
            full["period_start"] = full["period_end"] = full["pay_month"]
        assert set(full) <= known, set(full) - known
        if "village_code" in full and full["village_code"] in VILLAGES and "village_raw" not in full:
            full["town_raw"], full["village_raw"] = VILLAGES[full["village_code"]]
        cols = list(full)
        con.execute(f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({', '.join('?' for _ in cols)})",
                    [full[c] for c in cols])


def _month(year: int, month: int) -> dt.date:
    return dt.date(year + (month - 1) // 12, (month - 1) % 12 + 1, 1)


def build_county(root: Path, config: WorkspaceConfig | None = None) -> County:
    config = config or WorkspaceConfig.model_validate({"county": {"name": "示例县"}})
    ws = steps.Workspace(root)
    con = ws.connect()
    people = {
        "张三": pid("19400101", 1),
        "李四": pid("19450202", 2),
        "王五": pid("19380303", 3),
        "赵六": pid("19500404", 4),
        "钱七": pid("19520505", 5),
        "孙八": pid("19420606", 6),
    }
    basics = []
    for code, (town, village) in VILLAGES.items():
        basics.append({"year": 2023, "village_code": code, "town_raw": town, "village_raw": village,
                       "households": 300, "registered_population": 1000, "resident_population": 800,
                       "farmland_mu": 2000.0, "income_per_capita_yuan": 15000.0})
        basics.append({"year": 2024, "village_code": code, "town_raw": town, "village_raw": village,
                       "households": 310, "registered_population": 1020, "resident_population": 790,
                       "farmland_mu": 1980.5, "income_per_capita_yuan": 16250.0})
    _insert(con, "village_basics", basics, "统计/村基本情况2024.xlsx", "村情")

    # A01: 张三 died in March 2024, old-age allowance paid 8 more months (a detail sheet);
    # 王五 died in June 2024 and is still on the 低保 roster.
    _insert(con, "deaths", [
        {"person_id": people["张三"], "person_name": "张三", "death_date": dt.date(2024, 3, 10), "village_code": "611021100201"},
        {"person_id": people["王五"], "person_name": "王五", "death_date": dt.date(2024, 6, 2), "village_code": "611021100301"},
    ], "公安/死亡注销名单.xlsx", "注销")
    _insert(con, "old_age_payments", [
        {"person_id": people["张三"], "person_name": "张三", "pay_month": _month(2024, m), "amount_yuan": 100.0,
         "village_code": "611021100201"}
        for m in range(3, 12)
    ], "民政/高龄补贴发放.xlsx", "2024年")
    _insert(con, "assistance_roster", [
        {"head_id": people["王五"], "head_name": "王五", "member_id": people["王五"], "member_name": "王五",
         "programme": "农村低保", "status": "在保", "approval_date": dt.date(2019, 5, 1), "monthly_amount_yuan": 450.0,
         "village_code": "611021100301"},
    ], "民政/低保花名册.xlsx", "在保")

    # B01: 赵六 and 钱七 (two households) paid into 孙八's account; B03: 李四 paid twice in one month
    # into a 12-digit account.
    _insert(con, "household_register", [
        {"household_no": "001", "person_id": people["赵六"], "person_name": "赵六", "relation_to_head": "户主",
         "village_code": "611021100202"},
        {"household_no": "002", "person_id": people["钱七"], "person_name": "钱七", "relation_to_head": "户主",
         "village_code": "611021100202"},
    ], "公安/户籍人口.xlsx", "户籍")
    payments = []
    for name in ("赵六", "钱七"):
        payments.append({"item": "耕地地力保护补贴", "pay_month": dt.date(2024, 5, 1), "person_id": people[name],
                         "person_name": name, "head_name": name, "account_no": LONG_ACCOUNT, "account_holder": "孙八",
                         "amount_yuan": 1250.0, "village_code": "611021100202"})
    for _ in range(2):
        payments.append({"item": "高龄补贴", "pay_month": dt.date(2024, 7, 1), "person_id": people["李四"],
                         "person_name": "李四", "head_name": "李四", "account_no": SHORT_ACCOUNT, "account_holder": "李四",
                         "amount_yuan": 200.0, "village_code": "611021100302"})
    _insert(con, "onecard_payments", payments, "财政/一卡通发放明细.xlsx", "明细")

    now = dt.datetime(2024, 12, 1, 9, 30)
    log = [
        ("统计/村基本情况2024.xlsx", "village_basics", 12), ("公安/死亡注销名单.xlsx", "deaths", 2),
        ("民政/高龄补贴发放.xlsx", "old_age_payments", 9), ("民政/低保花名册.xlsx", "assistance_roster", 1),
        ("公安/户籍人口.xlsx", "household_register", 2), ("财政/一卡通发放明细.xlsx", "onecard_payments", 4),
    ]
    for i, (file, table, n) in enumerate(log):
        con.execute("INSERT INTO load_log VALUES (?, ?, ?, ?, ?, ?, 1, ?, ?, ?, 0, '')",
                    [f"L{i}", file, "0" * 64, now + dt.timedelta(minutes=i), table, table, n + (1 if i == 1 else 0), n,
                     1 if i == 1 else 0])
    con.execute(
        "INSERT INTO quarantine VALUES ('公安/死亡注销名单.xlsx', '注销', 9, 'deaths', 'deaths', 'person_id', "
        "'id_checksum', '身份证号校验位错误', ?, ?, '611021100201')",
        ['{"姓名": "周九", "身份证号": "611021193001010010"}', "611021193001010010"],
    )
    (root / "ingest_report.csv").write_text(
        "\ufefffile,sheet,extract,rows_read,rows_loaded,rows_quarantined,rows_skipped,message\n"
        + "".join(f"{f},Sheet1,{t},{n + (1 if i == 1 else 0)},{n},{1 if i == 1 else 0},0,\n" for i, (f, t, n) in enumerate(log)),
        encoding="utf-8",
    )
    steps.check(ws, con, config)
    return County(root, con, config, people)


# The village where next_run changes something: 李四's double payment (B03) moves from July to August.
MOVED_B03_VILLAGE = "611021100302"


def next_run(county: County, run_time: dt.datetime) -> None:
    """A later run where 李四's July double payment was corrected and an August one appeared: in
    西村 one B03 flag is resolved and one is new; nothing else changes."""
    con = county.con
    con.execute("DELETE FROM onecard_payments WHERE person_name = '李四'")
    _insert(con, "onecard_payments", [
        {"item": "高龄补贴", "pay_month": dt.date(2024, m, 1), "person_id": county.people["李四"], "person_name": "李四",
         "head_name": "李四", "account_no": SHORT_ACCOUNT, "account_holder": "李四", "amount_yuan": 200.0,
         "village_code": MOVED_B03_VILLAGE}
        for m in (7, 8, 8)
    ], "财政/一卡通发放明细.xlsx", "明细")
    steps.check(steps.Workspace(county.root), con, county.config, run_time=run_time)


def test_the_county_fires_the_rules_the_report_tests_rely_on(tmp_path: Path) -> None:
    county = build_county(tmp_path)
    fired = dict(county.con.execute("SELECT rule_id, count(*) FROM flags GROUP BY rule_id").fetchall())
    assert fired.get("A01") == 2 and fired.get("B01") == 1 and fired.get("B03") == 1, fired
    assert fired.get("A06") == 1, fired  # the quarantined bad ID: evidence that is only in the quarantine
    ev = county.con.execute(
        "SELECT len(evidence_list) FROM flags WHERE rule_id = 'A01' AND village_code = '611021100201'"
    ).fetchone()[0]
    assert ev > 5  # a detail sheet
    assert county.con.execute("SELECT count(*) FROM village_scores").fetchone()[0] == len(VILLAGES)
