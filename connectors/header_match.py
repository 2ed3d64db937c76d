"""Which extract field each header path names: the catalogue's wordings, read through the groups.

Under groups the full path decides first, then the group's word read with the child's, then the
nearest group's role (户主, 家庭成员, or a payee by what its words mean), then the child's name alone.
Two things span several columns: a date written as 年 / 月 / 日 (composed into one field when read:
date_from_parts) and a span's two ends (合同期限 / 起, 止). Used by connectors/headers.py, which
scores the result per extract kind and decides.
"""

from __future__ import annotations

import re
import weakref
from dataclasses import dataclass
from typing import TYPE_CHECKING

import polars as pl

from connectors.headertext import normalise_header, same_word_variants, unit_scale
from connectors.profiles import meaning_of

if TYPE_CHECKING:
    from connectors.catalog import Catalog, ExtractSpec


def normalised_paths(paths: list[tuple[str, ...]]) -> list[tuple[str, ...]]:
    return [tuple(normalise_header(label) for label in path) for path in paths]


# Columns that say who a row is about: never taken from the first of two columns worded alike.
_IDENTITY_KINDS = ("id", "name")


@dataclass(frozen=True)
class Ambiguity:
    """A canonical column that several sheet columns name by the same child wording under different
    groups, with nothing (full path, group role) to decide between them."""

    column: str
    candidates: tuple[int, ...]  # 0-based sheet columns


PAYEE = "payee"
# Words that only say a group holds details (补贴信息, 保障情况): without them the group's own word
# and a child's read as one wording (补贴 + 项目 = 补贴项目).
_GENERIC_GROUP = re.compile(r"(?:基本信息|基本情况|信息|情况|明细)$")


def group_role(catalog: Catalog, groups: tuple[str, ...], roles_found: dict[str, str] | None = None) -> str | None:
    """The role of the nearest group (last of `groups`, normalised) whose wording has one: from the
    catalogue's [roles] (or the county's group_roles), then from the sheet's values (roles_found),
    then from what the group's words mean: a payee or an account (收款人信息, 领款人, 银行账户) is
    the payee's side, whatever the exact wording."""
    for group in reversed(groups):
        role = catalog.roles.get(group) or (roles_found or {}).get(group)
        if role:
            return role
        if meaning_of(group) in ("payee", "account"):
            return PAYEE
    return None


def _payee_column(spec: ExtractSpec, col: str | None) -> str | None:
    """What a cell under a payee group names: its name is the account holder (or the ledger's payee),
    its account and bank are the row's account; its ID is not the row's person: nothing."""
    if col is None:
        return None
    kind = spec.column(col).kind
    if kind == "name":
        return next((c for c in ("account_holder", "payee") if c in spec.table.column_names), None)
    return None if kind == "id" else col


