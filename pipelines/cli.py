"""The `xuncha` command: every user-facing word in Chinese."""

from __future__ import annotations

import os
import sys
from contextlib import contextmanager
from pathlib import Path

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from rich.text import Text

import xuncha  # noqa: F401  (telemetry off before anything else is imported)
from pipelines import cli_chinese
from xuncha.config import ConfigError

cli_chinese.install()

app = typer.Typer(
    help="巡察+大数据比对：读取各部门数据，交叉比对，按村输出疑点清单。",
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode="rich",
)
rules_app = typer.Typer(help="查看比对规则。", invoke_without_command=True, add_completion=False)
app.add_typer(rules_app, name="rules")

# Printed text is never read as Rich markup: paths, file names and teams' 核查结果 may hold "[/]".
# Colour is given with style= (or Text) instead.
console = Console(markup=False)
err = Console(stderr=True, markup=False)

WORKSPACE_HELP = "工作区目录：数据仓库、配置文件（xuncha.toml）和输出结果都放在这里"


def _fail(message: str) -> None:
    err.print(Text.assemble(("错误：", "bold red"), message))
    raise typer.Exit(code=2)


WAIT_HELP = "工作区正被另一次运行使用时，最多等待的秒数（默认不等待，直接提示）"


@contextmanager
def _session(ws, command: str, inbox: Path | None = None, wait: float = 0.0):
    """Workspace lock and audit log around a command; a busy workspace is a Chinese message."""
    from pipelines import steps
    from xuncha.lock import WorkspaceBusy

    try:
        with steps.session(ws, command, inbox, wait=wait) as run:
            yield run
    except WorkspaceBusy as e:
        _fail(str(e))


def _workspace(path: Path):
    from pipelines.steps import Workspace

    return Workspace(path)


@app.command("sample")
def sample(
    out_dir: Path = typer.Argument(..., help="输出目录"),
    villages: int = typer.Option(24, "--villages", help="村的数量（默认约24个村、2个镇）"),
    seed: int = typer.Option(2024, "--seed", help="随机种子：相同种子生成完全相同的数据"),
) -> None:
    """生成一个虚构县的模拟数据（各部门原始格式，含注入的疑点和 ground_truth.csv）。"""
    from xuncha.sample import generate

    with console.status("正在生成模拟数据…"):
        summary = generate(out_dir, villages=villages, seed=seed)
    console.print(f"已生成模拟数据：{out_dir}")
    console.print(str(summary))


def _print_ingest(reports) -> None:
    table = Table(title="数据读取结果", show_lines=False)
    for col in ("文件", "工作表", "数据类型", "读取行数", "入库行数", "隔离行数", "说明"):
        table.add_column(col, overflow="fold")
    for r in reports:
        style = "red" if r.extract is None else ("yellow" if r.rows_quarantined else "")
        table.add_row(
            r.file, r.sheet or "", r.extract or "未识别", str(r.rows_read), str(r.rows_loaded),
            str(r.rows_quarantined), r.message or "", style=style,
        )
    console.print(table)
    read = sum(r.rows_read for r in reports)
    loaded = sum(r.rows_loaded for r in reports)
    quarantined = sum(r.rows_quarantined for r in reports)
    unrecognised = sum(1 for r in reports if r.extract is None)
    console.print(
        f"共读取 {read} 行：入库 {loaded} 行，隔离 {quarantined} 行（原因见隔离表）；未识别 {unrecognised} 个文件/工作表。"
    )


def _run_ingest(inbox: Path, ws, con, config):
    from pipelines import steps

    if not inbox.is_dir():
        _fail(f"找不到数据目录：{inbox}")
    with Progress(
        TextColumn("[bold]读取数据"), BarColumn(), MofNCompleteColumn(), TextColumn("{task.description}", markup=False),
        TimeElapsedColumn(), console=console, transient=True,
    ) as progress:
        task = progress.add_task("", total=None)

        def on_file(path: Path, done: int, total: int) -> None:
            progress.update(task, total=total, completed=done, description=path.name)

        reports = steps.ingest(inbox, ws, con, config, on_file=on_file)
    _print_ingest(reports)
    console.print(f"读取报告：{ws.root / 'ingest_report.csv'}")
    return reports


