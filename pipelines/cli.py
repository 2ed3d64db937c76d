"""The `xuncha` command: every user-facing word in Chinese.

Longer than 400 lines on purpose: every command is declared here, so their options and help read in
one place; what they share lives beside it (cli_errors: expected failures, cli_chinese: typer's texts).
"""

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
from pipelines import cli_chinese, cli_errors
from xuncha.config_file import ConfigError

cli_chinese.install()


def _no_terminal_commands_in_text() -> None:
    """Rich removes only BEL, BS, VT, FF and CR from the text it prints; data (a file name, a team's
    核查结果) can also hold ESC and the other control characters, which a terminal takes as commands
    (clear the screen, set the window title, move the cursor). Rich's table of characters to strip,
    which every Text it builds goes through, is extended to all of them: they print as U+FFFD. Rich's
    own colours are not text and are unaffected."""
    from rich import control

    table = getattr(control, "_CONTROL_STRIP_TRANSLATE", None)
    if isinstance(table, dict):
        keep = {9, 10, *table}  # tab, line feed, and what Rich already removes
        table.update({c: "\ufffd" for c in [*range(0x20), 0x7F, *range(0x80, 0xA0)] if c not in keep})


_no_terminal_commands_in_text()

app = typer.Typer(
    help="巡察+大数据比对：读取各部门数据，交叉比对，按村输出疑点清单。",
    no_args_is_help=True,
    add_completion=False,
    # markdown, not rich: a help text's "[nightly]" is shown as written, not taken for a style tag
    rich_markup_mode="markdown",
)
rules_app = typer.Typer(help="查看比对规则。", invoke_without_command=True, add_completion=False)
app.add_typer(rules_app, name="rules")

# Printed text is never read as Rich markup: paths, file names and teams' 核查结果 may hold "[/]".
# Colour is given with Text instead.
console = Console(markup=False)
err = Console(stderr=True, markup=False)

WORKSPACE_HELP = "工作区目录：数据仓库、配置文件（xuncha.toml）和输出结果都放在这里"


_fail = cli_errors.fail
expected_failures = cli_errors.expected_failures


def _existing_workspace(path: Path):
    """The workspace of a command that works on earlier results; a mistyped --workspace is an
    error, not a new empty warehouse."""
    ws = _workspace(path)
    if not ws.warehouse.is_file():
        _fail(f"找不到工作区“{path}”（其中没有数据仓库 {ws.warehouse.name}）。请检查 --workspace 是否写错；"
              "新的工作区请先运行 xuncha run 或 xuncha ingest。")
    return ws


def _require_inbox(inbox: Path) -> None:
    if not inbox.is_dir():
        _fail(f"找不到数据目录：{inbox}")
    if not cli_errors.has_files(inbox):
        _fail(f"数据目录“{inbox}”中没有任何文件：没有数据，全部比对规则都无法运行。"
              "请把各部门报送的 Excel/CSV 文件放入该目录后再运行。")


WAIT_HELP = "工作区正被另一次运行使用时，最多等待的秒数（默认不等待，直接提示）"


@contextmanager
def _session(ws, command: str, inbox: Path | None = None, wait: float = 0.0):
    """Workspace lock and audit log around a command; a busy workspace is a Chinese message."""
    from pipelines.workspace import session
    from xuncha.lock import WorkspaceBusy

    try:
        with session(ws, command, inbox, wait=wait) as run:
            yield run
    except WorkspaceBusy as e:
        _fail(str(e))


def _workspace(path: Path):
    from pipelines.workspace import Workspace

    return Workspace(path)


