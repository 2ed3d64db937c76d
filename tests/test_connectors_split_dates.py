"""A date written over columns (凭证日期 / 年, 月, 日 under a group, or 年 | 月 | 日 side by side) is one
date field, composed when the sheet is read; not "the year is the date and 月, 日 are synonyms"."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from fixtures.connectors.workbooks import make_id, write_csv, write_xlsx

from connectors.catalog import load_catalog
from connectors.extract import extract_file
from connectors.headers import HeaderMatch, detect_header

CATALOG = load_catalog()


def _extract(path: Path):
    (sheet,) = extract_file(path, path.parent, load_catalog()).sheets
    return sheet


def test_a_voucher_date_under_a_group_of_year_month_day(tmp_path) -> None:
    rows = [
        ["核算单位：城关镇东岭村股份经济合作社"] + [None] * 7,
        ["凭证日期", None, None, "凭证字号", "摘要", "科目名称", "金额", None],
        ["年", "月", "日", None, None, None, "借方", "贷方"],
        [2024, 3, 5, "记字第001号", "付误工费", "管理费用", 300, None],
        [2024, 12, 31, "记字第002号", "收租金", "银行存款", None, 5000],
        [2024, 4, None, "记字第003号", "付电费", "管理费用", 80, None],
    ]
    merges = ["A1:H1", "A2:C2", "D2:D3", "E2:E3", "F2:F3", "G2:H2"]
    s = _extract(write_xlsx(tmp_path / "l.xlsx", {"东岭村": rows}, {"东岭村": merges}))
    assert s.extract == "village_ledger", s.message
    assert s.columns_found["voucher_date"] == "凭证日期/年+月+日"
    assert "与前面的列同义" not in s.message
    assert s.data["voucher_date"].to_list() == [dt.date(2024, 3, 5), dt.date(2024, 12, 31)]
    # a part missing: the row is reported with what was written, never given a guessed day
    (q,) = s.quarantine.to_dicts()
    assert q["source_row"] == 6 and "2024-4-" in q["reason"]


def test_year_month_day_side_by_side_in_a_csv(tmp_path) -> None:
    rows = [["年", "月", "日", "凭证号", "摘要", "借方金额", "贷方金额"],
            ["2023", "7", "15", "记-3", "付工程款", "12000.00", ""],
            ["2023", "7", "16", "记-4", "收管理费", "", "300"]]
    s = _extract(write_csv(tmp_path / "l.csv", rows, "utf-8"))
    assert s.extract == "village_ledger", s.message
    assert s.data["voucher_date"].to_list() == [dt.date(2023, 7, 15), dt.date(2023, 7, 16)]


def test_a_pay_month_written_as_year_and_month_under_its_group() -> None:
    """发放年月 / 年, 月 on a disability list: the month the row pays for."""
    rows = [
        ["姓名", "身份证号", "残疾类别", "补贴类型", "发放年月", None, "金额"],
        [None, None, None, None, "年", "月", None],
        ["李四", make_id(), "肢体", "护理补贴", 2024, 3, 90],
    ]
    m = detect_header(rows, CATALOG, [((0, 4), (0, 5))])
    assert isinstance(m, HeaderMatch) and m.spec.name == "disability_payments"
    assert m.composed == {"pay_month": (4, 5)}
    assert m.label_of("pay_month") == "发放年月/年+月"


def test_year_and_month_of_another_date_are_not_the_pay_month() -> None:
    """出生日期 / 年, 月 on an old-age list says a birth date: not composed into the month paid."""
    rows = [
        ["姓名", "身份证号", "出生日期", None, "年龄", "发放月份", "金额"],
        [None, None, "年", "月", None, None, None],
        ["王五", make_id("19400101"), 1940, 1, 84, "2024-03", 200],
    ]
    m = detect_header(rows, CATALOG, [((0, 2), (0, 3))])
    assert isinstance(m, HeaderMatch) and m.spec.name == "old_age_payments"
    assert m.composed == {} and m.columns["pay_month"] == 5


def test_a_lone_month_under_a_group_is_still_the_month_column() -> None:
    """补贴信息 / 月份 with no 年 beside it is part of no date: the pay month, as its child name says."""
    rows = [
        ["姓名", "身份证号", "残疾类别", "补贴信息", None, None],
        [None, None, None, "补贴类别", "月份", "金额（元）"],
        ["李四", make_id(), "肢体", "护理补贴", "2024-03", 90],
    ]
    m = detect_header(rows, CATALOG, [((0, 3), (0, 5))])
    assert isinstance(m, HeaderMatch) and m.spec.name == "disability_payments"
    assert m.composed == {} and m.columns["pay_month"] == 4


def _contract_rows(group: str, start: str, end: str) -> list[list]:
    return [
        ["合同编号", "承包方", "面积（亩）", "年租金（元）", group, None],
        [None, None, None, None, start, end],
        ["HT-001", "李四", 12.5, 3000, "2020.01.01", "2029.12.31"],
        ["HT-002", "王五", 8.0, 2000, "2021.03.01", "2061.02.28"],
    ]


def test_the_two_ends_of_a_contract_term_under_its_group() -> None:
    for group, start, end in (("合同期限", "起", "止"), ("承包期", "开始", "结束"), ("起止日期", "自", "至")):
        m = detect_header(_contract_rows(group, start, end), CATALOG, [((0, 4), (0, 5))])
        assert isinstance(m, HeaderMatch) and m.spec.name == "collective_contracts"
        assert (m.columns["start_date"], m.columns["end_date"]) == (4, 5), group


def test_a_term_of_office_under_its_group_on_a_cadre_roster() -> None:
    rows = [["姓名", "身份证号", "职务", "任期", None],
            [None, None, None, "起", "止"],
            ["张三", make_id(), "村委会主任", "2021-01-05", "2026-01-04"]]
    m = detect_header(rows, CATALOG, [((0, 3), (0, 4))])
    assert isinstance(m, HeaderMatch) and m.spec.name == "cadre_roster"
    assert (m.columns["term_start_date"], m.columns["term_end_date"]) == (3, 4)


def test_start_and_end_under_a_group_that_is_no_span_are_not_dates() -> None:
    m = detect_header(_contract_rows("备注", "起", "止"), CATALOG, [((0, 4), (0, 5))])
    assert isinstance(m, HeaderMatch) and "start_date" not in m.columns and "end_date" not in m.columns
