"""The fast path of the workbooks, fenced: everything that reaches into openpyxl's private writer
internals lives here and nowhere else (pyproject.toml caps openpyxl for this reason; a test compares
this path's output with openpyxl's own writer and another checks that the path is taken).

Workbooks are written in openpyxl's write-only mode, streamed into memory (`_Sheet`, `_Writer`).
Rows are serialised here, straight into the sheet's XML stream, as the same XML openpyxl writes
(`RowStream`): openpyxl's per-cell objects and its pure-Python XML writer cost ~10 µs a cell, which
is most of the time of a city's report set.

Text from data is always written as text: a string starting with "=" or spelling an error code
("#N/A") is a string cell, never a formula or an error. Only a `Formula` (the product's own
formulas) is written as a formula. Characters a workbook cannot hold (control characters, lone
surrogates) are written as U+FFFD (`xuncha.text.writable`), never raised over.
"""

from __future__ import annotations

import datetime as dt
import io
import math
from collections.abc import Callable, Sequence
from typing import Any
from zipfile import ZIP_DEFLATED, ZipFile

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell._writer import write_cell
from openpyxl.drawing.spreadsheet_drawing import SpreadsheetDrawing
from openpyxl.styles import Alignment, Border, Font, PatternFill
from openpyxl.styles.cell_style import StyleArray
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._write_only import WriteOnlyWorksheet
from openpyxl.worksheet._writer import WorksheetWriter
from openpyxl.writer.excel import ExcelWriter

from reports.xlsx_layout import MAX_CELL_CHARS, clip, number_text
from xuncha.text import has_unwritable, writable


class Formula(str):
    """A formula the product writes itself (e.g. a HYPERLINK to a village workbook): the only text
    written as a formula. Every other string, whatever it starts with, is written as text."""


# Deflate level of the workbooks' zip: 3 compresses a city's sheets in half the time of the default
# (6) and to files about 15% larger.
ZIP_LEVEL = 3


class _Sheet(WriteOnlyWorksheet):
    """A write-only sheet streamed into memory rather than into a temporary file: thousands of
    small files cost more than the XML in them, and no workbook's data is left in the temp folder."""

    def _get_writer(self) -> None:
        if self._writer is None:  # type: ignore[has-type]
            writer = WorksheetWriter(self, out=io.BytesIO())
            writer.write_top()
            self._writer = writer


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
        wb.properties.modified = dt.datetime.now(tz=dt.UTC).replace(tzinfo=None)
        _Writer(wb, archive).save()
    return buf.getvalue()


def style(ws, value: object, font: Font, fill: PatternFill | None, align: Alignment | None, fmt: str | None,
          border: Border | None) -> list:
    """[StyleArray, style id or None] of a style combination, registered once per workbook.

    Registering a style with the workbook hashes it, which costs more than writing the cell: each
    combination is registered once and its index array copied afterwards. The first cell of a
    combination decides its array (openpyxl gives a date a date format when none is set)."""
    cache = ws.parent.__dict__.setdefault("_xuncha_styles", {})
    key = (id(font), id(fill), id(align), fmt, id(border))
    hit = cache.get(key)
    if hit is None:
        c = make_cell(ws, value)
        c.font = font
        if fill is not None:
            c.fill = fill
        if align is not None:
            c.alignment = align
        if fmt:
            c.number_format = fmt
        if border:
            c.border = border
        # keep the style objects alive with the entry, so their ids cannot be reused by others
        hit = cache[key] = [StyleArray(c._style), None, font, fill, align, border]
    return hit


def make_cell(ws, value: object) -> WriteOnlyCell:
    """A write-only cell of `value`: text stays text (see `Formula`), over-long text is clipped,
    characters a workbook cannot hold are replaced (`writable`)."""
    if isinstance(value, str) and has_unwritable(value):
        value = Formula(writable(value)) if type(value) is Formula else writable(value)
    c = WriteOnlyCell(ws, value=clip(value))
    if c.data_type in ("f", "e") and type(value) is not Formula:
        c.data_type = "s"  # openpyxl reads "=..." as a formula and "#N/A" as an error code
    return c


def styled_cell(ws, value: object, style: list) -> WriteOnlyCell:
    c = make_cell(ws, value)
    c._style = StyleArray(style[0])
    return c


_LETTERS = [get_column_letter(i) for i in range(1, 53)]
_isfinite = math.isfinite