@app.command("sample")
@expected_failures
def sample(
    out_dir: Path = typer.Argument(..., help="输出目录"),
    villages: int = typer.Option(24, "--villages", help="村的数量（默认约24个村、2个镇）"),
    seed: int = typer.Option(2024, "--seed", help="随机种子：相同种子生成完全相同的数据"),
    style: str = typer.Option("default", "--style",
                              help="各部门文件的样式：default（示例县，原有样式）、beishan（北山县）、nanhe（南河县）、"
                                   "dongling（东陵县）、xishan（西山县）、qingshui（清水县）、jiangkou（江口县）、"
                                   "baishui（白水县）、lianhua（莲花县）"),
) -> None:
    """生成一个虚构县的模拟数据（各部门原始格式，含注入的疑点和 ground_truth.csv）。"""
    from samplegen import generate
    from samplegen.styles import get_style

    try:
        get_style(style)
    except ValueError as e:
        raise typer.BadParameter(str(e), param_hint="--style") from None
    with console.status("正在生成模拟数据…"):
        summary = generate(out_dir, villages=villages, seed=seed, style=style)
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
    skipped = sum(1 for r in reports if r.extract is None and (r.message or "").startswith("已跳过："))
    unrecognised = sum(1 for r in reports if r.extract is None) - skipped
    console.print(
        f"共读取 {read} 行：入库 {loaded} 行，隔离 {quarantined} 行（原因见隔离表）；未识别 {unrecognised} 个文件/工作表"
        + (f"；已跳过 {skipped} 个（说明、汇总、忽略的文件，原因见说明列）。" if skipped else "。")
    )


def _run_ingest(inbox: Path, ws, con, config):
    from pipelines import steps

    _require_inbox(inbox)
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
@expected_failures
def ingest(
    inbox: Path = typer.Argument(..., help="存放各部门数据文件的目录（Excel/CSV，可含子目录）"),
    workspace: Path = typer.Option(Path("workspace"), "--workspace", help=WORKSPACE_HELP),
    wait: float = typer.Option(0.0, "--wait", help=WAIT_HELP),
) -> None:
    """读取数据目录中的全部文件，清洗后入库；无法使用的行放入隔离表并说明原因。"""
    _require_inbox(inbox)
    ws = _workspace(workspace)
    with _session(ws, "ingest", inbox, wait):
        config = ws.config()
        con = ws.connect()
        _run_ingest(inbox, ws, con, config)


@app.command("inspect")
def inspect(
    inbox: Path = typer.Argument(..., help="要检查的数据目录（Excel/CSV，可含子目录）"),
    workspace: Path | None = typer.Option(
        None, "--workspace", help="工作区目录：使用其中的配置和村名表；未指定 --out 时检查结果也写在这里"),
    out: Path | None = typer.Option(
        None, "--out", help="检查结果（inspect_report.html、xuncha.proposed.toml）的输出目录；默认为工作区，"
                            "未指定工作区时为数据目录旁的“<数据目录名>_检查结果”目录（从不写入当前目录或数据目录）"),
) -> None:
    """接入新县区的第一步：预览每个文件会被如何读取（不入库），并给出建议的配置片段。

    检查结果写入 --out 指定的目录；未指定时写入 --workspace 工作区；两者都未指定时写入数据目录旁的
    “<数据目录名>_检查结果”目录。结果所在位置会在最后打印出来。"""
    from connectors.inspect import inspect_with_warehouse
    from connectors.inspect_output import print_findings, write_outputs
    from xuncha.config import WorkspaceConfig

    if not inbox.is_dir():
        _fail(f"找不到数据目录：{inbox}")
    try:
        ws = _workspace(workspace) if workspace is not None else None
        config = ws.config() if ws is not None else WorkspaceConfig()
        findings = inspect_with_warehouse(inbox, config, ws.warehouse if ws is not None else None)
    except ConfigError as e:
        _fail(str(e))
    out_dir = inspect_output_dir(inbox, ws.root if ws is not None else None, out)
    print_findings(findings, console)
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        page, toml = write_outputs(findings, out_dir)
    except OSError as e:
        _fail(f"无法写入检查结果目录“{out_dir}”（{e.strerror or e}）。请用 --out 指定一个可写的目录。")
    console.print(f"检查结果已写入目录：{out_dir}")
    console.print(f"检查报告：{page}")
    console.print(f"建议的配置片段（逐行核对后复制到 xuncha.toml）：{toml}")


