"""Text measure of the workbooks' cells: display widths, wrapped lines and row heights, and the
clipping of over-long texts. Pure Python: used by the row-by-row and the column-wise writers alike."""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence

# Excel's hard limit on the characters of one cell.
MAX_CELL_CHARS = 32000
CLIP_TAIL = "……（内容过长，已截断）"


def clip(value: object) -> object:
    if isinstance(value, str) and len(value) > MAX_CELL_CHARS:
        return value[: MAX_CELL_CHARS - 20] + CLIP_TAIL
    return value


def number_text(value: float | int) -> str:
    return "%.16g" % value  # openpyxl's safe_string


_WIDE = re.compile("[\u2e80-\U0010ffff]")
# Characters that are neither ASCII nor 3 bytes wide in UTF-8 and CJK (above U+2E7F)
_NOT_ASCII_OR_CJK = re.compile("[\x80-\u2e7f\ud800-\udfff\U00010000-\U0010ffff]")


def _wide_count(text: str) -> int:
    if _NOT_ASCII_OR_CJK.search(text):
        return len(_WIDE.findall(text))
    return (len(text.encode("utf-8")) - len(text)) // 2  # each CJK character is 3 bytes


def display_width(text: str, cjk: float = 2.0) -> float:
    """Approximate column width of text: CJK characters count (about) double."""
    if text.isascii():
        return float(len(text))
    wide = _wide_count(text)
    if cjk == int(cjk) or wide % 10:
        # whole weights add up exactly; otherwise the total is at least 0.1 from a whole number, so
        # it truncates (see line_count) like the sum taken character by character
        return (len(text) - wide) + cjk * wide
    return sum(cjk if ord(ch) > 0x2E7F else 1.0 for ch in text)


# Row heights stop growing at Excel's limit, so lines past it need not be counted.
MAX_ROW_HEIGHT = 409.0
# (text, usable width) -> lines, for the short texts that repeat down a column (files, sheets, names)
_LINES_SEEN: dict[tuple[str, int], int] = {}
_LINES_SEEN_TEXT = 48


def _one_line(text: str, usable: int) -> bool:
    """True when text surely fits on one line of a column `usable` units wide."""
    return (2 * len(text) <= usable or (len(text) <= usable and text.isascii())) and "\n" not in text


def line_count(value: object, width: float, limit: int = 1 << 30) -> int:
    """Lines `value` wraps to in a column `width` wide; counting stops at `limit` or just past it."""
    if value is None:
        return 1
    if isinstance(value, float):
        value = f"{value:,.2f}"
    usable = int(max(width - 1.0, 1.0))
    text = value if type(value) is str else str(value)
    if _one_line(text, usable):
        return 1
    short = len(text) <= _LINES_SEEN_TEXT
    if short:
        seen = _LINES_SEEN.get((text, usable))
        if seen is not None:
            return seen
    # CJK at 1.9 units: 宋体 10pt in Excel's default column unit, a little wider than LibreOffice draws it
    lines = 0
    for part in text.split("\n"):
        lines += max(1, -(-int(display_width(part, 1.9)) // usable))
        if lines >= limit:
            return lines
    if short:
        if len(_LINES_SEEN) > 50_000:
            _LINES_SEEN.clear()
        _LINES_SEEN[(text, usable)] = lines
    return lines


def lines_height(lines: int, font_size: float) -> float:
    return min(MAX_ROW_HEIGHT, round(lines * font_size * 1.28 + 4, 1))


@functools.cache
def line_limit(font_size: float) -> int:
    """The fewest lines that reach the largest row height."""
    n = 1
    while lines_height(n, font_size) < MAX_ROW_HEIGHT:
        n += 1
    return n


def row_height(values: Sequence[object], widths: Sequence[float], font_size: float = 10) -> float | None:
    """Height in points that shows every line of wrapped text (Excel and LibreOffice do not grow rows
    written by openpyxl); None for a one-line row, which keeps the default height."""
    limit = line_limit(font_size)
    lines = 1
    for v, w in zip(values, widths, strict=False):
        if v is None:
            continue
        n = line_count(v, w, limit)
        if n > lines:
            lines = n
            if n >= limit:
                break
    if lines <= 1:
        return None
    return lines_height(lines, font_size)
