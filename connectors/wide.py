"""Wide sheets: periods as columns (1月 … 12月, 第一季度 … 第四季度, 2024年1月 …), amounts in the cells.

A payment list is often kept one row per person and item, with a column per month holding what was
paid that month (empty where nothing was). Each non-empty, non-zero cell under a period column is
one payment: its period comes from the column's header (the year from the header itself, else from
the sheet's context: title lines, sheet, file and folder names, connectors/context.py), its amount
from the cell, and every other column of the row is copied. The payment keeps the sheet row it came
from (source_row), so several payments may name the same row.

A 合计/小计/总计 column beside the periods is not a period: it is not loaded, but where the periods of
a row do not add up to it, the sheet message says which rows. Coarser periods among finer ones (一季度
among 1月 … 3月) are subtotals, not loaded either.

Accounting (ingest report): on a wide sheet, rows read counts payments (the unit loaded or
quarantined), and the sheet message says how many sheet rows they were unfolded from, so rows read =
rows loaded + rows quarantined still holds. A data row with no amount in any period column stays
one row and is quarantined for its missing amount (never dropped silently).

Pure: header texts and cells in, rows out. Called from connectors/headers.py (recognition: the
periods and amounts count as found) and connectors/transform.py (unfolding).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from connectors.normalize import normalize_amount
from connectors.profiles import Profile, agreement

# Period kinds, finest first.
MONTH, QUARTER, HALF = "month", "quarter", "half"
_FINENESS = {MONTH: 0, QUARTER: 1, HALF: 2}
_CN_NUM = {"一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9, "十": 10,
           "十一": 11, "十二": 12, "正": 1, "元": 1, "冬": 11, "腊": 12}
_NUM = r"(?:1[0-2]|0?[1-9]|十[一二]?|[一二三四五六七八九]|正|冬|腊)"
_Y = r"(?P<y>(?:19|20)\d{2})"
# 2024年3月, 2024年03月份, 2024.03, 2024-3, 2024/03, 202403, 3月, 三月, 03月份
_MONTH = [
    re.compile(r"^(?:" + _Y + r"年)?(?P<m>" + _NUM + r")月份?(?:发放)?(?:金额)?$"),
    re.compile(r"^" + _Y + r"[.\-/](?P<m>1[0-2]|0?[1-9])(?:月份?)?$"),
    re.compile(r"^" + _Y + r"(?P<m>0[1-9]|1[0-2])$"),
]
# 第一季度, 一季度, 1季度, 2024年第二季度, 2024Q2, Q2
_QUARTER = [
    re.compile(r"^(?:" + _Y + r"年?)?第?(?P<q>[一二三四1-4])季度?(?:发放)?(?:金额)?$"),
    re.compile(r"^(?:" + _Y + r"[-.]?)?[Qq](?P<q>[1-4])$"),
]
_HALF = re.compile(r"^(?:" + _Y + r"年?)?(?P<h>上|下)半年度?(?:发放)?(?:金额)?$")
# Totals beside the periods: 合计, 小计, 总计, 全年合计, 合计金额, 年度合计(元), 累计
_TOTAL = re.compile(r"^[\u4e00-\u9fff]{0,4}(?:合计|小计|总计|累计|共计)(?:金额|发放金额|发放)?$")
_UNIT = re.compile(r"[（(](?:元|万元|元/人|元/月)[)）]$")
# A group row above the periods may state their year: 2024年 / 1月, 2024年度发放金额 / 1月.
_GROUP_YEAR = re.compile(r"((?:19|20)\d{2})\s*年")


@dataclass(frozen=True)
class Period:
    kind: str  # MONTH, QUARTER or HALF
    number: int  # month 1-12, quarter 1-4, half 1-2
    year: int | None  # from the header itself (2024年3月), else None

    def text(self, year: int) -> str:
        """As connectors/periods.py reads it: 2024年3月, 2024年第2季度, 2024年上半年."""
        if self.kind == MONTH:
            return f"{year}年{self.number}月"
        if self.kind == QUARTER:
            return f"{year}年第{self.number}季度"
        return f"{year}年{'上' if self.number == 1 else '下'}半年"


def _clean(label: str) -> str:
    s = unicodedata.normalize("NFKC", label or "")
    s = re.sub(r"\s+", "", s)
    return _UNIT.sub("", s)


def read_period(label: str) -> Period | None:
    """The period a header names (the last part of a header path; a year in its group counts), or None."""
    parts = [p for p in _clean(label).split("/") if p]
    if not parts:
        return None
    last = parts[-1]
    group_year = None
    for g in parts[:-1]:
        m = _GROUP_YEAR.search(g)
        if m:
            group_year = int(m.group(1))
    found: Period | None = None
    for pattern in _MONTH:
        m = pattern.match(last)
        if m:
            raw = m.group("m")
            n = int(raw) if raw.isdigit() else _CN_NUM[raw]
            found = Period(MONTH, n, int(m.group("y")) if m.group("y") else None)
            break
    if found is None:
        for pattern in _QUARTER:
            m = pattern.match(last)
            if m:
                q = m.group("q")
                found = Period(QUARTER, int(q) if q.isdigit() else _CN_NUM[q], int(m.group("y")) if m.group("y") else None)
                break
    if found is None:
        m = _HALF.match(last)
        if m:
            found = Period(HALF, 1 if m.group("h") == "上" else 2, int(m.group("y")) if m.group("y") else None)
    if found is not None and found.year is None and group_year is not None:
        found = Period(found.kind, found.number, group_year)
    return found


def is_total(label: str) -> bool:
    return bool(_TOTAL.match(_clean(label).rsplit("/", 1)[-1]))


# At least this many distinct periods make a run of period columns (one 1月 column alone is no layout).
MIN_PERIODS = 2


@dataclass(frozen=True)
class WideLayout:
    """Where a sheet's periods are: sheet column -> period, with the totals and subtotals beside them."""

    periods: tuple[tuple[int, Period], ...]  # (sheet column, period), finest kind only, in column order
    totals: tuple[int, ...] = ()  # 合计/小计 beside the periods: checked, not loaded
    subtotals: tuple[int, ...] = ()  # coarser periods among the finer ones (一季度 among 1月…3月): not loaded
    period_column: str = "pay_month"  # the canonical column the period goes into
    amount_column: str = "amount_yuan"  # the canonical column the cell goes into

    @property
    def columns(self) -> set[int]:
        return {j for j, _ in self.periods} | set(self.totals) | set(self.subtotals)

    @property
    def found(self) -> set[str]:
        """The canonical columns the period columns stand for."""
        return {self.period_column, self.amount_column}

    @property
    def needs_year(self) -> bool:
        return any(p.year is None for _, p in self.periods)

    def describe(self, labels: dict[int, str]) -> str:
        first, last = self.periods[0][0], self.periods[-1][0]
        text = f"按期间列读取：第{first + 1}列“{labels.get(first, '')}”至第{last + 1}列“{labels.get(last, '')}”" \
               f"共{len(self.periods)}个期间列，每个非空、非零的单元格为一笔发放"
        if self.totals:
            text += "；" + "、".join(f"“{labels.get(j, '')}”" for j in self.totals) + "列为合计，不入库，仅用于核对"
        if self.subtotals:
            text += "；" + "、".join(f"“{labels.get(j, '')}”" for j in self.subtotals) + "列为小计，不入库"
        return text


