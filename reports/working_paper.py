"""底稿 (working paper) of a village workbook: every evidence row of every flag, and what 问题清单
shows of them instead — a summary by project, month and person, and the places compacted to row
ranges per file and sheet — so that the printed list stays a list and the records stay at hand.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Sequence

from openpyxl.utils import get_column_letter

from reports import xlsx
from reports.evidence import EvidenceRow, facts_line, format_value, location
from reports.masking import is_account_column, mask_account

SHEET = "底稿"
# Evidence rows spelled out in 问题表现 / 问题出处; a flag with more is summarised there.
SPELLED_OUT = 3
# Entries shown per summary line (by project, month, person); the rest are counted.
SUMMARY_ITEMS = 4

# Columns summarised by, by the source column's name or kind (connectors.schema).
_PROJECT_COLUMNS = ("project_name", "subject_name", "asset_name")
_AMOUNT_COLUMNS = ("amount_yuan", "debit_yuan", "credit_yuan", "arrears_yuan", "monthly_amount_yuan")
# The month of a record is that of its payment: a month column, or these dates (not a birth date, a
# term of office or a death, which a record of a person also carries)
_PAYMENT_DATES = ("pay_date", "voucher_date")


def reference(seq: int, count: int) -> str:
    """底稿 cell of 问题清单 item `seq`: the 底稿号 of its rows (底稿号 = 序号-条)."""
    if count == 0:
        return ""
    if count == 1:
        return f"{seq}-1"
    return f"{seq}-1～{seq}-{count}\n（{count}条）"


def _amount(ev: EvidenceRow) -> float:
    by_column = {c: v for c, _, v, _ in ev.values}
    for c in _AMOUNT_COLUMNS:
        v = by_column.get(c)
        if isinstance(v, (int, float)):
            return float(v)
    return 0.0


def _keys(ev: EvidenceRow) -> dict[str, str]:
    """The record's project, month and person, where it has them."""
    out: dict[str, str] = {}
    for column, _, v, kind in ev.values:
        if v in (None, ""):
            continue
        if "项目" not in out and column in _PROJECT_COLUMNS:
            out["项目"] = str(v)
        elif "月份" not in out and (kind == "month" or column in _PAYMENT_DATES) and hasattr(v, "strftime"):
            out["月份"] = v.strftime("%Y年%m月")
        elif "人员" not in out and kind == "name":
            out["人员"] = str(v)
    return out


