"""Read a department file into raw sheets: every sheet (hidden too), every cell, nothing coerced.

.xlsx/.xlsm/.xls/.ods go through python-calamine (Rust; ~10x faster than openpyxl, measured in
benchmarks/bench_ingest.py), .xls falls back to xlrd; text files (CSV/TXT in any encoding, HTML
tables saved as .xls) are read by connectors/text_files.py. Cells keep their type (str, float,
date, datetime, bool): numbers are NOT turned into text here, because only the caller knows
whether a float of 6.1e17 is an amount or an ID that lost digits.

Before an .xlsx is read, connectors/workbook_scan.py streams its parts: a workbook over the reading
limits is refused (ReadError) before any reader allocates its cells; numeric cells whose stored
text holds 16+ digits (IDs written as numbers by many exporters) are given those exact digits as
text instead of the float a reader makes of them; formula cells whose result is unknown become
normalize.FORMULA_UNCALCULATED. An .xls stores numbers as 8-byte floats: there the digits past
the 15th-17th are not in the file at all, and such cells stay numbers (lossy, quarantined).
"""

from __future__ import annotations

import datetime as dt
import io
import zipfile
import zlib
from collections.abc import Iterator
from pathlib import Path

from connectors.children import fork_context, start_server
from connectors.inbox import CSV_SUFFIXES, EXCEL_SUFFIXES, SUFFIXES  # noqa: F401  (defined with the inbox listing)
from connectors.normalize import FORMULA_UNCALCULATED
from connectors.rawsheet import HEAD_ROWS, RawSheet, ReadError, display_name  # noqa: F401  (re-exported)
from connectors.text_files import decode_text, looks_like_html, looks_like_text_table, read_csv_sheet, read_html_tables
from connectors.workbook_scan import LimitExceeded, WorkbookScan, column_letters, scan_xlsx
from xuncha.config import ReadingLimits

__all__ = ["RawSheet", "ReadError", "HEAD_ROWS", "StreamedWorkbook", "decode_text", "open_streamed", "read_csv_sheet",
           "read_file", "render_cell"]

_ZIP = b"PK\x03\x04"
_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
# calamine's own error texts (English), as the user is told them
_CALAMINE_ERRORS = {
    "Cannot detect file format": "无法识别文件格式",
    "Invalid Zip Archive": "压缩包结构损坏",
    "password": "文件已加密",
    "Unrecognized sheet type": "无法识别的工作表类型",
}


def read_file(path: Path, data: bytes | None = None, limits: ReadingLimits | None = None) -> list[RawSheet]:
    """All sheets of a file. Raises ReadError with a Chinese reason.

    The content decides how a file is read, not its extension (departments rename files): a CSV
    named .xlsx is read as CSV, an HTML page named .xls as its tables, an Excel workbook named .csv
    as a workbook, each with a note.

    Whatever a reader raises costs this file only: a Rust reader's panic arrives as pyo3's
    PanicException, which derives from BaseException (not Exception), and any error a reader did
    not foresee become a ReadError too; only an interrupt (Ctrl-C) or an exit stops the run.
    """
    try:
        return _read_file(path, data, limits)
    except ReadError:
        raise
    except (KeyboardInterrupt, SystemExit):
        raise
    except BaseException as e:  # noqa: BLE001 - a reader's panic is a BaseException (see above)
        raise ReadError(f"读取程序在读这个文件时出错（{_failure_name(e)}），文件可能已损坏或是恶意构造的，未读取；"
                        "其余文件照常读取") from None


def _failure_name(e: BaseException) -> str:
    """What went wrong, for the message: a panic says so in Chinese, anything else by its type."""
    if type(e).__name__ == "PanicException":
        return "读取程序内部崩溃（panic）"
    return type(e).__name__


