"""The catalogue is complete and documented: every rule module has its contract, docs and fixtures,
and the committed doc pages are the ones its metadata generates."""

from __future__ import annotations

import pytest
from rule_fixtures import FIXTURE_DIR, load_cases

from rules.catalog import ALL_RULES, RULES_BY_ID
from rules.docs import DOCS_DIR, GENERATED
from rules.engine import resolve_params
from xuncha.config import ConfigError, WorkspaceConfig


@pytest.mark.parametrize("rule", ALL_RULES, ids=lambda r: r.id)
def test_rule_is_documented(rule) -> None:
    for field in ("title", "semantics", "why", "methodology", "verify"):
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
    for case in flagged:
        for entry in case["expect"]:
            # village, subject, amount_yuan (drives the scores) and a fragment of the summary
            assert len(entry) == 4 and isinstance(entry[2], float) and entry[3], f"{rule.id} / {case['name']}: {entry}"
    assert len(clean) >= max(1, len(rule.exclusions)), f"{rule.id}: need one clean case per exclusion"


@pytest.mark.parametrize("name", sorted(GENERATED))
def test_committed_docs_are_generated_from_the_rules(name) -> None:
    committed = (DOCS_DIR / name).read_text(encoding="utf-8")
    assert committed == GENERATED[name](), f"docs/{name} is stale: run `python -m rules.docs`"


def test_generated_docs_name_every_rule_with_its_contract() -> None:
    semantics = GENERATED["rule_semantics.md"]()
    reference = GENERATED["rules.md"]()
    for rule in ALL_RULES:
        assert f"- **{rule.id}** {rule.title}." in semantics
        assert f"## {rule.id} {rule.title}" in reference


def test_unknown_rule_parameter_is_an_error_naming_it() -> None:
    with pytest.raises(ConfigError, match="min_agee"):
        resolve_params(WorkspaceConfig(rules={"A01": {"min_agee": 3}}))
    with pytest.raises(ConfigError, match="Z99"):
        resolve_params(WorkspaceConfig(rules={"Z99": {}}))


def test_every_fixture_file_belongs_to_a_rule() -> None:
    # adding a rule = its module + its fixture file; a fixture without a module is a rule lost
    assert sorted(p.stem for p in FIXTURE_DIR.glob("*.toml")) == sorted(RULES_BY_ID)
