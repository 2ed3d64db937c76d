"""巡察办汇总.xlsx: the office's workbook, UNMASKED (it does not leave the office).

Sheets: 概况, 村排名 (the same values as villages.csv), 村×规则矩阵, 乡镇共性问题, 未运行规则,
数据质量, 隔离明细, 全部疑点, 证据明细.
"""

from __future__ import annotations

from collections import Counter

import polars as pl
from openpyxl.formatting.rule import ColorScaleRule
from openpyxl.styles import Alignment
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.pagebreak import Break

from reports import portrait_sheets, rectification_sheets, working_paper, xlsx, yearly_sheets
from reports.evidence import Evidence, table_label
from reports.inputs import ReportData
from reports.village_workbook import status_text
from reports.xlsx_layout import MAX_ROW_HEIGHT
from rules.catalog import RULES_BY_ID
from rules.problems import with_problems

FILE_NAME = "巡察办汇总.xlsx"

# 村排名: (header, villages.csv column, kind). The test reads it back against villages.csv.
RANKING_COLUMNS = [
    ("排名", "rank", "int"),
    ("村代码", "village_code", "center"),
    ("村名称", "village_name", "text"),
    ("乡镇", "town", "text"),
    ("得分", "score", "score"),
    ("严重程度分", "severity_points", "score"),
    ("金额分", "money_points", "score"),
    ("规则数分", "breadth_points", "score"),
    ("分类", "class", "center"),
    ("疑点数", "flag_count", "int"),
    ("高", "high_flags", "int"),
    ("中", "medium_flags", "int"),
    ("低", "low_flags", "int"),
    ("命中规则数", "distinct_rules", "int"),
    ("涉及金额(元)", "amount_yuan", "money"),
]
STATUS_TEXT = {"ran": "已运行", "partial": "部分运行", "not_run": "未运行", "error": "运行出错"}


def _title(data: ReportData) -> str:
    return f"{data.county}巡察数据比对汇总"


def _overview(wb, data: ReportData, run_stamp: str) -> None:
    cols = [xlsx.Col("项目", 24, "text"), xlsx.Col("内容", 70, "wrap")]
    v = data.villages
    f = data.flags
    sev = Counter(f["severity"].to_list()) if not f.is_empty() else Counter()
    cov = Counter(data.coverage["status"].to_list()) if not data.coverage.is_empty() else Counter()
    key = v.filter(v["class"] == "重点村").height if not v.is_empty() else 0
    rows = [
        ("县(市、区)", data.county or "（未配置）"),
        ("生成批次", run_stamp),
        ("数据最近入库", data.latest_load.strftime("%Y-%m-%d %H:%M") if data.latest_load else "（无读取记录）"),
        ("村数", f"{v.height} 个（重点村 {key} 个，一般村 {v.height - key} 个）"),
        ("疑点数", f"{f.height} 条（高 {sev.get('高', 0)}，中 {sev.get('中', 0)}，低 {sev.get('低', 0)}）"),
        ("规则", f"已运行 {cov.get('ran', 0)} 条，部分运行 {cov.get('partial', 0)} 条，未运行 {cov.get('not_run', 0)} 条，"
                 f"出错 {cov.get('error', 0)} 条"),
        *_change_summary(data),
        ("来源文件", f"{len(data.files)} 个；隔离行 {data.quarantine.height} 行（见“数据质量”“隔离明细”）"),
        ("注意", "本表含完整身份证号、账号等敏感信息，仅限巡察办内部使用，不得外发；发给巡察组的是各村风险清单（已脱敏）。"),
    ]
    xlsx.table_sheet(wb, "概况", cols, rows, header_text=_title(data), caption=_title(data), filter_rows=False)


def _change_summary(data: ReportData) -> list[tuple[str, str]]:
    if not data.has_status:
        return []
    if not data.compared:
        return [("上次比对以来", "这是第一次比对，全部疑点记为“新增”；以后每次运行与上一次比对，列出新增和已消失的疑点。")]
    status = Counter(data.flags["status"].to_list()) if not data.flags.is_empty() else Counter()
    return [("上次比对以来", f"与 {data.previous_check:%Y-%m-%d %H:%M} 的比对相比：新增 {status.get('new', 0)} 条，"
                            f"持续 {status.get('open', 0)} 条，已消失 {data.resolved.height} 条（见“本次变化”）")]


