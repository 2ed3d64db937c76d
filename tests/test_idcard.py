"""Resident ID arithmetic: check digit, 15→18, validation reasons."""

from __future__ import annotations

import datetime as dt

import pytest

from xuncha import idcard


def valid(body17: str) -> str:
    return body17 + idcard.check_char(body17)


def test_known_check_digit() -> None:
    # GB 11643 worked example
    assert idcard.check_char("11010519491231002") == "X"


def test_upgrade_15_to_18() -> None:
    assert idcard.upgrade_15("611021500101123") == valid("61102119500101123")


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        (valid("61102119800101001"), None),
        ("61102119800101001" + ("0" if idcard.check_char("61102119800101001") != "0" else "1"), "checksum"),
        (valid("61102119800230001"), "birth_date"),
        (valid("99102119800101001"), "region"),
        (valid("61000019800101001"), "region"),
        (valid("61102130000101001"), "birth_date"),
        ("6110211980010100", "format"),
        ("61102119800101001Y", "format"),
    ],
)
def test_problem(value: str, reason: str | None) -> None:
    assert idcard.problem(value, today=dt.date(2026, 1, 1)) == reason


def test_age_on() -> None:
    pid = valid("61102119440615001")
    assert idcard.age_on(pid, dt.date(2024, 6, 14)) == 79
    assert idcard.age_on(pid, dt.date(2024, 6, 15)) == 80