def match_columns(catalog: Catalog, spec: ExtractSpec, normalised: list[tuple[str, ...]],
                  roles_found: dict[str, str] | None = None
                  ) -> tuple[dict[str, int], list[int], list[Ambiguity], dict[str, tuple[int, ...]], frozenset[str]]:
    """Canonical column -> the sheet column naming it; the columns naming a column already taken;
    the columns left undecided; the dates written over several columns (_compose_dates); and the
    columns named only by the ending of their header (by_ending), a weaker reading.
    `normalised`: per sheet column, its header path through normalise_header, top group first:
    (label,) for a one-row header, (group, ..., child) under groups.

    Under groups the full path decides first (家庭成员/身份证号 named in the catalogue or the county's
    header_synonyms, also as the end of a longer path: 救助对象/家庭成员/身份证号), then the nearest
    group's wording and the child's read as one (会计科目/编码 is 会计科目编码, 补贴信息/项目 is 补贴项目),
    then the role of the nearest group that has one (户主 -> head_id, 家庭成员 -> member_id, a payee
    group's 姓名 -> account_holder: group_role), and only then the child's
    name alone (or the nearest group's, 金额 over 本月). A group of a role the extract knows, with no
    column of that role for the child, says the cell is someone else's (the head's ID on a payment
    list): not used. roles_found: roles of group wordings the catalogue does not know, decided from
    the sheet's values (_roles_by_values).
    """
    index = catalog.index(spec.name)
    decided: dict[str, int] = {}
    dupes: list[int] = []
    by_name: dict[str, list[int]] = {}  # canonical column -> sheet columns naming it by wording alone
    group_of: dict[int, str] = {}
    seen: dict[str, int] = {}  # single-row wording -> columns so worded so far
    # (sheet column, group path, 年/月/日, what it names when no date is composed of it)
    parts: list[tuple[int, str, str, str | None]] = []
    ends: list[tuple[int, str, str]] = []  # (sheet column, group, start/end) of a span's two ends
    ended: dict[str, list[int]] = {}  # canonical column -> sheet columns naming it by a wording's ending

    def take(col: str, c: int) -> None:
        """A column named for certain (full path, role, 身份证号#2): the first one decides, later ones are repeats."""
        if col in decided:
            dupes.append(c)
        else:
            decided[col] = c

    scaled: dict[str, list[int]] = {}  # canonical 元/亩 column -> sheet columns naming it in 万元, 公顷 ...

    def by_its_ending(label: str, c: int) -> None:
        if (scale := unit_scale(label)) is not None:  # a scale is no ending: 欠缴金额（万元） is never read as 元
            if (col := _lookup(index, scale[0])) is not None and spec.column(col).kind == scale[3]:
                scaled.setdefault(col, []).append(c)
            return
        ending = by_ending(spec, index, label, catalog)
        if ending is not None:
            ended.setdefault(ending, []).append(c)

    for c, path in enumerate(normalised):
        if not path:
            continue
        if len(path) > 1:
            child, groups = path[-1], path[:-1]
            group_of[c] = "/".join(groups)
            col = next((index["/".join(path[k:])] for k in range(len(path) - 1) if "/".join(path[k:]) in index), None)
            if col is None and child in DATE_PARTS:
                parts.append((c, group_of[c], DATE_PARTS[child], _lookup(index, child) or index.get(groups[-1])))
                continue
            if col is None and child in RANGE_ENDS and _lookup(index, child) is None:
                ends.append((c, groups[-1], RANGE_ENDS[child]))
                continue
            if col is None:  # the group's word and the child's make one wording: 会计科目 + 编码, 户主 + 姓名
                stem = _GENERIC_GROUP.sub("", groups[-1])
                col = index.get(groups[-1] + child) or (index.get(stem + child) if stem else None)
            if col is None:
                role = group_role(catalog, groups, roles_found)
                if role == PAYEE:
                    # 收款人信息 / 姓名 beside 补贴对象 / 姓名: the account holder, not the person paid
                    col = _payee_column(spec, _lookup(index, child))
                    if col is None:
                        continue
                elif role in spec.roles:
                    col = spec.role_columns.get((role, child))
                    if col is None and role != "member":
                        continue  # someone else's column under this group
                    # a member group's other cells (与户主关系, 性别) are the row's own person's: by child name
            if col is not None:
                take(col, c)
                continue
            # the child alone; failing that a wording the group's words contain (关联村干部 / 姓名 is 干部姓名)
            col = _lookup(index, child) or _by_group_words(index, groups[-1], child) or index.get(groups[-1])
            if col is None:
                by_its_ending(child, c)
                continue
        else:
            if path[0] in DATE_PARTS and path[0] not in index:
                parts.append((c, "", DATE_PARTS[path[0]], None))
                continue
            # "身份证号#2": the second column worded 身份证号 (a county's way to settle a repeat)
            seen[path[0]] = seen.get(path[0], 0) + 1
            col = index.get(f"{path[0]}#{seen[path[0]]}")
            if col is not None:
                take(col, c)
                continue
            col = _lookup(index, path[0])
            if col is None:
                by_its_ending(path[0], c)
                continue
        if col is not None:
            by_name.setdefault(col, []).append(c)
    composed = _compose_dates(spec, index, parts, set(decided) | set(by_name))
    for col, c in _span_ends(spec, ends, set(decided) | set(by_name) | set(composed)).items():
        decided[col] = c
    in_dates = {c for cols in composed.values() for c in cols}
    for c, _, _, col in parts:  # a part of no date: a column like any other (补贴信息 / 月份 is a month)
        if c not in in_dates and col is not None:
            by_name[col] = sorted(by_name.get(col, []) + [c])
    columns = dict(decided)
    ambiguous: list[Ambiguity] = []
    for col, cands in by_name.items():
        if col in decided:
            dupes += cands
        elif len({group_of.get(c, "") for c in cands}) > 1 or (
                len(cands) > 1 and spec.column(col).kind in _IDENTITY_KINDS):
            # under different groups, or a person's ID or name given twice (the head's 身份证号 beside
            # the member's): which one is the field is not for us to guess
            ambiguous.append(Ambiguity(col, tuple(cands)))
        else:
            columns[col] = cands[0]
            dupes += cands[1:]
    for col, cols in composed.items():
        columns[col] = cols[0]
    taken = set(columns) | {a.column for a in ambiguous}
    by_endings: set[str] = set()
    for col, cands in ended.items():
        # a wording's ending is a weaker reading than a wording: never over a column named so, and
        # two columns ending alike (应发额, 实发额) leave the field unmapped (reported, not guessed)
        if col not in taken and len(cands) == 1:
            columns[col] = cands[0]
            by_endings.add(col)
    # money in 万元 under a 元 column's wording (area in 公顷 under a 亩 column's), read scaled (HeaderMatch.scales);
    # a column worded in the column's own unit wins, two in another unit leave it unmapped (reported)
    columns |= {col: cands[0] for col, cands in scaled.items() if col not in taken and col not in columns and len(cands) == 1}
    # sheet order, as before: the first column naming a canonical column is its source
    columns = dict(sorted(columns.items(), key=lambda kv: kv[1]))
    return columns, sorted(dupes), ambiguous, composed, frozenset(by_endings)


