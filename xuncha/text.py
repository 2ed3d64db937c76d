"""Text from the data as every output can hold it.

XML 1.0 (so every .xlsx part, and the SVG in the HTML pages) cannot hold the C0 control characters
other than tab, line feed and carriage return, nor U+FFFE/U+FFFF; UTF-8 cannot encode a lone
surrogate (what Python makes of undecodable bytes). Department exports do contain such characters
(a name pasted from a terminal, a 摘要 with a stray \\x07 or \\x0b from Word). openpyxl refuses them
(IllegalCharacterError) and a workbook holding them raw does not open in Excel.

Each such character is written as U+FFFD (the replacement character, shown as "�") in the
workbooks and the HTML pages: the reader sees where the source held an unprintable character,
and nothing else of the text changes. The OOXML escape (`_x0007_`) was not chosen: Excel turns it
back into the control character, which it then shows as nothing or a box, other readers (WPS,
openpyxl, pandas) show the escape code itself, and a literal "_x0007_" in the data would need
escaping in turn. The warehouse and the CSV files keep the text as read (CSV can hold any character).
"""

from __future__ import annotations

import html
import re

REPLACEMENT = "\ufffd"
# What XML 1.0 and UTF-8 cannot hold (Python's re)
_UNWRITABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
# The same for polars (Rust's regex; a polars string holds no surrogate)
UNWRITABLE_PATTERN = r"[\x00-\x08\x0B\x0C\x0E-\x1F\x{FFFE}\x{FFFF}]"
has_unwritable = _UNWRITABLE.search


def writable(text: str) -> str:
    """`text` with each character XML or UTF-8 cannot hold replaced by U+FFFD (the text itself
    when there is none, so the common case costs one regex search)."""
    if _UNWRITABLE.search(text) is None:
        return text
    return _UNWRITABLE.sub(REPLACEMENT, text)


def html_text(value: object) -> str:
    """`value` as HTML text: escaped (quotes too, for attributes) and writable."""
    return html.escape(writable(str(value)))
