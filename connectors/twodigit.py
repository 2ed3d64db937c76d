"""Months and periods written with a two-digit year (24年3月, 24.03, 23年第三季度, 23.7-12).

One rule for dates, months and periods (README, 日期): the year comes first, as Chinese dates are
written, and 20yy stands for the years up to this one, 19yy for the later ones (24 -> 2024, 58 -> 1958).

- Marked by 年 (24年3月, 24年03月份): always a year and a month.
- Unmarked (24.03, 24-03, 24/3) in a month column: a year and a month when the first number cannot be
  a month (over 12); else (12.03: December 3rd, or March 2012?) ambiguous, unless the sheet's own year
  (its title, sheet, file or folder name: connectors/context.py) ends in those two digits, which
  settles it (connectors/values.py). Never in a date column: there 3.15 may be a day without its year.
- A number cell (24.1 from 24.10) is never read this way: the trailing zero, hence the month, is lost.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata

# 24年3月, 24年03月份, 24年3 (the month word left out)
_MARKED = re.compile(r"^(\d{2})年(\d{1,2})(?:月份?)?$")
# 24.03, 24-03, 24/3
_BARE = re.compile(r"^(\d{2})[-./](\d{1,2})$")
_WS_RE = r"[\s\u3000\u00a0\u200b\ufeff]"


def century(yy: int, today: dt.date | None = None) -> int:
    """A two-digit year: 20yy up to this year, else 19yy (24 -> 2024, 58 -> 1958)."""
    this = (today or dt.date.today()).year
    return 2000 + yy if 2000 + yy <= this else 1900 + yy


def _clean(raw: str) -> str:
    return re.sub(_WS_RE, "", unicodedata.normalize("NFKC", raw))


def marked_month(raw: str) -> tuple[dt.date | None, str | None] | None:
    """24年3月 -> (2024-03-01, None); 24年13月 -> (None, bad_date); not this form: None."""
    m = _MARKED.match(_clean(raw))
    if not m:
        return None
    month = int(m.group(2))
    if not 1 <= month <= 12:
        return None, "bad_date"
    return dt.date(century(int(m.group(1))), month, 1), None


def bare_month(raw: str) -> tuple[dt.date | None, str | None] | None:
    """In a month column: 24.03 -> (2024-03-01, None); 12.03 -> (None, ambiguous_date) (the sheet's
    year may settle it: settle_bare_month); not this form: None."""
    m = _BARE.match(_clean(raw))
    if not m:
        return None
    yy, month = int(m.group(1)), int(m.group(2))
    if not 1 <= month <= 12:
        return None, "bad_date"
    if yy <= 12:
        return None, "ambiguous_date"
    return dt.date(century(yy), month, 1), None


def settle_bare_month(raw: str, year: int | None) -> dt.date | None:
    """An ambiguous bare month (12.03) read as a year and a month when the sheet's year ends in its
    first two digits (a sheet of 2012: 2012-03); else None (it stays ambiguous)."""
    m = _BARE.match(_clean(raw))
    if not m or year is None:
        return None
    yy, month = int(m.group(1)), int(m.group(2))
    if yy <= 12 and year % 100 == yy and 1 <= month <= 12:
        return dt.date(int(year), month, 1)
    return None


def is_two_digit(raw: str | None) -> bool:
    """A month or period written with a two-digit year first (for the sheet's note)."""
    if raw is None:
        return False
    s = _clean(str(raw))
    return bool(re.match(r"^\d{2}(?:年|[-./]\d{1,2}(?:$|[-./~～至到—]))", s))