# Endings that say the same (a wording not found is looked up with the others): dates end in 日期 or
# 时间 alike (入职时间 is 入职日期), a kind of something in 类别, 类型 or 种类 (补贴种类 is 补贴类别). No two
# catalogue wordings of different columns differ by these alone (tested).
_ALIKE = (("时间", "日期"), ("类别", "类型", "种类"))
_ALIKE_ENDINGS = tuple((end, other) for words in _ALIKE for end in words for other in words if other != end)


def _lookup(index: dict[str, str], label: str) -> str | None:
    """The column a wording names, endings (_ALIKE) and words (SAME_WORDS) that say the same taken as one."""
    for text in [label, *same_word_variants(label)]:
        col = index.get(text)
        if col is not None:
            return col
        for end, other in _ALIKE_ENDINGS:
            if text.endswith(end) and len(text) > len(end):
                col = index.get(text[: -len(end)] + other)
                if col is not None:
                    return col
    return None


# The shortest catalogue wording a header may be read by its ending: one character (组, 村, 额) says too little.
MIN_ENDING = 2


# by_ending's answers per catalogue (hashed by identity, dropped with it): every candidate header row
# of every sheet asks it for each extract kind and header, mostly the same few hundred wordings.
_ENDING_MEMOS: weakref.WeakKeyDictionary[Catalog, dict[tuple[str, str], str | None]] = weakref.WeakKeyDictionary()


def by_ending(spec: ExtractSpec, index: dict[str, str], label: str, catalog: Catalog | None = None) -> str | None:
    """The column named by the longest catalogue wording the header ends with, the words before it
    qualifying it (登记备案时间 ends with 备案时间, 与备案对象关系 with 关系, 近亲属现任职务 with 职务).
    Never a person's ID or name: whose they are is what the qualifier says (户主姓名 is no member's
    name), so those are left to roles, prefixes and values; nor when the words before the ending are
    another extract's (_foreign_qualifier). 日期 and 时间 (类别, 类型, 种类) are taken as the same ending."""
    if catalog is None:
        return _by_ending(spec, index, label, None)
    memo = _ENDING_MEMOS.setdefault(catalog, {})
    key = (spec.name, label)
    if key not in memo:
        memo[key] = _by_ending(spec, index, label, catalog)
    return memo[key]