def _changes(wb, data: ReportData) -> None:
    """本次变化: every flag new since the previous run, then every flag that run had and this one has not."""
    if not data.compared:
        return
    names = {r["village_code"]: (r["town"] or "", r["village_name"] or "") for r in
             data.villages.select("village_code", "town", "village_name").iter_rows(named=True)}
    # printed: all but 疑点编号, the last column (on screen, for triage)
    cols = [xlsx.Col("变化", 6, "center"), xlsx.Col("乡镇", 8, "wrap"),
            xlsx.Col("村名称", 8, "wrap"), xlsx.Col("规则", 16, "wrap"), xlsx.Col("严重程度", 5, "center"),
            xlsx.Col("当事人", 8, "wrap"), xlsx.Col("证件号/账号/对象", 20, "wrap"), xlsx.Col("摘要", 36, "wrap"),
            xlsx.Col("首次发现", 11, "date"), xlsx.Col("最后发现", 11, "date"), xlsx.Col("核查结论", 8, "wrap"),
            xlsx.Col("核查说明", 14, "wrap"), xlsx.Col("疑点编号", 18, "text")]
    new = data.flags.filter(pl.col("status") == "new") if not data.flags.is_empty() else data.flags
    rows = []
    for label, frame in (("新增", new), ("已消失", data.resolved)):
        for f in frame.iter_rows(named=True):
            rule = RULES_BY_ID.get(f["rule_id"])
            town, village = names.get(f["village_code"], ("", f["village_code"]))
            rows.append([label, town, village, f"{f['rule_id']} {rule.title if rule else ''}",
                         rule.severity if rule else "", f.get("subject_name"), f.get("subject_key"), f.get("summary"),
                         f.get("first_seen"), f.get("last_seen") if label == "已消失" else None, f.get("triage"),
                         f.get("triage_note"), f["flag_id"]])
    caption = (f"本次变化：与 {data.previous_check:%Y-%m-%d %H:%M} 的比对相比，新增 {new.height} 条，"
               f"已消失 {data.resolved.height} 条（已消失：上次有、本次不再出现，可能已整改或数据已更正）")
    n = xlsx.table_sheet(wb, "本次变化", cols, rows, header_text=_title(data), caption=caption,
                         row_fill=xlsx.severity_fill(4))
    wb.worksheets[-1].print_area = f"A1:{get_column_letter(len(cols) - 1)}{n + 2}"


# 村排名's column widths by header; narrow ones wrap their header (A4 landscape at 100%, see print_fits).
RANKING_WIDTHS = {"排名": 5, "村代码": 14, "村名称": 14, "乡镇": 10, "得分": 7, "严重程度分": 7, "金额分": 7, "规则数分": 7,
                  "分类": 7, "疑点数": 6, "高": 5, "中": 5, "低": 5, "命中规则数": 7, "涉及金额(元)": 13}


def _ranking(wb, data: ReportData, links: dict[str, str]) -> None:
    cols = [xlsx.Col(h, RANKING_WIDTHS[h], k) for h, _, k in RANKING_COLUMNS]
    cols.append(xlsx.Col("风险清单", 8, "center"))
    ws = wb.create_sheet("村排名")
    xlsx.set_widths(ws, cols)
    print_rows = "1:1"
    ws.freeze_panes = "A2"
    xlsx.print_setup(ws, _title(data), title_rows=print_rows)
    out = xlsx.RowStream(ws)
    out.append_cells([xlsx.cell(ws, c.header, font=xlsx.FONT_BOLD, fill=xlsx.FILL_HEADER, align=xlsx.HEADER_ALIGN)
                      for c in cols], xlsx.row_height([c.header for c in cols], [c.width for c in cols]))
    class_index = [h for h, _, _ in RANKING_COLUMNS].index("分类")
    for r in data.villages.iter_rows(named=True):
        row = [xlsx.data_cell(ws, r[c], k, xlsx.CLASS_FILLS.get(r["class"]) if i == class_index else None)
               for i, (_, c, k) in enumerate(RANKING_COLUMNS)]
        link = links.get(r["village_code"])
        if link:
            target = link.replace('"', '""')
            row.append(xlsx.cell(ws, xlsx.Formula(f'=HYPERLINK("{target}","打开")'), font=xlsx.FONT_LINK, align=xlsx.WRAP_CENTER))
        else:
            row.append(xlsx.cell(ws, None))
        out.append_cells(row)
    ws.auto_filter.ref = f"A1:{get_column_letter(len(cols))}{max(data.villages.height, 1) + 1}"


# 村×规则矩阵: one narrow column per rule, its header turned upright, so some 30 rules fit an A4
# landscape page at full size; villages by town, each town starting a new printed page.
MATRIX_RULE_WIDTH = 4.5
MATRIX_HEADER_ROTATION = 255  # Excel's code for text stacked upright (one character under the other)


