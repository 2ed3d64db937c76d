"""谈话提纲: each flag's rule questions filled with the flag's values, grouped by whom they are for.

Cadres come first in a fixed order (书记, 主任, 会计/报账员, 民政协理员 …), then every person or
household involved, by name. Identical questions to the same person are asked once.
"""

from __future__ import annotations

import string
from collections.abc import Sequence
from dataclasses import dataclass, field

from rules.model import Rule

# Role as written in rules -> the group it is asked in, in the order of the outline.
CADRE_GROUPS = {
    "书记": "村党组织书记",
    "主任": "村委会主任",
    "会计": "村会计/报账员",
    "报账员": "村会计/报账员",
    "民政协理员": "民政协理员",
    "监委会主任": "村务监督委员会主任",
    "经办人": "经办人",
}
CADRE_ORDER = ["村党组织书记", "村委会主任", "村会计/报账员", "民政协理员", "村务监督委员会主任", "经办人"]


@dataclass(frozen=True)
class FlagRef:
    seq: int  # the flag's 序号 in 问题清单
    subject_name: str
    amount_yuan: float
    summary: str
    # False when the flag's subject is an account, a voucher or a village: then 当事户 means the
    # households named in the flag, not the subject
    subject_is_person: bool = True
    # the subject key as the team may read it (a contract or voucher number; an ID masked)
    subject_key: str = ""


@dataclass
class Question:
    who: str
    text: str
    seqs: list[int] = field(default_factory=list)


# What a question template may name ({subject_name} …); a test holds every rule's questions to it.
FIELDS = ("subject_name", "subject_key", "amount_yuan", "summary")


def placeholders(template: str) -> set[str]:
    """The names a template's {…} fields refer to."""
    return {name.split(".")[0].split("[")[0] for _, name, _, _ in string.Formatter().parse(template) if name is not None}


class _Values(dict):
    """A template's values; a name no flag has never reaches the team as "{name}"."""

    def __init__(self, ref: FlagRef, **values: str) -> None:
        super().__init__(**values)
        self.ref = ref

    def __missing__(self, key: str) -> str:
        return f"问题清单第{self.ref.seq}条所列对象"


def fill(template: str, ref: FlagRef) -> str:
    values = _Values(
        ref,
        subject_name=ref.subject_name or "当事人",
        subject_key=ref.subject_key or f"问题清单第{ref.seq}条所列对象",
        amount_yuan=f"{ref.amount_yuan:,.2f}",
        summary=ref.summary,
    )
    try:
        return string.Formatter().vformat(template, (), values)
    except (ValueError, IndexError, KeyError, AttributeError):
        # a malformed template: its text without the braces rather than a placeholder
        return template.replace("{", "").replace("}", "")


HOUSEHOLD_ROLES = ("当事户", "当事人")


def group_of(role: str, subject_name: str, ref: FlagRef | None = None) -> tuple[int, str]:
    """(order, title) of the group a question for `role` belongs to."""
    if role in CADRE_GROUPS:
        title = CADRE_GROUPS[role]
        return CADRE_ORDER.index(title), title
    if role.startswith("村") or role in ("委员", "组长"):
        return len(CADRE_ORDER), role
    # a person or household involved: one group per name
    if ref is not None and not ref.subject_is_person and role in HOUSEHOLD_ROLES:
        return len(CADRE_ORDER) + 1, f"{role}（问题清单第{ref.seq}条所列各户）"
    name = subject_name or "（姓名不详）"
    return len(CADRE_ORDER) + 1, f"{name}（{role}）"


def outline(items: Sequence[tuple[FlagRef, Rule | None]]) -> list[Question]:
    """Questions in outline order; a question text repeated for one person keeps every flag it serves."""
    groups: dict[tuple[int, str], dict[str, Question]] = {}
    for ref, rule in items:
        if rule is None:
            continue
        for q in rule.questions:
            key = group_of(q.role, ref.subject_name, ref)
            text = fill(q.text, ref)
            bucket = groups.setdefault(key, {})
            question = bucket.setdefault(text, Question(key[1], text))
            if ref.seq not in question.seqs:
                question.seqs.append(ref.seq)
    ordered: list[Question] = []
    for key in sorted(groups):
        ordered.extend(groups[key].values())
    return ordered
