"""Frames handed from one process to another as Arrow files rather than pickled through a pipe:
a reading process's sheets to this one (connectors.readahead), and this one's batches to the GX
process (connectors.gx_adapter). Pickling is ~1 s a 770,000-row frame each way, writing the file
~0.15 s and mapping it ~0.1 s; a city's 2.7 million rows to validate were 268 MB of pickles. The
files go in the ingest's one folder beside the warehouse (owner-only, removed after the ingest:
connectors.ingest.ingest_inbox), each removed by the process that reads it."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import polars as pl
import pyarrow as pa
import pyarrow.ipc  # noqa: F401  (pa.ipc)

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
    return write_frame(folder, frame)


def taken(given: pl.DataFrame | Path) -> pl.DataFrame:
    """The frame handed over (by the receiving process): read from its file, which is then removed."""
    return read_frame(given) if isinstance(given, Path) else given


def write_frame(folder: Path, frame: pl.DataFrame) -> Path:
    """The frame as an Arrow file in `folder`, for another process (read_frame)."""
    path = folder / f"{uuid.uuid4().hex}.arrow"
    frame.write_ipc(path, compression="uncompressed", compat_level=pl.CompatLevel.oldest())
    return path


def read_frame(path: Path) -> pl.DataFrame:
    """A frame written by write_frame, its file removed at once: the mapping stays valid, and nothing
    is left behind if this process dies."""
    with pa.memory_map(str(path)) as source:
        table = pa.ipc.open_file(source).read_all()
    os.unlink(path)
    return pl.from_arrow(table)  # type: ignore[return-value]  # a table gives a frame


def discard(given: pl.DataFrame | Path) -> None:
    """A hand-over that will not be taken (the receiving process died): its file removed."""
    if isinstance(given, Path):
        given.unlink(missing_ok=True)
