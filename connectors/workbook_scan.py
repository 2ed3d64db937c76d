"""What an .xlsx holds, learnt before it is read: sizes and extents against the reading limits, the
exact digits of long numbers, and formula cells whose result is not known.

Everything is streamed: each part is inflated chunk by chunk (its real size counted, whatever the
zip directory declares) and scanned with byte patterns; only a sheet that holds long numbers or
formulas is parsed (expat, through ElementTree.iterparse, element by element), so memory stays
bounded whatever the sheet's size. A workbook over a limit is refused with a Chinese message before
any reader allocates room for its cells.
"""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass, field
from xml.etree import ElementTree

from xuncha.config import ReadingLimits

_CHUNK = 1 << 20
_OVERLAP = 256  # longer than any pattern below, so a match cut by a chunk boundary is still seen
# Patterns that begin with a literal, so that the regex engine skips to it at C speed: a sheet of a
# million cells is scanned in a fraction of the time a reader takes to parse it.
_ROW = re.compile(rb'row\b[^>]*?\br="(\d+)"')
# A cell reference of two or three letters (column AA or beyond); one letter needs no look: even
# 1,048,576 rows of 26 columns are within the cell limit's default.
_WIDE_COLUMN = re.compile(rb'r="([A-Z]{2,3})[0-9]')
_COLUMN = re.compile(rb'r="([A-Z])[0-9]')
# A numeric cell whose stored text has 16 or more digits (IDs, bank accounts written as numbers);
# with a namespace prefix (<x:v>) it is not seen, and the float stays: quarantined, never wrong.
_LONG_DIGITS = re.compile(rb"<v>\d{16}")
# The end of a formula with text (a shared formula's other cells belong to one such master):
# cheaper to find than the many forms of its start, and not the end of <formula1> (validations).
_FORMULA_ENDS = (b"</f>", b":f>")
_DIMENSION = re.compile(rb'dimension\s[^>]*?\bref="([A-Z]*)(\d*)(?::([A-Z]+)(\d+))?"')
_SHEET_TAG = re.compile(rb"<(?:\w+:)?sheet\b[^>]*>")
_REL_TAG = re.compile(rb"<(?:\w+:)?Relationship\b[^>]*>")
_FULL_CALC = re.compile(rb'fullCalcOnLoad="(?:1|true)"')


class LimitExceeded(Exception):
    """The workbook is over a reading limit (Chinese message)."""


@dataclass
class SheetScan:
    """Cell positions are 0-based (row, column), as in RawSheet.rows."""

    name: str
    max_row: int = 0  # 1-based extent of the cells actually present
    max_col: int = 0
    exact: dict[tuple[int, int], str] = field(default_factory=dict)  # numeric cells' stored digits (16+)
    uncached: list[tuple[int, int]] = field(default_factory=list)  # formulas with no cached value
    cached_zero: list[tuple[int, int]] = field(default_factory=list)  # numeric formulas cached as 0


@dataclass
class WorkbookScan:
    sheets: dict[str, SheetScan]
    # The writer asked Excel to recalculate on opening (openpyxl, xlsxwriter and the like): the
    # cached results in the file were never calculated.
    full_calc_on_load: bool = False


def column_number(letters: str) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n


def column_letters(n: int) -> str:
    out = ""
    while n:
        n, r = divmod(n - 1, 26)
        out = chr(65 + r) + out
    return out


def _attr(tag: bytes, name: bytes) -> str:
    m = re.search(rb"\s" + re.escape(name) + rb'="([^"]*)"', tag)
    return _xml_text(m.group(1)) if m else ""


def _xml_text(raw: bytes) -> str:
    import html

    return html.unescape(raw.decode("utf-8", "replace"))


