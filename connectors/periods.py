"""Pay periods as departments write them -> (first month, last month) of the period.

A one-card list mixes monthly items (2024年3月, 2024.03, 202403) with quarterly, half-yearly and
annual ones (2024年第二季度, 2024年上半年, 2024年度, 2024年1-6月). Rules that work by month need to
know which months an amount covers, so every table with a pay month also stores `period_start`
and `period_end` (connectors/schema.py), the first day of the first and of the last month covered;
a monthly value gives start == end, and the pay-month column keeps its monthly value as before.

Years are written in four digits or, first, in two (23年第三季度, 23.7-12: connectors/twodigit.py).
The grammar is closed on purpose: a text it does not read gives no period (never a guess).
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata

import polars as pl

from connectors.twodigit import century

Period = tuple[dt.date, dt.date]

_CN_DIGITS = {"一": 1, "二": 2, "三": 3, "四": 4, "1": 1, "2": 2, "3": 3, "4": 4}
# A four-digit year, or a two-digit one first (23年第三季度, 23.7-12): see _two_digit_ok
_Y = r"(?P<y>(?:19|20)\d{2}|\d{2}(?=[年.\-/Qq]))"
_SEP = r"\s*[-/.年]\s*"
_RANGE = r"\s*(?:-|~|～|—|至|到)\s*"
_PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    # 2024年1月-2024年6月, 2024.01-2024.06, 2024-01至2024-06
    ("span", re.compile(_Y + _SEP + r"(?P<m1>\d{1,2})\s*月?" + _RANGE + r"(?P<y2>(?:19|20)\d{2}|\d{2})" + _SEP
                        + r"(?P<m2>\d{1,2})\s*月?(?:份)?$")),
    # 2024年1-6月, 2024年1月-6月, 2024年1至6月
    ("range", re.compile(_Y + r"\s*年\s*(?P<m1>\d{1,2})\s*月?" + _RANGE + r"(?P<m2>\d{1,2})\s*月(?:份)?$")),
    # 2024.7-12, 23.7-12, 2024/1~6: a year, then months from-to (a date keeps one separator: 24.07.12)
    ("range", re.compile(_Y + r"\s*[./]\s*(?P<m1>\d{1,2})\s*(?:-|~|～|—|至|到)\s*(?P<m2>\d{1,2})\s*月?(?:份)?$")),
    # 2024年第二季度, 2024年2季度, 2024年二季度, 2024Q2, 2024年第2季
    ("quarter", re.compile(_Y + r"\s*年?\s*(?:第\s*)?(?P<q>[一二三四1-4])\s*季(?:度)?$")),
    ("quarter", re.compile(_Y + r"\s*[-.]?\s*[Qq](?P<q>[1-4])$")),
    # 2024年上半年, 2024年下半年
    ("half", re.compile(_Y + r"\s*年?\s*(?P<h>上|下)半年(?:度)?$")),
    # 2024年度, 2024年, 2024年全年, 2024
    ("year", re.compile(_Y + r"\s*(?:年度|年全年|全年|年)?$")),
    # 2024年3月, 2024-03, 2024.03, 2024/3, 2024年03月份
    ("month", re.compile(_Y + _SEP + r"(?P<m>\d{1,2})\s*月?(?:份)?$")),
    # 202403
    ("month", re.compile(r"^(?P<y>(?:19|20)\d{2})(?P<m>0[1-9]|1[0-2])$")),
    # 2024-03-15, 2024年3月15日: the month of a payment date
    ("day", re.compile(_Y + _SEP + r"(?P<m>\d{1,2})" + r"\s*[-/.月]\s*(?P<d>\d{1,2})\s*日?(?:[ T].*)?$")),
]


def _two_digit_ok(kind: str, s: str, y: str) -> bool:
    """A two-digit year is read only where it cannot be a month: marked by 年 (23年第三季度, 23年度)
    or Q (23Q3), or over 12 before a separator (23.7-12, 23.07); 12.7-12 is left unread (ambiguous)."""
    if len(y) == 4:
        return True
    after = s[len(y):len(y) + 1]
    if after == "年" or after in "Qq":
        return True
    return kind != "year" and int(y) > 12


def _year(y: str) -> int:
    return int(y) if len(y) == 4 else century(int(y))


def _month(y: int, m: int) -> dt.date | None:
    return dt.date(y, m, 1) if 1 <= m <= 12 else None


def parse_period(raw: object) -> Period | None:
    """(first month, last month) of a period as written, each as the first day of its month; None
    when the text is not a period this grammar reads (or names an impossible month)."""
    if raw is None:
        return None
    if isinstance(raw, dt.datetime):
        raw = raw.date()
    if isinstance(raw, dt.date):
        first = raw.replace(day=1)
        return first, first
    s = unicodedata.normalize("NFKC", str(raw)).strip()
    s = re.sub(r"\s+", "", s)
    if re.fullmatch(r"\d{6}\.0", s):  # 202403 stored as a number
        s = s[:-2]
    for kind, pattern in _PATTERNS:
        m = pattern.match(s)
        if not m:
            continue
        if not _two_digit_ok(kind, s, m.group("y")):
            return None
        y = _year(m.group("y"))
        if kind == "year":
            return dt.date(y, 1, 1), dt.date(y, 12, 1)
        if kind == "half":
            return (dt.date(y, 1, 1), dt.date(y, 6, 1)) if m.group("h") == "上" else (dt.date(y, 7, 1), dt.date(y, 12, 1))
        if kind == "quarter":
            q = _CN_DIGITS[m.group("q")]
            return dt.date(y, 3 * q - 2, 1), dt.date(y, 3 * q, 1)
        if kind in ("month", "day"):
            one = _month(y, int(m.group("m")))
            return (one, one) if one else None
        if kind == "range":
            a, b = _month(y, int(m.group("m1"))), _month(y, int(m.group("m2")))
        else:  # span
            a, b = _month(y, int(m.group("m1"))), _month(_year(m.group("y2")), int(m.group("m2")))
        if a is None or b is None or b < a:
            return None
        return a, b
    return None


def period_columns(texts: pl.Series, months: pl.Series | None = None) -> tuple[pl.Series, pl.Series]:
    """period_start and period_end for a column of periods as text, parsed once per distinct text.
    `months`: the pay month already normalised (a date cell read as a month), used where set."""
    uniq = texts.unique().drop_nulls().to_list()
    parsed = {t: p for t in uniq if (p := parse_period(t)) is not None}
    keys = list(parsed)
    starts = texts.replace_strict(keys, [parsed[t][0] for t in keys], default=None, return_dtype=pl.Date)
    ends = texts.replace_strict(keys, [parsed[t][1] for t in keys], default=None, return_dtype=pl.Date)
    if months is not None and months.dtype == pl.Date:
        # the month read from the cell, unless its text names several months (2024.7-12 is no date)
        use = (months.is_not_null() & (starts.is_null() | (starts == ends))).fill_null(False)
        starts = months.zip_with(use, starts)
        ends = months.zip_with(use, ends)
    return starts.alias("period_start"), ends.alias("period_end")


def is_monthly(period: Period | None) -> bool:
    return period is not None and period[0] == period[1]