def _matrix(wb, data: ReportData) -> None:
    rule_ids = sorted(set(data.flags["rule_id"].to_list())) if not data.flags.is_empty() else []
    counts: Counter[tuple[str, str]] = Counter()
    if rule_ids:
        for code, rule in data.flags.select("village_code", "rule_id").iter_rows():
            counts[(code, rule)] += 1
    cols = [xlsx.Col("乡镇", 10, "text"), xlsx.Col("排名", 5, "int"), xlsx.Col("村名称", 12, "text"),
            xlsx.Col("得分", 7, "score")]
    cols += [xlsx.Col(f"{r} {RULES_BY_ID[r].title if r in RULES_BY_ID else ''}", MATRIX_RULE_WIDTH, "int")
             for r in rule_ids]
    cols.append(xlsx.Col("合计", 6, "int"))
    ws = wb.create_sheet("村×规则矩阵")
    xlsx.set_widths(ws, cols)
    ws.freeze_panes = "E3"
    xlsx.print_setup(ws, _title(data), title_rows="1:2")
    out = xlsx.RowStream(ws)
    caption = "各村命中各规则的疑点数（空白为 0；按乡镇分页，镇内按排名）"
    ws.merged_cells.add(f"A1:{get_column_letter(len(cols))}1")
    out.append_cells([xlsx.cell(ws, caption, font=xlsx.FONT_SECTION, align=xlsx.MIDDLE, border=False)], 24)
    upright = Alignment(text_rotation=MATRIX_HEADER_ROTATION, vertical="bottom", horizontal="center", wrap_text=True)
    # stacked upright, every character (a space too) takes a line of the 10 pt bold header
    longest = max((len(c.header) for c in cols[4:-1]), default=4)
    out.append_cells([xlsx.cell(ws, c.header, font=xlsx.FONT_BOLD, fill=xlsx.FILL_HEADER,
                                align=upright if 4 <= i < len(cols) - 1 else xlsx.HEADER_ALIGN)
                      for i, c in enumerate(cols)], min(MAX_ROW_HEIGHT, 12 + longest * 15.0))
    villages = data.villages.sort("town", "rank", nulls_last=True) if not data.villages.is_empty() else data.villages
    row = 2
    town = None
    for v in villages.iter_rows(named=True):
        if town is not None and v["town"] != town:
            ws.row_breaks.append(Break(id=row))
        town = v["town"]
        cells = [counts.get((v["village_code"], r)) or None for r in rule_ids]
        values = [v["town"], v["rank"], v["village_name"], v["score"], *cells, sum(c or 0 for c in cells)]
        out.append_cells([xlsx.data_cell(ws, value, c.kind) for value, c in zip(values, cols, strict=True)])
        row += 1
    ws.auto_filter.ref = f"A2:{get_column_letter(len(cols))}{max(row, 3)}"
    if rule_ids and row > 2:
        first, last = get_column_letter(5), get_column_letter(4 + len(rule_ids))
        ws.conditional_formatting.add(
            f"{first}3:{last}{row}",
            ColorScaleRule(start_type="num", start_value=0, start_color="FFFFFF", end_type="max", end_color="F8696B"),
        )


def _town_common(wb, data: ReportData) -> None:
    cols = [xlsx.Col("乡镇", 14, "text"), xlsx.Col("规则", 8, "center"), xlsx.Col("规则名称", 30, "wrap"),
            xlsx.Col("出现该问题的村数", 12, "int"), xlsx.Col("全镇村数", 10, "int"), xlsx.Col("占比", 10, "center")]
    t = data.town_common
    rows = [] if t.is_empty() else [
        [r["town"], r["rule_id"], r["rule_title"], r["villages_flagged"], r["villages_in_town"], f"{r['share']:.0%}"]
        for r in t.iter_rows(named=True)
    ]
    xlsx.table_sheet(wb, "乡镇共性问题", cols, rows, header_text=_title(data),
                     caption="乡镇共性问题：在本镇较多村出现的同类疑点（巡镇时统一了解）")


def _not_run(wb, data: ReportData) -> None:
    cols = [xlsx.Col("规则", 8, "center"), xlsx.Col("规则名称", 30, "wrap"), xlsx.Col("状态", 10, "center"),
            xlsx.Col("原因", 80, "wrap")]
    c = data.coverage
    rows = [] if c.is_empty() else [
        [r["rule_id"], RULES_BY_ID[r["rule_id"]].title if r["rule_id"] in RULES_BY_ID else "",
         STATUS_TEXT.get(r["status"], r["status"]), r["reason"]]
        for r in c.filter(c["status"] != "ran").sort("rule_id").iter_rows(named=True)
    ]
    caption = ("未运行或部分运行的规则及原因：未比对的数据不代表没有问题" if rows
               else "全部规则均已完整运行")
    xlsx.table_sheet(wb, "未运行规则", cols, rows, header_text=_title(data), caption=caption)


