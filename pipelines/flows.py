"""Prefect flows: one run of the pipeline (the nightly deployment, `xuncha serve`, and `xuncha run`
when a Prefect server is configured) as tasks over the stages of pipelines.run.

Tasks: discover → ingest (the changed files; validated in batches per table, since Great
Expectations costs a fixed ~40 ms per batch, so a task per file would cost seconds on a city) →
finish ingest → check → score → report.
Each task is a stage function of pipelines.run, and the flow calls the same body
(pipelines.run.run_pipeline) as a direct run: nothing here computes anything itself.
Tasks run in this process and share the warehouse connection, so results are not persisted
or cached by Prefect (the warehouse is the state).
"""

from __future__ import annotations

from pathlib import Path

from prefect import flow, task  # noqa: E402
from prefect.cache_policies import NO_CACHE  # noqa: E402

import xuncha  # noqa: F401  (telemetry off before Prefect is imported)
from pipelines import run as run_path  # noqa: E402
from pipelines import steps  # noqa: E402
from pipelines.run import RunSummary  # noqa: E402,F401  (re-exported: flows.RunSummary)

_TASK = dict(cache_policy=NO_CACHE, persist_result=False, retries=0)

discover_task = task(name="discover", **_TASK)(run_path.discover)
ingest_task = task(name="ingest", task_run_name="ingest {files_count} files", **_TASK)(run_path.ingest)
finish_ingest_task = task(name="finish-ingest", **_TASK)(run_path.finish_ingest)
check_task = task(name="check", **_TASK)(run_path.check)
score_task = task(name="score", **_TASK)(run_path.score)
report_task = task(name="report", **_TASK)(run_path.report)

AS_TASKS = run_path.Stages(
    discover=discover_task, ingest=ingest_task, finish_ingest=finish_ingest_task,
    check=check_task, score=score_task, report=report_task,
)


def run_pipeline(inbox: Path, workspace: Path, full: bool = False, use_tasks: bool = True) -> RunSummary:
    """The body of a run (pipelines.run.run_pipeline), its stages as Prefect tasks unless use_tasks=False."""
    return run_path.run_pipeline(inbox, workspace, full=full, stages=AS_TASKS if use_tasks else run_path.DIRECT)


@flow(name="xuncha-run", log_prints=True, persist_result=False)
def run_flow(inbox: str, workspace: str = "workspace", full: bool = False) -> dict:
    """读取收件箱中的新数据、比对、评分并生成报告（夜间自动运行也用此流程）。"""
    ws = steps.Workspace(Path(workspace))
    # The lock and audit log, as for every command (re-entrant when `xuncha run` already holds them).
    with steps.session(ws, "nightly", Path(inbox)):
        summary = run_pipeline(Path(inbox), Path(workspace), full=full)
    return summary.__dict__
