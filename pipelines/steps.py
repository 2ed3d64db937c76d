"""The pipeline's steps as plain functions: ingest, check, score, write outputs.

The command line calls them directly and the Prefect flows wrap each one in a task, so both paths
run the same code.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import duckdb
import polars as pl

from connectors.extract import FileResult
from connectors.incremental import (
    InboxPlan,
    changed_tables,
    plan_inbox,
    remember,
    removed_reports,
    retire,
    unchanged_reports,
)
from connectors.ingest import SheetReport, ingest_inbox, relative_name, rematch_villages, write_ingest_report
from connectors.schema import TABLES
from connectors.villages import load_index
from pipelines.workspace import WAREHOUSE_FILE, Workspace, session  # noqa: F401  (steps.Workspace, steps.session)
from reports.data_quality import FILE_NAME as DATA_QUALITY_FILE
from reports.data_quality import write_data_quality_html
from rules import portrait, problems, rectification, trends, yearly
from rules.catalog import ALL_RULES, tables_read
from rules.engine import FLAG_COLUMNS as ENGINE_FLAG_COLUMNS
from rules.engine import CheckResult, RuleOutcome, run_rules, store
from rules.lifecycle import STATUS_RESOLVED, apply_lifecycle
from rules.lifecycle import ensure_tables as ensure_lifecycle_tables
from rules.scoring import all_villages, score_villages, town_common_problems
from xuncha.config import WorkspaceConfig
from xuncha.faults import ENV as PAUSE_ENV
from xuncha.faults import pause_point
from xuncha.files import write_csv
from xuncha.timeline import mark
from xuncha.transaction import transaction

# flags.csv: the columns named by the user first, then the ones reports and triage need.
FLAGS_CSV_COLUMNS = [
    "flag_id", "rule_id", "rule_title", "severity", "village_code", "village_name", "town",
    "subject_key", "subject_name", "amount_yuan", "summary", "evidence", "confidence",
    "category", "detail_key", "facts_hash",
]


# A run that changes data marks the warehouse until its reports are written; a later run that finds
# the mark of another process (killed mid-way) re-checks every rule instead of only those whose
# tables changed, so it does not skip what the killed run left undone.
_RUN_TOKEN = uuid.uuid4().hex


def _run_meta(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("CREATE TABLE IF NOT EXISTS run_meta (key VARCHAR PRIMARY KEY, value VARCHAR)")


def _meta_value(con: duckdb.DuckDBPyConnection, key: str) -> str | None:
    _run_meta(con)
    row = con.execute("SELECT value FROM run_meta WHERE key = ?", [key]).fetchone()
    return None if row is None else row[0]


def _set_meta(con: duckdb.DuckDBPyConnection, key: str, value: str) -> None:
    _run_meta(con)
    con.execute("INSERT INTO run_meta VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value", [key, value])


def _settings_digest(config: WorkspaceConfig, sections: set[str]) -> str:
    relevant = config.model_dump(include=sections)
    return hashlib.sha256(json.dumps(relevant, sort_keys=True, ensure_ascii=False, default=str).encode()).hexdigest()


def mark_run_started(con: duckdb.DuckDBPyConnection) -> None:
    _run_meta(con)
    # An older mark is kept: the run that left it still needs finishing.
    con.execute("INSERT INTO run_meta VALUES ('run_incomplete', ?) ON CONFLICT (key) DO NOTHING", [_RUN_TOKEN])


def mark_run_finished(con: duckdb.DuckDBPyConnection) -> None:
    _run_meta(con)
    con.execute("DELETE FROM run_meta WHERE key = 'run_incomplete'")


def previous_run_incomplete(con: duckdb.DuckDBPyConnection) -> bool:
    value = _meta_value(con, "run_incomplete")
    return value is not None and value != _RUN_TOKEN


@dataclass
class IngestOutcome:
    reports: list[SheetReport]  # every file of the inbox (unchanged ones from their last read)
    plan: InboxPlan
    changed_tables: set[str]  # tables whose rows this ingest replaced, added or retired


def discover(inbox: Path, con: duckdb.DuckDBPyConnection, full: bool = False) -> InboxPlan:
    """Which inbox files are new or changed, unchanged, or gone since the last load."""
    return plan_inbox(inbox, con, full=full)


def ingest_files(
    inbox: Path,
    con: duckdb.DuckDBPyConnection,
    config: WorkspaceConfig,
    files: list[Path],
    on_file: Callable[[Path, int, int], None] | None = None,
) -> list[SheetReport]:
    """Read, validate and load these files (replacing their earlier rows)."""
    if files:
        mark_run_started(con)

    def on_written(path: Path, done: int, total: int) -> None:
        if on_file:
            on_file(path, done, total)
        pause_point("ingest")  # tests: killed with some files written, others not

    names = _NameKeys()
    return ingest_inbox(inbox, con, config, on_file=on_written, files=files, on_validating=names.collect,
                        on_read=names.warm)


_name_key_thread: list[ThreadPoolExecutor] = []
# A county's names, not a city's: a thread keying hundreds of thousands of names would take turns with
# the ingest itself (the rules key the names they join on anyway).
WARM_NAMES_MAX = 30_000


class _NameKeys:
    """The names of the files read, turned into the rules' name keys (rules.identity.name_key,
    memoised; importing pypinyin's dictionaries ~0.25 s, then ~8 µs a name) by a thread once every
    file is read, while this process waits for the last files' validation. Not sooner: the thread
    would take turns (the interpreter lock) with the reading, which is a county's critical path."""

    def __init__(self) -> None:
        self.names: set[str] = set()

    def collect(self, results: list[FileResult]) -> None:
        if len(self.names) > WARM_NAMES_MAX:
            return
        self.names |= {v for r in results for s in r.sheets if s.data is not None and s.extract
                       for c in TABLES[s.extract].columns if c.kind == "name" and c.name in s.data.columns
                       for v in s.data[c.name].unique().to_list() if v}

    def warm(self) -> None:
        names = self.names
        if not names or len(names) > WARM_NAMES_MAX:
            return
        if not _name_key_thread:
            _name_key_thread.append(ThreadPoolExecutor(max_workers=1, thread_name_prefix="name-keys"))
        from rules.identity import name_key

        def key_all() -> None:
            mark(f"name keys: {len(names)} names")
            for n in names:
                name_key(n)
            mark("name keys done")

        _name_key_thread[0].submit(key_all)