@app.command("ingest")
def ingest(
    inbox: Path = typer.Argument(..., help="存放各部门数据文件的目录（Excel/CSV，可含子目录）"),
    workspace: Path = typer.Option(Path("workspace"), "--workspace", help=WORKSPACE_HELP),
    wait: float = typer.Option(0.0, "--wait", help=WAIT_HELP),
) -> None:
    """读取数据目录中的全部文件，清洗后入库；无法使用的行放入隔离表并说明原因。"""
    ws = _workspace(workspace)
    try:
        with _session(ws, "ingest", inbox, wait):
            config = ws.config()
            con = ws.connect()
            _run_ingest(inbox, ws, con, config)
    except ConfigError as e:
        _fail(str(e))


def _print_check(outputs) -> None:
    cov = outputs.result.coverage
    ran = sum(1 for o in cov if o.status == "ran")
    table = Table(title="规则运行情况")
    for col in ("规则", "状态", "疑点数", "说明"):
        table.add_column(col, overflow="fold")
    status_text = {"ran": "已运行", "not_run": "未运行", "error": "出错"}
    from rules.catalog import RULES_BY_ID

    for o in cov:
        style = "" if o.status == "ran" else "yellow"
        table.add_row(f"{o.rule_id} {RULES_BY_ID[o.rule_id].title}", status_text[o.status], str(o.flags), o.reason, style=style)
    console.print(table)
    key = outputs.villages.filter(outputs.villages["class"] == "重点村").height
    console.print(
        f"{ran}/{len(cov)} 条规则已运行，共 {outputs.result.flags.height} 个疑点；"
        f"{outputs.villages.height} 个村中 {key} 个列为重点村。"
    )


@app.command("check")
def check(
    workspace: Path = typer.Option(Path("workspace"), "--workspace", help=WORKSPACE_HELP),
    wait: float = typer.Option(0.0, "--wait", help=WAIT_HELP),
) -> None:
    """对已入库的数据运行全部比对规则，输出疑点（flags.csv）和村排名（villages.csv）。"""
    from pipelines import steps

    ws = _workspace(workspace)
    try:
        with _session(ws, "check", None, wait):
            config = ws.config()
            con = ws.connect()
            outputs = steps.check(ws, con, config)
    except ConfigError as e:
        _fail(str(e))
    _print_check(outputs)
    _print_outputs(ws)


def _print_outputs(ws) -> None:
    console.print("输出文件：")
    for name in ("flags.csv", "villages.csv", "rule_coverage.csv", "town_common.csv"):
        console.print(f"  {ws.root / name}")


def _prefect_environment(workspace: Path) -> None:
    """Keep Prefect's own state in the workspace and its logs quiet, before it is imported."""
    home = (workspace / ".prefect").resolve()
    home.mkdir(parents=True, exist_ok=True)  # Prefect does not create missing parents
    os.environ.setdefault("PREFECT_HOME", str(home))
    os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
    os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "90")


@app.command("run")
def run(
    inbox: Path = typer.Argument(..., help="存放各部门数据文件的目录"),
    workspace: Path = typer.Option(Path("workspace"), "--workspace", help=WORKSPACE_HELP),
    full: bool = typer.Option(False, "--full", help="全部重新读取和比对（默认只处理有变化的文件）"),
    wait: float = typer.Option(0.0, "--wait", help=WAIT_HELP),
) -> None:
    """一次完成：读取入库 → 交叉比对 → 评分排名 → 生成报告。只处理上次运行以来有变化的文件。"""
    if not inbox.is_dir():
        _fail(f"找不到数据目录：{inbox}")
    _prefect_environment(workspace)
    try:
        with _session(_workspace(workspace), "run", inbox, wait) as audit_run:
            workspace_config_check(workspace)
            summary = _run_with_progress(inbox, workspace, full)
            audit_run.extra["report_dir"] = summary.report_dir
    except ConfigError as e:
        _fail(str(e))
    _print_run(summary, workspace)


def workspace_config_check(workspace: Path) -> None:
    """Fail on a bad configuration before starting anything (Prefect start-up takes seconds)."""
    from rules.engine import resolve_params

    resolve_params(_workspace(workspace).config())


def _loopback_usable() -> bool:
    """Whether a local server can listen (Prefect's API server needs loopback; no other network)."""
    import socket

    try:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            s.listen(1)
            with socket.create_connection(s.getsockname(), timeout=2):
                return True
    except OSError:
        return False


