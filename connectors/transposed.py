"""Tables written transposed: indicators as rows, one column per village (统计年报: 户籍人口, 耕地面积,
统计用区划代码 … down the first column, 东岭村 | 西沟村 | … | 全镇合计 across the header row).

A sheet whose header is not recognised as rows is read once more with rows and columns swapped
(`transposed_sheet`), and the swapped reading is accepted only when header detection recognises it
by the same scores and margin as any other sheet (connectors/headers.py). Nothing is guessed: a
sheet recognised in neither reading stays unread with its first reason.

Traceability: row i of the swapped sheet is column i of the original, so a value's source_row is
the original sheet's COLUMN number (A = 1) of its village; the sheet message says so. Title lines
above the table (“白水县2024年村级基本情况统计表（城关镇）”, 填报单位：…) are not swapped: they stay lines
stating context (year, town) for the whole sheet (`title_rows`). A 计量单位 column becomes a units row
under the swapped header and is skipped like any units line (connectors/row_kinds.py); a 合计 column
becomes a totals row and is skipped like any totals row.
"""

from __future__ import annotations

import dataclasses
import re

from connectors.headers import HeaderMatch
from connectors.profiles import AGREE, profile
from connectors.readers import RawSheet
from connectors.row_kinds import TOTALS, UNIT_FILLERS

# A table of indicators as rows has few rows; a sheet longer than this is never read transposed (its
# swapped header would be thousands of columns wide, and a long sheet is a list of rows).
MAX_TRANSPOSED_ROWS = 200
# A line above or below the table: one text only, or texts that each start with a short label and a
# colon (填报单位：城关镇统计站 … 单位：见计量单位栏).
_LABELLED = re.compile(r"^[^\d:：]{1,12}[:：]")

TRANSPOSED_MESSAGE = "本表为转置表（指标为行、村为列），按列读取：行号指原表的列号（A列为第1列）"


def _filled(row: list) -> list[str]:
    return [str(v).strip() for v in row if v is not None and str(v).strip()]


def _is_line(row: list) -> bool:
    """A title or note line, not a row of the table."""
    texts = _filled(row)
    return len(set(texts)) < 2 or all(_LABELLED.match(t) for t in texts)


def transposed_sheet(sheet: RawSheet) -> RawSheet | None:
    """The sheet with rows and columns swapped: row i is the original column i (0-based), so data rows
    keep the original column numbers as their row numbers. Lines above the table go to `title_rows`;
    notes below it are left out. None when the sheet is too long or holds no table of two rows."""
    rows = sheet.every_row(MAX_TRANSPOSED_ROWS)
    if rows is None:
        return None
    top = next((i for i, r in enumerate(rows) if not _is_line(r)), None)
    if top is None:
        return None
    bottom = max(i for i, r in enumerate(rows) if not _is_line(r))
    table = rows[top: bottom + 1]
    if len(table) < 2:
        return None
    width = max(map(len, table))
    swapped = [[r[j] if j < len(r) else None for r in table] for j in range(width)]
    merges = [((c0, r0 - top), (c1, r1 - top)) for (r0, c0), (r1, c1) in sheet.merges
              if r0 >= top and r1 <= bottom]
    return RawSheet(sheet.name, swapped, merges, sheet.hidden, list(sheet.notes),
                    title_rows=rows[:top], transposed=True)


def name_subjects(match: HeaderMatch, swapped: RawSheet) -> HeaderMatch:
    """The swapped sheet's first column holds the original header row: the names of the original
    columns, i.e. each swapped row's subject (东岭村 … 全镇合计). When the header reading found no village
    column, that column is the village's if its cells other than units labels and totals look like
    village names (…村, …社区); a town of two villages beside 单位 and 合计 is too few values for the
    reading by content alone (connectors/profiles.py). Said in the sheet's message."""
    if not match.spec.table.has_village or "village_raw" in match.columns or 0 in match.columns.values():
        return match
    cells = [r[0] for r in swapped.rows[match.data_start:] if r and r[0] is not None and str(r[0]).strip()]
    names = [v for v in cells if not re.search(TOTALS, str(v)) and not re.search(UNIT_FILLERS, str(v).strip())]
    share = profile(names).share("village") if names else 0.0
    if share < AGREE:
        return match
    label = match.labels.get(0, "")
    why = (f"“{label}”→{match.spec.column('village_raw').label}（转置表：原表表头行的各列名为各村，"
           f"{share:.0%}的值形如村名）")
    return dataclasses.replace(match, columns={**match.columns, "village_raw": 0},
                               unused=tuple(u for u in match.unused if u != label),
                               inferred={**match.inferred, "village_raw": why})
