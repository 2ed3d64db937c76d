"""The workspace directory and the session around a command that writes to it (lock + audit log).

Kept apart from pipelines.steps and free of heavy imports (DuckDB, polars, pydantic load only when
a method needs them), so a command that finds nothing to do answers without loading them.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from pipelines.audit import AuditRun, audited
from xuncha.files import hashes_remembered
from xuncha.lock import WorkspaceBusy, workspace_lock
from xuncha.permissions import secure_workspace

if TYPE_CHECKING:
    import duckdb

    from xuncha.config import WorkspaceConfig

WAREHOUSE_FILE = "warehouse.duckdb"


@dataclass
class Workspace:
    root: Path

    @property
    def warehouse(self) -> Path:
        return self.root / WAREHOUSE_FILE

    def config(self) -> WorkspaceConfig:
        from xuncha.config import workspace_config

        return workspace_config(self.root)

    def connect(self) -> duckdb.DuckDBPyConnection:
        import duckdb

        from connectors.warehouse import open_warehouse

        secure_workspace(self.root)  # owner-only, also when made by an older version
        try:
            return open_warehouse(self.warehouse)
        except duckdb.IOException as e:
            if "lock" not in str(e).lower():
                raise
            # DuckDB's own single-writer lock: held by a process outside our workspace lock (a
            # DuckDB/DBeaver window on the warehouse, or a run started without the lock).
            raise WorkspaceBusy(
                f"数据仓库文件“{self.warehouse}”正被另一个程序打开（可能是另一次 xuncha 运行，或用 DuckDB、"
                "DBeaver 等工具打开了它），无法写入。请关闭该程序或等它结束后再运行。"
            ) from None


@contextmanager
def session(ws: Workspace, command: str, inbox: Path | None = None, wait: float = 0.0) -> Iterator[AuditRun]:
    """Everything a command that writes to the workspace does around its work: hold the workspace
    lock (a second run waits `wait` seconds, then refuses with WorkspaceBusy) and write the audit
    log. Re-entrant in one process, so a flow may take it inside a command that already has it.
    (Great Expectations is imported by the ingest, in the background, only when files are read.)"""
    with workspace_lock(ws.root, command, wait=wait), hashes_remembered(), audited(ws.root, command, inbox) as run:
        yield run
