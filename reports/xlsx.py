"""Shared Excel formatting: fonts, severity colours, table sheets with frozen headers and print setup.

Workbooks are written in openpyxl's write-only mode (streamed rows, a fraction of the time of the
normal mode), so every sheet is laid out top to bottom and column widths are set before rows.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.styles.cell_style import StyleArray
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.properties import PageSetupProperties

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


def new_workbook() -> Workbook:
    return Workbook(write_only=True)


def to_bytes(wb: Workbook) -> bytes:
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _clip(value: object) -> object:
    if isinstance(value, str) and len(value) > MAX_CELL_CHARS:
        return value[: MAX_CELL_CHARS - 20] + "……（内容过长，已截断）"
    return value


def cell(ws, value: object, *, font: Font = FONT, fill: PatternFill | None = None, align: Alignment | None = WRAP,
         fmt: str | None = None, border: bool = True) -> WriteOnlyCell:
    c = WriteOnlyCell(ws, value=_clip(value))
    # Registering a style with the workbook hashes it, which costs more than writing the cell:
    # register each combination once per workbook and copy its index array afterwards.
    cache = ws.parent.__dict__.setdefault("_xuncha_styles", {})
    key = (id(font), id(fill), id(align), fmt, border)
    hit = cache.get(key)
    if hit is None:
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
        cache[key] = (StyleArray(c._style), font, fill, align)
    else:
        c._style = StyleArray(hit[0])
    return c


def data_cell(ws, value: object, kind: str, fill: PatternFill | None = None) -> WriteOnlyCell:
    fmt = {"money": MONEY_FORMAT, "score": SCORE_FORMAT, "number": "#,##0.00", "date": DATE_FORMAT,
           "datetime": DATETIME_FORMAT}.get(kind)
    if kind in ("date", "datetime") and isinstance(value, str):
        fmt = None
    if isinstance(value, dt.datetime) and kind == "date":
        value = value.date()
    align = WRAP_CENTER if kind in ("center", "int", "date", "datetime") else WRAP
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
    print_setup(ws, header_text, title_rows=f"{header_row}:{header_row}")
    widths = [c.width for c in cols]
    if caption:
        if len(cols) > 1:
            ws.merged_cells.add(f"A1:{last_col}1")
        ws.row_dimensions[1].height = max(24.0, row_height([caption], [sum(widths)], 12) or 0)
        ws.append([cell(ws, caption, font=FONT_SECTION, align=MIDDLE, border=False)])
    head_height = row_height([c.header for c in cols], widths)
    if head_height:
        ws.row_dimensions[header_row].height = head_height
    ws.append([cell(ws, c.header, font=FONT_BOLD, fill=FILL_HEADER, align=HEADER_ALIGN) for c in cols])
    n = 0
    for row in rows:
        fills = row_fill(row) if row_fill else {}
        values = [transform(v) for v in row] if transform else row
        height = row_height(values, widths)
        if height:
            ws.row_dimensions[header_row + n + 1].height = height
        ws.append([data_cell(ws, v, c.kind, fills.get(i)) for i, (v, c) in enumerate(zip(values, cols, strict=True))])
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


def display_width(text: str, cjk: float = 2.0) -> float:
    """Approximate column width of text: CJK characters count (about) double."""
    return sum(cjk if ord(ch) > 0x2E7F else 1.0 for ch in text)


def _lines(value: object, width: float) -> int:
    if value is None:
        return 1
    if isinstance(value, float):
        value = f"{value:,.2f}"
    usable = max(width - 1.0, 1.0)
    # CJK at 1.9 units: 宋体 10pt in Excel's default column unit, a little wider than LibreOffice draws it
    return sum(max(1, -(-int(display_width(part, 1.9)) // int(usable))) for part in str(value).split("\n"))


def row_height(values: Sequence[object], widths: Sequence[float], font_size: float = 10) -> float | None:
    """Height in points that shows every line of wrapped text (Excel and LibreOffice do not grow rows
    written by openpyxl); None for a one-line row, which keeps the default height."""
    lines = max((_lines(v, w) for v, w in zip(values, widths, strict=False)), default=1)
    if lines <= 1:
        return None
    return min(409.0, round(lines * font_size * 1.28 + 4, 1))
