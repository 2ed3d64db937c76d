"""How departments spell values: IDs, dates, months, amounts, villages, groups.

Pure functions from a canonical value to what a clerk's export shows (a string, a number, or a date
cell). The readers must undo every one of these.
"""

from __future__ import annotations

import datetime as dt

FULLWIDTH = str.maketrans("0123456789X", "０１２３４５６７８９Ｘ")
EXCEL_EPOCH = dt.date(1899, 12, 30)
CN_NUM = "零一二三四五六七八九十"


def id_text(pid: str, style: str | None) -> str:
    if style is None:
        return pid
    if style == "fullwidth":
        return pid.translate(FULLWIDTH)
    if style == "lower_x":
        return pid[:-1] + pid[-1].lower()
    if style == "apostrophe":
        return "'" + pid
    if style == "spaces":
        return f"{pid[:6]} {pid[6:14]} {pid[14:]}"
    if style == "tab":
        return pid + "\t"
    if style == "id15":
        return pid[:6] + pid[8:17]
    raise ValueError(style)


def id_cell(row: dict, col: str):
    """The value to write for an ID column: a spelling of a valid ID, or the unusable raw value."""
    q = row.get("_q")
    if q and q[0] == col:
        return q[2]
    pid = row.get(col)
    if not pid:
        return None
    return id_text(pid, row.get("_ids", {}).get(col))


def date_text(d: dt.date | None, style: str, empty: str = ""):
    if d is None:
        return empty
    if style == "iso":
        return d.isoformat()
    if style == "slash":
        return f"{d.year}/{d.month}/{d.day}"
    if style == "dot":
        return f"{d.year}.{d.month}.{d.day}"
    if style == "cn":
        return f"{d.year}年{d.month}月{d.day}日"
    if style == "compact":
        return f"{d:%Y%m%d}"
    if style == "serial":
        return (d - EXCEL_EPOCH).days
    if style == "cell":
        return d
    raise ValueError(style)


def month_text(d: dt.date, style: str):
    if style == "ym":
        return f"{d:%Y-%m}"
    if style == "cn":
        return f"{d.year}年{d.month}月"
    if style == "compact":
        return f"{d:%Y%m}"
    if style == "cell":
        return d
    raise ValueError(style)


def amount_text(x: float | None, style: str, empty: str = ""):
    if x is None:
        return empty
    if style == "number":
        return x
    neg = x < 0
    body = f"{abs(x):,.2f}"
    if style == "comma":
        return f"({body})" if neg else body
    if style == "yuan":
        s = f"{abs(x):.2f}".rstrip("0").rstrip(".")
        return f"({body})" if neg else s + "元"
    if style == "plain":
        return f"({body})" if neg else f"{x:.2f}"
    raise ValueError(style)


def village_text(base: str, town: str, style: str) -> str:
    return {
        "村": f"{base}村",
        "村委会": f"{base}村委会",
        "村民委员会": f"{base}村民委员会",
        "村村委会": f"{base}村村委会",
        "镇村": f"{town}{base}村",
        "合作社": f"{base}村股份经济合作社",
        "镇村委会": f"{town}{base}村村民委员会",
    }[style]


def group_text(g: int | None, style: str) -> str:
    if g is None:
        return ""
    cn = CN_NUM[g] if g <= 10 else str(g)
    return {"cn": f"{cn}组", "num": f"{g}组", "long": f"第{cn}村民小组", "numlong": f"第{g}组"}[style]


def grade_text(g: int) -> str:
    return f"{CN_NUM[g]}级"