def _quality(wb, data: ReportData) -> None:
    cols = [xlsx.Col("文件", 30, "wrap"), xlsx.Col("工作表", 12, "wrap"), xlsx.Col("识别为", 16, "wrap"),
            xlsx.Col("读取行数", 7, "int"), xlsx.Col("入库行数", 7, "int"), xlsx.Col("隔离行数", 7, "int"),
            xlsx.Col("跳过行数", 7, "int"), xlsx.Col("入库时间", 16, "datetime"), xlsx.Col("说明", 40, "wrap")]
    loaded_at = {f.source_file: f.loaded_at for f in data.files}
    rows = []
    if not data.sheets.is_empty():
        for r in data.sheets.iter_rows(named=True):
            extract = r.get("extract") or ""
            rows.append([r.get("file"), r.get("sheet"), table_label(extract) if extract else "（未识别）",
                         r.get("rows_read"), r.get("rows_loaded"), r.get("rows_quarantined"), r.get("rows_skipped"),
                         loaded_at.get(r.get("file")), r.get("message")])
        caption = "数据质量：每个文件、每个工作表的读取情况（读取行数 = 入库行数 + 隔离行数）"
    else:
        for r in data.load_log.sort("source_file").iter_rows(named=True) if not data.load_log.is_empty() else []:
            rows.append([r["source_file"], f"{r['sheets']} 个工作表", table_label(r["table_name"] or ""),
                         r["rows_read"], r["rows_loaded"], r["rows_quarantined"], r["rows_skipped"], r["loaded_at"],
                         r["message"]])
        caption = "数据质量：每个文件的读取情况（未找到 ingest_report.csv，按文件汇总）"
    xlsx.table_sheet(wb, "数据质量", cols, rows, header_text=_title(data), caption=caption)

    qcols = [xlsx.Col("文件", 32, "wrap"), xlsx.Col("工作表", 12, "wrap"), xlsx.Col("行号", 7, "int"),
             xlsx.Col("目标表", 18, "wrap"), xlsx.Col("问题列", 14, "wrap"), xlsx.Col("原因", 36, "wrap"),
             xlsx.Col("清洗后取值", 20, "wrap"), xlsx.Col("原始内容", 60, "wrap")]
    q = data.quarantine
    qrows = [] if q.is_empty() else [
        [r["source_file"], r["source_sheet"], r["source_row"], table_label(r["table_name"] or ""), r["column_name"],
         r["reason"], r["cleaned_value"], r["raw_json"]]
        for r in q.iter_rows(named=True)
    ]
    caption = f"隔离明细：未能入库的 {len(qrows)} 行及原因（请退回报送部门更正后重新报送）。{NOT_PRINTED}"
    xlsx.table_sheet(wb, "隔离明细", qcols, qrows, header_text=_title(data), caption=caption)
    _print_caption_only(wb.worksheets[-1], qcols, caption)


# Sheets of evidence print their caption only: printing the workbook gives the ranking, the matrix and
# the common problems, not hundreds of pages of records.
NOT_PRINTED = working_paper.NOT_PRINTED


def _print_caption_only(ws, cols: list[xlsx.Col], caption: str) -> None:
    ws.print_area = working_paper.caption_print_area(cols, caption)


# Values shown of a source record: in 全部疑点, where a flag may have dozens of records, and in 证据明细.
FLAG_FACTS = 20
DETAIL_FACTS = 30
NOT_FOUND = "（来源记录未找到）"