def _prefect_failure(e: BaseException) -> bool:
    """Whether an error raised before any step ran comes from Prefect or its connection to its server."""
    while e is not None:
        module = type(e).__module__
        if module.startswith(("prefect", "httpx", "httpcore", "anyio", "uvicorn")) or isinstance(e, (OSError, TimeoutError)):
            return True
        if isinstance(e, RuntimeError) and "prefect" in str(e).lower():
            return True
        e = e.__cause__ or e.__context__
    return False


def _run_with_progress(inbox: Path, workspace: Path, full: bool):
    from pipelines import flows

    use_prefect = os.environ.get("XUNCHA_WITHOUT_PREFECT", "") not in ("1", "true")
    if use_prefect and not _loopback_usable():
        err.print("提示：本机回环网络（127.0.0.1）不可用，Prefect 本地服务无法启动；本次不经 Prefect 直接运行，结果相同。")
        use_prefect = False
    started = False
    with Progress(
        TextColumn("[bold]{task.fields[stage]}"), BarColumn(), MofNCompleteColumn(),
        TextColumn("{task.description}", markup=False), TimeElapsedColumn(), console=console, transient=True,
    ) as progress:
        task = progress.add_task("", total=None, stage="准备")

        def on_file(path: Path, done: int, total: int) -> None:
            nonlocal started
            started = True
            progress.update(task, total=total, completed=done, description=path.name, stage="读取数据")

        def on_rule(rule) -> None:
            nonlocal started
            started = True
            progress.update(task, total=None, description=f"{rule.id} {rule.title}", stage="比对")

        flows.ON_FILE, flows.ON_RULE = on_file, on_rule
        try:
            if use_prefect:
                try:
                    result = flows.run_flow(str(inbox), str(workspace), full)
                    return flows.RunSummary(**result)
                except Exception as e:  # noqa: BLE001 - Prefect's start-up fails in many ways
                    if started or not _prefect_failure(e):
                        raise
                    err.print(f"提示：Prefect 本地服务无法启动或连接（{type(e).__name__}）；"
                              "本次不经 Prefect 直接运行，结果相同。")
            return flows.run_pipeline(inbox, workspace, full=full, use_tasks=False)
        finally:
            flows.ON_FILE = flows.ON_RULE = None


def _print_run(summary, workspace: Path) -> None:
    import csv

    ws = _workspace(workspace)
    for message in summary.messages:
        console.print(message)
    console.print(
        f"读取 {summary.files_read} 个有变化的文件，{summary.files_unchanged} 个未变化，{summary.files_removed} 个已移除。"
    )
    with (ws.root / "ingest_report.csv").open(encoding="utf-8-sig") as f:
        rows = list(csv.DictReader(f))
    bad = [r for r in rows if not r["extract"]]
    quarantined = sum(int(r["rows_quarantined"] or 0) for r in rows)
    console.print(f"隔离 {quarantined} 行（原因见 {ws.root / 'ingest_report.csv'} 和汇总工作簿）；未识别 {len(bad)} 个文件/工作表。")
    for r in bad:
        console.print(Text.assemble("  ", ("未识别", "yellow"), f" {r['file']} {r['sheet']}：{r['message']}"))
    if summary.nothing_changed:
        return
    rerun = "全部规则" if summary.rules_rerun is None else (
        f"{len(summary.rules_rerun)} 条受影响的规则" if summary.rules_rerun else "无需重新比对")
    console.print(
        f"比对：{rerun}；当前疑点 {summary.flags} 个（本次新增 {summary.new_flags} 个，"
        f"已消失 {summary.resolved_flags} 个）；{summary.key_villages} 个村列为重点村。"
    )
    _print_outputs(ws)
    if summary.report_dir:
        console.print(f"报告目录：{summary.report_dir}")


