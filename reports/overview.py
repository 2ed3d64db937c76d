"""总览.html: one self-contained page for the office, opened from disk by double-click.

No script, no external font, style sheet or image: charts are inline SVG (reports.svg), links to
the village workbooks are relative. Every text from the data is escaped.
"""

from __future__ import annotations

from collections import Counter
from urllib.parse import quote

from reports import portrait_sheets, svg
from reports.inputs import ReportData
from rules.catalog import RULES_BY_ID
from rules.model import CATEGORIES
from xuncha.text import html_text as escape

FILE_NAME = "总览.html"
# Villages drawn in the ranking chart and the heat map; the table below lists all of them.
CHART_VILLAGES = 40

CLASS_COLOURS = {"重点村": "#d9534f", "一般村": "#5b9bd5"}
SEVERITY_COLOURS = {"高": "#d9534f", "中": "#f0ad4e", "低": "#e6c84f"}

CSS = """
body{font-family:%s;margin:24px;color:#222;background:#fff}
h1{font-size:22px;margin:0 0 4px} h2{font-size:17px;margin:28px 0 8px;border-left:4px solid #5b9bd5;padding-left:8px}
.meta{color:#666;font-size:13px} .note{color:#666;font-size:12px}
.cards{display:flex;gap:12px;flex-wrap:wrap;margin:16px 0}
.card{border:1px solid #ddd;border-radius:6px;padding:10px 16px;min-width:120px}
.card b{display:block;font-size:22px} .card span{color:#666;font-size:12px}
.charts{display:flex;gap:24px;flex-wrap:wrap;align-items:flex-start}
.scroll{overflow-x:auto;max-width:100%%}
table{border-collapse:collapse;font-size:13px} th,td{border:1px solid #ccc;padding:3px 8px}
th{background:#d9e1f2;position:sticky;top:0} td.n{text-align:right} tr:nth-child(even) td{background:#fafafa}
td.key{background:#f8d7d7!important;font-weight:bold}
.legend i{display:inline-block;width:12px;height:12px;margin:0 4px 0 12px;vertical-align:middle}
""" % svg.FONT_STACK


def href(relative_path: str) -> str:
    """A relative link that survives Chinese file names and spaces when opened from disk."""
    return quote(relative_path.replace("\\", "/"), safe="/")


def _cards(data: ReportData) -> str:
    v, f = data.villages, data.flags
    key = v.filter(v["class"] == "重点村").height if not v.is_empty() else 0
    sev = Counter(f["severity"].to_list()) if not f.is_empty() else Counter()
    not_run = data.coverage.filter(data.coverage["status"] != "ran").height if not data.coverage.is_empty() else 0
    cards = [
        (v.height, "村"), (key, "重点村"), (f.height, "疑点"), (sev.get("高", 0), "高风险疑点"),
        (sev.get("中", 0), "中风险疑点"), (sev.get("低", 0), "低风险疑点"), (not_run, "未运行或部分运行的规则"),
        (data.quarantine.height, "隔离行"),
    ]
    if data.compared:
        new = f.filter(f["status"] == "new").height if not f.is_empty() else 0
        cards[3:3] = [(new, "本次新增"), (data.resolved.height, "本次已消失")]
    return ('<div class="cards">' + "".join(f"<div class=card><b>{n}</b><span>{escape(t)}</span></div>" for n, t in cards)
            + "</div>")


def _ranking_chart(data: ReportData) -> str:
    top = data.villages.head(CHART_VILLAGES)
    items = [(f"{r['rank']}. {r['town'] or ''}{r['village_name'] or r['village_code']}", float(r["score"] or 0),
              CLASS_COLOURS.get(r["class"], "#999")) for r in top.iter_rows(named=True)]
    title = "村风险得分排名" + (f"（前 {CHART_VILLAGES} 名）" if data.villages.height > CHART_VILLAGES else "")
    legend = '<div class="legend note">' + "".join(
        f'<i style="background:{c}"></i>{escape(k)}' for k, c in CLASS_COLOURS.items()) + "</div>"
    if not data.portrait.is_empty():
        legend += ('<p class="note">得分只反映数据异常；重点村按村情画像确定：经济规模、项目资金、信访、软弱涣散、'
                   '数据异常任一项达到标准即列入，所以得分较低的村也可能是重点村（依据见下方“全部村”表）。</p>')
    return legend + svg.hbar(items, title=title, unit=" 分", width=820)


def _by_town(data: ReportData) -> str:
    if data.villages.is_empty():
        return ""
    per_town: Counter[str] = Counter()
    for r in data.villages.iter_rows(named=True):
        per_town[r["town"] or "（未知乡镇）"] += int(r["flag_count"] or 0)
    items = [(t, float(n), "#5b9bd5") for t, n in per_town.most_common()]
    return svg.hbar(items, title="各乡镇疑点数", unit=" 条", width=440, value_format="{:,.0f}")


