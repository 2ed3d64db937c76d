"""One village's workbook for its inspection team: 封面, 问题清单, 谈话提纲, 本次变化 (when any), 底稿.

Every value written passes through a Masker, so no full ID or account number leaves the office.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from openpyxl.utils import get_column_letter

from reports import portrait_sheets, rectification_sheets, signing, working_paper, xlsx, yearly_sheets
from reports.context import County, Village
from reports.evidence import table_label
from reports.feedback import ID_HEADER
from reports.inputs import LoadedFile
from reports.interview import FlagRef, outline
from reports.masking import Masker, is_account_column, mask_account, mask_id
from rules.catalog import RULES_BY_ID
from rules.model import CATEGORIES

# Flag lifecycle across runs (rules.lifecycle): new since the last run, or still there.
STATUS_LABELS = {"new": "新增", "open": "持续", "resolved": "已消失"}


def status_text(flag: dict) -> str:
    """状态 cell: the lifecycle status, and the analysts' verdict when there is one (e.g. 持续；已核实)."""
    parts = [STATUS_LABELS.get(flag.get("status") or "", flag.get("status") or "")]
    if flag.get("triage"):
        parts.append(str(flag["triage"]))
    return "；".join(p for p in parts if p)

def team_status_text(flag: dict, compared: bool) -> str:
    """状态 cell of a team workbook: 本次新增 for a flag new since the previous run, otherwise the day
    it was first found; then the analysts' verdict. Unlike 新增/持续 this does not flip on the run
    after the first (baseline) one, so a village whose flags did not change keeps its workbook."""
    first_seen = flag.get("first_seen")
    if flag.get("status") == "new" and compared:
        parts = ["本次新增"]
    elif first_seen is not None:
        parts = [f"{first_seen:%Y-%m-%d}\n首次发现"]
    else:
        parts = [STATUS_LABELS.get(flag.get("status") or "", flag.get("status") or "")]
    if flag.get("triage"):
        parts.append(str(flag["triage"]))
    return "\n".join(p for p in parts if p)


def change_rows(county: County, village: Village) -> list[tuple]:
    """本次变化: (变化, 问题清单序号, rule, severity, subject name, subject key, summary, amount,
    first seen, last seen, verdict) for the flags new since the previous run, then those resolved;
    empty for the first run and for a village where nothing changed."""
    if county.previous_check is None:
        return []
    out = []
    for seq, f in enumerate(village.flags, start=1):
        if f.get("status") == "new":
            out.append(("新增", seq, f["rule_id"], f.get("severity") or "", f.get("subject_name") or "",
                        f.get("subject_key") or "", f.get("summary") or "", f.get("amount_yuan"),
                        f.get("first_seen"), None, f.get("triage") or ""))
    for f in village.resolved:
        rule = RULES_BY_ID.get(f["rule_id"])
        out.append(("已消失", None, f["rule_id"], rule.severity if rule else "", f.get("subject_name") or "",
                    f.get("subject_key") or "", f.get("summary") or "", f.get("amount_yuan"),
                    f.get("first_seen"), f.get("last_seen"), f.get("triage") or ""))
    return out


LIST_SHEET = "问题清单"
CHANGES_SHEET = "本次变化"
COVER_SHEET = "封面"
INTERVIEW_SHEET = "谈话提纲"


def _accounts(village: Village) -> set[str]:
    found = set()
    for rows in village.evidence.values():
        for ev in rows:
            for column, _, value, _ in ev.values:
                if is_account_column(column) and value:
                    found.add(str(value))
    # a resolved flag has no evidence here; B01 is keyed by the shared account (docs/rule_semantics.md)
    found.update(f["subject_key"] for f in village.resolved if f["rule_id"] == "B01" and f.get("subject_key"))
    return found


def is_person_key(key: str) -> bool:
    """Person rules key their flags by resident ID (docs/rule_semantics.md)."""
    key = key.upper()
    return len(key) in (15, 18) and key[:-1].isdigit() and (key[-1].isdigit() or key[-1] == "X")


def subject_text(flag: dict, village_code: str, accounts: set[str]) -> str:
    """Name and masked key of the flag's subject, e.g. 张三\n611021********0011."""
    name = flag.get("subject_name") or ""
    key = flag.get("subject_key") or ""
    if not key or key == village_code:
        return name
    compact = key.upper()
    if is_person_key(compact):
        shown = mask_id(compact)
    elif key in accounts:
        shown = "账号" + mask_account(key)
    else:
        shown = key
    return f"{name}\n{shown}" if name else shown