def _by_ending(spec: ExtractSpec, index: dict[str, str], label: str, catalog: Catalog | None) -> str | None:
    best = longest_ending(index, label)
    if best is None or spec.column(best[1]).kind in _IDENTITY_KINDS:
        return None
    if catalog is not None and _foreign_qualifier(catalog, spec.name, best[2]):
        return None
    return best[1]


def longest_ending(index: dict[str, str], label: str) -> tuple[str, str, str] | None:
    """(wording, column, qualifier) of the longest catalogue wording (MIN_ENDING characters at
    least) a header ends with, words before it; endings that say the same (_ALIKE) alike."""
    labels = [text for x in [label, *same_word_variants(label)]
              for text in [x] + [x[: -len(end)] + other for end, other in _ALIKE_ENDINGS if x.endswith(end)]]
    best: tuple[str, str, str] | None = None
    for text in labels:
        for k in range(1, len(text) - MIN_ENDING + 1):  # longest ending first
            col = index.get(text[k:])
            if col is not None and "/" not in text[k:]:
                if best is None or len(text) - k > len(best[0]):
                    best = (text[k:], col, text[:k])
                break
    return best


def _foreign_qualifier(catalog: Catalog, kind: str, qualifier: str) -> bool:
    """Whether the words before the ending belong to other extracts' wordings and to none of this
    one's: 注销类别 is a deregistration's category (注销日期, 注销原因 on a deaths list), no programme of
    an assistance roster, however it ends."""
    if len(qualifier) < MIN_ENDING:
        return False
    own = catalog.index(kind)
    if any(qualifier in w for w in own):
        return False
    return any(qualifier in w for name in catalog.extracts if name != kind for w in catalog.index(name))


def _by_group_words(index: dict[str, str], group: str, child: str) -> str | None:
    """The one column whose wordings read "<qualifier><child>" with the qualifier inside the group's
    wording: 关联村干部（经办人）/ 姓名 is 干部姓名 on a filing list. A last resort, for a child that
    names no column alone (short qualifiers such as 对象 are too common to overrule a role or a
    child's own name). Several columns so named, or none: None."""
    targets = {col for word, col in index.items()
               if "/" not in word and word.endswith(child) and len(word) - len(child) >= 2
               and word[: -len(child)] in group}
    return targets.pop() if len(targets) == 1 else None


# The two ends of a span under its group: 合同期限 / 起, 止; 承包期 / 开始, 结束.
RANGE_ENDS = {"起": "start", "止": "end", "自": "start", "至": "end", "始": "start", "迄": "end",
              "开始": "start", "结束": "end", "起始": "start", "终止": "end", "起日": "start", "止日": "end"}


def _span_ends(spec: ExtractSpec, ends: list[tuple[int, str, str]], found: set[str]) -> dict[str, int]:
    """起 and 止 under a group whose words say a span of time (期限, 期间, 承包期, 起止日期 ...): the
    extract's one free start date and one free end date (start_date / end_date, term_start_date /
    term_end_date). Both ends under the same group, or nothing."""
    by_group: dict[str, dict[str, int]] = {}
    for c, group, end in ends:
        by_group.setdefault(group, {}).setdefault(end, c)
    out: dict[str, int] = {}
    for group, cols in by_group.items():
        if set(cols) != {"start", "end"} or not ("期" in group or meaning_of(group) == "date"):
            continue
        for end, c in cols.items():
            free = [x.name for x in spec.table.columns if x.kind == "date" and end in x.name.split("_")
                    and x.name not in found and x.name not in out]
            if len(free) == 1:
                out[free[0]] = c
    return out


# Header words of a date written over columns (凭证日期 / 年, 月, 日, or 年 | 月 | 日 side by side).
DATE_PARTS = {"年": "y", "年份": "y", "月": "m", "月份": "m", "日": "d"}