def _by_category(data: ReportData) -> str:
    if data.flags.is_empty():
        return ""
    per_cat = Counter(data.flags["category"].to_list())
    order = [c for c in CATEGORIES.values() if c in per_cat] + [c for c in per_cat if c not in CATEGORIES.values()]
    items = [(c or "（未分类）", float(per_cat[c]), "#70ad47") for c in order]
    return svg.hbar(items, title="各类别疑点数", unit=" 条", width=440, value_format="{:,.0f}")


def _heatmap(data: ReportData) -> str:
    if data.flags.is_empty():
        return "<p class=note>没有疑点。</p>"
    top = data.villages.head(CHART_VILLAGES)
    codes = top["village_code"].to_list()
    rules = sorted(set(data.flags["rule_id"].to_list()))
    counts = Counter(data.flags.select("rule_id", "village_code").iter_rows())
    values = [[counts.get((r, c), 0) for c in codes] for r in rules]
    row_labels = [f"{r} {RULES_BY_ID[r].title if r in RULES_BY_ID else ''}" for r in rules]
    col_labels = [f"{v or ''}" for v in top["village_name"].to_list()]
    title = "规则 × 村 疑点数" + (f"（得分前 {CHART_VILLAGES} 个村）" if data.villages.height > CHART_VILLAGES else "")
    return '<div class="scroll">' + svg.heatmap(row_labels, col_labels, values, title=title) + "</div>"


def _village_table(data: ReportData, links: dict[str, str]) -> str:
    head = ["排名", "乡镇", "村", "得分", "严重程度分", "金额分", "规则数分", "分类", "疑点数", "高", "中", "低", "风险清单",
            "重点村依据", "得分趋势"]
    extra = portrait_sheets.overview_cells(data.portrait, data.score_trends)
    rows = []
    for r in data.villages.iter_rows(named=True):
        link = links.get(r["village_code"])
        a = f'<a href="{escape(href(link))}">打开</a>' if link else ""
        cls = ' class="key"' if r["class"] == "重点村" else ""
        rows.append(
            "<tr>"
            f"<td class=n>{r['rank']}</td><td>{escape(r['town'] or '')}</td><td>{escape(r['village_name'] or '')}</td>"
            f"<td class=n>{r['score']:.2f}</td><td class=n>{r['severity_points']:.2f}</td>"
            f"<td class=n>{r['money_points']:.2f}</td><td class=n>{r['breadth_points']:.2f}</td>"
            f"<td{cls}>{escape(r['class'] or '')}</td><td class=n>{r['flag_count']}</td>"
            f"<td class=n>{r['high_flags']}</td><td class=n>{r['medium_flags']}</td><td class=n>{r['low_flags']}</td>"
            f"<td>{a}</td>{extra.get(r['village_code'], '<td></td><td></td>')}</tr>"
        )
    return ("<table><thead><tr>" + "".join(f"<th>{escape(h)}</th>" for h in head) + "</tr></thead><tbody>"
            + "".join(rows) + "</tbody></table>")


def _not_run(data: ReportData) -> str:
    c = data.coverage
    if c.is_empty():
        return "<p class=note>没有规则运行记录。</p>"
    missing = c.filter(c["status"] != "ran").sort("rule_id")
    if missing.is_empty():
        return "<p class=note>全部规则均已完整运行。</p>"
    items = "".join(
        f"<li><b>{escape(r['rule_id'])} {escape(RULES_BY_ID[r['rule_id']].title if r['rule_id'] in RULES_BY_ID else '')}</b>："
        f"{escape(r['reason'] or '')}</li>"
        for r in missing.iter_rows(named=True)
    )
    return f"<p class=note>以下规则未运行或只部分运行，未比对的数据不代表没有问题：</p><ul>{items}</ul>"


def build(data: ReportData, links: dict[str, str], run_stamp: str, office_file: str) -> str:
    """The page as text; `links` maps village code -> path of its workbook relative to the page."""
    county = data.county or ""
    loaded = data.latest_load.strftime("%Y-%m-%d %H:%M") if data.latest_load else "（无读取记录）"
    return f"""<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{escape(county)}巡察数据比对总览 {escape(run_stamp)}</title>
<style>{CSS}</style></head>
<body>
<h1>{escape(county)}巡察数据比对总览</h1>
<div class="meta">生成批次 {escape(run_stamp)}　数据最近入库 {escape(loaded)}&#12288;
汇总表：<a href="{escape(href(office_file))}">{escape(office_file)}</a></div>
<p class="note">疑点是大数据比对的结果，不是结论，须经巡察组实地核实。本页不含个人信息；各村风险清单已对身份证号、账号脱敏。</p>
{_cards(data)}
<h2>村风险排名</h2>
<div class="scroll">{_ranking_chart(data)}</div>
<h2>分布</h2>
<div class="charts"><div>{_by_town(data)}</div><div>{_by_category(data)}</div></div>
<h2>规则 × 村</h2>
{_heatmap(data)}
<h2>未运行的规则</h2>
{_not_run(data)}
<h2>全部村（点击“打开”查看该村风险清单）</h2>
<div class="scroll">{_village_table(data, links)}</div>
</body></html>
"""
