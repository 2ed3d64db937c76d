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

import logging
import warnings
from pathlib import Path

from prefect import flow, task  # noqa: E402
from prefect.artifacts import create_markdown_artifact  # noqa: E402
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


def summary_markdown(summary: RunSummary) -> str:
    """What a run did, as the Prefect UI shows it (the run's artifact)."""
    lines = ["# 巡察数据比对：本次运行", ""]
    if summary.nothing_changed:
        lines += ["数据与上次运行相同：未重新读取、未重新比对，上次的结果和报告仍然有效。", ""]
    lines += [
        "| 项目 | 数量 |", "| --- | ---: |",
        f"| 读取有变化的文件 | {summary.files_read} |",
        f"| 未变化的文件 | {summary.files_unchanged} |",
        f"| 已移除的文件 | {summary.files_removed} |",
        f"| 隔离行数 | {summary.quarantined_rows} |",
    ]
    if not summary.nothing_changed:
        lines += [
            f"| 当前疑点 | {summary.flags} |",
            f"| 其中本次新增 | {summary.new_flags} |",
            f"| 其中持续 | {summary.open_flags} |",
            f"| 已消失 | {summary.resolved_flags} |",
            f"| 重点村 | {summary.key_villages} |",
        ]
    if summary.rules_ran is not None:
        lines.append(f"| 已运行的规则 | {summary.rules_ran} |")
        lines.append(f"| 未运行的规则 | {len(summary.rules_not_run)} |")
    lines.append("")
    if summary.rules_not_run:
        lines += ["## 未运行的规则", ""] + [f"- {text}" for text in summary.rules_not_run] + [""]
    lines.append(f"报告目录：`{summary.report_dir}`" if summary.report_dir else "本次没有生成新的报告。")
    return "\n".join(lines)


# The artifact every run publishes (lowercase letters, digits and dashes, as Prefect requires).
ARTIFACT_KEY = "xuncha-run-summary"


@flow(name="xuncha-run", log_prints=True, persist_result=False)
def run_flow(inbox: str, workspace: str = "workspace", full: bool = False) -> dict:
    """读取收件箱中的新数据、比对、评分并生成报告（夜间自动运行也用此流程）。"""
    ws = steps.Workspace(Path(workspace))
    # The lock and audit log, as for every command (re-entrant when `xuncha run` already holds them).
    with steps.session(ws, "nightly", Path(inbox)):
        summary = run_pipeline(Path(inbox), Path(workspace), full=full)
    try:
        create_markdown_artifact(markdown=summary_markdown(summary), key=ARTIFACT_KEY,
                                 description="本次运行的疑点数、隔离行数、未运行的规则和报告目录")
    except Exception as e:  # noqa: BLE001 - the run's results are written; only its summary in the UI is missing
        print(f"运行摘要未能发布到 Prefect 界面（{type(e).__name__}）；结果和报告不受影响。")
    return summary.__dict__


def server_alive(api_url: str, timeout: float = 3.0) -> bool:
    """Whether the Prefect server at `api_url` (a loopback address) answers its health check."""
    import urllib.request

    try:
        with urllib.request.urlopen(api_url.rstrip("/") + "/health", timeout=timeout) as r:  # loopback only
            return r.status == 200
    except (OSError, ValueError):
        return False


# `serve` checks the server this often, and gives up after this many failed checks in a row.
WATCH_SECONDS = 5.0
WATCH_FAILURES = 3


class _ServerGone(logging.Filter):
    """Drops the warning and error records (Prefect's connection tracebacks, its "falling back to
    polling" warning with its traceback, asyncio's) once the server is gone: `serve` then says so in
    one sentence instead."""

    def __init__(self, api_url: str) -> None:
        super().__init__()
        self.api_url = api_url
        self.gone = False

    def now_gone(self) -> bool:
        """Whether the server is gone: known (the watcher gave up on it), or found out now."""
        if not self.gone:
            self.gone = not server_alive(self.api_url, timeout=1.0)
        return self.gone

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno < logging.WARNING:
            return True
        return not self.now_gone()


