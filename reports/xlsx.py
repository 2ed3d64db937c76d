"""Shared Excel formatting: fonts, severity colours, table sheets with frozen headers and print setup.

Workbooks are written in openpyxl's write-only mode (streamed rows, a fraction of the time of the
normal mode), so every sheet is laid out top to bottom and column widths are set before rows.
Table sheets go further: their rows are serialised here, straight into the sheet's XML stream, as
the same XML openpyxl writes (see `RowStream`); openpyxl's per-cell objects and its pure-Python
XML writer cost ~10 µs a cell, which is most of the time of a city's report set.
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
                # registered when first written, as openpyxl does (the order of styles.xml)
                sid = style[1] = ws.parent._cell_styles.add(style[0]) if any(style[0]) else -1
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
    rows: Iterable[Sequence[object]],
    *,
    header_text: str,
    caption: str | None = None,
    row_fill: Callable[[Sequence[object]], dict[int, PatternFill]] | None = None,
    transform: Callable[[object], object] | None = None,
    filter_rows: bool = True,
) -> int:
    """A sheet holding one table: optional caption line, header row (frozen, filtered, repeated on
    every printed page), then the rows. `row_fill` returns column index -> fill for a row;
    `transform` is applied to every value (the team workbooks' masking). Returns the row count."""
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
    n = 0
    for row in rows:
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
                styles = text_styles if isinstance(v, str) else other_styles
                style = styles[i]
                if style is None:
                    _, align, fmt = _data_style(kind, v)
                    style = styles[i] = _style(ws, v, FONT, None, align, fmt, True)
            else:
                key = (i, id(fill), isinstance(v, str))
                style = filled.get(key)
                if style is None:
                    _, align, fmt = _data_style(kind, v)
                    style = filled[key] = _style(ws, v, FONT, fill, align, fmt, True)
            cells.append((v, style))
        out.append(cells, _height(lines, 10) if lines > 1 else None, letters)
        n += 1
    if filter_rows:
        ws.auto_filter.ref = f"A{header_row}:{last_col}{header_row + max(n, 1)}"
    return n


def severity_fill(index: int) -> Callable[[Sequence[object]], dict[int, PatternFill]]:
    """Colour the severity cell at `index` of each row."""

    def fill(row: Sequence[object]) -> dict[int, PatternFill]:
        f = SEVERITY_FILLS.get(row[index])  # type: ignore[arg-type]
        return {index: f} if f else {}

    return fill


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