@app.command("serve")
def serve(
    workspace: Path = typer.Option(Path("workspace"), "--workspace", help=WORKSPACE_HELP),
    inbox: Path | None = typer.Option(None, "--inbox", help="收件箱目录（默认取配置文件 [nightly] inbox）"),
) -> None:
    """在本机 Prefect 服务器上注册夜间自动运行（部署名 nightly），并常驻等待按时执行。

    需先在本机启动 Prefect 服务器（prefect server start --host 127.0.0.1），并设置
    PREFECT_API_URL=http://127.0.0.1:4200/api。运行时间见配置 [nightly] cron / timezone。
    """
    if not os.environ.get("PREFECT_API_URL", "").startswith(("http://127.", "http://localhost", "http://[::1]")):
        _fail(
            "夜间自动运行需要本机常驻的 Prefect 服务器（临时服务器不会按时触发）。请先运行\n"
            "  prefect server start --host 127.0.0.1\n"
            "并设置环境变量 PREFECT_API_URL=http://127.0.0.1:4200/api，再运行 xuncha serve。"
        )
    ws = _workspace(workspace)
    try:
        config = ws.config()
        workspace_config_check(workspace)
    except ConfigError as e:
        _fail(str(e))
    inbox = (inbox or Path(config.nightly.inbox)).resolve()
    if not inbox.is_dir():
        _fail(f"找不到收件箱目录：{inbox}")
    from prefect.client.schemas.schedules import CronSchedule

    from pipelines import flows

    console.print(
        f"夜间运行已注册：每天按“{config.nightly.cron}”（{config.nightly.timezone}）读取 {inbox}，"
        f"结果写入 {ws.root.resolve()}。按 Ctrl+C 停止。"
    )
    flows.run_flow.serve(
        name="nightly",
        schedules=[CronSchedule(cron=config.nightly.cron, timezone=config.nightly.timezone)],
        parameters={"inbox": str(inbox), "workspace": str(ws.root.resolve())},
        global_limit=1,  # one run at a time: the warehouse has one writer
        limit=1,
        print_starting_message=False,
    )


@app.command("triage")
def triage(
    flag_id: str = typer.Argument(..., help="疑点编号（flags.csv 或村级工作簿中的“疑点编号”）"),
    status: str = typer.Option(..., "--status", help="核查状态：已核实、排除、整改中、已整改"),
    note: str = typer.Option("", "--note", help="说明；标记“排除”时必须写明理由"),
    workspace: Path = typer.Option(Path("workspace"), "--workspace", help=WORKSPACE_HELP),
) -> None:
    """记录对一个疑点的核查结论。事实不变时结论一直保留；疑点涉及的事实变化后，需重新核查。"""
    from rules.lifecycle import TriageError, set_triage

    ws = _workspace(workspace)
    con = ws.connect()
    try:
        set_triage(con, flag_id, status, note)
    except TriageError as e:
        _fail(str(e))
    finally:
        con.close()
    console.print(f"已记录：{flag_id} → {status}" + (f"（{note}）" if note else ""))
    console.print("下次运行 xuncha run 时，报告和 flags.csv 会显示该结论。")


@app.command("import-feedback")
def import_feedback(
    files: list[Path] = typer.Argument(..., help="巡察组交回的村级巡察风险清单（.xlsx），可一次给多个"),
    workspace: Path = typer.Option(Path("workspace"), "--workspace", help=WORKSPACE_HELP),
) -> None:
    """导入巡察组在村级工作簿“核查结果”列填写的结论（已核实/排除/整改中/已整改）。"""
    from reports import feedback, signing

    ws = _workspace(workspace)
    con = ws.connect()
    try:
        result = feedback.import_files(con, files, signing.workspace_key(ws.root))
    finally:
        con.close()
    for name, message in result.messages:
        err.print(Text.assemble((f"{name}：", "yellow"), message))
    imported = result.imported
    console.print(f"共导入 {imported} 条核查结论。下次运行 xuncha run 时生效。")


@rules_app.callback()
def rules_list(ctx: typer.Context) -> None:
    """列出全部比对规则。"""
    if ctx.invoked_subcommand is not None:
        return
    from rules.catalog import ALL_RULES

    table = Table(title="比对规则")
    for col in ("编号", "规则", "类别", "严重程度", "所需数据"):
        table.add_column(col, overflow="fold")
    from connectors.schema import table_label

    for r in ALL_RULES:
        table.add_row(r.id, r.title, r.category, r.severity, "、".join(table_label(t) for t in r.tables + r.any_tables))
    console.print(table)
    console.print("查看某条规则的说明：xuncha rules show A05")


@rules_app.command("show")
def rules_show(rule_id: str = typer.Argument(..., help="规则编号，如 A05")) -> None:
    """显示一条规则的完整说明：为什么是疑点、比对方法、排除情形、核查建议、谈话提纲、参数。"""
    from rich.markdown import Markdown

    from rules.catalog import RULES_BY_ID
    from rules.docs import rule_markdown

    rule = RULES_BY_ID.get(rule_id.upper())
    if rule is None:
        _fail(f"没有编号为“{rule_id}”的规则。运行 xuncha rules 查看全部规则。")
    console.print(Markdown(rule_markdown(rule)))


def main() -> None:  # pragma: no cover
    sys.exit(app())
