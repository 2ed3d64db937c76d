"""Several persons in one cell: a roster with one row per household whose member names, IDs and
relations are each listed in one cell (张三、李四、王五 / one ID per line / 户主、配偶、长子).

Such a row is expanded to one row per member, the lists aligned by position; the household's other
cells (head, amount, village) are copied to each member row, and every member row keeps the sheet
row it came from. When the lists of one row differ in length (3 names, 2 IDs), no alignment is
guessed: the row stays one row and is quarantined with the counts in its reason.

Recognition sees the same meaning: a sampled cell holding a list of IDs or of names is profiled as
its items (connectors/headers.py), so a column of ID lists looks like IDs, not like bad text.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache

# Separators between the persons of one cell: line breaks and list punctuation. IDs may also be
# separated by spaces (an ID has none); names only when every part is a whole name (张 三 is one name).
LIST_SEPARATORS = r"[\r\n、，,;；/|／｜]+"
_SEP = re.compile(LIST_SEPARATORS)
_SPACE = re.compile(r"\s+")
_ID_ITEM = re.compile(r"^\d{17}[\dXx]$|^\d{15}$")
_NAME_ITEM = re.compile(r"^[\u4e00-\u9fff·]{2,5}$")
# A relation may be one character (妻, 子): only as part of a list whose other items agree.
_WORD_ITEM = re.compile(r"^[\u4e00-\u9fff·]{1,5}$")

MISMATCH = "list_mismatch"  # reason code (connectors/normalize.REASONS)


def split_cell(value: object, loose: bool = False) -> list[str] | None:
    """The persons a cell lists, when it lists two or more; None for one value or an empty cell.
    Items must look like IDs or names (a profile must not split an address); `loose` (a column
    known to hold one member's value) takes any items split by line breaks or list punctuation, so
    an unusable ID among good ones is its member's problem, not the household's."""
    if not isinstance(value, str):
        return None
    s = value.strip()
    if not s:
        return None
    items = [x.strip() for x in _SEP.split(s) if x.strip()]
    if loose and len(items) > 1:
        return items
    items = [unicodedata.normalize("NFKC", x) for x in items]  # shapes are judged on half-width text
    if len(items) == 1:
        parts = _SPACE.split(items[0])
        if len(parts) > 1 and (all(_ID_ITEM.match(p) for p in parts) or all(_NAME_ITEM.match(p) for p in parts)):
            items = parts
    if len(items) < 2:
        return None
    items = [_SPACE.sub("", x) for x in items]
    if all(_ID_ITEM.match(x) for x in items) or all(_WORD_ITEM.match(x) for x in items):
        return items
    return None


def profile_items(values: list) -> list:
    """Sampled cells for a value profile, a cell listing persons counted as its items."""
    out: list = []
    for v in values:
        items = _split_text(v) if isinstance(v, str) else None
        out.extend(items if items is not None else [v])
    return out


# Header detection profiles the same cells under several candidate header rows, and sheets repeat
# their values (villages, relations, amounts): each distinct text is split once.
@lru_cache(maxsize=65536)
def _split_text(value: str) -> list[str] | None:
    return split_cell(value)


def member_columns(spec) -> set[str]:
    """The canonical columns that describe one member of a household (the member role's columns and
    the relation to the head); other columns are the household's."""
    cols = {col for (role, _), col in spec.role_columns.items() if role == "member"}
    return cols | {c for c in spec.table.column_names if c.startswith("relation")} if cols else set()


@dataclass
class Expanded:
    rows: list[list]
    row_numbers: list[int]  # the sheet row (1-based) of each output row
    mismatch: list[bool]  # rows whose lists differ in length: kept whole, to be quarantined
    households: int = 0  # rows expanded
    members: int = 0  # the rows they were expanded to
    mismatched: list[tuple[int, dict[int, int]]] = field(default_factory=list)  # (sheet row, column -> count)


def expand(block: list[list], first_row: int, columns: list[int]) -> Expanded | None:
    """One row per member for the rows whose member `columns` list several persons; None when no row
    does (the sheet is left as it is). `first_row`: the sheet row number of block[0]."""
    out = Expanded([], [], [])
    any_list = False
    for i, row in enumerate(block):
        lists = {j: split_cell(row[j], loose=True) if j < len(row) else None for j in columns}
        listed = {j: v for j, v in lists.items() if v is not None}
        if not listed:
            out.rows.append(row)
            out.row_numbers.append(first_row + i)
            out.mismatch.append(False)
            continue
        any_list = True
        filled = {j: (len(listed[j]) if j in listed else 1) for j in columns
                  if j < len(row) and row[j] is not None and str(row[j]).strip()}
        if len(set(filled.values())) > 1:
            out.rows.append(row)
            out.row_numbers.append(first_row + i)
            out.mismatch.append(True)
            out.mismatched.append((first_row + i, filled))
            continue
        out.households += 1
        out.members += next(iter(filled.values()))
        for k in range(next(iter(filled.values()))):
            member = list(row)
            for j, items in listed.items():
                member[j] = items[k]
            out.rows.append(member)
            out.row_numbers.append(first_row + i)
            out.mismatch.append(False)
    return out if any_list else None


def mismatch_message(mismatched: list[tuple[int, dict[int, int]]], labels: dict[int, str], limit: int = 5) -> str:
    shown = []
    for row, counts in mismatched[:limit]:
        parts = "、".join(f"“{labels.get(j, j)}”{n}个" for j, n in counts.items())
        shown.append(f"第{row}行（{parts}）")
    more = f"等{len(mismatched)}行" if len(mismatched) > limit else ""
    return (f"{'；'.join(shown)}{more}同一格内列出的成员人数不一致，无法按位置对应姓名、身份证号和关系，"
            "未拆分，已隔离；请核对这些行的成员列表")