def _severity_cell(flag: dict) -> str:
    return flag.get("severity") or ""


# 问题清单's columns: those printed first (A4 landscape, fit to width: their widths add up to what
# prints at 9 pt or more; a test holds them to it), then the screen-only ones, outside the print area.
SCREEN_ONLY = ("涉及金额(元)", ID_HEADER)
PLACE_HEADER = "问题出处"
REFERENCE_HEADER = "底稿"


def _list_columns(has_status: bool) -> list[xlsx.Col]:
    cols = [
        xlsx.Col("序号", 4, "center"),
        xlsx.Col("问题类别", 7, "wrap"),
        xlsx.Col("主要特征", 13, "wrap"),
        xlsx.Col("严重程度", 5, "center"),
    ]
    if has_status:
        cols.append(xlsx.Col("状态", 8, "center"))
    cols += [
        xlsx.Col("问题表现", 32, "wrap"),
        xlsx.Col("涉及人员", 12, "wrap"),
        xlsx.Col(PLACE_HEADER, 15, "wrap"),
        xlsx.Col(REFERENCE_HEADER, 7, "center"),
        xlsx.Col("核查建议", 16, "wrap"),
        # written in by the team (reports.feedback reads them back by these names)
        xlsx.Col("核查结果", 20, "wrap"),
        xlsx.Col("核查人", 8, "wrap"),
        xlsx.Col("核查日期", 10, "date"),
        # on screen only: the amount to sort by, and the id for importing returned workbooks
        xlsx.Col("涉及金额(元)", 12, "money"),
        xlsx.Col(ID_HEADER, 17, "wrap"),
    ]
    return cols


# Files named per table on the cover; a county sends one ledger per village, the rest are counted.
COVER_FILES_PER_TABLE = 3


def sources_by_table(files: Sequence[LoadedFile]) -> list[tuple[str, str, object]]:
    """(table label, its files, latest load time) per canonical table loaded; unrecognised files are
    not sources (they are listed in the office workbook's 数据质量)."""
    by_table: dict[str, list] = {}
    for f in files:
        if f.table_name:
            by_table.setdefault(f.table_name, []).append(f)
    out = []
    for table, files in sorted(by_table.items(), key=lambda kv: table_label(kv[0])):
        names = [f.source_file for f in files]
        text = "\n".join(names[:COVER_FILES_PER_TABLE])
        if len(names) > COVER_FILES_PER_TABLE:
            text += f"\n……等{len(names)}个文件"
        times = [f.loaded_at for f in files if f.loaded_at is not None]
        out.append((table_label(table), text, max(times) if times else None))
    return out