def _sheet_parts(z: zipfile.ZipFile) -> list[tuple[str, str]]:
    """(sheet name, zip member) of every sheet listed in the workbook."""
    names = set(z.namelist())
    if "xl/workbook.xml" not in names:
        return []
    rels = {}
    if "xl/_rels/workbook.xml.rels" in names:
        with z.open("xl/_rels/workbook.xml.rels") as f:
            rels = {_attr(t, b"Id"): _attr(t, b"Target") for t in _REL_TAG.findall(f.read(_CHUNK * 4))}
    with z.open("xl/workbook.xml") as f:
        book = f.read(_CHUNK * 4)
    out = []
    for tag in _SHEET_TAG.findall(book):
        target = rels.get(_attr(tag, b"r:id"), "")
        member = target.lstrip("/") if target.startswith("/") else "xl/" + target
        if member in names:
            out.append((_attr(tag, b"name"), member))
    return out


def _chunks(z: zipfile.ZipFile, info: zipfile.ZipInfo, limit: int, what: str):
    """The part's bytes in chunks (with the previous chunk's tail in front, so a pattern cut by a
    chunk boundary is still seen), its real size checked; pairs of (bytes to scan, new bytes)."""
    size = 0
    tail = b""
    with z.open(info) as f:
        while True:
            chunk = f.read(_CHUNK)
            if not chunk:
                return
            size += len(chunk)
            if size > limit:
                raise LimitExceeded(f"{what}解压后超过{_mb(limit)}（读取上限 connectors.reading_limits），"
                                    "文件可能是恶意构造的“压缩炸弹”，未读取")
            yield tail + chunk, len(chunk)
            tail = chunk[-_OVERLAP:]


def _mb(n: int) -> str:
    return f"{n / (1 << 20):,.0f} MB"


def scan_xlsx(data: bytes, limits: ReadingLimits) -> WorkbookScan:
    """Check an .xlsx against the limits and find long numbers and formulas; raises LimitExceeded.
    Raises zipfile.BadZipFile (and other zip errors) for a file that is not a readable zip."""
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        infos = z.infolist()
        declared = sum(i.file_size for i in infos)
        if declared > limits.max_total_bytes:
            raise LimitExceeded(f"工作簿解压后共{_mb(declared)}，超过读取上限{_mb(limits.max_total_bytes)}"
                                "（connectors.reading_limits.max_total_bytes），未读取")
        for i in infos:
            if i.file_size > limits.max_part_bytes:
                raise LimitExceeded(f"工作簿中的“{i.filename}”解压后{_mb(i.file_size)}，超过读取上限"
                                    f"{_mb(limits.max_part_bytes)}（connectors.reading_limits.max_part_bytes），未读取")
        parts = _sheet_parts(z)
        sheet_members = {member: name for name, member in parts}
        scan = WorkbookScan({})
        total = 0
        for i in infos:
            if i.is_dir():
                continue
            name = sheet_members.get(i.filename)
            what = f"工作表“{name}”" if name is not None else f"工作簿中的“{i.filename}”"
            if name is None:
                for chunk, new in _chunks(z, i, limits.max_part_bytes, what):
                    total += new
                    if i.filename == "xl/workbook.xml" and _FULL_CALC.search(chunk):
                        scan.full_calc_on_load = True
                continue
            sheet, digits, formulas, first_chunk = SheetScan(name), False, False, True
            for chunk, new in _chunks(z, i, limits.max_part_bytes, what):
                total += new
                if total > limits.max_total_bytes:
                    raise LimitExceeded(f"工作簿解压后超过读取上限{_mb(limits.max_total_bytes)}"
                                        "（connectors.reading_limits.max_total_bytes），未读取")
                if first_chunk and (dim := _DIMENSION.search(chunk, 0, 4096)):  # it comes before the cells
                    _check_dimension(dim, name, limits)
                first_chunk = False
                rows = _ROW.findall(chunk)
                if rows:
                    sheet.max_row = max(sheet.max_row, max(map(int, rows)))
                sheet.max_col = _max_column(chunk, sheet.max_col)
                if sheet.max_col < 26 and sheet.max_row * 26 > limits.max_cells:  # a small limit: count them
                    sheet.max_col = max([sheet.max_col] + [column_number(c.decode()) for c in set(_COLUMN.findall(chunk))])
                if sheet.max_row * max(sheet.max_col, 1) > limits.max_cells:
                    raise LimitExceeded(_too_many_cells(name, sheet.max_row, sheet.max_col, limits))
                digits = digits or bool(_LONG_DIGITS.search(chunk))
                formulas = formulas or any(end in chunk for end in _FORMULA_ENDS)
            if digits or formulas:
                _parse_cells(z, i, sheet)
            scan.sheets[name] = sheet
    return scan


