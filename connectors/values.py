"""Cell values that are not a value as written, read by what they mean.

- Words for "not ended" in an end-date column (在任, 至今, 在职, 长期 ...): no end date (NULL), counted
  in the sheet message, never an unreadable date. The vocabulary is data: values.toml [open_end].
- Dates and months written without their year ("3月", "03", "三月", "3月5日"): completed with the year
  the sheet states elsewhere (its year column, title, sheet, file or folder name: connectors/context.py);
  the sheet message says where the year came from. Without one year to take, they stay unreadable.
- Months with a two-digit year (24年3月, 24.03: connectors/twodigit.py): counted in the sheet message;
  an ambiguous one (12.03) is read only where the sheet's year ends in its two digits (2012).
"""

from __future__ import annotations

import datetime as dt
import re
import tomllib
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import polars as pl

from connectors.twodigit import is_two_digit, settle_bare_month

VALUES_FILE = Path(__file__).with_name("values.toml")
_WS_RE = r"[\s\u3000\u00a0\u200b\ufeff]"


def _clean(s: str) -> str:
    return re.sub(_WS_RE, "", unicodedata.normalize("NFKC", s))


@cache
def _vocabulary() -> dict:
    with VALUES_FILE.open("rb") as f:
        return tomllib.load(f)


@cache  # asked once per sampled cell when columns are profiled
def open_end_words() -> frozenset[str]:
    return frozenset(_clean(w) for w in _vocabulary()["open_end"]["words"])


@cache
def open_end_columns() -> frozenset[str]:
    return frozenset(_vocabulary()["open_end"]["columns"])


def open_end_mask(texts: pl.Series) -> pl.Series:
    """Cells (as written) that say "not ended yet"."""
    cleaned = texts.cast(pl.String).str.normalize("NFKC").str.replace_all(_WS_RE, "")
    return cleaned.is_in(sorted(open_end_words())).fill_null(False)


# ---------------------------------------------------------------- dates without their year