def summary(evidence: Sequence[EvidenceRow]) -> list[str]:
    """Lines summarising many evidence rows: per table, by project, by month (a range when
    they run on), by person; each with its rows and amount."""
    lines = []
    tables = Counter(ev.table_label for ev in evidence)
    lines.append("共" + "、".join(f"{label}{n}条" for label, n in tables.most_common()) + "记录：")
    groups: dict[str, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
    for ev in evidence:
        amount = _amount(ev)
        for dim, key in _keys(ev).items():
            groups[dim][key].append(amount)
    for dim in ("项目", "月份", "人员"):
        found = groups.get(dim)
        if not found or len(found) == len(evidence) == 1:
            continue
        if dim == "月份" and len(found) > SUMMARY_ITEMS:
            months = sorted(found)
            total = sum(sum(a) for a in found.values())
            lines.append(f"按月份：{months[0]}至{months[-1]}共{len(months)}个月"
                         + (f"，合计{total:,.2f}元" if total else ""))
            continue
        items = sorted(found.items(), key=lambda kv: (-sum(kv[1]), -len(kv[1]), kv[0]))
        shown = []
        for key, amounts in items[:SUMMARY_ITEMS]:
            total = sum(amounts)
            shown.append(f"{key}{len(amounts)}条" + (f"{total:,.2f}元" if total else ""))
        more = f"等{len(items)}项" if len(items) > SUMMARY_ITEMS else ""
        lines.append(f"按{dim}：" + "；".join(shown) + more)
    return lines


def _ranges(rows: list[int]) -> str:
    rows = sorted(set(rows))
    parts = []
    start = prev = rows[0]
    for r in rows[1:] + [None]:
        if r is not None and r == prev + 1:
            prev = r
            continue
        parts.append(f"{start}" if start == prev else f"{start}-{prev}")
        if r is not None:
            start = prev = r
    return "、".join(parts)


def places(evidence: Sequence[EvidenceRow]) -> str:
    """问题出处: each evidence row's file / sheet / row; many rows compacted per file and sheet."""
    if len(evidence) <= SPELLED_OUT:
        return "\n".join(location(ev) for ev in evidence)
    by_sheet: dict[tuple[str, str], list[int]] = {}
    unknown: Counter[tuple[str, str]] = Counter()
    for ev in evidence:
        key = (ev.source_file, ev.source_sheet)
        if ev.source_row is None:
            unknown[key] += 1
        by_sheet.setdefault(key, [])
        if ev.source_row is not None:
            by_sheet[key].append(ev.source_row)
    lines = []
    for (file, sheet), rows in by_sheet.items():
        where = f"第{_ranges(rows)}行" if rows else ""
        count = len(rows) + unknown[(file, sheet)]
        lines.append(f"{file} / {sheet} / {where}（{count}条）")
    return "\n".join(lines)


def narrative(summary_text: str, evidence: Sequence[EvidenceRow], confidence: float | None) -> str:
    """问题表现: the flag's own sentence (amounts, dates), then a summary of its records when there
    are many; the records themselves are in 底稿 (a flag without a sentence shows its one record)."""
    lines = [summary_text] if summary_text else [facts_line(ev) for ev in evidence[:1] if ev.values]
    if len(evidence) > SPELLED_OUT:
        lines += summary(evidence)
    if confidence is not None and confidence < 1:
        lines.append(f"（按姓名而非身份证号匹配，可信度{confidence:.0%}，请先核实是否为同一人）")
    return "\n".join(lines)


def _record_text(ev: EvidenceRow) -> str:
    parts = []
    for column, label, v, kind in ev.values:
        if v is None or v == "":
            continue
        text = v if type(v) is str else format_value(v, kind)  # as format_value would: most values are text
        parts.append(f"{label} {mask_account(text) if is_account_column(column) else text}")
    return "；".join(parts) if parts else "（来源记录未找到）"


COLUMNS = [xlsx.Col("底稿号", 9, "center"), xlsx.Col("问题清单序号", 7, "center"), xlsx.Col("主要特征", 16, "wrap"),
           xlsx.Col("来源表", 14, "wrap"), xlsx.Col("文件", 22, "wrap"), xlsx.Col("工作表", 10, "wrap"),
           xlsx.Col("行号", 6, "int"), xlsx.Col("记录内容", 66, "wrap")]


def write(wb, items: Sequence[tuple[int, str, Sequence[EvidenceRow]]], header_text: str,
          transform: Callable[[object], object]) -> int:
    """The 底稿 sheet: (序号, 主要特征, evidence rows) per 问题清单 item. Its print area is its
    caption only, so printing the workbook does not print hundreds of records; returns the rows."""
    def rows():
        for seq, feature, evidence in items:
            for i, ev in enumerate(evidence, start=1):
                yield [f"{seq}-{i}", seq, feature, ev.table_label, ev.source_file, ev.source_sheet, ev.source_row,
                       _record_text(ev)]

    total = sum(len(e) for _, _, e in items)
    caption = (f"底稿：问题清单各条疑点的全部出处记录（共{total}条，底稿号 = 问题清单序号-条）。为免打印过多，"
               "本表默认只打印这一行；需要时在“页面布局”中取消打印区域后打印。")
    n = xlsx.table_sheet(wb, SHEET, COLUMNS, rows(), header_text=header_text, caption=caption, transform=transform)
    wb.worksheets[-1].print_area = caption_print_area(COLUMNS, caption)
    return n


# The widest a caption-only print area is made: an A4 landscape page at full size.
CAPTION_PRINT_WIDTH = 145.0


# The caption of a sheet that prints its caption only (caption_print_area) says so.
NOT_PRINTED = "本表行数多，默认只打印这一行；需要时在“页面布局”中取消打印区域后打印"


def caption_print_area(cols: Sequence[xlsx.Col], caption: str) -> str:
    """A print area of the caption row only, as many columns wide as its one line of text needs (a
    caption runs on over the columns it is merged across): fit to width then prints it at full size."""
    need = min(xlsx.display_width(caption) + 2, CAPTION_PRINT_WIDTH)
    width, last = 0.0, 0
    for last, col in enumerate(cols, start=1):
        width += col.width
        if width >= need or width + (cols[last].width if last < len(cols) else 0) > CAPTION_PRINT_WIDTH:
            break
    return f"A1:{get_column_letter(max(last, 1))}1"
