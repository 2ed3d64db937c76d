"""Masking of ID and account numbers in what inspection teams receive.

Team workbooks leave the office, so no full resident ID or account number may appear in any cell:
an ID keeps its first 6 (region) and last 4 characters, an account keeps its last 4 digits.
"""

from __future__ import annotations

import re

# A run of digits (an 18-character ID may end in X), not glued to other digits or Latin letters.
_NUMBER_RE = re.compile(r"(?<![0-9A-Za-z])[0-9]{9,}[Xx]?(?![0-9A-Za-z])")

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


def _mask_token(match: re.Match[str]) -> str:
    token = match.group(0)
    if len(token) == 18 or (len(token) == 15 and token.isdigit()):
        return mask_id(token)
    if token[-1] in "Xx":
        # 17 digits + X or another odd length ending in X: ID-like, mask the same way
        return mask_id(token) if len(token) >= 15 else token
    if len(token) >= ACCOUNT_MIN_DIGITS:
        return mask_account(token)
    return token


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
    return value


def is_account_column(column: str) -> bool:
    return column == "account_no" or column.endswith("_account_no")


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
        if not isinstance(value, str):
            return mask_cell(value)
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
