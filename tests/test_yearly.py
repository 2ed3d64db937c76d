"""纵向多年度对比 over three years: one problem found in three years is one 问题 (listed once with its
years and total, scored once, rectified once); the 纵向对比 sheet shows the source rows' figures."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl
import pytest
from test_reports_county import _insert, build_county

import reports
from pipelines import steps
from reports import yearly_sheets
from rules.rectification import record
from xuncha.config import ScoringConfig

SOUTH, WEST = "611021100203", "611021100202"  # 南坪村, 西街村 (城关镇)
AREA = {2022: 2500.0, 2023: 2600.0, 2024: 2700.0}  # farmland 2000 mu (2023 basics), 1980.5 (2024)
RATE = 100.0
# (year, month, subject, debit, credit) of 南坪村's ledger
LEDGER = [
    (2022, 3, "经营收入", 0.0, 10000.0), (2022, 5, "公益支出", 4000.0, 0.0), (2022, 12, "公益支出", 1000.0, 0.0),
    (2023, 3, "经营收入", 0.0, 12000.0), (2023, 6, "公益支出", 6000.0, 0.0), (2023, 12, "管理费用-招待费", 2000.0, 0.0),
    (2024, 3, "发包及上交收入", 0.0, 9000.0), (2024, 7, "公益支出", 8000.0, 0.0),
]


@pytest.fixture
def county(tmp_path: Path):
    c = build_county(tmp_path)
    con = c.con
    _insert(con, "farmland_subsidy", [
        {"year": y, "head_name": "户主", "subsidy_area_mu": area, "rate_yuan_per_mu": RATE, "amount_yuan": area * RATE,
         "village_code": SOUTH} for y, area in AREA.items()
    ], "农业农村/耕地地力保护补贴.xlsx", "清册")
    rows = [{"voucher_date": dt.date(y, m, 10), "voucher_no": f"记{i}", "summary": "摘要", "subject_name": s,
             "debit_yuan": d or None, "credit_yuan": c_ or None, "village_code": SOUTH}
            for i, (y, m, s, d, c_) in enumerate(LEDGER)]
    # 西街村: one more village for the county median
    rows += [{"voucher_date": dt.date(2024, 3, 1), "voucher_no": "记1", "summary": "摘要", "subject_name": "经营收入",
              "credit_yuan": 21000.0, "village_code": WEST}]
    _insert(con, "village_ledger", rows, "农业农村/村级财务.xlsx", "明细账")
    steps.check(steps.Workspace(c.root), con, c.config)
    yield c
    con.close()


def test_one_problem_over_three_years_is_one_item_scored_once(county) -> None:
    con = county.con
    flags = con.execute("SELECT flag_id, detail_key, amount_yuan FROM flags WHERE rule_id = 'C02' AND village_code = ?",
                        [SOUTH]).fetchall()
    assert sorted(f[1] for f in flags) == ["2022", "2023", "2024"]
    total = sum(f[2] for f in flags)
    score = con.execute("SELECT * FROM village_scores WHERE village_code = ?", [SOUTH]).pl().row(0, named=True)
    cfg = ScoringConfig()
    # 南坪村 has the three C02 flags and D04 (the 2023 hospitality payment): two problems; C02 gets one
    # severity and money on its total (capped once)
    assert con.execute("SELECT count(*) FROM flags WHERE village_code = ?", [SOUTH]).fetchone()[0] == 4
    assert score["flag_count"] == 2 and score["distinct_rules"] == 2
    money = min(total / cfg.yuan_per_point, cfg.money_points_cap) + min(2000.0 / cfg.yuan_per_point, cfg.money_points_cap)
    assert score["money_points"] == pytest.approx(money, abs=0.01)
    out = reports.write_all(con, county.root, county.config, "20241201-093000")
    wb = openpyxl.load_workbook(out.village_workbooks[SOUTH], read_only=True)
    listed = list(wb["问题清单"].iter_rows(values_only=True))
    header = list(listed[1])
    c02 = [r for r in listed[2:] if r[header.index("主要特征")] and str(r[header.index("主要特征")]).startswith("C02")]
    assert len(c02) == 1
    assert "2022、2023、2024年连续出现" in c02[0][header.index("问题表现")]
    assert c02[0][header.index("涉及金额(元)")] == pytest.approx(total)
    wb.close()
    # the office's full list keeps one row a year, each naming the problem's years
    office = openpyxl.load_workbook(out.office_workbook, read_only=True)
    rows = list(office["全部疑点"].iter_rows(values_only=True))
    head = list(rows[1])
    years = {r[head.index("疑点编号")]: r[head.index("同一问题的年度")] for r in rows[2:] if r[head.index("疑点编号")]}
    assert {years[f[0]] for f in flags} == {"2022、2023、2024"}
    assert len([v for v in years.values() if v]) == 3  # D04 is a problem of one year: blank
    office.close()
    # rectified once: a note on the listed flag reaches every year's flag
    lead = c02[0][header.index("疑点编号")]
    record(con, lead, {"verify_result": "已核实", "verified_by": "李明"})
    verdicts = con.execute("SELECT count(*) FROM triage WHERE flag_id IN (SELECT flag_id FROM flags WHERE rule_id = "
                           "'C02' AND village_code = ?) AND triage_status = '已核实'", [SOUTH]).fetchone()[0]
    assert verdicts == 3


def test_the_yearly_sheet_shows_the_source_rows_figures(county) -> None:
    out = reports.write_all(county.con, county.root, county.config, "20241201-093000")
    wb = openpyxl.load_workbook(out.village_workbooks[SOUTH])
    ws = wb[yearly_sheets.SHEET]
    rows = list(ws.iter_rows(values_only=True))
    header = list(rows[1])
    table = {r[0]: dict(zip(header, r, strict=False)) for r in rows[2:] if r[0]}
    income = table["集体收入(元)"]
    assert (income["2022年"], income["2023年"], income["2024年"]) == (10000.0, 12000.0, 9000.0)
    assert income["最近一年同比"] == "-3,000.00（-25.0%）"
    assert income["全县中位数（最近一年）"] == pytest.approx((9000.0 + 21000.0) / 2)
    spending = table["集体支出(元)"]
    assert (spending["2022年"], spending["2023年"], spending["2024年"]) == (5000.0, 8000.0, 8000.0)
    assert table["12月支出占全年(%)"]["2022年"] == pytest.approx(20.0)
    assert table["招待费支出(元)"]["2023年"] == 2000.0
    assert table["发包及上交收入(元)"]["2024年"] == 9000.0
    share = table["地力补贴面积占耕地(%)"]
    assert share["2022年"] == pytest.approx(125.0) and share["2024年"] == pytest.approx(round(2700 / 1980.5 * 100, 2))
    assert len(ws._charts) == 1
    office = openpyxl.load_workbook(out.office_workbook, read_only=True)
    assert any(len(r) > 2 and r[1] == "南坪村" and r[2] == "集体收入(元)" for r in office[yearly_sheets.SHEET].iter_rows(values_only=True))
    office.close()
