"""Date cells read by what they mean (connectors/values.py): "not ended" words in an end-date column
are no end date, not an unreadable date; dates and months written without their year take the year
the sheet states elsewhere, and say so; without one year to take they stay unreadable."""

from __future__ import annotations

import datetime as dt

import pytest
from fixtures.connectors.workbooks import make_id, write_xlsx

from connectors.catalog import load_catalog
from connectors.extract import extract_file
from connectors.values import open_end_columns, open_end_words, yearless


def _sheets(tmp_path, rel: str, sheets: dict[str, list[list]]):
    path = write_xlsx(tmp_path / rel, sheets)
    return extract_file(path, tmp_path, load_catalog()).sheets


def _cadres(end_values: list[object]) -> list[list]:
    rows = [["村两委成员名册"], ["乡镇", "村", "姓名", "身份证号", "职务", "任职时间", "离任时间"]]
    for i, end in enumerate(end_values):
        rows.append(["城关镇", "东岭村", f"张{i}", make_id("19700101", f"{i:03d}"), "委员", "2021年1月1日", end])
    return rows


def test_in_office_words_in_an_end_date_are_no_end_date_and_the_file_is_loaded(tmp_path) -> None:
    (s,) = _sheets(tmp_path, "两委.xlsx", {"s": _cadres(["在任"] * 5 + ["2022年3月1日"])})
    assert s.extract == "cadre_roster", s.message
    assert s.rows_loaded == 6 and s.rows_quarantined == 0, s.message
    assert s.data["term_end_date"].to_list() == [None] * 5 + [dt.date(2022, 3, 1)]
    assert "“离任时间”列有5个值写作“在任”，表示尚未结束，按无日期读取" in s.message
    assert "无法识别为日期" not in s.message


def test_other_wordings_and_other_end_columns(tmp_path) -> None:
    # a payroll's 离岗日期 written 在职 / 至 今 (with a space), a contract's 终止日期 written 长期
    rows = [["姓名", "身份证号", "工作单位", "人员类别", "参加工作日期", "离岗日期"],
            ["李一", make_id("19800101", "011"), "县财政局", "在编", "2010-09-01", "在职"],
            ["李二", make_id("19800101", "021"), "县财政局", "在编", "2011-09-01", "至 今"],
            ["李三", make_id("19800101", "031"), "县财政局", "在编", "2012-09-01", "2020-01-31"]]
    (s,) = _sheets(tmp_path, "财政供养.xlsx", {"s": rows})
    assert s.extract == "payroll", s.message
    assert s.data["end_date"].to_list() == [None, None, dt.date(2020, 1, 31)]
    assert "表示尚未结束" in s.message and s.rows_quarantined == 0
    assert s.problems.get("end_date") is None  # nothing counted against the file's date checks


def test_an_open_end_word_in_a_start_date_stays_unreadable(tmp_path) -> None:
    rows = _cadres(["在任"])
    rows[2][5] = "至今"  # 任职时间 is a start: 至今 says nothing about when it began
    (s,) = _sheets(tmp_path, "两委.xlsx", {"s": rows})
    assert s.data["term_start_date"].to_list() == [None]
    assert "“任职时间”列有1个值无法识别为日期" in s.message


def test_the_vocabulary_is_data() -> None:
    assert {"在任", "至今", "在职", "长期", "未离任"} <= open_end_words()
    assert {"term_end_date", "end_date", "stop_date"} <= open_end_columns()
    assert "term_start_date" not in open_end_columns()


@pytest.mark.parametrize(("text", "month_column", "expected"), [
    ("3月", True, (3, None)), ("03", True, (3, None)), ("三月", True, (3, None)), ("十二月份", True, (12, None)),
    ("3.0", True, (3, None)), ("3月5日", False, (3, 5)), ("三月二十五日", False, (3, 25)),
    ("03", False, None), ("13月", True, None), ("3月32日", False, None), ("2024年3月", True, None), ("0", True, None),
])
def test_yearless_grammar(text, month_column, expected) -> None:
    assert yearless(text, month_column) == expected


def _disability(months: list[object], title: str) -> list[list]:
    rows = [[title], ["乡镇", "村别", "姓名", "身份证号", "残疾证号", "残疾类别", "补贴类别", "月份", "金额"]]
    for i, month in enumerate(months):
        rows.append(["城关镇", "东岭", f"王{i}", make_id("19600101", f"{i:03d}"), f"Z{i}", "肢体", "护理补贴", month, 80])
    return rows


def test_bare_months_take_the_year_of_the_title(tmp_path) -> None:
    (s,) = _sheets(tmp_path, "残疾.xlsx", {"城关镇": _disability(["3月", "04", "五月", 6], "某县2024年困难残疾人生活补贴发放表")})
    assert s.extract == "disability_payments", s.message
    assert s.data["pay_month"].to_list() == [dt.date(2024, m, 1) for m in (3, 4, 5, 6)]
    assert s.data["period_start"].to_list() == s.data["period_end"].to_list() == s.data["pay_month"].to_list()
    assert "“月份”列有4个值只写了月份，年份取自表头上方“某县2024年困难残疾人生活补贴…”（2024年）" in s.message
    assert s.rows_quarantined == 0


def test_a_date_without_year_takes_the_folder_year(tmp_path) -> None:
    # another wording: 发放日期 written 8月15日 in a compensation list; the year only in the folder name
    rows = [["征地补偿发放表"], ["乡镇", "村", "姓名", "身份证号", "补偿面积", "补偿金额", "发放日期"],
            ["河西镇", "新坊村", "赵一", make_id("19700101", "011"), 1.2, 1200, "8月15日"],
            ["河西镇", "新坊村", "赵二", make_id("19700101", "021"), 0.5, 500, "2023年9月1日"]]
    (s,) = _sheets(tmp_path, "2023年度/补偿.xlsx", {"s": rows})
    assert s.extract == "compensation_roster", s.message
    assert s.data["pay_date"].to_list() == [dt.date(2023, 8, 15), dt.date(2023, 9, 1)]
    assert "“发放日期”列有1个值只写了月、日，年份取自文件夹名“2023年度”（2023年）" in s.message


def test_a_sheet_name_year_completes_a_month_column(tmp_path) -> None:
    (s,) = _sheets(tmp_path, "x.xlsx", {"2023年": _disability(["12月"], "残疾人补贴发放表")})
    assert s.data["pay_month"].to_list() == [dt.date(2023, 12, 1)]
    assert "年份取自表名“2023年”" in s.message


def test_without_one_year_to_take_the_month_stays_unreadable(tmp_path) -> None:
    (s,) = _sheets(tmp_path, "残疾.xlsx", {"城关镇": _disability(["3月", "4月"], "困难残疾人生活补贴发放表")})
    assert s.data["pay_month"].to_list() == [None, None]
    assert "找不到唯一的年份，无法补全" in s.message
    # two years named: no guess either
    (s,) = _sheets(tmp_path, "残疾2.xlsx", {"城关镇": _disability(["3月"], "某县2023、2024年困难残疾人补贴发放表")})
    assert s.data["pay_month"].to_list() == [None]
    assert "找不到唯一的年份" in s.message
