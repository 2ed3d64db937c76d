"""Load an inbox of department files into the warehouse and account for every row.

`extract_file` is pure (file bytes + catalogue -> frames), so files are read in a process pool;
the main process maps villages and writes. Statistics' village list must be known before other
files' villages can be matched: files whose rows were written before a village_basics file
arrived are re-matched in the warehouse at the end.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from dataclasses import dataclass, field
from multiprocessing import get_context
from pathlib import Path

import duckdb
import polars as pl

from connectors.catalog import Catalog, load_catalog
from connectors.readers import SUFFIXES, ReadError, read_file
from connectors.schema import TABLES
from connectors.transform import SheetResult, transform_sheets
from connectors.validation import preload, unreadable_file, validate_files
from connectors.villages import VillageIndex, assign, load_index
from connectors.warehouse import file_hash, loaded_files, record_aliases, replace_quarantine, write_file
from xuncha.config import WorkspaceConfig
from xuncha.files import atomic_write_bytes

# The first seven are the published contract (tests/test_end_to_end.py); rows_skipped is appended.
REPORT_COLUMNS = ["file", "sheet", "extract", "rows_read", "rows_loaded", "rows_quarantined", "message", "rows_skipped"]
# Files Office leaves behind while a workbook is open: not data.
_IGNORED_PREFIXES = ("~$", ".~", ".")


@dataclass
class SheetReport:  # one row of ingest_report.csv
    file: str
    sheet: str
    extract: str | None
    rows_read: int
    rows_loaded: int
    rows_quarantined: int
    rows_skipped: int
    message: str  # Chinese


@dataclass
class FileResult:
    source_file: str  # relative to the inbox, posix
    sha256: str
    sheets: list[SheetResult] = field(default_factory=list)
    error: str | None = None  # the file could not be read at all

    @property
    def has_village_basics(self) -> bool:
        return any(s.extract == "village_basics" and s.rows_loaded for s in self.sheets)


def relative_name(path: Path, inbox: Path) -> str:
    try:
        return path.resolve().relative_to(inbox.resolve()).as_posix()
    except ValueError:
        return path.name


def extract_file(path: Path, inbox: Path, catalog: Catalog, today: dt.date | None = None) -> FileResult:
    """Read and transform every sheet of one file. Pure: touches neither the warehouse nor villages."""
    rel = relative_name(path, inbox)
    data = path.read_bytes()
    result = FileResult(rel, file_hash(data))
    try:
        sheets = read_file(path, data)
    except ReadError as e:
        result.error = str(e)
        return result
    result.sheets = transform_sheets(sheets, catalog, rel, today)
    if not result.sheets:
        result.error = "工作簿中没有工作表"
    return result


def _assign_villages(result: FileResult, index: VillageIndex) -> list[tuple[str, str, str]]:
    seen: list[tuple[str, str, str]] = []
    for s in result.sheets:
        if s.data is None or not s.extract or not TABLES[s.extract].has_village:
            continue
        a = assign(s.data, index)
        s.data = a.frame
        seen += a.seen
        unmatched = set(a.unmatched)
        if s.quarantine is not None and s.quarantine.height:
            q = assign(s.quarantine, index)
            s.quarantine = q.frame
            unmatched |= set(q.unmatched)
        s.messages = [m for m in s.messages if not m.startswith(_UNMATCHED_PREFIX)]
        if unmatched:
            s.messages.append(_unmatched_message(sorted(unmatched)))
    return seen


_UNMATCHED_PREFIX = "以下村名未能匹配"


def _unmatched_message(names: list[str]) -> str:
    shown = "、".join(names[:20]) + (f"等{len(names)}个" if len(names) > 20 else "")
    return f"{_UNMATCHED_PREFIX}到统计用区划代码（村代码已留空，请在配置 connectors.village_aliases 中补充）：{shown}"


def _reports(result: FileResult) -> list[SheetReport]:
    if result.error:
        return [SheetReport(result.source_file, "", None, 0, 0, 0, 0, result.error)]
    return [
        SheetReport(result.source_file, s.sheet, s.extract, s.rows_read, s.rows_loaded, s.rows_quarantined,
                    s.rows_skipped, s.message)
        for s in result.sheets
    ]


def _index_for(con: duckdb.DuckDBPyConnection, config: WorkspaceConfig) -> VillageIndex:
    c = config.connectors
    return load_index(con, c.village_aliases, c.village_match_threshold)


def _write(con, result: FileResult, index: VillageIndex, previously: set[str]) -> None:
    _write_many(con, [result], index, previously)


def _write_many(con, results: list[FileResult], index: VillageIndex, previously: set[str]) -> None:
    """Match villages, validate the files together (connectors/validation.py), write each atomically."""
    seen = [_assign_villages(r, index) for r in results]
    checked = validate_files([(r.source_file, r.sha256, r.sheets) for r in results if not r.error],
                             reference=index.names)
    for result, aliases in zip(results, seen, strict=True):
        validation = (unreadable_file(result.source_file, result.sha256, result.error) if result.error
                      else checked[result.source_file])
        write_file(con, result.source_file, result.sha256, result.sheets,
                   previously_loaded=result.source_file in previously, validation=validation)
        previously.add(result.source_file)
        record_aliases(con, aliases)


def ingest_file(path: Path, inbox: Path, con: duckdb.DuckDBPyConnection, config: WorkspaceConfig,
                villages: VillageIndex | None = None) -> list[SheetReport]:
    """Load one file (replacing its earlier rows). villages: the reference; default what the warehouse holds."""
    catalog = load_catalog(config.connectors.header_synonyms)
    result = extract_file(path, inbox, catalog)
    previously = loaded_files(con)
    if result.has_village_basics:
        # Statistics first: write its codes, then match the file's other sheets against them.
        basics = FileResult(result.source_file, result.sha256, [s for s in result.sheets if s.extract == "village_basics"])
        _write(con, basics, villages or VillageIndex(), previously)
        villages = _index_for(con, config) if villages is None else villages
    _write(con, result, villages if villages is not None else _index_for(con, config), previously)
    return _reports(result)


IGNORE_FILE = ".xunchaignore"


def _ignored_patterns(inbox: Path) -> list[str]:
    """Glob patterns (one per line, relative to the inbox) of files that are not department data,
    e.g. the answer keys beside a generated sample, or an analyst's own notes."""
    path = inbox / IGNORE_FILE
    if not path.exists():
        return []
    lines = path.read_text(encoding="utf-8").splitlines()
    return [ln.strip() for ln in lines if ln.strip() and not ln.lstrip().startswith("#")]


