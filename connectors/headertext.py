"""Header text reduced to what matters for matching, shared by the catalogue and header detection.

A module of its own so that connectors/catalog.py (normalising the wordings it declares) and
connectors/headers.py (normalising what a sheet says) both depend on it, not on each other.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

# Unit suffixes carry no meaning for matching; 万元 is deliberately absent (it changes the amount).
_UNIT_SUFFIX = re.compile(
    r"\((?:元|亩|元/亩|人|户|个|张|块|岁|位|18位|元/月|元/人/月|元/人·月|元/年|年|单位:元|单位:亩|%)\)$"
)
# Any other trailing bracket is a qualifier that says which or whose (承包方（乙方）, 年龄（周岁）,
# 身份证号（18位）, 村（社区）): matched without it, unless it changes what the number means (a scale
# or another unit: 金额（万元）, 面积（公顷）), which must never be read as if it were absent.
_QUALIFIER = re.compile(r"(?<=.)\(([^()]*)\)$")
_CHANGES_MEANING = re.compile(r"万|千|百|公顷|平方|米|斤|吨|美元|外币|%|‰|率")
_SPACES = re.compile(r"\s+")
# A column number written into the header cell (1.户主姓名, （2）公民身份号码, ③金额, 一、姓名): forms
# number their columns; the number is not part of the wording.
_NUMBERED = re.compile(r"^(?:\d{1,2}[.、)]|\(\d{1,2}\)|[一二三四五六七八九十]{1,3}、)(?=\D)")
_CIRCLED = re.compile(r"^[\u2460-\u2473]")  # ①..⑳, before NFKC turns them into plain digits
_BRACKETS = str.maketrans({"【": "(", "】": ")", "[": "(", "]": ")", "〔": "(", "〕": ")"})


def _compact(text: str) -> str:
    """A header's text as its wording and qualifiers are read: half-width (NFKC), one kind of bracket,
    no whitespace anywhere."""
    return _SPACES.sub("", unicodedata.normalize("NFKC", text).translate(_BRACKETS))


def normalise_header(value: object) -> str:
    """A header cell reduced to what matters for matching: 身份证号码（18位） -> 身份证号, 发放金额（元） -> 发放额."""
    if value is None:
        return ""
    s = _compact(_CIRCLED.sub("", str(value).strip())).strip("*★※#:：")
    s = _NUMBERED.sub("", s)
    s = s.replace("号码", "号")
    # 金额 is often written short (发放额, 补贴额, 实发额 for 发放金额 ...): both read as 额, on the
    # catalogue's side as on the sheet's (no two catalogue wordings differ by it alone: tested)
    s = s.replace("金额", "额")
    while True:
        t = _UNIT_SUFFIX.sub("", s)
        m = _QUALIFIER.search(t)
        if m and not _CHANGES_MEANING.search(m.group(1)):
            t = t[:m.start()]
        if t == s:
            break
        s = t
    return s.lower()


@lru_cache(maxsize=8192)  # asked for every unmapped header of every candidate reading
def scale_or_unit_qualified(value: object) -> bool:
    """Whether a header ends with a qualifier that changes what its numbers mean (金额（万元）, 面积（公顷）):
    such a column is never mapped by its values to a column of another unit (0.84 万元 is not 0.84 元)."""
    if value is None:
        return False
    m = _QUALIFIER.search(_compact(str(value)))
    return bool(m and _CHANGES_MEANING.search(m.group(1)))


# Money and area written in another unit than the column's, the unit stated in the header's trailing
# qualifier (年租金（万元）, 金额（单位：千元）, 耕地面积（公顷）): the column is read, its numbers converted
# into the column's unit (connectors/transform.py says so). unit -> (the column kind it is of, factor):
# 1 公顷 = 15 亩, 1 平方米 = 0.0015 亩 (1 亩 = 2000/3 平方米).
UNIT_SCALES: dict[str, tuple[str, float]] = {"万元": ("yuan", 10000.0), "千元": ("yuan", 1000.0),
                                             "公顷": ("mu", 15.0), "平方米": ("mu", 0.0015)}
# The unit each kind is read in, as the message names it.
KIND_UNITS = {"yuan": "元", "mu": "亩"}
_UNIT_QUALIFIER = re.compile(r"^(.+)\((?:单位:)?(" + "|".join(UNIT_SCALES) + r")\)$")


@lru_cache(maxsize=8192)  # asked for every header of every candidate reading, like scale_or_unit_qualified
def unit_scale(value: object) -> tuple[str, str, float, str] | None:
    """(the header's wording without the qualifier, normalised; the unit; its factor; the column kind
    it converts into) for a header whose qualifier states money in 万元 or 千元 or area in 公顷 or
    平方米 (UNIT_SCALES); else None."""
    if value is None:
        return None
    m = _UNIT_QUALIFIER.match(_compact(str(value)))
    if m is None:
        return None
    kind, factor = UNIT_SCALES[m.group(2)]
    return normalise_header(m.group(1)), m.group(2), factor, kind


# Words that say the same wherever they stand in a header (a wording not found is looked up with the
# catalogue's word): 补助 is 补贴 (补助项目 is 补贴项目), 社会保障卡 is 社保卡 (社会保障卡号 is 社保卡号), 帐 is 账.
# The first word of a pair is the one written, the second the catalogue's. Tested like _ALIKE.
SAME_WORDS = (("补助", "补贴"), ("社会保障卡", "社保卡"), ("帐", "账"))


def same_word_variants(label: str) -> list[str]:
    """The label with its words replaced by the catalogue's (SAME_WORDS), not including itself."""
    out = []
    text = label
    for written, catalogue in SAME_WORDS:
        if written in text:
            text = text.replace(written, catalogue)
            out.append(text)
    return out
