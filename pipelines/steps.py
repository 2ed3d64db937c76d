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
    result: CheckResult
    villages: pl.DataFrame
    town_common: pl.DataFrame


def check(ws: Workspace, con: duckdb.DuckDBPyConnection, config: WorkspaceConfig, on_rule=None) -> CheckOutputs:
    result = run_rules(con, config, on_rule=on_rule)
    villages = all_villages(con)
    scored = score_villages(villages, result.flags, config.scoring)
    common = town_common_problems(villages, result.flags, config.scoring)
    con.execute("CREATE OR REPLACE TABLE village_scores AS SELECT * FROM scored")
    con.execute("CREATE OR REPLACE TABLE town_common AS SELECT * FROM common")
    write_csv(result.flags.select(FLAGS_CSV_COLUMNS) if result.flags.height else pl.DataFrame(schema={c: pl.String for c in FLAGS_CSV_COLUMNS}), ws.root / "flags.csv")
    write_csv(scored, ws.root / "villages.csv")
    write_csv(result.coverage_frame(), ws.root / "rule_coverage.csv")
    write_csv(common, ws.root / "town_common.csv")
    return CheckOutputs(result, scored, common)


def run_stamp(now: dt.datetime | None = None) -> str:
    return (now or dt.datetime.now()).strftime("%Y%m%d-%H%M%S")