def _check_dimension(dim: re.Match, name: str, limits: ReadingLimits) -> None:
    if dim.group(3):
        rows, cols = int(dim.group(4)), column_number(dim.group(3).decode())
    elif dim.group(1) and dim.group(2):
        rows, cols = int(dim.group(2)), column_number(dim.group(1).decode())
    else:
        return
    if rows * cols > limits.max_cells:
        raise LimitExceeded(_too_many_cells(name, rows, cols, limits, declared=True))


def _too_many_cells(name: str, rows: int, cols: int, limits: ReadingLimits, declared: bool = False) -> str:
    where = f"{column_letters(cols)}{rows}"
    how = "声明的范围" if declared else "有单元格"
    return (f"工作表“{name}”{how}一直到{where}（{rows:,}行×{cols:,}列，共{rows * cols:,}个单元格），超过读取上限"
            f"{limits.max_cells:,}个单元格（connectors.reading_limits.max_cells），未读取；"
            "如确有这么大的表，请分成几个文件报送")


def _max_column(chunk: bytes, current: int) -> int:
    """The largest column of two or three letters in the chunk, or `current` (0: none so far)."""
    found = set(_WIDE_COLUMN.findall(chunk))
    return max([current] + [column_number(c.decode()) for c in found]) if found else current


_LOCAL = re.compile(r"^\{[^}]*\}")


def _parse_cells(z: zipfile.ZipFile, info: zipfile.ZipInfo, sheet: SheetScan) -> None:
    """Exact digits and formulas of one sheet, element by element (expat: no external entities)."""
    row_no, col_no = 0, 0
    sheet_data = None
    with z.open(info) as f:
        for event, elem in ElementTree.iterparse(f, events=("start", "end")):
            tag = _LOCAL.sub("", elem.tag)
            if event == "start":
                if tag == "sheetData":
                    sheet_data = elem
                elif tag == "row":
                    r = elem.get("r")
                    row_no = int(r) if r and r.isdigit() else row_no + 1
                    col_no = 0
                continue
            if tag == "c":
                ref = elem.get("r")
                m = re.match(r"^([A-Z]+)(\d+)$", ref or "")
                col_no = column_number(m.group(1)) if m else col_no + 1
                at = ((int(m.group(2)) if m else row_no) - 1, col_no - 1)
                _judge_cell(elem, at, sheet)
                elem.clear()
            elif tag == "row" and sheet_data is not None:
                sheet_data.clear()  # rows already seen: nothing kept


def _judge_cell(cell: ElementTree.Element, at: tuple[int, int], sheet: SheetScan) -> None:
    formula = value = None
    for child in cell:
        local = _LOCAL.sub("", child.tag)
        if local == "f":
            formula = child
        elif local == "v":
            value = (child.text or "").strip()
    kind = cell.get("t", "n")
    if formula is not None:
        if not value and kind != "inlineStr":
            sheet.uncached.append(at)
        elif kind == "n" and value is not None and _is_zero(value):
            sheet.cached_zero.append(at)
    if kind == "n" and value and len(value) >= 16 and value.isdigit():
        sheet.exact[at] = value


def _is_zero(text: str) -> bool:
    try:
        return float(text) == 0.0
    except ValueError:
        return False