def _cover(wb, county: County, village: Village, mask: Masker, paper_rows: int, changes: list[tuple]) -> None:
    ws = wb.create_sheet(COVER_SHEET)
    widths = [19, 32, 19, 32]  # A4 portrait at full size: 9 pt notes print at 9 pt
    for i, w in enumerate(widths):
        ws.column_dimensions["ABCD"[i]].width = w
    xlsx.print_setup(ws, f"{village.town}{village.name}", landscape=False)
    row = 0
    stream: xlsx.RowStream | None = None  # opened by the first row, once the sheet's layout is set

    merged_widths = {
        None: widths,
        "A{r}:D{r}": [sum(widths)],
        "B{r}:D{r}": [widths[0], sum(widths[1:])],
        "B{r}:C{r}": [widths[0], widths[1] + widths[2], 0, widths[3]],
    }

    def add(cells: Sequence, merge: str | None = None, height: float | None = None) -> None:
        nonlocal row, stream
        row += 1
        values = [c.value for c in cells]
        size = max((c.font.sz or 10) for c in cells if c.font is not None) if cells else 10
        estimate = xlsx.row_height(values, merged_widths[merge], size)
        if stream is None:
            stream = xlsx.RowStream(ws)
        stream.append_cells(cells, max(height or 0, estimate or 0) if height or estimate else None)
        if merge:
            ws.merged_cells.add(merge.format(r=row))

    def section(text: str) -> None:
        add([xlsx.cell(ws, text, font=xlsx.FONT_SECTION, fill=xlsx.FILL_SECTION, border=False)]
            + [xlsx.cell(ws, None, fill=xlsx.FILL_SECTION, border=False) for _ in range(3)], "A{r}:D{r}", 22)

    def pair(label: str, value: object, fmt: str | None = None, fill=None) -> None:
        add([xlsx.cell(ws, label, font=xlsx.FONT_BOLD), xlsx.cell(ws, mask(value), fmt=fmt, fill=fill,
                                                                   align=xlsx.LEFT),
             xlsx.cell(ws, None), xlsx.cell(ws, None)], "B{r}:D{r}")

    def quad(l1: str, v1: object, l2: str, v2: object, fmt1: str | None = None, fmt2: str | None = None) -> None:
        left = xlsx.LEFT
        add([xlsx.cell(ws, l1, font=xlsx.FONT_BOLD), xlsx.cell(ws, mask(v1), fmt=fmt1, align=left),
             xlsx.cell(ws, l2, font=xlsx.FONT_BOLD), xlsx.cell(ws, mask(v2), fmt=fmt2, align=left)])

    title = f"{county.name}{village.town}{village.name} 巡察风险清单"
    add([xlsx.cell(ws, title, font=xlsx.FONT_TITLE, align=xlsx.CENTER, border=False)],
        "A{r}:D{r}", 32)
    add([xlsx.cell(ws, "本清单所列为大数据比对发现的疑点，不是结论，须经实地核实。身份证号、账号已部分隐藏。"
                   "请在“问题清单”的“核查结果、核查人、核查日期”列填写核查情况，勿改动“疑点编号”列，以便导回系统。",
                   font=xlsx.FONT_NOTE, align=xlsx.NOTE_ALIGN, border=False)], "A{r}:D{r}", 30)

    s = village.score
    b = village.basics
    section("一、村基本情况")
    quad("村名称", village.name, "所属乡镇", village.town)
    quad("统计用区划代码", village.code, "数据年度", b.get("year") if b else "（无村基本情况表）")
    quad("户籍户数", b.get("households"), "户籍人口", b.get("registered_population"))
    quad("常住人口", b.get("resident_population"), "耕地面积(亩)", b.get("farmland_mu"), None, "#,##0.0")
    quad("人均可支配收入(元)", b.get("income_per_capita_yuan"), "", None, xlsx.MONEY_FORMAT)

    section("二、风险评分")
    quad("风险得分", s["score"], "全县排名", f"第 {s['rank']} 名（共 {county.village_count} 个村）", xlsx.SCORE_FORMAT)
    add([xlsx.cell(ws, "村分类", font=xlsx.FONT_BOLD),
         xlsx.cell(ws, s["class"], font=xlsx.FONT_BOLD, fill=xlsx.CLASS_FILLS.get(s["class"]), align=xlsx.WRAP_CENTER),
         xlsx.cell(ws, "疑点数", font=xlsx.FONT_BOLD), xlsx.cell(ws, s["flag_count"], align=xlsx.LEFT)])
    if village.portrait:
        pair("重点村依据", village.portrait.get("key_reasons") or "无（各项标准均未达到）")
        if village.portrait.get("missing"):
            pair("未能判断", f"{village.portrait['missing']}：缺少数据不等于没有问题")
    quad("严重程度分", s["severity_points"], "金额分", s["money_points"], xlsx.SCORE_FORMAT, xlsx.SCORE_FORMAT)
    quad("规则数分", s["breadth_points"], "命中规则数", s["distinct_rules"], xlsx.SCORE_FORMAT)
    quad("涉及金额合计(元)", s["amount_yuan"], "", None, xlsx.MONEY_FORMAT)
    add([xlsx.cell(ws, "得分 = 严重程度分 + 金额分 + 规则数分。经济规模大、项目和专项资金多、信访反映多、软弱涣散、"
                   "数据异常突出，任一项达到标准即列为重点村（直接进村深入巡察，见工作表“村情画像”），"
                   "其余为一般村（巡镇带村覆盖）。", font=xlsx.FONT_NOTE, border=False)], "A{r}:D{r}", 28)

    if village.town_common:
        pair("本镇共性问题", "\n".join(text for _, text in village.town_common)
             + "\n（问题清单中标“【本镇共性问题】”，巡镇时统一了解）")
    section("三、疑点分布")
    by_sev = Counter(f.get("severity") for f in village.flags)
    quad("高", by_sev.get("高", 0), "中", by_sev.get("中", 0))
    quad("低", by_sev.get("低", 0), "底稿", f"{paper_rows} 条出处记录" if paper_rows else "无")
    by_cat = Counter(f.get("category") for f in village.flags)
    cats = [c for c in CATEGORIES.values() if c in by_cat] + sorted(c for c in by_cat if c not in CATEGORIES.values() and c)
    if not cats:
        pair("按问题类别", "本村未发现疑点")
    for i in range(0, len(cats), 2):
        a = cats[i]
        bcat = cats[i + 1] if i + 1 < len(cats) else ""
        quad(a, by_cat[a], bcat, by_cat[bcat] if bcat else None)

    if changes:
        new = sum(1 for c in changes if c[0] == "新增")
        pair("上次比对以来", f"新增 {new} 条，已消失 {len(changes) - new} 条疑点，详见工作表“{CHANGES_SHEET}”。"
                            "已消失的疑点不再列入问题清单。")

    section("四、数据来源")
    sources = sources_by_table(village.sources)
    if sources:
        add([xlsx.cell(ws, "数据表", font=xlsx.FONT_BOLD, fill=xlsx.FILL_HEADER),
             xlsx.cell(ws, "来源文件", font=xlsx.FONT_BOLD, fill=xlsx.FILL_HEADER), xlsx.cell(ws, None, fill=xlsx.FILL_HEADER),
             xlsx.cell(ws, "最近入库时间", font=xlsx.FONT_BOLD, fill=xlsx.FILL_HEADER)], "B{r}:C{r}")
        for label, files, loaded_at in sources:
            add([xlsx.cell(ws, label), xlsx.cell(ws, mask(files)), xlsx.cell(ws, None),
                 xlsx.cell(ws, loaded_at, fmt=xlsx.DATETIME_FORMAT, align=xlsx.WRAP_CENTER)], "B{r}:C{r}")
    else:
        pair("已使用的数据源", "（无读取记录）")
    pair("缺少的数据源", "、".join(county.missing_tables) if county.missing_tables else "无")
    if county.not_run:
        for n in county.not_run:
            # the reason says 未运行 or 部分运行 and why
            pair(f"未运行规则 {n.rule_id}", f"{n.title}。{n.reason}")
    else:
        pair("未运行的规则", "无（全部规则均已运行）")

    section("五、运行信息")
    quad("生成批次", county.run_stamp, "数据最近入库", county.latest_load, None, xlsx.DATETIME_FORMAT)
    add([xlsx.cell(ws, "本清单内容生成于上述批次。以后的运行中本村的疑点、得分、排名和数据来源都没有变化时，沿用本清单，"
                   "不重新生成，因此生成批次可能早于所在报告文件夹的批次。", font=xlsx.FONT_NOTE, border=False)],
        "A{r}:D{r}", 28)


