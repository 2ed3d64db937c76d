"""Prefect flows: one run of the pipeline (`xuncha run`, the nightly deployment) as tasks over steps.

Tasks: discover → ingest (the changed files; validated in batches per table, since Great
Expectations costs a fixed ~40 ms per batch, so a task per file would cost seconds on a city) →
finish ingest → check → score → report.
Each task calls a plain function of pipelines.steps; nothing here computes anything itself.
Tasks run in this process and share the warehouse connection, so results are not persisted
or cached by Prefect (the warehouse is the state).
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import xuncha  # noqa: F401  (telemetry off before Prefect is imported)

from prefect import flow, task  # noqa: E402
from prefect.cache_policies import NO_CACHE  # noqa: E402

from pipelines import steps  # noqa: E402

# The command line sets these to show progress; a deployment run leaves them unset.
ON_FILE: Callable[[Path, int, int], None] | None = None
ON_RULE: Callable | None = None

_TASK = dict(cache_policy=NO_CACHE, persist_result=False, retries=0)


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


@task(name="discover", **_TASK)
def discover_task(inbox: Path, con, full: bool):
    return steps.discover(inbox, con, full=full)


@task(name="ingest", task_run_name="ingest {files_count} files", **_TASK)
def ingest_task(inbox: Path, con, config, files: list[Path], files_count: int):
    return steps.ingest_files(inbox, con, config, files, on_file=ON_FILE)


@task(name="finish-ingest", **_TASK)
def finish_ingest_task(inbox: Path, ws, con, config, plan, reports):
    return steps.finish_ingest(inbox, ws, con, config, plan, reports)


@task(name="check", **_TASK)
def check_task(con, config, rule_ids, run_time):
    return steps.check_rules(con, config, on_rule=ON_RULE, run_time=run_time, rule_ids=rule_ids)


@task(name="score", **_TASK)
def score_task(ws, con, config, rule_run):
    return steps.score(ws, con, config, rule_run)


@task(name="report", **_TASK)
def report_task(ws, con, config, stamp: str):
    return steps.report(ws, con, config, stamp)


def run_pipeline(inbox: Path, workspace: Path, full: bool = False, use_tasks: bool = True) -> RunSummary:
    """The body of a run. With use_tasks=False the same steps run without Prefect (tests, fallback)."""
    ws = steps.Workspace(workspace)
    config = ws.config()
    run_time = dt.datetime.now()
    wrap = (lambda t: t) if use_tasks else (lambda t: t.fn)
    seconds: dict[str, float] = {}

    @contextmanager
    def stage(name: str):
        started = time.perf_counter()
        yield
        seconds[name] = round(seconds.get(name, 0.0) + time.perf_counter() - started, 3)

    con = ws.connect()
    try:
        with stage("discover"):
            plan = wrap(discover_task)(inbox, con, full)
        with stage("ingest"):
            reports = wrap(ingest_task)(inbox, con, config, plan.changed, len(plan.changed))
            outcome = wrap(finish_ingest_task)(inbox, ws, con, config, plan, reports)
        rule_ids = steps.rules_to_rerun(con, config, outcome.changed_tables)
        triage_changed = steps.triage_changed_since_last_check(con)
        # settings that change the outputs (team workbook encryption, password) count as changes
        from reports.write import settings_current as reports_settings_current

        settings_changed = plan.nothing_changed and not reports_settings_current(ws.root, config)
        summary = RunSummary(
            str(workspace), plan.nothing_changed and rule_ids is not None and not triage_changed and not settings_changed,
            len(plan.changed), len(plan.unchanged), len(plan.removed), rule_ids, seconds=seconds,
        )
        if summary.nothing_changed:
            summary.messages.append("数据与上次运行相同：未重新读取，未重新比对，上次的结果和报告仍然有效。")
            return summary
        if plan.nothing_changed and triage_changed:
            summary.messages.append("数据未变化，但有新的核查结论：不重新比对，只更新结果文件和报告。")
        elif settings_changed:
            summary.messages.append("数据未变化，但报告设置（巡察组清单加密或密码）有变化：不重新比对，只重新生成报告。")
        with stage("check"):
            rule_run = wrap(check_task)(con, config, rule_ids, run_time)
        with stage("score"):
            outputs = wrap(score_task)(ws, con, config, rule_run)
        current = outputs.current
        summary.flags = current.height
        summary.new_flags = current.filter(current["status"] == "new").height if current.height else 0
        summary.resolved_flags = outputs.tracked.height - current.height
        summary.key_villages = outputs.villages.filter(outputs.villages["class"] == "重点村").height
        with stage("report"):
            summary.report_dir = str(wrap(report_task)(ws, con, config, steps.run_stamp(run_time)))
        return summary
    finally:
        con.close()


@flow(name="xuncha-run", log_prints=True, persist_result=False)
def run_flow(inbox: str, workspace: str = "workspace", full: bool = False) -> dict:
    """读取收件箱中的新数据、比对、评分并生成报告（夜间自动运行也用此流程）。"""
    ws = steps.Workspace(Path(workspace))
    # The lock and audit log, as for every command (re-entrant when `xuncha run` already holds them).
    with steps.session(ws, "nightly", Path(inbox)):
        summary = run_pipeline(Path(inbox), Path(workspace), full=full)
    return summary.__dict__
