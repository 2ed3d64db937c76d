"""Everything the reports read, fetched once from the warehouse (and ingest_report.csv).

The tables are the ones `pipelines.steps.check` stores: flags, rule_coverage, village_scores,
town_common; plus village_basics, load_log and quarantine from ingest.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import polars as pl

from rules.trends import score_trends
from xuncha.files import csv_unescape_frame

INGEST_REPORT_FILE = "ingest_report.csv"
INGEST_REPORT_COLUMNS = ["file", "sheet", "extract", "rows_read", "rows_loaded", "rows_quarantined", "rows_skipped", "message"]

SEVERITY_ORDER = {"高": 0, "中": 1, "低": 2}


@dataclass(frozen=True)
class LoadedFile:
    source_file: str
    table_name: str | None
    loaded_at: dt.datetime | None


@dataclass
class ReportData:
    county: str
    villages: pl.DataFrame  # village_scores, ranked
    flags: pl.DataFrame  # flags incl. evidence_list (and status, when the run tracks it)
    coverage: pl.DataFrame  # rule_coverage
    town_common: pl.DataFrame
    basics: dict[str, dict]  # village_code -> latest village_basics row
    files: list[LoadedFile]  # latest load of every source file
    load_log: pl.DataFrame
    quarantine: pl.DataFrame
    sheets: pl.DataFrame  # ingest report per file and sheet (empty when the CSV is absent)
    # flags produced by the run before this one and not by this one (rules.lifecycle)
    resolved: pl.DataFrame = field(default_factory=pl.DataFrame)
    # when the run before the latest tracked one ran; None for the first (baseline) run or untracked flags
    previous_check: dt.datetime | None = None
    # 整改销号: every flag ever produced with its stage and record (rules.rectification)
    ledger: pl.DataFrame = field(default_factory=pl.DataFrame)
    # 村情画像 and the 重点村 criteria per village (rules.portrait); scores of the last runs (rules.trends)
    portrait: pl.DataFrame = field(default_factory=pl.DataFrame)
    score_trends: dict[str, list] = field(default_factory=dict)
    # 纵向对比: per village, year and indicator (rules.yearly), and the indicators left out and why
    indicators: pl.DataFrame = field(default_factory=pl.DataFrame)
    indicators_missing: list[str] = field(default_factory=list)

    @property
    def has_status(self) -> bool:
        return "status" in self.flags.columns

    @property
    def compared(self) -> bool:
        """Whether this run's flags were compared with an earlier run's, so 新增 means new since then."""
        return self.has_status and self.previous_check is not None

    @property
    def latest_load(self) -> dt.datetime | None:
        times = [f.loaded_at for f in self.files if f.loaded_at is not None]
        return max(times) if times else None

    @property
    def loaded_tables(self) -> set[str]:
        return {f.table_name for f in self.files if f.table_name}


def _table_exists(con: duckdb.DuckDBPyConnection, name: str) -> bool:
    return bool(
        con.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_name = ? AND table_schema = current_schema()",
            [name],
        ).fetchone()[0]
    )


def _frame(con: duckdb.DuckDBPyConnection, name: str, sql: str | None = None) -> pl.DataFrame:
    if not _table_exists(con, name):
        return pl.DataFrame()
    return con.execute(sql or f"SELECT * FROM {name}").pl()


def sort_flags(flags: pl.DataFrame) -> pl.DataFrame:
    """高, 中, 低, then the largest amounts first; flag id breaks ties so the order is stable."""
    if flags.is_empty():
        return flags
    order = pl.col("severity").replace_strict(SEVERITY_ORDER, default=3, return_dtype=pl.Int32)
    return flags.sort([order, pl.col("amount_yuan").fill_null(0), pl.col("flag_id")], descending=[False, True, False])


def _basics(con: duckdb.DuckDBPyConnection) -> dict[str, dict]:
    frame = _frame(
        con,
        "village_basics",
        """
        SELECT * EXCLUDE (rn) FROM (
            SELECT *, row_number() OVER (PARTITION BY village_code ORDER BY year DESC NULLS LAST, source_row) AS rn
            FROM village_basics WHERE village_code IS NOT NULL
        ) WHERE rn = 1
        """,
    )
    return {r["village_code"]: r for r in frame.iter_rows(named=True)}


def _files(load_log: pl.DataFrame) -> list[LoadedFile]:
    if load_log.is_empty():
        return []
    latest = (
        load_log.sort("loaded_at", nulls_last=False)
        .group_by("source_file", maintain_order=True)
        .last()
        .sort("source_file")
    )
    return [LoadedFile(r["source_file"], r["table_name"], r["loaded_at"]) for r in latest.iter_rows(named=True)]


def _ingest_sheets(workspace: Path) -> pl.DataFrame:
    path = workspace / INGEST_REPORT_FILE
    if not path.exists():
        return pl.DataFrame()
    frame = csv_unescape_frame(pl.read_csv(path, infer_schema=False, encoding="utf8-lossy"))
    for col in ("rows_read", "rows_loaded", "rows_quarantined", "rows_skipped"):
        if col in frame.columns:
            frame = frame.with_columns(pl.col(col).cast(pl.Int64, strict=False))
    return frame


def load(con: duckdb.DuckDBPyConnection, workspace: Path, county: str = "") -> ReportData:
    flags = _frame(con, "flags")
    if not flags.is_empty() or "flag_id" in flags.columns:
        flags = sort_flags(flags)
    load_log = _frame(con, "load_log")
    return ReportData(
        county=county,
        villages=_frame(con, "village_scores", "SELECT * FROM village_scores ORDER BY rank"),
        flags=flags,
        coverage=_frame(con, "rule_coverage"),
        town_common=_frame(con, "town_common"),
        basics=_basics(con),
        files=_files(load_log),
        load_log=load_log,
        quarantine=_frame(con, "quarantine", "SELECT * FROM quarantine ORDER BY source_file, source_sheet, source_row"),
        sheets=_ingest_sheets(workspace),
        resolved=_frame(con, "flags_resolved"),
        previous_check=_previous_check(con),
        ledger=_frame(con, "rectification_ledger", "SELECT * FROM rectification_ledger ORDER BY rule_id, flag_id"),
        portrait=_frame(con, "village_portrait"),
        score_trends=score_trends(con),
        indicators=_frame(con, "village_indicators", "SELECT * FROM village_indicators ORDER BY village_code, indicator, year"),
        indicators_missing=_frame(con, "village_indicators_missing")["reason"].to_list()
        if _table_exists(con, "village_indicators_missing") else [],
    )


def _previous_check(con: duckdb.DuckDBPyConnection) -> dt.datetime | None:
    if not _table_exists(con, "check_runs"):
        return None
    row = con.execute("SELECT previous_run FROM check_runs ORDER BY run_time DESC LIMIT 1").fetchone()
    return row[0] if row else None
