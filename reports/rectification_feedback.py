"""Read the 整改销号 sheet of a returned village workbook: the rectification record a team wrote per flag.

The sheet is written by reports.rectification_sheets; its header row is found by its column names
(teams may insert rows above it), and columns are matched by name, so their order may change.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from reports.feedback_words import FeedbackError, status_of
from reports.returned_workbook import ReturnedWorkbook, cell_text, read_returned
from rules.rectification import FIELDS, VERDICT

SHEET = "整改销号"
ID_HEADER = "疑点编号"


@dataclass(frozen=True)
class RectificationRow:
    flag_id: str
    fields: dict[str, object]  # rules.rectification field -> value as written (verdict normalised)
    note: str  # the 核查结果 text as written (the reason of an 排除)
    row: int


@dataclass(frozen=True)
class UnreadableVerdict:
    flag_id: str
    text: str
    row: int


def _cell(value: object) -> object:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return cell_text(value)


def read_rectification(path: Path, book: ReturnedWorkbook | None = None
                       ) -> tuple[list[RectificationRow], list[UnreadableVerdict]]:
    """The rows of the 整改销号 sheet that carry anything; ([], []) for a workbook without the sheet
    (one issued before the sheet existed). `book`: the workbook already read (feedback.py)."""
    if book is None:
        book = read_returned(path, None)
    if SHEET not in book.names:
        return [], []
    rows = list(book.rows(SHEET))  # one row per flag of the village: small
    header_at = next(
        (i for i, r in enumerate(rows[:30]) if r and ID_HEADER in [str(c).strip() if c else "" for c in r]), None
    )
    if header_at is None:
        raise FeedbackError(f"{path} 的“{SHEET}”工作表中找不到“{ID_HEADER}”列，请勿删除或改名该列")
    names = [str(c).strip() if c is not None else "" for c in rows[header_at]]
    col = {n: i for i, n in enumerate(names) if n}
    by_label = {label: field for field, (label, _) in FIELDS.items()}
    found, unreadable = [], []
    for number, r in enumerate(rows[header_at + 1:], start=header_at + 2):
        def value(name: str, r: list = r) -> object:
            i = col.get(name)
            return _cell(r[i]) if i is not None and i < len(r) else ""

        flag_id = str(value(ID_HEADER))
        if not flag_id:
            continue
        fields: dict[str, object] = {}
        note = ""
        for label, field in by_label.items():
            v = value(label)
            if v == "":
                continue
            if field == VERDICT:
                status = status_of(str(v))
                if status is None:
                    unreadable.append(UnreadableVerdict(flag_id, str(v), number))
                    continue
                fields[field], note = status, str(v)
            else:
                fields[field] = v
        if fields:
            found.append(RectificationRow(flag_id, fields, note, number))
    return found, unreadable


def import_rectification(con, path: Path, warn, village: str | None = None,
                         book: ReturnedWorkbook | None = None) -> int:
    """Apply the 整改销号 sheet of one returned workbook; `warn` gets each Chinese problem message.
    Returns how many flags had something changed (rows equal to what is recorded change nothing).
    With `village` (the one the workbook was issued for), rows of other villages' flags are refused."""
    from rules.lifecycle import TriageError
    from rules.rectification import record

    try:
        rows, unreadable = read_rectification(path, book)
    except FeedbackError as e:
        warn(str(e))
        return 0
    changed = 0
    for r in rows:
        if village is not None and (found := con.execute(
                "SELECT village_code FROM flag_history WHERE flag_id = ?", [r.flag_id]).fetchone()) \
                and found[0] != village:
            warn(f"{path.name}“{SHEET}”第{r.row}行：疑点不属于这份清单所属的村，已拒绝")
            continue
        try:
            changed += bool(record(con, r.flag_id, r.fields, origin=path.name, note=r.note))
        except TriageError as e:
            warn(f"{path.name}“{SHEET}”第{r.row}行：{e}")
    for u in unreadable:
        warn(f"{path.name}“{SHEET}”第{u.row}行：“核查结果”写的是“{u.text}”，看不出结论。"
             "请从下拉框选择，或以“已核实”“排除（理由）”“整改中”“已整改”开头。")
    return changed
