"""Read a department file into raw sheets: every sheet (hidden too), every cell, nothing coerced.

.xlsx/.xlsm/.xls/.ods go through python-calamine (Rust; ~10x faster than openpyxl, measured in
benchmarks/bench_ingest.py), .xls falls back to xlrd, .csv is decoded as UTF-8(-BOM) then GB18030.
Cells keep their type (str, float, date, datetime, bool): numbers are NOT turned into text here,
because only the caller knows whether a float of 6.1e17 is an amount or an ID that lost digits.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass, field
from pathlib import Path

from connectors.headers import Merge

EXCEL_SUFFIXES = {".xlsx", ".xlsm", ".xls", ".xlsb", ".ods"}
CSV_SUFFIXES = {".csv", ".txt"}
SUFFIXES = EXCEL_SUFFIXES | CSV_SUFFIXES


class ReadError(Exception):
    """The file could not be opened (Chinese message)."""


@dataclass
class RawSheet:
    name: str
    rows: list[list]  # from row 1 / column A; rows[i] is Excel row i+1
    merges: list[Merge] = field(default_factory=list)
    hidden: bool = False


def read_file(path: Path, data: bytes | None = None) -> list[RawSheet]:
    """All sheets of a file. Raises ReadError with a Chinese reason."""
    suffix = path.suffix.lower()
    if data is None:
        data = path.read_bytes()
    if suffix in CSV_SUFFIXES:
        # Named like the one sheet Excel shows when it opens a CSV: the file name without extension.
        return [RawSheet(path.stem, read_csv_rows(data))]
    if suffix in EXCEL_SUFFIXES:
        try:
            return _read_calamine(data)
        except Exception as e:  # calamine raises its own error types; report them all the same way
            if suffix == ".xls":
                try:
                    return _read_xlrd(data)
                except Exception:
                    pass
            raise ReadError(f"无法打开工作簿（文件可能已损坏、加密或不是真正的Excel文件）：{e}") from e
    raise ReadError(f"不支持的文件类型“{path.suffix}”（支持 .xlsx .xls .csv）")


def _read_calamine(data: bytes) -> list[RawSheet]:
    from python_calamine import CalamineWorkbook, SheetTypeEnum, SheetVisibleEnum

    wb = CalamineWorkbook.from_filelike(io.BytesIO(data))
    sheets = []
    for meta in wb.sheets_metadata:
        if meta.typ not in (SheetTypeEnum.WorkSheet,):
            continue  # chart sheets and macro sheets hold no rows
        sheet = wb.get_sheet_by_name(meta.name)
        rows = sheet.to_python(skip_empty_area=False)
        merges = list(getattr(sheet, "merged_cell_ranges", None) or [])
        sheets.append(RawSheet(meta.name, rows, merges, meta.visible != SheetVisibleEnum.Visible))
    return sheets


def _read_xlrd(data: bytes) -> list[RawSheet]:
    import xlrd

    book = xlrd.open_workbook(file_contents=data, formatting_info=False)
    sheets = []
    for sh in book.sheets():
        rows = []
        for r in range(sh.nrows):
            row = []
            for c in range(sh.ncols):
                cell = sh.cell(r, c)
                if cell.ctype == xlrd.XL_CELL_DATE:
                    row.append(xlrd.xldate_as_datetime(cell.value, book.datemode))
                elif cell.ctype in (xlrd.XL_CELL_EMPTY, xlrd.XL_CELL_BLANK):
                    row.append("")
                elif cell.ctype == xlrd.XL_CELL_BOOLEAN:
                    row.append(bool(cell.value))
                elif cell.ctype == xlrd.XL_CELL_ERROR:
                    row.append("")
                else:
                    row.append(cell.value)
            rows.append(row)
        merges = [((r0, c0), (r1 - 1, c1 - 1)) for r0, r1, c0, c1 in getattr(sh, "merged_cells", [])]
        sheets.append(RawSheet(sh.name, rows, merges, sh.visibility != 0))
    return sheets


def decode_text(data: bytes) -> tuple[str, str]:
    """CSV text and the encoding that worked: UTF-8 (with or without BOM), else GB18030 (covers GBK)."""
    for enc in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(enc), enc
        except UnicodeDecodeError:
            continue
    raise ReadError("无法识别文件编码（既不是UTF-8也不是GBK/GB18030）")


def read_csv_rows(data: bytes) -> list[list]:
    text, _ = decode_text(data)
    head = text[:8192]
    delimiter = "\t" if head.count("\t") > head.count(",") else ","
    rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    width = max((len(r) for r in rows), default=0)
    for r in rows:
        if len(r) < width:
            r.extend([""] * (width - len(r)))
    return rows


def render_cell(v: object) -> str | None:
    """A cell as text for places that need text (headers, messages, raw values in quarantine)."""
    if v is None or v == "":
        return None
    if isinstance(v, float):
        return str(int(v)) if v.is_integer() and abs(v) < 1e15 else repr(v)
    if isinstance(v, dt.datetime):
        return v.isoformat(sep=" ")
    return str(v)
