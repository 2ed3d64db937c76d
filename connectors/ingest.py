"""Load an inbox of department files into the warehouse and account for every row.

The jobs are in their own modules, read in this order: connectors/inbox.py (which files),
extract.py (one file -> frames), readahead.py (reading ahead, in processes), validation*.py and
warehouse.py (checks and writes), ingest_report.py (the report). This module orchestrates them.
Statistics' village list must be known before other files' villages can be matched:
statistics-looking files are loaded first, and files matched against an older list (one that
arrived under another name) are matched again, before writing or, once written, in the warehouse at
the end.
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from itertools import count
from pathlib import Path

import duckdb
import polars as pl

from connectors.catalog import catalog_settings, load_catalog
from connectors.children import gx_ready
from connectors.extract import (
    UNMATCHED_PREFIX,
    FileResult,
    assign_villages,
    content_fingerprint,
    extract_file,
    extract_files,
    unmatched_message,
)
from connectors.handover import handing_over_in
from connectors.inbox import inbox_files, list_inbox, looks_like_statistics, relative_name
from connectors.ingest_report import REPORT_COLUMNS, SheetReport, set_aside_reports, sheet_reports, write_ingest_report
from connectors.readahead import Reference, batch_jobs, default_workers, extracted, spill_dir, spill_parent
from connectors.readers import start_isolation
from connectors.schema import TABLES
from connectors.validation import Validation, finish_validation, preload, start_validation, unreadable_file
from connectors.villages import VillageIndex, assign, load_index
from connectors.warehouse import FileRows, loaded_files, record_aliases, replace_quarantine, write_files
from xuncha.config import WorkspaceConfig
from xuncha.timeline import mark
from xuncha.transaction import transaction

# Callers import these from here (pipelines, tests, benchmarks, xuncha/audit.py).
__all__ = ["REPORT_COLUMNS", "FileResult", "SheetReport", "default_workers", "extract_file", "extract_files",
           "inbox_files", "ingest_file", "ingest_inbox", "relative_name", "rematch_villages", "set_aside_reports",
           "write_ingest_report"]



def _index_for(con: duckdb.DuckDBPyConnection, config: WorkspaceConfig) -> VillageIndex:
    c = config.connectors
    return load_index(con, c.village_aliases, c.village_match_threshold, config.county.name)


def _write_many(con, results: list[FileResult], index: VillageIndex, version: int, previously: set[str]) -> None:
    """Match villages (unless a reading process did, against this reference), validate the files
    together (connectors/validation.py) and write them in one transaction."""
    _finish_write(con, _start_write(results, index, version), previously)


def _start_write(results: list[FileResult], index: VillageIndex, version: int) -> tuple[list[FileResult], Validation]:
    """The first half of _write_many: villages matched, the files handed to validation."""
    for r in results:
        if r.matched_with != version:
            assign_villages(r, index, version)
    return results, start_validation([(r.source_file, r.sha256, r.sheets) for r in results if not r.error],
                                     reference=index.names)


def _finish_write(con, started: tuple[list[FileResult], Validation], previously: set[str]) -> None:
    """The second half of _write_many: the validation applied, the files written in one transaction."""
    results, validation = started
    checked = finish_validation(validation)
    # The spellings of villages matched are remembered with the rows that used them: one commit (each
    # commit writes DuckDB's log to disk), and never rows without their spellings or the other way round.
    with transaction(con):
        write_files(con, [
            FileRows(r.source_file, r.sha256, r.sheets,
                     unreadable_file(r.source_file, r.sha256, r.error) if r.error else checked[r.source_file])
            for r in results
        ], previously)
        record_aliases(con, [a for r in results for a in r.aliases])
    previously.update(r.source_file for r in results)


def ingest_file(path: Path, inbox: Path, con: duckdb.DuckDBPyConnection, config: WorkspaceConfig,
                villages: VillageIndex | None = None) -> list[SheetReport]:
    """Load one file (replacing its earlier rows). villages: the reference; default what the warehouse holds."""
    catalog = load_catalog(**catalog_settings(config.connectors))
    result = extract_file(path, inbox, catalog, limits=config.connectors.reading_limits)
    previously = loaded_files(con)
    if result.has_village_basics:
        # Statistics first: write its codes, then match the file's other sheets against them.
        basics = FileResult(result.source_file, result.sha256, [s for s in result.sheets if s.extract == "village_basics"])
        _write_many(con, [basics], villages or VillageIndex(), 0, previously)
        villages = _index_for(con, config) if villages is None else villages
    _write_many(con, [result], villages if villages is not None else _index_for(con, config), 1, previously)
    return sheet_reports(result)


@contextmanager
def _duckdb_threads(con: duckdb.DuckDBPyConnection, threads: int) -> Iterator[None]:
    before = con.execute("SELECT current_setting('threads')").fetchone()[0]
    con.execute(f"SET threads = {int(threads)}")
    try:
        yield
    finally:
        con.execute(f"SET threads = {int(before)}")


# What a village reference is built from (villages.VillageIndex.build)
_REFERENCE_COLUMNS = ("town_raw", "village_raw", "village_code", "county", "former_names")
# The version of a village reference worked out before its files were written (_expected_reference)
GUESSED = -1


def _expected_reference(con: duckdb.DuckDBPyConnection, config: WorkspaceConfig,
                        results: list[FileResult]) -> VillageIndex:
    """The village reference the warehouse will hold once these files are loaded: the villages of
    other files, and theirs. Only a guess until they are validated and written (a village row may
    still be quarantined), checked then (ingest_inbox)."""
    c = config.connectors
    mine = [r.source_file for r in results]
    con.register("_xuncha_lead", pl.DataFrame({"f": mine}, schema={"f": pl.String}).to_arrow())
    try:
        held = con.execute(
            f"SELECT {', '.join(_REFERENCE_COLUMNS)} FROM village_basics WHERE village_code IS NOT NULL "
            "AND source_file NOT IN (SELECT f FROM _xuncha_lead)").pl()
    finally:
        con.unregister("_xuncha_lead")
    new = [s.data.select(_REFERENCE_COLUMNS) for r in results for s in r.sheets
           if s.extract == "village_basics" and s.data is not None and s.data.height]
    ref = pl.concat([held.cast(pl.String), *(f.cast(pl.String) for f in new)])
    ref = ref.filter(pl.col("village_code").is_not_null()).unique("village_code", keep="first", maintain_order=True)
    return VillageIndex.build(ref.sort("village_code"), c.village_aliases, c.village_match_threshold, config.county.name)


def ingest_inbox(inbox: Path, con: duckdb.DuckDBPyConnection, config: WorkspaceConfig,
                 on_file: Callable[[Path, int, int], None] | None = None,
                 workers: int | None = None, files: list[Path] | None = None,
                 on_validating: Callable[[list[FileResult]], None] | None = None,
                 on_read: Callable[[], None] | None = None) -> list[SheetReport]:
    """_ingest, with one folder beside the warehouse for the big frames handed between processes as
    files (connectors.handover: the reading processes' sheets, the GX process's batches), removed
    afterwards (a killed run's, by the next run)."""
    spill = spill_dir(spill_parent(con))
    try:
        with handing_over_in(spill):
            return _ingest(inbox, con, config, on_file, workers, files, on_validating, on_read, spill)
    finally:
        if spill is not None:
            shutil.rmtree(spill, ignore_errors=True)


def _ingest(inbox: Path, con: duckdb.DuckDBPyConnection, config: WorkspaceConfig,
            on_file: Callable[[Path, int, int], None] | None, workers: int | None, files: list[Path] | None,
            on_validating: Callable[[list[FileResult]], None] | None, on_read: Callable[[], None] | None,
            spill: Path | None) -> list[SheetReport]:
    """Load every data file under `inbox` (or only `files`); one report row per sheet (or per
    unreadable file), in the order of `files`; without `files`, then one row per inbox entry not
    read (connectors/inbox.py: skipped, or a duplicate of a file read).

    workers: processes that read and transform files while this one validates and writes (0: do
    everything here; default: default_workers). Statistics-looking files are loaded first, here,
    so that the reading processes match villages against their village list.
    on_validating: called with each group of files as it is handed to validation (work the caller
    can do while Great Expectations validates them in its own process).
    on_read: called once, when every file is read and the last group is handed to validation: from
    then on this process mostly waits for Great Expectations (work the caller can do then).
    """
    settings = catalog_settings(config.connectors)
    limits = config.connectors.reading_limits
    catalog = load_catalog(**settings)  # fail fast on bad configuration, before any work
    listing = list_inbox(inbox) if files is None else None
    files = listing.files if listing is not None else files
    if workers is None:
        workers = default_workers(files)
    workers = min(workers, len(files))
    if files:
        preload()  # Great Expectations imports in the background while the first files are read
    if not workers:
        start_isolation(files)  # here (reading processes start their own): .xls read in a child process
    previously = loaded_files(con)
    index, version = _index_for(con, config), 0
    versions = count(1)  # each village reference read from the warehouse gets a new one
    path_of = {relative_name(p, inbox): p for p in files}
    results: list[FileResult] = []
    pending: list[FileResult] = []  # extracted, waiting to be validated together and written

    # One group of files may be in validation (in the GX process) while the group before it is
    # written here: validating and writing no longer take turns on the critical path.
    in_flight: list[tuple[list[FileResult], Validation]] = []  # at most one group

    def write_in_flight() -> None:
        nonlocal index, version
        if not in_flight:
            return
        group, validation = in_flight.pop()
        mark(f"write group of {len(group)} files")
        _finish_write(con, (group, validation), previously)
        mark("written")
        for result in group:
            if result.has_village_basics:
                index, version = _index_for(con, config), next(versions)
            results.append(result)
            _drop_frames(result)
            if on_file:
                on_file(path_of.get(result.source_file, inbox / result.source_file), len(results), len(files))

    def flush(drain: bool = False, last: bool = False) -> None:
        """Hand the pending files to validation, then write the group handed over before them; all
        written when `drain`. A group holding a village list (statistics) stays in flight while the
        files after it are read, and is written before those files are matched against villages.
        `last`: every file is read (on_read is called once the last group is handed over)."""
        if pending:
            group = list(pending)
            pending.clear()
            if any(r.has_village_basics for g, _ in in_flight for r in g):
                write_in_flight()  # the village list these files are matched against
            mark(f"validate group of {len(group)} files")
            started = _start_write(group, index, version)
            if on_validating:
                on_validating(group)
            if last and on_read:
                on_read()
            write_in_flight()
            in_flight.append(started)
        elif last and on_read:
            on_read()
        if drain:
            write_in_flight()

    first_with: dict[str, FileResult] = {}  # content fingerprint -> the file that loaded it

    def take(result: FileResult) -> None:
        mark(f"read {result.source_file}")
        fingerprint = content_fingerprint(result) if not result.error else None
        if fingerprint is not None:
            first = first_with.setdefault(fingerprint, result)
            if first is not result:  # the same rows under another name or format: loaded once
                result.duplicate_of = first.source_file
                result.sheets = []
                if first.sheets:
                    first.sheets[0].messages.append(f"另有“{result.source_file}”与本文件数据行完全相同，未重复入库")
        if result.has_village_basics:
            flush()  # the reference changes with it: the files after it are matched against it
        pending.append(result)
        if result.has_village_basics or _pending_rows(pending) >= VALIDATE_BATCH_ROWS or len(pending) >= VALIDATE_BATCH_FILES:
            flush()
        else:
            hand_over_if_idle()

    def hand_over_if_idle() -> None:
        """GX has nothing to do: it validates the files waiting while the next files are read."""
        if _pending_rows(pending) >= IDLE_VALIDATE_MIN_ROWS and validator_idle():
            flush()

    def while_reading(ready: Callable[[], bool]) -> None:
        """While the next file is read: files waiting are handed to the GX process as soon as it is
        idle, not when the next file arrives (GX would wait for the reader meanwhile)."""
        while not ready():
            hand_over_if_idle()
            time.sleep(READ_POLL_SECONDS)

    def validator_idle() -> bool:
        """The GX process is set up and has finished the group in flight (a group's GX fixed cost is
        then paid while that process would wait anyway; while it is busy, files gather into bigger groups)."""
        return gx_ready() and all(validation.validated() for _, validation in in_flight)

    if not workers:
        with extracted(files, inbox, catalog, settings, 0, lambda: (index, version), limits=limits,
                       while_waiting=while_reading) as stream:
            for result in stream:
                take(result)
    else:
        # Statistics-looking files are read here first, and the village list they give is handed
        # to the reading processes, which start at once; the files are then validated (once Great
        # Expectations has imported) and written while the processes read the rest.
        lead = [p for p in files if looks_like_statistics(p)]
        rest = [p for p in files if not looks_like_statistics(p)]
        lead_results = [r for job in batch_jobs(lead) for r in extract_files(job, inbox, catalog, limits=limits)]
        guess = _expected_reference(con, config, lead_results)
        lead_done = False

        def reference() -> Reference:
            return (index, version) if lead_done else (guess, GUESSED)

        with extracted(rest, inbox, catalog, settings, workers, reference, spill, limits,
                       while_reading) as stream, \
                _duckdb_threads(con, 1):  # the cores are the reading processes' (see READER_ENVIRONMENT)
            for result in lead_results:
                take(result)
            flush(drain=True)
            if index.names == guess.names:  # what the processes were given is what the warehouse holds
                index, version = guess, GUESSED
            lead_done = True
            for result in stream:
                take(result)
    flush(drain=True, last=True)
    # Files written before the last village list arrived are matched against it in the warehouse.
    stale = [r for r in results if r.matched_with != version and not r.has_village_basics and not r.error]
    if stale:
        rematch_villages(con, [r.source_file for r in stale], index, {r.source_file: r for r in stale})
    order = {relative_name(p, inbox): i for i, p in enumerate(files)}
    results.sort(key=lambda r: order.get(r.source_file, len(order)))
    reports = [rep for r in results for rep in sheet_reports(r)]
    return reports + (set_aside_reports(listing) if listing is not None else [])


# Files are validated in groups (one GX batch per table per group): bounded by rows for memory.
VALIDATE_BATCH_ROWS = 200_000
VALIDATE_BATCH_FILES = 64
# ... and sooner, when the GX process is idle, once this many rows wait (a smaller group costs GX
# ~3 ms per expectation more, which an idle process pays at no cost to the run).
IDLE_VALIDATE_MIN_ROWS = 2_000
# How often, while the next file is read, this process looks whether the GX process became idle.
READ_POLL_SECONDS = 0.005


def _pending_rows(pending: list[FileResult]) -> int:
    return sum(s.rows_read for r in pending for s in r.sheets)


def _drop_frames(result: FileResult) -> None:
    """Rows are in the warehouse now; keep only the accounting (and the small quarantine) in memory."""
    for s in result.sheets:
        s.data = None


def rematch_villages(con: duckdb.DuckDBPyConnection, files: list[str], index: VillageIndex,
                     results: dict[str, FileResult] | None = None) -> None:
    """Re-match villages of rows already in the warehouse (after the reference changed)."""
    if not files:
        return
    con.register("_xuncha_files", pl.DataFrame({"f": files}).to_arrow())
    try:
        for t, table in TABLES.items():
            if not table.has_village:
                continue
            pairs = con.execute(
                f"SELECT DISTINCT town_raw, village_raw FROM {t} WHERE source_file IN (SELECT f FROM _xuncha_files) "
                "AND village_match IS DISTINCT FROM 'code'"
            ).pl()
            if pairs.height == 0:
                continue
            rows = [(tw, vg, *index.match(tw, vg, None)) for tw, vg in pairs.iter_rows()]
            m = pl.DataFrame(rows, schema=["town_raw", "village_raw", "code", "how"], orient="row")
            con.register("_xuncha_map", m.to_arrow())
            con.execute(
                f"UPDATE {t} SET village_code = m.code, village_match = m.how FROM _xuncha_map m "
                f"WHERE {t}.source_file IN (SELECT f FROM _xuncha_files) AND {t}.village_match IS DISTINCT FROM 'code' "
                f"AND {t}.town_raw IS NOT DISTINCT FROM m.town_raw AND {t}.village_raw IS NOT DISTINCT FROM m.village_raw"
            )
            con.unregister("_xuncha_map")
            record_aliases(con, [(vg, c, h) for _, vg, c, h in rows if c and vg and h != "code"])
        if results:
            _refresh_unmatched_messages(con, results, index)
    finally:
        con.unregister("_xuncha_files")
    # Quarantined rows are not in the canonical tables: re-match them from the frames kept in memory.
    for r in (results or {}).values():
        frames = []
        for s in r.sheets:
            if s.quarantine is not None and s.quarantine.height:
                if s.extract and TABLES[s.extract].has_village:
                    s.quarantine = assign(s.quarantine, index).frame
                frames.append(s.quarantine)
        if frames:
            replace_quarantine(con, r.source_file, frames)


def _refresh_unmatched_messages(con, results: dict[str, FileResult], index: VillageIndex) -> None:
    by_sheet: dict[tuple[str, str], list[str]] = {}
    for t, table in TABLES.items():
        if not table.has_village:
            continue
        for f, sheet, town, village in con.execute(
            f"SELECT DISTINCT source_file, source_sheet, town_raw, village_raw FROM {t} "
            "WHERE village_match = 'unmatched' AND source_file IN (SELECT f FROM _xuncha_files)"
        ).fetchall():
            by_sheet.setdefault((f, sheet), []).append(index.describe(town, village))
    for r in results.values():
        for s in r.sheets:
            s.messages = [m for m in s.messages if not m.startswith(UNMATCHED_PREFIX)]
            names = by_sheet.get((r.source_file, s.sheet))
            if names:
                s.messages.append(unmatched_message(sorted(set(names))))