class _QuietStdout:
    """sys.stdout for `serve`: Prefect's background services (the runner's scheduled-run poller,
    its cancellation observer) report a lost server with `print` — "Failed the last 3 attempts",
    then each error's traceback — not through logging, so the filter above never sees it. Once the
    server is gone that output is dropped; before, everything passes (one health check per write,
    and `serve` itself writes almost nothing)."""

    def __init__(self, stream, gone: _ServerGone) -> None:
        self._stream = stream
        self._gone = gone

    def write(self, text: str) -> int:
        if text.strip() and self._gone.now_gone():
            return len(text)
        return self._stream.write(text)

    def __getattr__(self, name: str):
        return getattr(self._stream, name)


def _quiet_when_server_gone(api_url: str) -> _ServerGone:
    """The filter, on every handler Prefect's logging set up (root's and the prefect loggers', and
    logging's last resort, which prints asyncio's records when root has no handler); and the
    quiet stdout."""
    import sys

    gone = _ServerGone(api_url)
    loggers = [logging.getLogger()] + [logging.getLogger(name) for name in list(logging.Logger.manager.loggerDict)
                                       if name.startswith("prefect")]
    handlers = {h for logger in loggers for h in getattr(logger, "handlers", [])}
    if logging.lastResort is not None:
        handlers.add(logging.lastResort)
    for handler in handlers:
        handler.addFilter(gone)
    sys.stdout = _QuietStdout(sys.stdout, gone)  # type: ignore[assignment]
    return gone


def _quiet_exit() -> None:
    """What Prefect's runner leaves behind when its API went away, reported at exit: tasks and
    generators abandoned mid-request ("Exception ignored in ..."); its coroutines never awaited are
    filtered from the start of serve_nightly."""
    import sys

    sys.unraisablehook = lambda unraisable: None


def serve_nightly(inbox: Path, workspace: Path, cron: str, timezone: str, api_url: str) -> bool:
    """Register the nightly deployment and serve it until Ctrl+C; False when it stopped because the
    server went away (Prefect's runner would otherwise retry against it for ever)."""
    import _thread
    import threading

    from prefect.client.schemas.schedules import CronSchedule

    lost = threading.Event()
    stop = threading.Event()
    gone = _quiet_when_server_gone(api_url)
    # Prefect's runner may abandon a coroutine as soon as its API stops answering, before the watch
    # below notices (seen under load: "RuntimeWarning: coroutine 'Runner._handle_cancellation_observer_
    # failure' was never awaited" on the user's console): not the user's business, from the start.
    warnings.filterwarnings("ignore", message="coroutine .* was never awaited", category=RuntimeWarning)

    def watch() -> None:
        failures = 0
        while not stop.wait(WATCH_SECONDS):
            failures = 0 if server_alive(api_url) else failures + 1
            if failures >= WATCH_FAILURES:
                gone.gone = True
                lost.set()
                _thread.interrupt_main()  # the runner stops on KeyboardInterrupt, as on Ctrl+C
                return

    watcher = threading.Thread(target=watch, name="prefect-server-watch", daemon=True)
    watcher.start()
    try:
        run_flow.serve(
            name="nightly",
            schedules=[CronSchedule(cron=cron, timezone=timezone)],
            parameters={"inbox": str(inbox), "workspace": str(workspace)},
            global_limit=1,  # one run at a time: the warehouse has one writer
            limit=1,
            print_starting_message=False,
        )
    except KeyboardInterrupt:
        if not lost.is_set():
            raise
    except Exception:
        if server_alive(api_url):
            raise
        gone.gone = True
        lost.set()  # the runner gave up on the server before the watcher did
    finally:
        stop.set()
    if lost.is_set():
        _quiet_exit()
    return not lost.is_set()
