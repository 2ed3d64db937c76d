"""Load an inbox of department files into the warehouse and account for every row.

`extract_file` is pure (file bytes + catalogue -> frames), so files are read in a process pool,
which also matches villages; the main process validates and writes. Statistics' village list must
be known before other files' villages can be matched: statistics-looking files are loaded first,
and files matched against an older list (one that arrived under another name) are matched again,
before writing or, once written, in the warehouse at the end.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
import shutil
import tempfile
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from itertools import count
from multiprocessing import get_context
from pathlib import Path

import duckdb
import polars as pl
import pyarrow as pa
import pyarrow.ipc

from connectors.catalog import Catalog, load_catalog
from connectors.readers import SUFFIXES, ReadError, read_file
from connectors.schema import TABLES
from connectors.transform import SheetResult, transform_files
from connectors.validation import preload, unreadable_file, validate_files
from connectors.villages import VillageIndex, assign, load_index, reassign
from connectors.warehouse import FileRows, file_hash, loaded_files, record_aliases, replace_quarantine, write_files
from xuncha.config import WorkspaceConfig
from xuncha.files import atomic_write_bytes, csv_safe_text

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
    # Which village reference (a version counted by ingest_inbox) the villages were matched
    # against, and the spellings matched for the village_alias table; None: not matched yet.
    matched_with: int | None = None
    aliases: list[tuple[str, str, str]] = field(default_factory=list)

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
    return extract_files([path], inbox, catalog, today)[0]


def extract_files(paths: list[Path], inbox: Path, catalog: Catalog, today: dt.date | None = None) -> list[FileResult]:
    """extract_file for several files, their sheets transformed together (connectors.transform_files)."""
    results: list[FileResult] = []
    readable: list[tuple[FileResult, list]] = []
    for path in paths:
        data = path.read_bytes()
        result = FileResult(relative_name(path, inbox), file_hash(data))
        results.append(result)
        try:
            readable.append((result, read_file(path, data)))
        except ReadError as e:
            result.error = str(e)
    transformed = transform_files([(r.source_file, sheets) for r, sheets in readable], catalog, today)
    for (result, _), sheets in zip(readable, transformed, strict=True):
        result.sheets = sheets
        if not sheets:
            result.error = "工作簿中没有工作表"
    return results


def _assign_villages(result: FileResult, index: VillageIndex, version: int) -> None:
    """Fill the village codes of the file's rows (and quarantined rows) from `index`. A result matched
    against an earlier reference is matched again (villages.reassign)."""
    match = assign if result.matched_with is None else reassign
    seen: list[tuple[str, str, str]] = []
    for s in result.sheets:
        if s.data is None or not s.extract or not TABLES[s.extract].has_village:
            continue
        a = match(s.data, index)
        s.data = a.frame
        seen += a.seen
        unmatched = set(a.unmatched)
        if s.quarantine is not None and s.quarantine.height:
            q = match(s.quarantine, index)
            s.quarantine = q.frame
            unmatched |= set(q.unmatched)
        s.messages = [m for m in s.messages if not m.startswith(_UNMATCHED_PREFIX)]
        if unmatched:
            s.messages.append(_unmatched_message(sorted(unmatched)))
    result.matched_with = version
    result.aliases = seen


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


def _write_many(con, results: list[FileResult], index: VillageIndex, version: int, previously: set[str]) -> None:
    """Match villages (unless a reading process did, against this reference), validate the files
    together (connectors/validation.py) and write them in one transaction."""
    for r in results:
        if r.matched_with != version:
            _assign_villages(r, index, version)
    checked = validate_files([(r.source_file, r.sha256, r.sheets) for r in results if not r.error],
                             reference=index.names)
    write_files(con, [
        FileRows(r.source_file, r.sha256, r.sheets,
                 unreadable_file(r.source_file, r.sha256, r.error) if r.error else checked[r.source_file])
        for r in results
    ], previously)
    previously.update(r.source_file for r in results)
    record_aliases(con, [a for r in results for a in r.aliases])


def ingest_file(path: Path, inbox: Path, con: duckdb.DuckDBPyConnection, config: WorkspaceConfig,
                villages: VillageIndex | None = None) -> list[SheetReport]:
    """Load one file (replacing its earlier rows). villages: the reference; default what the warehouse holds."""
    catalog = load_catalog(config.connectors.header_synonyms)
    result = extract_file(path, inbox, catalog)
    previously = loaded_files(con)
    if result.has_village_basics:
        # Statistics first: write its codes, then match the file's other sheets against them.
        basics = FileResult(result.source_file, result.sha256, [s for s in result.sheets if s.extract == "village_basics"])
        _write_many(con, [basics], villages or VillageIndex(), 0, previously)
        villages = _index_for(con, config) if villages is None else villages
    _write_many(con, [result], villages if villages is not None else _index_for(con, config), 1, previously)
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


def _looks_like_statistics(path: Path) -> bool:
    """Only an ordering hint (statistics' village list first, so villages need no re-matching);
    recognition itself never uses names."""
    return any(w in path.name for w in ("统计", "基本情况", "区划"))


def inbox_files(inbox: Path) -> list[Path]:
    """Data files under the inbox: statistics-looking ones first (small first), then the rest,
    largest first, so that reading processes finish together rather than wait on one big file."""
    ignored = _ignored_patterns(inbox)
    files = [p for p in inbox.rglob("*") if p.is_file() and p.suffix.lower() in SUFFIXES
             and not p.name.startswith(_IGNORED_PREFIXES)
             and not any(p.relative_to(inbox).match(pat) for pat in ignored)]
    sizes = {p: p.stat().st_size for p in files}
    return sorted(files, key=lambda p: (not _looks_like_statistics(p),
                                        sizes[p] if _looks_like_statistics(p) else -sizes[p], p.as_posix()))


Reference = tuple[VillageIndex, int]  # the village reference and its version


def _extract_job(args: tuple[list[Path], Path, dict, Reference, tuple[Path, int] | None]) -> list[FileResult]:
    """In a reading process: read, transform, and match villages against the reference given;
    frames of at least so many rows are handed over in files of `spill` = (folder, rows)."""
    paths, inbox, synonyms, (index, version), spill = args
    results = extract_files(paths, inbox, load_catalog(synonyms))
    for result in results:
        _assign_villages(result, index, version)
        if spill is not None:
            _spill(result, *spill)
    return results


# Rows of a sheet from which a reading process hands its frame over as an Arrow file (in the
# warehouse's folder) instead of through the pipe: pickling is ~1 s a 770,000-row file each way,
# writing the file 0.15 s and mapping it 0.1 s.
SPILL_MIN_ROWS = 20_000


@dataclass(frozen=True)
class _Spilled:
    path: Path


def _spill(result: FileResult, directory: Path, min_rows: int) -> None:
    for s in result.sheets:
        if s.data is not None and s.data.height >= min_rows:
            path = directory / f"{uuid.uuid4().hex}.arrow"
            s.data.write_ipc(path, compression="uncompressed", compat_level=pl.CompatLevel.oldest())
            s.data = _Spilled(path)


def _unspill(result: FileResult) -> FileResult:
    for s in result.sheets:
        if isinstance(s.data, _Spilled):
            with pa.memory_map(str(s.data.path)) as source:
                table = pa.ipc.open_file(source).read_all()
            os.unlink(s.data.path)  # the mapping stays valid; nothing is left behind if this process dies
            s.data = pl.from_arrow(table)
    return result


def _spill_parent(con: duckdb.DuckDBPyConnection) -> Path | None:
    """The warehouse's folder (the data stays where the warehouse keeps it); None in memory."""
    row = con.execute("SELECT path FROM duckdb_databases() WHERE database_name = current_database()").fetchone()
    return Path(row[0]).resolve().parent if row and row[0] else None


_SPILL_PREFIX = ".ingest-"


def _spill_dir(parent: Path | None) -> Path | None:
    """A folder for this run's hand-over files; those of runs that were killed are removed."""
    if parent is None:
        return None
    for old in parent.glob(_SPILL_PREFIX + "*"):
        pid = old.name[len(_SPILL_PREFIX):].split("-", 1)[0]
        if pid.isdigit() and not _alive(int(pid)):
            shutil.rmtree(old, ignore_errors=True)
    return Path(tempfile.mkdtemp(prefix=f"{_SPILL_PREFIX}{os.getpid()}-", dir=parent))


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


# Files read ahead of the one being validated and written: enough that the reader is never idle
# while a group of files is validated (seconds), bounded by input size for memory.
READ_AHEAD_BYTES = 48 * 1024 * 1024
READ_AHEAD_FILES = 32
# Small files are read and transformed in batches: polars' fixed cost per operation (~0.2 ms,
# a hundred operations a file) is then paid once for a hundred towns' ledger exports.
SMALL_FILE_BYTES = 2 * 1024 * 1024
BATCH_BYTES = 24 * 1024 * 1024
BATCH_FILES = 64


def _jobs(files: list[Path]) -> list[list[Path]]:
    """Files in order, consecutive small ones together."""
    jobs: list[list[Path]] = []
    size = 0
    batching = False  # whether the last job is a batch of small files
    for p in files:
        n = p.stat().st_size
        small = n < SMALL_FILE_BYTES
        if batching and small and size + n <= BATCH_BYTES and len(jobs[-1]) < BATCH_FILES:
            jobs[-1].append(p)
            size += n
        else:
            jobs.append([p])
            size, batching = n, small
    return jobs


def _window(pool, submit, jobs: list[list[Path]], minimum: int, max_bytes: int = READ_AHEAD_BYTES,
            ordered: bool = True) -> Iterator[FileResult]:
    """Results in job order (or, unless `ordered`, as jobs are done), keeping jobs submitted ahead
    within max_bytes of files (at least `minimum` jobs). The first jobs are submitted at once,
    before the caller asks for a result."""
    pending: list[tuple[Future, int]] = []
    ahead = 0
    it = iter(jobs)
    nxt = next(it, None)

    def fill() -> None:
        nonlocal ahead, nxt
        while nxt is not None and (len(pending) < minimum or (ahead < max_bytes and len(pending) < READ_AHEAD_FILES)):
            size = sum(p.stat().st_size for p in nxt)
            pending.append((submit(pool, nxt), size))
            ahead += size
            nxt = next(it, None)

    def results() -> Iterator[FileResult]:
        nonlocal ahead
        while pending:
            if ordered:
                i = 0
            else:
                wait([f for f, _ in pending], return_when=FIRST_COMPLETED)
                i = next(k for k, (f, _) in enumerate(pending) if f.done())
            fut, size = pending.pop(i)
            ahead -= size
            fill()  # before waiting: the jobs after this one are read while the caller works on it
            yield from fut.result()

    fill()
    return results()


@contextmanager
def _extracted(files: list[Path], inbox: Path, catalog: Catalog, synonyms: dict, workers: int,
               reference: Callable[[], Reference], spill_parent: Path | None = None) -> Iterator[Iterator[FileResult]]:
    """Extracted files, reading from the moment this is entered: here (villages are matched
    later), or in `workers` processes, which match villages against the reference current when
    a file is handed to them."""
    jobs = _jobs(files)
    if workers < 1 or len(jobs) < 4:
        if len(jobs) < 2:
            yield (r for job in jobs for r in extract_files(job, inbox, catalog))
            return
        # One job read ahead in a thread: the readers (Rust), polars and DuckDB release the GIL for
        # some of their work, so reading the next file overlaps validating and writing this one.
        # One only: reading further ahead measured no faster here (the GIL), and costs memory.
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="xuncha-read") as pool:
            yield _window(pool, lambda pool, job: pool.submit(extract_files, job, inbox, catalog), jobs, 1, 0)
        return
    spill = _spill_dir(spill_parent)
    try:
        # spawn, not fork: polars and duckdb hold threads that fork would copy mid-lock.
        with ProcessPoolExecutor(max_workers=workers, mp_context=get_context("spawn")) as pool:
            hand_over = (spill, SPILL_MIN_ROWS) if spill is not None else None
            with _environment(READER_ENVIRONMENT):  # the processes start with the first jobs, submitted here
                stream = _window(pool, lambda pool, job: pool.submit(_extract_job, (job, inbox, synonyms, reference(),
                                                                                     hand_over)),
                                 jobs, 2 * workers, ordered=False)
            yield (_unspill(r) for r in stream)
    finally:
        if spill is not None:
            shutil.rmtree(spill, ignore_errors=True)


