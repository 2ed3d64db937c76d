"""Months and periods with a two-digit year (connectors/twodigit.py), and start / birth dates that are
never a death date (connectors/profiles.py). Forms unlike the baishui style's 24年3月 / 24.03."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest
from fixtures.connectors.workbooks import make_id, write_xlsx

from connectors.catalog import load_catalog
from connectors.extract import extract_file
from connectors.headers import HeaderMatch, detect_header
from connectors.normalize import normalise_series, normalize_date, normalize_month
from connectors.periods import parse_period, period_columns
from connectors.twodigit import century

D = dt.date


@pytest.mark.parametrize(("text", "expected"), [
    ("23/7", (D(2023, 7, 1), None)),  # the first number cannot be a month: a year
    ("23-11", (D(2023, 11, 1), None)),
    ("23年11月份", (D(2023, 11, 1), None)),
    ("23年7", (D(2023, 7, 1), None)),
    ("１２.０３", (None, "ambiguous_date")),  # December 3rd, or March 2012?
    ("07/12", (None, "ambiguous_date")),
    ("23.13", (None, "bad_date")),
    ("23年13月", (None, "bad_date")),
    ("23.7-12", (None, "ambiguous_date")),  # a period (below), not a date
    ("2023.7", (D(2023, 7, 1), None)),
])
def test_two_digit_year_months(text, expected) -> None:
    assert normalize_month(text) == expected


def test_a_bare_two_digit_month_is_no_date_in_a_date_column() -> None:
    assert normalize_date("23/7") == (None, "bad_date")  # 3.15 there may be a day without its year
    assert normalize_date("23年7月") == (D(2023, 7, 1), None)  # marked by 年: as 2023年7月
    assert normalize_date("21-06-30") == (D(2021, 6, 30), None)
    assert normalize_date("21.06-30") == (None, "ambiguous_date")  # one separator throughout, or no date


def test_century_rule_is_the_dates_rule() -> None:
    assert century(23, D(2025, 1, 1)) == 2023
    assert century(26, D(2025, 1, 1)) == 1926
    assert normalize_month("58年3月") == (D(1958, 3, 1), None)


@pytest.mark.parametrize(("text", "expected"), [
    ("23年第三季度", (D(2023, 7, 1), D(2023, 9, 1))),
    ("23年下半年", (D(2023, 7, 1), D(2023, 12, 1))),
    ("22年度", (D(2022, 1, 1), D(2022, 12, 1))),
    ("23Q4", (D(2023, 10, 1), D(2023, 12, 1))),
    ("23年1-6月", (D(2023, 1, 1), D(2023, 6, 1))),
    ("22年7月-23年6月", (D(2022, 7, 1), D(2023, 6, 1))),
    ("23.7-12", (D(2023, 7, 1), D(2023, 12, 1))),
    ("2023.7-12", (D(2023, 7, 1), D(2023, 12, 1))),
    ("2023/1~6", (D(2023, 1, 1), D(2023, 6, 1))),
    ("23/7", (D(2023, 7, 1), D(2023, 7, 1))),
    ("12.7-12", None),  # the first number could be a month: not read
    ("12.03", None),
    ("23", None),  # a bare number is no year
    ("23.7-5", None),  # backwards
])
def test_two_digit_year_periods(text, expected) -> None:
    assert parse_period(text) == expected


def test_a_period_of_several_months_wins_over_a_date_reading() -> None:
    texts = pl.Series(["2023.7-12", "23年3月", None])
    months, _ = normalise_series(texts, "month")
    starts, ends = period_columns(texts, months)
    assert starts.to_list() == [D(2023, 7, 1), D(2023, 3, 1), None]
    assert ends.to_list() == [D(2023, 12, 1), D(2023, 3, 1), None]


def _sheets(tmp_path, rel: str, sheets: dict[str, list[list]]):
    path = write_xlsx(tmp_path / rel, sheets)
    return extract_file(path, tmp_path, load_catalog()).sheets


def _old_age(months: list[object], title: str) -> list[list]:
    rows = [[title], ["镇街", "村居", "老人姓名", "公民身份号码", "年龄", "补贴标准", "所属月份", "发放金额"]]
    for i, month in enumerate(months):
        rows.append(["河西镇", "新坊村", f"钱{i}", make_id("19400101", f"{i:03d}"), 84, 100, month, 100])
    return rows


def test_two_digit_months_load_with_a_note(tmp_path) -> None:
    (s,) = _sheets(tmp_path, "高龄.xlsx", {"s": _old_age(["23/7", "23-08", "23年第四季度"], "高龄津贴发放表")})
    assert s.extract == "old_age_payments", s.message
    assert s.rows_quarantined == 0, s.message
    assert s.data["pay_month"].to_list() == [D(2023, 7, 1), D(2023, 8, 1), None]
    assert s.data["period_start"].to_list() == [D(2023, 7, 1), D(2023, 8, 1), D(2023, 10, 1)]
    assert s.data["period_end"].to_list() == [D(2023, 7, 1), D(2023, 8, 1), D(2023, 12, 1)]
    assert "“所属月份”列有2个值的年份只写了两位（如“23/7”），按年在前读取" in s.message


def test_an_ambiguous_two_digit_month_is_settled_only_by_the_sheets_year(tmp_path) -> None:
    (s,) = _sheets(tmp_path, "高龄.xlsx", {"s": _old_age(["12.03", "12/11"], "2012年高龄津贴发放表")})
    assert s.data["pay_month"].to_list() == [D(2012, 3, 1), D(2012, 11, 1)]
    assert "年、月次序本有歧义" in s.message and "（2012年）" in s.message
    # another year in the title: no guess, the value is reported as ambiguous
    (s,) = _sheets(tmp_path, "高龄2.xlsx", {"s": _old_age(["12.03"], "2013年高龄津贴发放表")})
    assert s.data["pay_month"].to_list() == [None]
    assert "日期写法有歧义" in s.message
    (s,) = _sheets(tmp_path, "高龄3.xlsx", {"s": _old_age(["12.03"], "高龄津贴发放表")})
    assert s.data["pay_month"].to_list() == [None]
    assert "日期写法有歧义" in s.message


CATALOG = load_catalog()


def _with_values(headers: list[str], row: list[object], n: int = 6) -> list[list]:
    return [headers] + [list(row) for _ in range(n)]


@pytest.mark.parametrize("start_header", ["任现职时间", "上任时间", "当选时间", "任本职日期"])
def test_a_start_date_is_never_a_death_date(start_header) -> None:
    headers = ["镇街", "村居", "姓名", "公民身份号码", "担任职务", start_header]
    rows = _with_values(headers, ["河西镇", "新坊村", "孙立", make_id("19750101", "031"), "村委会主任", "2021-01-20"])
    m = detect_header(rows, CATALOG)
    assert isinstance(m, HeaderMatch), m
    assert m.spec.name == "cadre_roster"
    assert m.runner_up is None or m.runner_up[0] != "deaths"


def test_a_birth_date_is_never_a_death_date() -> None:
    # a sheet with an ID and a birth date beside a cadre's post: no deaths list
    headers = ["村居", "姓名", "公民身份号码", "出生年月日", "担任职务"]
    rows = _with_values(headers, ["新坊村", "孙立", make_id("19750101", "031"), "1975-01-01", "委员"])
    m = detect_header(rows, CATALOG)
    assert isinstance(m, HeaderMatch), m
    assert m.spec.name == "cadre_roster"
    assert "death_date" not in m.columns and "death_date" not in m.inferred


def test_relatives_in_one_cell_are_named_not_lost(tmp_path) -> None:
    rows = [["某镇村干部名单"], ["镇街", "村居", "姓名", "公民身份号码", "担任职务", "上任时间", "家属情况"]]
    for i in range(4):
        rows.append(["河西镇", "新坊村", f"孙{i}立", make_id("19750101", f"{i:03d}"), "委员", "2021-01-20",
                     f"妻子:王芳{i}, 儿子: 孙明{i}"])
    (s,) = _sheets(tmp_path, "干部.xlsx", {"s": rows})
    assert s.extract == "cadre_roster", s.message
    assert s.rows_loaded == 4
    assert "“家属情况”列在一格内列出亲属（如“妻子:王芳0, 儿子: 孙明0”），本表未将其拆分读取" in s.message
    assert s.data["term_start_date"].to_list() == [D(2021, 1, 20)] * 4


def test_an_unused_text_column_is_no_relatives_cell(tmp_path) -> None:
    rows = [["镇街", "村居", "姓名", "公民身份号码", "担任职务", "备注"]]
    rows += [["河西镇", "新坊村", f"孙{i}立", make_id("19750101", f"{i:03d}"), "委员", "分管:治安"] for i in range(4)]
    (s,) = _sheets(tmp_path, "干部.xlsx", {"s": rows})
    assert s.extract == "cadre_roster", s.message
    assert "列出亲属" not in s.message



@pytest.mark.parametrize(("header", "free", "expected"), [
    ("时间", [("death_date", "date")], "death_date"),  # a generic date: the one free date column
    ("办理时间", [("death_date", "date")], "death_date"),
    ("审核时间", [("death_date", "date")], None),
    ("备案日期", [("death_date", "date")], None),
    ("受理时间", [("death_date", "date"), ("filing_date", "date")], None),  # only its wordings name a filing date
    ("任现职时间", [("death_date", "date")], None),
    ("当选时间", [("death_date", "date"), ("term_start_date", "date"), ("term_end_date", "date")], "term_start_date"),
    ("出生年月日", [("death_date", "date")], None),
])
def test_what_a_date_header_can_name(header, free, expected) -> None:
    from connectors.profiles import infer, profile

    hit = infer(header, profile(["2021-01-20", "2022-03-05", "2023-06-03", "2020-11-11"]), free)
    assert (hit.column if hit else None) == expected


@pytest.mark.parametrize(("header", "expected"), [
    ("欠缴金额", "arrears_yuan"),
    ("欠缴金额（元）", "arrears_yuan"),
    ("欠缴金额（万元）", None),  # 0.84 万元 is 8,400 元: never read as 0.84 元
    ("欠缴租金(千元)", None),
    ("欠缴金额【万元】", None),
])
def test_a_header_in_another_unit_is_never_mapped_by_its_values(header, expected) -> None:
    """Mapping a column by its words and values (profiles.infer) leaves a header whose qualifier changes
    what its numbers mean (万元, 千元, 公顷) unused, to be reported, instead of loading 万元 as 元."""
    from connectors.profiles import infer, profile

    hit = infer(header, profile(["0.84", "1.2", "0.35", "2.0", "0.6"]), [("arrears_yuan", "yuan")])
    assert (hit.column if hit else None) == expected