def _changes(wb, county: County, village: Village, changes: list[tuple], accounts: set[str], mask: Masker) -> None:
    cols = [xlsx.Col("变化", 7, "center"), xlsx.Col("问题清单序号", 7, "center"), xlsx.Col("规则", 16, "wrap"),
            xlsx.Col("严重程度", 5, "center"), xlsx.Col("涉及人员", 18, "wrap"), xlsx.Col("问题表现", 40, "wrap"),
            xlsx.Col("涉及金额(元)", 10, "money"), xlsx.Col("首次发现", 11, "date"), xlsx.Col("最后发现", 11, "date"),
            xlsx.Col("核查结果", 10, "wrap")]

    def rows():
        for change, seq, rule_id, severity, name, key, summary, amount, first, last, verdict in changes:
            rule = RULES_BY_ID.get(rule_id)
            subject = subject_text({"subject_name": name, "subject_key": key}, village.code, accounts)
            yield [change, seq, f"{rule_id} {rule.title if rule else ''}", severity, subject, summary, amount or 0.0,
                   first.date() if first else None, last.date() if last else None, verdict]

    new = sum(1 for c in changes if c[0] == "新增")
    caption = (f"{village.town}{village.name} 上次比对（{county.previous_check:%Y-%m-%d %H:%M}）以来的变化："
               f"新增 {new} 条，已消失 {len(changes) - new} 条（已消失：上次比对时有、本次不再出现，"
               f"可能已整改或数据已更正，请核实）")
    xlsx.table_sheet(wb, CHANGES_SHEET, cols, rows(), header_text=f"{village.town}{village.name}", caption=caption,
                     row_fill=xlsx.severity_fill(3), transform=mask)