def inspect_output_dir(inbox: Path, workspace: Path | None, out: Path | None) -> Path:
    """Where `xuncha inspect` writes its report and fragment: --out, else the workspace, else a folder
    beside the inbox named after it (白水县 -> 白水县_检查结果): never the current directory (a worktree,
    where the files would be committed by mistake) nor the inbox (a later run would read them as data)."""
    if out is not None:
        return out
    if workspace is not None:
        return workspace
    root = inbox.resolve()
    return root.parent / f"{root.name}_检查结果"


def _print_check(outputs) -> None:
    cov = outputs.result.coverage
    ran = sum(1 for o in cov if o.status in ("ran", "partial"))
    table = Table(title="规则运行情况")
    for col in ("规则", "状态", "疑点数", "说明"):
        table.add_column(col, overflow="fold")
    status_text = {"ran": "已运行", "partial": "部分运行", "not_run": "未运行", "error": "出错"}
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
@expected_failures
def check(
    workspace: Path = typer.Option(Path("workspace"), "--workspace", help=WORKSPACE_HELP),
    wait: float = typer.Option(0.0, "--wait", help=WAIT_HELP),
) -> None:
    """对已入库的数据运行全部比对规则，输出疑点（flags.csv）和村排名（villages.csv）。"""
    from pipelines import steps

    ws = _existing_workspace(workspace)
    with _session(ws, "check", None, wait):
        config = ws.config()
        con = ws.connect()
        outputs = steps.check(ws, con, config)
    _print_check(outputs)
    _print_outputs(ws)
    if not any(o.status == "ran" for o in outputs.result.coverage):
        _fail(cli_errors.NO_RULE_RAN)


def _print_outputs(ws) -> None:
    console.print("输出文件：")
    for name in ("flags.csv", "villages.csv", "rule_coverage.csv", "town_common.csv"):
        console.print(f"  {ws.root / name}")


def _prefect_environment(workspace: Path) -> None:
    """Keep Prefect's own state in the workspace and its logs quiet, before it is imported."""
    from pipelines.interactive import prefect_environment

    prefect_environment(workspace)


@app.command("run")
@expected_failures
def run(
    inbox: Path = typer.Argument(..., help="存放各部门数据文件的目录"),
    workspace: Path = typer.Option(Path("workspace"), "--workspace", help=WORKSPACE_HELP),
    full: bool = typer.Option(False, "--full", help="全部重新读取和比对（默认只处理有变化的文件）"),
    wait: float = typer.Option(0.0, "--wait", help=WAIT_HELP),
) -> None:
    """一次完成：读取入库 → 交叉比对 → 评分排名 → 生成报告。只处理上次运行以来有变化的文件。"""
    _require_inbox(inbox)
    from pipelines.run import start_checks, unchanged_run

    try:
        with _session(_workspace(workspace), "run", inbox, wait) as audit_run:
            # Nothing changed since the last complete run: answered from its record, nothing loaded.
            summary = None if full else unchanged_run(inbox, workspace)
            if summary is None:
                start_checks(inbox, workspace, full)  # before the configuration check imports the rules
                workspace_config_check(workspace)
                summary = _run_with_progress(inbox, workspace, full)
            audit_run.extra["report_dir"] = summary.report_dir
    except ConfigError as e:
        _fail(str(e))
    _print_run(summary, workspace)
    if summary.rules_ran == 0:
        _fail(cli_errors.NO_RULE_RAN)
    _end_without_teardown()


def workspace_config_check(workspace: Path) -> None:
    """Fail on a bad configuration before starting anything (Prefect start-up takes seconds)."""
    from rules.engine import resolve_params

    resolve_params(_workspace(workspace).config())


