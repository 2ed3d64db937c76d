"""What every reader returns: a sheet's raw cells (RawSheet), and the error a file that cannot be
opened raises (ReadError, with a Chinese message)."""

from __future__ import annotations

from dataclasses import dataclass, field

import polars as pl

from connectors.headers import MAX_HEADER_SCAN, Merge
from connectors.inbox import display_name  # noqa: F401  (re-exported)


class ReadError(Exception):
    """The file could not be opened (Chinese message)."""


@dataclass
class RawSheet:
    name: str
    # From row 1 / column A; rows[i] is Excel row i+1. With `frame`, only the first HEAD_ROWS rows
    # (for header detection); the frame holds them all.
    rows: list[list]
    merges: list[Merge] = field(default_factory=list)
    hidden: bool = False
    notes: list[str] = field(default_factory=list)  # what the reader noticed (Chinese), for the sheet's message
    # Every row as text columns c0, c1, ... (null or "" for an empty cell), for sheets read column-wise (CSV)
    frame: pl.DataFrame | None = None
    # A sheet read with rows and columns swapped (connectors/transposed.py): row i is the original
    # column i; the lines above the original table state its context (title, 填报单位).
    transposed: bool = False
    title_rows: list[list] = field(default_factory=list)
    # A sheet rebuilt from another layout (cards: connectors/cards.py): the sheet row (1-based) each
    # row stands for, so loaded and quarantined rows name the row of the original sheet.
    source_rows: list[int] | None = None

    @property
    def height(self) -> int:
        return self.frame.height if self.frame is not None else len(self.rows)

    def every_row(self, max_rows: int) -> list[list] | None:
        """Every row as a list of cells (a sheet read as a frame too), or None beyond max_rows rows:
        for second readings of an unrecognised sheet that need all of it (transposed, cards)."""
        if self.height > max_rows:
            return None
        if self.frame is not None:
            return [list(r) for r in self.frame.iter_rows()]
        return self.rows


# Rows of a column-wise sheet also kept as lists: enough for header detection below title rows.
HEAD_ROWS = MAX_HEADER_SCAN + 1
