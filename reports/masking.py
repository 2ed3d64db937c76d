"""Masking of ID and account numbers in what inspection teams receive.

Team workbooks leave the office, so no full resident ID or account number may appear in any cell:
an ID keeps its first 6 (region) and last 4 characters, an account keeps its last 4 digits.

In free text a number is found however it is written: ASCII or full-width digits, grouped with
spaces or dashes ("6110 2119 4001 0100 11", "611021-19400101-0011"), glued to letters
("ID611021194001010011"). In a run of digit groups joined by single separators, each ID or
account is found as the longest span of whole groups with an ID's length, or a bank card's (16-19
digits); a date and time ("20241201-093000") or a voucher number in groups is left as it is.
"""

from __future__ import annotations

import re

_DIGIT = "[0-9\uff10-\uff19]"  # ASCII and full-width digits
_SEPARATOR = "[ \t\u00a0\u3000\\-\u2010-\u2015\u2212\uff0d_.·]"  # spaces, dashes, dots
# Digits, any two joined by at most one separator, perhaps ending in X (an ID's check character).
_NUMBER_RE = re.compile(f"{_DIGIT}(?:{_SEPARATOR}?{_DIGIT}){{8,}}(?:{_SEPARATOR}?[XxＸｘ])?")
_GROUP_RE = re.compile(f"{_DIGIT}+")
_TO_ASCII = str.maketrans("０１２３４５６７８９Ｘｘ", "0123456789Xx")

# Runs at least this long that are not IDs are taken for account/card numbers. Shorter runs stay:
# 12-digit village codes, 11-digit phone numbers, 8-digit dates and voucher numbers.
ACCOUNT_MIN_DIGITS = 13


def mask_id(value: str) -> str:
    """`611021194001010011` → `611021********0011`; a 15-digit ID keeps the same 6 + 4."""
    return value[:6] + "*" * (len(value) - 10) + value[-4:]


def mask_account(value: str) -> str:
    """Keep the last 4 digits of an account number: `6217001234567890123` → `***************0123`."""
    value = value.strip()
    if len(value) <= 4:
        return value
    return "*" * (len(value) - 4) + value[-4:]


def _masked(digits: str, check: str, grouped: bool) -> str | None:
    """The masked form of a number of these digits (and check character), None when it is neither an
    ID nor an account. Grouped digits make an account only at a bank card's length (16-19): a date
    and a time ("20241201-093000") are not one."""
    if len(digits) == 17 and check:
        return mask_id(digits + check)
    if len(digits) in (15, 18):
        return mask_id(digits) + check  # an X after 18 digits is a letter glued on
    if check and len(digits) >= 14:
        return mask_id(digits + check)  # another odd length ending in X: ID-like, masked the same way
    if len(digits) >= ACCOUNT_MIN_DIGITS and (not grouped or 16 <= len(digits) <= 19):
        return mask_account(digits) + check
    return None


def _mask_token(match: re.Match[str]) -> str:
    """Mask the numbers in a run of digit groups: from each group, the longest span of groups that
    is an ID or an account (so two numbers written side by side are masked one by one)."""
    token = match.group(0)
    groups = [(m.start(), m.end(), m.group().translate(_TO_ASCII)) for m in _GROUP_RE.finditer(token)]
    check = token[-1].translate(_TO_ASCII) if token[-1] in "XxＸｘ" else ""
    out: list[str] = []
    pos = i = 0
    while i < len(groups):
        best = None
        digits = ""
        for j in range(i, len(groups)):
            digits += groups[j][2]
            if j > i and len(digits) > 19:
                break
            last = j == len(groups) - 1
            masked = _masked(digits, check if last else "", j > i)
            if masked is not None:
                best = (j, masked, last and bool(check))
        if best is None:
            i += 1
            continue
        j, masked, with_check = best
        out += [token[pos:groups[i][0]], masked]
        pos = len(token) if with_check else groups[j][1]
        i = j + 1
    out.append(token[pos:])
    return "".join(out)


def mask_text(value: str) -> str:
    """Mask every ID-looking or account-looking number inside free text."""
    if not value or len(value) < 9:
        return value
    return _NUMBER_RE.sub(_mask_token, value)


def mask_cell(value: object) -> object:
    """Mask a cell value of any type; numbers long enough to be IDs are masked as text."""
    if isinstance(value, str):
        return mask_text(value)
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) >= 10**8:
        return mask_text(str(value))
    if isinstance(value, float) and abs(value) >= 1e12 and value.is_integer():
        return mask_text(str(int(value)))  # an ID or account number read as a float
    return value


def is_account_column(column: str) -> bool:
    known = _ACCOUNT_COLUMN.get(column)
    if known is None:
        known = _ACCOUNT_COLUMN[column] = column == "account_no" or column.endswith("_account_no")
    return known


# Column names asked about (a few dozen, asked once per value of every evidence record)
_ACCOUNT_COLUMN: dict[str, bool] = {}


class Masker:
    """Masks a team workbook's cells: known account numbers (whatever their length) and every
    ID- or account-looking number in text."""

    def __init__(self, accounts: set[str] | None = None) -> None:
        # longest first, so an account that contains another is replaced whole
        self._accounts = sorted({a for a in (accounts or ()) if a and len(a) > 4}, key=len, reverse=True)
        # all-digit accounts can only be in a text with as long a run of digits: most texts have none,
        # and a village may have hundreds of accounts to look for
        self._candidate = (
            re.compile(r"\d{%d,}" % len(self._accounts[-1])).search
            if self._accounts and all(a.isdecimal() for a in self._accounts) else None
        )
        # texts repeat down a workbook's columns (files, sheets, names): each is masked once
        self._seen: dict[str, str] = {}

    def __call__(self, value: object) -> object:
        # called for every cell of a team workbook: the common cases first, each in one test
        if value is None:
            return None
        if not isinstance(value, str):  # a short integer as mask_cell would leave it, without its tests
            return value if type(value) is int and -10**8 < value < 10**8 else mask_cell(value)
        seen = self._seen.get(value)
        if seen is not None:
            return seen
        text = value
        if self._accounts and (self._candidate is None or self._candidate(text)):
            for account in self._accounts:
                if account in text:
                    text = text.replace(account, mask_account(account))
        text = mask_text(text)
        if len(self._seen) < 100_000:
            self._seen[value] = text
        return text
