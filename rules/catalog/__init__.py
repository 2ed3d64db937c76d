"""The rule catalogue: one module per rule (`a01.py` … `e02.py`), each defining `RULE`."""

from __future__ import annotations

import importlib
import pkgutil

from rules.model import Rule


def _discover() -> list[Rule]:
    found = []
    for info in pkgutil.iter_modules(__path__):
        if len(info.name) == 3 and info.name[0] in "abcde" and info.name[1:].isdigit():
            module = importlib.import_module(f"{__name__}.{info.name}")
            rule = module.RULE
            if rule.id.lower() != info.name:
                raise ValueError(f"{info.name}.py defines rule {rule.id}")
            found.append(rule)
    return sorted(found, key=lambda r: r.id)


ALL_RULES: list[Rule] = _discover()
RULES_BY_ID: dict[str, Rule] = {r.id: r for r in ALL_RULES}


def source_text(rule: Rule) -> str:
    """A rule's module source with the shared SQL parts it uses (rules.sqlparts) appended."""
    import inspect
    import re

    from rules import sqlparts

    module = importlib.import_module(f"{__name__}.{rule.id.lower()}")
    text = inspect.getsource(module)
    for name in dir(sqlparts):
        if not name.startswith("_") and re.search(rf"\b{name}\b", text):
            value = getattr(sqlparts, name)
            text += value if isinstance(value, str) else (inspect.getsource(value) if callable(value) else "")
    return text


def tables_read(rule: Rule) -> set[str]:
    """Every warehouse table a rule reads, found in its module's source (and the shared SQL parts it
    uses), so a re-run after a file changed can skip the rules that cannot see the change."""
    import re

    from connectors.schema import TABLES
    from rules import derived

    text = source_text(rule)
    found = {t for t in [*TABLES, "quarantine"] if re.search(rf"\b{t}\b", text)}
    if "kinship" in rule.derived + rule.optional_derived or re.search(r"\bkinship\b", text):
        found |= set(derived.KINSHIP_SOURCES)
    return found
