"""Runs the rule catalogue on the warehouse: parameters, "not run" reasons, stable ids, evidence.

The engine is the only place that knows what every rule shares; the rules themselves only return
offending rows (see rules.model.OUTPUT_COLUMNS).
"""

from __future__ import annotations

import hashlib
import re
import time
from dataclasses import dataclass, field
from typing import Any

import duckdb
import polars as pl

from connectors.schema import table_label
from connectors.warehouse import map_on_cursors
from rules import derived, identity
from rules.catalog import ALL_RULES, RULES_BY_ID
from rules.model import EVIDENCE_TYPE, OUTPUT_COLUMNS, Rule, field_label
from rules.scoring import all_villages
from xuncha.config import ConfigError, RuleDataConfig, WorkspaceConfig

FLAG_COLUMNS = [
    "flag_id",
    "rule_id",
    "rule_title",
    "category",
    "severity",
    "village_code",
    "village_name",
    "town",
    "subject_key",
    "subject_name",
    "amount_yuan",
    "summary",
    "evidence",
    "confidence",
    "detail_key",
    "facts_hash",
]


@dataclass
class RuleOutcome:
    rule_id: str
    status: str  # ran / partial / not_run / error
    reason: str  # Chinese; empty when it ran
    flags: int
    seconds: float


@dataclass
class CheckResult:
    flags: pl.DataFrame  # FLAG_COLUMNS plus evidence_list
    coverage: list[RuleOutcome] = field(default_factory=list)

    def coverage_frame(self) -> pl.DataFrame:
        return pl.DataFrame(
            {
                "rule_id": [o.rule_id for o in self.coverage],
                "status": [o.status for o in self.coverage],
                "reason": [o.reason for o in self.coverage],
                "flags": [o.flags for o in self.coverage],
                "seconds": [round(o.seconds, 3) for o in self.coverage],
            },
            schema={"rule_id": pl.String, "status": pl.String, "reason": pl.String, "flags": pl.Int64, "seconds": pl.Float64},
        )


def resolve_params(config: WorkspaceConfig, rules: list[Rule] = ALL_RULES) -> dict[str, dict[str, Any]]:
    """Each rule's parameters: defaults overridden by `[rules.<ID>]`; unknown ids or keys are errors."""
    for rule_id, overrides in config.rules.items():
        if rule_id not in RULES_BY_ID:
            raise ConfigError(f"配置项 rules.{rule_id}：没有编号为“{rule_id}”的规则（可用规则见 `xuncha rules`）")
        known = {p.name for p in RULES_BY_ID[rule_id].params}
        for key in overrides:
            if key not in known:
                allowed = "、".join(sorted(known)) or "（此规则无参数）"
                raise ConfigError(f"配置项 rules.{rule_id}.{key}：规则 {rule_id} 没有参数“{key}”。可用参数：{allowed}")
    return {r.id: {**r.defaults(), **config.rules.get(r.id, {})} for r in rules}


def _missing_sources(con: duckdb.DuckDBPyConnection, rule: Rule) -> list[str]:
    missing = []
    for table in rule.tables:
        if _is_empty(con, table):
            missing.append(f"{table_label(table)}（{table}）")
    if rule.any_tables and all(_is_empty(con, t) for t in rule.any_tables):
        missing.append("、".join(table_label(t) for t in rule.any_tables) + "（至少需要其中之一）")
    return missing


def _is_empty(con: duckdb.DuckDBPyConnection, table: str) -> bool:
    return con.execute(f"SELECT count(*) FROM {table}").fetchone()[0] == 0


# The rows a source's needed fields are measured on, where not every row is meant to have them:
# the ledger's payee, date and amount matter on its payment lines (the cash/bank side has no payee).
NEED_SCOPE = {"village_ledger": "debit_yuan > 0"}


@dataclass(frozen=True)
class FieldGap:
    table: str
    column: str
    missing_share: float  # of the source's (scoped) rows

    def text(self) -> str:
        share = f"{self.missing_share:.0%}" if self.missing_share >= 0.005 else "不到1%"
        return f"{table_label(self.table)}有{share}的行缺少{field_label(self.table, self.column)}"


class FieldShares:
    """Share of each source's rows having each needed field, measured once per run and table."""

    def __init__(self, con: duckdb.DuckDBPyConnection, rules: list[Rule]) -> None:
        self.con = con
        self.columns: dict[str, set[str]] = {}
        for rule in rules:
            for need in rule.needs:
                table, _, column = need.partition(".")
                self.columns.setdefault(table, set()).add(column)
        self._shares: dict[str, dict[str, float] | None] = {}

    def of(self, table: str) -> dict[str, float] | None:
        """column -> share of rows having it; None when the source has no (scoped) rows."""
        if table not in self._shares:
            cols = sorted(self.columns.get(table, ()))
            where = f"WHERE {NEED_SCOPE[table]}" if table in NEED_SCOPE else ""
            row = self.con.execute(
                f"SELECT count(*){''.join(f', count({c})' for c in cols)} FROM {table} {where}"
            ).fetchone()
            self._shares[table] = None if not row[0] else {c: n / row[0] for c, n in zip(cols, row[1:], strict=True)}
        return self._shares[table]


