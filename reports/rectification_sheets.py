"""整改销号 in the workbooks: the village workbook's 整改销号 sheet (everything entered so far, the
核查结果 drop-down), and the office workbook's 整改台账 (counts per problem, town, village) and
整改明细 (every item, overdue ones red).

The ledger rows come from rules.rectification (table rectification_ledger); what a team writes
back is read by reports.rectification_feedback.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import polars as pl
from openpyxl.styles import PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from reports import working_paper, xlsx
from rules.catalog import RULES_BY_ID
from rules.lifecycle import TRIAGE_STATUSES
from rules.rectification import CLOSED, LABELS, NO_DATA, RECORD_FIELDS, STAGES, TO_CONFIRM, VERDICT, counts

SHEET = "整改销号"
LEDGER_SHEET = "整改台账"
ITEMS_SHEET = "整改明细"
FILL_OVERDUE = PatternFill("solid", fgColor="FF9999")
FILL_GONE = PatternFill("solid", fgColor="FFF2A8")

_DATE_FIELDS = {"verified_on", "deadline", "completed_on", "closed_on"}


def add_verdict_dropdown(ws, column: int, first_row: int, last_row: int) -> None:
    """A drop-down of the allowed 核查结果 on one column (1-based). Other text is allowed after a
    notice, so a team can still write 排除（理由）."""
    if last_row < first_row:
        return
    letter = get_column_letter(column)
    dv = DataValidation(type="list", formula1='"' + ",".join(TRIAGE_STATUSES) + '"', allow_blank=True,
                        errorStyle="information", showErrorMessage=True, showInputMessage=True,
                        promptTitle="核查结果", prompt="请选择：" + "、".join(TRIAGE_STATUSES) + "；排除须写明理由",
                        errorTitle="核查结果", error="建议从下拉框选择；写“排除”时请在后面写明理由。")
    dv.add(f"{letter}{first_row}:{letter}{last_row}")
    ws.data_validations.append(dv)


def team_notes(ledger: tuple[dict, ...]) -> dict[str, tuple[object, object, object]]:
    """flag id -> (核查结果, 核查人, 核查日期) entered so far: what 问题清单 shows again when re-issued."""
    return {r["flag_id"]: (r.get(VERDICT) or None, r.get("verified_by") or None, r.get("verified_on"))
            for r in ledger}


def stage_text(r: dict) -> str:
    """销号状态 cell: the stage, and why a flag that is no longer produced is gone."""
    text = r.get("stage") or ""
    if r.get("gone_reason"):
        text += f"\n{r['gone_reason']}"
    if r.get("overdue"):
        text += "\n已超过整改时限"
    return text


def _rule(rule_id: str) -> str:
    rule = RULES_BY_ID.get(rule_id)
    return f"{rule_id} {rule.title}" if rule else rule_id


def village_sheet(wb, header: str, ledger: tuple[dict, ...], subject: Callable[[dict], str],
                  transform: Callable[[object], object]) -> None:
    """整改销号: every item the team carries (current flags and gone ones not signed off), with all
    nine fields as entered so far; the team fills them in and the office imports them."""
    # narrow, wrapped columns so that the form prints one page wide on A4 landscape at >= 9 pt;
    # 疑点编号 (for the import) stays on screen only
    cols = [xlsx.Col("序号", 4, "center"), xlsx.Col("规则", 12, "wrap"), xlsx.Col("涉及人员", 12, "wrap"),
            xlsx.Col("问题表现", 22, "wrap"), xlsx.Col("销号状态", 12, "wrap")]
    cols += [xlsx.Col(LABELS[VERDICT], 10, "wrap")]
    cols += [xlsx.Col(LABELS[f], 10 if f in _DATE_FIELDS else 13, "date" if f in _DATE_FIELDS else "wrap")
             for f in RECORD_FIELDS]
    cols.append(xlsx.Col("疑点编号", 17, "wrap"))
    verdict_col = 6

    def rows():
        for seq, r in enumerate(ledger, start=1):
            yield [seq, _rule(r["rule_id"]), subject(r), r.get("summary") or "", stage_text(r),
                   r.get(VERDICT) or None, *[r.get(f) or None for f in RECORD_FIELDS], r["flag_id"]]

    def fill(row) -> dict[int, PatternFill]:
        text = row[4] or ""
        if "已超过整改时限" in text:
            return {4: FILL_OVERDUE}
        return {4: FILL_GONE} if text.startswith((NO_DATA, TO_CONFIRM)) else {}

    caption = (f"{header} 整改销号（{len(ledger)} 条，含以前各次填写的内容）：请填写核查结果（下拉选择）、整改措施、"
               "整改时限、责任人、完成日期；销号须写明销号日期和销号依据。"
               "“暂无数据”：来源文件本次未报送，问题仍未销号；“待销号确认”：数据中已不再出现，请核实后销号。")
    n = xlsx.table_sheet(wb, SHEET, cols, rows(), header_text=header, caption=caption, row_fill=fill,
                         transform=transform)
    add_verdict_dropdown(wb.worksheets[-1], verdict_col, 3, n + 2)
    wb.worksheets[-1].print_area = f"A1:{get_column_letter(len(cols) - 1)}{n + 2}"


def _names(villages: pl.DataFrame) -> pl.DataFrame:
    return villages.select("village_code", "village_name", "town") if not villages.is_empty() else pl.DataFrame(
        schema={"village_code": pl.String, "village_name": pl.String, "town": pl.String})


def office_sheets(wb, title: str, ledger: pl.DataFrame, villages: pl.DataFrame, today: dt.date | None = None) -> None:
    """整改台账 (counts) and 整改明细 (every item) in the office workbook."""
    if ledger.is_empty():
        rows: list = []
        items = ledger
    else:
        items = ledger.join(_names(villages), on="village_code", how="left")
        items = items.with_columns(pl.col("town").fill_null(""), pl.col("village_name").fill_null(pl.col("village_code")))
        rows = []
        for label, by in (("按问题", ["rule_id"]), ("按乡镇", ["town"]), ("按村", ["town", "village_name"])):
            for r in counts(items, by).iter_rows(named=True):
                name = _rule(r["rule_id"]) if by == ["rule_id"] else "".join(r[b] or "" for b in by)
                rows.append([label, name, *[r[s] for s in STAGES], r["合计"], r["逾期"]])
        total = counts(items.with_columns(pl.lit("全县").alias("_all")), ["_all"]).row(0, named=True)
        rows.append(["合计", "全县", *[total[s] for s in STAGES], total["合计"], total["逾期"]])
    cols = [xlsx.Col("统计口径", 8, "center"), xlsx.Col("问题 / 乡镇 / 村", 28, "wrap")]
    cols += [xlsx.Col(s, 8, "int") for s in STAGES] + [xlsx.Col("合计", 7, "int"), xlsx.Col("逾期", 7, "int")]
    overdue_col = len(cols) - 1

    def fill(row) -> dict[int, PatternFill]:
        return {overdue_col: FILL_OVERDUE} if row[overdue_col] else {}

    xlsx.table_sheet(wb, LEDGER_SHEET, cols, rows, header_text=title, row_fill=fill,
                     caption=(f"整改台账（{(today or dt.date.today()):%Y-%m-%d}）：各问题、各乡镇、各村疑点的核查整改进度；"
                              "逾期 = 超过整改时限仍未整改或销号。已销号须有人填写销号依据，系统不自动销号。"))
    icols = [xlsx.Col("疑点编号", 18, "text"), xlsx.Col("乡镇", 10, "wrap"), xlsx.Col("村名称", 10, "wrap"),
             xlsx.Col("规则", 20, "wrap"), xlsx.Col("当事人", 10, "wrap"), xlsx.Col("证件号/账号/对象", 20, "wrap"),
             xlsx.Col("摘要", 40, "wrap"), xlsx.Col("销号状态", 16, "wrap"), xlsx.Col(LABELS[VERDICT], 9, "wrap")]
    icols += [xlsx.Col(LABELS[f], 11 if f in _DATE_FIELDS else 16, "date" if f in _DATE_FIELDS else "wrap")
              for f in RECORD_FIELDS]
    icols.append(xlsx.Col("首次发现", 11, "date"))
    irows = [] if items.is_empty() else [
        [r["flag_id"], r["town"], r["village_name"], _rule(r["rule_id"]), r["subject_name"], r["subject_key"],
         r["summary"], stage_text(r), r.get(VERDICT), *[r.get(f) for f in RECORD_FIELDS], r["first_seen"]]
        for r in items.sort("town", "village_name", "rule_id", "flag_id").iter_rows(named=True)
    ]

    def ifill(row) -> dict[int, PatternFill]:
        if "已超过整改时限" in (row[7] or ""):
            return {7: FILL_OVERDUE}
        return {} if (row[7] or "").startswith(CLOSED) else ({7: FILL_GONE} if "\n" in (row[7] or "") else {})

    caption = (f"整改明细：全部 {len(irows)} 条疑点的核查、整改、销号情况（逾期标红；已不再出现的标黄并说明原因）。"
               f"{working_paper.NOT_PRINTED}")
    xlsx.table_sheet(wb, ITEMS_SHEET, icols, irows, header_text=title, row_fill=ifill, caption=caption)
    # one row per flag, like the evidence sheets: printing gives the 整改台账 above, not every item
    wb.worksheets[-1].print_area = working_paper.caption_print_area(icols, caption)
