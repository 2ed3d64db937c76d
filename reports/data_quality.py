"""The data-quality page (数据质量报告): per file and sheet the row accounting, and every data check
that failed with its counts and sample rows. One self-contained HTML file: no scripts, no fonts, no
stylesheets from anywhere, so it opens the same on a machine that has never been online.

It reads only the warehouse (`validation_results`, written by connectors/validation.py, and the
quarantine); it computes nothing new.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import duckdb

from xuncha.files import atomic_write_bytes
from xuncha.text import html_text

FILE_NAME = "data_quality.html"

_CSS = """
body{font-family:"Microsoft YaHei","PingFang SC","Noto Sans CJK SC",sans-serif;margin:24px;color:#222;font-size:14px}
h1{font-size:22px}h2{font-size:18px;margin-top:28px;border-bottom:1px solid #ccc}h3{font-size:15px;margin:18px 0 6px}
table{border-collapse:collapse;margin:6px 0 12px}th,td{border:1px solid #bbb;padding:3px 8px;text-align:left;vertical-align:top}
th{background:#eef}td.n{text-align:right;font-variant-numeric:tabular-nums}
.bad{background:#fde2e2}.warn{background:#fff4d6}.ok{color:#2a7}.muted{color:#777}
.summary span{display:inline-block;margin-right:24px}
"""

_OUTCOME_CLASS = {"整个文件未入库": "bad", "已隔离": "warn", "提示": "warn", "无法读取": "bad", "未识别": "warn",
                  "已跳过（不是数据）": ""}


def _e(v: object) -> str:
    return "" if v is None else html_text(v)


def _table_exists(con: duckdb.DuckDBPyConnection, name: str) -> bool:
    return bool(con.execute("SELECT count(*) FROM information_schema.tables WHERE table_name = ?", [name]).fetchone()[0])


# The Great Expectations expectation behind each check, as the page names it (the check's own label
# says what failed; this says how it was tested). Keyed by the name without case or underscores, so
# ExpectColumnValuesToBeBetween and expect_column_values_to_be_between are one.
EXPECTATION_LABELS = {
    "expectcolumntoexist": "列是否存在",
    "expectcolumnvaluestonotbenull": "是否为空",
    "expectcolumnvaluestobevalidresidentid": "身份证号校验",
    "expectcolumnvaluestobebetween": "取值范围",
    "expectcolumnvaluestobeinvillagereference": "对照统计部门村名单",
    "expectcolumnvaluestobeunique": "是否重复",
    "expectcompoundcolumnstobeunique": "多列组合是否重复",
    "expectcolumnpairvaluesatobegreaterthanb": "两列先后比较",
    "expectcolumnpairvaluestobeequal": "两列是否一致",
    "expectcolumnvaluestonotmatchregex": "格式检查",
}


def expectation_label(name: str | None) -> str:
    """The Chinese name of an expectation; an unknown one is named generically, never in English."""
    if not name:
        return ""
    return EXPECTATION_LABELS.get(name.replace("_", "").lower(), "其他数据检查")


def column_labels(extract: str | None, columns: str | None) -> str:
    """Comma-joined warehouse column names as their Chinese labels (connectors.schema)."""
    if not columns:
        return ""
    # the labels the checks' sample rows use: one naming on the whole page
    from connectors.quarantine_moves import column_label

    return "、".join(column_label(extract or "", c) for c in columns.split(","))


def _samples(text: str | None) -> str:
    if not text:
        return ""
    try:
        rows = json.loads(text)
    except ValueError:
        return _e(text)
    return "<br>".join("；".join(f"{_e(k)}：{_e(v)}" for k, v in r.items()) for r in rows)


def build(con: duckdb.DuckDBPyConnection, title: str = "数据质量报告") -> str:
    """The page as a string."""
    parts = [f"<!DOCTYPE html><html lang='zh-CN'><head><meta charset='utf-8'><title>{_e(title)}</title>"
             f"<style>{_CSS}</style></head><body><h1>{_e(title)}</h1>"]
    parts.append(f"<p class='muted'>生成时间：{dt.datetime.now():%Y-%m-%d %H:%M}。本页不需要联网即可查看。"
                 "“已隔离”的行未入库，原因见隔离表；“提示”的行已入库，请核实；"
                 "“整个文件未入库”的文件需核对后重新报送。</p>")
    if not _table_exists(con, "validation_results"):
        parts.append("<p>尚未读取任何数据。</p></body></html>")
        return "".join(parts)
    sheets = con.execute(
        """
        SELECT source_file, source_sheet, any_value(extract), any_value(rows_read), any_value(rows_loaded),
               any_value(rows_quarantined), any_value(rows_skipped), max(validated_at),
               bool_or(outcome = '整个文件未入库'), bool_or(outcome IN ('已隔离', '提示')),
               any_value(message) FILTER (WHERE check_name IS NULL),
               bool_or(outcome IN ('已隔离', '提示') AND failed_share > reject_share)
        FROM validation_results GROUP BY ALL ORDER BY source_file, source_sheet
        """
    ).fetchall()
    totals = [sum(r[i] or 0 for r in sheets) for i in (3, 4, 5, 6)]
    files = len({r[0] for r in sheets})
    rejected = len({r[0] for r in sheets if r[8]})
    parts.append(
        "<p class='summary'>"
        f"<span>文件 <b>{files}</b> 个</span><span>读取 <b>{totals[0]}</b> 行</span>"
        f"<span>入库 <b>{totals[1]}</b> 行</span><span>隔离 <b>{totals[2]}</b> 行</span>"
        f"<span>跳过（空行、合计行、说明） <b>{totals[3]}</b> 行</span>"
        f"<span>整个未入库的文件 <b>{rejected}</b> 个</span></p>"
    )
    parts.append("<h2>各文件、各工作表</h2><table><tr><th>文件</th><th>工作表</th><th>数据类型</th><th>读取行数</th>"
                 "<th>入库行数</th><th>隔离行数</th><th>跳过行数</th><th>检查结果</th></tr>")
    from connectors.schema import table_label

    for f, sheet, extract, read, loaded, quarantined, skipped, _, is_rejected, has_issue, note, many in sheets:
        verdict, cls = sheet_verdict(extract, quarantined, bool(is_rejected), bool(has_issue), note, bool(many))
        parts.append(
            f"<tr class='{cls if cls != 'ok' else ''}'><td>{_e(f)}</td><td>{_e(sheet)}</td>"
            f"<td>{_e(table_label(extract) if extract else '未识别')}</td><td class='n'>{read}</td>"
            f"<td class='n'>{loaded}</td><td class='n'>{quarantined}</td><td class='n'>{skipped}</td>"
            f"<td class='{cls}'>{_e(verdict)}</td></tr>"
        )
    parts.append("</table>")

    failed = con.execute(
        """
        SELECT source_file, source_sheet, extract, label, column_name, expectation, action, failed, failed_before,
               failed_share, reject_share, outcome, sample_rows, evaluated
        FROM validation_results
        WHERE check_name IS NOT NULL AND outcome <> '通过'
        ORDER BY outcome = '整个文件未入库' DESC, source_file, source_sheet, failed DESC
        """
    ).fetchall()
    parts.append("<h2>未通过的检查</h2>")
    if not failed and totals[2]:
        parts.append(f"<p class='warn'>入库后的数据检查均通过；读取时另有 {totals[2]} 行因无法使用而隔离，"
                     "原因见下方隔离表汇总。</p>")
    elif not failed:
        parts.append("<p class='ok'>全部检查通过。</p>")
    else:
        parts.append("<table><tr><th>文件</th><th>工作表</th><th>检查</th><th>列</th><th>处理</th>"
                     "<th>不合格行数</th><th>读取时已隔离或置空</th><th>占读取行数</th><th>结果</th><th>示例行</th>"
                     "<th>检查方法</th></tr>")
        for (f, sheet, extract, label, column, expectation, action, n, before, share, limit, outcome, samples,
             _evaluated) in failed:
            limit_text = f"（上限{limit:.0%}）" if limit is not None else ""
            parts.append(
                f"<tr class='{_OUTCOME_CLASS.get(outcome, '')}'><td>{_e(f)}</td><td>{_e(sheet)}</td><td>{_e(label)}</td>"
                f"<td>{_e(column_labels(extract, column))}</td><td>{_e(action)}</td><td class='n'>{n}</td>"
                f"<td class='n'>{before}</td>"
                f"<td class='n'>{(share or 0):.1%}{_e(limit_text)}</td><td>{_e(outcome)}</td>"
                f"<td>{_samples(samples)}</td><td class='muted'>{_e(expectation_label(expectation))}</td></tr>"
            )
        parts.append("</table>")

    if _table_exists(con, "quarantine"):
        reasons = con.execute(
            "SELECT source_file, reason_code, count(*), min(reason) FROM quarantine GROUP BY ALL ORDER BY 1, 3 DESC"
        ).fetchall()
        parts.append("<h2>隔离表汇总</h2>")
        if not reasons:
            parts.append("<p class='ok'>没有被隔离的行。</p>")
        else:
            from connectors.validation import reason_label

            parts.append("<table><tr><th>文件</th><th>原因</th><th>行数</th><th>示例</th></tr>")
            for f, code, n, example in reasons:
                parts.append(f"<tr><td>{_e(f)}</td><td>{_e(reason_label(code))}</td><td class='n'>{n}</td>"
                             f"<td>{_e(example)}</td></tr>")
            parts.append("</table>")
    parts.append("</body></html>")
    return "".join(parts)


def sheet_verdict(extract: str | None, quarantined: int | None, rejected: bool, has_issue: bool,
                  note: str | None, many_failed: bool = False) -> tuple[str, str]:
    """(检查结果 text, CSS class) of a file's sheet: "全部通过" only when no check failed and no row of
    it was quarantined, whichever step quarantined it."""
    if rejected:
        return "整个文件未入库", "bad"
    if many_failed:  # over a check's threshold: good rows loaded, but the file deserves a look
        return "注意：大量行未通过检查（见下），其余行已入库", "bad"
    if extract is None:
        return note or "未识别", "warn"
    if has_issue:
        return "有问题（见下）", "warn"
    if quarantined:
        return f"隔离 {quarantined} 行（见隔离表汇总）", "warn"
    return "全部通过", "ok"


def write_data_quality_html(con: duckdb.DuckDBPyConnection, path: Path) -> Path:
    """Write the page atomically (a reader never sees half of it); returns the path."""
    path = Path(path)
    atomic_write_bytes(path, build(con).encode("utf-8"))
    return path
