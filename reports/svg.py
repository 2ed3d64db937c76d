"""Inline SVG charts drawn in Python, so the overview page needs no script, font or network.

Every text is escaped; sizes are in CSS pixels.
"""

from __future__ import annotations

from collections.abc import Sequence

from xuncha.text import html_text as escape

FONT_STACK = "'Microsoft YaHei','PingFang SC','Noto Sans CJK SC','WenQuanYi Micro Hei',SimSun,sans-serif"


def _text(x: float, y: float, text: str, *, anchor: str = "start", size: int = 12, color: str = "#333",
          extra: str = "") -> str:
    return (f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" fill="{color}" text-anchor="{anchor}" '
            f'dominant-baseline="middle"{extra}>{escape(text)}</text>')


def _label_width(labels: Sequence[str], size: int = 12) -> float:
    widest = max((sum(2 if ord(c) > 0x2E7F else 1.1 for c in s) for s in labels), default=4)
    return widest * size * 0.55 + 12


def hbar(items: Sequence[tuple[str, float, str]], *, title: str, unit: str = "", width: int = 900,
         bar_height: int = 18, value_format: str = "{:,.1f}") -> str:
    """Horizontal bars: (label, value, colour) top to bottom."""
    left = _label_width([label for label, _, _ in items])
    right = 70
    top = 30
    height = top + len(items) * (bar_height + 6) + 10
    top_value = max((v for _, v, _ in items), default=0) or 1
    span = width - left - right
    parts = [f'<svg role="img" width="{width}" height="{height}" '
             f'viewBox="0 0 {width} {height}" font-family="{escape(FONT_STACK)}">',
             f"<title>{escape(title)}</title>", _text(0, 12, title, size=14, color="#111", extra=' font-weight="bold"')]
    for i, (label, value, color) in enumerate(items):
        y = top + i * (bar_height + 6)
        w = max(0.0, value / top_value * span)
        parts.append(_text(left - 8, y + bar_height / 2, label, anchor="end"))
        parts.append(f'<rect x="{left:.1f}" y="{y}" width="{w:.1f}" height="{bar_height}" fill="{color}">'
                     f"<title>{escape(label)}：{escape(value_format.format(value))}{escape(unit)}</title></rect>")
        parts.append(_text(left + w + 6, y + bar_height / 2, value_format.format(value) + unit, size=11, color="#555"))
    parts.append("</svg>")
    return "".join(parts)


def heatmap(row_labels: Sequence[str], col_labels: Sequence[str], values: Sequence[Sequence[int]], *,
            title: str, cell: int = 22) -> str:
    """A grid coloured by count (white → red); rows and columns labelled, counts written in cells."""
    left = _label_width(row_labels)
    top = 30 + _label_width(col_labels) * 0.75
    width = int(left + len(col_labels) * cell + 20)
    height = int(top + len(row_labels) * cell + 10)
    top_value = max((v for row in values for v in row), default=0) or 1
    parts = [f'<svg role="img" width="{width}" height="{height}" '
             f'viewBox="0 0 {width} {height}" font-family="{escape(FONT_STACK)}">',
             f"<title>{escape(title)}</title>", _text(0, 12, title, size=14, color="#111", extra=' font-weight="bold"')]
    for j, label in enumerate(col_labels):
        x = left + j * cell + cell / 2
        y = top - 6
        parts.append(_text(x, y, label, size=11, extra=f' transform="rotate(-60 {x:.1f} {y:.1f})"'))
    for i, label in enumerate(row_labels):
        y = top + i * cell
        parts.append(_text(left - 6, y + cell / 2, label, anchor="end", size=11))
        for j, v in enumerate(values[i]):
            x = left + j * cell
            if v:
                share = v / top_value
                g = int(235 - 150 * share)
                color = f"rgb(248,{g},{max(g - 20, 60)})"
            else:
                color = "#f7f7f7"
            parts.append(f'<rect x="{x:.1f}" y="{y:.1f}" width="{cell - 2}" height="{cell - 2}" fill="{color}">'
                         f"<title>{escape(label)} × {escape(col_labels[j])}：{v}</title></rect>")
            if v:
                parts.append(_text(x + (cell - 2) / 2, y + (cell - 2) / 2, str(v), anchor="middle", size=10))
    parts.append("</svg>")
    return "".join(parts)