_CN_NUM = {"一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9, "十": 10}


def _cn_int(s: str) -> int | None:
    """1..31 in digits or Chinese numerals (三, 十二, 二十五, 三十一)."""
    if s.isdigit():
        return int(s)
    if not s or any(c not in _CN_NUM for c in s):
        return None
    if "十" not in s:
        return _CN_NUM[s] if len(s) == 1 else None
    tens, _, ones = s.partition("十")
    if len(tens) > 1 or len(ones) > 1:
        return None
    return (_CN_NUM[tens] if tens else 1) * 10 + (_CN_NUM[ones] if ones else 0)


_N = r"(\d{1,2}|[一二两三四五六七八九十]{1,3})"
# 3月, 03月, 3月份, 三月, 十二月份; with a day: 3月5日, 3月5号, 三月五日
_MONTH_DAY = re.compile(rf"^{_N}月(?:份)?(?:{_N}[日号])?$")
# A bare month number: only in a month column (in a date column "3" is no date at all).
_BARE_MONTH = re.compile(r"^(\d{1,2})(?:\.0)?$")


def yearless(raw: str | None, month_column: bool) -> tuple[int, int | None] | None:
    """(month, day or None) of a date or month written without a year, else None."""
    if raw is None:
        return None
    s = _clean(str(raw))
    m = _MONTH_DAY.match(s)
    day: int | None = None
    if m:
        month = _cn_int(m.group(1))
        if m.group(2):
            day = _cn_int(m.group(2))
            if day is None or not 1 <= day <= 31:
                return None
    elif month_column and (b := _BARE_MONTH.match(s)):
        month = int(b.group(1))
    else:
        return None
    if month is None or not 1 <= month <= 12:
        return None
    return month, day


def complete_year(texts: pl.Series, years: pl.Series, month_column: bool) -> pl.Series:
    """Dates for cells written without a year, in the given year of their row (Int, null: none known);
    null where the cell is not such a value, or names a day that does not exist in that year."""
    keys = texts.unique().drop_nulls().to_list()
    parsed = {k: p for k in keys if (p := yearless(k, month_column)) is not None}
    out: list[dt.date | None] = []
    for text, year in zip(texts.to_list(), years.to_list(), strict=True):
        p = parsed.get(text) if text is not None else None
        if p is None or year is None:
            out.append(None)
            continue
        month, day = p
        try:
            out.append(dt.date(int(year), month, day or 1))
        except ValueError:
            out.append(None)
    return pl.Series(out, dtype=pl.Date)


@dataclass
class DateReading:
    values: pl.Series
    problems: pl.Series
    open_end: pl.Series | None = None  # cells read as "not ended" (NULL)
    open_end_words: tuple[str, ...] = ()  # a few of them as written, for the message
    completed: pl.Series | None = None  # cells completed with the sheet's year
    yearless: pl.Series | None = None  # cells without a year left unreadable: no year to take
    two_digit: pl.Series | None = None  # months read from a two-digit year (24年3月, 24.03)
    settled: pl.Series | None = None  # of them, ambiguous ones (12.03) settled by the sheet's year


def _none_where(s: pl.Series, mask: pl.Series) -> pl.Series:
    return s.zip_with(~mask, pl.repeat(None, len(s), dtype=s.dtype, eager=True))


def read_unread_dates(texts: pl.Series, values: pl.Series, problems: pl.Series, month_column: bool,
                      end_column: bool, sheet_years: Callable[[], pl.Series | None]) -> DateReading:
    """A date column's cells the date grammar left unreadable (problem bad_date), read by meaning:
    in an end-date column, "not ended" words become NULL without a problem; a date or month without
    its year takes the row's sheet year (`sheet_years()`, per row, computed only when needed)."""
    out = DateReading(values, problems)
    if month_column:
        _two_digit_months(texts, out, sheet_years)
    unread = (problems == "bad_date").fill_null(False)
    if not unread.any():
        return out
    if end_column:
        open_end = unread & open_end_mask(texts)
        if open_end.any():
            out.problems = _none_where(out.problems, open_end)
            unread = unread & ~open_end
            out.open_end = open_end
            out.open_end_words = tuple(texts.filter(open_end).str.strip_chars().unique(maintain_order=True).head(3).to_list())
    if not unread.any():
        return out
    readable = [t for t in texts.filter(unread).unique().drop_nulls().to_list() if yearless(t, month_column) is not None]
    maybe = unread & texts.is_in(readable).fill_null(False)
    if not maybe.any():
        return out
    years = sheet_years()
    n = len(texts)
    years = years.cast(pl.Int32) if years is not None else pl.repeat(None, n, dtype=pl.Int32, eager=True)
    dates = complete_year(_none_where(texts.cast(pl.String), ~maybe), years, month_column)
    done = dates.is_not_null()
    out.values = out.values.zip_with(~done, dates.cast(out.values.dtype))
    out.problems = _none_where(out.problems, done)
    if done.any():
        out.completed = done
    if (maybe & ~done).any():
        out.yearless = maybe & ~done
    return out


def _two_digit_months(texts: pl.Series, out: DateReading, sheet_years: Callable[[], pl.Series | None]) -> None:
    """Months written with a two-digit year (connectors/twodigit.py): the ambiguous ones (12.03)
    settled by the sheet's year where it ends in those digits; all of them counted for the note."""
    keys = [t for t in texts.unique().drop_nulls().to_list() if is_two_digit(t)]
    if not keys:
        return
    written = texts.is_in(keys).fill_null(False)
    ambiguous = written & (out.problems == "ambiguous_date").fill_null(False)
    if ambiguous.any():
        years = sheet_years()
        if years is not None:
            settled = [settle_bare_month(t, y) if a else None
                       for t, y, a in zip(texts.to_list(), years.to_list(), ambiguous.to_list(), strict=True)]
            dates = pl.Series(settled, dtype=pl.Date)
            done = dates.is_not_null()
            if done.any():
                out.values = out.values.zip_with(~done, dates.cast(out.values.dtype))
                out.problems = _none_where(out.problems, done)
                out.settled = done
    read = written & out.values.is_not_null()
    if read.any():
        out.two_digit = read
