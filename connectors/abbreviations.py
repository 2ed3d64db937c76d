"""Headers written as pinyin initials (XM 姓名, SFZH 身份证号, KH 卡号, FFJE 发放金额, KHM 开户名): the field
codes of a department's system, exported in place of, or among, Chinese headers.

An ASCII header of a few letters is read as a known header whose pinyin initials it is: any wording of
the catalogue (all extracts, 金额 and 号码 also written out) or a word the profiles give a meaning to
(connectors/profiles.py MEANINGS: 开户名 says a payee). The initials alone never decide: the column is
mapped only when its values confirm what the expanded wording names (IDs under SFZH, numbers under FFJE;
connectors/headers.py), and only when exactly one column of the extract is so named and confirmed.
A polyphonic character (长) is read as in the phrase and in its usual reading alone.
"""

from __future__ import annotations

import re
import unicodedata
import weakref
from functools import lru_cache
from typing import TYPE_CHECKING

from connectors.headertext import normalise_header
from connectors.profiles import Inferred, Profile, confirms, infer

if TYPE_CHECKING:
    from connectors.catalog import Catalog, ExtractSpec

_LETTERS = re.compile(r"^[A-Za-z]{2,8}$")
_HAN = re.compile(r"^[\u4e00-\u9fff]+$")

_MEMOS: weakref.WeakKeyDictionary[Catalog, dict[str, tuple[str, ...]]] = weakref.WeakKeyDictionary()


def abbreviation(header: object) -> str | None:
    """The header's letters, lower case, when it is written in a few ASCII letters only; else None."""
    if not isinstance(header, str):
        return None
    return _letters(header)


@lru_cache(maxsize=8192)  # asked for every open column of every candidate reading: the same headers
def _letters(header: str) -> str | None:
    s = unicodedata.normalize("NFKC", header).strip()
    return s.lower() if _LETTERS.match(s) else None


def initials(word: str) -> set[str]:
    """The pinyin initials the Chinese word is read as: as a phrase (银行 yh) and character by character
    in each one's usual reading (行 xing: yx), as a code's author may have; rare readings are left out
    (they would make many codes stand for many words)."""
    from pypinyin import Style, lazy_pinyin  # on first use: most inboxes have no such header

    def first(readings: list[str]) -> str:
        return "".join(r[:1].lower() or "?" for r in readings)

    # words are Han characters only (_vocabulary): no reading is missing
    return {first(lazy_pinyin(word, style=Style.FIRST_LETTER)),
            first([lazy_pinyin(ch, style=Style.FIRST_LETTER)[0] for ch in word])}


def _vocabulary(catalog: Catalog) -> dict[str, tuple[str, ...]]:
    """Pinyin initials -> the known Chinese wordings they may stand for."""
    from connectors.profiles import MEANINGS

    words: set[str] = set()
    for name in catalog.extracts:
        for w in catalog.index(name):
            if not _HAN.match(w):
                continue
            words.add(w)
            # the catalogue's wordings are normalised (发放金额 -> 发放额, 身份证号码 -> 身份证号): written out too
            if w.endswith("额") and not w.endswith("金额"):
                words.add(w[:-1] + "金额")
            if w.endswith("号"):
                words.add(w + "码")
    for meaning_words, _ in MEANINGS.values():
        words |= {w for w in meaning_words if _HAN.match(w) and len(w) >= 2}
    out: dict[str, set[str]] = {}
    for w in words:
        for code in initials(w):
            out.setdefault(code, set()).add(w)
    return {code: tuple(sorted(ws)) for code, ws in out.items()}


def wordings(catalog: Catalog, letters: str) -> tuple[str, ...]:
    """The known wordings whose pinyin initials are `letters` (lower case)."""
    memo = _MEMOS.get(catalog)
    if memo is None:
        memo = _MEMOS[catalog] = _vocabulary(catalog)
    return memo.get(letters, ())


def by_initials(catalog: Catalog, spec: ExtractSpec, header: str, letters: str, p: Profile,
                 free: list[tuple[str, str]]) -> Inferred | None:
    """The one free column a pinyin-initials header (SFZH) names through a known wording it abbreviates
    (身份证号), confirmed by the column's values (connectors/abbreviations.py); several or none: None."""
    index = catalog.index(spec.name)
    names = {c for c, _ in free}
    targets: dict[str, tuple[str, float]] = {}
    for word in wordings(catalog, letters):
        col = index.get(normalise_header(word))
        if col is not None:
            share = confirms(spec.column(col).kind, col, p) if col in names else None
            if share is not None:
                targets.setdefault(col, (word, share))
            continue
        hit = infer(word, p, free)  # a word whose meaning names a column (开户名: the account holder)
        if hit is not None:
            targets.setdefault(hit.column, (word, hit.confidence))
    if len(targets) != 1:
        return None
    ((col, (word, share)),) = targets.items()
    return Inferred(col, "abbreviation", share, f"“{header}”是“{word}”的缩写，{share:.0%}的值与之相符")


_SPEC_MEMOS: dict[tuple[str, int], dict[str, set[str]]] = {}


def unread_hints(spec: ExtractSpec, unused: tuple[str, ...] | list[str]) -> tuple[list[str], list[str]]:
    """For unused headers written as pinyin initials of one of this extract's wordings (the values did not
    confirm it, or several columns fit): a note saying which columns they may be (Chinese) and the
    xuncha.toml lines that would read them; never read on the initials alone."""
    coded = [(label, letters) for label in unused if (letters := abbreviation(label)) is not None]
    if not coded:
        return [], []
    key = (spec.name, id(spec))
    memo = _SPEC_MEMOS.get(key)
    if memo is None:
        memo = _SPEC_MEMOS[key] = {}
        for col, words in spec.synonyms.items():
            for w in words:
                if _HAN.match(w):
                    for code in initials(w) | (initials(w[:-1] + "金额") if w.endswith("额") else set()):
                        memo.setdefault(code, set()).add(col)
    notes, lines = [], []
    for label, letters in coded:
        cols = sorted(memo.get(letters, ()))
        if not cols:
            continue
        maybe = "或".join(f"“{spec.column(c).label}”" for c in cols)
        notes.append(f"注意：未使用的列“{label.strip()}”可能是{maybe}的拼音首字母缩写，但列中内容不能确认"
                     f"{'（有几种可能）' if len(cols) > 1 else ''}，未读取；如确是，请在 xuncha.toml 中写明，例如："
                     f"[connectors.header_synonyms.{spec.name}] {cols[0]} = [\"{label.strip()}\"]")
        lines += [f'[connectors.header_synonyms.{spec.name}] {c} = ["{label.strip()}"]  # 拼音首字母缩写，内容未能确认'
                  for c in cols]
    return notes, lines
