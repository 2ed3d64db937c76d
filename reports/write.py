"""Write a whole report set into WORKSPACE/reports/<run_stamp>/, atomically.

Everything is written into a hidden temporary folder beside the target and renamed into place at
the end, so a crash never leaves half a report set under the run's name. Village workbooks are
written by a pool of processes from POOL_MIN_VILLAGES villages on (they are independent, and openpyxl
is CPU-bound); below that, most of them by the Great Expectations process, idle by then, and the rest here.

Runs are incremental: a village whose workbook would be built from exactly what built it in the
previous report set (reports.manifest) gets that file, hard-linked, instead of a new one. The
office workbook and the overview page are always written anew, the office workbook by a thread
while the villages are fingerprinted, linked or sent to the pool.
"""

from __future__ import annotations

import concurrent.futures
import hashlib
import multiprocessing
import os
import shutil
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor, ThreadPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field, replace
from pathlib import Path

import duckdb

from connectors import children
from reports import evidence as evidence_mod
from reports import inputs, manifest, naming, office_workbook, overview, protect, signing, village_workbook
from reports.context import County, Village, county_of, village_files, village_places, villages_of, with_evidence
from xuncha.config import WorkspaceConfig
from xuncha.timeline import mark

REPORTS_DIR = "reports"
# Below this many villages the workbooks are built in this process. A worker pays ~1.3-1.5 s of
# CPU to start and import polars, openpyxl and the report modules before its first workbook, and a
# workbook takes ~30 ms (measured on the 24-village sample, 2026-12-03): on 2 cores a pool only
# finishes sooner from ~90 villages on, and always costs more CPU. A small county (the sample's 24
# villages) therefore starts no pool.
POOL_MIN_VILLAGES = 100
BATCH_SIZE = 16
# Below POOL_MIN_VILLAGES, from this many villages to build, some of them are built by the Great
# Expectations process (connectors.children), idle once the files are validated and with the report
# modules imported while the rules ran: no process to start, only the villages' data to send.
HELPER_MIN_VILLAGES = 8
# ... of which it builds this share: both finish together (measured on the sample: half each left
# this process ~0.1 s behind, as it also writes the office workbook and the overview page)
HELPER_SHARE = 0.6


@dataclass(frozen=True)
class ReportPaths:
    root: Path  # WORKSPACE/reports/<run_stamp>
    office_workbook: Path
    overview: Path
    village_workbooks: dict[str, Path] = field(default_factory=dict)  # village code -> workbook
    encrypted: bool = False
    seconds: float = 0.0
    written: int = 0  # village workbooks built by this run
    reused: int = 0  # village workbooks taken unchanged from the previous report set
    previous: Path | None = None  # the report set they were taken from


def _write_file(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())


Built = tuple[str, int, str]  # village code, file size, file sha256


def _write_batch(county: County, batch: list[tuple[Village, str]], root: str, password: str | None) -> list[Built]:
    """Build and write these villages' workbooks (their evidence rows fetched: with_evidence)."""
    mark(f"building {len(batch)} village workbooks")
    done = []
    for village, rel in batch:
        data = village_workbook.build(county, village)
        if password:
            data = protect.encrypt(data, password)
        _write_file(Path(root) / rel, data)
        done.append((village.code, len(data), hashlib.sha256(data).hexdigest()))
    mark(f"built {len(batch)} village workbooks")
    return done


def _shares(jobs: list, share: float) -> tuple[list, list]:
    """`share` of the jobs and the rest, each spread evenly along the list (for 0.5: every second)."""
    picked = [int((k + 1) * share) > int(k * share) for k in range(len(jobs))]
    return [j for j, p in zip(jobs, picked, strict=True) if p], [j for j, p in zip(jobs, picked, strict=True) if not p]


def _fetched(batch: list[tuple[Village, str]], evidence: evidence_mod.Evidence) -> list[tuple[Village, str]]:
    """The batch with its villages' evidence rows, made only for the workbooks that are built."""
    villages = with_evidence([v for v, _ in batch], evidence)
    return [(v, rel) for v, (_, rel) in zip(villages, batch, strict=True)]


