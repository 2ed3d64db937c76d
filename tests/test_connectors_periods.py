"""Periods as departments write them -> first and last month (connectors/periods.py), and the
period_start / period_end columns every table with a pay month carries."""

from __future__ import annotations

import datetime as dt

import pytest
from fixtures.connectors.workbooks import make_id, write_xlsx

from connectors.catalog import load_catalog
from connectors.extract import extract_file
from connectors.periods import parse_period
from connectors.schema import TABLES


def m(y: int, mo: int) -> dt.date:
    return dt.date(y, mo, 1)


@pytest.mark.parametrize(("text", "start", "end"), [
    ("2024年度", m(2024, 1), m(2024, 12)),
    ("2024年", m(2024, 1), m(2024, 12)),
    ("2024", m(2024, 1), m(2024, 12)),
    ("2024年3月", m(2024, 3), m(2024, 3)),
    ("2024年03月份", m(2024, 3), m(2024, 3)),
    ("2024年1-6月", m(2024, 1), m(2024, 6)),
    ("2024年4至6月", m(2024, 4), m(2024, 6)),
    ("2024年1月-2024年6月", m(2024, 1), m(2024, 6)),
    ("2023.11-2024.02", m(2023, 11), m(2024, 2)),
    ("2024年第二季度", m(2024, 4), m(2024, 6)),
    ("2024年第4季度", m(2024, 10), m(2024, 12)),
    ("2024Q3", m(2024, 7), m(2024, 9)),
    ("2024年上半年", m(2024, 1), m(2024, 6)),
    ("2024年下半年", m(2024, 7), m(2024, 12)),
    ("2024.03", m(2024, 3), m(2024, 3)),
    ("2024/3", m(2024, 3), m(2024, 3)),
    ("202403", m(2024, 3), m(2024, 3)),
    (202403, m(2024, 3), m(2024, 3)),
    ("2024-03-15", m(2024, 3), m(2024, 3)),
    (dt.date(2024, 3, 15), m(2024, 3), m(2024, 3)),
    ("２０２４年３月", m(2024, 3), m(2024, 3)),  # full-width digits
])
def test_periods_are_read_to_their_first_and_last_month(text, start, end) -> None:
    assert parse_period(text) == (start, end)


@pytest.mark.parametrize("text", ["2024年13月", "2024年6-1月", "本月", "", None, "abc", "2024年第五季度", "12345"])
def test_what_is_not_a_period_gives_none(text) -> None:
    assert parse_period(text) is None


def test_every_table_with_a_pay_month_has_period_columns() -> None:
    with_month = {t.name for t in TABLES.values() if any(c.kind == "month" for c in t.columns
                                                          if c.name not in ("period_start", "period_end"))}
    assert with_month >= {"onecard_payments", "disability_payments", "old_age_payments"}
    for name in with_month:
        assert {"period_start", "period_end"} <= set(TABLES[name].column_names), name


def test_annual_and_quarterly_items_load_with_their_period(tmp_path) -> None:
    header = ["乡镇", "村", "补贴项目", "发放年月", "姓名", "身份证号", "一卡通账号", "发放金额"]
    rows = [header]
    for i, period in enumerate(["2024年3月", "2024年度", "2024年第二季度", "202405", "不详"]):
        rows.append(["城关镇", "东岭村", "补贴", period, f"张{i}", make_id("19500101", f"{i:03d}"),
                     f"62170000111122{i:05d}", 100])
    path = write_xlsx(tmp_path / "c.xlsx", {"s": rows})
    (s,) = extract_file(path, tmp_path, load_catalog()).sheets
    assert s.extract == "onecard_payments", s.message
    got = s.data.sort("source_row").select("pay_month", "period_start", "period_end").rows()
    assert got == [
        (m(2024, 3), m(2024, 3), m(2024, 3)),
        (None, m(2024, 1), m(2024, 12)),
        (None, m(2024, 4), m(2024, 6)),
        (m(2024, 5), m(2024, 5), m(2024, 5)),
        (None, None, None),
    ]
    # only the text that is no period at all is reported as unusable
    assert "1个值" in s.message and "第6行" in s.message
