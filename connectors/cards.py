"""Card layouts (信息卡, 登记卡): no header row; each record is a block of rows holding 标签：值 pairs
(姓名：张三, 身份证号：…, 职务：主任), blocks separated by blank rows or by a label coming back (the next
record's 姓名：). Pairs may share a cell (姓名：张三　性别：男), sit in several cells of one row, or have
the label alone in a cell and the value in the next (姓名： | 张三); colons may be full- or half-width.

A sheet whose header is not recognised (not even transposed: connectors/transposed.py) is read once
more as cards (`card_sheet`): the labels become a header row and each card one row under it, and the
rebuilt table is accepted only when header detection recognises it by the same scores and margin as
any other sheet (connectors/headers.py), so column meanings are decided by the same machinery and
labels no column takes are reported as unused columns. Nothing is guessed: a sheet is read as cards
only when its rows between the first and the last card are all 标签：值 rows or blank, there are at
least two cards sharing at least two labels, and what lies above and below is a few lines (titles,
填报单位：…, 说明：…), never a table. A sheet with a few 说明：… lines is no card layout.

Traceability: each row of the rebuilt table carries the sheet row of its card's first line
(`RawSheet.source_rows`), so a value's source_row and a quarantine reason's row number point at the
card in the sheet; the sheet message says so. Lines above the first card (title, 填报单位：…) stay
lines stating context (year, town) for the whole sheet (`title_rows`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from connectors.headers import HeaderMatch
from connectors.rawsheet import RawSheet

# A card sheet is read whole; beyond this many rows it would be a long list, not cards.
MAX_CARD_ROWS = 100_000
# Lines above the first card or below the last one that are not part of any card (title, 说明): a
# few. More means a table or text the cards do not explain, and the sheet is not read as cards.
MAX_LOOSE_LINES = 6

# A label: short, not starting with a digit (10:21 is a time, not 10：…), no colon or separator in it.
_LABEL = r"[^\s\d:：,，;；。][^\s:：,，;；。]{0,11}"
# A pair starts at the cell's start or after whitespace (full-width 　 included) or a separator.
_PAIR = re.compile(rf"(?:^|(?<=[\s,，;；]))({_LABEL})\s*[:：]")
_BARE_LABEL = re.compile(rf"^\s*({_LABEL})\s*[:：]\s*$")


def _text(v) -> str:
    return "" if v is None else str(v).strip()


def _cell_pairs(text: str) -> list[tuple[str, str]] | None:
    """The 标签：值 pairs a cell holds, or None when the cell is not made of pairs."""
    found = list(_PAIR.finditer(text))
    if not found or text[: found[0].start()].strip():
        return None
    out = []
    for k, m in enumerate(found):
        end = found[k + 1].start() if k + 1 < len(found) else len(text)
        out.append((m.group(1), text[m.end(): end].strip().rstrip(",，;；").strip()))
    return out


def _row_pairs(row: list) -> list[tuple[str, object]] | None:
    """A row's pairs in order, or None when some filled cell is neither a pair nor the value of a
    label standing alone in the cell before it. A value from its own cell keeps its type (an ID
    written as a number stays a number, so a lossy one is found as in any table)."""
    cells = [v for v in row if _text(v)]
    if not cells:
        return None
    out: list[tuple[str, object]] = []
    i = 0
    while i < len(cells):
        text = _text(cells[i])
        bare = _BARE_LABEL.match(text)
        if bare:
            nxt = cells[i + 1] if i + 1 < len(cells) else None
            if nxt is not None and _cell_pairs(_text(nxt)) is None and not _BARE_LABEL.match(_text(nxt)):
                out.append((bare.group(1), nxt))
                i += 2
                continue
            out.append((bare.group(1), ""))
            i += 1
            continue
        pairs = _cell_pairs(text)
        if pairs is None:
            return None
        out.extend(pairs)
        i += 1
    return out


@dataclass
class _Card:
    first_row: int  # 1-based sheet row of the card's first line
    last_row: int
    values: dict[str, object] = field(default_factory=dict)


def _is_line(row: list) -> bool:
    """A blank row, or a title or note line: at most two filled cells (a table row has more)."""
    return len([v for v in row if _text(v)]) <= 2


def _cards(rows: list[list]) -> tuple[list[_Card], list[int | None]] | None:
    """Cards in sheet order, and per row whether it holds pairs (its card's index) or not (None).
    None at the first row that is neither pairs nor a line: a table row, so no card layout (a long
    table is not parsed to its end)."""
    cards: list[_Card] = []
    of_row: list[int | None] = [None] * len(rows)
    current: _Card | None = None
    for i, row in enumerate(rows):
        pairs = _row_pairs(row)
        if pairs is None:
            if not _is_line(row):
                return None
            current = None  # a blank row or a line ends the card
            continue
        for label, value in pairs:
            # a label the card already holds starts the next record (its first label coming back when
            # no blank row separates them): a card never states one field twice
            if current is None or label in current.values:
                current = _Card(i + 1, i + 1)
                cards.append(current)
            current.values[label] = value
            current.last_row = i + 1
        of_row[i] = len(cards) - 1
    return cards, of_row


@dataclass
class CardReading:
    """What reading a sheet as cards found, for its message (`describe`)."""
    cards: int
    first_row: int
    last_row: int
    labels: list[str]
    above: list[int]  # sheet rows of the lines above the first card (title, 填报单位：…): context
    below: list[int]  # sheet rows of the lines below the last card (说明：…): not read


def card_sheet(sheet: RawSheet) -> tuple[RawSheet, CardReading] | None:
    """The cards as a table: row 0 the labels (in order of first appearance), then one row per card
    (its values under its labels, None where it has no such label). Lines above the first card go to
    `title_rows`. None when the sheet is not a card layout (see the module docstring)."""
    rows = sheet.every_row(MAX_CARD_ROWS)
    if rows is None:
        return None
    found = _cards(rows)
    if found is None or len(found[0]) < 2:
        return None
    cards, of_row = found
    # Labels most cards share; a block sharing none of them (填报单位：…, 说明：…) is no card.
    seen: dict[str, int] = {}
    for c in cards:
        for label in c.values:
            seen[label] = seen.get(label, 0) + 1
    common = {label for label, n in seen.items() if n * 2 >= len(cards)}
    kept = [k for k, c in enumerate(cards) if len(common & c.values.keys()) >= 2]
    if len(kept) < 2 or len(common) < 2:
        return None
    first, last = cards[kept[0]].first_row, cards[kept[-1]].last_row
    # Between the first and the last card: pair rows of kept cards and blank rows only.
    keep = set(kept)
    for i in range(first - 1, last):
        filled = any(_text(v) for v in rows[i])
        if filled and of_row[i] not in keep:
            return None
    top = [i for i in range(first - 1) if any(_text(v) for v in rows[i])]
    bottom = [i for i in range(last, len(rows)) if any(_text(v) for v in rows[i])]
    # a few title and sign-off lines (填表人：…　审核人：…); rows neither pairs nor lines were refused
    if len(top) + len(bottom) > MAX_LOOSE_LINES:
        return None
    chosen = [cards[k] for k in kept]
    labels: list[str] = []
    for c in chosen:
        labels.extend(label for label in c.values if label not in labels)
    table = [list(labels)] + [[c.values.get(label) for label in labels] for c in chosen]
    # the rebuilt header row is no sheet row: it takes the first card's row, never used for data
    source_rows = [first] + [c.first_row for c in chosen]
    reading = CardReading(len(chosen), first, last, labels, [i + 1 for i in top], [i + 1 for i in bottom])
    built = RawSheet(sheet.name, table, [], sheet.hidden, list(sheet.notes),
                     title_rows=rows[: first - 1], source_rows=source_rows)
    return built, reading


def _rows_shown(rows: list[int], limit: int = 5) -> str:
    shown = "、".join(str(r) for r in rows[:limit])
    return shown + (f"等{len(rows)}行" if len(rows) > limit else "")


def describe(reading: CardReading, match: HeaderMatch) -> list[str]:
    """The sheet message's lines on the cards: how many, which row a card's row number is, which labels
    became which columns; labels no column takes are said by the usual unused-columns line."""
    became = [f"“{match.labels[j]}”→{match.spec.column(c).label}" for c, j in sorted(match.columns.items(), key=lambda x: x[1])
              if j in match.labels]
    out = [f"本表为卡片式（无表头行，每条记录为一组“标签：值”），按卡片读取：共{reading.cards}张卡片"
           f"（第{reading.first_row}至{reading.last_row}行），每张卡片为一行，行号指卡片第一行的行号；"
           f"标签对应的列：{'、'.join(became) if became else '无'}"]
    if reading.above:
        out.append(f"卡片之上的第{_rows_shown(reading.above)}行按标题读取（其中的年份、乡镇等适用于全部卡片）")
    if reading.below:
        out.append(f"卡片之后的第{_rows_shown(reading.below)}行为说明，未作为数据读取")
    return out