def _compose_dates(spec: ExtractSpec, index: dict[str, str], parts: list[tuple[int, str, str, str | None]],
                   found: set[str]) -> dict[str, tuple[int, ...]]:
    """Dates written over adjacent columns: canonical column -> (year, month[, day]) sheet columns.

    Under a group the group's wording names the column (凭证日期 / 年, 月, 日 is the voucher date);
    without one (年 | 月 | 日, or a group whose words mean a date, for a day, or a period, for year and
    month, but name no column: 记账时间 / 年, 月, 日) the parts are the extract's one date column
    not named otherwise (its one required date column when it has several): a day makes a date,
    year and month alone a month. Parts that fit no single column are left unused (and reported)."""
    out: dict[str, tuple[int, ...]] = {}
    runs: list[list[tuple[int, str, str, str | None]]] = []
    for part in parts:  # runs of adjacent parts under the same group
        if runs and runs[-1][-1][0] == part[0] - 1 and runs[-1][-1][1] == part[1]:
            runs[-1].append(part)
        else:
            runs.append([part])
    for run in runs:
        order = "".join(p[2] for p in run)
        if order not in ("ymd", "ym"):
            continue
        kinds = ("date",) if order == "ymd" else ("month",)
        group = run[0][1].rsplit("/", 1)[-1]
        target = _lookup(index, group) if group else None
        if target is not None and spec.column(target).kind not in kinds:
            continue  # the group names another column (出生日期 / 年, 月): not this one
        if target is None and group and meaning_of(group) not in (("date", "start", "end") if order == "ymd" else ("period",)):
            continue  # a group that does not say a date (基本信息 / 年, 月; 出生日期 / 年, 月 on a pay list)
        if target is None:
            free = [c.name for c in spec.table.columns if c.kind in kinds and c.name not in found and c.name not in out]
            needed = [c for c in free if c in spec.required]
            target = free[0] if len(free) == 1 else needed[0] if len(needed) == 1 else None
        if target is not None and target not in found and target not in out:
            out[target] = tuple(p[0] for p in run)
    return out


def date_from_parts(parts: list[pl.Series]) -> pl.Series:
    """年, 月(, 日) cells as one date text (2024-3-5, or 2024-3 for a month); all blank: null; some
    blank: the parts as written, which no date reading accepts (the row is reported, not guessed)."""
    frame = pl.DataFrame({f"p{i}": p.cast(pl.String).str.strip_chars().str.replace(r"\.0+$", "")
                          .str.replace(r"[年月日号]$", "") for i, p in enumerate(parts)})
    cols = [pl.col(c).fill_null("") for c in frame.columns]
    filled = [c != "" for c in cols]
    return frame.select(
        pl.when(pl.all_horizontal(filled)).then(pl.concat_str(cols, separator="-"))
        .when(~pl.any_horizontal(filled)).then(None)
        .otherwise(pl.concat_str(cols, separator="-")).alias("date")
    ).to_series()


# Whether a one-row header label can name a column of any extract kind, per catalogue: most candidate
# header rows are data rows (names, IDs, amounts), which name nothing and need no matching per kind.
_NAMING_MEMOS: weakref.WeakKeyDictionary[Catalog, dict[str, bool]] = weakref.WeakKeyDictionary()


def names_nothing(catalog: Catalog, labels: list[str]) -> bool:
    """True when match_columns would name no column of any kind from this one-row header (labels
    normalised): no label is a date part, a wording (or its numbered repeat 身份证号#2), a wording with an
    ending that says the same (_ALIKE), or ends with a wording (by_ending)."""
    memo = _NAMING_MEMOS.get(catalog)
    if memo is None:
        memo = _NAMING_MEMOS[catalog] = {}
        # wordings numbered for their repeat (身份证号#2): the label before the # names a column
        for spec in catalog:
            for wording in catalog.index(spec.name):
                if "#" in wording:
                    memo[wording.split("#", 1)[0]] = True
    for label in labels:
        if not label:
            continue
        names = memo.get(label)
        if names is None:
            names = memo[label] = _may_name(catalog, label)
        if names:
            return False
    return True


def _may_name(catalog: Catalog, label: str) -> bool:
    if label in DATE_PARTS:
        return True
    label = scale[0] if (scale := unit_scale(label)) is not None else label  # 年租金(万元) names what 年租金 does
    for spec in catalog:
        index = catalog.index(spec.name)
        if _lookup(index, label) is not None or by_ending(spec, index, label, catalog) is not None:
            return True
    return False

