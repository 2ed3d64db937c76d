"""Shared Excel formatting: fonts, severity colours, table sheets with frozen headers and print setup.

Workbooks are written in openpyxl's write-only mode (streamed rows, a fraction of the time of the
normal mode), so every sheet is laid out top to bottom and column widths are set before rows.
Table sheets go further: their rows are serialised here, straight into the sheet's XML stream, as
the same XML openpyxl writes (see `RowStream`); openpyxl's per-cell objects and its pure-Python
XML writer cost ~10 µs a cell, which is most of the time of a city's report set. A table given
as a polars frame (the office's sheets of ~200,000 evidence rows) is serialised column by column
in polars instead, into the same XML (see `_frame_rows`).
"""

from __future__ import annotations

import datetime as dt
import functools
import io
import math
import re
from zipfile import ZIP_DEFLATED, ZipFile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

import polars as pl
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell._writer import write_cell
from openpyxl.cell.cell import ERROR_CODES, ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.styles.cell_style import StyleArray
from openpyxl.utils import get_column_letter
from openpyxl.utils.exceptions import IllegalCharacterError
from openpyxl.worksheet._write_only import WriteOnlyWorksheet
from openpyxl.worksheet._writer import WorksheetWriter
from openpyxl.worksheet.properties import PageSetupProperties
from openpyxl.drawing.spreadsheet_drawing import SpreadsheetDrawing
from openpyxl.writer.excel import ExcelWriter

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

# Excel's hard limit on the characters of one cell.
MAX_CELL_CHARS = 32000


@dataclass(frozen=True)
class Col:
    header: str
    width: float
    kind: str = "text"  # text / wrap / center / int / money / score / date / datetime


# Deflate level of the workbooks' zip: 3 compresses a city's sheets in half the time of the default
# (6) and to files about 15% larger.
ZIP_LEVEL = 3


class _Sheet(WriteOnlyWorksheet):
    """A write-only sheet streamed into memory rather than into a temporary file: thousands of
    small files cost more than the XML in them, and no workbook's data is left in the temp folder."""

    def _get_writer(self) -> None:
        if self._writer is None:
            self._writer = WorksheetWriter(self, out=io.BytesIO())
            self._writer.write_top()


class _Workbook(Workbook):
    def create_sheet(self, title: str | None = None, index: int | None = None) -> _Sheet:
        ws = _Sheet(parent=self, title=title)
        self._add_sheet(sheet=ws, index=index)
        return ws


class _Writer(ExcelWriter):
    def write_worksheet(self, ws) -> None:
        # ExcelWriter.write_worksheet for a write-only sheet, taking its XML from memory
        ws._drawing = SpreadsheetDrawing()
        ws._drawing.charts = ws._charts
        ws._drawing.images = ws._images
        if not ws.closed:
            ws.close()
        ws._rels = ws._writer._rels
        self._archive.writestr(ws.path[1:], ws._writer.out.getvalue())
        self.manifest.append(ws)


def new_workbook() -> Workbook:
    return _Workbook(write_only=True)


def to_bytes(wb: Workbook) -> bytes:
    """The workbook as .xlsx bytes (what Workbook.save writes)."""
    if not isinstance(wb, _Workbook):
        buf = io.BytesIO()
        wb.save(buf)
        return buf.getvalue()
    if not wb.worksheets:
        wb.create_sheet()
    buf = io.BytesIO()
    with ZipFile(buf, "w", ZIP_DEFLATED, allowZip64=True, compresslevel=ZIP_LEVEL) as archive:
        wb.properties.modified = dt.datetime.now(tz=dt.timezone.utc).replace(tzinfo=None)
        _Writer(wb, archive).save()
    return buf.getvalue()


def _clip(value: object) -> object:
    if isinstance(value, str) and len(value) > MAX_CELL_CHARS:
        return value[: MAX_CELL_CHARS - 20] + "……（内容过长，已截断）"
    return value


