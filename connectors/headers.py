"""Find the header row(s) of a sheet and recognise which extract it is, from the headers alone.

Handles title rows above the header, merged header cells and two-row headers ("金额" over
"本月/累计" becomes "金额/本月"). Recognition scores every extract kind by how many of its columns
the headers name; a sheet matching none, or two equally well, is reported with a Chinese reason.
"""

from __future__ import annotations

import re
import weakref
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from connectors.headertext import normalise_header

if TYPE_CHECKING:
    from connectors.catalog import Catalog, ExtractSpec

# How far down a sheet the header may sit (title rows, 填报单位 lines, blank lines).
MAX_HEADER_SCAN = 20

Merge = tuple[tuple[int, int], tuple[int, int]]  # ((row0, col0), (row1, col1)), inclusive, 0-based


@dataclass(frozen=True)
class HeaderMatch:
    spec: ExtractSpec
    header_rows: tuple[int, ...]  # 0-based sheet row indices of the header
    columns: dict[str, int]  # canonical column -> 0-based sheet column
    labels: dict[int, str]  # sheet column -> header text as shown (two-row headers joined by "/")
    unused: tuple[str, ...] = ()  # header texts that map to no canonical column
    duplicates: tuple[str, ...] = ()  # header texts naming a column already taken by an earlier one

    @property
    def data_start(self) -> int:
        return self.header_rows[-1] + 1


@dataclass(frozen=True)
class Unrecognised:
    reason: str  # Chinese, for the ingest report


@dataclass
class _Candidate:
    score: int
    spec: ExtractSpec
    rows: tuple[int, ...]
    labels: list[list[str]] = field(default_factory=list)  # per column: label variants, best first
    shown: list[str] = field(default_factory=list)
    columns: dict[str, int] = field(default_factory=dict)
    missing: list[str] = field(default_factory=list)


def _cell(rows: list[list], r: int, c: int) -> str:
    row = rows[r]
    if c >= len(row):
        return ""
    v = row[c]
    return "" if v is None else str(v).strip()


def _horizontal_fill(rows: list[list], r: int, width: int, merges: list[Merge]) -> tuple[list[str], list[bool]]:
    """Row r's texts with horizontally merged cells spread over their span, and which cells are grouped."""
    vals = [_cell(rows, r, c) for c in range(width)]
    grouped = [False] * width
    for (r0, c0), (r1, c1) in merges:
        if r0 <= r <= r1 and c1 > c0:
            top = _cell(rows, r0, c0)
            for c in range(c0, min(c1 + 1, width)):
                vals[c] = top
                grouped[c] = True
    return vals, grouped


_DATA_LIKE = re.compile(r"\d{5,}|^\d+(\.\d+)?$")


def _is_header_continuation(upper: list[str], upper_grouped: list[bool], lower: list[str]) -> bool:
    """Whether the row under a header row is its second header row (本月/累计 under 金额)."""
    filled = [c for c, v in enumerate(lower) if v]
    if not filled:
        return False
    if any(_DATA_LIKE.search(lower[c]) for c in filled):
        return False
    return any(upper_grouped[c] or not upper[c] for c in filled)


def _two_row_labels(rows: list[list], r: int, width: int, merges: list[Merge]) -> tuple[list[list[str]], list[str]] | None:
    upper, grouped = _horizontal_fill(rows, r, width, merges)
    lower = [_cell(rows, r + 1, c) for c in range(width)]
    # Without merge information (CSV), a blank upper cell right of a group belongs to that group.
    for c in range(1, width):
        if not upper[c] and lower[c] and upper[c - 1] and lower[c - 1]:
            upper[c] = upper[c - 1]
            grouped[c] = grouped[c - 1] = True
    if not _is_header_continuation(upper, grouped, lower):
        return None
    variants, shown = [], []
    for c in range(width):
        top, bottom = upper[c], lower[c]
        if top and bottom:
            variants.append([f"{top}/{bottom}", bottom, top] if top != bottom else [top])
            shown.append(f"{top}/{bottom}" if top != bottom else top)
        else:
            variants.append([top or bottom])
            shown.append(top or bottom)
    return variants, shown


def _normalised(variants: list[list[str]]) -> list[list[str]]:
    return [[normalise_header(label) for label in labels] for labels in variants]