def finish_ingest(
    inbox: Path,
    ws: Workspace,
    con: duckdb.DuckDBPyConnection,
    config: WorkspaceConfig,
    plan: InboxPlan,
    reports: list[SheetReport],
) -> IngestOutcome:
    """After the changed files are loaded: retire removed files, re-match villages if the
    reference changed, remember the accounting and write ingest_report.csv."""
    changed_names = [relative_name(p, inbox) for p in plan.changed]
    touched = set(plan.previous_tables)
    if plan.removed:
        mark_run_started(con)
    retire(con, plan.removed)
    remember(con, reports, plan.hashes)
    touched |= changed_tables(con, changed_names) | {r.extract for r in reports if r.extract}
    if "village_basics" in touched and plan.unchanged:
        # The village reference changed: rows of files not read again may map to other codes now.
        index = load_index(con, config.connectors.village_aliases, config.connectors.village_match_threshold,
                           config.county.name)
        rematch_villages(con, plan.unchanged, index)
        touched |= changed_tables(con, plan.unchanged)
    if plan.changed or plan.removed:
        touched.add("quarantine")
    all_reports = (reports + unchanged_reports(con, plan.unchanged) + removed_reports(plan.removed, plan.set_aside)
                   + plan.set_aside)
    write_ingest_report(all_reports, ws.root / "ingest_report.csv")
    write_data_quality_html(con, ws.root / DATA_QUALITY_FILE)
    remember_reading(con, config)
    return IngestOutcome(all_reports, plan, touched)


def ingest_changes(
    inbox: Path,
    ws: Workspace,
    con: duckdb.DuckDBPyConnection,
    config: WorkspaceConfig,
    on_file: Callable[[Path, int, int], None] | None = None,
    full: bool = False,
) -> IngestOutcome:
    """Read only what changed since the last load (everything when `full`), retire removed files."""
    plan = discover(inbox, con, full=full or reading_settings_changed(con, config))
    reports = ingest_files(inbox, con, config, plan.changed, on_file=on_file)
    return finish_ingest(inbox, ws, con, config, plan, reports)


def ingest(
    inbox: Path,
    ws: Workspace,
    con: duckdb.DuckDBPyConnection,
    config: WorkspaceConfig,
    on_file: Callable[[Path, int, int], None] | None = None,
    full: bool = False,
) -> list[SheetReport]:
    return ingest_changes(inbox, ws, con, config, on_file=on_file, full=full).reports


def reading_fingerprint(config: WorkspaceConfig) -> str:
    """Changes when anything that decides how a file is read changes: the catalogue additions
    (header_synonyms, group_roles, pin), village aliases and the county's name. Files read under other
    settings are read again: their rows could map to other columns, kinds or villages now."""
    return _settings_digest(config, {"connectors", "county"})