def inbox_files(inbox: Path) -> list[Path]:
    """Data files under the inbox; statistics-looking and small files first (see module docstring)."""
    ignored = _ignored_patterns(inbox)
    files = [p for p in inbox.rglob("*") if p.is_file() and p.suffix.lower() in SUFFIXES
             and not p.name.startswith(_IGNORED_PREFIXES)
             and not any(p.relative_to(inbox).match(pat) for pat in ignored)]
    # Only an ordering hint to avoid re-matching villages; recognition itself never uses names.
    return sorted(files, key=lambda p: (not any(w in p.name for w in ("统计", "基本情况", "区划")),
                                        p.stat().st_size, p.as_posix()))


def _extract_job(args: tuple[Path, Path, dict]) -> FileResult:
    path, inbox, synonyms = args
    return extract_file(path, inbox, load_catalog(synonyms))


# Files read ahead of the one being validated and written: enough that the reader is never idle
# while a group of files is validated (seconds), bounded by input size for memory.
READ_AHEAD_BYTES = 48 * 1024 * 1024
READ_AHEAD_FILES = 32


def _window(pool, submit, files: list[Path], minimum: int, max_bytes: int = READ_AHEAD_BYTES) -> Iterator[FileResult]:
    """Results in file order, keeping files submitted ahead within max_bytes (at least `minimum`)."""
    pending: list[tuple[object, int]] = []
    ahead = 0
    it = iter(files)
    nxt = next(it, None)

    def fill() -> None:
        nonlocal ahead, nxt
        while nxt is not None and (len(pending) < minimum or (ahead < max_bytes and len(pending) < READ_AHEAD_FILES)):
            size = nxt.stat().st_size
            pending.append((submit(pool, nxt), size))
            ahead += size
            nxt = next(it, None)

    fill()
    while pending:
        fut, size = pending.pop(0)
        ahead -= size
        fill()  # before waiting: the files after this one are read while the caller works on it
        yield fut.result()


def _results(files: list[Path], inbox: Path, catalog: Catalog, synonyms: dict, workers: int) -> Iterator[FileResult]:
    if workers < 1 or len(files) < 4:
        if len(files) < 2:
            for p in files:
                yield extract_file(p, inbox, catalog)
            return
        # One file read ahead in a thread: the readers (Rust), polars and DuckDB release the GIL for
        # some of their work, so reading the next file overlaps validating and writing this one.
        # One only: reading further ahead measured no faster here (the GIL), and costs memory.
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="xuncha-read") as pool:
            yield from _window(pool, lambda pool, p: pool.submit(extract_file, p, inbox, catalog), files, 1, 0)
        return
    # spawn, not fork: polars and duckdb hold threads that fork would copy mid-lock.
    with ProcessPoolExecutor(max_workers=workers, mp_context=get_context("spawn")) as pool:
        yield from _window(pool, lambda pool, p: pool.submit(_extract_job, (p, inbox, synonyms)), files, 2 * workers)


