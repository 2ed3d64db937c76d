"""The catalogue is complete and documented: every rule of RULES.md exists, has docs and fixtures."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from rule_fixtures import FIXTURE_DIR, load_cases

from rules.catalog import ALL_RULES, RULES_BY_ID
from rules.docs import reference_markdown
from rules.engine import resolve_params
from xuncha.config import ConfigError, WorkspaceConfig

ROOT = Path(__file__).resolve().parent.parent
CATALOGUE = ROOT.parent / "shared" / "domain" / "RULES.md"


def catalogue_ids() -> list[str]:
    if CATALOGUE.exists():
        return sorted(set(re.findall(r"^- ([A-E]\d\d) ", CATALOGUE.read_text(encoding="utf-8"), re.M)))
    # shared/ absent: fall back to the ids the semantics contract lists
    text = (ROOT / "docs" / "rule_semantics.md").read_text(encoding="utf-8")
    return sorted(set(re.findall(r"^- \*\*([A-E]\d\d)\*\*", text, re.M)))


@pytest.mark.parametrize("rule", ALL_RULES, ids=lambda r: r.id)
def test_rule_is_documented(rule) -> None:
    for field in ("title", "why", "methodology", "verify"):
        assert len(getattr(rule, field)) >= 4, f"{rule.id}.{field} is missing"
    assert rule.questions, f"{rule.id} has no interview questions"
    for p in rule.params:
        assert p.description, f"{rule.id}.{p.name} lacks a description"


@pytest.mark.parametrize("rule", ALL_RULES, ids=lambda r: r.id)
def test_rule_has_fixtures(rule) -> None:
    assert (FIXTURE_DIR / f"{rule.id}.toml").exists(), f"{rule.id} has no golden fixtures"
    cases = load_cases(rule.id)
    flagged = [c for c in cases if c["expect"]]
    clean = [c for c in cases if not c["expect"]]
    assert flagged, f"{rule.id}: no fixture case with a flag"
    assert len(clean) >= max(1, len(rule.exclusions)), f"{rule.id}: need one clean case per exclusion"


def test_generated_reference_is_current() -> None:
    current = (ROOT / "docs" / "rules.md").read_text(encoding="utf-8")
    assert current == reference_markdown(), "docs/rules.md is stale: run `python -m rules.docs`"


def test_unknown_rule_parameter_is_an_error_naming_it() -> None:
    with pytest.raises(ConfigError, match="min_agee"):
        resolve_params(WorkspaceConfig(rules={"A01": {"min_agee": 3}}))
    with pytest.raises(ConfigError, match="Z99"):
        resolve_params(WorkspaceConfig(rules={"Z99": {}}))


def test_every_catalogued_rule_is_implemented() -> None:
    assert sorted(RULES_BY_ID) == catalogue_ids()