def _style(ws, value: object, font: Font, fill: PatternFill | None, align: Alignment | None, fmt: str | None,
           border: bool) -> list:
    """[StyleArray, style id or None] of a style combination, registered once per workbook.

    Registering a style with the workbook hashes it, which costs more than writing the cell: each
    combination is registered once and its index array copied afterwards. The first cell of a
    combination decides its array (openpyxl gives a date a date format when none is set)."""
    cache = ws.parent.__dict__.setdefault("_xuncha_styles", {})
    key = (id(font), id(fill), id(align), fmt, border)
    hit = cache.get(key)
    if hit is None:
        c = WriteOnlyCell(ws, value=_clip(value))
        c.font = font
        if fill is not None:
            c.fill = fill
        if align is not None:
            c.alignment = align
        if fmt:
            c.number_format = fmt
        if border:
            c.border = BORDER
        # keep the style objects alive with the entry, so their ids cannot be reused by others
        hit = cache[key] = [StyleArray(c._style), None, font, fill, align]
    return hit


def cell(ws, value: object, *, font: Font = FONT, fill: PatternFill | None = None, align: Alignment | None = WRAP,
         fmt: str | None = None, border: bool = True) -> WriteOnlyCell:
    style = _style(ws, value, font, fill, align, fmt, border)
    c = WriteOnlyCell(ws, value=_clip(value))
    c._style = StyleArray(style[0])
    return c


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
    safe = header.replace("&", "&&")
    ws.oddHeader.center.text = f"{safe}　&A"
    ws.oddHeader.center.size = 9
    ws.oddHeader.center.font = f"{FONT_NAME},Regular"
    ws.oddFooter.center.text = "第 &P 页，共 &N 页"
    ws.oddFooter.center.size = 9
    ws.oddFooter.center.font = f"{FONT_NAME},Regular"


def _number(value: float | int) -> str:
    return "%.16g" % value  # openpyxl's safe_string


_ILLEGAL = ILLEGAL_CHARACTERS_RE.search
_LETTERS = [get_column_letter(i) for i in range(1, 53)]
_isfinite = math.isfinite


def _register(ws, style: list) -> int:
    """The style id of a [StyleArray, id] pair; registered when first written, as openpyxl does (the
    order of styles.xml). -1 for no style."""
    if style[1] is None:
        style[1] = ws.parent._cell_styles.add(style[0]) if any(style[0]) else -1
    return style[1]