@dataclass
class DataCheck:
    status: str  # ran / partial / not_run
    reason: str


def data_check(rule: Rule, shares: FieldShares, limits: RuleDataConfig) -> DataCheck:
    """Whether a rule's sources have the fields it needs: 未运行 when a required source (or every one
    of its alternatives) has them on fewer than not_run_below of its rows; 部分运行 when any source
    has them on fewer than partial_below."""
    by_table: dict[str, list[str]] = {}
    for need in rule.needs:
        table, _, column = need.partition(".")
        by_table.setdefault(table, []).append(column)
    unusable: list[FieldGap] = []  # below not_run_below
    thin: list[FieldGap] = []  # between not_run_below and partial_below
    dropped: set[str] = set()
    for table, columns in by_table.items():
        present = shares.of(table)
        if present is None:  # an empty source is the business of _missing_sources
            continue
        for column in columns:
            gap = FieldGap(table, column, 1 - present[column])
            if present[column] < limits.not_run_below:
                unusable.append(gap)
                dropped.add(table)
            elif present[column] < limits.partial_below:
                thin.append(gap)
    required_dropped = [t for t in rule.tables if t in dropped]
    alternatives = [t for t in rule.any_tables if shares.of(t) is not None]
    if required_dropped or (alternatives and all(t in dropped for t in alternatives)):
        return DataCheck("not_run", "未运行：" + "；".join(g.text() for g in unusable))
    if unusable or thin:
        # the rule's SQL skips rows without its needed fields: say which and how many
        return DataCheck("partial", "部分运行：" + "；".join(g.text() + "，这些行未参与比对" for g in thin + unusable))
    return DataCheck("ran", "")


_PARAM_RE = re.compile(r"\$([A-Za-z_][A-Za-z0-9_]*)")


def _run_one(con: duckdb.DuckDBPyConnection, rule: Rule, params: dict[str, Any]) -> pl.DataFrame:
    if rule.sql is not None:
        used = set(_PARAM_RE.findall(rule.sql))
        unknown = used - params.keys()
        if unknown:
            raise ValueError(f"{rule.id}: SQL uses undeclared parameters {sorted(unknown)}")
        out = con.execute(rule.sql, {k: v for k, v in params.items() if k in used}).pl()
    else:
        out = rule.run(con, params)
    return conform(out, rule.id)


def conform(out: pl.DataFrame, rule_id: str) -> pl.DataFrame:
    """Check a rule's output has the fixed shape, and cast it so all rules concatenate."""
    missing = [c for c in OUTPUT_COLUMNS if c not in out.columns]
    if missing:
        raise ValueError(f"{rule_id}: output lacks columns {missing}")
    return out.select(
        pl.col("village_code").cast(pl.String),
        pl.col("subject_key").cast(pl.String),
        pl.col("subject_name").cast(pl.String).fill_null(""),
        pl.col("amount_yuan").cast(pl.Float64).fill_null(0.0).round(2),
        pl.col("summary").cast(pl.String),
        pl.col("detail_key").cast(pl.String).fill_null(""),
        pl.col("evidence").cast(EVIDENCE_TYPE),
        pl.col("severity").cast(pl.String),
        pl.col("confidence").cast(pl.Float64).fill_null(1.0),
    )


def _sha(*parts: object) -> str:
    return hashlib.sha1("\x1f".join(str(p) for p in parts).encode("utf-8")).hexdigest()


def _evidence_text(ev: list[dict] | None) -> str:
    if not ev:
        return ""
    seen = sorted({(e["source_file"] or "", e["source_sheet"] or "", e["source_row"] or 0) for e in ev})
    return "; ".join(f"{f}:{s}:{r}" for f, s, r in seen)


def _finish(con: duckdb.DuckDBPyConnection, rule: Rule, out: pl.DataFrame) -> pl.DataFrame:
    if out.is_empty():
        return out.with_columns(
            *(pl.lit(None, dtype=pl.String).alias(c)
              for c in ["flag_id", "rule_id", "rule_title", "category", "village_name", "town", "facts_hash"])
        )
    evidence_text = [_evidence_text(ev) for ev in out["evidence"].to_list()]
    out = out.with_columns(
        pl.Series("evidence_text", evidence_text),
        pl.lit(rule.id).alias("rule_id"),
        pl.lit(rule.title).alias("rule_title"),
        pl.lit(rule.category).alias("category"),
        pl.col("severity").fill_null(rule.severity),
    )
    flag_ids = [
        rule.id + "-" + _sha(rule.id, v, s, d)[:12]
        for v, s, d in zip(out["village_code"], out["subject_key"], out["detail_key"], strict=True)
    ]
    facts = [
        _sha(sm, a, e)[:16]
        for sm, a, e in zip(out["summary"], out["amount_yuan"], out["evidence_text"], strict=True)
    ]
    return out.with_columns(pl.Series("flag_id", flag_ids), pl.Series("facts_hash", facts))