def _run_with_progress(inbox: Path, workspace: Path, full: bool):
    from pipelines import run as run_path
    from pipelines.interactive import run_interactive

    with Progress(
        TextColumn("[bold]{task.fields[stage]}"), BarColumn(), MofNCompleteColumn(),
        TextColumn("{task.description}", markup=False), TimeElapsedColumn(), console=console, transient=True,
    ) as progress:
        task = progress.add_task("", total=None, stage="准备")

        def on_file(path: Path, done: int, total: int) -> None:
            progress.update(task, total=total, completed=done, description=path.name, stage="读取数据")

        def on_rule(rule) -> None:
            progress.update(task, total=None, description=f"{rule.id} {rule.title}", stage="比对")

        run_path.ON_FILE, run_path.ON_RULE = on_file, on_rule
        try:
            # Through Prefect only when a Prefect server is configured and answers (pipelines.interactive).
            return run_interactive(inbox, workspace, full)
        finally:
            run_path.ON_FILE = run_path.ON_RULE = None


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
    skipped = [r for r in rows if not r["extract"] and r["message"].startswith("已跳过：")]
    bad = [r for r in rows if not r["extract"] and r not in skipped]
    quarantined = sum(int(r["rows_quarantined"] or 0) for r in rows)
    console.print(f"隔离 {quarantined} 行（原因见 {ws.root / 'ingest_report.csv'} 和汇总工作簿）；"
                  f"未识别 {len(bad)} 个文件/工作表" + (f"；已跳过 {len(skipped)} 个。" if skipped else "。"))
    for r in bad:
        console.print(Text.assemble("  ", ("未识别", "yellow"), f" {r['file']} {r['sheet']}：{r['message']}"))
    for r in skipped:
        console.print(Text.assemble("  ", ("已跳过", "dim"), f" {r['file']} {r['sheet']}：{r['message'][4:]}"))
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


LOOPBACK_URLS = ("http://127.", "http://localhost", "http://[::1]")
SERVER_PORT = 4200


@app.command("server")
@expected_failures
def server(
    port: int = typer.Option(SERVER_PORT, "--port", help="端口（只监听本机 127.0.0.1）"),
    ui: bool = typer.Option(True, "--ui/--no-ui", help="是否提供本机网页界面（查看历次运行和运行摘要）"),
) -> None:
    """在本机启动常驻的 Prefect 服务器（夜间自动运行需要），关闭 Prefect 的全部遥测，只监听 127.0.0.1。

    启动后另开一个终端，设置 PREFECT_API_URL=http://127.0.0.1:4200/api，再运行 xuncha serve。按 Ctrl+C 停止。
    """
    import signal
    import subprocess

    from xuncha.offline import TELEMETRY_OFF

    env = {**os.environ, **TELEMETRY_OFF}
    # the UI is served from this machine by the server itself; it is off everywhere else
    env["PREFECT_UI_ENABLED"] = env["PREFECT_SERVER_UI_ENABLED"] = "true" if ui else "false"
    env["PREFECT_SERVER_UI_SHOW_PROMOTIONAL_CONTENT"] = "false"
    env.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
    console.print(f"Prefect 服务器启动中：http://127.0.0.1:{port}（遥测已关闭，只监听本机）。\n"
                  f"另开终端设置 PREFECT_API_URL=http://127.0.0.1:{port}/api 后运行 xuncha serve。按 Ctrl+C 停止。")
    command = [sys.executable, "-m", "prefect", "server", "start", "--host", "127.0.0.1", "--port", str(port)]
    child = subprocess.Popen(command, env=env)

    def stop(signum, frame) -> None:  # a service manager's SIGTERM stops the server with this command
        child.terminate()

    signal.signal(signal.SIGTERM, stop)
    try:
        code = child.wait()
    except KeyboardInterrupt:
        child.terminate()
        code = child.wait()
        code = 0
    if code in (-signal.SIGTERM, -signal.SIGINT):
        code = 0
    if code not in (0, 130):
        _fail(f"Prefect 服务器退出（代码 {code}）：端口 {port} 可能已被占用，可用 --port 换一个端口。")