def reading_settings_changed(con: duckdb.DuckDBPyConnection, config: WorkspaceConfig) -> bool:
    """True when files were loaded under other reading settings than the current ones."""
    recorded = _meta_value(con, "reading")
    if recorded is None:
        # before this record existed, or nothing loaded yet: re-read only if something was loaded
        loaded = con.execute("SELECT count(*) FROM information_schema.tables WHERE table_name = 'load_log'").fetchone()[0]
        return bool(loaded) and bool(con.execute("SELECT count(*) FROM load_log").fetchone()[0])
    return recorded != reading_fingerprint(config)


def remember_reading(con: duckdb.DuckDBPyConnection, config: WorkspaceConfig) -> None:
    _set_meta(con, "reading", reading_fingerprint(config))


READING_CHANGED = "读取设置（xuncha.toml 的 [connectors] 或 [county]）与上次读取时不同：全部文件重新读取。"


def config_fingerprint(config: WorkspaceConfig) -> str:
    """Changes when anything that affects flags changes (rules, kinship, connectors), not the password."""
    return _settings_digest(config, {"rules", "kinship", "connectors", "county"})


def rules_to_rerun(con: duckdb.DuckDBPyConnection, config: WorkspaceConfig, touched: set[str]) -> list[str] | None:
    """The rules that can see the change: None for all (first run, new configuration, a run that
    was killed before it finished), [] for none."""
    if previous_run_incomplete(con):
        return None
    recorded = _meta_value(con, "config")
    has_flags = con.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_name = 'rule_coverage'"
    ).fetchone()[0]
    if recorded != config_fingerprint(config) or not has_flags:
        return None
    return [r.id for r in ALL_RULES if tables_read(r) & touched]


def _remember_config(con: duckdb.DuckDBPyConnection, config: WorkspaceConfig) -> None:
    _set_meta(con, "config", config_fingerprint(config))
    _set_meta(con, "checked_at", dt.datetime.now().isoformat())


def triage_changed_since_last_check(con: duckdb.DuckDBPyConnection) -> bool:
    """Verdicts recorded after the last check: outputs must be refreshed to show them."""
    ensure_lifecycle_tables(con)
    checked_at = _meta_value(con, "checked_at")
    latest = max((t for t in (con.execute("SELECT max(triaged_at) FROM triage").fetchone()[0],
                              rectification.latest_change(con)) if t is not None), default=None)
    return latest is not None and (checked_at is None or latest > dt.datetime.fromisoformat(checked_at))


@dataclass
class CheckOutputs:
    result: CheckResult  # this run's flags, as the rules produced them
    tracked: pl.DataFrame  # this run's flags plus those resolved since the last run, with status/triage
    villages: pl.DataFrame
    town_common: pl.DataFrame

    @property
    def current(self) -> pl.DataFrame:
        return self.tracked.filter(pl.col("status") != STATUS_RESOLVED)


@dataclass
class RuleRun:
    result: CheckResult  # this run's flags, as the rules produced them
    tracked: pl.DataFrame  # plus the flags resolved since the last run, with status and triage


def check_rules(
    con: duckdb.DuckDBPyConnection,
    config: WorkspaceConfig,
    on_rule=None,
    run_time: dt.datetime | None = None,
    rule_ids: list[str] | None = None,
) -> RuleRun:
    """Run the rules (all, or only `rule_ids`, keeping the other rules' last flags) and track the
    flags' lifecycle: tables `flags` (current) and `flags_resolved`."""
    mark_run_started(con)
    if rule_ids is None:
        result = run_rules(con, config, on_rule=on_rule)
    else:
        result = _rerun_some(con, config, rule_ids, on_rule)
    _remember_config(con, config)
    tracked = apply_lifecycle(con, result.flags, run_time or dt.datetime.now())
    current = tracked.filter(pl.col("status") != STATUS_RESOLVED)  # noqa: F841  (read by DuckDB)
    resolved = tracked.filter(pl.col("status") == STATUS_RESOLVED)  # noqa: F841
    with transaction(con):  # both tables or neither
        con.execute("CREATE OR REPLACE TABLE flags AS SELECT * FROM current")
        con.execute("CREATE OR REPLACE TABLE flags_resolved AS SELECT * FROM resolved")
        pause_point("check")
    return RuleRun(result, tracked)