def build(county: County, village: Village) -> bytes:
    """The village workbook as .xlsx bytes."""
    if village.evidence is None:
        raise ValueError(f"village {village.code}: evidence rows not fetched (context.with_evidence)")
    accounts = _accounts(village)
    mask = Masker(accounts)
    wb = xlsx.new_workbook()
    header = f"{village.town}{village.name} 巡察风险清单"

    changes = change_rows(county, village)
    paper_rows = sum(len(village.evidence.get(f["flag_id"], [])) for f in village.flags)
    _cover(wb, county, village, mask, paper_rows, changes)

    cols = _list_columns(county.has_status)
    sev_index = 3
    notes = rectification_sheets.team_notes(village.ledger)  # entered so far, shown again

    def feature(f: dict) -> str:
        return f"{f['rule_id']} {f.get('rule_title') or ''}".strip()

    def list_rows():
        for seq, f in enumerate(village.flags, start=1):
            rule = RULES_BY_ID.get(f["rule_id"])
            ev = village.evidence.get(f["flag_id"], [])
            row: list[object] = [seq, f.get("category") or "", feature(f), _severity_cell(f)]
            if county.has_status:
                row.append(team_status_text(f, county.previous_check is not None))
            row += [
                working_paper.narrative(f.get("summary") or "", ev, f.get("confidence")),
                subject_text(f, village.code, accounts),
                working_paper.places(ev),
                working_paper.reference(seq, len(ev)),
                rule.verify if rule else "",
                *notes.get(f["flag_id"], (None, None, None)),
                f.get("amount_yuan") or 0.0,
                f["flag_id"],
            ]
            yield row

    caption = f"{village.town}{village.name} 问题清单（共{len(village.flags)}条，按严重程度、涉及金额排序）"
    n = xlsx.table_sheet(wb, LIST_SHEET, cols, list_rows(), header_text=header, caption=caption,
                         row_fill=xlsx.severity_fill(sev_index), transform=mask)
    printed = len(cols) - len(SCREEN_ONLY)
    wb.worksheets[-1].print_area = f"A1:{get_column_letter(printed)}{n + 2}"
    rectification_sheets.add_verdict_dropdown(wb.worksheets[-1], [c.header for c in cols].index("核查结果") + 1, 3, n + 2)

    refs = [
        (FlagRef(seq, f.get("subject_name") or "", f.get("amount_yuan") or 0.0, f.get("summary") or "",
                 is_person_key(f.get("subject_key") or ""), _key_text(f, village.code, accounts)),
         RULES_BY_ID.get(f["rule_id"]))
        for seq, f in enumerate(village.flags, start=1)
    ]
    questions = outline(refs)
    icols = [xlsx.Col("谈话对象", 20, "wrap"), xlsx.Col("序号", 5, "center"), xlsx.Col("谈话问题", 80, "wrap"),
             xlsx.Col("相关疑点（问题清单序号）", 14, "center")]
    counters: Counter[str] = Counter()

    def interview_rows():
        for q in questions:
            counters[q.who] += 1
            yield [q.who, counters[q.who], q.text, "、".join(str(s) for s in q.seqs)]

    xlsx.table_sheet(wb, INTERVIEW_SHEET, icols, interview_rows(), header_text=header,
                     caption=f"{village.town}{village.name} 谈话提纲（共{len(questions)}个问题，按谈话对象分组）",
                     transform=mask)

    if changes:
        _changes(wb, county, village, changes, accounts, mask)
    if village.portrait:
        portrait_sheets.village_sheet(wb, header, village.portrait, county.village_count)
    if village.indicators:
        yearly_sheets.village_sheet(wb, header, village.indicators, village.indicators_missing)
    if village.ledger:
        rectification_sheets.village_sheet(wb, header, village.ledger,
                                           lambda r: subject_text(r, village.code, accounts), mask)

    items = [(seq, feature(f), village.evidence.get(f["flag_id"], [])) for seq, f in enumerate(village.flags, start=1)]
    if paper_rows:
        working_paper.write(wb, items, header, mask)
    signing.sign(wb, county.signing_key, county.run_stamp, village.code)
    return xlsx.to_bytes(wb)


def _key_text(flag: dict, village_code: str, accounts: set[str]) -> str:
    """The flag's subject key as the team may read it: a contract or voucher number as is, an ID or
    account masked (subject_text without the name)."""
    return subject_text({"subject_key": flag.get("subject_key")}, village_code, accounts)