# Rules run this many at a time, each on a cursor of its own (connectors.warehouse.map_on_cursors):
# most of a rule's time is DuckDB or polars, and a small query does not use both cores alone.
RULE_THREADS = 2


def _run_timed(con: duckdb.DuckDBPyConnection, rule: Rule, params: dict[str, Any]
               ) -> tuple[pl.DataFrame | None, Exception | None, float]:
    """On a cursor of its own: the rule's flags (or the error it raised), and how long it took."""
    identity.register(con)  # name_key() for the rules' SQL, per connection
    started = time.perf_counter()
    try:
        out = _finish(con, rule, _run_one(con, rule, params))
    except Exception as e:  # noqa: BLE001 - reported as the rule's outcome
        return None, e, time.perf_counter() - started
    return out, None, time.perf_counter() - started


def run_rules(
    con: duckdb.DuckDBPyConnection,
    config: WorkspaceConfig,
    rule_ids: list[str] | None = None,
    on_rule=None,
) -> CheckResult:
    """Run the catalogue (or the named rules); store `flags` and `rule_coverage` in the warehouse."""
    params = resolve_params(config)
    rules = [RULES_BY_ID[r] for r in rule_ids] if rule_ids else ALL_RULES
    derived.build_all(con, config, {d for r in rules for d in r.derived + r.optional_derived})
    result = CheckResult(flags=pl.DataFrame())
    shares = FieldShares(con, rules)
    outcomes: dict[str, RuleOutcome] = {}
    runnable: list[tuple[Rule, DataCheck]] = []
    for rule in rules:
        missing = _missing_sources(con, rule)
        missing += derived.missing_inputs(con, rule.derived)
        check = DataCheck("not_run", "未运行：缺少数据源 " + "、".join(missing)) if missing else (
            data_check(rule, shares, config.rule_data))
        if check.status == "not_run":
            outcomes[rule.id] = RuleOutcome(rule.id, check.status, check.reason, 0, 0.0)
            if on_rule:
                on_rule(rule)
        else:
            runnable.append((rule, check))
    ran: dict[str, pl.DataFrame] = {}
    timed = map_on_cursors(con, lambda cursor, rc: _run_timed(cursor, rc[0], params[rc[0].id]), runnable, RULE_THREADS)
    for (rule, check), (out, error, seconds) in zip(runnable, timed, strict=True):
        if on_rule:
            on_rule(rule)
        if error is not None:  # one broken rule must not stop the others
            outcomes[rule.id] = RuleOutcome(rule.id, "error", f"运行出错：{type(error).__name__}: {error}", 0, seconds)
            continue
        assert out is not None
        ran[rule.id] = out
        outcomes[rule.id] = RuleOutcome(rule.id, check.status, check.reason, out.height, seconds)
    result.coverage = [outcomes[rule.id] for rule in rules]
    frames = [ran[rule.id] for rule in rules if rule.id in ran]
    flags = pl.concat(frames, how="diagonal_relaxed") if frames else pl.DataFrame()
    flags = _with_villages(con, flags)
    result.flags = flags
    store(con, result)
    return result


def _with_villages(con: duckdb.DuckDBPyConnection, flags: pl.DataFrame) -> pl.DataFrame:
    if flags.is_empty():
        return pl.DataFrame(schema={c: pl.String for c in FLAG_COLUMNS}
                            | {"amount_yuan": pl.Float64, "confidence": pl.Float64, "evidence_list": EVIDENCE_TYPE})
    names = all_villages(con)
    flags = flags.drop("village_name", "town", strict=False).join(names, on="village_code", how="left")
    severity_order = pl.col("severity").replace_strict({"高": 0, "中": 1, "低": 2}, default=3)
    # flag_id breaks ties of severity and amount: the same flags are listed in the same order every run.
    return (
        flags.rename({"evidence": "evidence_list", "evidence_text": "evidence"})
        .sort([severity_order, pl.col("amount_yuan"), pl.col("flag_id")], descending=[False, True, False])
        .select(*FLAG_COLUMNS, "evidence_list")
    )


def store(con: duckdb.DuckDBPyConnection, result: CheckResult) -> None:
    """Replace the run's flags and coverage tables in the warehouse."""
    flags = result.flags  # noqa: F841  (read by DuckDB by name)
    coverage = result.coverage_frame()  # noqa: F841
    con.execute("CREATE OR REPLACE TABLE flags AS SELECT * FROM flags")
    con.execute("CREATE OR REPLACE TABLE rule_coverage AS SELECT * FROM coverage")
