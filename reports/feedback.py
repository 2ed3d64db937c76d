"""Read teams' returned village workbooks and record the 核查结果 they wrote against each 疑点编号.

The reverse of reports.village_workbook: it finds the 问题清单 sheet's header row by its column
names (teams may insert rows above it) and turns each filled 核查结果 into a triage verdict.

A returned file is taken only when it carries this workspace's signature (reports.signing), and
a verdict only for a flag of the village the file was issued for. The workbook is read once for
both sheets (reports.returned_workbook: the department files' reader, its limits and its Chinese
messages); a file that cannot be read, whatever is wrong inside it (broken XML, not a workbook),
is reported in Chinese and the other files go on.
All the verdicts of one import are recorded in one transaction, and each file is reported once.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from reports.feedback_words import FeedbackError, status_of  # noqa: F401  (re-exported)
from reports.returned_workbook import ReturnedWorkbook, cell_text, read_returned

SHEET = "问题清单"
ID_HEADER = "疑点编号"
RESULT_HEADER = "核查结果"
# The header row is looked for in the sheet's first rows (teams may add a few above it).
HEADER_SEARCH_ROWS = 30
# Rows named in a message about one file; the rest are counted.
EXAMPLES = 5

@dataclass(frozen=True)
class Verdict:
    flag_id: str
    status: str  # one of rules.lifecycle.TRIAGE_STATUSES
    note: str
    checked_by: str
    checked_on: str
    row: int  # row in the 问题清单 sheet, for messages


@dataclass(frozen=True)
class Unreadable:
    flag_id: str
    text: str
    row: int


@dataclass
class FeedbackFile:
    path: Path
    village_code: str
    verdicts: list[Verdict] = field(default_factory=list)
    unreadable: list[Unreadable] = field(default_factory=list)
    book: ReturnedWorkbook | None = None  # the workbook read, for its 整改销号 sheet


@dataclass
class ImportResult:
    imported: int = 0
    # (file, message) in the order met; the message is Chinese and holds data: print it literally
    messages: list[tuple[str, str]] = field(default_factory=list)


_text = cell_text


def read_feedback(path: Path, key: bytes) -> FeedbackFile:
    """The verdicts of one returned workbook issued by this workspace (`key`); FeedbackError otherwise."""
    book = read_returned(path, key)
    if book.village is None:
        raise FeedbackError(f"{path} 不是本工作区生成的村级巡察风险清单（没有本工作区的签名），不导入。"
                            "请导入本工作区下发的清单（在 Excel/WPS 中修改并保存不影响签名）")
    if SHEET not in book.names:
        raise FeedbackError(f"{path} 中没有“{SHEET}”工作表，不是本系统生成的村级巡察风险清单")
    got = _read_sheet(path, book.rows(SHEET), book.village)
    got.book = book
    return got


def _read_sheet(path: Path, sheet: Iterable[list], village: str) -> FeedbackFile:
    rows = iter(sheet)
    col: dict[str, int] = {}
    header_row = 0
    for header_row, r in enumerate(rows, start=1):
        names = [_text(c) for c in r]
        if ID_HEADER in names:
            col = {n: i for i, n in enumerate(names) if n}
            break
        if header_row >= HEADER_SEARCH_ROWS:
            break
    if not col:
        raise FeedbackError(f"{path} 的“{SHEET}”工作表中找不到“{ID_HEADER}”列，请勿删除或改名该列")
    if RESULT_HEADER not in col:
        raise FeedbackError(f"{path} 的“{SHEET}”工作表中找不到“{RESULT_HEADER}”列")
    at_id, at_result = col[ID_HEADER], col[RESULT_HEADER]
    at_by, at_on = col.get("核查人"), col.get("核查日期")
    out = FeedbackFile(path, village)
    for row, r in enumerate(rows, start=header_row + 1):
        n = len(r)
        flag_id = _text(r[at_id]) if at_id < n else ""
        text = _text(r[at_result]) if at_result < n else ""
        if not flag_id or not text:
            continue
        status = status_of(text)
        if status is None:
            out.unreadable.append(Unreadable(flag_id, text, row))
            continue
        by = _text(r[at_by]) if at_by is not None and at_by < n else ""
        on = _text(r[at_on]) if at_on is not None and at_on < n else ""
        out.verdicts.append(Verdict(flag_id, status, text, by, on, row))
    return out


def _rows_text(rows: list[int]) -> str:
    shown = "、".join(f"第{r}行" for r in rows[:EXAMPLES])
    return shown + (f" 等 {len(rows)} 行" if len(rows) > EXAMPLES else "")


def import_files(con: duckdb.DuckDBPyConnection, paths: Iterable[Path], key: bytes) -> ImportResult:
    """Read every file and record its verdicts (the 问题清单's 核查结果 and the 整改销号 sheet), all in
    one transaction; messages say per file what was refused and why (a file not issued here, flags
    of another village, unknown flags, results that name no verdict)."""
    from reports.rectification_feedback import import_rectification
    from rules.lifecycle import TriageError
    from rules.rectification import record
    from xuncha.transaction import transaction

    result = ImportResult()
    with transaction(con):
        for path in map(Path, paths):
            try:
                got = read_feedback(path, key)
            except FeedbackError as e:
                result.messages.append((path.name, f"跳过：{e}"))
                continue
            villages = dict(con.execute(
                "SELECT flag_id, village_code FROM flag_history WHERE flag_id IN (SELECT UNNEST(?))",
                [sorted({v.flag_id for v in got.verdicts})]).fetchall()) if got.verdicts else {}
            foreign, unknown, refused = [], [], []
            # the last verdict on a flag wins: each flag is recorded once, however many rows name it
            # (a sheet of many rows costs at most one record per flag of the village)
            last = {v.flag_id: v for v in got.verdicts}
            for v in got.verdicts:
                if last[v.flag_id] is not v and v.flag_id in villages:
                    continue
                if v.flag_id not in villages:
                    unknown.append(v.row)
                    continue
                if villages[v.flag_id] != got.village_code:
                    foreign.append(v.row)
                    continue
                fields: dict[str, object] = {"verify_result": v.status, "verified_by": v.checked_by,
                                             "verified_on": v.checked_on}
                try:
                    result.imported += bool(record(con, v.flag_id, fields, origin=path.name, note=v.note))
                except TriageError as e:
                    refused.append(f"第{v.row}行：{e}")
            problems: list[str] = []
            try:
                result.imported += import_rectification(con, path, problems.append, village=got.village_code,
                                                        book=got.book)
            except Exception as e:  # noqa: BLE001 - broken XML in the 整改销号 sheet
                problems.append(f"“整改销号”工作表读取出错（{type(e).__name__}），未导入")
            if foreign:
                result.messages.append((path.name, f"{len(foreign)} 条结论的疑点不属于这份清单所属的村，已拒绝"
                                        f"（{_rows_text(foreign)}）"))
            if unknown:
                result.messages.append((path.name, f"{len(unknown)} 个疑点编号找不到（{_rows_text(unknown)}），"
                                        "请勿修改“疑点编号”列"))
            if got.unreadable:
                examples = "；".join(f"第{u.row}行“{u.text[:40]}”" for u in got.unreadable[:EXAMPLES])
                result.messages.append((path.name, f"{len(got.unreadable)} 条“核查结果”看不出结论（{examples}）。"
                                        "请以“已核实”“排除（理由）”“整改中”或“已整改”开头"))
            for message in (refused + problems)[:EXAMPLES]:
                result.messages.append((path.name, message))
            if len(refused) + len(problems) > EXAMPLES:
                result.messages.append((path.name, f"另有 {len(refused) + len(problems) - EXAMPLES} 条未导入，原因同上"))
    return result