def find_layout(shown: list[str], used: set[int], period_column: str = "pay_month",
                amount_column: str = "amount_yuan") -> WideLayout | None:
    """The period columns of a header (columns not otherwise used), or None when there is no run of them."""
    read = {j: p for j, label in enumerate(shown) if j not in used and label and (p := read_period(label)) is not None}
    if not read:
        return None
    finest = min(_FINENESS[p.kind] for p in read.values())
    kind = next(k for k, v in _FINENESS.items() if v == finest)
    periods = [(j, p) for j, p in sorted(read.items()) if p.kind == kind]
    distinct = len({(p.year, p.number) for _, p in periods})
    if distinct < MIN_PERIODS or distinct < len(periods):
        return None  # one period, or the same period twice (which one is it?): not a layout read on a guess
    first, last = periods[0][0], periods[-1][0]
    subtotals = tuple(j for j, p in sorted(read.items()) if p.kind != kind and first - 1 <= j <= last + 1)
    inside = set(range(first, last + 1))
    others = [j for j in inside if j not in read and shown[j] and j not in used]
    totals_inside = [j for j in others if is_total(shown[j])]
    if len(others) > len(totals_inside):
        return None  # something else between the periods: not one run
    around = [j for j in (first - 1, last + 1, last + 2) if 0 <= j < len(shown) and j not in used and j not in read
              and shown[j] and is_total(shown[j])]
    return WideLayout(tuple(periods), tuple(sorted(set(totals_inside + around))), subtotals, period_column, amount_column)


