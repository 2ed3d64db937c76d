"""One run of the pipeline (`xuncha run`, the nightly deployment): the flow body, and where it runs.

The body (`run_pipeline`) calls its stages through a `Stages` table: the plain functions below for
a direct run, or the same functions wrapped as Prefect tasks (pipelines.flows) for a run that
reports to a Prefect server. So there is one code path; Prefect only watches it.

`xuncha run` goes through Prefect only when a Prefect server on this machine answers
(pipelines.interactive); otherwise it calls the body directly and never imports Prefect.
Scheduled runs (`xuncha serve`, the deployment in prefect.yaml) always go through
pipelines.flows.run_flow.

Nothing heavy is imported at module level: a run that finds nothing changed (pipelines.unchanged)
answers without DuckDB, polars, the rules or Great Expectations.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pipelines import unchanged
from xuncha.timeline import mark

# The command line sets these to show progress; a deployment run leaves them unset.
ON_FILE: Callable[[Path, int, int], None] | None = None
ON_RULE: Callable | None = None

NOTHING_CHANGED = "数据与上次运行相同：未重新读取，未重新比对，上次的结果和报告仍然有效。"


@dataclass
class RunSummary:
    """What a run did, for the command line and the deployment's return value."""

    workspace: str
    nothing_changed: bool
    files_read: int
    files_unchanged: int
    files_removed: int
    rules_rerun: list[str] | None  # None: all
    flags: int = 0
    new_flags: int = 0
    resolved_flags: int = 0
    key_villages: int = 0
    report_dir: str | None = None
    messages: list[str] = field(default_factory=list)
    seconds: dict[str, float] = field(default_factory=dict)  # wall time per stage
    open_flags: int = 0  # current flags found by an earlier run too
    rules_ran: int | None = None  # of the rule coverage the run leaves (None: no coverage yet)
    rules_not_run: list[str] = field(default_factory=list)  # "A05 title：reason" per rule not run
    quarantined_rows: int = 0  # of the inbox's files, as ingest_report.csv counts them


# ---------------------------------------------------------------- stages (each a Prefect task in flows.py)


def discover(inbox: Path, con, full: bool):
    from pipelines import steps

    return steps.discover(inbox, con, full=full)


def ingest(inbox: Path, con, config, files: list[Path], files_count: int):
    from pipelines import steps

    return steps.ingest_files(inbox, con, config, files, on_file=ON_FILE)


def finish_ingest(inbox: Path, ws, con, config, plan, reports):
    from pipelines import steps

    return steps.finish_ingest(inbox, ws, con, config, plan, reports)


def check(con, config, rule_ids, run_time):
    from pipelines import steps

    return steps.check_rules(con, config, on_rule=ON_RULE, run_time=run_time, rule_ids=rule_ids)


def score(ws, con, config, rule_run):
    from pipelines import steps

    return steps.score(ws, con, config, rule_run)


def report(ws, con, config, stamp: str):
    from pipelines import steps

    return steps.report(ws, con, config, stamp)


@dataclass(frozen=True)
class Stages:
    discover: Callable[..., Any] = discover
    ingest: Callable[..., Any] = ingest
    finish_ingest: Callable[..., Any] = finish_ingest
    check: Callable[..., Any] = check
    score: Callable[..., Any] = score
    report: Callable[..., Any] = report


DIRECT = Stages()


# ---------------------------------------------------------------- the flow body


def unchanged_run(inbox: Path, workspace: Path) -> RunSummary | None:
    """The answer for a run where nothing changed since the last complete run, or None."""
    started = time.perf_counter()
    files = unchanged.unchanged_files(workspace, inbox)
    if files is None:
        return None
    return RunSummary(str(workspace), True, 0, files, 0, [], messages=[NOTHING_CHANGED],
                      seconds={"unchanged": round(time.perf_counter() - started, 3)})


def start_checks(inbox: Path, workspace: Path, full: bool = False) -> None:
    """When there are files to read, start the Great Expectations process (connectors.children) now:
    it imports GX on the other core while this process imports the pipeline and reads the files. The
    command line calls it before it checks the configuration (which imports the rules), the body
    again (a second call does nothing)."""
    if full or unchanged.inbox_changed(workspace, inbox):
        from connectors.children import start_gx

        start_gx()


