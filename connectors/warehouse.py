"""The DuckDB warehouse: create the canonical tables, and (re)load one file's rows atomically.

Loading a file again replaces its rows: its old rows are deleted from every table and from the
quarantine, then the new ones inserted, in one transaction, and the load is logged with the file's
sha256. Frames go in through Arrow, never row by row.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import threading
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

import duckdb
import polars as pl
import pyarrow as pa

from connectors.schema import KIND_TYPES, QUARANTINE_COLUMNS, TABLES, all_ddl, data_columns
from xuncha.faults import pause_point
from xuncha.offline import DUCKDB_CONFIG
from xuncha.transaction import transaction

if TYPE_CHECKING:
    from connectors.transform import SheetResult

def open_warehouse(path: Path) -> duckdb.DuckDBPyConnection:
    """Open (or create) the warehouse file with every canonical and system table."""
    path = Path(path)
    if str(path) != ":memory:":
        path.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(path), config=dict(DUCKDB_CONFIG))
    for stmt in all_ddl():
        con.execute(stmt)
    _add_new_columns(con)
    return con


def _add_new_columns(con: duckdb.DuckDBPyConnection) -> None:
    """A warehouse made by an earlier version lacks columns declared since (period_start/period_end):
    add them, empty, so loading and reading work without rebuilding it; payment periods of rows loaded
    before are filled from the pay month. Columns are only ever added."""
    have: dict[str, set[str]] = {}
    for table, column in con.execute(
            "SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = current_schema()"
    ).fetchall():
        have.setdefault(table, set()).add(column)
    for table in TABLES.values():
        added = [c for c in data_columns(table) if c.name not in have.get(table.name, {c.name})]
        for c in added:
            con.execute(f"ALTER TABLE {table.name} ADD COLUMN {c.name} {KIND_TYPES[c.kind]}")
        periods = [c.name for c in added if c.name in ("period_start", "period_end")]
        if periods and "pay_month" in table.column_names:
            con.execute(f"UPDATE {table.name} SET " + ", ".join(f"{p} = pay_month" for p in periods))


T = TypeVar("T")
R = TypeVar("R")


def file_hash(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def checkpoint_in_background(con: duckdb.DuckDBPyConnection) -> Callable[[], None]:
    """DuckDB's CHECKPOINT (the write-ahead log written into the database file, which closing the
    warehouse does otherwise) started in a thread, on a cursor of its own; returns a function that
    waits for it. DuckDB works without the interpreter lock meanwhile. A checkpoint that cannot run
    (another transaction writing) is left to the close."""
    cursor = con.cursor()

    def checkpoint() -> None:
        try:
            cursor.execute("CHECKPOINT")
        except duckdb.Error:
            pass

    thread = threading.Thread(target=checkpoint, name="xuncha-checkpoint", daemon=True)
    thread.start()

    def wait() -> None:
        thread.join()
        cursor.close()

    return wait


def map_on_cursors(con: duckdb.DuckDBPyConnection, work: Callable[[duckdb.DuckDBPyConnection, T], R],
                   items: Iterable[T], threads: int = 2) -> Iterator[R]:
    """work(cursor, item) for each item, `threads` at a time, each call on a cursor of its own (DuckDB
    takes one cursor per thread; a cursor costs ~0.5 ms), the results in the items' order as they come.
    For many small queries (the rules, the report's evidence rows): DuckDB works without the
    interpreter lock, and one small query alone leaves the second core idle."""

    def one(item: T) -> R:
        with con.cursor() as cursor:  # its temporary tables end with it
            return work(cursor, item)

    with ThreadPoolExecutor(max_workers=threads, thread_name_prefix="xuncha-cursor") as pool:
        yield from pool.map(one, items)


def loaded_files(con: duckdb.DuckDBPyConnection) -> set[str]:
    """Files the warehouse may hold rows of (every load is logged), so re-loads know what to delete."""
    return {r[0] for r in con.execute("SELECT DISTINCT source_file FROM load_log").fetchall()}


def _insert(con: duckdb.DuckDBPyConnection, table: str, frame: pl.DataFrame, columns: list[str]) -> None:
    if frame.height == 0:
        return
    name = f"_xuncha_in_{uuid.uuid4().hex[:8]}"
    # Plain (large) strings in record batches of a row group each: DuckDB scans the batches in
    # parallel and converts these faster than polars' string views (measured: 0.9 s instead of
    # 1.3-1.7 s for 770,000 payment rows).
    arrow = frame.select(columns).to_arrow(compat_level=pl.CompatLevel.oldest())
    con.register(name, pa.Table.from_batches(arrow.to_batches(max_chunksize=ROW_GROUP_ROWS), schema=arrow.schema))
    try:
        cols = ", ".join(columns)
        con.execute(f"INSERT INTO {table} ({cols}) SELECT {cols} FROM {name}")
    finally:
        con.unregister(name)


# DuckDB's row group size
ROW_GROUP_ROWS = 122_880


@dataclass
class FileRows:
    """What one file puts in the warehouse: its sheets' rows (and quarantine), and its validation results."""

    source_file: str
    sha256: str
    sheets: list[SheetResult]
    validation: pl.DataFrame | None = None


def write_files(con: duckdb.DuckDBPyConnection, files: list[FileRows], previously_loaded: set[str],
                loaded_at: dt.datetime | None = None) -> None:
    """Replace everything the warehouse holds from these files by their rows (and validation
    results), in one transaction: files in `previously_loaded` have their earlier rows deleted
    first, and all of them are committed or none.
    One insert per table for all the files: a commit and an insert cost milliseconds each, which
    a hundred small ledger files pay a hundred times over."""
    loaded_at = loaded_at or dt.datetime.now()
    by_table: dict[str, list[pl.DataFrame]] = defaultdict(list)
    quarantine: list[pl.DataFrame] = []
    validation: list[pl.DataFrame] = []
    for f in files:
        quarantine += [s.quarantine for s in f.sheets if s.quarantine is not None and s.quarantine.height]
        for s in f.sheets:
            if s.data is not None and s.data.height and s.extract:
                by_table[s.extract].append(s.data)
        if f.validation is not None and f.validation.height:
            validation.append(f.validation)
    with transaction(con):
        for f in files:
            if f.source_file in previously_loaded:
                for t in TABLES:
                    con.execute(f"DELETE FROM {t} WHERE source_file = ?", [f.source_file])
                con.execute("DELETE FROM quarantine WHERE source_file = ?", [f.source_file])
                con.execute("DELETE FROM validation_results WHERE source_file = ?", [f.source_file])
        for table, frames in by_table.items():
            cols = [c.name for c in data_columns(TABLES[table])]
            frame = pl.concat(frames, how="vertical_relaxed") if len(frames) > 1 else frames[0]
            _insert(con, table, frame, cols)
        if quarantine:
            _insert(con, "quarantine", pl.concat(quarantine, how="diagonal_relaxed"), QUARANTINE_COLUMNS)
        if validation:
            frame = pl.concat(validation, how="vertical_relaxed") if len(validation) > 1 else validation[0]
            _insert(con, "validation_results", frame, list(frame.columns))
        _log(con, [(f.source_file, f.sha256, f.sheets) for f in files], loaded_at)
        pause_point("ingest-transaction")  # tests: a kill here must leave the last commit intact


def _log(con, files: list[tuple[str, str, list[SheetResult]]], loaded_at: dt.datetime) -> None:
    rows = []
    for source_file, sha256, sheets in files:
        groups: dict[str | None, list[SheetResult]] = defaultdict(list)
        for s in sheets:
            groups[s.extract].append(s)
        if not groups:
            groups[None] = []
        load_id = uuid.uuid4().hex
        for extract, ss in groups.items():
            rows.append((
                load_id, source_file, sha256, loaded_at, extract, extract, len(ss),
                sum(s.rows_read for s in ss), sum(s.rows_loaded for s in ss),
                sum(s.rows_quarantined for s in ss), sum(s.rows_skipped for s in ss),
                "；".join(f"{s.sheet}：{s.message}" if s.sheet else s.message for s in ss),
            ))
    con.executemany("INSERT INTO load_log VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)


def record_aliases(con: duckdb.DuckDBPyConnection, seen: list[tuple[str, str, str]]) -> None:
    """Remember every spelling of a village we have matched, once."""
    if not seen:
        return
    frame = pl.DataFrame(seen, schema={"alias": pl.String, "village_code": pl.String, "origin": pl.String},
                         orient="row").unique()
    con.register("_xuncha_alias", frame.to_arrow())
    try:
        con.execute(
            "INSERT INTO village_alias SELECT n.alias, n.village_code, n.origin FROM _xuncha_alias n "
            "WHERE NOT EXISTS (SELECT 1 FROM village_alias a WHERE a.alias = n.alias AND a.village_code = n.village_code)"
        )
    finally:
        con.unregister("_xuncha_alias")


def replace_quarantine(con: duckdb.DuckDBPyConnection, source_file: str, frames: list[pl.DataFrame]) -> None:
    """Rewrite one file's quarantine rows (after its villages were re-matched)."""
    with transaction(con):
        con.execute("DELETE FROM quarantine WHERE source_file = ?", [source_file])
        frames = [f for f in frames if f.height]
        if frames:
            _insert(con, "quarantine", pl.concat(frames, how="vertical_relaxed"), QUARANTINE_COLUMNS)