def register_style(ws, style: list) -> int:
    """The style id of a [StyleArray, id] pair; registered when first written, as openpyxl does (the
    order of styles.xml). -1 for no style."""
    if style[1] is None:
        style[1] = ws.parent._cell_styles.add(style[0]) if any(style[0]) else -1
    return style[1]


class RowStream:
    """The rows of a write-only sheet, written as openpyxl writes them but without its per-cell
    objects: `<row r=".." ht=".." customHeight="1">` and `<c r=".." s=".." t="..">` elements.

    Strings, numbers and empty cells are serialised here; anything else (dates, booleans, the
    product's own `Formula`s) goes through openpyxl's own cell writer. The XML is et_xmlfile's; where
    openpyxl streams through lxml (when installed) the rest of the sheet is lxml's, which differs only
    in spelling (`<c/>` for `<c />`)."""

    def __init__(self, ws) -> None:
        ws._get_writer()  # writes everything above the rows: views, column widths
        self._ws = ws
        self._stream = ws._writer.xf
        self._xf = self._stream.send(True)
        self._data = self._xf.element("sheetData")
        self._data.__enter__()
        self._raw: Callable[[str], object] | None = None
        self._bytes: Callable[[bytes], object] | None = None
        raw = getattr(self._xf, "_file", None)  # et_xmlfile's text writer
        if type(self._xf).__module__.startswith("et_xmlfile") and callable(raw):
            self._raw = raw
            wrapper = getattr(raw, "__self__", None)
            if isinstance(wrapper, io.TextIOWrapper):
                def write_bytes(xml: bytes) -> None:  # after what the text writer holds
                    wrapper.flush()
                    wrapper.buffer.write(xml)
                self._bytes = write_bytes
        elif type(self._xf).__module__.startswith("lxml") and callable(getattr(self._xf, "flush", None)):
            # openpyxl streams through lxml when it is installed: lxml's writer has no raw write, so
            # what it holds is flushed and the XML goes to the sheet's stream under it
            out, flush = ws._writer.out, self._xf.flush

            def write_bytes(xml: bytes) -> None:
                flush()
                out.write(xml)
            self._bytes = write_bytes
            self._raw = lambda text: write_bytes(text.encode("utf-8"))
        self.rows = 0
        ws._rows = self  # WriteOnlyWorksheet.close() closes its rows before writing what follows them

    def close(self) -> None:
        self._data.__exit__(None, None, None)
        self._stream.send(None)

    def append(self, cells: Sequence[tuple[Any, list]], height: float | None, letters: Sequence[str]) -> None:
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
        out = [f'<row r="{r}" ht="{number_text(height)}" customHeight="1">' if height else f'<row r="{r}">']
        add = out.append
        for i, (v, style) in enumerate(cells):
            sid = style[1]
            if sid is None:
                sid = register_style(ws, style)
            t = type(v)
            if sid >= 0:
                if t is str:
                    if len(v) > MAX_CELL_CHARS:
                        v = clip(v)
                    if not v:
                        add(f'<c r="{letters[i]}{r}" s="{sid}" t="inlineStr" />')
                        continue
                    if has_unwritable(v):
                        v = writable(v)
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
            # an unstyled cell or a rarer value (date, boolean, Formula): openpyxl writes
            # it, after what is pending
            raw("".join(out))
            out.clear()
            c = self._openpyxl_cell(v, style, r, i)
            if c._value is not None or c.has_style:
                write_cell(self._xf, ws, c, c.has_style)
        add("</row>")
        raw("".join(out))

    def write_serialised(self, xml: bytes, rows: int) -> None:
        """`rows` rows serialised elsewhere (`xlsx_frame.frame_rows`), as UTF-8."""
        if self._bytes is not None:
            self._bytes(xml)
        elif self._raw is not None:
            self._raw(xml.decode("utf-8"))
        else:
            raise RuntimeError("serialised rows need the fast path (RowStream._raw)")
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
            row.append((Formula(c._value) if c.data_type == "f" else c._value, style))
        self.append(row, height, _LETTERS[: len(row)])

    def _openpyxl_cell(self, value: object, style: list, row: int, col: int) -> WriteOnlyCell:
        c = make_cell(self._ws, value)
        c._style = StyleArray(style[0])
        c.row, c.column = row, col + 1
        return c

