"""The declared data checks (connectors/expectations.toml), loaded and expanded to targets.

A check names a Great Expectations expectation, an action (quarantine the failing rows, warn, or
reject the file) and the columns it applies to (selectors such as `@required`, `@kind:id`,
`*.person_id`, `table.@derived`); `load_checks` expands each to one Target per table and
column(s). Derived columns (DERIVED) are polars expressions computed before validation.
"""

from __future__ import annotations

import datetime as dt
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import polars as pl

from connectors.catalog import Catalog, load_catalog
from connectors.normalize import REASONS
from connectors.schema import TABLES, VILLAGE_KEYS

CHECKS_FILE = Path(__file__).with_name("expectations.toml")
REJECTED_CODE = "file_rejected"


@dataclass(frozen=True)
class Target:
    """One expectation instance: a check applied to one column, pair or column list of a table."""

    check: str
    table: str
    columns: tuple[str, ...]  # 1 (column), 2 (pair) or more (compound)
    kwargs: tuple[tuple[str, Any], ...]

    @property
    def column(self) -> str:
        return self.columns[0]


@dataclass(frozen=True)
class Check:
    name: str
    expectation: str
    label: str
    action: str
    reject_share: float | None
    covers: frozenset[str]
    needs_reference: bool
    targets: tuple[Target, ...]


@dataclass(frozen=True)
class Checks:
    checks: tuple[Check, ...]
    reject_min_rows: int
    sample_rows: int

    def for_table(self, table: str) -> list[tuple[Check, Target]]:
        return [(c, t) for c in self.checks for t in c.targets if t.table == table]


class ChecksError(ValueError):
    """expectations.toml names something that does not exist."""


_KEYS = {"expectation", "label", "action", "columns", "exclude", "pairs", "column_lists", "kwargs", "override",
         "reject_share", "covers", "needs_reference"}


def _all_columns(table: str) -> list[str]:
    t = TABLES[table]
    return t.column_names + ([c.name for c in VILLAGE_KEYS] if t.has_village else [])


def _expand(selector: str, required: dict[str, frozenset[str]]) -> list[tuple[str, str]]:
    if selector == "@required":
        return [(t, c) for t in TABLES for c in sorted(required.get(t, ()))]
    if selector.startswith("@kind:"):
        kind = selector[6:]
        return [(t, c.name) for t in TABLES for c in TABLES[t].columns if c.kind == kind]
    table, _, column = selector.partition(".")
    if table == "*":
        return [(t, column) for t in TABLES if column in _all_columns(t)]
    if table not in TABLES:
        raise ChecksError(f"expectations.toml: unknown table in {selector!r}")
    if column.startswith("@"):
        if column[1:] not in DERIVED:
            raise ChecksError(f"expectations.toml: unknown derived column in {selector!r}")
    elif column not in _all_columns(table):
        raise ChecksError(f"expectations.toml: unknown column in {selector!r}")
    return [(table, column)]


def load_checks(catalog: Catalog) -> Checks:
    """The checks of expectations.toml, expanded to one target per table and column(s)."""
    raw = _raw_checks()
    required = {name: spec.required for name, spec in catalog.extracts.items()}
    settings = raw.get("settings", {})
    checks = []
    for name, sec in raw.get("checks", {}).items():
        unknown = set(sec) - _KEYS
        if unknown:
            raise ChecksError(f"expectations.toml [checks.{name}]: unknown keys {sorted(unknown)}")
        if sec.get("action") not in ("quarantine", "warn", "reject"):
            raise ChecksError(f"expectations.toml [checks.{name}]: action must be quarantine, warn or reject")
        excluded = {tuple(s.split(".", 1)) for s in sec.get("exclude", [])}
        base = dict(sec.get("kwargs", {}))
        override = sec.get("override", {})
        groups: list[tuple[str, tuple[str, ...]]] = []
        for sel in sec.get("columns", []):
            groups += [(t, (c,)) for t, c in _expand(sel, required) if (t, c) not in excluded]
        for cols in sec.get("pairs", []) + sec.get("column_lists", []):
            parts = [_expand(c, required)[0] for c in cols]
            if len({t for t, _ in parts}) != 1:
                raise ChecksError(f"expectations.toml [checks.{name}]: {cols} span several tables")
            groups.append((parts[0][0], tuple(c for _, c in parts)))
        targets = []
        for table, cols in dict.fromkeys(groups):
            kw = base | override.get(f"{table}.{cols[0]}", {})
            targets.append(Target(name, table, cols, tuple(sorted(kw.items()))))
        checks.append(Check(
            name=name, expectation=sec["expectation"], label=sec["label"], action=sec["action"],
            reject_share=sec.get("reject_share"), covers=frozenset(sec.get("covers", [])),
            needs_reference=bool(sec.get("needs_reference", False)), targets=tuple(targets),
        ))
    return Checks(tuple(checks), int(settings.get("reject_min_rows", 10)), int(settings.get("sample_rows", 5)))


@lru_cache(maxsize=1)
def _raw_checks() -> dict:
    return tomllib.loads(CHECKS_FILE.read_text(encoding="utf-8"))


def checks_for(catalog: Catalog | None) -> Checks:
    # Required columns come from extracts.toml; a county's extra header wordings do not change them.
    return _default_checks() if catalog is None else load_checks(catalog)


@lru_cache(maxsize=1)
def _default_checks() -> Checks:
    return load_checks(load_catalog())


def _birth_date_of_id(frame: pl.DataFrame, table: str) -> pl.Expr | None:
    if "person_id" not in frame.columns:
        return None
    return pl.col("person_id").str.slice(6, 8).str.strptime(pl.Date, "%Y%m%d", strict=False)


def _age_minus_id_age(frame: pl.DataFrame, table: str) -> pl.Expr | None:
    """Stated age minus the age from the ID on the last day of the pay month (today without one)."""
    if "age" not in frame.columns or "person_id" not in frame.columns:
        return None
    born = pl.col("person_id").str.slice(6, 8).str.strptime(pl.Date, "%Y%m%d", strict=False)
    on = (pl.col("pay_month").dt.month_end() if "pay_month" in frame.columns else pl.lit(None, pl.Date))
    on = on.fill_null(pl.lit(dt.date.today()))
    years = on.dt.year() - born.dt.year()
    before_birthday = (on.dt.month() < born.dt.month()) | (
        (on.dt.month() == born.dt.month()) & (on.dt.day() < born.dt.day()))
    return pl.col("age").cast(pl.Int32) - (years - before_birthday.cast(pl.Int32))


# Helper columns checks may name as `table.@name`: polars expressions, vectorised.
DERIVED = {"birth_date_of_id": _birth_date_of_id, "age_minus_id_age": _age_minus_id_age}


def reason_label(code: str) -> str:
    """Chinese for a quarantine reason code: the connector's, a check's, or a rejected file."""
    if code == REJECTED_CODE:
        return "整个文件未入库"
    if code in REASONS:
        return REASONS[code]
    sec = _raw_checks().get("checks", {}).get(code)
    return sec["label"] if sec else code