def run_pipeline(inbox: Path, workspace: Path, full: bool = False, stages: Stages = DIRECT) -> RunSummary:
    """The body of a run, with its stages called directly (DIRECT) or as Prefect tasks."""
    if not full and (quick := unchanged_run(inbox, workspace)) is not None:
        return quick
    start_checks(inbox, workspace, full)
    from pipelines import steps

    ws = steps.Workspace(workspace)
    unchanged.forget(ws.root)
    config_digest = unchanged.config_digest(ws.root)  # before reading it: a later edit is seen next time
    config = ws.config()
    run_time = dt.datetime.now()
    seconds: dict[str, float] = {}

    @contextmanager
    def stage(name: str) -> Iterator[None]:
        started = time.perf_counter()
        mark(f"{name}")
        yield
        mark(f"{name} done")
        seconds[name] = round(seconds.get(name, 0.0) + time.perf_counter() - started, 3)

    con = ws.connect()
    try:
        with stage("discover"):
            reread = not full and steps.reading_settings_changed(con, config)
            plan = stages.discover(inbox, con, full or reread)
        with stage("ingest"):
            reports = stages.ingest(inbox, con, config, plan.changed, len(plan.changed))
            outcome = stages.finish_ingest(inbox, ws, con, config, plan, reports)
        # The GX process is idle from here on: it imports the report modules while the rules run, to
        # build most of a small county's village workbooks (reports.write).
        from connectors.children import import_in_gx

        import_in_gx("reports.write")
        rule_ids = steps.rules_to_rerun(con, config, outcome.changed_tables)
        triage_changed = steps.triage_changed_since_last_check(con)
        # settings that change the outputs (team workbook encryption, password) count as changes:
        # the latest report set's manifest says which it was written with
        from reports.write import settings_current

        settings_changed = plan.nothing_changed and not settings_current(ws.root, config)
        summary = RunSummary(
            str(workspace),
            plan.nothing_changed and rule_ids is not None and not triage_changed and not settings_changed,
            len(plan.changed), len(plan.unchanged), len(plan.removed), rule_ids, seconds=seconds,
        )
        summary.quarantined_rows = sum(r.rows_quarantined or 0 for r in outcome.reports)
        if reread:
            summary.messages.append(steps.READING_CHANGED)
        if summary.nothing_changed:
            summary.messages.append(NOTHING_CHANGED)
        else:
            if plan.nothing_changed and triage_changed:
                summary.messages.append("数据未变化，但有新的核查结论：不重新比对，只更新结果文件和报告。")
            elif settings_changed:
                summary.messages.append("数据未变化，但报告设置（巡察组清单加密或密码）有变化：不重新比对，只重新生成报告。")
            with stage("check"):
                rule_run = stages.check(con, config, rule_ids, run_time)
            with stage("score"):
                outputs = stages.score(ws, con, config, rule_run)
            current = outputs.current
            summary.flags = current.height
            summary.new_flags = current.filter(current["status"] == "new").height if current.height else 0
            summary.open_flags = summary.flags - summary.new_flags
            summary.resolved_flags = outputs.tracked.height - current.height
            summary.key_villages = outputs.villages.filter(outputs.villages["class"] == "重点村").height
            with stage("report"):
                summary.report_dir = str(stages.report(ws, con, config, steps.run_stamp(run_time)))
        _coverage(con, summary)
    finally:
        con.close()
        mark("warehouse closed")
    unchanged.remember(ws.root, inbox, plan.hashes, config_digest, len(plan.changed))
    return summary


def _coverage(con, summary: RunSummary) -> None:
    """The rules the warehouse's rule coverage says ran, and those that did not, with the reason."""
    from rules.catalog import RULES_BY_ID

    present = con.execute("SELECT count(*) FROM information_schema.tables WHERE table_name = 'rule_coverage' "
                          "AND table_schema = current_schema()").fetchone()[0]
    if not present:
        return
    rows = con.execute("SELECT rule_id, status, reason FROM rule_coverage ORDER BY rule_id").fetchall()
    summary.rules_ran = sum(1 for _, status, _ in rows if status == "ran")
    summary.rules_not_run = [
        f"{rule_id} {RULES_BY_ID[rule_id].title if rule_id in RULES_BY_ID else ''}：{reason or ''}"
        for rule_id, status, reason in rows if status != "ran"
    ]
