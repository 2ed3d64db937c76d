"""Sheets that are not data, told apart from data whose header could not be read.

A workbook often carries pages beside its detail sheets: instructions (填表说明, 封面, 目录: lines of
prose, no header) and summaries of the detail sheets (汇总, 统计: per town or village counts and
sums, no person's ID). Only a sheet whose header matched no extract kind is looked at here (a 汇总
sheet recognised as a kind is read as any other); it is set aside, with its reason, when its content
and its name agree:

- instructions: no ID anywhere, and either the name says so (说明, 封面, 目录 ...) on a short sheet, or
  nearly every filled row is one cell of text and several lines are sentences, whatever the name;
- a summary: no ID anywhere, a header row naming counts or sums (人数, 户数, 笔数, 金额 ...), rows
  below mostly numbers, and either the name says so (汇总, 统计, 合计 ...) or the same workbook holds
  detail sheets of a known kind and the sheet counts (人数, 户数, 笔数) per town or village.

A sheet holding even one cell shaped like an ID number is never set aside: unread data is reported
as unrecognised, with the closest kind and what it lacks.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

SET_ASIDE_PREFIX = "已跳过："

# Sheet names that say a page of instructions, a cover or a table of contents.
_INSTRUCTION_NAME = re.compile(r"说明|封面|封皮|目录|须知|注意事项|填报要求|指标解释|备注|使用方法")
# Sheet names that say a summary of other sheets.
_SUMMARY_NAME = re.compile(r"汇总|统计|合计|总表|小计|总计")
# Header words of an aggregate: counts and sums.
_MEASURES = (("人数", ("人数", "人次", "人口")), ("户数", ("户数",)), ("笔数", ("笔数", "次数")),
             ("金额", ("金额", "资金", "总额", "元", "合计")), ("面积", ("面积", "亩")))
# Counts: what a summary of detail rows has and a list of transactions (a ledger: sums only) has not.
_COUNTS = {"人数", "户数", "笔数"}
_ID = re.compile(r"^\d{17}[\dXx]$|^\d{15}$")
# an 18-character ID written after a label in a text cell (身份证号：6110…, a record written as a card)
_ID_IN_TEXT = re.compile(r"(?<![\dA-Za-z])\d{17}[\dXx](?![\dA-Za-z])")
_NUMBER = re.compile(r"^-?[\d,]+(?:\.\d+)?(?:元|万元|人|户|笔|亩)?$")
# A line of prose: a sentence (with its punctuation) or a numbered item (1．本表按户填写 / 一、 / （1）).
_SENTENCE = re.compile(r"[，。；：,;:]|^\s*(?:\d+|[一二三四五六七八九十]+)\s*[．.、]|^\s*[（(]\d+[）)]")

# The most rows a sheet named as instructions may have and still be set aside by its name.
INSTRUCTION_MAX_ROWS = 200
# Share of filled rows that must be a single cell of text for prose (instructions without a telling name).
PROSE_SHARE = 0.8
MIN_SENTENCES = 2
# Share of the cells below a summary's header that must be numbers.
SUMMARY_NUMBER_SHARE = 0.4
# Rows looked at (the sample the header detection read).
LOOK_ROWS = 320


@dataclass(frozen=True)
class SetAside:
    kind: str  # "instructions" or "summary"
    what: str  # Chinese: 填表说明 / 汇总表（按村汇总的人数和金额）


def _text(v: object) -> str:
    if v is None:
        return ""
    if isinstance(v, float) and v.is_integer():
        v = int(v)
    return str(v).strip()


def _filled(row: list) -> list[str]:
    return [t for t in (_text(v) for v in row) if t]


def holds_ids(rows: list[list]) -> bool:
    """Whether any cell is shaped like an ID number (18 or 15 digits, whole cell) or holds an 18-character
    one among its words (身份证号：6110…): a sheet of people, never prose to set aside."""
    for row in rows:
        for v in row:
            if isinstance(v, (int, float)) and not isinstance(v, bool) and abs(v) >= 1e14:
                return True
            if isinstance(v, str) and (_ID.match(v.strip().replace(" ", "")) or _ID_IN_TEXT.search(v)):
                return True
    return False


def _is_number(t: str) -> bool:
    return bool(_NUMBER.match(t.replace(" ", "")))


def _instructions(name: str, rows: list[list], last: int) -> SetAside | None:
    filled = [f for f in (_filled(r) for r in rows[:LOOK_ROWS]) if f]
    if not filled:
        return None
    named = _INSTRUCTION_NAME.search(name)
    if named and last <= INSTRUCTION_MAX_ROWS:
        return SetAside("instructions", name.strip())
    single = [f[0] for f in filled if len(f) == 1 and not _is_number(f[0])]
    sentences = [t for t in single if _SENTENCE.search(t) and len(t) >= 8]
    if len(single) >= PROSE_SHARE * len(filled) and len(sentences) >= MIN_SENTENCES:
        return SetAside("instructions", f"文字说明（{len(filled)}行文字，没有表头）")
    return None


def _summary(name: str, rows: list[list], has_detail: bool) -> SetAside | None:
    if not (_SUMMARY_NAME.search(name) or has_detail):
        return None
    from connectors.profiles import meaning_of

    look = rows[:LOOK_ROWS]
    for r, row in enumerate(look[:20]):
        header = _filled(row)
        if len(header) < 3 or any(_is_number(t) for t in header):
            continue
        measures = [label for label, words in _MEASURES if any(w in t for t in header for w in words)]
        if not measures:
            continue
        body = [_filled(x) for x in look[r + 1:]]
        cells = [t for b in body for t in b]
        if not cells or sum(map(_is_number, cells)) < SUMMARY_NUMBER_SHARE * len(cells):
            return None
        meanings = {meaning_of(t) for t in header}
        by = "按村" if "village" in meanings else "按乡镇" if "town" in meanings else (
            "按项目" if any(w in t for t in header for w in ("项目", "类别", "类型", "名称")) else "")
        if not _SUMMARY_NAME.search(name) and not (by in ("按村", "按乡镇") and set(measures) & _COUNTS):
            return None  # named otherwise: only counts per town or village beside the detail say a summary
        shown = "、".join(measures[:-1]) + "和" + measures[-1] if len(measures) > 1 else measures[0]
        return SetAside("summary", f"汇总表（{by}汇总的{shown}）")
    return None


def classify(name: str, rows: list[list], last: int, has_detail: bool) -> SetAside | None:
    """What an unrecognised sheet is when it is not data (None: it may be data; report it so).
    rows: the sheet's first rows (header scan and sample); last: its filled rows; has_detail: the
    same workbook holds a sheet recognised as an extract kind."""
    if holds_ids(rows[:LOOK_ROWS]):
        return None
    return _summary(name, rows, has_detail) or _instructions(name, rows, last)


def set_aside_message(found: SetAside, detail_sheets: list[str], unread_sheets: list[str]) -> str:
    """The ingest report's message: what the sheet is, and where the detail is (or that the file has none).
    detail_sheets: the workbook's sheets recognised as data; unread_sheets: its other sheets that are
    neither data recognised nor set aside (unrecognised data)."""
    if found.kind == "instructions":
        text = f"{SET_ASIDE_PREFIX}{found.what}，不是数据"
    else:
        text = f"{SET_ASIDE_PREFIX}{found.what}"
        if detail_sheets:
            text += "，明细在工作表" + "".join(f"“{s}”" for s in detail_sheets[:10]) + (
                f"等{len(detail_sheets)}个" if len(detail_sheets) > 10 else "")
        elif unread_sheets:
            text += "，明细工作表" + "".join(f"“{s}”" for s in unread_sheets[:10]) + "未能识别（见该表的说明）"
    if not detail_sheets and not unread_sheets:
        text += "；本文件只有说明或汇总，没有明细数据"
    return text
