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


def test_vectorised_form_and_check_character_agree_with_the_scalar_rule() -> None:
    import random

    import pyarrow as pa

    rng = random.Random(7)
    values: list[str | None] = []
    for _ in range(3000):
        body = "".join(rng.choice("0123456789") for _ in range(17))
        values.append(body + rng.choice("0123456789X"))  # about one in eleven right
    values += [None, "", "61102119800101001", "6110211980010100123", "61102119800101001x", "６１１０２１１９８００１０１００１X",
               "61102119800101A01" + "1", valid("61102119800101001"), valid("11010519491231002")]

    def expected(v: str | None) -> bool:
        return (v is not None and len(v) == 18 and v[:17].isascii() and v[:17].isdigit()
                and v[17] in "0123456789X" and idcard.check_char(v[:17]) == v[17])

    for array in (pa.array(values), pa.array(values, type=pa.large_string()), pa.array(values).slice(5, 2000)):
        got = idcard.well_formed_and_checked(array).tolist()
        assert got == [expected(v) for v in array.to_pylist()]
    assert sum(expected(v) for v in values) > 200


def test_vectorised_problem_codes_agree_with_problem() -> None:
    import random

    import pyarrow as pa

    rng = random.Random(11)
    today = dt.date(2024, 6, 30)
    values: list[str | None] = [None, "", "123"]
    for _ in range(4000):
        region = rng.choice(["610102", "110105", "990102", "610000", "710000"])
        born = rng.choice(["19900101", "20240630", "20240701", "18891231", "18900101", "20000229", "19000229",
                           "20230229", "19801301", "19800100", "19800431", f"19{rng.randint(0, 99):02d}0{rng.randint(1, 9)}15"])
        body = region + born + f"{rng.randint(0, 999):03d}"
        values.append(body + rng.choice([idcard.check_char(body), idcard.check_char(body), "0", "X", "x"]))
    codes = idcard.problem_codes(pa.array(values), today)
    names = {idcard.VALID: None, **idcard.PROBLEM_NAMES}
    assert [names[c] for c in codes] == [idcard.problem(v, today) if v else "format" for v in values]
    assert {names[c] for c in codes} == {None, "format", "region", "birth_date", "checksum"}


@pytest.mark.parametrize(("region", "reason"), [
    ("810000", None),  # 港澳台居民居住证: Hong Kong
    ("820000", None),  # Macao
    ("830000", None),  # Taiwan
    ("612526", None),  # 镇安县 before 2001 (商洛地区): a historic code, still on IDs
    ("611021", None),  # 洛南县 since 2001
    ("110199", "region"),  # made-up county in Beijing
    ("611099", "region"),  # made-up county
    ("610000", "region"),  # a province is not an ID region
    ("710000", "region"),
])
def test_region_from_the_division_list(region: str, reason: str | None) -> None:
    pid = valid(region + "19800101001")
    assert idcard.problem(pid, today=dt.date(2026, 1, 1)) == reason
    import pyarrow as pa
    code = idcard.problem_codes(pa.array([pid]), today=dt.date(2026, 1, 1))[0]
    assert code == (idcard.VALID if reason is None else idcard.REGION)


def test_region_list_has_current_and_historic_codes() -> None:
    assert len(idcard.REGION_CODES) > 6000  # ~3,200 current county-level codes and as many retired ones
    assert idcard.RESIDENCE_PERMITS <= idcard.REGION_CODES
    assert all(len(c) == 6 and c.isdigit() for c in idcard.REGION_CODES)
