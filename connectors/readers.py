"""Read a department file into raw sheets: every sheet (hidden too), every cell, nothing coerced.

.xlsx/.xlsm/.xls/.ods go through python-calamine (Rust; ~10x faster than openpyxl, measured in
benchmarks/bench_ingest.py), .xls falls back to xlrd, .csv is decoded as UTF-8(-BOM) then GB18030.
Cells keep their type (str, float, date, datetime, bool): numbers are NOT turned into text here,
because only the caller knows whether a float of 6.1e17 is an amount or an ID that lost digits.

A CSV holds only text, so it is parsed by polars (Rust) straight into text columns (RawSheet.frame)
instead of a Python list per row: 10x faster on a 770,000-row payment file. Where polars would
read a file differently from Python's csv module (a stray quote, bare carriage returns, a row
wider than the first thousand), it refuses the file and the csv module reads it instead.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import zipfile
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path

import polars as pl

from connectors.headers import MAX_HEADER_SCAN, Merge
from connectors.inbox import CSV_SUFFIXES, EXCEL_SUFFIXES, SUFFIXES  # noqa: F401  (defined with the inbox listing)


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

    @property
    def height(self) -> int:
        return self.frame.height if self.frame is not None else len(self.rows)


# Rows of a column-wise sheet also kept as lists: enough for header detection below title rows.
HEAD_ROWS = MAX_HEADER_SCAN + 1


_ZIP = b"PK\x03\x04"
_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def read_file(path: Path, data: bytes | None = None) -> list[RawSheet]:
    """All sheets of a file. Raises ReadError with a Chinese reason.

    The content decides how a file is read, not its extension (departments rename files): a CSV
    named .xlsx is read as CSV and an Excel workbook named .csv as a workbook, with a note.
    """
    suffix = path.suffix.lower()
    if data is None:
        data = path.read_bytes()
    if suffix not in SUFFIXES:
        raise ReadError(f"不支持的文件类型“{path.suffix}”（支持 .xlsx .xls .csv）")
    if not data.strip():
        raise ReadError("文件是空的（0字节或只有空白），请让报送单位重新导出")
    is_book = data.startswith((_ZIP, _OLE))
    if data.startswith(_OLE) and _encrypted(data):
        raise ReadError("文件已加密（设置了打开密码），无法读取；请让报送单位提供未加密的文件，"
                        "或在Excel/WPS中输入密码打开后取消密码并重新保存")
    if suffix in CSV_SUFFIXES and not is_book:
        # Named like the one sheet Excel shows when it opens a CSV: the file name without extension.
        return [read_csv_sheet(path.stem, data)]
    if suffix in EXCEL_SUFFIXES and not is_book:
        if not _looks_like_csv(data):
            raise ReadError(f"无法打开工作簿：文件扩展名是“{path.suffix}”，但内容既不是Excel工作簿也不是CSV表格"
                            "（文件可能已损坏）")
        sheet = read_csv_sheet(path.stem, data)
        sheet.notes.append(f"文件扩展名是“{path.suffix}”，但内容是CSV文本，已按CSV读取")
        return [sheet]
    note = [f"文件扩展名是“{path.suffix}”，但内容是Excel工作簿，已按Excel读取"] if suffix in CSV_SUFFIXES else []
    try:
        sheets = _read_calamine(data)
    except Exception as e:  # calamine raises its own error types; report them all the same way
        sheets = None
        if data.startswith(_OLE):
            try:
                sheets = _read_xlrd(data)
            except Exception:
                pass
        if sheets is None:
            what = "文件不完整（可能下载或拷贝中断）或已损坏" if data.startswith(_ZIP) else "文件可能已损坏或不是真正的Excel文件"
            raise ReadError(f"无法打开工作簿（{what}）：{e}") from e
    uncached = _uncached_formulas(data) if data.startswith(_ZIP) else {}
    for sheet in sheets:
        sheet.notes = note + sheet.notes
        if uncached.get(sheet.name):
            sheet.notes.append(
                f"本表有{uncached[sheet.name]}个公式单元格没有计算结果（文件可能由程序生成、从未在Excel中保存过），"
                "这些单元格按空值处理；请在Excel/WPS中打开并保存后重新报送")
    return sheets


def _looks_like_csv(data: bytes) -> bool:
    """Text (UTF-8 or GB18030, no control bytes) whose first line has at least two fields."""
    try:
        text, _ = decode_text(data[:65536] if len(data) <= 65536 else data[:65536].rsplit(b"\n", 1)[0])
    except ReadError:
        return False
    if any(c in text for c in "\x00\x01\x02\x03\x04\x05\x06\x07\x08\x0b\x0e\x0f"):
        return False
    first = next((line for line in text.splitlines() if line.strip()), "")
    return "," in first or "\t" in first


def _encrypted(data: bytes) -> bool:
    """An OLE file holding an encrypted OOXML package (Excel's 'password to open'), or an encrypted .xls."""
    try:
        import msoffcrypto

        return bool(msoffcrypto.OfficeFile(io.BytesIO(data)).is_encrypted())
    except Exception:
        return b"E\x00n\x00c\x00r\x00y\x00p\x00t\x00i\x00o\x00n\x00I\x00n\x00f\x00o" in data


_SHEET_TAG = re.compile(rb"<sheet\b[^>]*>")
_REL_TAG = re.compile(rb"<Relationship\b[^>]*>")


def _attr(tag: bytes, name: bytes) -> bytes:
    m = re.search(rb"\s" + re.escape(name) + rb'="([^"]*)"', tag)
    return m.group(1) if m else b""
_CACHED_VALUE = re.compile(rb"<v>[^<]+</v>")
_FORMULA_CELL = re.compile(rb"<c\b[^>]*>(?:(?!</c>).)*?<f[ >/](?:(?!</c>).)*?</c>", re.S)


def _uncached_formulas(data: bytes) -> dict[str, int]:
    """Sheet name -> formula cells with no cached value (<f> without <v>). Cheap when there are no
    formulas: only sheets whose XML contains "<f" are scanned."""
    out: dict[str, int] = {}
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            names = set(z.namelist())
            if "xl/workbook.xml" not in names:
                return out
            rels = {}
            if "xl/_rels/workbook.xml.rels" in names:
                rels = {_attr(t, b"Id"): _attr(t, b"Target") for t in _REL_TAG.findall(z.read("xl/_rels/workbook.xml.rels"))}
            for tag in _SHEET_TAG.findall(z.read("xl/workbook.xml")):
                name, rid = _attr(tag, b"name"), _attr(tag, b"r:id")
                target = rels.get(rid, b"").decode()
                member = target.lstrip("/") if target.startswith("/") else "xl/" + target
                if member not in names:
                    continue
                xml = z.read(member)
                if b"<f" not in xml:
                    continue
                n = sum(1 for m in _FORMULA_CELL.finditer(xml) if not _CACHED_VALUE.search(m.group(0)))
                if n:
                    out[_xml_text(name)] = n
    except (zipfile.BadZipFile, KeyError, OSError):
        return {}
    return out


def _xml_text(raw: bytes) -> str:
    import html

    return html.unescape(raw.decode("utf-8"))


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


def _delimiter(text: str) -> str:
    head = text[:8192]
    return "\t" if head.count("\t") > head.count(",") else ","


def _csv_module_rows(text: str, delimiter: str) -> list[list]:
    """Every record of a CSV as a list of texts (Python's csv module), padded to the widest."""
    rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    width = max((len(r) for r in rows), default=0)
    for r in rows:
        if len(r) < width:
            r.extend([""] * (width - len(r)))
    return rows


# Records the csv module reads first, to learn the width polars is then told.
_WIDTH_SAMPLE = 1000
_WIDTH_SAMPLE_CHARS = 1 << 20
_BOM = b"\xef\xbb\xbf"


def read_csv_sheet(name: str, data: bytes) -> RawSheet:
    """A CSV as one sheet: column-wise through polars when it reads the file as the csv module would."""
    text, encoding = decode_text(data)
    delimiter = _delimiter(text)
    frame = _polars_csv(text, data, encoding, delimiter)
    if frame is None:
        return RawSheet(name, _csv_module_rows(text, delimiter))
    head = [["" if v is None else v for v in row] for row in frame.head(HEAD_ROWS).iter_rows()]
    return RawSheet(name, head, frame=frame)


def _polars_csv(text: str, data: bytes, encoding: str, delimiter: str) -> pl.DataFrame | None:
    """Every record as text columns c0..c{w-1}, or None where polars is not sure to agree with the
    csv module. polars raises on what it cannot parse as the csv module does (a quote inside an
    unquoted field, an unterminated quote) and on a record wider than it was told; records that
    are shorter get empty cells, as the csv module's rows are padded."""
    if "\r" in text and text.count("\r") != text.count("\r\n"):
        return None  # a carriage return on its own ends a record for the csv module, not for polars
    # From the start of the text only (a copy of a 100 MB text costs more than parsing its head)
    head = text if len(text) <= _WIDTH_SAMPLE_CHARS else text[:_WIDTH_SAMPLE_CHARS]
    sample = list(islice(csv.reader(io.StringIO(head, newline=""), delimiter=delimiter), _WIDTH_SAMPLE))
    width = max((len(r) for r in sample), default=0)
    if width == 0:
        return None
    utf8 = (data[len(_BOM):] if data.startswith(_BOM) else data) if encoding == "utf-8-sig" else text.encode("utf-8")
    try:
        frame = pl.read_csv(utf8, has_header=False, separator=delimiter, schema={f"c{i}": pl.String for i in range(width)},
                            missing_columns="insert", truncate_ragged_lines=False, infer_schema=False,
                            raise_if_empty=False)
    except (pl.exceptions.PolarsError, ValueError):
        return None
    # Both count records, blank lines included; differing counts mean they split the text differently.
    if head is text and len(sample) < _WIDTH_SAMPLE and frame.height != len(sample):
        return None
    return frame


def render_cell(v: object) -> str | None:
    """A cell as text for places that need text (headers, messages, raw values in quarantine)."""
    if v is None or v == "":
        return None
    if isinstance(v, float):
        return str(int(v)) if v.is_integer() and abs(v) < 1e15 else repr(v)
    if isinstance(v, dt.datetime):
        return v.isoformat(sep=" ")
    return str(v)