def layout_for(columns: list[str], shown: list[str], used: set[int], found: set[str]) -> WideLayout | None:
    """Period columns of an extract (its table's `columns`) with a pay period and an amount that no header
    names (`found`), among the header columns not `used`; connectors/headers.py counts both as found."""
    if "pay_month" not in columns or "amount_yuan" not in columns or found & {"pay_month", "amount_yuan"}:
        return None
    return find_layout(shown, used)


def wide_columns(layout: WideLayout | None) -> set[int]:
    """The sheet columns a layout uses (its periods, totals and subtotals); none without one."""
    return layout.columns if layout is not None else set()


def wide_points(layout: WideLayout | None, profiles: list[Profile], value_points: float) -> float:
    """Recognition points of a layout: a period and an amount found (1 each, as columns named by their
    headers), and value_points more or less as the cells look like amounts or clearly do not."""
    if layout is None:
        return 0.0
    return 2 + value_points * agreement("yuan", layout.amount_column, merged_profile(profiles, layout))


def merged_profile(profiles: list[Profile], layout: WideLayout) -> Profile:
    """One profile over the period columns' sampled values, weighted by their counts (are they amounts?)."""
    parts = [profiles[j] for j, _ in layout.periods if j < len(profiles) and profiles[j].count]
    n = sum(p.count for p in parts)
    shares: dict[str, float] = {}
    for p in parts:
        for k, v in p.shares.items():
            shares[k] = shares.get(k, 0.0) + v * p.count / n
    return Profile(n, shares)


def _amount(v: object) -> float | None:
    if v is None or (isinstance(v, str) and not v.strip()):
        return None
    value, problem = normalize_amount(v)
    return None if problem else value


@dataclass
class Unfolded:
    rows: list[list]  # one per payment: the sheet row's cells, then the period text and the amount cell
    row_numbers: list[int]  # the sheet row (1-based) each came from
    yearless: list[bool]  # per payment: its period has no year (quarantined)
    sheet_rows: int  # sheet rows unfolded
    payments: int  # rows out with an amount
    mismatched: list[tuple[int, float, float]]  # (sheet row, periods' sum, total) where they differ


# Sums and totals agree within this (rounding of yuan written with cents).
TOLERANCE = 0.005


def unfold(rows: list[list], first_row: int, layout: WideLayout, year: int | None, width: int) -> Unfolded:
    """Rows of one sheet below its header, one row out per non-empty, non-zero period cell (rows with
    none stay one row with no period and no amount). `first_row`: 1-based sheet row of rows[0];
    `width`: the columns every row is padded to before the period text and amount are appended."""
    out: list[list] = []
    numbers: list[int] = []
    yearless: list[bool] = []
    mismatched: list[tuple[int, float, float]] = []
    payments = 0
    total_col = layout.totals[-1] if layout.totals else None
    for i, row in enumerate(rows):
        base = list(row) + [None] * (width - len(row)) if len(row) < width else list(row[:width])
        cells = []
        for j, period in layout.periods:
            v = row[j] if j < len(row) else None
            if v is None or (isinstance(v, str) and not v.strip()):
                continue
            amount = _amount(v)
            if amount == 0:
                continue
            cells.append((period, v, amount))
        if total_col is not None and cells:
            total = _amount(row[total_col] if total_col < len(row) else None)
            parts = [a for _, _, a in cells]
            if total is not None and None not in parts and abs(sum(parts) - total) > TOLERANCE:  # type: ignore[arg-type]
                mismatched.append((first_row + i, round(sum(parts), 2), total))  # type: ignore[arg-type]
        if not cells:
            out.append(base + [None, None])
            numbers.append(first_row + i)
            yearless.append(False)
            continue
        for period, v, _ in cells:
            y = period.year if period.year is not None else year
            out.append(base + [period.text(y) if y is not None else _shown(period), v])
            numbers.append(first_row + i)
            yearless.append(y is None)
            payments += 1
    return Unfolded(out, numbers, yearless, len(rows), payments, mismatched)


def _shown(period: Period) -> str:
    if period.kind == MONTH:
        return f"{period.number}月"
    if period.kind == QUARTER:
        return f"第{period.number}季度"
    return f"{'上' if period.number == 1 else '下'}半年"
