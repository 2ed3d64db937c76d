"""Header text reduced to what matters for matching, shared by the catalogue and header detection.

A module of its own so that connectors/catalog.py (normalising the wordings it declares) and
connectors/headers.py (normalising what a sheet says) both depend on it, not on each other.
"""

from __future__ import annotations

import re
import unicodedata

# Unit suffixes carry no meaning for matching; 万元 is deliberately absent (it changes the amount).
_UNIT_SUFFIX = re.compile(
    r"\((?:元|亩|元/亩|人|户|个|张|块|岁|位|18位|元/月|元/人/月|元/人·月|元/年|年|单位:元|单位:亩|%)\)$"
)
_SPACES = re.compile(r"\s+")
_BRACKETS = str.maketrans({"【": "(", "】": ")", "[": "(", "]": ")", "〔": "(", "〕": ")"})


def normalise_header(value: object) -> str:
    """A header cell reduced to what matters for matching: 身份证号码（18位） -> 身份证号."""
    if value is None:
        return ""
    s = unicodedata.normalize("NFKC", str(value)).translate(_BRACKETS)
    s = _SPACES.sub("", s).strip("*★※#:：")
    s = s.replace("号码", "号")
    while True:
        t = _UNIT_SUFFIX.sub("", s)
        if t == s:
            break
        s = t
    return s.lower()
