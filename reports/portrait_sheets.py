"""村情画像 in the workbooks and the overview: per village the figures behind the 重点村 choice (rules.portrait),
each with its source and rank among the county's villages, the criteria met, and those that could
not be judged because their source was not supplied."""

from __future__ import annotations

import polars as pl

from connectors.schema import table_label
from reports import xlsx
from rules.trends import trend_text
from xuncha.text import html_text as escape

SHEET = "村情画像"
NOT_SUPPLIED = "（未报送）"


def metrics(p: dict, n: int) -> list[tuple[str, object, str, str, str]]:
    """(指标, 数值, 全县排名, 数据来源, 说明) of one village's portrait row; a figure whose source was not
    supplied shows （未报送）, never 0."""
    ledger, petitions, weak = (table_label(t) for t in ("village_ledger", "petitions", "weak_party_orgs"))
    missing = p.get("missing") or ""
    no_ledger, no_petitions, no_weak = "经济规模" in missing, "信访" in missing, "软弱涣散" in missing
    year = p.get("ledger_year")

    def value(key: str, absent: bool) -> object:
        v = p.get(key)
        return NOT_SUPPLIED if absent else (0 if v is None else round(v, 2))

    def rank(key: str, absent: bool) -> str:
        if absent:
            return NOT_SUPPLIED
        r = p.get(f"{key}_rank")
        return f"第{r}/{n}" if r is not None else "—"

    rent = p.get("contract_rent_yuan")
    return [
        ("集体收入(元)", value("income_yuan", no_ledger), "", ledger, f"{year}年贷方“收入”类科目" if year else ""),
        ("集体支出(元)", value("spending_yuan", no_ledger), "", ledger, f"{year}年付款" if year else ""),
        ("经济规模：收支合计(元)", value("economy_yuan", no_ledger), rank("economy_yuan", no_ledger), ledger, "收入 + 支出"),
        ("工程项目和专项资金支出(元)", value("project_yuan", no_ledger), rank("project_yuan", no_ledger), ledger,
         f"摘要或科目含工程、项目、专项等，{p.get('project_vouchers') or 0} 张凭证"),
        ("集体资产资源合同(份)", p.get("contracts") if p.get("contracts") is not None else 0, "",
         table_label("collective_contracts"), f"年租金合计 {rent:,.0f} 元" if rent is not None else ""),
        ("信访件数", value("petitions", no_petitions), rank("petitions", no_petitions), petitions,
         "" if no_petitions else (p.get("petition_categories") or "")),
        ("重复信访人数", value("repeat_petitioners", no_petitions), "", petitions, ""),
        ("软弱涣散村党组织", NOT_SUPPLIED if no_weak else ("是" if p.get("weak_org") else "否"), "", weak,
         p.get("weak_org") or ""),
        ("数据异常得分", p.get("anomaly_score"), rank("anomaly_score", False), "全部比对规则的疑点",
         "得分 = 严重程度分 + 金额分 + 规则数分"),
    ]


def _round(v: float | None) -> float | None:
    return None if v is None else round(v, 2)


def village_sheet(wb, header: str, portrait: dict, village_count: int) -> None:
    cols = [xlsx.Col("指标", 24, "wrap"), xlsx.Col("数值", 14, "money"), xlsx.Col("全县排名", 10, "center"),
            xlsx.Col("数据来源", 22, "wrap"), xlsx.Col("说明", 40, "wrap")]
    reasons = portrait.get("key_reasons") or "无（各项标准均未达到）"
    missing = portrait.get("missing") or ""
    caption = f"{header} 村情画像：列为{portrait.get('class') or ''}。依据：{reasons}"
    if missing:
        caption += f"。未能判断：{missing}（缺少数据不等于没有问题）"
    rows = [list(m) for m in metrics(portrait, village_count)]
    xlsx.table_sheet(wb, SHEET, cols, rows, header_text=header, caption=caption, filter_rows=False)


def office_sheet(wb, title: str, villages: pl.DataFrame, portrait: pl.DataFrame, trends: dict[str, list]) -> None:
    """村情画像 of every village, in rank order: figures with ranks, criteria met, criteria not judged."""
    # narrow, wrapped columns: the sheet prints one page wide on A4 landscape at >= 9 pt
    cols = [xlsx.Col("排名", 5, "int"), xlsx.Col("乡镇", 8, "wrap"), xlsx.Col("村名称", 8, "wrap"),
            xlsx.Col("分类", 8, "center"), xlsx.Col("重点村依据", 24, "wrap"), xlsx.Col("未能判断", 14, "wrap"),
            xlsx.Col("收支合计(元)", 12, "money"), xlsx.Col("排名", 5, "int"), xlsx.Col("工程项目支出(元)", 12, "money"),
            xlsx.Col("排名", 5, "int"), xlsx.Col("信访件", 7, "int"), xlsx.Col("重复信访人", 7, "int"),
            xlsx.Col("信访类别", 14, "wrap"), xlsx.Col("软弱涣散", 14, "wrap"), xlsx.Col("异常得分", 8, "score"),
            xlsx.Col("得分趋势（历次运行）", 14, "wrap")]
    by_code = {r["village_code"]: r for r in portrait.iter_rows(named=True)} if not portrait.is_empty() else {}
    rows = []
    for v in villages.iter_rows(named=True):
        p = by_code.get(v["village_code"], {})
        rows.append([v["rank"], v["town"], v["village_name"], v["class"], p.get("key_reasons") or "",
                     p.get("missing") or "", _round(p.get("economy_yuan")), p.get("economy_yuan_rank"),
                     _round(p.get("project_yuan")),
                     p.get("project_yuan_rank"), p.get("petitions"), p.get("repeat_petitioners"),
                     p.get("petition_categories"), p.get("weak_org"), v["score"],
                     trend_text(trends.get(v["village_code"], []))])
    xlsx.table_sheet(wb, SHEET, cols, rows, header_text=title, row_fill=xlsx.ColumnFill(3, xlsx.CLASS_FILLS),
                     caption="村情画像与重点村依据：经济规模、项目资金、信访、软弱涣散、数据异常，任一项达到标准即列为重点村"
                             "（标准见配置 [key_villages] 和 [scoring]）；“未能判断”的是缺少数据的项目，不等于没有问题")


def overview_cells(portrait: pl.DataFrame, trends: dict[str, list]) -> dict[str, str]:
    """village code -> two HTML cells (重点村依据, 得分趋势) for the overview's village table."""
    out = {}
    for p in portrait.iter_rows(named=True) if not portrait.is_empty() else []:
        cell = escape(p.get("key_reasons") or "")
        if p.get("missing"):
            cell += ("<br>" if cell else "") + f"<span class=note>未能判断：{escape(p['missing'])}</span>"
        out[p["village_code"]] = f"<td>{cell}</td><td>{escape(trend_text(trends.get(p['village_code'], [])))}</td>"
    return out