# The reading processes and this one share the cores: one polars thread each. Idle threads of
# a pool spin before they sleep, and with more threads than cores that spinning measured ~10 s
# of CPU on the 1300-village city.
READER_ENVIRONMENT = {"POLARS_MAX_THREADS": "1"}


@contextmanager
def _environment(values: dict[str, str]) -> Iterator[None]:
    saved = {k: os.environ.get(k) for k in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


# Below this much input, starting reading processes (spawned: ~2 s each) costs more than it saves.
POOL_MIN_BYTES = 32 * 1024 * 1024


def default_workers(files: list[Path], cores: int | None = None) -> int:
    """Reading processes for these files: none for a small inbox or a single core; else two on
    2-3 cores, one per core but one from 4 cores, at most 4."""
    cores = cores or os.cpu_count() or 1
    if cores < 2 or sum(p.stat().st_size for p in files) < POOL_MIN_BYTES:
        return 0
    return 2 if cores <= 3 else min(4, cores - 1)


@contextmanager
def _duckdb_threads(con: duckdb.DuckDBPyConnection, threads: int) -> Iterator[None]:
    before = con.execute("SELECT current_setting('threads')").fetchone()[0]
    con.execute(f"SET threads = {int(threads)}")
    try:
        yield
    finally:
        con.execute(f"SET threads = {int(before)}")


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
            "SELECT town_raw, village_raw, village_code FROM village_basics WHERE village_code IS NOT NULL "
            "AND source_file NOT IN (SELECT f FROM _xuncha_lead)").pl()
    finally:
        con.unregister("_xuncha_lead")
    new = [s.data.select("town_raw", "village_raw", "village_code") for r in results for s in r.sheets
           if s.extract == "village_basics" and s.data is not None and s.data.height]
    ref = pl.concat([held.cast(pl.String), *(f.cast(pl.String) for f in new)])
    ref = ref.filter(pl.col("village_code").is_not_null()).unique("village_code", keep="first", maintain_order=True)
    return VillageIndex.build(ref.sort("village_code"), c.village_aliases, c.village_match_threshold)


