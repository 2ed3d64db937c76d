"""Golden fixtures for rules: tiny TOML inputs per rule, each case naming the flags it expects.

A fixture file `tests/fixtures/rules/<ID>.toml` holds `[[case]]` entries:
    name   = "what the case shows"
    expect = [["<village_code>", "<subject_key>", <amount_yuan>, "<summary fragment>"], ...]
                                                           # empty list: nothing may be flagged
    params = { min_age = 80 }                              # optional overrides
    severity = "高"                                        # optional: every expected flag's severity
    status = "partial"                                     # optional: rule_coverage status (default ran)
    reason = "有50%的行缺少年份"                             # optional: fragment of the coverage reason
    [[case.rows.<table>]]                                  # rows of canonical tables
    column = value ...
Each expected flag states the money involved (amount_yuan, summed over the flags of that village and
subject: it drives the village scores) and a fragment its summary must contain (the facts shown).
Provenance (file, sheet, row) is filled in automatically so evidence can be checked; a payment's
period (period_start, period_end) is its pay_month unless the row states it, as connectors do.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

import duckdb
import polars as pl

from connectors.schema import SYSTEM_TABLES, TABLES, all_ddl, data_columns
from rules.engine import run_rules
from xuncha.config import WorkspaceConfig

FIXTURE_DIR = Path(__file__).parent / "fixtures" / "rules"


def load_cases(rule_id: str) -> list[dict]:
    path = FIXTURE_DIR / f"{rule_id}.toml"
    return tomllib.loads(path.read_text(encoding="utf-8"))["case"]


def warehouse_from_rows(rows: dict[str, list[dict]]) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    for stmt in all_ddl():
        con.execute(stmt)
    for table, records in rows.items():
        if table in SYSTEM_TABLES:  # e.g. quarantine rows for A06
            known = set(SYSTEM_TABLES[table].column_names)
        else:
            known = {c.name for c in data_columns(TABLES[table])}
        for i, rec in enumerate(records):
            unknown = set(rec) - known
            if unknown:
                raise KeyError(f"fixture row for {table} has unknown columns {sorted(unknown)}")
            full = {"source_file": f"{table}.xlsx", "source_sheet": "Sheet1", "source_row": i + 2, **rec}
            if "pay_month" in rec and "period_start" in known:  # as connectors do: one month unless stated
                full.setdefault("period_start", rec["pay_month"])
                full.setdefault("period_end", rec["pay_month"])
            cols = list(full)
            con.execute(
                f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({', '.join('?' for _ in cols)})",
                [full[c] for c in cols],
            )
    return con


def run_case(rule_id: str, case: dict) -> pl.DataFrame:
    con = warehouse_from_rows(case.get("rows", {}))
    config = WorkspaceConfig(rules={rule_id: case["params"]} if case.get("params") else {})
    result = run_rules(con, config, [rule_id])
    outcome = result.coverage[0]
    want = case.get("status", "ran")
    assert outcome.status == want, f"{rule_id} / {case['name']}: {outcome.status} {outcome.reason}"
    if "reason" in case:  # a fragment of the coverage reason (未运行/部分运行 and why)
        assert case["reason"] in outcome.reason, f"{rule_id} / {case['name']}: {outcome.reason}"
    return result.flags