def _ready() -> None:
    """Nothing: a worker that ran it has started and imported this module."""


def _pool_size(workers: int | None, villages: int) -> int:
    """Processes of the pool for the village workbooks; 0 when the villages are written here."""
    workers = workers if workers is not None else min(os.cpu_count() or 1, 8)
    return 0 if workers <= 1 or villages < POOL_MIN_VILLAGES else workers


def _pool(workers: int) -> ProcessPoolExecutor:
    """A pool for the village workbooks, its workers started at once."""
    # forkserver: children start from a clean server process, not from this one, whose DuckDB and
    # Prefect threads may hold locks at the moment of a plain fork
    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("forkserver" if "forkserver" in methods else "spawn")
    pool = ProcessPoolExecutor(max_workers=workers, mp_context=context)
    for _ in range(workers):
        pool.submit(_ready)
    return pool


def _link(source: Path, target: Path) -> bool:
    """The previous set's file under the new set: a hard link, or a copy where links fail (another
    file system, FAT); False when neither works (the file is then built anew)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.link(source, target)
    except OSError:
        try:
            shutil.copy2(source, target)
        except OSError:
            target.unlink(missing_ok=True)
            return False
    return True


def _publish(tmp: Path, final: Path) -> None:
    """Rename the finished folder into place; an older set of the same stamp is replaced whole."""
    if final.exists():
        old = final.with_name(f".{final.name}.old-{os.getpid()}")
        os.replace(final, old)
        os.replace(tmp, final)
        shutil.rmtree(old, ignore_errors=True)
    else:
        os.replace(tmp, final)


def settings_current(workspace: Path, config: WorkspaceConfig) -> bool:
    """Whether the latest report set was written with the output settings of `config` (encryption,
    password): when not, a run whose data did not change still writes its reports again."""
    try:
        password = protect.team_password(config.reports)
    except protect.ReportError:
        return False  # the report step says why
    return manifest.settings_current(Path(workspace) / REPORTS_DIR, password)


def write_all(
    con: duckdb.DuckDBPyConnection,
    workspace: Path,
    config: WorkspaceConfig,
    run_stamp: str,
    *,
    workers: int | None = None,
    on_loaded: Callable[[], None] | None = None,
) -> ReportPaths:
    """Write every village workbook, the office workbook and the overview page for this run.

    Village workbooks whose fingerprint equals the previous report set's are re-used from it."""
    started = time.perf_counter()
    workspace = Path(workspace)
    password = protect.team_password(config.reports)  # fails before any work when it is missing
    data = inputs.load(con, workspace, config.county.name)
    parent = workspace / REPORTS_DIR
    parent.mkdir(parents=True, exist_ok=True)
    final = parent / run_stamp
    previous = manifest.previous(parent, run_stamp)
    county = replace(county_of(data, run_stamp), signing_key=signing.workspace_key(workspace))
    salt = previous.salt if previous else manifest.new_salt()
    shared = manifest.county_digest(county, password, salt)
    tmp = Path(tempfile.mkdtemp(prefix=f".{run_stamp}.", suffix=".tmp", dir=parent))
    pool_size = _pool_size(workers, data.villages.height)
    # When every workbook will be built (no previous set, or one whose shared part of the
    # fingerprints differs: new code, sources, password) the workers start now and import while
    # this process reads the warehouse. Otherwise most are usually re-used, and the pool starts
    # with the first workbook to build: idle workers importing would only slow this process down.
    all_built = previous is None or previous.county != shared
    pool = _pool(pool_size) if pool_size and all_built else None
    office_thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="office-workbook")
    try:
        try:
            evidence = evidence_mod.fetch(con, data.flags)
            rel = naming.village_paths(village_places(data))
            # The office workbook is written by a thread while this one sorts out the villages: its
            # work is mostly polars and zlib, which leave the interpreter to this thread meanwhile.
            office = office_thread.submit(office_workbook.build, data, evidence, rel, run_stamp)
            villages = villages_of(data, evidence, village_files(con))
            # The warehouse is not read again here: a checkpoint (on_loaded) no longer holds up the
            # reads above (the evidence took ~0.27 s beside it on the sample, ~0.1 s alone).
            if on_loaded is not None:
                on_loaded()

            # villages in rank order, the busiest first; each batch goes to the pool as soon as it is known
            entries: dict[str, manifest.Entry] = {}
            fingerprints: dict[str, str] = {}
            futures: list[Future] = []
            jobs: list[tuple[Village, str]] = []
            batch: list[tuple[Village, str]] = []
            for v in villages:
                fingerprints[v.code] = fp = manifest.village_fingerprint(shared, county, v)
                old = manifest.reusable(previous, v.code, fp)
                if old is not None and _link(previous.root / old.path, tmp / rel[v.code]):
                    entries[v.code] = manifest.Entry(rel[v.code], fp, old.produced, old.size, old.sha256)
                    continue
                jobs.append((v, rel[v.code]))
                batch.append((v, rel[v.code]))
                if pool_size and len(batch) == BATCH_SIZE:
                    pool = pool or _pool(pool_size)
                    futures.append(pool.submit(_write_batch, county, _fetched(batch, evidence), str(tmp), password))
                    batch = []
            if pool_size and batch:
                pool = pool or _pool(pool_size)
                futures.append(pool.submit(_write_batch, county, _fetched(batch, evidence), str(tmp), password))
            built: list[Built] = []
            helper_jobs: list[tuple[Village, str]] = []
            if not pool_size:
                helper = children.gx_pool() if len(jobs) >= HELPER_MIN_VILLAGES else None
                if helper is not None:
                    # spread over the villages (busiest first), HELPER_SHARE of them to the helper:
                    # this process also builds the overview and the office workbook meanwhile
                    helper_jobs, jobs_here = _shares(jobs, HELPER_SHARE)
                    try:
                        futures.append(helper.submit(_write_batch, county, _fetched(helper_jobs, evidence),
                                                     str(tmp), password))
                    except Exception:  # the process is gone: all of them here
                        helper_jobs, jobs_here = [], jobs
                else:
                    jobs_here = jobs
                built = _write_batch(county, _fetched(jobs_here, evidence), str(tmp), password)

            mark("village workbooks built here")
            page = overview.build(data, rel, run_stamp, office_workbook.FILE_NAME)
            _write_file(tmp / overview.FILE_NAME, page.encode("utf-8"))
            _write_file(tmp / office_workbook.FILE_NAME, office.result())
            mark("office workbook and overview written")

            for f in futures:
                try:
                    built += f.result()  # re-raises a worker's error here
                except BrokenProcessPool:
                    if not helper_jobs:
                        raise
                    children.gx_lost()  # the GX process died (killed, out of memory): its share here
                    built += _write_batch(county, _fetched(helper_jobs, evidence), str(tmp), password)
        finally:
            # before the temporary folder may be removed: no worker writes into it, and the office
            # thread is not left running after an error
            office_thread.shutdown(wait=True, cancel_futures=True)
            if pool is not None:
                pool.shutdown(wait=True, cancel_futures=True)
            concurrent.futures.wait(futures)  # the GX process's share too (that pool is not ours to shut down)
        for code, size, sha in built:
            entries[code] = manifest.Entry(rel[code], fingerprints[code], run_stamp, size, sha)
        manifest.write(tmp, run_stamp, salt, entries, shared, manifest.settings_digest(password, salt))
        _publish(tmp, final)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    reused = len(villages) - len(jobs)
    return ReportPaths(
        root=final,
        office_workbook=final / office_workbook.FILE_NAME,
        overview=final / overview.FILE_NAME,
        village_workbooks={code: final / p for code, p in rel.items()},
        encrypted=password is not None,
        seconds=round(time.perf_counter() - started, 2),
        written=len(jobs),
        reused=reused,
        previous=previous.root if previous is not None and reused else None,
    )
