"""Shared Excel formatting: fonts, severity colours, table sheets with frozen headers and print setup.

Workbooks are written in openpyxl's write-only mode (streamed rows), so every sheet is laid out top
to bottom and column widths are set before rows. The rows themselves go through the fast path fenced
in `xlsx_fast` (row by row) and `xlsx_frame` (a polars frame, column by column); the text measure
(widths, wrapped lines, row heights) is `xlsx_layout`.

Text from data is always written as text, never as a formula: only an `xlsx.Formula` is a formula.
Characters a workbook cannot hold are written as U+FFFD (`xuncha.text`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, cast

import polars as pl
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.properties import PageSetupProperties

from reports.xlsx_fast import Formula, RowStream, new_workbook, styled_cell, to_bytes
from reports.xlsx_fast import style as _fast_style
from reports.xlsx_frame import PY_WHITESPACE, ColumnFill
from reports.xlsx_frame import frame_rows as _frame_rows
from reports.xlsx_layout import (
    MAX_CELL_CHARS,
    display_width,
    line_count,
    line_limit,
    lines_height,
    row_height,
)
from xuncha.text import writable

__all__ = ["MAX_CELL_CHARS", "PY_WHITESPACE", "ColumnFill", "Formula", "RowStream", "display_width", "new_workbook",
           "row_height", "to_bytes"]

# 宋体 is on every Chinese Windows/WPS machine; LibreOffice substitutes a CJK font for it.
FONT_NAME = "宋体"
FONT = Font(name=FONT_NAME, size=10)
FONT_BOLD = Font(name=FONT_NAME, size=10, bold=True)
FONT_TITLE = Font(name=FONT_NAME, size=16, bold=True)
FONT_SECTION = Font(name=FONT_NAME, size=12, bold=True)
FONT_NOTE = Font(name=FONT_NAME, size=9, color="555555")
FONT_LINK = Font(name=FONT_NAME, size=10, color="0563C1", underline="single")

FILL_HEADER = PatternFill("solid", fgColor="D9E1F2")
FILL_SECTION = PatternFill("solid", fgColor="EDEDED")
SEVERITY_FILLS = {
    "高": PatternFill("solid", fgColor="FF9999"),
    "中": PatternFill("solid", fgColor="FFC773"),
    "低": PatternFill("solid", fgColor="FFF2A8"),
}
CLASS_FILLS = {"重点村": PatternFill("solid", fgColor="FF9999"), "一般村": PatternFill("solid", fgColor="E2EFDA")}

_THIN = Side(style="thin", color="A6A6A6")
BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
WRAP = Alignment(wrap_text=True, vertical="top")
WRAP_CENTER = Alignment(wrap_text=True, vertical="top", horizontal="center")
HEADER_ALIGN = Alignment(wrap_text=True, vertical="center", horizontal="center")
LEFT = Alignment(wrap_text=True, vertical="top", horizontal="left")
CENTER = Alignment(horizontal="center", vertical="center")
MIDDLE = Alignment(vertical="center", wrap_text=True)
NOTE_ALIGN = Alignment(wrap_text=True, vertical="top")

MONEY_FORMAT = "#,##0.00"
SCORE_FORMAT = "0.00"
DATE_FORMAT = "yyyy-mm-dd"
DATETIME_FORMAT = "yyyy-mm-dd hh:mm"


@dataclass(frozen=True)
class Col:
    header: str
    width: float
    kind: str = "text"  # text / wrap / center / int / money / score / date / datetime




def _style(ws, value: object, font: Font, fill: PatternFill | None, align: Alignment | None, fmt: str | None,
           border: bool) -> list:
    """[StyleArray, style id or None] of a style combination, registered once per workbook."""
    return _fast_style(ws, value, font, fill, align, fmt, BORDER if border else None)


def cell(ws, value: object, *, font: Font = FONT, fill: PatternFill | None = None, align: Alignment | None = WRAP,
         fmt: str | None = None, border: bool = True) -> WriteOnlyCell:
    """A styled cell; text is text whatever it starts with (a `Formula` is the product's own formula)."""
    return styled_cell(ws, value, _style(ws, value, font, fill, align, fmt, border))


_KIND_FORMATS = {"money": MONEY_FORMAT, "score": SCORE_FORMAT, "number": "#,##0.00", "date": DATE_FORMAT,
                 "datetime": DATETIME_FORMAT}
_CENTERED_KINDS = ("center", "int", "date", "datetime")


def _data_style(kind: str, value: object) -> tuple[object, Alignment, str | None]:
    """(value, alignment, number format) of a table cell of this kind."""
    fmt = _KIND_FORMATS.get(kind)
    if kind in ("date", "datetime") and isinstance(value, str):
        fmt = None
    if isinstance(value, dt.datetime) and kind == "date":
        value = value.date()
    return value, (WRAP_CENTER if kind in _CENTERED_KINDS else WRAP), fmt


def data_cell(ws, value: object, kind: str, fill: PatternFill | None = None) -> WriteOnlyCell:
    value, align, fmt = _data_style(kind, value)
    return cell(ws, value, fill=fill, align=align, fmt=fmt)


def set_widths(ws, cols: Sequence[Col]) -> None:
    for i, c in enumerate(cols, start=1):
        ws.column_dimensions[get_column_letter(i)].width = c.width


def print_setup(ws, header: str, *, title_rows: str | None = None, landscape: bool = True) -> None:
    """A4, landscape, fit to one page wide; header with the report's name, footer with page numbers."""
    ws.page_setup.paperSize = "9"  # A4
    ws.page_setup.orientation = "landscape" if landscape else "portrait"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    ws.page_margins.left = ws.page_margins.right = 0.4
    ws.page_margins.top = ws.page_margins.bottom = 0.6
    ws.page_margins.header = ws.page_margins.footer = 0.25
    ws.print_options.horizontalCentered = True
    if title_rows:
        ws.print_title_rows = title_rows
    safe = writable(header).replace("&", "&&")  # the header names the village: data
    ws.oddHeader.center.text = f"{safe}　&A"
    ws.oddHeader.center.size = 9
    ws.oddHeader.center.font = f"{FONT_NAME},Regular"
    ws.oddFooter.center.text = "第 &P 页，共 &N 页"
    ws.oddFooter.center.size = 9
    ws.oddFooter.center.font = f"{FONT_NAME},Regular"


def table_sheet(
    wb: Workbook,
    title: str,
    cols: Sequence[Col],
    rows: Iterable[Sequence[object]] | pl.DataFrame,
    *,
    header_text: str,
    caption: str | None = None,
    row_fill: Callable[[Sequence[object]], dict[int, PatternFill]] | None = None,
    transform: Callable[[object], object] | None = None,
    filter_rows: bool = True,
) -> int:
    """A sheet holding one table: optional caption line, header row (frozen, filtered, repeated on
    every printed page), then the rows. `row_fill` returns column index -> fill for a row;
    `transform` is applied to every value (the team workbooks' masking). Returns the row count.

    `rows` may be a polars frame, one column per `cols`: its rows are the same cells, written much
    faster when its columns are text and numbers, `row_fill` a `ColumnFill` and `transform` None."""
    ws = wb.create_sheet(title)
    set_widths(ws, cols)
    header_row = 2 if caption else 1
    ws.freeze_panes = f"A{header_row + 1}"
    last_col = get_column_letter(len(cols))
    letters = [get_column_letter(i) for i in range(1, len(cols) + 1)]
    print_setup(ws, header_text, title_rows=f"{header_row}:{header_row}")
    widths = [c.width for c in cols]
    if caption and len(cols) > 1:
        ws.merged_cells.add(f"A1:{last_col}1")
    out = RowStream(ws)
    if caption and transform is not None:
        caption = str(transform(caption))  # the caption may name the subject (the team workbooks' masking)
    if caption:
        height = max(24.0, row_height([caption], [sum(widths)], 12) or 0)
        out.append([(caption, _style(ws, caption, FONT_SECTION, None, MIDDLE, None, False))], height, letters)
    out.append([(c.header, _style(ws, c.header, FONT_BOLD, FILL_HEADER, HEADER_ALIGN, None, True)) for c in cols],
               row_height([c.header for c in cols], widths), letters)
    kinds = [c.kind for c in cols]
    usables = [int(max(w - 1.0, 1.0)) for w in widths]
    short_ints = [10 ** (u - 1) for u in usables]  # integers below this fit their column
    limit = line_limit(10)
    # style per column for text and for other values, and per (column, fill, text?) when rows are coloured
    text_styles: list[list | None] = [None] * len(cols)
    other_styles: list[list | None] = [None] * len(cols)
    filled: dict[tuple[int, int, bool], list] = {}

    def style_of(i: int, v: object, fill: PatternFill | None) -> list:
        if fill is None:
            styles = text_styles if isinstance(v, str) else other_styles
            style = styles[i]
            if style is None:
                _, align, fmt = _data_style(kinds[i], v)
                style = styles[i] = _style(ws, v, FONT, None, align, fmt, True)
        else:
            key = (i, id(fill), isinstance(v, str))
            style = filled.get(key)
            if style is None:
                _, align, fmt = _data_style(kinds[i], v)
                style = filled[key] = _style(ws, v, FONT, fill, align, fmt, True)
        return style

    def row_cells(row: Sequence[Any]) -> tuple[list[tuple[object, list]], int]:
        fills = row_fill(row) if row_fill else None
        values = [transform(v) for v in row] if transform else row
        cells = []
        lines = 1  # of the row: row_height(values, widths), inline
        for i, (v, kind) in enumerate(zip(values, kinds, strict=True)):
            t = type(v)
            if lines < limit and v is not None:
                # _one_line and short integers inline: most cells of a big sheet fit on one line
                if t is str:
                    fits = (2 * len(v) <= usables[i] or (len(v) <= usables[i] and v.isascii())) and "\n" not in v
                else:
                    fits = t is int and -short_ints[i] < v < short_ints[i]
                if not fits:
                    n_lines = line_count(v, widths[i], limit)
                    if n_lines > lines:
                        lines = n_lines
            if kind == "date" and isinstance(v, dt.datetime):
                v = v.date()
            fill = fills.get(i) if fills else None
            if fill is None:
                style = (text_styles if isinstance(v, str) else other_styles)[i] or style_of(i, v, None)
            else:
                style = style_of(i, v, fill)
            cells.append((v, style))
        return cells, lines

    n = None
    if isinstance(rows, pl.DataFrame):
        if transform is None:
            n = _frame_rows(out, rows, widths, letters, row_fill, style_of, row_cells)
        if n is None:
            rows = rows.iter_rows()
    if n is None:
        n = 0
        for row in cast(Iterable[Sequence[Any]], rows):
            cells, lines = row_cells(row)
            out.append(cells, lines_height(lines, 10) if lines > 1 else None, letters)
            n += 1
    if filter_rows:
        ws.auto_filter.ref = f"A{header_row}:{last_col}{header_row + max(n, 1)}"
    return n


def severity_fill(index: int) -> ColumnFill:
    """Colour the severity cell at `index` of each row."""
    return ColumnFill(index, SEVERITY_FILLS)