def _all_flags(wb, data: ReportData, table: pl.DataFrame) -> None:
    has_status = data.has_status
    has_triage = "triage_note" in data.flags.columns
    cols = [xlsx.Col("序号", 6, "int"), xlsx.Col("疑点编号", 18, "text"), xlsx.Col("乡镇", 10, "wrap"),
            xlsx.Col("村名称", 10, "wrap"), xlsx.Col("村代码", 14, "center"), xlsx.Col("规则", 20, "wrap"),
            xlsx.Col("问题类别", 12, "wrap"), xlsx.Col("严重程度", 6, "center")]
    if has_status:
        cols.append(xlsx.Col("状态", 10, "center"))
    if has_triage:
        cols.append(xlsx.Col("核查说明", 20, "wrap"))
    cols += [xlsx.Col("当事人", 10, "wrap"), xlsx.Col("证件号/账号/对象", 21, "wrap"), xlsx.Col("涉及金额(元)", 12, "money"),
             xlsx.Col("摘要", 50, "wrap"), xlsx.Col("同一问题的年度", 12, "wrap"), xlsx.Col("可信度", 7, "score"),
             xlsx.Col("问题出处", 40, "wrap"), xlsx.Col("出处记录内容", 60, "wrap")]

    f = data.flags
    rows: pl.DataFrame | list = []
    if not f.is_empty():
        # each flag's evidence: its places, one a line, and the values of the records that were found
        per_flag = table.group_by("flag_id", maintain_order=True).agg(
            pl.col("location").str.join("\n").alias("_places"),
            pl.col(f"facts_{FLAG_FACTS}").drop_nulls().str.join("\n").alias("_facts"),
        )
        f = f.drop("evidence_list", strict=False).join(per_flag, on="flag_id", how="left", maintain_order="left")
        # one flag a year, as found; the years of a several-year problem (scored once, rules.problems) beside each
        f = f.with_columns(with_problems(f)["problem_years"].fill_null("").alias("_problem_years"))
        rule = [f"{r} {t or ''}" for r, t in zip(f["rule_id"].to_list(), f["rule_title"].to_list(), strict=True)]
        columns = [pl.int_range(1, f.height + 1, dtype=pl.Int64).alias("seq"), "flag_id", "town", "village_name",
                   "village_code", pl.Series("rule", rule, dtype=pl.String), "category", "severity"]
        if has_status:
            status = [status_text(r) for r in f.select(c for c in ("status", "triage") if c in f.columns).iter_rows(named=True)]
            columns.append(pl.Series("status_text", status, dtype=pl.String))
        if has_triage:
            columns.append("triage_note")
        columns += ["subject_name", "subject_key", "amount_yuan", "summary", "_problem_years", "confidence",
                    pl.coalesce("_places", "evidence").alias("_places"), pl.col("_facts").fill_null("")]
        rows = f.select(columns)

    caption = f"全部疑点（{data.flags.height} 条，未脱敏，仅限巡察办内部使用）。{NOT_PRINTED}"
    xlsx.table_sheet(wb, "全部疑点", cols, rows, header_text=_title(data), caption=caption, row_fill=xlsx.severity_fill(7))
    _print_caption_only(wb.worksheets[-1], cols, caption)


def _evidence_rows(wb, data: ReportData, table: pl.DataFrame) -> None:
    cols = [xlsx.Col("疑点编号", 18, "text"), xlsx.Col("村名称", 10, "wrap"), xlsx.Col("规则", 7, "center"),
            xlsx.Col("序号", 6, "int"), xlsx.Col("来源表", 20, "wrap"), xlsx.Col("文件", 30, "wrap"),
            xlsx.Col("工作表", 12, "wrap"), xlsx.Col("行号", 7, "int"), xlsx.Col("记录内容", 90, "wrap")]
    rows: pl.DataFrame | list = []
    if not data.flags.is_empty():
        # every flag's evidence rows, flags in report order
        flags = data.flags.select("flag_id", "village_name", "rule_id").with_row_index("_flag")
        rows = (
            flags.join(table, on="flag_id", how="inner")
            .sort("_flag", "seq", maintain_order=True)
            .select("flag_id", "village_name", "rule_id", "seq", "table_label", "source_file", "source_sheet",
                    "source_row", pl.col(f"facts_{DETAIL_FACTS}").fill_null(NOT_FOUND))
        )

    caption = f"证据明细：每条疑点的每一条出处记录（未脱敏）。{NOT_PRINTED}"
    xlsx.table_sheet(wb, "证据明细", cols, rows, header_text=_title(data), caption=caption)
    _print_caption_only(wb.worksheets[-1], cols, caption)


def build(data: ReportData, evidence: Evidence, links: dict[str, str], run_stamp: str) -> bytes:
    """The office workbook as .xlsx bytes; `links` maps village code -> relative path of its workbook."""
    wb = xlsx.new_workbook()
    _overview(wb, data, run_stamp)
    _ranking(wb, data, links)
    portrait_sheets.office_sheet(wb, _title(data), data.villages, data.portrait, data.score_trends)
    yearly_sheets.office_sheet(wb, _title(data), data.villages, data.indicators, data.indicators_missing)
    _matrix(wb, data)
    _town_common(wb, data)
    _changes(wb, data)
    rectification_sheets.office_sheets(wb, _title(data), data.ledger, data.villages)
    _not_run(wb, data)
    _quality(wb, data)
    table = evidence.table(FLAG_FACTS, DETAIL_FACTS)
    _all_flags(wb, data, table)
    _evidence_rows(wb, data, table)
    return xlsx.to_bytes(wb)

