"""Relatives written in one cell (主要家庭成员: 配偶：周丽；长子：吴永；女儿：吴秀珍), as 组织部 cadre forms
and other rosters write a person's close family.

Such a cell is not read into relative rows: the checks take kinship from the 户籍 register
(rules/derived.py) and the extracts have no column for a list of relatives. So that nothing is lost
silently, an unused column whose cells mostly hold "relation：name" pairs is named in the sheet's
message, with an example and how many people it lists.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

# 配偶：周丽 / 长子:吴永 / 父亲 李国强 (a relation word, then a name of 2-4 characters)
_PAIR = re.compile(r"([\u4e00-\u9fff]{1,3})\s*[:：]\s*([\u4e00-\u9fff][\u4e00-\u9fff·•]{1,4})")
# The last character of a relation word (配偶, 妻子, 长子, 次女, 父亲, 儿媳, 女婿, 兄, 孙女 ...)
_RELATION_END = set("偶妻夫子女父母亲儿媳婿兄弟姐妹孙爷奶")
SAMPLE, SHARE = 30, 0.5


def _pairs(value: object) -> int:
    if not isinstance(value, str):
        return 0
    return sum(1 for rel, _ in _PAIR.findall(value) if rel[-1] in _RELATION_END)


def family_cell_notes(labels: dict[int, str], unused: Sequence[str], rows: Sequence[Sequence[object]]) -> list[str]:
    """Notes for the unused columns (`labels` by sheet column, `unused` header texts) whose values,
    in the data `rows` below the header, mostly list relatives as relation：name pairs."""
    notes = []
    for j, label in labels.items():
        if label not in unused:
            continue
        values = [r[j] for r in rows if j < len(r) and r[j] not in (None, "")][:SAMPLE]
        counts = [_pairs(v) for v in values]
        if len(values) < 3 or sum(1 for c in counts if c) < SHARE * len(values):
            continue
        example = next(str(v) for v, c in zip(values, counts, strict=True) if c)
        notes.append(f"注意：“{label}”列在一格内列出亲属（如“{example[:30]}”），本表未将其拆分读取；"
                     "核查中的近亲属关系按户籍人口信息推导，这一列里的亲属如不在同一户籍户内则查不到")
    return notes