def score(ws: Workspace, con: duckdb.DuckDBPyConnection, config: WorkspaceConfig, run: RuleRun) -> CheckOutputs:
    """Score and rank villages, find town common problems, write the CSV outputs."""
    tracked = run.tracked
    # A flag the analysts dismissed (排除) on unchanged facts no longer counts against its village.
    counted = tracked.filter((pl.col("status") != STATUS_RESOLVED) & (pl.col("triage") != "排除"))
    problems.store_members(con, tracked.filter(pl.col("status") != STATUS_RESOLVED) if tracked.height else tracked)
    counted = problems.one_per_problem(counted)  # a problem found in several years is scored once
    villages = all_villages(con)
    rectification.track(con, run.result.flags, set(tracked.filter(pl.col("status") != STATUS_RESOLVED)["flag_id"].to_list())
                        if tracked.height else set())
    scored = portrait.apply(con, score_villages(villages, counted, config.scoring), config.key_villages, config.scoring)
    trends.remember_scores(con, scored)
    yearly.store(con)
    common = town_common_problems(villages, counted, config.scoring)
    with transaction(con):
        con.execute("CREATE OR REPLACE TABLE village_scores AS SELECT * FROM scored")
        con.execute("CREATE OR REPLACE TABLE town_common AS SELECT * FROM common")
    write_csv(_flags_csv(tracked), ws.root / "flags.csv")
    write_csv(scored, ws.root / "villages.csv")
    write_csv(run.result.coverage_frame(), ws.root / "rule_coverage.csv")
    write_csv(common, ws.root / "town_common.csv")
    return CheckOutputs(run.result, tracked, scored, common)


def check(
    ws: Workspace,
    con: duckdb.DuckDBPyConnection,
    config: WorkspaceConfig,
    on_rule=None,
    run_time: dt.datetime | None = None,
    rule_ids: list[str] | None = None,
) -> CheckOutputs:
    """check_rules then score: the whole check in one call."""
    return score(ws, con, config, check_rules(con, config, on_rule, run_time, rule_ids))


def _rerun_some(con: duckdb.DuckDBPyConnection, config: WorkspaceConfig, rule_ids: list[str], on_rule) -> CheckResult:
    """Re-run some rules; the others keep the flags and coverage of the last run."""
    keep = [r.id for r in ALL_RULES if r.id not in rule_ids]
    previous = con.execute(
        f"SELECT {', '.join(ENGINE_FLAG_COLUMNS)}, evidence_list FROM flags WHERE list_contains($keep, rule_id)",
        {"keep": keep},
    ).pl()
    old_coverage = {
        r[0]: RuleOutcome(*r)
        for r in con.execute("SELECT rule_id, status, reason, flags, seconds FROM rule_coverage").fetchall()
    }
    fresh = run_rules(con, config, rule_ids, on_rule=on_rule) if rule_ids else CheckResult(flags=pl.DataFrame())
    by_id = {o.rule_id: o for o in fresh.coverage}
    coverage = [by_id.get(r.id) or old_coverage.get(r.id) or RuleOutcome(r.id, "not_run", "", 0, 0.0) for r in ALL_RULES]
    frames = [f for f in (previous, fresh.flags) if f.height]
    flags = pl.concat(frames, how="diagonal_relaxed") if frames else fresh.flags
    merged = CheckResult(flags=flags, coverage=coverage)
    store(con, merged)
    return merged


def _flags_csv(tracked: pl.DataFrame) -> pl.DataFrame:
    columns = FLAGS_CSV_COLUMNS + ["status", "first_seen", "last_seen", "triage", "triage_note"]
    if tracked.is_empty():
        return pl.DataFrame(schema={c: pl.String for c in columns})
    return tracked.select([c for c in columns if c in tracked.columns])


def run_stamp(now: dt.datetime | None = None) -> str:
    return (now or dt.datetime.now()).strftime("%Y%m%d-%H%M%S")


def report(ws: Workspace, con: duckdb.DuckDBPyConnection, config: WorkspaceConfig, stamp: str) -> Path:
    """Write the village workbooks, the office workbook and the overview under reports/<stamp>/."""
    from reports.write import write_all

    if os.environ.get(PAUSE_ENV) == "report":
        _pause_inside_report_writing()
    from connectors.warehouse import checkpoint_in_background

    waits = []
    # DuckDB writes its log into the warehouse file (a checkpoint, ~0.2 s for a county, else done
    # when the warehouse is closed) while the workbooks are built: they no longer read it.
    try:
        root = write_all(con, ws.root, config, stamp, on_loaded=lambda: waits.append(checkpoint_in_background(con))).root
    finally:  # also when a report fails: the warehouse is closed after its checkpoint, never during it
        for wait in waits:
            wait()
    mark_run_finished(con)  # results and reports of this run are complete
    return root


def _pause_inside_report_writing() -> None:
    """Test hook: pause after the first report file is written into the temporary folder."""
    import reports.write as rw

    original = rw._write_file

    def write_then_pause(path: Path, data: bytes) -> None:
        original(path, data)
        pause_point("report")

    rw._write_file = write_then_pause
