"""Writing output files atomically, in encodings Excel and WPS open correctly."""

from __future__ import annotations

import hashlib
import os
import re
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


# Excel and WPS take a CSV cell starting with one of these for a formula (CSV injection): such a text
# cell is written with a leading ', which they show as text and hide. A text that already starts with
# quotes before one of these gets one more, so `csv_unescape` gives back exactly what was written.
_FORMULA_START = r"^'*[=+\-@\t\r]"
_ESCAPED = r"^'+[=+\-@\t\r]"
_FORMULA_START_RE = re.compile(_FORMULA_START)
_ESCAPED_RE = re.compile(_ESCAPED)


def csv_safe_text(text: str) -> str:
    """`text` as written to a CSV cell: with a leading ' when a spreadsheet would run it as a formula."""
    return "'" + text if text and _FORMULA_START_RE.match(text) else text


def csv_unescape(text: str) -> str:
    """The text `csv_safe_text` was given."""
    return text[1:] if text and _ESCAPED_RE.match(text) else text


def csv_safe_frame(frame: pl.DataFrame) -> pl.DataFrame:
    """Every text column escaped as `csv_safe_text` does (numbers stay numbers: -1.5 is no formula)."""
    import polars as pl

    text = [c for c, t in frame.schema.items() if t == pl.String]
    return frame.with_columns(
        pl.when(pl.col(c).str.contains(_FORMULA_START)).then(pl.lit("'") + pl.col(c)).otherwise(pl.col(c)).alias(c)
        for c in text) if text else frame


def csv_unescape_frame(frame: pl.DataFrame) -> pl.DataFrame:
    import polars as pl

    text = [c for c, t in frame.schema.items() if t == pl.String]
    return frame.with_columns(
        pl.when(pl.col(c).str.contains(_ESCAPED)).then(pl.col(c).str.slice(1)).otherwise(pl.col(c)).alias(c)
        for c in text) if text else frame


def write_csv(frame: pl.DataFrame, path: Path) -> None:
    """CSV in UTF-8 with a BOM, so Excel/WPS show the Chinese text instead of mojibake; text that a
    spreadsheet would run as a formula is escaped (`csv_safe_text`)."""
    import polars as pl

    flat = frame.select([c for c, t in frame.schema.items() if not isinstance(t, (pl.List, pl.Struct))])
    atomic_write_bytes(path, b"\xef\xbb\xbf" + csv_safe_frame(flat).write_csv().encode("utf-8"))


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
