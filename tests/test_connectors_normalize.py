"""Normalisers: every quirk in SOURCES.md, for the scalar reference and the vectorised hot path alike."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from connectors.normalize import (
    normalise_series,
    normalize_amount,
    normalize_code,
    normalize_date,
    normalize_id,
    normalize_int,
    normalize_month,
    normalize_name,
    normalize_text,
)
from xuncha import idcard

VALID = "11010519491231002X"  # GB 11643's own example
VALID2 = "610102199001011231"
assert idcard.problem(VALID) is None and idcard.problem(VALID2) is None
ID15 = "610102900101123"  # 1990-01-01, converts to VALID2


ID_CASES = [
    (VALID, VALID, None),
    (VALID.lower(), VALID, None),  # lower-case x
    ("'" + VALID2, VALID2, None),  # leading apostrophe (Excel's text marker)
    (VALID2 + "\t", VALID2, None),  # trailing tab
    (" 6101 0219 9001 0112 31 ", VALID2, None),  # spaces inside
    ("６１０１０２１９９００１０１１２３１", VALID2, None),  # full-width digits
    ("11010519491231002Ｘ", VALID, None),  # full-width X
    ("\u3000" + VALID2 + "\u3000", VALID2, None),  # full-width spaces
    (ID15, VALID2, None),  # 15 digits -> 18
    (float(ID15), VALID2, None),  # a 15-digit number is exact in a float: accepted
    (ID15 + ".0", VALID2, None),  # ... and as the reader renders it
    ("6.10102E+17", None, "id_scientific"),
    ("6.10102e+17", None, "id_scientific"),
    (6.101021990010112e17, None, "id_numeric"),
    ("610102199001011232", None, "id_checksum"),
    ("610102199002301234", None, "id_birth_date"),  # 30 February
    ("610102299001011234", None, "id_birth_date"),  # born in 2990
    ("991020199001011234", None, "id_region"),
    ("61010219900101123", None, "id_format"),  # 17 digits
    ("61010219900101123A", None, "id_format"),
    ("", None, "id_missing"),
    ("无", None, "id_missing"),
    (None, None, "id_missing"),
]


@pytest.mark.parametrize(("raw", "value", "problem"), ID_CASES)
def test_normalize_id(raw, value, problem) -> None:
    assert normalize_id(raw) == (value, problem)


def test_id_vectorised_matches_scalar() -> None:
    texts = [r if r is None or isinstance(r, str) else repr(r) for r, _, _ in ID_CASES]
    # The reader renders Excel numbers as text and marks the lossy ones (>= 1e15) separately.
    lossy = [isinstance(r, float) and r >= 1e15 for r, _, _ in ID_CASES]
    values, problems = normalise_series(pl.Series(texts, dtype=pl.String), "id", pl.Series(lossy))
    assert values.to_list() == [v for _, v, _ in ID_CASES]
    assert problems.to_list() == [p for _, _, p in ID_CASES]


NAME_CASES = [
    ("王  伟", "王伟"),
    ("王\u3000伟", "王伟"),
    (" 李四 ", "李四"),
    ("阿卜杜·热合曼", "阿卜杜·热合曼"),
    ("阿卜杜•热合曼", "阿卜杜·热合曼"),
    ("阿卜杜・热合曼", "阿卜杜·热合曼"),
    ("阿卜杜.热合曼", "阿卜杜·热合曼"),
    ("阿卜杜‧热合曼", "阿卜杜·热合曼"),
    ("阿卜杜･热合曼", "阿卜杜·热合曼"),
    ("", None),
    ("无", None),
    (None, None),
]


@pytest.mark.parametrize(("raw", "value"), NAME_CASES)
def test_normalize_name(raw, value) -> None:
    assert normalize_name(raw) == (value, None)


def test_name_vectorised_matches_scalar() -> None:
    values, _ = normalise_series(pl.Series([r for r, _ in NAME_CASES], dtype=pl.String), "name")
    assert values.to_list() == [v for _, v in NAME_CASES]


TEXT_CASES = [
    (" 在保 ", "在保"),
    ("\u3000农村低保\u3000", "农村低保"),
    ("无", None), ("/", None), ("-", None), ("—", None), ("", None), ("  ", None), (None, None),
    ("3.0", "3"),  # a group number the reader got as an Excel number
]


@pytest.mark.parametrize(("raw", "value"), TEXT_CASES)
def test_normalize_text(raw, value) -> None:
    raw_scalar = 3.0 if raw == "3.0" else raw
    assert normalize_text(raw_scalar) == (value, None)


def test_text_vectorised_matches_scalar() -> None:
    values, _ = normalise_series(pl.Series([r for r, _ in TEXT_CASES], dtype=pl.String), "text")
    assert values.to_list() == [v for _, v in TEXT_CASES]


CODE_CASES = [
    ("6217000010012345678", "6217000010012345678", None),
    ("'6217000010012345678", "6217000010012345678", None),
    (" 6217 0000 1001 2345 678 ", "6217000010012345678", None),
    ("记-15", "记-15", None),
    ("5021.0", "5021", None),
    ("6.217E+18", None, "account_scientific"),
    ("", None, None),
]


@pytest.mark.parametrize(("raw", "value", "problem"), CODE_CASES)
def test_normalize_code(raw, value, problem) -> None:
    assert normalize_code(raw) == (value, problem)


def test_code_lossy_number() -> None:
    assert normalize_code(6.217000010012345e18) == (None, "account_numeric")
    assert normalize_code(123456.0) == ("123456", None)
    values, problems = normalise_series(
        pl.Series(["6.217000010012345e18", "123456"]), "code", pl.Series([True, False])
    )
    assert values.to_list() == [None, "123456"]
    assert problems.to_list() == ["account_numeric", None]


def test_code_vectorised_matches_scalar() -> None:
    values, problems = normalise_series(pl.Series([r for r, _, _ in CODE_CASES]), "code")
    assert values.to_list() == [v for _, v, _ in CODE_CASES]
    assert problems.to_list() == [p for _, _, p in CODE_CASES]


D = dt.date(2023, 5, 1)
DATE_CASES = [
    ("2023-05-01", D), ("2023/5/1", D), ("2023.5.1", D), ("2023年5月1日", D), ("20230501", D),
    ("2023-05-01 00:00:00", D), ("2023-05-01T08:30:00", D), ("２０２３-０５-０１", D),
    ("45047", D), ("45047.0", D),  # Excel serials as text
    (45047.0, D), (45047, D),  # ... and as numbers
    (dt.datetime(2023, 5, 1, 9, 0), D), (D, D),
    ("2023-05", D), ("2023年5月", D), ("202305", D),  # months -> first day
    (20230501, D), (20230501.0, D), ("20230501.0", D),  # yyyymmdd typed as a number
    ("23.5.1", D), ("23-05-01", D), ("23年5月1日", D),  # two-digit years, year first: 20yy up to this year
    ("13/5/2023", dt.date(2023, 5, 13)), ("5/13/2023", dt.date(2023, 5, 13)), ("5/5/2023", dt.date(2023, 5, 5)),
    ("", None), ("无", None), (None, None),
]
BAD_DATES = ["2023-02-30", "昨天", "2023", "13/45/2023", "99999999", "19991301"]
AMBIGUOUS_DATES = ["6/5/2023", "06-05-2023", "6/5/23", "13/5/23"]


@pytest.mark.parametrize(("raw", "value"), DATE_CASES)
def test_normalize_date(raw, value) -> None:
    assert normalize_date(raw) == (value, None)


@pytest.mark.parametrize("raw", BAD_DATES)
def test_bad_dates(raw) -> None:
    assert normalize_date(raw) == (None, "bad_date")


@pytest.mark.parametrize("raw", AMBIGUOUS_DATES)
def test_ambiguous_dates_are_reported_not_guessed(raw) -> None:
    assert normalize_date(raw) == (None, "ambiguous_date")


def test_two_digit_year_century() -> None:
    assert normalize_date("58.3.1") == (dt.date(1958, 3, 1), None)  # 2058 is in the future
    assert normalize_date("00.3.1") == (dt.date(2000, 3, 1), None)


def test_uncalculated_formula_is_a_reason_not_a_value() -> None:
    from connectors.normalize import FORMULA_UNCALCULATED
    for kind, good, value in (("yuan", "12.5", 12.5), ("text", "甲", "甲"), ("date", "2023-05-01", D), ("int", "3", 3)):
        values, problems = normalise_series(pl.Series([good, FORMULA_UNCALCULATED, None]), kind)
        assert values.to_list() == [value, None, None]
        assert problems.to_list() == [None, "formula_uncalculated", None]


def test_month_is_first_day() -> None:
    assert normalize_month("2023-05-17") == (D, None)
    assert normalize_month("2023年5月") == (D, None)


# ISO-looking texts the vectorised fast path must judge as the scalar rules do
ISO_EDGES = ["1899-12-31", "1900-01-01", "2100-12-31", "2101-01-01", "2023-13-01", "2023-02-29", "2024-02-29",
             "2023-00-10", "0000-01-01", " 2023-05-01", "2023-05-01 ", "2023-5-01"]


def test_date_vectorised_matches_scalar() -> None:
    raws = [r for r, _ in DATE_CASES if r is None or isinstance(r, str)] + BAD_DATES + AMBIGUOUS_DATES + ISO_EDGES
    values, problems = normalise_series(pl.Series(raws, dtype=pl.String), "date")
    assert values.to_list() == [normalize_date(r)[0] for r in raws]
    assert problems.to_list() == [normalize_date(r)[1] for r in raws]
    months, problems = normalise_series(pl.Series(raws, dtype=pl.String), "month")
    assert months.to_list() == [normalize_month(r)[0] for r in raws]
    assert problems.to_list() == [normalize_month(r)[1] for r in raws]


AMOUNT_CASES = [
    ("1,234.50", 1234.5), ("1234.5元", 1234.5), ("(1,200.00)", -1200.0), ("（1200）", -1200.0),
    ("１２３４．５", 1234.5), ("¥1,000", 1000.0), ("￥1000", 1000.0), ("3.5亩", 3.5), ("-12", -12.0),
    ("1.2万", 12000.0), (" 100 ", 100.0), (100.0, 100.0), (12, 12.0),
    ("", None), ("无", None), ("-", None), ("/", None), (None, None),
]


@pytest.mark.parametrize(("raw", "value"), AMOUNT_CASES)
def test_normalize_amount(raw, value) -> None:
    assert normalize_amount(raw) == (value, None)


def test_bad_amount() -> None:
    assert normalize_amount("约三百") == (None, "bad_amount")


def test_amount_vectorised_matches_scalar() -> None:
    raws = [r if r is None or isinstance(r, str) else str(r) for r, _ in AMOUNT_CASES] + ["约三百"]
    values, problems = normalise_series(pl.Series(raws, dtype=pl.String), "yuan")
    assert values.to_list() == [v for _, v in AMOUNT_CASES] + [None]
    assert problems.to_list() == [None] * len(AMOUNT_CASES) + ["bad_amount"]


INT_CASES = [
    ("一级", 1), ("二级", 2), ("三级", 3), ("四级", 4), ("3人", 3), ("3.0", 3), ("12", 12), (3.0, 3),
    ("十二", 12), ("第三", 3), ("85岁", 85), ("", None), ("无", None), (None, None),
]


@pytest.mark.parametrize(("raw", "value"), INT_CASES)
def test_normalize_int(raw, value) -> None:
    assert normalize_int(raw) == (value, None)


def test_bad_int() -> None:
    assert normalize_int("很多") == (None, "bad_int")
    assert normalize_int("2.5") == (None, "bad_int")


def test_int_vectorised_matches_scalar() -> None:
    raws = [r if r is None or isinstance(r, str) else str(r) for r, _ in INT_CASES]
    values, _ = normalise_series(pl.Series(raws, dtype=pl.String), "int")
    assert values.to_list() == [v for _, v in INT_CASES]


def test_a_column_of_only_full_width_ids_is_converted() -> None:
    """Rust's \\d matches full-width digits: a column whose every ID is full-width must still be converted."""
    import polars as pl

    from connectors.normalize import normalise_series

    values, problems = normalise_series(pl.Series(["６１１０２１２０１３０７２５５１０２"]), "id")
    assert values.to_list() == ["611021201307255102"] and problems.to_list() == [None]


def test_columns_needing_no_cleaning_take_the_short_path_with_the_same_result() -> None:
    # every cell digits only: a lossy number is still reported
    values, problems = normalise_series(pl.Series(["6217000010012345000", "123456"]), "code", pl.Series([True, False]))
    assert values.to_list() == [None, "123456"]
    assert problems.to_list() == ["account_numeric", None]
    values, problems = normalise_series(pl.Series(["6217000010012345678", None]), "code")
    assert values.to_list() == ["6217000010012345678", None] and problems.to_list() == [None, None]
    # names without spaces or dots: only the empty markers change
    values, _ = normalise_series(pl.Series(["张三", "无", None, "阿卜杜·热合曼"]), "name")
    assert values.to_list() == ["张三", None, None, "阿卜杜·热合曼"]
