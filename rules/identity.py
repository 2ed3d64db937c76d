"""Who is the same person across registers: by ID, else by name (+ village, birth date), character-aware.

DuckDB's levenshtein/jaro count UTF-8 bytes (one differing Han character scores 3), so names are
compared here in Python: rapidfuzz on characters, pypinyin for homophones (王丽/王莉). The SQL
function `name_key(name)` is registered on the connection so rules can join on it.
"""

from __future__ import annotations

import re
from functools import lru_cache

import duckdb
import pyarrow as pa
from rapidfuzz.distance import Levenshtein

_SPACES = re.compile(r"[\s\u3000]+")
_DOTS = re.compile(r"[·•・.‧･]")
_BRACKETS = str.maketrans("（）", "()")


def clean_name(name: str | None) -> str:
    """A name (of a person or a payee) as compared: spaces (full-width too) removed, middle dots and
    full-width brackets unified, Latin letters lower-cased. rules.sqlparts.clean_name is its SQL twin."""
    if not name:
        return ""
    return _DOTS.sub("·", _SPACES.sub("", name)).translate(_BRACKETS).lower()


@lru_cache(maxsize=200_000)
def name_key(name: str | None) -> str:
    """Toneless pinyin of a cleaned name: equal keys mean 'the same name' (homophones included)."""
    cleaned = clean_name(name)
    if not cleaned:
        return ""
    return _pinyin_key(cleaned.replace("·", ""))


_char_pinyin: dict[str, str] = {}


def _pinyin_key(text: str) -> str:
    """" ".join(pypinyin.lazy_pinyin(text)), five times faster for a name: lazy_pinyin reads a run of
    Han characters phrase by phrase (its phrase dictionary decides 长乐, 重庆) and every other
    character alone, so a name of Han characters none of whose substrings is a phrase reads
    character by character, each as lazy_pinyin reads it alone (memoised). Anything else (a phrase
    inside, a Latin letter, a digit) goes to lazy_pinyin itself. tests/test_rules_identity.py
    compares both on many thousands of names."""
    # Imported on first use (its dictionaries take ~0.25 s): by the thread that keys names while the
    # files are validated (pipelines.steps), not before the first file is read.
    from pypinyin import lazy_pinyin
    from pypinyin.constants import PHRASES_DICT, RE_HANS

    n = len(text)
    if RE_HANS.fullmatch(text) and not any(text[i:j] in PHRASES_DICT for i in range(n - 1) for j in range(i + 2, n + 1)):
        keys = []
        for c in text:
            key = _char_pinyin.get(c)
            if key is None:
                key = _char_pinyin[c] = lazy_pinyin(c)[0]
            keys.append(key)
        return " ".join(keys)
    return " ".join(lazy_pinyin(text))


def same_name(a: str | None, b: str | None) -> bool:
    ca, cb = clean_name(a), clean_name(b)
    return bool(ca) and (ca == cb or name_key(ca) == name_key(cb))


def name_similarity(a: str | None, b: str | None) -> float:
    """0..1: 1 for equal, 0.9 for homophones, else a character-level Levenshtein ratio."""
    ca, cb = clean_name(a), clean_name(b)
    if not ca or not cb:
        return 0.0
    if ca == cb:
        return 1.0
    if name_key(ca) == name_key(cb):
        return 0.9
    return Levenshtein.normalized_similarity(ca, cb)


def person_match_confidence(
    name_a: str | None,
    name_b: str | None,
    same_village: bool,
    birth_a=None,
    birth_b=None,
) -> float:
    """Confidence that two records without a usable ID are one person (0 when they cannot be)."""
    if not same_village:
        return 0.0
    if birth_a is not None and birth_b is not None and birth_a != birth_b:
        return 0.0
    sim = name_similarity(name_a, name_b)
    if sim < 0.9:
        return 0.0
    # Name + village alone leaves namesakes possible; a matching birth date removes most of them.
    base = 0.95 if (birth_a is not None and birth_a == birth_b) else 0.8
    return round(base * sim, 3)


def _name_key_arrow(names: pa.Array) -> pa.Array:
    return pa.array([name_key(n) if n is not None else None for n in names.to_pylist()], type=pa.string())


def register(con: duckdb.DuckDBPyConnection) -> None:
    """Make `name_key(VARCHAR) -> VARCHAR` available to rule SQL on this connection."""
    try:
        con.create_function("name_key", _name_key_arrow, ["VARCHAR"], "VARCHAR", type="arrow", null_handling="special")
    except duckdb.Error as e:  # already registered on this connection
        if "already" not in str(e):
            raise