@app.command("serve")
@expected_failures
def serve(
    workspace: Path = typer.Option(Path("workspace"), "--workspace", help=WORKSPACE_HELP),
    inbox: Path | None = typer.Option(None, "--inbox", help="收件箱目录（默认取配置文件 [nightly] inbox）"),
) -> None:
    """在本机 Prefect 服务器上注册夜间自动运行（部署名 nightly），并常驻等待按时执行。

    需先在本机启动 Prefect 服务器（xuncha server），并设置
    PREFECT_API_URL=http://127.0.0.1:4200/api。运行时间见配置 [nightly] cron / timezone。
    """
    api_url = os.environ.get("PREFECT_API_URL", "")
    if not api_url.startswith(LOOPBACK_URLS):
        _fail(
            "夜间自动运行需要本机常驻的 Prefect 服务器（临时服务器不会按时触发）。请先运行 xuncha server，"
            "并设置环境变量 PREFECT_API_URL=http://127.0.0.1:4200/api，再运行 xuncha serve。"
        )
    ws = _workspace(workspace)
    config = ws.config()
    workspace_config_check(workspace)
    inbox = (inbox or Path(config.nightly.inbox)).resolve()
    if not inbox.is_dir():
        _fail(f"找不到收件箱目录：{inbox}")
    from pipelines import flows

    if not flows.server_alive(api_url):
        _fail(f"连不上 Prefect 服务器（{api_url}）：请先运行 xuncha server，并确认端口与 PREFECT_API_URL 一致。")
    console.print(
        f"夜间运行已注册：每天按“{config.nightly.cron}”（{config.nightly.timezone}）读取 {inbox}，"
        f"结果写入 {ws.root.resolve()}。按 Ctrl+C 停止。"
    )
    if not flows.serve_nightly(inbox, ws.root.resolve(), config.nightly.cron, config.nightly.timezone, api_url):
        _fail(f"Prefect 服务器（{api_url}）已停止，夜间运行随之停止。重新运行 xuncha server 后再运行 xuncha serve。")


@app.command("triage")
@expected_failures
def triage(
    flag_id: str = typer.Argument(..., help="疑点编号（flags.csv 或村级工作簿中的“疑点编号”）"),
    status: str = typer.Option("", "--status", help="核查结果：已核实、排除、整改中、已整改"),
    note: str = typer.Option("", "--note", help="说明；标记“排除”时必须写明理由"),
    checked_by: str = typer.Option("", "--checked-by", help="核查人"),
    checked_on: str = typer.Option("", "--checked-on", help="核查日期，如 2026-12-03"),
    measures: str = typer.Option("", "--measures", help="整改措施"),
    deadline: str = typer.Option("", "--deadline", help="整改时限（日期）；过期未整改的在整改台账中标红"),
    responsible: str = typer.Option("", "--responsible", help="整改责任人"),
    completed_on: str = typer.Option("", "--completed-on", help="整改完成日期"),
    closed_on: str = typer.Option("", "--closed-on", help="销号日期（须同时写销号依据；不写日期时取当天）"),
    close_basis: str = typer.Option("", "--close-basis", help="销号依据，如整改报告文号、复核意见"),
    workspace: Path = typer.Option(Path("workspace"), "--workspace", help=WORKSPACE_HELP),
) -> None:
    """记录对一个疑点的核查结论和整改销号情况。每项改动都留痕（时间、操作人）；销号只能由人确认。"""
    from rules.lifecycle import TriageError
    from rules.rectification import record

    fields = {"verify_result": status, "verified_by": checked_by, "verified_on": checked_on, "measures": measures,
              "deadline": deadline, "responsible": responsible, "completed_on": completed_on,
              "closed_on": closed_on, "close_basis": close_basis}
    if not any(v.strip() for v in fields.values()):
        _fail("请至少给出一项：--status、--checked-by、--checked-on、--measures、--deadline、--responsible、"
              "--completed-on、--closed-on 或 --close-basis")
    if status == "排除" and not note.strip():
        _fail("标记为“排除”时必须写明理由（--note）")
    ws = _existing_workspace(workspace)
    con = ws.connect()
    try:
        changed = record(con, flag_id, fields, note=note)
    except TriageError as e:
        _fail(str(e))
    finally:
        con.close()
    if changed:
        console.print(f"已记录：{flag_id} 的 {'、'.join(changed)}" + (f"（{note}）" if note else ""))
        console.print("下次运行 xuncha run 时，报告、flags.csv 和整改台账会显示这些内容。")
    else:
        console.print(f"{flag_id} 的这些内容与已记录的相同，未作改动。")