def _match(spec_index: dict[str, str], normalised: list[list[str]]) -> tuple[dict[str, int], list[int]]:
    """Canonical column -> first sheet column naming it; and the columns naming a taken column.
    `normalised`: per sheet column, its label variants through normalise_header."""
    columns: dict[str, int] = {}
    dupes: list[int] = []
    for c, labels in enumerate(normalised):
        for label in labels:
            col = spec_index.get(label)
            if col is None:
                continue
            if col in columns:
                dupes.append(c)
            else:
                columns[col] = c
            break
    return columns, dupes


_MEMO_SIZE = 4096
# Evaluations of candidate header rows, per catalogue, by the rows' texts: the sheets of a workbook
# (one per town) repeat the same header. Kept here, beside the evaluation, and dropped with the
# catalogue (weak keys: a catalogue is hashed by identity).
_MEMOS: weakref.WeakKeyDictionary[Catalog, dict] = weakref.WeakKeyDictionary()


def _evaluate(catalog: Catalog, variants: list[list[str]], shown: list[str], rows: tuple[int, ...]) -> list[_Candidate]:
    memo = _MEMOS.setdefault(catalog, {})
    key = (tuple(map(tuple, variants)), tuple(shown), rows)
    found = memo.get(key)
    if found is None:
        if len(memo) >= _MEMO_SIZE:
            memo.clear()
        found = memo[key] = _evaluate_anew(catalog, variants, shown, rows)
    return found


def _evaluate_anew(catalog: Catalog, variants: list[list[str]], shown: list[str], rows: tuple[int, ...]) -> list[_Candidate]:
    out = []
    normalised = _normalised(variants)  # once per candidate row, not once per extract kind
    for spec in catalog:
        columns, _ = _match(catalog.index(spec.name), normalised)
        missing = [alts[0] for alts in spec.signature if not any(a in columns for a in alts)]
        out.append(_Candidate(len(columns), spec, rows, variants, shown, columns, missing))
    return out


def detect_header(rows: list[list], catalog: Catalog, merges: list[Merge] | None = None) -> HeaderMatch | Unrecognised:
    """Locate the header within the first rows and decide the extract kind."""
    merges = merges or []
    scan = min(len(rows), MAX_HEADER_SCAN)
    width = max((len(r) for r in rows[:scan + 1]), default=0)
    best: _Candidate | None = None  # best candidate satisfying its signature
    rival: _Candidate | None = None  # another kind scoring as well as best on the same rows
    closest: _Candidate | None = None  # best partial match, for the reason when nothing fits
    for r in range(scan):
        single, _ = _horizontal_fill(rows, r, width, merges)
        if len({v for v in single if v}) < 2:
            continue  # a title, even when merged across the whole width
        layouts = [([[v] for v in single], single, (r,))]
        if r + 1 < len(rows):
            two = _two_row_labels(rows, r, width, merges)
            if two is not None:
                layouts.insert(0, (two[0], two[1], (r, r + 1)))
        for variants, shown, hrows in layouts:
            for cand in _evaluate(catalog, variants, shown, hrows):
                if closest is None or (cand.score, -len(cand.missing)) > (closest.score, -len(closest.missing)):
                    closest = cand
                if cand.missing or cand.score < 2:
                    continue
                if best is None or cand.score > best.score:
                    best, rival = cand, None
                elif cand.score == best.score and cand.spec.name != best.spec.name and cand.rows == best.rows:
                    rival = cand
    if best is None:
        if closest is None or closest.score == 0:
            return Unrecognised(f"无法识别表头：前{MAX_HEADER_SCAN}行中没有已知的列名（如“身份证号”“姓名”）")
        need = "、".join(f"“{closest.spec.column(m).label}”" for m in closest.missing)
        row_no = closest.rows[0] + 1
        return Unrecognised(f"无法识别表头：第{row_no}行最接近“{closest.spec.label}”，但缺少{need}列")
    if rival is not None:
        return Unrecognised(
            f"无法识别表头：第{best.rows[0] + 1}行同时符合“{best.spec.label}”和“{rival.spec.label}”，无法确定是哪类数据"
        )
    columns, dupes = _match(catalog.index(best.spec.name), _normalised(best.labels))
    used = set(columns.values()) | set(dupes)
    unused = tuple(s for c, s in enumerate(best.shown) if s and c not in used)
    labels = {c: best.shown[c] for c in range(len(best.shown))}
    return HeaderMatch(best.spec, best.rows, columns, labels, unused, tuple(best.shown[c] for c in dupes))
