"""The workspace audit log (WORKSPACE/audit.log): who ran what, when, on which inputs, with which
configuration, and what came out. JSON lines, only ever appended.

Each command writes a "start" line before it touches anything and an "end" line when it finishes
(or fails): a start without an end is a run that was killed. Secrets never reach the log: the report
password is replaced by whether one was set, and the configuration hash is computed without it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import socket
import sys
import tomllib
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from xuncha.config_file import CONFIG_FILE_NAME
from xuncha.files import sha256_file
from xuncha.lock import LOCK_FILE, current_user

AUDIT_FILE = "audit.log"
# Never written to the log, wherever they appear in the configuration (lower-case key names).
SECRET_KEYS = frozenset({"password", "passwd", "secret", "token", "key_password"})
REDACTED = "（已设置，不记录）"
# Files of the workspace that are not outputs of a command.
_NOT_OUTPUTS = {AUDIT_FILE, LOCK_FILE}
_NOT_OUTPUT_DIRS = {".prefect", ".venv", "__pycache__"}
# Large files are listed with size only (hashing a multi-GB warehouse would slow every run).
HASH_LIMIT_BYTES = 256 * 1024 * 1024




def redact(value: Any) -> Any:
    """A copy of a configuration tree with secret values replaced by REDACTED (empty ones: None)."""
    if isinstance(value, dict):
        return {k: (REDACTED if v else None) if str(k).lower() in SECRET_KEYS else redact(v)
                for k, v in value.items()}
    if isinstance(value, list):
        return [redact(v) for v in value]
    return value


def config_record(workspace: Path) -> dict[str, Any]:
    """The configuration file's non-secret content and a hash of it (secrets left out of both)."""
    path = workspace / CONFIG_FILE_NAME
    record: dict[str, Any] = {"file": str(path), "exists": path.exists()}
    if path.exists():
        try:
            content = redact(tomllib.loads(path.read_text(encoding="utf-8")))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError, OSError) as e:
            content = {"_error": f"配置文件无法解析：{type(e).__name__}"}
        canonical = json.dumps(content, sort_keys=True, ensure_ascii=False, default=str)
        record |= {"sha256_without_secrets": hashlib.sha256(canonical.encode("utf-8")).hexdigest(),
                   "content": content}
    record["report_password_from_env"] = bool(os.environ.get("XUNCHA_REPORT_PASSWORD"))
    return record


def input_records(inbox: Path | None) -> list[dict[str, Any]]:
    if inbox is None or not inbox.is_dir():
        return []
    from connectors.inbox import inbox_files  # the same files the ingest reads

    out = []
    for p in inbox_files(inbox):
        try:
            out.append({"file": p.relative_to(inbox).as_posix(), "bytes": p.stat().st_size, "sha256": sha256_file(p)})
        except OSError as e:
            out.append({"file": p.relative_to(inbox).as_posix(), "error": type(e).__name__})
    return out


def _snapshot(workspace: Path) -> dict[str, tuple[int, int]]:
    """path -> (mtime_ns, size) of every file under the workspace that could be an output."""
    out: dict[str, tuple[int, int]] = {}
    if not workspace.is_dir():
        return out
    for root, dirs, files in os.walk(workspace):
        dirs[:] = [d for d in dirs if d not in _NOT_OUTPUT_DIRS and not d.startswith(".")]
        for name in files:
            if name in _NOT_OUTPUTS or name.startswith(".") or name.endswith((".tmp", ".wal")):
                continue
            p = Path(root) / name
            try:
                st = p.stat()
            except OSError:
                continue
            out[p.relative_to(workspace).as_posix()] = (st.st_mtime_ns, st.st_size)
    return out


def _outputs(workspace: Path, before: dict[str, tuple[int, int]]) -> list[dict[str, Any]]:
    after = _snapshot(workspace)
    out = []
    for rel, (mtime, size) in sorted(after.items()):
        if before.get(rel) == (mtime, size):
            continue
        item: dict[str, Any] = {"file": rel, "bytes": size}
        if size <= HASH_LIMIT_BYTES:
            try:
                item["sha256"] = sha256_file(workspace / rel)
            except OSError:
                pass
        out.append(item)
    return out


def append(workspace: Path, record: dict[str, Any]) -> None:
    """Append one JSON line (O_APPEND: whole lines, never rewrites what is there)."""
    workspace.mkdir(parents=True, exist_ok=True)
    line = (json.dumps(record, ensure_ascii=False, default=str) + "\n").encode("utf-8")
    fd = os.open(workspace / AUDIT_FILE, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        os.write(fd, line)
        os.fsync(fd)
    finally:
        os.close(fd)


@dataclass
class AuditRun:
    """Handed to the command while it runs: it may add facts (e.g. the report directory)."""

    run_id: str
    extra: dict[str, Any] = field(default_factory=dict)


def _now() -> str:
    return dt.datetime.now().astimezone().isoformat(timespec="seconds")


@contextmanager
def audited(workspace: Path, command: str, inbox: Path | None = None) -> Iterator[AuditRun]:
    """Log a "start" line now and an "end" line when the block ends (status ok / error / interrupted)."""
    run = AuditRun(uuid.uuid4().hex[:12])
    from xuncha import __version__

    append(workspace, {
        "event": "start", "run_id": run.run_id, "time": _now(), "user": current_user(), "uid": os.getuid(),
        "host": socket.gethostname(), "pid": os.getpid(), "command": command,
        "argv": [_safe_arg(a) for a in sys.argv], "workspace": str(workspace.resolve()),
        "inbox": str(inbox.resolve()) if inbox else None, "inputs": input_records(inbox),
        "config": config_record(workspace), "xuncha_version": __version__,
    })
    before = _snapshot(workspace)
    status, error = "ok", None
    try:
        yield run
    except KeyboardInterrupt:
        status, error = "interrupted", "用户中断"
        raise
    except SystemExit as e:
        if e.code not in (0, None):
            status, error = "error", f"退出码 {e.code}"
        raise
    except BaseException as e:
        status, error = "error", f"{type(e).__name__}: {e}"[:500]
        raise
    finally:
        append(workspace, {
            "event": "end", "run_id": run.run_id, "time": _now(), "user": current_user(), "command": command,
            "status": status, "error": error, "outputs": _outputs(workspace, before), **run.extra,
        })


def _safe_arg(arg: str) -> str:
    # A password typed on the command line (--password=...) is not logged either.
    low = arg.lower()
    if any(k in low for k in SECRET_KEYS) and "=" in arg:
        return arg.split("=", 1)[0] + "=" + REDACTED
    return arg
