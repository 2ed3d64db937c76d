"""What a rule is: its metadata (documentation, parameters, severity) beside its SQL or function.

A rule returns offending rows in one fixed shape (`OUTPUT_COLUMNS`); the engine adds ids,
metadata, village names and the evidence text. One rule = one module in `rules/catalog/`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import duckdb
import polars as pl

from connectors.schema import TABLES, data_columns

SEVERITIES = ("高", "中", "低")

CATEGORIES = {
    "A": "社会救助",
    "B": "一卡通补贴发放",
    "C": "耕地地力保护补贴",
    "D": "村集体“三资”",
    "E": "村级总体指标",
}

# The fixed shape every rule returns, one row per flag.
#   village_code  12-digit code of the village the flag belongs to
#   subject_key   see rules.docs.CONVENTIONS (ID, account, vouchers, contract or village code)
#   subject_name  the person/payee/contract holder named in the flag ('' for village-level)
#   amount_yuan   money involved (0 when none)
#   summary       one line in Chinese with the facts (names, dates, amounts); build it in a fixed
#                 order (string_agg … ORDER BY): it is part of the facts hash that triage relies on
#   detail_key    what distinguishes flags with the same subject (a year, an item and month…);
#                 part of the stable flag id, so it must not contain run-dependent values
#   evidence      list of struct(table_name, source_file, source_sheet, source_row)
#   severity      NULL for the rule's default, or 高/中/低 to override (e.g. A05 with a 书记)
#   confidence    NULL for 1.0; below 1 when the match is by name rather than ID
OUTPUT_COLUMNS = (
    "village_code",
    "subject_key",
    "subject_name",
    "amount_yuan",
    "summary",
    "detail_key",
    "evidence",
    "severity",
    "confidence",
)

EVIDENCE_TYPE = pl.List(
    pl.Struct(
        {
            "table_name": pl.String,
            "source_file": pl.String,
            "source_sheet": pl.String,
            "source_row": pl.Int64,
        }
    )
)

# The types of OUTPUT_COLUMNS, for rules that build their output in Python (engine.conform casts
# every rule's output to these).
OUTPUT_SCHEMA: dict[str, pl.DataType | type[pl.DataType]] = {
    "village_code": pl.String,
    "subject_key": pl.String,
    "subject_name": pl.String,
    "amount_yuan": pl.Float64,
    "summary": pl.String,
    "detail_key": pl.String,
    "evidence": EVIDENCE_TYPE,
    "severity": pl.String,
    "confidence": pl.Float64,
}
assert tuple(OUTPUT_SCHEMA) == OUTPUT_COLUMNS


@dataclass(frozen=True)
class Param:
    name: str
    default: Any
    description: str  # Chinese, shown in the rules reference


@dataclass(frozen=True)
class Question:
    role: str  # who is asked: 书记 / 主任 / 会计 / 当事户 / 经办人 / 报账员 …
    text: str  # the question; may use {subject_name}, {amount_yuan}, {summary}


@dataclass(frozen=True)
class Rule:
    id: str
    title: str
    severity: str
    tables: tuple[str, ...]  # canonical tables that must be present and non-empty
    why: str  # 为什么是疑点
    methodology: str  # 比对方法
    verify: str  # 核查建议: what the team checks on the ground
    # The exact contract (English): what a flag is, its primary register, subject, amount and near
    # misses; the rule code, the sample generator and the tests agree on it (docs/rule_semantics.md).
    semantics: str = ""
    exclusions: tuple[str, ...] = ()  # 排除情形
    assumptions: tuple[str, ...] = ()  # 前提假设
    questions: tuple[Question, ...] = ()  # 谈话提纲
    params: tuple[Param, ...] = ()
    sql: str | None = None  # a SELECT returning OUTPUT_COLUMNS; parameters as $name
    run: Callable[[duckdb.DuckDBPyConnection, dict[str, Any]], pl.DataFrame] | None = None
    # of these, at least one must be non-empty (e.g. A01 reads the roster or any payment register)
    any_tables: tuple[str, ...] = ()
    # tables read when present (their needs are checked when they are non-empty), e.g. A02's
    # disability payments
    optional_tables: tuple[str, ...] = ()
    # derived tables the rule reads (built once per run by the engine), e.g. "kinship"
    derived: tuple[str, ...] = field(default_factory=tuple)
    # derived tables used when they can be built, empty otherwise (D10's cadre check)
    optional_derived: tuple[str, ...] = field(default_factory=tuple)
    # fields the rule cannot work without, as "table.column" (e.g. "farmland_subsidy.year"): before
    # the rule runs, the engine measures the share of each source's rows that have them, and marks
    # the rule 未运行 / 部分运行 with the reason when too many lack them (engine.data_gaps)
    needs: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if (self.sql is None) == (self.run is None):
            raise ValueError(f"{self.id}: give exactly one of sql or run")
        if self.severity not in SEVERITIES:
            raise ValueError(f"{self.id}: severity must be one of {SEVERITIES}")
        for need in self.needs:
            table, _, column = need.partition(".")
            if not column or table not in (*self.tables, *self.any_tables, *self.optional_tables):
                raise ValueError(f"{self.id}: need {need!r} must be table.column of a table the rule reads")
            if column not in {c.name for c in data_columns(TABLES[table])}:
                raise ValueError(f"{self.id}: need {need!r}: {table} has no column {column}")

    @property
    def category(self) -> str:
        return CATEGORIES[self.id[0]]

    def defaults(self) -> dict[str, Any]:
        return {p.name: p.default for p in self.params}


def field_label(table: str, column: str) -> str:
    """The Chinese label of a warehouse column (village keys included), for messages and docs."""
    return next(c.label for c in data_columns(TABLES[table]) if c.name == column)