def _read_file(path: Path, data: bytes | None, limits: ReadingLimits | None) -> list[RawSheet]:
    suffix = path.suffix.lower()
    stem = display_name(path.stem)  # a GBK file name gives a readable sheet name
    if data is None:
        data = path.read_bytes()
    if suffix not in SUFFIXES:
        raise ReadError(f"不支持的文件类型“{path.suffix}”（支持 .xlsx .xls .csv .txt）")
    if not data.strip():
        raise ReadError("文件是空的（0字节或只有空白），请让报送单位重新导出")
    is_book = data.startswith((_ZIP, _OLE))
    if data.startswith(_OLE) and _encrypted(data):
        raise ReadError("文件已加密（设置了打开密码），无法读取；请让报送单位提供未加密的文件，"
                        "或在Excel/WPS中输入密码打开后取消密码并重新保存")
    if not is_book and looks_like_html(data):
        return read_html_tables(data, stem)
    if suffix in CSV_SUFFIXES and not is_book:
        # Named like the one sheet Excel shows when it opens a CSV: the file name without extension.
        return [read_csv_sheet(stem, data)]
    if suffix in EXCEL_SUFFIXES and not is_book:
        if not looks_like_text_table(data):
            raise ReadError(f"无法打开工作簿：文件扩展名是“{path.suffix}”，但内容既不是Excel工作簿，"
                            "也不是CSV文本或网页表格（文件可能已损坏）")
        sheet = read_csv_sheet(stem, data)
        sheet.notes.append(f"文件扩展名是“{path.suffix}”，但内容是CSV文本，已按CSV读取")
        return [sheet]
    note = [f"文件扩展名是“{path.suffix}”，但内容是Excel工作簿，已按Excel读取"] if suffix in CSV_SUFFIXES else []
    limits = limits or ReadingLimits()
    scan = None
    if data.startswith(_ZIP):
        try:
            scan = scan_xlsx(data, limits)
        except LimitExceeded as e:
            raise ReadError(str(e)) from e
        except (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError, KeyError, SyntaxError):
            scan = None  # not a readable zip: the reader says so below
    if scan is not None and scan.sheets:
        sheets = _read_workbook(data)  # checked against the limits: read here
    else:
        # .xls, .ods, .xlsb: no scan bounds what the reader allocates, so it runs in a child
        # process; if that dies (a native reader aborting), this file is reported and the run goes on.
        sheets = read_isolated(_read_workbook_to_send, data, limits.isolated_read_seconds)
    for sheet in sheets:
        sheet.notes = note + sheet.notes
        if scan is not None and sheet.name in scan.sheets:
            _apply_scan(sheet, scan)
    return sheets


class StreamedWorkbook:
    """An .xlsx checked against the reading limits and opened by calamine, whose sheets are read a
    row at a time (`rows`): what a returned team workbook of 300,000 rows needs, where read_file
    would hold every row of every sheet as Python lists at once. Whatever goes wrong is a ReadError."""

    def __init__(self, book, names: list[str]) -> None:
        self._book = book
        self.names = names

    def rows(self, name: str) -> Iterator[list]:
        """The sheet's rows from Excel row 1 (empty rows as empty lists or blank cells), cells from
        column A; ReadError (Chinese) for anything the reader raises on the way."""
        try:
            sheet = self._book.get_sheet_by_name(name)
            start = sheet.start  # None: no cells (calamine's row iterator would panic on it)
            if start is None:
                return
            pad = [""] * start[1]
            for row in sheet.iter_rows():  # pads the rows above the first from row 1 itself
                yield pad + row if pad else row
        except (KeyboardInterrupt, SystemExit, GeneratorExit):
            raise
        except BaseException as e:  # noqa: BLE001 - calamine's errors and panics (BaseException)
            raise ReadError(f"读取工作表“{name}”时出错（{_failure_name(e)}），文件可能已损坏") from None


