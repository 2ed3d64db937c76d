"""What changed in the inbox since the last load: new, changed, unchanged and removed files.

A file whose content hash equals its last load is not read again; its sheet accounting is taken
from `sheet_reports`, kept from the load that read it. A file that left the inbox has its rows
retired (deleted from every table and the quarantine), and the report says so.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import polars as pl

from connectors.inbox import list_inbox, relative_name
from connectors.ingest_report import SheetReport, set_aside_reports
from connectors.schema import TABLES
from xuncha.transaction import transaction

SHEET_REPORTS_DDL = """
CREATE TABLE IF NOT EXISTS sheet_reports (
    source_file VARCHAR, file_hash VARCHAR, sheet VARCHAR, extract VARCHAR,
    rows_read INTEGER, rows_loaded INTEGER, rows_quarantined INTEGER, rows_skipped INTEGER,
    message VARCHAR
)
"""

UNCHANGED_NOTE = "文件内容与上次相同，未重新读取"


@dataclass
class InboxPlan:
    changed: list[Path] = field(default_factory=list)  # new or different content: read them
    unchanged: list[str] = field(default_factory=list)  # relative names, same content as loaded
    removed: list[str] = field(default_factory=list)  # loaded before, no longer in the inbox
    hashes: dict[str, str] = field(default_factory=dict)  # relative name -> sha256, every file present
    # tables that held rows of the changed or removed files before this load
    previous_tables: set[str] = field(default_factory=set)
    # report rows of inbox entries not read: skipped (lock files, links, ...) or duplicates of a
    # file read; a duplicate loaded by an earlier run is also in `removed` (its rows are retired)
    set_aside: list[SheetReport] = field(default_factory=list)

    @property
    def nothing_changed(self) -> bool:
        return not self.changed and not self.removed


def last_hashes(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    """The content hash of each file's latest load."""
    rows = con.execute(
        "SELECT source_file, arg_max(file_hash, loaded_at) FROM load_log GROUP BY source_file"
    ).fetchall()
    return dict(rows)


def plan_inbox(inbox: Path, con: duckdb.DuckDBPyConnection, full: bool = False) -> InboxPlan:
    con.execute(SHEET_REPORTS_DDL)
    known = last_hashes(con)
    retired = {r[0] for r in con.execute("SELECT source_file FROM load_log WHERE extract = '__retired__'").fetchall()}
    plan = InboxPlan()
    present = set()
    listing = list_inbox(inbox)
    plan.hashes = dict(listing.hashes)
    plan.set_aside = set_aside_reports(listing)
    for path in listing.files:
        rel = relative_name(path, inbox)
        present.add(rel)
        digest = listing.hashes[rel]
        if not full and known.get(rel) == digest and rel not in retired:
            plan.unchanged.append(rel)
        else:
            plan.changed.append(path)
    plan.removed = sorted(f for f in known if f not in present and known[f] != "__retired__")
    plan.previous_tables = changed_tables(con, [relative_name(p, inbox) for p in plan.changed] + plan.removed)
    return plan


def retire(con: duckdb.DuckDBPyConnection, files: list[str]) -> None:
    """Delete every row of files that left the inbox, and log it so they are not retired twice."""
    if not files:
        return
    with transaction(con):
        for f in files:
            for t in TABLES:
                con.execute(f"DELETE FROM {t} WHERE source_file = ?", [f])
            con.execute("DELETE FROM quarantine WHERE source_file = ?", [f])
            con.execute("DELETE FROM validation_results WHERE source_file = ?", [f])
            con.execute("DELETE FROM sheet_reports WHERE source_file = ?", [f])
            con.execute(
                "INSERT INTO load_log (load_id, source_file, file_hash, loaded_at, extract, table_name, sheets,"
                " rows_read, rows_loaded, rows_quarantined, rows_skipped, message)"
                " VALUES ('retired', ?, '__retired__', now(), '__retired__', NULL, 0, 0, 0, 0, 0, ?)",
                [f, "文件已从收件箱移除，其数据已撤下"],
            )


def remember(con: duckdb.DuckDBPyConnection, reports: list[SheetReport], hashes: dict[str, str]) -> None:
    """Keep the sheet accounting of the files just read, for later runs that skip them."""
    con.execute(SHEET_REPORTS_DDL)
    files = sorted({r.file for r in reports})
    if not files:
        return
    frame = pl.DataFrame(  # noqa: F841  (read by DuckDB by name)
        {
            "source_file": [r.file for r in reports],
            "file_hash": [hashes.get(r.file, "") for r in reports],
            "sheet": [r.sheet for r in reports],
            "extract": [r.extract for r in reports],
            "rows_read": [r.rows_read for r in reports],
            "rows_loaded": [r.rows_loaded for r in reports],
            "rows_quarantined": [r.rows_quarantined for r in reports],
            "rows_skipped": [r.rows_skipped for r in reports],
            "message": [r.message for r in reports],
        },
        schema_overrides={"extract": pl.String, "sheet": pl.String},
    )
    names = pl.DataFrame({"f": files})  # noqa: F841
    with transaction(con):
        con.execute("DELETE FROM sheet_reports WHERE source_file IN (SELECT f FROM names)")
        con.execute("INSERT INTO sheet_reports SELECT * FROM frame")


def unchanged_reports(con: duckdb.DuckDBPyConnection, files: list[str]) -> list[SheetReport]:
    if not files:
        return []
    names = pl.DataFrame({"f": files})  # noqa: F841
    rows = con.execute(
        """
        SELECT source_file, sheet, extract, rows_read, rows_loaded, rows_quarantined, rows_skipped, message
        FROM sheet_reports WHERE source_file IN (SELECT f FROM names) ORDER BY source_file, sheet
        """
    ).fetchall()
    out = []
    for f, sheet, extract, read, loaded, quarantined, skipped, message in rows:
        note = UNCHANGED_NOTE + ("；" + message if message else "")
        out.append(SheetReport(f, sheet, extract, read, loaded, quarantined, skipped, note))
    return out


def removed_reports(files: list[str], set_aside: list[SheetReport] | None = None) -> list[SheetReport]:
    """Rows for files gone from the inbox (not those still there but set aside: they have their own)."""
    aside = {r.file for r in set_aside or []}
    return [SheetReport(f, "", None, 0, 0, 0, 0, "文件已从收件箱移除，其数据已撤下") for f in files if f not in aside]


def changed_tables(con: duckdb.DuckDBPyConnection, files: list[str]) -> set[str]:
    """Canonical tables that hold (or held, before retirement) rows of these files."""
    if not files:
        return set()
    names = pl.DataFrame({"f": files})  # noqa: F841
    rows = con.execute(
        "SELECT DISTINCT extract FROM load_log WHERE source_file IN (SELECT f FROM names) AND extract IS NOT NULL"
    ).fetchall()
    return {r[0] for r in rows if r[0] in TABLES}
