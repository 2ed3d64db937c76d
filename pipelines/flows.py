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

from prefect import flow, task  # noqa: E402
from prefect.artifacts import create_markdown_artifact  # noqa: E402
from prefect.cache_policies import NO_CACHE  # noqa: E402

import xuncha  # noqa: F401  (telemetry off before Prefect is imported)
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
    open_flags: int = 0  # current flags found by an earlier run too
    rules_ran: int | None = None  # of the rule coverage the run leaves (None: no coverage yet)
    rules_not_run: list[str] = field(default_factory=list)  # "A05 title：reason" per rule not run
    quarantined_rows: int = 0  # of the inbox's files, as ingest_report.csv counts them


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
        summary = RunSummary(
            str(workspace), plan.nothing_changed and rule_ids is not None and not triage_changed,
            len(plan.changed), len(plan.unchanged), len(plan.removed), rule_ids, seconds=seconds,
        )
        summary.quarantined_rows = sum(r.rows_quarantined or 0 for r in outcome.reports)
        if summary.nothing_changed:
            summary.messages.append("数据与上次运行相同：未重新读取，未重新比对，上次的结果和报告仍然有效。")
            _coverage(con, summary)
            return summary
        if plan.nothing_changed and triage_changed:
            summary.messages.append("数据未变化，但有新的核查结论：不重新比对，只更新结果文件和报告。")
        with stage("check"):
            rule_run = wrap(check_task)(con, config, rule_ids, run_time)
        with stage("score"):
            outputs = wrap(score_task)(ws, con, config, rule_run)
        current = outputs.current
        summary.flags = current.height
        summary.new_flags = current.filter(current["status"] == "new").height if current.height else 0
        summary.open_flags = summary.flags - summary.new_flags
        summary.resolved_flags = outputs.tracked.height - current.height
        summary.key_villages = outputs.villages.filter(outputs.villages["class"] == "重点村").height
        with stage("report"):
            summary.report_dir = str(wrap(report_task)(ws, con, config, steps.run_stamp(run_time)))
        _coverage(con, summary)
        return summary
    finally:
        con.close()


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
WATCH_SECONDS = 15.0
WATCH_FAILURES = 3


def serve_nightly(inbox: Path, workspace: Path, cron: str, timezone: str, api_url: str) -> bool:
    """Register the nightly deployment and serve it until Ctrl+C; False when it stopped because the
    server went away (Prefect's runner would otherwise retry against it for ever)."""
    import _thread
    import threading

    from prefect.client.schemas.schedules import CronSchedule

    lost = threading.Event()
    stop = threading.Event()

    def watch() -> None:
        failures = 0
        while not stop.wait(WATCH_SECONDS):
            failures = 0 if server_alive(api_url) else failures + 1
            if failures >= WATCH_FAILURES:
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
        if not server_alive(api_url):
            return False
        raise
    finally:
        stop.set()
    return not lost.is_set()
