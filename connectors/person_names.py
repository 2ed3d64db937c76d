"""The name of the person a row is about, on one-row headers that qualify it (保障成员姓名, 共同生活成员姓名,
享受对象姓名): paired with the mapped ID of the same group, or named by the role its qualifier is a
wording of; and, when the row's person name is still not mapped while a column naming a person by name
is left unused, the note and the xuncha.toml line that settle it (never a guess).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from connectors.headertext import normalise_header
from connectors.profiles import TARGETS, Profile, meaning_of

if TYPE_CHECKING:
    from connectors.catalog import Catalog, ExtractSpec


def paired_by_prefix(catalog: Catalog, spec: ExtractSpec, shown: list[str], columns: dict[str, int], dupes: set[int]
                     ) -> dict[str, tuple[int, str]]:
    """One-row headers that name a person by a qualifier and a child word (享受对象姓名 beside
    享受对象身份证号): when one column of the qualifier's group is mapped to a role's column
    (applicant_id, the head role's id), an unmapped column of the same group gets the same role's
    column for its own child word (applicant_name). Qualifiers of one group: the same words, one the
    other's ending (保障成员 and 成员), or wordings of the same role in [roles] (家庭成员 and 成员). With no
    such column mapped, a qualifier that is itself a role's wording, or ends with one (共同生活成员,
    保障成员: member), names that role's column. Only into columns not taken, only when one column
    claims it: two columns qualified alike for one field are left unmapped (and reported)."""
    if not spec.role_columns:
        return {}
    words = sorted({w for _, w in spec.role_columns}, key=len, reverse=True)
    taken = set(columns.values()) | dupes
    by_column = {j: col for col, j in columns.items()}

    def split(label: str) -> tuple[str, str] | None:
        norm = normalise_header(label)
        w = next((w for w in words if norm.endswith(w) and len(norm) > len(w)), None)
        return (norm[: -len(w)], w) if w else None

    parts = {j: split(label) for j, label in enumerate(shown) if label and "/" not in label}
    claims: dict[str, list[tuple[int, str]]] = {}
    for j, part in parts.items():
        if part is None or j in taken:
            continue
        prefix, word = part
        target, why = None, "与同一前缀的已识别列配对"
        for same_words in (True, False):  # the exact qualifier first, then one of its group
            for k, other in parts.items():
                if k == j or other is None or k not in by_column:
                    continue
                if other[0] != prefix if same_words else not _one_group(catalog, prefix, other[0]):
                    continue
                roles = [r for (r, w), c in spec.role_columns.items() if w == other[1] and c == by_column[k]]
                target = next((spec.role_columns[(r, word)] for r in roles if (r, word) in spec.role_columns), None)
                if target:
                    why = why if same_words else f"与同一分组的已识别列“{shown[k]}”配对"
                    break
            if target:
                break
        if target is None:
            role = _role_of(catalog, prefix)
            target = spec.role_columns.get((role, word)) if role else None
            why = f"表头前缀“{prefix}”是{_ROLE_LABELS.get(role or '', role)}一方的称谓"
        if target and target not in columns:
            claims.setdefault(target, []).append((j, why))
    return {target: js[0] for target, js in claims.items() if len(js) == 1}


_ROLE_LABELS = {"head": "户主（申请人）", "member": "家庭成员（保障对象）"}


def _role_of(catalog: Catalog, qualifier: str) -> str | None:
    """The role whose [roles] wording the qualifier is, or ends with (two characters at least):
    保障成员 ends with 成员 (member), 共同生活家庭成员 is one (member)."""
    if qualifier in catalog.roles:
        return catalog.roles[qualifier]
    ends = [w for w in catalog.roles if len(w) >= 2 and qualifier.endswith(w)]
    return catalog.roles[max(ends, key=len)] if ends else None


def _one_group(catalog: Catalog, a: str, b: str) -> bool:
    if not a or not b:
        return False
    if min(len(a), len(b)) >= 2 and (a.endswith(b) or b.endswith(a)):
        return True
    role = _role_of(catalog, a)
    return role is not None and role == _role_of(catalog, b)


def person_name_column(spec: ExtractSpec) -> str | None:
    """The name of the person a row is about: the member role's name (成员姓名 on a roster, 补贴对象姓名 on
    a one-card list), else the extract's person_name; None when the extract has no such column."""
    col = next((c for (r, _), c in spec.role_columns.items() if r == "member" and spec.column(c).kind == "name"), None)
    return col or ("person_name" if "person_name" in spec.table.column_names else None)


# Meanings of header words that say a name is someone else's (an account holder, a party, a relative):
# such a column is a candidate only when the extract has no column of that meaning to put it in (领款人 on a
# compensation list is the person paid, or someone paid for them).
_OTHERS_NAMES = ("payee", "party", "relative")
# Values under a candidate column must look like people's names (profiles: 2-5 Chinese characters).
NAME_SHARE, MIN_NAMES = 0.8, 3


def unread_person_name(spec: ExtractSpec, columns: dict[str, int], unused: list[tuple[int, str]],
                       profiles: list[Profile] | None = None) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(notes, xuncha.toml lines) when the row's person's name is not mapped while columns holding
    people's names are left unused (a header ending in 姓名, or a payee's or party's wording the
    extract has no column for): which one it is could not be decided, so it is said, not guessed."""
    col = person_name_column(spec)
    if col is None or col in columns:
        return (), ()
    name_words = {w for (_, w), c in spec.role_columns.items() if spec.column(c).kind == "name"} or {"姓名", "名字"}
    names = set(spec.table.column_names)

    def about_a_person(label: str) -> bool:
        norm = normalise_header(label)
        meaning = meaning_of(norm)
        if meaning in _OTHERS_NAMES:
            return not any(t in names for t in TARGETS.get(meaning, ()))
        return any(normalise_header(label.rsplit("/", 1)[-1]).endswith(w) for w in name_words)

    def holds_names(j: int) -> bool:
        if profiles is None or j >= len(profiles):
            return True
        p = profiles[j]
        return p.count >= MIN_NAMES and p.share("name") >= NAME_SHARE

    cands = [label for j, label in unused if about_a_person(label) and holds_names(j)]
    if not cands:
        return (), ()
    label = spec.column(col).label
    shown = "、".join(f"“{c}”" for c in cands)
    line = f'[connectors.header_synonyms.{spec.name}] {col} = ["{cands[0]}"]'
    note = (f"未读取“{label}”：未使用的列{shown}可能是{label}，但表头没有写明是本表人员的，无法确定，"
            f"本表的{label}将全部为空；如确是，请在 xuncha.toml 中写明：{line}")
    return (note,), (f"{line}  # 候选：" + "、".join(cands),)
