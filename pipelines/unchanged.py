"""The no-change answer: a run whose inputs are exactly those of the last complete run, on a
workspace exactly as that run left it, is answered from a small record, without opening the
warehouse or loading DuckDB, polars, the rules or Great Expectations.

The record (WORKSPACE/.last_run.json, hidden so the audit log does not list it as an output) holds
what the last complete run saw: the content hash of every inbox file (as the run's inbox plan
hashed them), the bytes of xuncha.toml (hashed whole: any edit, even a comment, sends the run the
long way, where config_fingerprint in pipelines.steps decides what it changes), the settings from
outside xuncha.toml that change outputs (output_settings), and the size and modification time of
the warehouse and of every output file. Any other writer (`xuncha triage`, `import-feedback`,
`ingest`, `check`, a DuckDB window, a user editing flags.csv) changes one of those, and the run
takes the long way, which then decides as before. A run deletes the record before it writes
anything and writes it again only when it completes.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any

RECORD_FILE = ".last_run.json"
FORMAT = 1
# Files of the workspace a complete run leaves behind; a change to any of them (or a WAL file,
# a writer that has not finished) means the workspace is no longer as the last run left it.
WATCHED = (
    "warehouse.duckdb", "warehouse.duckdb.wal", "ingest_report.csv", "data_quality.html",
    "flags.csv", "villages.csv", "rule_coverage.csv", "town_common.csv", "reports",
)


def output_settings(root: Path) -> dict[str, Any]:
    """Settings from outside xuncha.toml that change what a run writes (xuncha.toml itself is
    covered by its bytes). Add here any such setting read from the environment (e.g. a report
    password, encryption or masking switch given as an environment variable): a change to one of
    them must make the next run regenerate its outputs. Values that are secrets go in hashed."""
    from xuncha.config_file import PASSWORD_ENV

    password = os.environ.get(PASSWORD_ENV)
    if not password:
        return {"report_password_env": None}
    # salted with the workspace's own key when there is one (the record sits beside it), slow-ish
    try:
        salt = (root / "feedback.key").read_bytes()
    except OSError:
        salt = str(root.resolve()).encode("utf-8")
    digest = hashlib.pbkdf2_hmac("sha256", password.encode("utf-8"), salt, 20_000).hex()
    return {"report_password_env": digest}


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def config_digest(root: Path) -> str | None:
    from xuncha.config_file import CONFIG_FILE_NAME

    try:
        return _digest((root / CONFIG_FILE_NAME).read_bytes())
    except FileNotFoundError:
        return None


def _settings(root: Path) -> dict[str, Any]:
    from xuncha import __version__

    return {"format": FORMAT, "xuncha": __version__, "outputs": output_settings(root)}


def _watched(root: Path) -> dict[str, list[int] | None]:
    out: dict[str, list[int] | None] = {}
    for name in WATCHED:
        try:
            st = os.stat(root / name)
            out[name] = [st.st_size, st.st_mtime_ns]
        except FileNotFoundError:
            out[name] = None
    return out


def _inbox_files(inbox: Path) -> list[tuple[str, Path]]:
    from connectors.inbox import inbox_files, relative_name  # the files the ingest would read

    return [(relative_name(p, inbox), p) for p in inbox_files(inbox)]


def forget(root: Path) -> None:
    """Before a run writes anything: until it completes, the last record no longer describes the workspace."""
    (root / RECORD_FILE).unlink(missing_ok=True)


def remember(root: Path, inbox: Path, file_hashes: dict[str, str], config: str | None, files_read: int) -> None:
    """After a complete run: what it read (hashes from its inbox plan, config digest taken before
    it read the configuration) and the workspace as it leaves it."""
    record = {
        **_settings(root), "inbox": str(inbox.resolve()), "config": config, "files": file_hashes,
        "workspace": _watched(root), "files_read": files_read,
    }
    tmp = root / (RECORD_FILE + ".tmp")
    tmp.write_text(json.dumps(record, ensure_ascii=False, sort_keys=True), encoding="utf-8")
    os.replace(tmp, root / RECORD_FILE)


def unchanged_files(root: Path, inbox: Path) -> int | None:
    """How many inbox files there are, if nothing changed since the last complete run; else None.
    Cheap checks first: the file contents are hashed only when everything else matches."""
    try:
        record = json.loads((root / RECORD_FILE).read_text(encoding="utf-8"))
    except (FileNotFoundError, ValueError):
        return None
    if any(record.get(k) != v for k, v in _settings(root).items()):
        return None
    if record.get("inbox") != str(inbox.resolve()) or record.get("workspace") != _watched(root):
        return None
    if record.get("config") != config_digest(root):
        return None
    from xuncha.files import sha256_file

    known: dict[str, str] = record.get("files") or {}
    present = _inbox_files(inbox)
    if len(present) != len(known):
        return None
    for rel, path in present:
        if known.get(rel) != sha256_file(path):
            return None
    return len(present)


def inbox_changed(root: Path, inbox: Path) -> bool:
    """Whether the inbox holds files the last complete run did not read (True without a record):
    asked before the warehouse is opened, so that a run with files to read starts its slow
    preparations (Great Expectations) at once. A guess: the inbox plan decides what is read."""
    try:
        record = json.loads((root / RECORD_FILE).read_text(encoding="utf-8"))
    except (FileNotFoundError, ValueError):
        return True
    from xuncha.files import sha256_file

    known: dict[str, str] = record.get("files") or {}
    present = _inbox_files(inbox)
    return (record.get("inbox") != str(inbox.resolve()) or len(present) != len(known)
            or any(known.get(rel) != sha256_file(path) for rel, path in present))
