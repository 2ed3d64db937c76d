"""Writing output files atomically, in encodings Excel and WPS open correctly."""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path

import polars as pl


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write to a temporary file beside `path`, then rename: readers never see half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_csv(frame: pl.DataFrame, path: Path) -> None:
    """CSV in UTF-8 with a BOM, so Excel/WPS show the Chinese text instead of mojibake."""
    flat = frame.select([c for c, t in frame.schema.items() if not isinstance(t, (pl.List, pl.Struct))])
    atomic_write_bytes(path, b"\xef\xbb\xbf" + flat.write_csv().encode("utf-8"))


def sha256_file(path: Path) -> str:
    """Content hash of a file, read in 1 MiB blocks (inbox files can be hundreds of MB)."""
    h = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()