class RowStream:
    """The rows of a write-only sheet, written as openpyxl writes them but without its per-cell
    objects: `<row r=".." ht=".." customHeight="1">` and `<c r=".." s=".." t="..">` elements.

    Strings, numbers and empty cells are serialised here; anything else (dates, booleans, formulas,
    error codes) goes through openpyxl's own cell writer. Where openpyxl streams through lxml (not
    installed here) every cell does, so the output is the same either way."""

    def __init__(self, ws) -> None:
        ws._get_writer()  # writes everything above the rows: views, column widths
        self._ws = ws
        self._stream = ws._writer.xf
        self._xf = self._stream.send(True)
        self._data = self._xf.element("sheetData")
        self._data.__enter__()
        raw = getattr(self._xf, "_file", None)  # et_xmlfile's text writer
        self._raw = raw if type(self._xf).__module__.startswith("et_xmlfile") and callable(raw) else None
        self.rows = 0
        ws._rows = self  # WriteOnlyWorksheet.close() closes its rows before writing what follows them

    def close(self) -> None:
        self._data.__exit__(None, None, None)
        self._stream.send(None)

    def append(self, cells: Sequence[tuple[object, list]], height: float | None, letters: Sequence[str]) -> None:
        """One row of (value, style) pairs; `letters` are the column letters."""
        self.rows += 1
        r = self.rows
        ws = self._ws
        raw = self._raw
        if raw is None:
            if height:
                ws.row_dimensions[r].height = height
            ws._writer.write_row(self._xf, [self._openpyxl_cell(v, style, r, i) for i, (v, style) in enumerate(cells)], r)
            return
        out = [f'<row r="{r}" ht="{_number(height)}" customHeight="1">' if height else f'<row r="{r}">']
        add = out.append
        for i, (v, style) in enumerate(cells):
            sid = style[1]
            if sid is None:
                sid = _register(ws, style)
            t = type(v)
            if sid >= 0:
                if t is str:
                    if len(v) > MAX_CELL_CHARS:
                        v = _clip(v)
                    if not v:
                        add(f'<c r="{letters[i]}{r}" s="{sid}" t="inlineStr" />')
                        continue
                    if (v[0] != "=" or len(v) == 1) and v not in ERROR_CODES:
                        if _ILLEGAL(v):
                            raise IllegalCharacterError(f"{v} cannot be used in worksheets.")
                        stripped = v.strip()
                        preserve = stripped and len(stripped) != len(v)  # openpyxl's whitespace()
                        if "&" in v or "<" in v or ">" in v:  # what xml.etree escapes in text
                            v = v.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
                        if preserve:
                            add(f'<c r="{letters[i]}{r}" s="{sid}" t="inlineStr"><is><t xml:space="preserve">{v}</t></is></c>')
                        else:
                            add(f'<c r="{letters[i]}{r}" s="{sid}" t="inlineStr"><is><t>{v}</t></is></c>')
                        continue
                elif t is int or (t is float and _isfinite(v)):
                    add(f'<c r="{letters[i]}{r}" s="{sid}" t="n"><v>{"%.16g" % v}</v></c>')
                    continue
                elif v is None:
                    add(f'<c r="{letters[i]}{r}" s="{sid}" t="n" />')
                    continue
            # an unstyled cell or a rarer value (date, boolean, formula, error code): openpyxl writes
            # it, after what is pending
            raw("".join(out))
            out.clear()
            c = self._openpyxl_cell(v, style, r, i)
            if c._value is not None or c.has_style:
                write_cell(self._xf, ws, c, c.has_style)
        add("</row>")
        raw("".join(out))

    def write_serialised(self, xml: bytes, rows: int) -> None:
        """`rows` rows serialised elsewhere (`_frame_rows`), as UTF-8."""
        wrapper = getattr(self._raw, "__self__", None)
        if isinstance(wrapper, io.TextIOWrapper):
            # the bytes go to the stream under the text writer, after what it holds
            wrapper.flush()
            wrapper.buffer.write(xml)
        else:
            self._raw(xml.decode("utf-8"))
        self.rows += rows

    def append_cells(self, cells: Sequence[WriteOnlyCell], height: float | None = None) -> None:
        """One row of cells made by `cell()` (what WriteOnlyWorksheet.append takes)."""
        styles = self._ws.parent.__dict__.setdefault("_xuncha_arrays", {})
        row = []
        for c in cells:
            key = tuple(c._style)
            style = styles.get(key)
            if style is None:
                style = styles[key] = [StyleArray(c._style), None]
            row.append((c._value, style))
        self.append(row, height, _LETTERS[: len(row)])

    def _openpyxl_cell(self, value: object, style: list, row: int, col: int) -> WriteOnlyCell:
        c = WriteOnlyCell(self._ws, value=_clip(value))
        c._style = StyleArray(style[0])
        c.row, c.column = row, col + 1
        return c


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
    if caption:
        height = max(24.0, row_height([caption], [sum(widths)], 12) or 0)
        out.append([(caption, _style(ws, caption, FONT_SECTION, None, MIDDLE, None, False))], height, letters)
    out.append([(c.header, _style(ws, c.header, FONT_BOLD, FILL_HEADER, HEADER_ALIGN, None, True)) for c in cols],
               row_height([c.header for c in cols], widths), letters)
    kinds = [c.kind for c in cols]
    usables = [int(max(w - 1.0, 1.0)) for w in widths]
    short_ints = [10 ** (u - 1) for u in usables]  # integers below this fit their column
    limit = _line_limit(10)
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

    def row_cells(row: Sequence[object]) -> tuple[list[tuple[object, list]], int]:
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
                    n_lines = _lines(v, widths[i], limit)
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
        for row in rows:
            cells, lines = row_cells(row)
            out.append(cells, _height(lines, 10) if lines > 1 else None, letters)
            n += 1
    if filter_rows:
        ws.auto_filter.ref = f"A{header_row}:{last_col}{header_row + max(n, 1)}"
    return n


