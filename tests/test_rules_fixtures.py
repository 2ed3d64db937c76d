"""Every rule against its golden fixtures: flagged cases flagged, exclusions not."""

from __future__ import annotations

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
    want = sorted({tuple(pair) for pair in case["expect"]})
    assert got == want, f"{case['name']}: flagged {got}, expected {want}"
    for ev in flags["evidence_list"].to_list():
        # every flag is traceable to source rows
        assert ev and all(e["source_file"] and e["source_row"] for e in ev)
    if "severity" in case and flags.height:
        assert set(flags["severity"]) == {case["severity"]}