def open_streamed(data: bytes, limits: ReadingLimits | None = None) -> StreamedWorkbook:
    """An .xlsx for reading row by row (StreamedWorkbook); ReadError (Chinese) when it is over the
    reading limits or cannot be opened."""
    try:
        scan_xlsx(data, limits or ReadingLimits())
    except LimitExceeded as e:
        raise ReadError(str(e)) from e
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError, KeyError, SyntaxError):
        raise ReadError("无法打开工作簿（文件不完整（可能下载或拷贝中断）或已损坏）") from None
    try:
        from python_calamine import CalamineWorkbook, SheetTypeEnum

        book = CalamineWorkbook.from_filelike(io.BytesIO(data))
        names = [m.name for m in book.sheets_metadata if m.typ == SheetTypeEnum.WorkSheet]
    except (KeyboardInterrupt, SystemExit):
        raise
    except BaseException as e:  # noqa: BLE001 - calamine's errors and panics (BaseException)
        raise ReadError(f"无法打开工作簿（{_failure_name(e)}：文件可能已损坏）") from None
    return StreamedWorkbook(book, names)


def _read_workbook(data: bytes) -> list[RawSheet]:
    """calamine, else (an .xls calamine cannot open) xlrd; ReadError with a Chinese reason."""
    try:
        return _read_calamine(data)
    except (KeyboardInterrupt, SystemExit):
        raise
    except BaseException as e:  # noqa: BLE001 - calamine's own error types, and its panics (BaseException)
        if data.startswith(_OLE):
            try:
                return _read_xlrd(data)
            except Exception:
                pass
        if not isinstance(e, Exception):  # a panic
            raise ReadError(f"无法打开工作簿（{_failure_name(e)}，文件可能已损坏或是恶意构造的）") from None
        what = "文件不完整（可能下载或拷贝中断）或已损坏" if data.startswith(_ZIP) else "文件可能已损坏或不是真正的Excel文件"
        raise ReadError(f"无法打开工作簿（{what}{_calamine_reason(e)}）") from None


def _child_read(conn, reader, data: bytes) -> None:
    try:
        conn.send(("ok", reader(data)))
    except ReadError as e:
        conn.send(("error", str(e)))
    except BaseException as e:  # noqa: BLE001 - anything else a reader raises, a panic too: the file is unreadable
        conn.send(("error", f"无法打开工作簿（读取时出错：{_failure_name(e)}）"))
    finally:
        conn.close()


def _read_workbook_to_send(data: bytes) -> list[RawSheet]:
    """_read_workbook in a child process, equal texts of a sheet made one object before the sheets
    are pickled to the parent: pickle then writes a repeated text (a town, a month, a subsidy type)
    once and refers back to it. A 250,000-row .xls: pickling and unpickling 1.1 -> 0.6 s, 21 -> 10 MB
    through the pipe. Texts only: 1, 1.0 and True are equal keys, and a cell's type is kept."""
    sheets = _read_workbook(data)
    for sheet in sheets:
        same = {}.setdefault
        rows = sheet.rows
        for i, row in enumerate(rows):
            rows[i] = [same(v, v) if v.__class__ is str else v for v in row]
    return sheets


# Workbooks that are usually read in a child process (read_file: no scan bounds them).
ISOLATED_SUFFIXES = (".xls", ".xlsb", ".ods")


def start_isolation(paths: list[Path]) -> None:
    """Start the fork server now when some of these files will likely be read in a child process:
    it imports the readers (~0.5 s) in its own process while this one reads the other files, instead
    of while the first such file waits for it."""
    if any(p.suffix.lower() in ISOLATED_SUFFIXES for p in paths):
        start_server()


