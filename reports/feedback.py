"""Read a team's returned village workbook: the 核查结果 each team wrote against each 疑点编号.

The reverse of reports.village_workbook: it finds the 问题清单 sheet's header row by its column
names (teams may insert rows above it) and turns each filled 核查结果 into a triage verdict.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import openpyxl

SHEET = "问题清单"
ID_HEADER = "疑点编号"
RESULT_HEADER = "核查结果"

# Checked in order: "不属实" must win over "属实".
_STATUS_WORDS = (
    (("排除", "不属实", "不存在问题", "无问题"), "排除"),
    (("已整改", "整改完毕", "整改完成", "已销号"), "已整改"),
    (("整改中", "正在整改"), "整改中"),
    (("属实", "已核实", "核实"), "已核实"),
)


class FeedbackError(Exception):
    """The file is not a returned village workbook; the message is Chinese."""


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


def status_of(text: str) -> str | None:
    for words, status in _STATUS_WORDS:
        if any(w in text for w in words):
            return status
    return None


def read_feedback(path: Path) -> tuple[list[Verdict], list[Unreadable]]:
    try:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as e:  # noqa: BLE001 - any reason the file cannot be opened is reported the same way
        raise FeedbackError(f"无法打开 {path}：{e}（如果工作簿设置了打开密码，请先去掉密码再导入）") from e
    try:
        if SHEET not in wb.sheetnames:
            raise FeedbackError(f"{path} 中没有“{SHEET}”工作表，不是本系统生成的村级巡察风险清单")
        rows = list(wb[SHEET].iter_rows(values_only=True))
    finally:
        wb.close()
    header_at = next(
        (i for i, r in enumerate(rows[:30]) if r and ID_HEADER in [str(c).strip() if c else "" for c in r]), None
    )
    if header_at is None:
        raise FeedbackError(f"{path} 的“{SHEET}”工作表中找不到“{ID_HEADER}”列，请勿删除或改名该列")
    names = [str(c).strip() if c is not None else "" for c in rows[header_at]]
    if RESULT_HEADER not in names:
        raise FeedbackError(f"{path} 的“{SHEET}”工作表中找不到“{RESULT_HEADER}”列")
    col = {n: i for i, n in enumerate(names) if n}
    verdicts, unreadable = [], []
    for offset, r in enumerate(rows[header_at + 1 :], start=header_at + 2):
        def cell(name: str) -> str:
            i = col.get(name)
            v = r[i] if i is not None and i < len(r) else None
            if isinstance(v, (dt.date, dt.datetime)):
                return v.strftime("%Y-%m-%d")
            return "" if v is None else str(v).strip()

        flag_id, text = cell(ID_HEADER), cell(RESULT_HEADER)
        if not flag_id or not text:
            continue
        status = status_of(text)
        if status is None:
            unreadable.append(Unreadable(flag_id, text, offset))
            continue
        verdicts.append(Verdict(flag_id, status, text, cell("核查人"), cell("核查日期"), offset))
    return verdicts, unreadable
