"""Writing output files atomically, in encodings Excel and WPS open correctly."""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # polars only where a frame is written: the audit log and the no-change check hash files
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
    import polars as pl

    flat = frame.select([c for c, t in frame.schema.items() if not isinstance(t, (pl.List, pl.Struct))])
    atomic_write_bytes(path, b"\xef\xbb\xbf" + flat.write_csv().encode("utf-8"))


# While a command holds its workspace (pipelines.workspace.session), each inbox file is hashed once:
# the audit log, the no-change check and the inbox plan all ask. Keyed by the file's identity, size
# and modification time, so a file rewritten meanwhile is hashed again.
_remembered: dict[tuple, str] | None = None


@contextmanager
def hashes_remembered() -> Iterator[None]:
    global _remembered
    outer = _remembered
    _remembered = {} if outer is None else outer
    try:
        yield
    finally:
        _remembered = outer


def sha256_file(path: Path) -> str:
    """Content hash of a file, read in 1 MiB blocks (inbox files can be hundreds of MB)."""
    if _remembered is not None:
        st = os.stat(path)
        key = (os.path.abspath(path), st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns)
        if key not in _remembered:
            _remembered[key] = _sha256(path)
        return _remembered[key]
    return _sha256(path)


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()