def read_isolated(reader, data: bytes, timeout: float) -> list[RawSheet]:
    """reader(data) in a child process: a reader that crashes or hangs costs this file, not the run."""
    ctx = fork_context()
    receive, send = ctx.Pipe(duplex=False)
    child = ctx.Process(target=_child_read, args=(send, reader, data), daemon=True)
    child.start()
    send.close()
    try:
        if not receive.poll(timeout):
            child.kill()
            raise ReadError(f"读取超过{timeout:.0f}秒仍未完成（connectors.reading_limits.isolated_read_seconds），"
                            "文件可能已损坏或是恶意构造的，未读取")
        status, value = receive.recv()
    except (EOFError, OSError):
        child.join(5)
        code = child.exitcode
        how = f"被信号{-code}终止" if code is not None and code < 0 else f"退出码{code}"
        raise ReadError(f"读取程序在读这个文件时异常退出（{how}），文件可能已损坏或是恶意构造的，未读取；"
                        "其余文件照常读取") from None
    finally:
        receive.close()
    child.join(5)
    if status == "error":
        raise ReadError(value)
    return value


def _calamine_reason(e: BaseException) -> str:
    text = str(e)
    for english, chinese in _CALAMINE_ERRORS.items():
        if english.lower() in text.lower():
            return "：" + chinese
    return ""


def _apply_scan(sheet: RawSheet, scan: WorkbookScan) -> None:
    """Exact digits in place of floats; formula cells whose result is unknown marked so."""
    found = scan.sheets[sheet.name]
    rows = sheet.rows

    def put(at: tuple[int, int], value: object) -> None:
        r, c = at
        if r >= len(rows):
            width = max((len(x) for x in rows), default=0)
            rows.extend([""] * width for _ in range(r + 1 - len(rows)))
        if c >= len(rows[r]):
            grow = c + 1 - len(rows[r])
            for row in rows:  # readers return rectangles: keep it so
                row.extend([""] * grow)
        rows[r][c] = value

    for at, digits in found.exact.items():
        if at[0] < len(rows) and at[1] < len(rows[at[0]]) and isinstance(rows[at[0]][at[1]], (int, float)):
            rows[at[0]][at[1]] = digits
    # A program that never calculates (fullCalcOnLoad, or formulas left without results) also
    # wrote its cached zeros without calculating them: those are no more known than the rest.
    untrusted = scan.full_calc_on_load or any(s.uncached for s in scan.sheets.values())
    unknown = found.uncached + (found.cached_zero if untrusted else [])
    for at in unknown:
        put(at, FORMULA_UNCALCULATED)
    if unknown:
        sheet.notes.append(f"本表有{len(unknown)}个公式单元格没有可信的计算结果（{_cells(unknown)}），"
                           "公式未重新计算，请在Excel中重新计算后保存；这些单元格不作为数值读取")
    elif found.cached_zero:
        sheet.notes.append(f"本表有{len(found.cached_zero)}个公式单元格的计算结果为0（{_cells(found.cached_zero)}），"
                           "如公式未重新计算，请在Excel中重新计算后保存")


def _cells(at: list[tuple[int, int]], limit: int = 5) -> str:
    shown = "、".join(f"{column_letters(c + 1)}{r + 1}" for r, c in sorted(at)[:limit])
    return shown + (f"等{len(at)}个" if len(at) > limit else "")


def _encrypted(data: bytes) -> bool:
    """An OLE file holding an encrypted OOXML package (Excel's 'password to open'), or an encrypted .xls."""
    try:
        import msoffcrypto

        return bool(msoffcrypto.OfficeFile(io.BytesIO(data)).is_encrypted())
    except Exception:
        return b"E\x00n\x00c\x00r\x00y\x00p\x00t\x00i\x00o\x00n\x00I\x00n\x00f\x00o" in data


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


def render_cell(v: object) -> str | None:
    """A cell as text for places that need text (headers, messages, raw values in quarantine)."""
    if v is None or v == "":
        return None
    if isinstance(v, float):
        return str(int(v)) if v.is_integer() and abs(v) < 1e15 else repr(v)
    if isinstance(v, dt.datetime):
        return v.isoformat(sep=" ")
    return str(v)
