"""Big frames handed from this process to the GX process as Arrow files rather than pickled
through the pipe: a city's 2.7 million rows to validate are 268 MB of pickles, ~1.1 s of CPU to
pickle and unpickle, where writing the files takes ~0.3 s. The files go in the ingest's folder beside
the warehouse (owner-only, removed after the ingest: connectors.ingest.ingest_inbox), each removed
by the process that reads it."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import polars as pl

# Frames of at least this many rows go as a file (smaller ones cost more as files than as pickles)
HANDOVER_MIN_ROWS = 20_000
_handover: dict[str, Path] = {}


@contextmanager
def handing_over_in(folder: Path | None) -> Iterator[None]:
    """Big frames are handed over as files in `folder` while this block runs; None: always as they are."""
    if folder is None:
        yield
        return
    _handover["folder"] = folder
    try:
        yield
    finally:
        _handover.pop("folder", None)


def handed_over(frame: pl.DataFrame) -> pl.DataFrame | Path:
    """What to hand over for this frame: the frame, or the Arrow file it was written to."""
    folder = _handover.get("folder")
    if folder is None or frame.height < HANDOVER_MIN_ROWS:
        return frame
    path = folder / f"gx-{uuid.uuid4().hex}.arrow"
    frame.write_ipc(path, compression="uncompressed", compat_level=pl.CompatLevel.oldest())
    return path


def taken(given: pl.DataFrame | Path) -> pl.DataFrame:
    """The frame handed over (by the receiving process): read from its file, which is then removed."""
    if not isinstance(given, Path):
        return given
    frame = pl.read_ipc(given)
    given.unlink(missing_ok=True)
    return frame


def discard(given: pl.DataFrame | Path) -> None:
    """A hand-over that will not be taken (the receiving process died): its file removed."""
    if isinstance(given, Path):
        given.unlink(missing_ok=True)
