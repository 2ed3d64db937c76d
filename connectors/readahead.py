"""Read files ahead of the one being validated and written: in a thread, or in reading processes.

Small files are batched into jobs (`batch_jobs`); `read_window` keeps jobs submitted ahead within a
byte budget; `extracted` runs them here, in one reader thread, or in a pool of spawned processes
that also match villages and hand big frames over as Arrow files (spill files) in the warehouse's
folder, removed when read (and, for a killed run, by the next run).
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, BrokenExecutor, Future, ProcessPoolExecutor, ThreadPoolExecutor, wait
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial
from multiprocessing import get_context
from pathlib import Path

import duckdb

from connectors import handover
from connectors.catalog import Catalog, load_catalog
from connectors.extract import FileResult, assign_villages, extract_files
from connectors.handover import read_frame, write_frame
from connectors.villages import VillageIndex
from xuncha import faults
from xuncha.config import ReadingLimits
from xuncha.timeline import mark

# Files read ahead of the one being validated and written: enough that the reader is never idle
# while a group of files is validated (seconds), bounded by input size for memory.
READ_AHEAD_BYTES = 48 * 1024 * 1024
READ_AHEAD_FILES = 32

# Small files are read and transformed in batches: polars' fixed cost per operation (~0.2 ms,
# a hundred operations a file) is then paid once for a hundred towns' ledger exports.
SMALL_FILE_BYTES = 2 * 1024 * 1024
# ... of at most this many bytes. The batches come last (files go biggest first), so the last one
# decides when reading ends: with 24 MB (a 43-file batch of ledgers, ~4 s) one reading process sat
# idle for ~2 s at the end of a city's ingest. Measured (alternated, 2 runs each): 1,300 villages
# 24.7-25.5 -> 23.0-23.9 s, 300 villages 8.5-8.6 -> 7.7-7.8 s, CPU no higher; 4 and 12 MB no better.
BATCH_BYTES = 8 * 1024 * 1024
BATCH_FILES = 64
THREAD_BATCH_FILES = 8  # when read in a thread of the main process (see extracted)

# What the reader's caller does while the next result is read: called with `ready`, returns once ready().
Waiting = Callable[[Callable[[], bool]], None]


def batch_jobs(files: list[Path], max_files: int = BATCH_FILES) -> list[list[Path]]:
    """Files in order, consecutive small ones together (at most max_files a job)."""
    jobs: list[list[Path]] = []
    size = 0
    batching = False  # whether the last job is a batch of small files
    for p in files:
        n = p.stat().st_size
        small = n < SMALL_FILE_BYTES
        if batching and small and size + n <= BATCH_BYTES and len(jobs[-1]) < max_files:
            jobs[-1].append(p)
            size += n
        else:
            jobs.append([p])
            size, batching = n, small
    return jobs


def read_window(pool, submit, jobs: list[list[Path]], minimum: int, max_bytes: int = READ_AHEAD_BYTES,
                ordered: bool = True, recover: Callable[[list[Path]], list[FileResult]] | None = None,
                while_waiting: Waiting | None = None) -> Iterator[FileResult]:
    """Results in job order (or, unless `ordered`, as jobs are done), keeping jobs submitted ahead
    within max_bytes of files (at least `minimum` jobs). The first jobs are submitted at once,
    before the caller asks for a result. When the pool breaks (a reading process died), each job
    it did not finish is given to `recover` (without it, the run stops). When the next result is not
    ready yet, `while_waiting(ready)` is called (it returns once `ready()`): the caller's own work
    meanwhile."""
    pending: list[tuple[Future, int, list[Path]]] = []
    ahead = 0
    it = iter(jobs)
    nxt = next(it, None)

    def fill() -> None:
        nonlocal ahead, nxt
        while nxt is not None and (len(pending) < minimum or (ahead < max_bytes and len(pending) < READ_AHEAD_FILES)):
            size = sum(p.stat().st_size for p in nxt)
            try:
                fut = submit(pool, nxt)
            except BrokenExecutor as e:  # the pool already lost a process: this job is recovered too
                if recover is None:
                    raise
                fut = Future()
                fut.set_exception(e)
            pending.append((fut, size, nxt))
            ahead += size
            nxt = next(it, None)

    def results() -> Iterator[FileResult]:
        nonlocal ahead
        while pending:
            if while_waiting is not None:
                ready = pending[0][0].done if ordered else lambda: any(f.done() for f, _, _ in pending)
                if not ready():
                    while_waiting(ready)
            if ordered:
                i = 0
            else:
                wait([f for f, _, _ in pending], return_when=FIRST_COMPLETED)
                i = next(k for k, (f, _, _) in enumerate(pending) if f.done())
            fut, size, job = pending.pop(i)
            ahead -= size
            fill()  # before waiting: the jobs after this one are read while the caller works on it
            try:
                got = fut.result()
            except BrokenExecutor:
                if recover is None:
                    raise
                got = recover(job)
            yield from got

    fill()
    return results()


Reference = tuple[VillageIndex, int]  # the village reference and its version


@contextmanager
def extracted(files: list[Path], inbox: Path, catalog: Catalog, settings: dict, workers: int,
              reference: Callable[[], Reference], spill: Path | None = None,
              limits: ReadingLimits | None = None, while_waiting: Waiting | None = None
              ) -> Iterator[Iterator[FileResult]]:
    """Extracted files, reading from the moment this is entered: here (villages are matched
    later), or in `workers` processes, which match villages against the reference current when
    a file is handed to them. `spill`: the folder for frames handed over as files (the caller's,
    spill_dir; None: all through the pipe). `while_waiting`: see read_window."""
    jobs = batch_jobs(files)
    if workers < 1 or len(jobs) < 4:
        # Here, in smaller jobs than a reading process gets: the GX process validates the first
        # files while the rest are read (the sample county's 34 files: 5 jobs, not 1).
        jobs = batch_jobs(files, THREAD_BATCH_FILES)
        if len(jobs) < 2:
            yield (r for job in jobs for r in extract_files(job, inbox, catalog, limits=limits))
            return
        # One job read ahead in a thread: the readers (Rust), polars and DuckDB release the GIL for
        # some of their work, so reading the next file overlaps validating and writing this one.
        # One only: reading further ahead measured no faster here (the GIL), and costs memory.
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="xuncha-read") as threads:
            yield read_window(threads, lambda pool, job: pool.submit(extract_files, job, inbox, catalog, None, limits),
                              jobs, 1, 0, while_waiting=while_waiting)
        return
    # spawn, not fork: polars and duckdb hold threads that fork would copy mid-lock.
    with ProcessPoolExecutor(max_workers=workers, mp_context=get_context("spawn")) as pool:
        hand_over = (spill, handover.HANDOVER_MIN_ROWS) if spill is not None else None
        fault = faults.reading_crash()

        def args(job: list[Path]) -> _JobArgs:
            return job, inbox, settings, reference(), hand_over, limits, fault

        def recover(job: list[Path]) -> list[FileResult]:
            return _extract_isolated(args(job), limits)

        with _environment(READER_ENVIRONMENT):  # the processes start with the first jobs, submitted here
            stream = read_window(pool, lambda pool, job: pool.submit(_extract_job, args(job)),
                                 jobs, 2 * workers, ordered=False, recover=recover, while_waiting=while_waiting)
        yield (_unspill(r) for r in stream)


_JobArgs = tuple[list[Path], Path, dict, Reference, tuple[Path, int] | None, ReadingLimits | None, str | None]


def _extract_job(args: _JobArgs) -> list[FileResult]:
    """In a reading process: read, transform, and match villages against the reference given
    (`settings`: load_catalog's keyword arguments, catalog.catalog_settings);
    frames of at least so many rows are handed over in files of `spill` = (folder, rows)."""
    paths, inbox, settings, (index, version), spill, limits, fault = args
    faults.crash_reading(fault, [p.name for p in paths])
    mark(f"reading {len(paths)} files from {paths[0].name}")
    results = extract_files(paths, inbox, load_catalog(**settings), limits=limits)
    for result in results:
        assign_villages(result, index, version)
        if spill is not None:
            _spill(result, *spill)
    mark(f"read {len(paths)} files from {paths[0].name}")
    return results


def _extract_isolated(args: _JobArgs, limits: ReadingLimits | None) -> list[FileResult]:
    """A job of a pool that broke (a reading process died: a native reader aborting), file by file,
    each in a process of its own (connectors.readers.read_isolated): the file that kills its reader
    is reported unreadable, in Chinese, and the others are read as usual."""
    from connectors.inbox import relative_name
    from connectors.readers import ReadError, read_isolated
    from connectors.warehouse import file_hash

    paths, inbox = args[0], args[1]
    timeout = (limits or ReadingLimits.model_validate({})).isolated_read_seconds
    out: list[FileResult] = []
    for path in paths:
        one: _JobArgs = ([path], *args[1:])  # type: ignore[assignment]
        try:
            out += read_isolated(partial(_extract_one, one), b"", timeout)  # type: ignore[arg-type]
        except ReadError as e:
            out.append(FileResult(relative_name(path, inbox), file_hash(path.read_bytes()), error=str(e)))
    return out


def _extract_one(args: _JobArgs, _data: bytes) -> list[FileResult]:
    """_extract_job as connectors.readers.read_isolated calls a reader."""
    return _extract_job(args)


@dataclass(frozen=True)
class _Spilled:
    path: Path


def _spill(result: FileResult, directory: Path, min_rows: int) -> None:
    """Sheets of at least min_rows rows (handover.HANDOVER_MIN_ROWS) handed over as files (connectors.handover)."""
    for s in result.sheets:
        if s.data is not None and s.data.height >= min_rows:
            s.data = _Spilled(write_frame(directory, s.data))  # type: ignore[assignment]  # read back by _unspill


def _unspill(result: FileResult) -> FileResult:
    for s in result.sheets:
        if isinstance(s.data, _Spilled):
            s.data = read_frame(s.data.path)
    return result


def spill_parent(con: duckdb.DuckDBPyConnection) -> Path | None:
    """The warehouse's folder (the data stays where the warehouse keeps it); None in memory."""
    row = con.execute("SELECT path FROM duckdb_databases() WHERE database_name = current_database()").fetchone()
    return Path(row[0]).resolve().parent if row and row[0] else None


_SPILL_PREFIX = ".ingest-"


def spill_dir(parent: Path | None) -> Path | None:
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
