"""One column of a sheet read as two, for the second readings of an unrecognised sheet that split a
column (connectors/name_id_cells.py: a name and an ID in one cell; connectors/direction_amounts.py: one
amount and a 借/贷 direction): a column's cells, the sheet with the column replaced and one added after
the last, and the rows a message names.
"""

from __future__ import annotations

import polars as pl

from connectors.rawsheet import RawSheet


def column_cells(sheet: RawSheet, j: int) -> list:
    """Column j's cells, one per row of the sheet (all of its frame's when it has one); None past a short row."""
    if sheet.frame is not None:
        return sheet.frame[f"c{j}"].to_list()
    return [r[j] if j < len(r) else None for r in sheet.rows]


def with_column_split(sheet: RawSheet, j: int, first: list, second: list) -> RawSheet:
    """The sheet with column j's cells replaced by `first` and `second` added after its last column (a cell
    per row, as column_cells gives them); rows padded to one width, everything else as it was."""
    if sheet.frame is not None:
        frame = sheet.frame.with_columns(pl.Series(f"c{j}", first, dtype=pl.String),
                                         pl.Series(f"c{sheet.frame.width}", second, dtype=pl.String))
        rows = [list(r) for r in frame.head(len(sheet.rows)).iter_rows()]
    else:
        frame = None
        width = max(map(len, sheet.rows))
        rows = [list(r) + [None] * (width - len(r)) for r in sheet.rows]
        for row, x, y in zip(rows, first, second, strict=True):
            row[j] = x
            row.append(y)
    return RawSheet(sheet.name, rows, list(sheet.merges), sheet.hidden, list(sheet.notes), frame=frame,
                    transposed=sheet.transposed, title_rows=list(sheet.title_rows), source_rows=sheet.source_rows)


def rows_list(rows: list[int], limit: int = 5, each_named: bool = True) -> str:
    """第3行、第7行 … 等N行: the 1-based rows a message names; with each_named=False 3、7 … 等N行,
    for a message that writes the 第…行 around them."""
    shown = "、".join(f"第{r}行" if each_named else str(r) for r in rows[:limit])
    return shown + (f"等{len(rows)}行" if len(rows) > limit else "")