@app.command("import-feedback")
@expected_failures
def import_feedback(
    files: list[Path] = typer.Argument(..., help="巡察组交回的村级巡察风险清单（.xlsx），可一次给多个"),
    workspace: Path = typer.Option(Path("workspace"), "--workspace", help=WORKSPACE_HELP),
) -> None:
    """导入巡察组在村级工作簿填写的核查结论（问题清单“核查结果”列）和整改销号情况（“整改销号”工作表）。"""
    from reports import feedback, signing

    ws = _existing_workspace(workspace)
    con = ws.connect()
    try:
        result = feedback.import_files(con, files, signing.workspace_key(ws.root))
    finally:
        con.close()
    for name, message in result.messages:
        err.print(Text.assemble((f"{name}：", "yellow"), message))
    imported = result.imported
    console.print(f"共更新 {imported} 条疑点的核查和整改情况（与已记录相同的不计）。下次运行 xuncha run 时生效。")


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
@expected_failures
def rules_show(rule_id: str = typer.Argument(..., help="规则编号，如 A05")) -> None:
    """显示一条规则的完整说明：为什么是疑点、比对方法、排除情形、核查建议、谈话提纲、参数。"""
    from rich.markdown import Markdown

    from rules.catalog import RULES_BY_ID
    from rules.docs import rule_markdown

    rule = RULES_BY_ID.get(rule_id.upper())
    if rule is None:
        _fail(f"没有编号为“{rule_id}”的规则。运行 xuncha rules 查看全部规则。")
    console.print(Markdown(rule_markdown(rule)))


# Set by the console script (main), never by tests that call `app` in their own process.
END_WITHOUT_TEARDOWN = False


def _end_without_teardown() -> None:
    """A finished `xuncha run` ends here, without the interpreter's teardown: freeing the modules a run
    imports (pandas, pypinyin's dictionaries, Great Expectations' in its process) takes 0.3-0.6 s after
    everything is written, the user waiting for the prompt. Everything is closed by now (warehouse,
    workspace lock, audit log, reports, the run record); the Great Expectations process is told to stop
    and waited for, output flushed, logging shut down; then the process ends with exit code 0. Only as
    the console script (tests calling `app` in their own process carry on), and never after a run that
    went through Prefect."""
    if not END_WITHOUT_TEARDOWN or "prefect" in sys.modules:
        return  # a run reported to a Prefect server: Prefect's exit hooks send its last logs and states
    import logging

    from connectors.children import stop

    stop()
    from xuncha.timeline import mark

    mark("end")
    logging.shutdown()
    for stream in (console.file, err.file, sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):
            pass
    os._exit(0)


def main() -> None:
    """The `xuncha` console script."""
    from xuncha.timeline import mark

    mark("command started")
    global END_WITHOUT_TEARDOWN
    END_WITHOUT_TEARDOWN = True
    app()


if __name__ == "__main__":  # python -m pipelines.cli, as the console script
    main()
