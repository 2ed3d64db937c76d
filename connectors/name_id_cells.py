"""A person's name and ID written in one cell: a column headed 姓名（身份证号）, 姓名及身份证号 or
姓名/证件号码 whose cells read "张三（110101193501011234）", "张三 110101…", "张三/110101…" or
"110101… 张三".

A sheet whose header is not recognised is read once more with such a column split in two
(`split_sheet`): the column keeps the name under the header 姓名 and the ID goes to a column added
after the last, headed 身份证号. The split reading is accepted only when header detection then
recognises the sheet by the same scores as any other (connectors/transform.py). Nothing is guessed:
the header must name both a name and an ID, and most of the column's cells must split.

A cell that does not split cleanly (no ID-like digits, text around them) keeps its whole text in
both columns, so its ID is unusable and the row is quarantined with the usual ID reasons
(connectors/normalize.py); an ID with a wrong number of digits splits and is judged the same way.
The sheet's message says which column was split and how many cells did not split.
"""

from __future__ import annotations

import re
import unicodedata

from connectors.headers import MAX_HEADER_SCAN
from connectors.readers import RawSheet
from connectors.split_columns import column_cells, rows_list, with_column_split

_NAME_WORD = re.compile(r"姓名|名字|户主")
_ID_WORD = re.compile(r"身份证|证件号|公民身份号码|身份号码")
# a name as written: two-character names are often padded with spaces (卢  艳)
_NAME = r"[\u4e00-\u9fff·](?:[\u4e00-\u9fff·]|\s{1,3}(?=[\u4e00-\u9fff·])){1,8}"
_ID = r"\d{6,}[\dXx]?"
_OPEN = r"\s*[(（\[【/／|｜,，:：;；\s]\s*"
_CLOSE = r"\s*[)）\]】]?"
_NAME_FIRST = re.compile(rf"^({_NAME}){_OPEN}({_ID}){_CLOSE}$")
_ID_FIRST = re.compile(rf"^({_ID}){_OPEN}({_NAME}){_CLOSE}$")
# share of a column's filled cells that must split (more than it) for the column to be read as name and ID
MIN_SPLIT_SHARE = 0.5
SPLIT_HEADER = ("姓名", "身份证号")


def split_cell(value: object) -> tuple[str, str] | None:
    """(name, ID) of a cell holding both, or None."""
    if value is None:
        return None
    s = unicodedata.normalize("NFKC", str(value)).strip()
    m = _NAME_FIRST.match(s)
    if m:
        return re.sub(r"\s+", "", m.group(1)), m.group(2).upper()
    m = _ID_FIRST.match(s)
    if m:
        return re.sub(r"\s+", "", m.group(2)), m.group(1).upper()
    return None


def _is_combined_header(value: object) -> bool:
    if not isinstance(value, str):
        return False
    s = re.sub(r"\s+", "", value)
    return bool(_NAME_WORD.search(s) and _ID_WORD.search(s)) and len(s) <= 20


def _filled(v: object) -> bool:
    return v is not None and str(v).strip() != ""


def _find(rows: list[list]) -> tuple[int, int] | None:
    """(header row, column) of a combined name-and-ID column whose cells below mostly split."""
    for i, row in enumerate(rows[:MAX_HEADER_SCAN]):
        for j, v in enumerate(row):
            if not _is_combined_header(v):
                continue
            below = [r[j] for r in rows[i + 1:] if j < len(r) and _filled(r[j])]
            if below and sum(split_cell(x) is not None for x in below) > MIN_SPLIT_SHARE * len(below):
                return i, j
    return None


def split_sheet(sheet: RawSheet) -> tuple[RawSheet, str] | None:
    """The sheet with its combined name-and-ID column split in two and the message saying so (Chinese),
    or None when it has none."""
    found = _find(sheet.rows)
    if found is None:
        return None
    top, j = found
    label = str(sheet.rows[top][j]).strip()
    names, ids, unsplit = _split_column(column_cells(sheet, j), top)
    note = (f"“{label}”列的姓名和身份证号写在同一格，已拆分为“姓名”和“身份证号”两列读取"
            + (f"；{rows_list(unsplit)}无法拆分，原格内容同时保留在两列（身份证号不可用，按身份证号规则隔离）"
               if unsplit else ""))
    return with_column_split(sheet, j, names, ids), note


def _split_column(values: list, top: int) -> tuple[list, list, list[int]]:
    """The column's cells as (names, IDs) with the header at `top` renamed, and the 1-based rows whose
    filled cell did not split (kept whole in both columns). Above the header: the cells, no ID."""
    names: list = []
    ids: list = []
    unsplit: list[int] = []
    for i, v in enumerate(values):
        if i < top:
            names.append(v)
            ids.append(None)
        elif i == top:
            names.append(SPLIT_HEADER[0])
            ids.append(SPLIT_HEADER[1])
        else:
            parts = split_cell(v)
            if parts is None and _filled(v):
                unsplit.append(i + 1)
            names.append(parts[0] if parts else v)
            ids.append(parts[1] if parts else v)
    return names, ids, unsplit
