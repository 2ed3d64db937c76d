"""Resident ID number arithmetic (GB 11643): check digit, 15→18 conversion, validation.

Shared by the connectors (which validate what departments send) and the sample generator (which
must make IDs that look real). Pure functions on already-cleaned strings; cleaning of what people
type (full-width digits, spaces, apostrophes) lives in connectors.normalize.
"""

from __future__ import annotations

import datetime as dt

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"

# First two digits of every province-level region (including 71 Taiwan, 81/82 HK/Macao, 83 for
# residence permits).
PROVINCE_CODES = frozenset(
    "11 12 13 14 15 21 22 23 31 32 33 34 35 36 37 41 42 43 44 45 46 50 51 52 53 54 "
    "61 62 63 64 65 71 81 82 83".split()
)


def check_char(first17: str) -> str:
    """The ISO 7064 MOD 11-2 check character for the first 17 digits."""
    total = sum(int(d) * w for d, w in zip(first17, _WEIGHTS, strict=True))
    return _CHECK[total % 11]


def upgrade_15(id15: str) -> str:
    """A 15-digit ID (born 19xx, no check digit) as its 18-digit form."""
    body = id15[:6] + "19" + id15[6:]
    return body + check_char(body)


def birth_date(id18: str) -> dt.date | None:
    try:
        return dt.date(int(id18[6:10]), int(id18[10:12]), int(id18[12:14]))
    except ValueError:
        return None


def is_male(id18: str) -> bool:
    return int(id18[16]) % 2 == 1


def problem(id18: str, today: dt.date | None = None) -> str | None:
    """Why an 18-character ID is invalid (reason code), or None if it is valid.

    Reason codes: format, region (no such province, or a zero prefecture/county part),
    birth_date (impossible or in the future), checksum.
    """
    if len(id18) != 18 or not id18[:17].isdigit() or not (id18[17].isdigit() or id18[17] == "X"):
        return "format"
    if id18[:2] not in PROVINCE_CODES or id18[2:6] == "0000":
        return "region"
    born = birth_date(id18)
    today = today or dt.date.today()
    if born is None or born > today or born.year < 1890:
        return "birth_date"
    if check_char(id18[:17]) != id18[17]:
        return "checksum"
    return None


def age_on(id18: str, day: dt.date) -> int | None:
    born = birth_date(id18)
    if born is None:
        return None
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))
