"""A ledger written with ONE amount column and a debit/credit direction column (金额 | 借贷方向 = 借/贷)
instead of separate 借方金额 and 贷方金额 columns, as some bookkeeping exports do.

The direction column is found by its values, not its header: a column whose filled cells below a
header are (nearly) all 借 or 贷 (借方/贷方). The amount column is the one column of that header row
whose header says an amount (ends with 金额/额: 金额, 发生额, 金额（元）; never a 余额, which is a balance)
and whose cells are numbers. With both found, an unrecognised sheet is read once more with the amount
split in two (`split_by_direction`): the amount column becomes 借方金额 (the amount on 借 rows) and a
column added after the last becomes 贷方金额 (the amount on 贷 rows); the reading is kept only when
header detection then recognises the sheet by the same scores as any other (connectors/transform.py).

A row with an amount whose direction is neither 借 nor 贷 (blank, 平, a typo) is never guessed: both
new cells carry DIRECTION_UNKNOWN and the row is quarantined with its reason (connectors/normalize.py),
naming file, sheet, row and the columns, so rows read = loaded + quarantined still holds.
"""

from __future__ import annotations

import re
import unicodedata

from connectors.headers import MAX_HEADER_SCAN, PROFILE_DEPTH
from connectors.headertext import normalise_header
from connectors.normalize import DIRECTION_UNKNOWN, EMPTY_MARKERS, normalize_amount
from connectors.readers import RawSheet
from connectors.row_kinds import MARKER_COLUMNS, TOTALS
from connectors.split_columns import column_cells, rows_list, with_column_split

DIRECTIONS = {"借": "debit", "借方": "debit", "贷": "credit", "贷方": "credit"}
# Share of a column's filled cells that must be a direction for it to be read as the direction column;
# the rest are quarantined rows, not values to guess.
MIN_DIRECTION_SHARE = 0.8
MIN_DIRECTION_CELLS = 3
SPLIT_HEADER = ("借方金额", "贷方金额")
# A header ending in 额 names an amount (金额 and 额 read alike: headertext.normalise_header); a balance
# (余额) or a count says something else.
_AMOUNT_HEADER = re.compile(r"额$")
_NOT_LINE_AMOUNT = re.compile(r"余|累计|合计|小计")
_TOTALS = re.compile(TOTALS)


def _text(v: object) -> str:
    return "" if v is None else unicodedata.normalize("NFKC", str(v)).strip()


def _filled(v: object) -> bool:
    return _text(v) not in EMPTY_MARKERS


def _cell(row: list, j: int) -> object:
    return row[j] if j < len(row) else None


def _direction_column(rows: list[list]) -> tuple[int, int] | None:
    """(header row, column) of the one column whose cells below its header are directions."""
    width = max(map(len, rows), default=0)
    found = []
    for j in range(width):
        first = next((i for i, r in enumerate(rows) if _text(_cell(r, j)) in DIRECTIONS), None)
        if first is None or first == 0:
            continue
        # the header: the nearest filled cell above the first direction
        top = next((i for i in range(first - 1, -1, -1) if _filled(_cell(rows[i], j))), None)
        if top is None or top >= MAX_HEADER_SCAN or not isinstance(_cell(rows[top], j), str):
            continue
        below = [_text(_cell(r, j)) for r in rows[top + 1: top + 1 + PROFILE_DEPTH] if _filled(_cell(r, j))]
        hits = sum(v in DIRECTIONS for v in below)
        if hits >= MIN_DIRECTION_CELLS and hits >= MIN_DIRECTION_SHARE * len(below):
            found.append((top, j))
    return found[0] if len(found) == 1 else None


def _amount_columns(rows: list[list], top: int, direction: int) -> list[int]:
    """The columns of the header row that say an amount and hold numbers."""
    header = rows[top]
    found = []
    for j, label in enumerate(header):
        if j == direction or not isinstance(label, str):
            continue
        text = normalise_header(label)
        if not _AMOUNT_HEADER.search(text) or _NOT_LINE_AMOUNT.search(text):
            continue
        below = [_cell(r, j) for r in rows[top + 1: top + 1 + PROFILE_DEPTH] if _filled(_cell(r, j))]
        numbers = sum(normalize_amount(v)[1] is None for v in below)
        if below and numbers >= MIN_DIRECTION_SHARE * len(below):
            found.append(j)
    return found


def _pair_candidates(rows: list[list]) -> tuple[int, int, list[int]] | None:
    """(header row, direction column, the amount columns beside it) of a sheet with a direction column."""
    direction = _direction_column(rows)
    if direction is None:
        return None
    top, d = direction
    return top, d, _amount_columns(rows, top, d)


