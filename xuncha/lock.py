"""One run per workspace: an OS file lock (fcntl.flock) on WORKSPACE/.lock.

The lock belongs to the open file, so the kernel releases it when the process ends in any way,
SIGKILL included: a crashed run never leaves a stale lock to clean up by hand. The file holds who
has it (pid, user, host, command, start time) for the message the second run shows.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import getpass
import json
import os
import socket
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

LOCK_FILE = ".lock"
_HELD: dict[str, int] = {}  # lock files this process holds -> nesting depth


class WorkspaceBusy(Exception):
    """Another process holds the workspace (Chinese message for the user)."""


def current_user() -> str:
    try:
        return getpass.getuser()
    except Exception:  # no login name (containers): the numeric uid still says who
        return str(os.getuid())


def _holder_text(path: Path) -> str:
    try:
        info = json.loads(path.read_text(encoding="utf-8") or "{}")
    except (OSError, ValueError):
        info = {}
    if not info:
        return "另一个 xuncha 进程"
    return (f"另一个 xuncha 进程（命令“{info.get('command', '?')}”，进程号 {info.get('pid', '?')}，"
            f"用户 {info.get('user', '?')}，主机 {info.get('host', '?')}，开始于 {info.get('started', '?')}）")


def busy_message(workspace: Path) -> str:
    return (f"工作区“{workspace}”正被{_holder_text(workspace / LOCK_FILE)}使用，"
            "为避免两次运行同时改写数据仓库和报告，本次运行已停止。请等它结束后再运行"
            "（如需排队等待，可加 --wait 秒数）。该进程结束（包括被强行终止）时锁会自动释放，无需手工删除任何文件。")


@contextmanager
def workspace_lock(workspace: Path, command: str, wait: float = 0.0) -> Iterator[Path]:
    """Hold the workspace for `command`; raise WorkspaceBusy if another process holds it for
    longer than `wait` seconds."""
    workspace.mkdir(parents=True, exist_ok=True)
    path = workspace / LOCK_FILE
    key = str(path.resolve())
    if key in _HELD:  # this process holds it already (a flow inside a command): re-entrant
        _HELD[key] += 1
        try:
            yield path
        finally:
            _HELD[key] -= 1
        return
    # a+ : never truncate before holding the lock, or the holder's details would be lost.
    f = open(path, "a+", encoding="utf-8")  # noqa: SIM115  (closed in finally; closing releases the lock)
    try:
        deadline = time.monotonic() + max(wait, 0.0)
        while True:
            try:
                fcntl.flock(f.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise WorkspaceBusy(busy_message(workspace)) from None
                time.sleep(0.2)
        f.seek(0)
        f.truncate()
        f.write(json.dumps({
            "pid": os.getpid(), "user": current_user(), "host": socket.gethostname(), "command": command,
            "started": dt.datetime.now().isoformat(timespec="seconds"),
        }, ensure_ascii=False))
        f.flush()
        _HELD[key] = 1
        try:
            yield path
        finally:
            del _HELD[key]
            f.seek(0)
            f.truncate()
            f.flush()
    finally:
        f.close()
