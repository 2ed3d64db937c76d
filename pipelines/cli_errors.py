"""What the command line does with the failures it expects: one Chinese sentence on stderr and exit
code 2, never a traceback (a configuration error, a busy, missing, unreadable or read-only
workspace, a full disk, a warehouse another program holds)."""

from __future__ import annotations

import errno
import functools
import os
import sys
from collections.abc import Callable
from pathlib import Path

import typer
from rich.console import Console
from rich.markup import escape

from xuncha.config_file import ConfigError

err = Console(stderr=True)


def fail(message: str) -> None:
    err.print(f"[bold red]错误：[/]{escape(message)}", soft_wrap=True)
    raise typer.Exit(code=2)


_OS_REASONS = {
    errno.EACCES: "没有读写权限", errno.EPERM: "没有读写权限", errno.EROFS: "所在磁盘是只读的",
    errno.ENOSPC: "磁盘空间已满", errno.ENOENT: "不存在", errno.ENOTDIR: "路径中有一段不是目录",
    errno.EISDIR: "是目录而不是文件",
}


def os_error_message(e: OSError) -> str:
    """One Chinese sentence for a file system error: which file, and why in words."""
    where = e.filename or "工作区"
    reason = _OS_REASONS.get(e.errno or 0, f"系统错误 {e.errno}" if e.errno else "系统错误")
    return (f"无法读写“{where}”：{reason}。请检查该目录的权限和磁盘空间，"
            "或用 --workspace 换一个可写的工作区目录。")


def duckdb_message(e: Exception) -> str | None:
    """The Chinese sentence for a warehouse that cannot be opened for writing; None for others."""
    text = str(e).lower()
    if "permission denied" in text or "read-only" in text or "readonly" in text:
        return ("无法写入数据仓库（warehouse.duckdb）：文件或所在目录没有写权限，或磁盘是只读的。"
                "请检查权限，或用 --workspace 换一个可写的工作区目录。")
    return None


def expected_failures(command: Callable) -> Callable:
    """A command whose expected failures (configuration, busy or unwritable workspace, file system)
    end in one Chinese sentence and exit code 2 instead of a traceback. Every command has it, so a
    new one gets the same behaviour by adding the decorator under @app.command."""

    @functools.wraps(command)
    def guarded(*args, **kwargs):
        from xuncha.lock import WorkspaceBusy

        try:
            return command(*args, **kwargs)
        except (ConfigError, WorkspaceBusy) as e:
            fail(str(e))
        except Exception as e:
            # A DuckDB error can only come from a command that imported DuckDB: not imported here
            # for the others (a run where nothing changed answers without it).
            duckdb = sys.modules.get("duckdb")
            if duckdb is not None and isinstance(e, duckdb.Error):
                message = duckdb_message(e)
                if message is None:
                    raise
                fail(message)
            if isinstance(e, OSError):
                fail(os_error_message(e))
            raise

    return guarded


NO_RULE_RAN = ("没有一条比对规则能够运行：已入库的数据中缺少每条规则所需的数据表（原因见 rule_coverage.csv），"
               "本次没有比对任何内容，不能当作“未发现疑点”。请补充数据后再运行。")

def has_files(inbox: Path) -> bool:
    """Whether the inbox holds any file at all (hidden ones aside)."""
    for _root, dirs, files in os.walk(inbox):
        dirs[:] = [d for d in dirs if not d.startswith(".")]
        if any(not f.startswith((".", "~$")) for f in files):
            return True
    return False


