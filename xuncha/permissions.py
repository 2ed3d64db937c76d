"""Owner-only outputs: the workspace holds resident IDs and relief data.

Every process of xuncha starts with umask 077 (`owner_only_process`, called on `import xuncha`),
so whatever it creates — the warehouse, the Prefect home, reports, CSVs, logs, temporary files —
is 0700 (folders) / 0600 (files). A workspace made by an older version, or copied in, is closed
when it is opened (`secure_workspace`): its folder 0700, which keeps others out of everything
inside it, and the files holding data 0600.
"""

from __future__ import annotations

import os
from pathlib import Path

OWNER_ONLY_UMASK = 0o077
# Files directly in a workspace that hold data or secrets (others are protected by the folder).
_DATA_FILES = ("warehouse.duckdb", "warehouse.duckdb.wal", "feedback.key", "audit.log", "xuncha.toml",
               "flags.csv", "villages.csv", "ingest_report.csv", "rule_coverage.csv", "town_common.csv")
_DATA_DIRS = (".prefect", "reports")


def owner_only_process() -> None:
    os.umask(OWNER_ONLY_UMASK)


def secure_workspace(root: Path) -> None:
    """Create `root` owner-only, or close an existing one to others."""
    root.mkdir(parents=True, exist_ok=True, mode=0o700)
    _chmod(root, 0o700)
    for name in _DATA_DIRS:
        _chmod(root / name, 0o700)
    for name in _DATA_FILES:
        _chmod(root / name, 0o600)
    _chmod(root / ".prefect" / "prefect.db", 0o600)


def _chmod(path: Path, mode: int) -> None:
    try:
        if not path.is_symlink() and path.exists() and (path.stat().st_mode & 0o777) != mode:
            path.chmod(mode)
    except OSError:
        pass  # not ours to change (a shared mount): the folder's mode still keeps others out
