"""Every rule against its golden fixtures: flagged cases flagged (with their amounts and facts),
exclusions not."""

from __future__ import annotations

import polars as pl
import pytest
from rule_fixtures import FIXTURE_DIR, load_cases, run_case

CASES = [
    pytest.param(path.stem, case, id=f"{path.stem}:{case['name']}")
    for path in sorted(FIXTURE_DIR.glob("*.toml"))
    for case in load_cases(path.stem)
]


@pytest.mark.parametrize(("rule_id", "case"), CASES)
def test_rule_fixture(rule_id: str, case: dict) -> None:
    flags = run_case(rule_id, case)
    got = sorted({(v, s) for v, s in zip(flags["village_code"], flags["subject_key"], strict=True)})
    want = sorted({(v, s) for v, s, *_ in case["expect"]})
    assert got == want, f"{case['name']}: flagged {got}, expected {want}"
    for village, subject, amount, fragment in case["expect"]:
        mine = flags.filter((pl.col("village_code") == village) & (pl.col("subject_key") == subject))
        assert mine["amount_yuan"].sum() == pytest.approx(amount, abs=0.005), f"{case['name']}: amount of {subject}"
        summaries = mine["summary"].to_list()
        assert any(fragment in s for s in summaries), f"{case['name']}: no summary contains {fragment!r}: {summaries}"
    for ev in flags["evidence_list"].to_list():
        # every flag is traceable to source rows
        assert ev and all(e["source_file"] and e["source_row"] for e in ev)
    if "severity" in case and flags.height:
        assert set(flags["severity"]) == {case["severity"]}