def find(rows: list[list], amount: str | None = None) -> tuple[int, int, int] | None:
    """(header row, direction column, amount column) of a sheet written with one amount and a direction.
    amount: the header of the amount column to split, as written (xuncha.toml [connectors.split_amount]),
    for a header row with several amount columns; without it several amount columns are no pair."""
    found = _pair_candidates(rows)
    if found is None:
        return None
    top, d, amounts = found
    if amount is not None:
        amounts = [j for j in amounts if _text(rows[top][j]) == _text(amount)]
    return (top, d, amounts[0]) if len(amounts) == 1 else None


def amount_choices(rows: list[list]) -> tuple[str, list[str]] | None:
    """(the direction column's header, the headers of the amount columns it could split) of a sheet with a
    direction column beside several amount columns; None otherwise. Which one is split is the county's
    to say ([connectors.split_amount]), never guessed."""
    found = _pair_candidates(rows)
    if found is None or len(found[2]) < 2:
        return None
    top, d, amounts = found
    return _text(rows[top][d]), [_text(rows[top][j]) for j in amounts]


def split_by_direction(sheet: RawSheet, head: list[list], amount: str | None = None
                       ) -> tuple[RawSheet, str, str, dict[int, str]] | None:
    """The sheet with its amount split into 借方金额 and 贷方金额 by the direction column, the message
    saying so (Chinese), the direction column's header (used, though it names no column) and the two
    amount columns' headers as the user knows them (金额（借方）, 金额（贷方）: shown in reports and
    quarantine reasons instead of the wordings made up for recognition); None when it has no such pair.
    `head`: the rows header detection looks at; `amount`: as for find."""
    found = find(head, amount)
    if found is None:
        return None
    top, d, a = found
    d_label, a_label = _text(head[top][d]), _text(head[top][a])
    added = sheet.frame.width if sheet.frame is not None else max(map(len, sheet.rows))  # the credit column's place
    shown = {a: f"{a_label}（借方）", added: f"{a_label}（贷方）"}
    leading = sheet.frame.select(sheet.frame.columns[:MARKER_COLUMNS]).rows() if sheet.frame is not None else sheet.rows
    debit, credit, unknown = _split(column_cells(sheet, d), column_cells(sheet, a), top, d_label, a_label,
                                    _markers(leading))
    which = (f"按配置（[connectors.split_amount]）金额列“{a_label}”" if amount is not None
             else f"本表只有一个金额列“{a_label}”")
    note = (f"{which}，按“{d_label}”列（借/贷）拆分为“借方金额”和“贷方金额”读取"
            + (f"；{rows_list(unknown)}有金额但“{d_label}”既不是“借”也不是“贷”，不猜借贷，已隔离" if unknown else ""))
    return with_column_split(sheet, a, debit, credit), note, d_label, shown


def _markers(rows) -> list[bool]:
    """Per row: whether its leading cells say it is a totals row (合计, 小计: skipped as such by
    connectors/row_kinds.py, whatever its direction)."""
    return [any(_TOTALS.search(re.sub(r"\s", "", str(v))) for v in r[:MARKER_COLUMNS] if v is not None) for r in rows]


def _split(directions: list, amounts: list, top: int, d_label: str, a_label: str,
           totals: list[bool]) -> tuple[list, list, list[int]]:
    """Per row: (debit cells, credit cells, 1-based rows with an amount and no usable direction). Above
    the header: nothing; the header: the new wordings; a totals row: no amount (it is skipped)."""
    debit: list = []
    credit: list = []
    unknown: list[int] = []
    for i, (d, x) in enumerate(zip(directions, amounts, strict=True)):
        if i < top:
            debit.append(None)
            credit.append(None)
            continue
        if i == top:
            debit.append(SPLIT_HEADER[0])
            credit.append(SPLIT_HEADER[1])
            continue
        side = DIRECTIONS.get(_text(d))
        if side is None and totals[i]:
            debit.append(None)
            credit.append(None)
            continue
        if side is None and _filled(x):
            # kept as a marked text in both cells: quarantined by the amount reading, with the cells as written
            shown = int(x) if isinstance(x, float) and x.is_integer() else x  # 300, as the sheet shows it
            marked = f"{DIRECTION_UNKNOWN}{d_label}为“{_text(d)}”，{a_label}为“{_text(shown)}”"
            debit.append(marked)
            credit.append(marked)
            unknown.append(i + 1)
            continue
        debit.append(x if side == "debit" else None)
        credit.append(x if side == "credit" else None)
    return debit, credit, unknown