class ColumnFill:
    """A row_fill colouring one column's cell by its value, e.g. the severity cell: what a polars
    frame's rows can be coloured by (`table_sheet`)."""

    def __init__(self, index: int, fills: dict[object, PatternFill]) -> None:
        self.index = index
        self.fills = fills

    def __call__(self, row: Sequence[object]) -> dict[int, PatternFill]:
        f = self.fills.get(row[self.index])  # type: ignore[arg-type]
        return {self.index: f} if f else {}


# Python's str.isspace() characters: openpyxl marks a text with white space at either end (but not
# only white space) xml:space="preserve". A test checks the list.
PY_WHITESPACE = ("\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007"
                 "\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000")
_ILLEGAL_RE = r"[\x00-\x08\x0B\x0C\x0E-\x1F]"  # openpyxl's ILLEGAL_CHARACTERS_RE
_WIDE_RE = r"[\x{2E80}-\x{10FFFF}]"  # _WIDE
# Characters Excel refuses, and those neither ASCII nor 3 bytes wide in UTF-8 and CJK: a text with
# none has (bytes - characters) / 2 wide characters (as _wide_count) and needs no closer look.
_ODD_RE = r"[\x00-\x08\x0B\x0C\x0E-\x1F\x{80}-\x{2E7F}\x{10000}-\x{10FFFF}]"
_CLIP_TAIL = "……（内容过长，已截断）"
# Rows serialised per polars query: a bound on the memory the XML of a big sheet takes at once.
_FRAME_CHUNK = 32768


