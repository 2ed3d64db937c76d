"""Where a column-wise sheet (CSV) ends: the last row holding any non-blank cell. The last rows are
looked at first (transform.LAST_ROWS_FIRST), every row only when those are all blank: the answer
must be the same as looking at every row, whatever the length of the blank tail."""

from __future__ import annotations

import polars as pl
import pytest

from connectors import transform
from connectors.rawsheet import RawSheet


def _every_row(frame: pl.DataFrame) -> int:
    """The plain definition: 1 + the index of the last row with a cell that is not blank once trimmed."""
    last = 0
    for i, row in enumerate(frame.iter_rows()):
        if any(v is not None and v.strip() != "" for v in row):
            last = i + 1
    return last


def _sheet(rows: list[tuple]) -> RawSheet:
    frame = pl.DataFrame(rows, schema={"c0": pl.String, "c1": pl.String, "c2": pl.String}, orient="row")
    return RawSheet("表", [list(r) for r in rows[:5]], frame=frame)


FILLED = ("张三", "1", None)
BLANKS = [(None, None, None), ("", " ", "\u3000"), ("\t", None, "")]


@pytest.mark.parametrize("blank_tail", [0, 1, transform.LAST_ROWS_FIRST - 1, transform.LAST_ROWS_FIRST,
                                        transform.LAST_ROWS_FIRST + 1, 3 * transform.LAST_ROWS_FIRST])
@pytest.mark.parametrize("filled_rows", [1, 10, 2 * transform.LAST_ROWS_FIRST])
def test_the_last_filled_row_is_found_behind_blank_tails_of_any_length(filled_rows: int, blank_tail: int) -> None:
    rows = [FILLED] * filled_rows + [BLANKS[i % len(BLANKS)] for i in range(blank_tail)]
    sheet = _sheet(rows)
    assert transform._last_filled_row(sheet) == _every_row(sheet.frame) == filled_rows


def test_a_sheet_of_blank_rows_only_ends_before_its_first_row() -> None:
    sheet = _sheet([BLANKS[i % len(BLANKS)] for i in range(3 * transform.LAST_ROWS_FIRST)])
    assert transform._last_filled_row(sheet) == 0


def test_one_filled_cell_far_up_in_a_blank_sheet_is_its_end() -> None:
    rows = [BLANKS[0]] * 200
    rows[7] = (None, None, " 备注 ")
    sheet = _sheet(rows)
    assert transform._last_filled_row(sheet) == _every_row(sheet.frame) == 8
