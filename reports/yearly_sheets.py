"""纵向对比 sheets: a village against itself across years (rules.yearly), with the year-on-year change
and the county median, and a small chart of its collective income and spending; the office
workbook has the same table for every village."""

from __future__ import annotations

import polars as pl
from openpyxl.chart import BarChart, Reference

from reports import xlsx
from rules.yearly import ORDER

SHEET = "纵向对比"
# Rows of the village sheet the chart draws, by indicator key (rules.yearly.INDICATORS).
CHART_INDICATORS = ("collective_income", "collective_spending")


def _fmt(value: float | None, unit: str) -> float | None:
    """Money to the fen, shares to 0.01 percentage point."""
    return None if value is None else round(value, 2)


def _wide(rows: list[dict]) -> tuple[list[int], list[tuple[str, str, str, str, dict, dict]]]:
    """(years, [(indicator, label, unit, source, year -> value, latest year's row)])."""
    years = sorted({r["year"] for r in rows})
    by_indicator: dict[str, list[dict]] = {}
    for r in rows:
        by_indicator.setdefault(r["indicator"], []).append(r)
    out = []
    for key, items in sorted(by_indicator.items(), key=lambda kv: ORDER.get(kv[0], len(ORDER))):
        latest = max(items, key=lambda r: r["year"])
        out.append((key, items[0]["label"], items[0]["unit"], items[0]["source"], {r["year"]: r["value"] for r in items},
                    latest))
    return years, out


def _change_text(latest: dict) -> str:
    if latest.get("change") is None:
        return ""
    pct = f"（{latest['change_pct']:+.1f}%）" if latest.get("change_pct") is not None else ""
    return f"{latest['change']:+,.2f}{pct}"


def village_sheet(wb, header: str, rows: tuple[dict, ...], missing: tuple[str, ...]) -> None:
    years, table = _wide(list(rows))
    cols = [xlsx.Col("指标", 20, "wrap")] + [xlsx.Col(f"{y}年", 12, "money") for y in years]
    cols += [xlsx.Col("最近一年同比", 18, "wrap"), xlsx.Col("全县中位数（最近一年）", 12, "money"),
             xlsx.Col("数据来源", 24, "wrap")]
    out = []
    for _key, label, unit, source, values, latest in table:
        out.append([label, *[_fmt(values.get(y), unit) for y in years], _change_text(latest),
                    _fmt(latest.get("county_median"), unit), source])
    caption = f"{header} 纵向对比：本村各年度指标、同比变化和全县中位数"
    if missing:
        caption += "。未能计算：" + "；".join(missing)
    xlsx.table_sheet(wb, SHEET, cols, out, header_text=header, caption=caption, filter_rows=False)
    chart_rows = [i for i, (key, *_rest) in enumerate(table) if key in CHART_INDICATORS]
    if not years or not chart_rows:
        return
    ws = wb.worksheets[-1]
    chart = BarChart()
    chart.title = "集体收入与支出（元）"
    chart.height, chart.width = 6.5, 13
    for i in chart_rows:
        row = i + 3  # caption, header, then the table's rows; column A holds the series' name
        chart.add_data(Reference(ws, min_col=1, max_col=1 + len(years), min_row=row, max_row=row),
                       from_rows=True, titles_from_data=True)
    chart.set_categories(Reference(ws, min_col=2, max_col=1 + len(years), min_row=2, max_row=2))
    ws.add_chart(chart, f"A{len(table) + 5}")


def office_sheet(wb, title: str, villages: pl.DataFrame, indicators: pl.DataFrame, missing: list[str]) -> None:
    """Every village's indicators: one row per village and indicator, years across."""
    years = sorted(set(indicators["year"].to_list())) if not indicators.is_empty() else []
    cols = [xlsx.Col("乡镇", 10, "wrap"), xlsx.Col("村名称", 10, "wrap"), xlsx.Col("指标", 18, "wrap")]
    cols += [xlsx.Col(f"{y}年", 12, "money") for y in years]
    cols += [xlsx.Col("最近一年同比", 18, "wrap"), xlsx.Col("全县中位数（最近一年）", 12, "money")]
    rows = []
    if not indicators.is_empty():
        per_village: dict[str, list[dict]] = {}
        for r in indicators.iter_rows(named=True):
            per_village.setdefault(r["village_code"], []).append(r)
        for v in villages.sort("town", "village_name").iter_rows(named=True):
            _, table = _wide(per_village.get(v["village_code"], []))
            for _key, label, unit, _source, values, latest in table:
                rows.append([v["town"], v["village_name"], label, *[_fmt(values.get(y), unit) for y in years],
                             _change_text(latest), _fmt(latest.get("county_median"), unit)])
    caption = "纵向对比：各村各年度指标、最近一年同比和全县中位数"
    if missing:
        caption += "。未能计算：" + "；".join(missing)
    xlsx.table_sheet(wb, SHEET, cols, rows, header_text=title, caption=caption)