def _frame_rows(out: RowStream, frame: pl.DataFrame, widths: Sequence[float], letters: Sequence[str],
                row_fill: Callable | None, style_of: Callable, row_cells: Callable) -> int | None:
    """Write a frame's rows to `out` as `table_sheet` writes them row by row (`row_cells`, then
    RowStream.append): the same XML, styles registered in the same order, the same row heights;
    the number of rows, or None having written nothing when the frame is not for this path (columns
    other than text and numbers, a row_fill other than a ColumnFill, an XML writer other than
    et_xmlfile's). Rows holding what openpyxl writes itself (formulas, error codes, characters
    Excel refuses, numbers %.16g prints otherwise) are written by `row_cells`."""
    dtypes = frame.dtypes
    if out._raw is None or len(dtypes) != len(widths):
        return None
    if not all(d == pl.String or d == pl.Null or d.is_integer() or d.is_float() for d in dtypes):
        return None
    fill_at = None
    if row_fill is not None:
        if not isinstance(row_fill, ColumnFill) or not 0 <= row_fill.index < len(dtypes) \
                or dtypes[row_fill.index] not in (pl.String, pl.Null):
            return None
        fill_at = row_fill.index
    n = frame.height
    if n == 0:
        return 0
    ws = out._ws
    names = [f"c{i}" for i in range(len(dtypes))]
    data = frame.rename(dict(zip(frame.columns, names, strict=True)))

    # styles: made and registered in the order the row-by-row path first meets them
    firsts: dict[tuple, tuple[int, int, object, PatternFill | None]] = {}  # variant -> (row, column, value, fill)
    fill_values: list[tuple[object, PatternFill | None]] = []
    for i, name in enumerate(names):
        col = data[name]
        if i == fill_at:
            seen = data.select(pl.int_range(n).alias("row"), pl.col(name)).group_by(name, maintain_order=True).first()
            for v, row in seen.iter_rows():
                fill = row_fill.fills.get(v)  # type: ignore[union-attr]
                fill_values.append((v, fill))
                key = (i, id(fill) if fill else None, isinstance(v, str))
                if key not in firsts or row < firsts[key][0]:
                    firsts[key] = (row, i, v, fill or None)
            continue
        if dtypes[i] == pl.String:
            present = col.is_not_null()
            if col.null_count() < n:
                row = present.arg_max()
                firsts[(i, None, True)] = (row, i, col[row], None)
            if col.null_count():
                row = present.not_().arg_max()
                firsts[(i, None, False)] = (row, i, None, None)
        else:
            firsts[(i, None, False)] = (0, i, col[0], None)
    for row, i, v, fill in sorted(firsts.values(), key=lambda x: (x[0], x[1])):
        if _register(ws, style_of(i, v, fill)) < 0:
            return None  # an unstyled cell: openpyxl writes those (not made by table_sheet)

    def sid(i: int, v: object, fill: PatternFill | None = None) -> str:
        return str(style_of(i, v, fill)[1])

    limit = _line_limit(10)
    # the row XML is one concat_str of pieces: text constant over the frame, or a column of `parts`
    parts: dict[str, pl.Series] = {
        "_r": pl.int_range(out.rows + 1, out.rows + 1 + n, dtype=pl.Int64, eager=True).cast(pl.String)}
    pieces: list[pl.Expr] = [pl.lit('<row r="'), pl.col("_r"), pl.lit("")]  # the last one: the row's height
    lines: list[pl.Series] = []
    special: list[pl.Series] = []

    def piece(name: str, options: Sequence[str], choice: pl.Series | None) -> pl.Expr:
        """options[choice] of each row; `choice` None or one value for all: a constant."""
        if choice is None or choice.n_unique() == 1:
            return pl.lit(options[choice[0] if choice is not None else 0])
        parts[name] = pl.Series(list(options), dtype=pl.String).gather(choice).alias(name)
        return pl.col(name)

    def column(name: str, values: pl.Series) -> pl.Expr:
        parts[name] = values.alias(name)
        return pl.col(name)

    for i, name in enumerate(names):
        values = data[name]
        usable = int(max(widths[i] - 1.0, 1.0))
        pieces += [pl.lit(f'<c r="{letters[i]}'), pl.col("_r"), pl.lit('" s="')]
        missing = values.is_null()
        if dtypes[i] == pl.String:
            text_lines, text_special, kind, text = _text_cells(values, usable, limit)
            lines.append(text_lines)
            special.append(text_special)
            tags = ['" t="inlineStr"><is><t>', '" t="inlineStr"><is><t xml:space="preserve">', '" t="inlineStr" />',
                    '" t="n" />']
            ends = ["</t></is></c>", "</t></is></c>", "", ""]
        else:
            number_lines, number_special, text = _number_cells(values, widths[i], limit)
            lines.append(number_lines)
            special.append(number_special)
            kind = missing.cast(pl.UInt32)  # 0 number, 1 null
            tags, ends = ['" t="n"><v>', '" t="n" />'], ["</v></c>", ""]
        if i == fill_at:
            # the fill column's style follows its value
            sids = {v: sid(i, v, fill or None) for v, fill in fill_values}
            null_sid = sids.pop(None, "")
            mapped = values.replace_strict(pl.Series(list(sids), dtype=dtypes[i]), pl.Series(list(sids.values()), dtype=pl.String),
                                           default=None, return_dtype=pl.String) if sids else None
            pieces.append(column(f"_s{i}", mapped.fill_null(null_sid) if mapped is not None
                                 else pl.Series([null_sid] * n, dtype=pl.String)))
        else:
            text_sid = sid(i, "") if (i, None, True) in firsts else ""
            other_sid = sid(i, None) if (i, None, False) in firsts else ""
            if dtypes[i] == pl.String:
                pieces.append(piece(f"_s{i}", [text_sid, other_sid], missing.cast(pl.UInt32)))
            else:
                pieces.append(pl.lit(other_sid))
        pieces += [piece(f"_k{i}", tags, kind), column(f"_t{i}", text), piece(f"_e{i}", ends, kind)]
    pieces.append(pl.lit("</row>"))

    row_lines = pl.select(pl.max_horizontal(lines).clip(upper_bound=limit)).to_series() if lines \
        else pl.Series([1] * n, dtype=pl.Int64)
    heights = ['">', '">', *(f'" ht="{_number(_height(k, 10))}" customHeight="1">' for k in range(2, limit + 1))]
    pieces[2] = piece("_ht", heights, row_lines.cast(pl.UInt32))
    parts = pl.DataFrame(parts)
    row_xml = pl.concat_str(pieces).str.join("").cast(pl.Binary)

    start = out.rows
    done = 0
    specials = pl.select(pl.any_horizontal(special)).to_series().arg_true().to_list() if special else []
    for stop in [*specials, n]:
        for a in range(done, stop, _FRAME_CHUNK):
            b = min(a + _FRAME_CHUNK, stop)
            out.write_serialised(parts.slice(a, b - a).select(row_xml).item(), b - a)
        if stop < n:
            out.rows = start + stop
            row, row_lines_ = row_cells(frame.row(stop))
            out.append(row, _height(row_lines_, 10) if row_lines_ > 1 else None, letters)
        done = stop + 1
    out.rows = start + n
    return n


