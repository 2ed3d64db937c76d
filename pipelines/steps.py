"""The pipeline's steps as plain functions: ingest, check, score, write outputs.

The command line calls them directly and the Prefect flows wrap each one in a task, so both paths
run the same code.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import duckdb
import polars as pl

from connectors.ingest import SheetReport, ingest_inbox, write_ingest_report
from connectors.warehouse import open_warehouse
from rules.engine import CheckResult, run_rules
from rules.lifecycle import STATUS_RESOLVED, apply_lifecycle
from rules.scoring import all_villages, score_villages, town_common_problems
from xuncha.config import WorkspaceConfig, workspace_config
from xuncha.files import write_csv

WAREHOUSE_FILE = "warehouse.duckdb"

# flags.csv: the columns named by the user first, then the ones reports and triage need.
FLAGS_CSV_COLUMNS = [
    "flag_id", "rule_id", "rule_title", "severity", "village_code", "village_name", "town",
    "subject_key", "subject_name", "amount_yuan", "summary", "evidence", "confidence",
    "category", "detail_key", "facts_hash",
]


@dataclass
class Workspace:
    root: Path

    @property
    def warehouse(self) -> Path:
        return self.root / WAREHOUSE_FILE

    def config(self) -> WorkspaceConfig:
        return workspace_config(self.root)

    def connect(self) -> duckdb.DuckDBPyConnection:
        self.root.mkdir(parents=True, exist_ok=True)
        return open_warehouse(self.warehouse)


def ingest(
    inbox: Path,
    ws: Workspace,
    con: duckdb.DuckDBPyConnection,
    config: WorkspaceConfig,
    on_file: Callable[[Path, int, int], None] | None = None,
) -> list[SheetReport]:
    reports = ingest_inbox(inbox, con, config, on_file=on_file)
    write_ingest_report(reports, ws.root / "ingest_report.csv")
    return reports


@dataclass
class CheckOutputs:
    result: CheckResult  # this run's flags, as the rules produced them
    tracked: pl.DataFrame  # this run's flags plus those resolved since the last run, with status/triage
    villages: pl.DataFrame
    town_common: pl.DataFrame

    @property
    def current(self) -> pl.DataFrame:
        return self.tracked.filter(pl.col("status") != STATUS_RESOLVED)


def check(
    ws: Workspace,
    con: duckdb.DuckDBPyConnection,
    config: WorkspaceConfig,
    on_rule=None,
    run_time: dt.datetime | None = None,
) -> CheckOutputs:
    result = run_rules(con, config, on_rule=on_rule)
    tracked = apply_lifecycle(con, result.flags, run_time or dt.datetime.now())
    current = tracked.filter(pl.col("status") != STATUS_RESOLVED)  # noqa: F841  (read by DuckDB)
    resolved = tracked.filter(pl.col("status") == STATUS_RESOLVED)  # noqa: F841
    con.execute("CREATE OR REPLACE TABLE flags AS SELECT * FROM current")
    con.execute("CREATE OR REPLACE TABLE flags_resolved AS SELECT * FROM resolved")
    # A flag the analysts dismissed (排除) on unchanged facts no longer counts against its village.
    counted = tracked.filter((pl.col("status") != STATUS_RESOLVED) & (pl.col("triage") != "排除"))
    villages = all_villages(con)
    scored = score_villages(villages, counted, config.scoring)
    common = town_common_problems(villages, counted, config.scoring)
    con.execute("CREATE OR REPLACE TABLE village_scores AS SELECT * FROM scored")
    con.execute("CREATE OR REPLACE TABLE town_common AS SELECT * FROM common")
    write_csv(_flags_csv(tracked), ws.root / "flags.csv")
    write_csv(scored, ws.root / "villages.csv")
    write_csv(result.coverage_frame(), ws.root / "rule_coverage.csv")
    write_csv(common, ws.root / "town_common.csv")
    return CheckOutputs(result, tracked, scored, common)


def _flags_csv(tracked: pl.DataFrame) -> pl.DataFrame:
    columns = FLAGS_CSV_COLUMNS + ["status", "first_seen", "last_seen", "triage", "triage_note"]
    if tracked.is_empty():
        return pl.DataFrame(schema={c: pl.String for c in columns})
    return tracked.select([c for c in columns if c in tracked.columns])


def run_stamp(now: dt.datetime | None = None) -> str:
    return (now or dt.datetime.now()).strftime("%Y%m%d-%H%M%S")
