"""Every failure the command line expects ends in one Chinese sentence and exit code 2, no traceback."""

from __future__ import annotations

import errno
import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from connectors.warehouse import open_warehouse
from pipelines import cli_chinese, cli_errors
from pipelines.cli import app

# An English word of three letters or more outside paths and names the user typed
ENGLISH = re.compile(r"(?<![\w./-])[A-Za-z]{3,}(?![\w./-])")
ALLOWED = {"xuncha", "help", "run", "ingest", "check", "triage", "serve", "server", "rules", "show", "import", "feedback",
           "csv", "warehouse", "duckdb", "Excel", "CSV", "wait", "workspace", "PREFECT_API_URL", "http", "api",
           "coverage", "rule_coverage", "bogus"}


def invoke(*args: str):
    result = CliRunner().invoke(app, list(args), prog_name="xuncha")
    return result, result.output  # stdout and stderr


def assert_chinese_failure(result, text: str, *needles: str) -> None:
    assert result.exit_code == 2, (result.exit_code, text, result.exception)
    # ended by typer.Exit / SystemExit, not by an exception the runner caught
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert "Traceback" not in text, text
    assert text.strip().startswith("错误："), text
    for needle in needles:
        assert needle in text, (needle, text)


def test_an_empty_inbox_is_an_error_not_zero_flags(tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / ".hidden").write_text("x")
    for command in ("run", "ingest"):
        result, text = invoke(command, str(inbox), "--workspace", str(tmp_path / "ws"))
        assert_chinese_failure(result, text, "没有任何文件", "无法运行")


def test_commands_on_earlier_results_do_not_create_a_mistyped_workspace(tmp_path: Path) -> None:
    missing = tmp_path / "worksapce"
    for args in (["triage", "X", "--status", "已核实"], ["check"], ["import-feedback", str(tmp_path / "a.xlsx")]):
        result, text = invoke(*args, "--workspace", str(missing))
        assert_chinese_failure(result, text, "找不到工作区", str(missing))
    assert not missing.exists()


def test_a_workspace_that_cannot_be_written_is_a_chinese_sentence(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "a.csv").write_text("x\n1\n")
    result, text = invoke("ingest", str(inbox), "--workspace", str(blocker / "ws"))
    assert_chinese_failure(result, text, "无法读写", "--workspace")


def test_permission_and_read_only_errors_name_the_reason(tmp_path: Path, monkeypatch) -> None:
    from pipelines import steps

    ws = tmp_path / "ws"
    open_warehouse(ws / "warehouse.duckdb").close()
    for code, reason in ((errno.EACCES, "没有读写权限"), (errno.EROFS, "只读")):
        def refuse(self, code=code):
            raise OSError(code, os.strerror(code), str(self.warehouse))

        monkeypatch.setattr(steps.Workspace, "connect", refuse)
        result, text = invoke("triage", "X", "--status", "已核实", "--workspace", str(ws))
        assert_chinese_failure(result, text, reason, "warehouse.duckdb")
    import duckdb

    def read_only(self):
        raise duckdb.IOException('IO Error: Cannot open file "w.duckdb": Permission denied')

    monkeypatch.setattr(steps.Workspace, "connect", read_only)
    result, text = invoke("triage", "X", "--status", "已核实", "--workspace", str(ws))
    assert_chinese_failure(result, text, "无法写入数据仓库")


def test_triage_while_another_program_holds_the_warehouse(tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    open_warehouse(ws / "warehouse.duckdb").close()
    holder = subprocess.Popen(
        [sys.executable, "-c", "import duckdb, sys, time; c = duckdb.connect(sys.argv[1]); print('open', flush=True); "
         "time.sleep(120)", str(ws / "warehouse.duckdb")],
        stdout=subprocess.PIPE, text=True, start_new_session=True)
    try:
        assert holder.stdout.readline().strip() == "open"
        result, text = invoke("triage", "X", "--status", "已核实", "--workspace", str(ws))
        assert_chinese_failure(result, text, "正被另一个程序打开")
    finally:
        os.killpg(holder.pid, signal.SIGKILL)
        holder.wait()


@pytest.mark.parametrize("args, needle", [
    (["triage"], "缺少参数"),
    (["triage", "X", "--status"], "后面需要写一个值"),
    (["bogus"], "没有命令“bogus”"),
    (["check", "--bogus"], "没有选项 --bogus"),
    (["run", "x", "--wait", "abc"], "取值无效"),
    (["rules", "show", "A01", "B02"], "多余的参数"),
])
def test_bad_arguments_are_chinese(args: list[str], needle: str) -> None:
    result, text = invoke(*args)
    assert_chinese_failure(result, text, needle)
    words = set(ENGLISH.findall(text)) - ALLOWED
    assert not words, (words, text)


def test_every_pattern_of_typer_messages_translates() -> None:
    for message in ("Missing argument 'FLAG_ID'.", "Missing option '--status'.", "No such command 'x'.",
                    "No such option: --x Did you mean --y?", "Got unexpected extra argument(s) (b)",
                    "Option '--wait' requires an argument.", "Missing command."):
        text = cli_chinese.translate_usage_error(message)
        assert not text.startswith("命令行参数有误"), message


def test_help_keeps_square_brackets_and_is_chinese() -> None:
    result, text = invoke("serve", "--help")
    assert result.exit_code == 0
    assert "[nightly]" in text
    assert "用法：" in text and "显示本帮助并退出" in text
    assert "Usage" not in text and "Show this message" not in text


def test_os_errors_are_one_sentence() -> None:
    text = cli_errors.os_error_message(OSError(errno.ENOSPC, "No space left on device", "/x/y"))
    assert "磁盘空间已满" in text and "/x/y" in text and "No space" not in text


def test_the_run_summary_for_the_prefect_ui_holds_the_counts() -> None:
    from pipelines.flows import RunSummary, summary_markdown

    summary = RunSummary("ws", False, 3, 25, 1, None, flags=40, new_flags=7, resolved_flags=2, key_villages=5,
                         report_dir="/ws/reports/20241201-020000", open_flags=33, rules_ran=28,
                         rules_not_run=["E02 人均补贴金额异常：缺少村基本情况表"], quarantined_rows=16)
    text = summary_markdown(summary)
    for needle in ("| 其中本次新增 | 7 |", "| 其中持续 | 33 |", "| 已消失 | 2 |", "| 隔离行数 | 16 |",
                   "| 未运行的规则 | 1 |", "E02 人均补贴金额异常：缺少村基本情况表", "/ws/reports/20241201-020000"):
        assert needle in text, (needle, text)
    unchanged = summary_markdown(RunSummary("ws", True, 0, 28, 0, [], rules_ran=28))
    assert "数据与上次运行相同" in unchanged and "没有生成新的报告" in unchanged and "当前疑点" not in unchanged


def test_control_characters_in_data_are_no_terminal_commands(tmp_path: Path) -> None:
    # a file name (or a team's 核查结果) holding ESC sequences: clear the screen, set the window title
    ws = tmp_path / "ws"
    ws.mkdir()
    open_warehouse(ws / "warehouse.duckdb").close()
    hostile = tmp_path / "清单\x1b[2J\x1b]0;pwned\x07\x9b1m.xlsx"
    hostile.write_bytes(b"not a workbook")
    result, text = invoke("import-feedback", str(hostile), "--workspace", str(ws))
    assert result.exit_code == 0, text
    assert "清单" in text and "\ufffd[2J" in text, text  # the name shown, its control characters as U+FFFD
    assert not re.search("[\x00-\x08\x0b-\x1f\x7f-\x9f]", text), repr(text)
