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
