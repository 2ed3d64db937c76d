"""Text files as sheets: CSV/TXT in any of the encodings Chinese offices produce, and HTML tables
saved under an Excel name.

Encodings: UTF-16 (Excel's "Unicode 文本" .txt export; with or without its byte-order mark), UTF-8
(with or without BOM), else GB18030 (a superset of GBK and GB2312). The delimiter is sniffed among
comma, tab, semicolon and pipe: the one that splits the most records of the head into the same
number (two or more) of fields. Records are what Python's csv module reads (quoted fields may hold
line breaks), so a record spanning three lines is one row.

A CSV holds only text, so it is parsed by polars (Rust) straight into text columns (RawSheet.frame)
instead of a Python list per row: 10x faster on a 770,000-row payment file. Where polars would
read a file differently from Python's csv module (a stray quote, bare carriage returns, a row
wider than the first thousand), it refuses the file and the csv module reads it instead.
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from itertools import islice

import polars as pl

from connectors.headers import Merge
from connectors.rawsheet import HEAD_ROWS, RawSheet, ReadError

DELIMITERS = (",", "\t", ";", "|")
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")


def decode_text(data: bytes) -> tuple[str, str]:
    """Text and the encoding that worked: UTF-16 (BOM, or NUL bytes in every other place), UTF-8
    (with or without BOM), else GB18030 (covers GBK)."""
    candidates = ["utf-8-sig", "gb18030"]
    if data.startswith(_UTF16_BOMS):
        candidates = ["utf-16"]
    else:
        head = data[:4096]
        if len(head) >= 4 and head[1::2].count(0) > len(head) // 4:
            candidates = ["utf-16-le"] + candidates
        elif len(head) >= 4 and head[0::2].count(0) > len(head) // 4:
            candidates = ["utf-16-be"] + candidates
    for enc in candidates:
        try:
            return data.decode(enc), enc
        except UnicodeDecodeError:
            continue
    raise ReadError("无法识别文件编码（既不是UTF-8、UTF-16，也不是GBK/GB18030）")


def sniff_delimiter(text: str) -> str:
    """The delimiter splitting most records of the head into the same number (>= 2) of fields;
    comma when none does (a one-column file)."""
    head = text[:65536]
    best, best_score = ",", (0, 0)
    for d in DELIMITERS:
        if d not in head:
            continue
        records = list(islice(csv.reader(io.StringIO(head, newline=""), delimiter=d), 200))
        if len(head) == 65536 and len(records) > 1:
            records = records[:-1]  # the last may be cut short
        widths = Counter(len(r) for r in records if any(c.strip() for c in r))
        agreeing = max((count for width, count in widths.items() if width >= 2), default=0)
        score = (agreeing, -DELIMITERS.index(d))
        if agreeing and score > best_score:
            best, best_score = d, score
    return best


def looks_like_text_table(data: bytes) -> bool:
    """Text (no control bytes) whose first line has at least two fields of a known delimiter."""
    try:
        text, _ = decode_text(data[:65536] if len(data) <= 65536 else data[:65536].rsplit(b"\n", 1)[0])
    except ReadError:
        return False
    if any(c in text for c in "\x00\x01\x02\x03\x04\x05\x06\x07\x08\x0b\x0e\x0f"):
        return False
    first = next((line for line in text.splitlines() if line.strip()), "")
    return any(d in first for d in DELIMITERS)


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
    if encoding.startswith("utf-16") and text.startswith("\ufeff"):
        text = text[1:]
    delimiter = sniff_delimiter(text)
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


# ---------------------------------------------------------------- HTML tables


def looks_like_html(data: bytes) -> bool:
    """An HTML page (a table exported by a web system and saved as .xls)."""
    try:
        text, _ = decode_text(data[:8192])
    except ReadError:
        return False
    head = text.lstrip("\ufeff \t\r\n").lower()
    return head.startswith(("<!doctype html", "<html", "<table", "<meta", "<head", "<body")) or (
        head.startswith("<") and "<table" in text.lower())


def read_html_tables(data: bytes, stem: str) -> list[RawSheet]:
    """Every table that holds no other table (layout tables wrap the data table), one sheet each,
    spans turned into merged cells."""
    import lxml.html

    text, _ = decode_text(data)
    try:
        root = lxml.html.document_fromstring(text.lstrip("\ufeff"))
    except (ValueError, lxml.etree.ParserError) as e:
        raise ReadError("文件内容是网页（HTML），但无法解析其中的表格") from e
    tables = [t for t in root.iter("table") if not t.xpath(".//table")]
    sheets = []
    for k, table in enumerate(tables):
        rows, merges = _html_grid(table)
        if rows:
            name = stem if len(tables) == 1 else f"表{k + 1}"
            sheets.append(RawSheet(name, rows, merges, notes=["文件内容是网页表格（HTML），已按表格读取"]))
    if not sheets:
        raise ReadError("文件内容是网页（HTML），但其中没有表格")
    return sheets


def _html_grid(table) -> tuple[list[list], list[Merge]]:
    taken: dict[tuple[int, int], bool] = {}
    grid: dict[tuple[int, int], str] = {}
    merges: list[Merge] = []
    trs = [tr for tr in table.iter("tr") if _owner(tr) is table]
    for r, tr in enumerate(trs):
        c = 0
        for cell in tr:
            if not isinstance(cell.tag, str) or cell.tag.lower() not in ("td", "th"):
                continue
            while taken.get((r, c)):
                c += 1
            rowspan, colspan = _span(cell.get("rowspan")), _span(cell.get("colspan"))
            grid[(r, c)] = " ".join(cell.text_content().split())
            for dr in range(rowspan):
                for dc in range(colspan):
                    taken[(r + dr, c + dc)] = True
            if rowspan > 1 or colspan > 1:
                merges.append(((r, c), (r + rowspan - 1, c + colspan - 1)))
            c += colspan
    if not taken:
        return [], []
    height = max(r for r, _ in taken) + 1
    width = max(c for _, c in taken) + 1
    return [[grid.get((r, c), "") for c in range(width)] for r in range(height)], merges


def _owner(tr):
    parent = tr.getparent()
    while parent is not None and parent.tag != "table":
        parent = parent.getparent()
    return parent


def _span(v: str | None) -> int:
    try:
        return max(1, min(int(v or 1), 1000))  # a hostile colspan="100000000" does not allocate
    except ValueError:
        return 1
