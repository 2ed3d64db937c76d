"""重点村 from the village portrait: each criterion pinned, missing sources named (never "no problem"),
the reasons carried to the cover and the office workbook."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl
import pytest
from test_reports_county import _insert, build_county

import reports
from pipelines import steps
from reports import portrait_sheets
from xuncha.config import WorkspaceConfig

EAST, WEST, SOUTH = "611021100201", "611021100202", "611021100203"
DONGLING, SHIMEN, TAOYUAN = "611021100301", "611021100302", "611021100303"


def portrait(con) -> dict[str, dict]:
    rows = con.execute("SELECT * FROM village_portrait").pl().iter_rows(named=True)
    return {r["village_code"]: r for r in rows}


def classes(con) -> dict[str, str]:
    return dict(con.execute("SELECT village_code, class FROM village_scores").fetchall())


@pytest.fixture
def county(tmp_path: Path):
    c = build_county(tmp_path)
    yield c
    c.con.close()


def test_without_the_optional_sources_they_are_named_and_only_anomalies_count(county) -> None:
    p = portrait(county.con)
    for code, row in p.items():
        assert "未报送信访件登记台账" in row["missing"], code
        assert "未报送软弱涣散村党组织名单" in row["missing"]
        assert "未报送村级财务明细账" in row["missing"] or "未报送村级" in row["missing"]
    # top 10% by score of 6 villages = 1 village: the one ranked first
    first = county.con.execute("SELECT village_code FROM village_scores WHERE rank = 1").fetchone()[0]
    assert {c for c, k in classes(county.con).items() if k == "重点村"} == {first}
    assert p[first]["key_reasons"].startswith("数据异常突出")


def add_optional_sources(con) -> None:
    def petition(code: str, day: dt.date, who: str, category: str) -> dict:
        return {"register_date": day, "petitioner_name": who, "category": category, "summary": "反映问题",
                "status": "办结", "village_code": code}

    _insert(con, "petitions", [
        # 南坪村: three petitions by three people -> 信访反映多 (petitions_min = 3)
        petition(SOUTH, dt.date(2024, 3, 1), "甲", "惠民资金"),
        petition(SOUTH, dt.date(2024, 5, 1), "乙", "惠民资金"),
        petition(SOUTH, dt.date(2023, 7, 1), "丙", "集体三资"),
        # 石门村: the same person twice -> one repeat petitioner
        petition(SHIMEN, dt.date(2024, 2, 1), "丁", "工程项目"),
        petition(SHIMEN, dt.date(2024, 9, 1), "丁", "工程项目"),
        # 西街村: two anonymous letters -> below both thresholds
        petition(WEST, dt.date(2024, 4, 1), "匿名", "作风"),
        petition(WEST, dt.date(2024, 6, 1), "匿名", "作风"),
        # 东关村: three petitions, but in 2019: older than petition_years (3) before the latest (2024)
        *[petition(EAST, dt.date(2019, m, 1), f"戊{m}", "其他") for m in (1, 2, 3)],
    ], "信访/信访件登记台账.xlsx", "登记")
    _insert(con, "weak_party_orgs", [
        {"year": 2024, "main_problem": "班子不团结", "rectify_status": "整顿中", "village_code": TAOYUAN},
        # on the list three years before the latest list: outside weak_org_years (2)
        {"year": 2021, "main_problem": "带头人能力弱", "rectify_status": "已销号", "village_code": DONGLING},
    ], "组织部/软弱涣散村党组织名单.xlsx", "名单")
    ledger = []
    for code, income, project in ((DONGLING, 900000.0, 10000.0), (EAST, 50000.0, 400000.0), (WEST, 60000.0, 0.0)):
        ledger.append({"voucher_date": dt.date(2024, 3, 1), "voucher_no": "记1", "summary": "发包收入",
                       "subject_name": "发包及上交收入", "credit_yuan": income, "village_code": code})
        ledger.append({"voucher_date": dt.date(2024, 4, 1), "voucher_no": "记2", "summary": "产业路硬化工程款",
                       "subject_name": "在建工程", "debit_yuan": project, "village_code": code})
    _insert(con, "village_ledger", ledger, "农业农村/村级财务.xlsx", "明细账")


def test_each_criterion_selects_the_villages_it_should(county) -> None:
    con = county.con
    add_optional_sources(con)
    steps.check(steps.Workspace(county.root), con, county.config)
    p = portrait(con)
    reasons = {code: row["key_reasons"] for code, row in p.items()}
    assert "信访反映多（近3年3件" in reasons[SOUTH]
    assert "重复信访1人" in reasons[SHIMEN]
    assert "信访" not in reasons[WEST] and "信访" not in reasons[EAST]
    assert "软弱涣散村党组织（2024年：班子不团结（整顿中））" in reasons[TAOYUAN]
    assert "软弱涣散" not in reasons[DONGLING]
    # top 10% of 6 = 1 village: the largest economy (900,000 + 10,000) and the largest project spending
    assert "经济规模大" in reasons[DONGLING] and p[DONGLING]["economy_yuan_rank"] == 1
    assert "项目和专项资金多（工程项目支出400,000元，全县第1）" in reasons[EAST]
    assert p[DONGLING]["economy_yuan"] == pytest.approx(910000.0)
    for row in p.values():
        assert row["missing"] == ""
    key = {c for c, k in classes(con).items() if k == "重点村"}
    assert key == {c for c, r in reasons.items() if r}
    assert {SOUTH, SHIMEN, TAOYUAN, DONGLING, EAST} <= key


def test_thresholds_come_from_configuration(tmp_path: Path) -> None:
    config = WorkspaceConfig.model_validate({"county": {"name": "示例县"},
                                             "key_villages": {"petitions_min": 2, "weak_org": False},
                                             "scoring": {"key_village_top_share": 0.0}})
    county = build_county(tmp_path, config)
    add_optional_sources(county.con)
    steps.check(steps.Workspace(county.root), county.con, config)
    reasons = {code: row["key_reasons"] for code, row in portrait(county.con).items()}
    assert "信访反映多" in reasons[WEST]  # two letters now reach the threshold
    assert "软弱涣散" not in reasons[TAOYUAN]
    assert not any("数据异常" in r for r in reasons.values())
    county.con.close()


def test_reasons_on_the_cover_and_in_the_office_workbook(county) -> None:
    con = county.con
    add_optional_sources(con)
    steps.check(steps.Workspace(county.root), con, county.config)
    out = reports.write_all(con, county.root, county.config, "20241201-093000")
    wb = openpyxl.load_workbook(out.village_workbooks[TAOYUAN], read_only=True)
    cover = {r[0]: r[1] for r in wb["封面"].iter_rows(values_only=True) if len(r) > 1 and r[0]}
    assert "软弱涣散村党组织" in cover["重点村依据"]
    sheet = list(wb[portrait_sheets.SHEET].iter_rows(values_only=True))
    wb.close()
    weak = next(r for r in sheet if r[0] == "软弱涣散村党组织")
    assert weak[1] == "是"
    office = openpyxl.load_workbook(out.office_workbook, read_only=True)
    rows = list(office[portrait_sheets.SHEET].iter_rows(values_only=True))
    office.close()
    header = list(rows[1])
    by_name = {r[2]: r for r in rows[2:]}
    assert "信访反映多" in by_name["南坪村"][header.index("重点村依据")]
    page = out.overview.read_text(encoding="utf-8")
    assert "重点村依据" in page and "软弱涣散村党组织（2024年" in page


def test_town_common_problems_are_marked_in_the_village_workbook(county) -> None:
    con = county.con
    common = con.execute("SELECT town, rule_id FROM town_common").fetchall()
    assert common, "the county fixture has rules common in a town"
    out = reports.write_all(con, county.root, county.config, "20241201-093000")
    town, rule = common[0]
    code = con.execute("SELECT village_code FROM flags WHERE rule_id = ? AND town = ? LIMIT 1", [rule, town]).fetchone()[0]
    wb = openpyxl.load_workbook(out.village_workbooks[code], read_only=True)
    cover = {r[0]: r[1] for r in wb["封面"].iter_rows(values_only=True) if len(r) > 1 and r[0]}
    listed = list(wb["问题清单"].iter_rows(values_only=True))
    wb.close()
    assert rule in cover["本镇共性问题"]
    header = list(listed[1])
    for r in listed[2:]:
        if r[header.index("主要特征")] is None:
            continue
        marked = str(r[header.index("问题表现")]).startswith("【本镇共性问题】")
        in_town = any(str(r[header.index("主要特征")]).startswith(f"{rid} ") for t, rid in common if t == town)
        assert marked == in_town, r[header.index("主要特征")]