def _number_cells(values: pl.Series, width: float, limit: int) -> tuple[pl.Series, pl.Series, pl.Series]:
    """For a column of numbers (or nulls only) `width` wide: the lines of each cell (`_lines`, at
    most `limit`), whether openpyxl writes it (what "%.16g" does not print as Python's int or a
    finite float) and its text as written ("" for null)."""
    n = len(values)
    if values.dtype == pl.Null:
        return pl.Series([1] * n, dtype=pl.Int64), pl.Series([False] * n), pl.Series([""] * n, dtype=pl.String)
    usable = int(max(width - 1.0, 1.0))
    if values.dtype.is_integer():
        text = values.cast(pl.String)
        digits = text.str.len_chars()
        lines = pl.select(pl.when(values.is_null() | (digits <= usable)).then(1)
                          .otherwise((digits + usable - 1) // usable).cast(pl.Int64)).to_series()
        if values.dtype in (pl.Int64, pl.UInt64, pl.Int128, pl.UInt128):
            big = ((values >= 10**16) | (values <= -(10**16))).fill_null(False)
        else:  # narrower integers are below 10**16
            big = pl.Series([False] * n)
        return lines, big, text.fill_null("")
    floats = values.to_list()  # floats print through Python, which lines and "%.16g" are defined by
    lines = pl.Series([1 if v is None else min(_lines(v, width, limit), limit) for v in floats], dtype=pl.Int64)
    text = pl.Series([_number(v) if v is not None and _isfinite(v) else "" for v in floats], dtype=pl.String)
    return lines, (~values.is_finite()).fill_null(False), text


def _text_cells(values: pl.Series, usable: int, limit: int) -> tuple[pl.Series, pl.Series, pl.Series, pl.Series]:
    """For a text column `usable` units wide: the lines of each cell (`_lines`, at most `limit`),
    whether openpyxl writes it (formula, error code, refused character), its kind (0 text, 1 text
    keeping its white space, 2 empty, 3 null) and its text as written (clipped, escaped, "" for null).
    Worked out once per distinct text where texts repeat (names, files, sheets)."""
    if len(values) >= 64:
        distinct = values.unique()
        if len(distinct) * 8 <= len(values):
            at = values.to_frame("v").join(distinct.to_frame("v").with_row_index("i"), on="v", how="left",
                                            nulls_equal=True, maintain_order="left")["i"]
            return tuple(x.gather(at) for x in _text_cells(distinct, usable, limit))  # type: ignore[return-value]
    chars = values.str.len_chars()
    odd = values.str.contains(_ODD_RE).fill_null(False)
    lines = _text_lines(values, chars, usable, limit, odd)
    illegal = odd
    if odd.any():
        at = odd.arg_true()
        illegal = odd.scatter(at, values.gather(at).str.contains(_ILLEGAL_RE))
    special = ((values.str.starts_with("=") & (chars > 1)) | values.is_in(list(ERROR_CODES)) | illegal).fill_null(False)
    text = values
    if (chars > MAX_CELL_CHARS).any():
        text = pl.select(pl.when(chars > MAX_CELL_CHARS).then(pl.concat_str(
            values.str.slice(0, MAX_CELL_CHARS - 20), pl.lit(_CLIP_TAIL))).otherwise(values)).to_series()
    # openpyxl keeps white space at either end (of a text not all white space)
    preserve = ((text.str.head(1).is_in(list(PY_WHITESPACE)) | text.str.tail(1).is_in(list(PY_WHITESPACE)))
                & (text.str.strip_chars(PY_WHITESPACE) != "")).fill_null(False)
    if text.str.contains_any(["&", "<", ">"]).any():
        text = text.str.replace_all("&", "&amp;", literal=True).str.replace_all("<", "&lt;", literal=True) \
            .str.replace_all(">", "&gt;", literal=True)
    kind = pl.select(pl.when(values.is_null()).then(3).when(values == "").then(2).when(preserve).then(1).otherwise(0)
                     .cast(pl.UInt32)).to_series()
    return lines, special, kind, text.fill_null("")


def _text_lines(texts: pl.Series, chars: pl.Series, usable: int, limit: int, odd: pl.Series) -> pl.Series:
    """`_lines` of every text of a column `usable` units wide, at most `limit`; 1 for null. `chars`:
    the texts' lengths; `odd`: whether each holds a character matching _ODD_RE."""
    nbytes = texts.str.len_bytes()
    one = (((2 * chars) <= usable) | ((chars <= usable) & (nbytes == chars))) & ~texts.str.contains("\n", literal=True)
    long = (~one.fill_null(True)).arg_true()
    result = pl.Series("lines", [1] * len(texts), dtype=pl.Int64)
    if long.is_empty():
        return result
    parts = pl.DataFrame({"cell": long, "part": texts.gather(long).str.split("\n"), "odd": odd.gather(long)}).explode("part")
    parts = parts.with_columns(chars=pl.col("part").str.len_chars().cast(pl.Int64),
                               wide=((pl.col("part").str.len_bytes() - pl.col("part").str.len_chars()) // 2).cast(pl.Int64))
    at = parts["odd"].arg_true()
    if not at.is_empty():
        parts = parts.with_columns(parts["wide"].scatter(at, parts["part"].gather(at).str.count_matches(_WIDE_RE)))
    # display_width(part, 1.9), truncated: whole when there are no wide characters; otherwise
    # (chars - wide) + 1.9 * wide as display_width works it out, but where wide is a multiple of 10
    # display_width adds the weights one by one, and the sum may fall a hair short of the whole
    # number: that case is left to display_width itself where it changes the line count
    chars, wide = pl.col("chars"), pl.col("wide")
    parts = parts.with_columns(exact=chars - wide + (wide * 19) // 10)
    exact = pl.col("exact")
    parts = parts.with_columns(
        width=pl.when(wide == 0).then(chars)
        .when(wide % 10 != 0).then(((chars - wide).cast(pl.Float64) + 1.9 * wide.cast(pl.Float64)).cast(pl.Int64))
        .otherwise(exact),
        unsure=(wide > 0) & (wide % 10 == 0) & ((exact - 1) % usable == 0),
    )
    unsure = parts["unsure"].arg_true()
    if not unsure.is_empty():
        widths = pl.Series([int(display_width(p, 1.9)) for p in parts["part"].gather(unsure).to_list()], dtype=pl.Int64)
        parts = parts.with_columns(parts["width"].scatter(unsure, widths))
    per_cell = parts.group_by("cell").agg(
        pl.max_horizontal(pl.lit(1), (pl.col("width") + usable - 1) // usable).sum().clip(upper_bound=limit).alias("lines")
    )
    return result.scatter(per_cell["cell"], per_cell["lines"])


def severity_fill(index: int) -> ColumnFill:
    """Colour the severity cell at `index` of each row."""
    return ColumnFill(index, SEVERITY_FILLS)


_WIDE = re.compile("[\u2e80-\U0010ffff]")
# Characters that are neither ASCII nor 3 bytes wide in UTF-8 and CJK (above U+2E7F)
_NOT_ASCII_OR_CJK = re.compile("[\x80-\u2e7f\ud800-\udfff\U00010000-\U0010ffff]")


def _wide_count(text: str) -> int:
    if _NOT_ASCII_OR_CJK.search(text):
        return len(_WIDE.findall(text))
    return (len(text.encode("utf-8")) - len(text)) // 2  # each CJK character is 3 bytes


def display_width(text: str, cjk: float = 2.0) -> float:
    """Approximate column width of text: CJK characters count (about) double."""
    if text.isascii():
        return float(len(text))
    wide = _wide_count(text)
    if cjk == int(cjk) or wide % 10:
        # whole weights add up exactly; otherwise the total is at least 0.1 from a whole number, so
        # it truncates (see _lines) like the sum taken character by character
        return (len(text) - wide) + cjk * wide
    return sum(cjk if ord(ch) > 0x2E7F else 1.0 for ch in text)


# Row heights stop growing at Excel's limit, so lines past it need not be counted.
MAX_ROW_HEIGHT = 409.0
# (text, usable width) -> lines, for the short texts that repeat down a column (files, sheets, names)
_LINES_SEEN: dict[tuple[str, int], int] = {}
_LINES_SEEN_TEXT = 48


def _one_line(text: str, usable: int) -> bool:
    """True when text surely fits on one line of a column `usable` units wide."""
    return (2 * len(text) <= usable or (len(text) <= usable and text.isascii())) and "\n" not in text


def _lines(value: object, width: float, limit: int = 1 << 30) -> int:
    """Lines `value` wraps to in a column `width` wide; counting stops at `limit` or just past it."""
    if value is None:
        return 1
    if isinstance(value, float):
        value = f"{value:,.2f}"
    usable = int(max(width - 1.0, 1.0))
    text = value if type(value) is str else str(value)
    if _one_line(text, usable):
        return 1
    short = len(text) <= _LINES_SEEN_TEXT
    if short:
        seen = _LINES_SEEN.get((text, usable))
        if seen is not None:
            return seen
    # CJK at 1.9 units: 宋体 10pt in Excel's default column unit, a little wider than LibreOffice draws it
    lines = 0
    for part in text.split("\n"):
        lines += max(1, -(-int(display_width(part, 1.9)) // usable))
        if lines >= limit:
            return lines
    if short:
        if len(_LINES_SEEN) > 50_000:
            _LINES_SEEN.clear()
        _LINES_SEEN[(text, usable)] = lines
    return lines


def _height(lines: int, font_size: float) -> float:
    return min(MAX_ROW_HEIGHT, round(lines * font_size * 1.28 + 4, 1))


@functools.cache
def _line_limit(font_size: float) -> int:
    """The fewest lines that reach the largest row height."""
    n = 1
    while _height(n, font_size) < MAX_ROW_HEIGHT:
        n += 1
    return n


def row_height(values: Sequence[object], widths: Sequence[float], font_size: float = 10) -> float | None:
    """Height in points that shows every line of wrapped text (Excel and LibreOffice do not grow rows
    written by openpyxl); None for a one-line row, which keeps the default height."""
    limit = _line_limit(font_size)
    lines = 1
    for v, w in zip(values, widths, strict=False):
        if v is None:
            continue
        n = _lines(v, w, limit)
        if n > lines:
            lines = n
            if n >= limit:
                break
    if lines <= 1:
        return None
    return _height(lines, font_size)
