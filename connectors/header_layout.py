"""A sheet's header rows read as paths: per column its labels from the top group down.

Merged cells spread over their span (a group over its children), a label merged down over all the
header rows names its column alone, and a row under header rows is read as one more header row only
when its labels sit under groups (a data row never does). Which extract field a path names is for
connectors/header_match.py; which rows are the header, for connectors/headers.py.
"""

from __future__ import annotations

import re

Merge = tuple[tuple[int, int], tuple[int, int]]  # ((row0, col0), (row1, col1)), inclusive, 0-based


def _cell(rows: list[list], r: int, c: int) -> str:
    row = rows[r]
    if c >= len(row):
        return ""
    v = row[c]
    return "" if v is None else str(v).strip()


def horizontal_fill(rows: list[list], r: int, width: int, merges: list[Merge]) -> tuple[list[str], list[bool]]:
    """Row r's texts with horizontally merged cells spread over their span, and which cells are grouped."""
    vals = [_cell(rows, r, c) for c in range(width)]
    grouped = [False] * width
    for (r0, c0), (r1, c1) in merges:
        if r0 <= r <= r1 and c1 > c0:
            top = _cell(rows, r0, c0)
            for c in range(c0, min(c1 + 1, width)):
                vals[c] = top
                grouped[c] = True
    return vals, grouped


_DATA_LIKE = re.compile(r"\d{5,}|^\d+(\.\d+)?$")
# A cell of this many digits or more (an ID, an account, a 16-18 digit number stored as text) is a value:
# no header wording has one.
_LONG_DIGITS = re.compile(r"\d{15}")


def holds_values(row: list) -> bool:
    """Whether a row holds cells no header has: a run of 15 digits or more (an ID or an account
    number) or a number with a fractional part (an amount, an area). Such a row is data, never read
    as a header row: most rows within a sheet's first twenty are data, and each one read as a header
    is scored for every extract kind (connectors/headers.py: what cost a county most of its header detection)."""
    for v in row:
        if isinstance(v, float):
            if not v.is_integer():
                return True
        elif isinstance(v, str) and len(v) >= 15 and _LONG_DIGITS.search(v):
            return True
    return False


# Header rows read as one header: group / sub-group / field (救助对象 / 户主 / 姓名) and one more.
MAX_HEADER_DEPTH = 4
# A "填报单位：某某局" line above the header (a key, a colon, a value): never a header row.
_META = re.compile(r"^[^（(：:]{1,12}[：:]\s*\S")


def _is_header_continuation(upper: list[str], upper_grouped: list[bool], lower: list[str]) -> bool:
    """Whether the row under a header row is its second header row (本月/累计 under 金额)."""
    filled = [c for c, v in enumerate(lower) if v]
    if not filled:
        return False
    if any(_DATA_LIKE.search(lower[c]) for c in filled):
        return False
    return any(upper_grouped[c] or not upper[c] for c in filled)


def _is_deeper_continuation(upper: list[str], upper_grouped: list[bool], lower: list[str],
                            covered: set[int]) -> bool:
    """Whether a row under two or more header rows is one more header row (姓名, 身份证号 under 户主 under
    救助对象): every filled cell sits under a group of the row above (or a blank no merge covers), and
    one at least under a group. A data row fills cells under the fields' own labels: never all grouped."""
    filled = [c for c, v in enumerate(lower) if v]
    if not filled or any(_DATA_LIKE.search(lower[c]) for c in filled):
        return False
    if not all(upper_grouped[c] or (not upper[c] and c not in covered) for c in filled):
        return False
    return any(upper_grouped[c] for c in filled)


def header_paths(rows: list[list], r: int, depth: int, width: int, merges: list[Merge]
                  ) -> tuple[list[tuple[str, ...]], list[str]] | None:
    """Rows r .. r+depth-1 read as one header: per column its path, top group first (救助对象/户主/姓名),
    and the path as shown. None when a lower row is not a continuation of the rows above it.

    A cell merged down over the header rows (乡镇（街道） over three rows) names its column alone; a
    label merged down from above the first row into all of them is the column's too. Without merge
    information in these rows (CSV) a blank cell right of a group belongs to that group when the row
    below has labels under both. A key：value line (填报单位：…) is never a header row."""
    if r + depth > len(rows):
        return None
    grid, grouped = [], []
    for k in range(depth):
        vals, g = horizontal_fill(rows, r + k, width, merges)
        if any(_META.match(v) for v in vals):
            return None
        grid.append(vals)
        grouped.append(g)
    if not any(r0 <= r + depth - 1 and r1 >= r for (r0, _), (r1, _) in merges):
        for k in range(depth - 2, -1, -1):  # bottom up: a sub-group spread first, then its group
            upper, lower = grid[k], grid[k + 1]
            for c in range(1, width):
                if not upper[c] and lower[c] and upper[c - 1] and lower[c - 1]:
                    upper[c] = upper[c - 1]
                    grouped[k][c] = grouped[k][c - 1] = True
    # cells covered by a vertical merge from the row above (not a label of their own)
    covered: list[set[int]] = [set() for _ in range(depth)]
    above: dict[int, str] = {}
    for (r0, c0), (r1, c1) in merges:
        if r1 <= r0:
            continue
        for k in range(depth):
            if r0 < r + k <= r1:
                covered[k].update(range(c0, c1 + 1))
        if c0 == c1 and r0 < r and r1 >= r + depth - 1:
            above[c0] = _cell(rows, r0, c0)  # merged down from above into every header row
    for k in range(1, depth):
        ok = (_is_header_continuation(grid[k - 1], grouped[k - 1], grid[k]) if k == 1 else
              _is_deeper_continuation(grid[k - 1], grouped[k - 1], grid[k], covered[k - 1]))
        if not ok:
            return None
    paths: list[tuple[str, ...]] = []
    for c in range(width):
        levels: list[str] = [above[c]] if above.get(c) else []
        for k in range(depth):
            v = grid[k][c]
            if v and (not levels or levels[-1] != v):
                levels.append(v)
        paths.append(tuple(levels))
    return paths, ["/".join(p) for p in paths]


# The column-number row forms put under their header (栏次: 甲 乙 1 2 3 …, or 1 2 3 4 …); also read by
# connectors/headers.py (no value of the column, for value profiles) and connectors/row_kinds.py
# (skipped on loading).
COLUMN_NUMBER = r"^(?:栏次|栏号|[甲乙丙丁戊己庚辛壬癸]|\d{1,3}(?:\.0)?)$"
_COLUMN_NUMBER_RE = re.compile(COLUMN_NUMBER)
# How many rows under the header may be column-number rows (one, or one per header row).
NUMBER_ROWS = 3


def column_numbers(row: list) -> bool:
    """Whether a row only numbers the columns above it (three cells at least)."""
    cells = [re.sub(r"\s", "", str(v)) for v in row if v is not None and str(v).strip()]
    return len(cells) >= 3 and all(_COLUMN_NUMBER_RE.match(c) for c in cells)