def ingest_inbox(inbox: Path, con: duckdb.DuckDBPyConnection, config: WorkspaceConfig,
                 on_file: Callable[[Path, int, int], None] | None = None,
                 workers: int | None = None, files: list[Path] | None = None) -> list[SheetReport]:
    """Load every data file under `inbox` (or only `files`); one report row per sheet (or per
    unreadable file), in the order of `files`.

    workers: processes that read and transform files while this one validates and writes (0: do
    everything here; default: default_workers). Statistics-looking files are loaded first, here,
    so that the reading processes match villages against their village list.
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
    index, version = _index_for(con, config), 0
    versions = count(1)  # each village reference read from the warehouse gets a new one
    path_of = {relative_name(p, inbox): p for p in files}
    results: list[FileResult] = []
    pending: list[FileResult] = []  # extracted, waiting to be validated together and written

    def flush() -> None:
        nonlocal index, version
        if not pending:
            return
        _write_many(con, pending, index, version, previously)
        for result in pending:
            if result.has_village_basics:
                index, version = _index_for(con, config), next(versions)
            results.append(result)
            _drop_frames(result)
            if on_file:
                on_file(path_of.get(result.source_file, inbox / result.source_file), len(results), len(files))
        pending.clear()

    def take(result: FileResult) -> None:
        if result.has_village_basics:
            flush()  # the reference changes with it: the files after it are matched against it
        pending.append(result)
        if result.has_village_basics or _pending_rows(pending) >= VALIDATE_BATCH_ROWS or len(pending) >= VALIDATE_BATCH_FILES:
            flush()

    if not workers:
        with _extracted(files, inbox, catalog, synonyms, 0, lambda: (index, version)) as stream:
            for result in stream:
                take(result)
    else:
        # Statistics-looking files are read here first, and the village list they give is handed
        # to the reading processes, which start at once; the files are then validated (once Great
        # Expectations has imported) and written while the processes read the rest.
        lead = [p for p in files if _looks_like_statistics(p)]
        rest = [p for p in files if not _looks_like_statistics(p)]
        lead_results = [r for job in _jobs(lead) for r in extract_files(job, inbox, catalog)]
        guess = _expected_reference(con, config, lead_results)
        lead_done = False

        def reference() -> Reference:
            return (index, version) if lead_done else (guess, GUESSED)

        with _extracted(rest, inbox, catalog, synonyms, workers, reference, _spill_parent(con)) as stream, \
                _duckdb_threads(con, 1):  # the cores are the reading processes' (see READER_ENVIRONMENT)
            for result in lead_results:
                take(result)
            flush()
            if index.names == guess.names:  # what the processes were given is what the warehouse holds
                index, version = guess, GUESSED
            lead_done = True
            for result in stream:
                take(result)
    flush()
    # Files written before the last village list arrived are matched against it in the warehouse.
    stale = [r for r in results if r.matched_with != version and not r.has_village_basics and not r.error]
    if stale:
        rematch_villages(con, [r.source_file for r in stale], index, {r.source_file: r for r in stale})
    order = {relative_name(p, inbox): i for i, p in enumerate(files)}
    results.sort(key=lambda r: order.get(r.source_file, len(order)))
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
        w.writerow([csv_safe_text(r.file), csv_safe_text(r.sheet), r.extract or "", r.rows_read, r.rows_loaded,
                    r.rows_quarantined, csv_safe_text(r.message), r.rows_skipped])
    atomic_write_bytes(path, buf.getvalue().encode("utf-8-sig"))
