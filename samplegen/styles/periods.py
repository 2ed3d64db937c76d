"""How a one-card export writes the period of a payment, and which months that text covers.

A style maps each payment item to a period kind. Monthly kinds name the payment month exactly; the
others (`2024年度`, `2024年第二季度`, `2024年1-6月`, `2024年上半年`) name a span that contains it. `span` is what a
correct reader can know from the text alone: the generator checks that the ground truth holds whichever
month of the span a rule takes (samplegen.styles.verify_periods).
"""

from __future__ import annotations

import datetime as dt

QUARTERS = "一二三四"


def _month(year: int, month: int) -> dt.date:
    return dt.date(year, month, 1)


def span(kind: str, month: dt.date) -> tuple[dt.date, dt.date]:
    """First and last month (first days) that the period text of `month` covers."""
    y, m = month.year, month.month
    if kind in ("month_dot", "month_compact", "month_cn", "month_dash"):
        return month, month
    if kind == "year":
        return _month(y, 1), _month(y, 12)
    if kind == "quarter":
        q = (m - 1) // 3
        return _month(y, 3 * q + 1), _month(y, 3 * q + 3)
    if kind in ("half", "half_cn"):
        return (_month(y, 1), _month(y, 6)) if m <= 6 else (_month(y, 7), _month(y, 12))
    raise ValueError(kind)


def text(kind: str, month: dt.date) -> str:
    y, m = month.year, month.month
    if kind == "month_dot":
        return f"{y}.{m:02d}"
    if kind == "month_compact":
        return f"{y}{m:02d}"
    if kind == "month_cn":
        return f"{y}年{m}月"
    if kind == "month_dash":
        return f"{y}-{m:02d}"
    if kind == "year":
        return f"{y}年度"
    if kind == "quarter":
        return f"{y}年第{QUARTERS[(m - 1) // 3]}季度"
    if kind == "half":
        return f"{y}年1-6月" if m <= 6 else f"{y}年7-12月"
    if kind == "half_cn":
        return f"{y}年上半年" if m <= 6 else f"{y}年下半年"
    raise ValueError(kind)
