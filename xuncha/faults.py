"""Test hooks for crash tests: XUNCHA_TEST_PAUSE_AT=<stage> makes the process stop at that stage.

The process prints a marker line to stderr and sleeps, so a test can kill it (SIGKILL) at exactly
that point. Unset (always, outside tests), `pause_point` costs one dictionary lookup.

XUNCHA_TEST_CRASH_READING=<text>: a reading process aborts (as a native reader would) on a file
whose name holds the text (`reading_crash`, `crash_reading`).
"""

from __future__ import annotations

import os
import sys
import time

ENV = "XUNCHA_TEST_PAUSE_AT"
MARKER = "XUNCHA_PAUSED_AT"

# Where the hooks are: name -> what is in progress when the process pauses there.
STAGES = {
    "ingest": "after the first file of the inbox was written, others not yet",
    "ingest-transaction": "inside a file's warehouse transaction, before COMMIT",
    "check": "rules ran, result tables being replaced (inside their transaction)",
    "report": "an output file written to its temporary name, not yet renamed",
}


def pause_point(stage: str) -> None:
    if os.environ.get(ENV) != stage:
        return
    print(f"{MARKER} {stage} pid={os.getpid()}", file=sys.stderr, flush=True)
    time.sleep(float(os.environ.get("XUNCHA_TEST_PAUSE_SECONDS", "300")))


CRASH_READING_ENV = "XUNCHA_TEST_CRASH_READING"


def reading_crash() -> str | None:
    """The crash-test marker of this run, read where the run starts (reading processes are given it:
    a fork server started earlier does not see the environment as it is now)."""
    return os.environ.get(CRASH_READING_ENV) or None


def crash_reading(marker: str | None, names: list[str]) -> None:
    if marker and any(marker in name for name in names):
        os.abort()
