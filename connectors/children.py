"""The connectors' child processes, and nothing heavy: importing this module costs nothing, so a run
can start them before it imports polars, DuckDB or the pipeline.

One fork server serves them all: it imports the Great Expectations adapter (polars, the catalogue)
once, and each child is forked from it in milliseconds, never from the main process,
whose DuckDB and polars threads may hold locks. Its children: a reader of a workbook no scan bounds
(connectors.readers.read_isolated), and the Great Expectations process (`start_gx`), which imports
GX (~4 s of CPU) on another core while the main process reads, then validates every batch for it
(connectors.gx_adapter.run_suite). Once the files are validated the Great Expectations process is
idle: most of a small county's village workbooks are built there (reports.write.HELPER_SHARE), the
rest in the main process (reports.write, after import_in_gx("reports.write") while the rules run).
"""

from __future__ import annotations

import importlib
import multiprocessing
import multiprocessing.util
import os
import threading
from concurrent.futures import Future, ProcessPoolExecutor
from typing import Any

# What the fork server imports before forking: what the GX process needs, nothing more (the GX process
# is on a first run's critical path; also preloading the readers started it ~0.15 s later, measured in
# alternated runs). A child reading a workbook in isolation imports the readers itself (~0.1 s).
PRELOAD = ["connectors.gx_adapter"]

_context: Any = None
# The GX process while it lives: "pool" (its executor) and "warm" (its first job, setting GX up)
_gx: dict[str, Any] = {}


def fork_context() -> Any:
    """The multiprocessing context of the fork server (started by the first child)."""
    global _context
    if _context is None:
        ctx = multiprocessing.get_context("forkserver")
        ctx.set_forkserver_preload(PRELOAD)
        _context = ctx
    return _context


def start_server() -> None:
    """Start the fork server now (it imports PRELOAD in its own process), not when a child is first needed."""
    from multiprocessing import forkserver

    fork_context()  # the preload list is set before the server starts
    forkserver.ensure_running()


def start_gx() -> bool:
    """Start the Great Expectations process (once per process); False on a single core, where a
    second process would only take turns with this one."""
    if "pool" in _gx:
        return True
    if (os.cpu_count() or 1) < 2:
        return False
    from xuncha.timeline import mark

    mark("starting the GX process")
    pool = ProcessPoolExecutor(max_workers=1, mp_context=fork_context())
    # Starting the child waits for the fork server to be ready: a thread does, this one goes on.
    _gx["pool"] = pool  # kept for the life of this process, as GX imported here would be
    # ... and ended before this process ends: a multiprocessing child (a Prefect flow run) joins its
    # children before the pool's own exit hook would tell the idle worker to stop, and waits forever.
    multiprocessing.util.Finalize(pool, pool.shutdown, kwargs={"cancel_futures": True}, exitpriority=100)
    threading.Thread(target=_start, args=(pool,), name="xuncha-gx-start", daemon=True).start()
    return True


def _start(pool: ProcessPoolExecutor) -> None:
    """Start the process with its first job: importing GX and setting up its context and our
    expectations (gx_adapter.warm), so the first batch finds everything ready."""
    try:
        warm = pool.submit(_warm)
        if _gx.get("pool") is pool:  # not stopped meanwhile
            _gx["warm"] = warm
    except Exception:  # no fork server here: validation stays in this process (gx_adapter.run_suite)
        if _gx.get("pool") is pool:
            gx_lost()


def _warm() -> None:
    from xuncha.timeline import mark

    mark("GX process started")
    importlib.import_module("connectors.gx_adapter").warm()


def gx_pool() -> ProcessPoolExecutor | None:
    return _gx.get("pool")


def gx_ready() -> bool:
    """Whether the Great Expectations process has GX set up (its first job done) and is alive."""
    warm: Future | None = _gx.get("warm")
    return "pool" in _gx and warm is not None and warm.done()


def import_in_gx(module: str) -> None:
    """Have the Great Expectations process import `module` now, while it is idle (the files are
    validated), so that work handed to it later (reports.write: a small county's village workbooks)
    does not wait for the import. Nothing when there is no such process."""
    pool = _gx.get("pool")
    if pool is not None:
        try:
            pool.submit(importlib.import_module, module)
        except Exception:  # a process that died: the work it would have done is done here
            gx_lost()


def stop() -> None:
    """Stop the Great Expectations process now and wait for it (before a process ends with os._exit,
    which runs no exit hooks: an idle worker left behind would wait for work forever)."""
    pool = _gx.pop("pool", None)
    _gx.clear()
    if pool is not None:
        pool.shutdown(wait=True, cancel_futures=True)


def gx_lost() -> None:
    """The GX process died (killed, out of memory): validation goes on in this process."""
    _gx.clear()