# Below this much input, starting reading processes (spawned: ~2 s each) costs more than it saves.
POOL_MIN_BYTES = 32 * 1024 * 1024


def default_workers(files: list[Path], cores: int | None = None) -> int:
    """Reading processes for these files: none for a small inbox or a single core; else two on
    2-3 cores, one per core but one from 4 cores, at most 4. Measured on the 1300-village city
    with 2 cores (benchmarks/bench_ingest.py): 0 workers 34 s, 1 worker 32 s, 2 workers 27-31 s;
    peak memory of all processes together 3.5 GB with 2 workers (each reader holds the files it
    is reading, up to ~2.3 GB for the largest; the pool reads at most 48 MB ahead)."""
    cores = cores or os.cpu_count() or 1
    if cores < 2 or sum(p.stat().st_size for p in files) < POOL_MIN_BYTES:
        return 0
    return 2 if cores <= 3 else min(4, cores - 1)


def ingest_inbox(inbox: Path, con: duckdb.DuckDBPyConnection, config: WorkspaceConfig,
                 on_file: Callable[[Path, int, int], None] | None = None,
                 workers: int | None = None, files: list[Path] | None = None) -> list[SheetReport]:
    """Load every data file under `inbox` (or only `files`); one report row per sheet (or per unreadable file).

    workers: processes that read and transform files while this one validates and writes (0: do
    everything here; default: default_workers).
    """
    synonyms = config.connectors.header_synonyms
    catalog = load_catalog(synonyms)  # fail fast on bad configuration, before any work
    files = inbox_files(inbox) if files is None else files
    if workers is None:
        workers = default_workers(files)
    workers = min(workers, len(files))
    if files:
        preload()  # Great Expectations imports in the background while the first files are read
    previously = loaded_files(con)
    index = _index_for(con, config)
    results: list[FileResult] = []
    stale: list[FileResult] = []  # written before a village_basics file changed the reference
    pending: list[FileResult] = []  # extracted, waiting to be validated together and written

    def flush() -> None:
        nonlocal index, stale
        if not pending:
            return
        _write_many(con, pending, index, previously)
        for result in pending:
            if result.has_village_basics:
                index = _index_for(con, config)
                stale = [r for r in results if not r.has_village_basics]
            results.append(result)
            _drop_frames(result)
            if on_file:
                on_file(files[len(results) - 1], len(results), len(files))
        pending.clear()

    for result in _results(files, inbox, catalog, synonyms, workers):
        if result.has_village_basics:
            flush()  # the reference changes with it: the files after it are matched against it
        pending.append(result)
        if result.has_village_basics or _pending_rows(pending) >= VALIDATE_BATCH_ROWS or len(pending) >= VALIDATE_BATCH_FILES:
            flush()
    flush()
    if stale:
        rematch_villages(con, [r.source_file for r in stale], index, {r.source_file: r for r in stale})
    return [rep for r in results for rep in _reports(r)]


# Files are validated in groups (one GX batch per table per group): bounded by rows for memory.
VALIDATE_BATCH_ROWS = 200_000
VALIDATE_BATCH_FILES = 64


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
            _refresh_unmatched_messages(con, results)
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


def _refresh_unmatched_messages(con, results: dict[str, FileResult]) -> None:
    by_sheet: dict[tuple[str, str], list[str]] = {}
    for t, table in TABLES.items():
        if not table.has_village:
            continue
        for f, sheet, town, village in con.execute(
            f"SELECT DISTINCT source_file, source_sheet, town_raw, village_raw FROM {t} "
            "WHERE village_match = 'unmatched' AND source_file IN (SELECT f FROM _xuncha_files)"
        ).fetchall():
            by_sheet.setdefault((f, sheet), []).append(f"{town or ''}{village}" if town and not village.startswith(town) else village)
    for r in results.values():
        for s in r.sheets:
            s.messages = [m for m in s.messages if not m.startswith(_UNMATCHED_PREFIX)]
            names = by_sheet.get((r.source_file, s.sheet))
            if names:
                s.messages.append(_unmatched_message(sorted(set(names))))


def write_ingest_report(reports: list[SheetReport], path: Path) -> None:
    """ingest_report.csv, UTF-8 with BOM so Excel and WPS show the Chinese correctly; written atomically."""
    buf = io.StringIO(newline="")
    w = csv.writer(buf)
    w.writerow(REPORT_COLUMNS)
    for r in reports:
        w.writerow([r.file, r.sheet, r.extract or "", r.rows_read, r.rows_loaded, r.rows_quarantined,
                    r.message, r.rows_skipped])
    atomic_write_bytes(path, buf.getvalue().encode("utf-8-sig"))
