"""Find the header row(s) of a sheet and recognise which extract it is, from the headers alone.

Handles title rows above the header, merged header cells and headers of several rows read as
paths ("金额" over "本月/累计" becomes "金额/本月"; 救助对象 over 户主 over 姓名 becomes
"救助对象/户主/姓名"; a label merged down over all header rows names its column alone).
Recognition scores every extract kind by how many of its columns the headers name; a sheet
matching none, or two equally well, is reported with a Chinese reason.
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from connectors.abbreviations import abbreviation, by_initials
from connectors.header_layout import MAX_HEADER_DEPTH, Merge, holds_values
from connectors.header_layout import header_paths as _header_paths
from connectors.header_layout import horizontal_fill as _horizontal_fill
from connectors.header_match import Ambiguity, longest_ending, names_nothing
from connectors.header_match import match_columns as _match
from connectors.header_match import normalised_paths as _normalised
from connectors.headertext import normalise_header, unit_scale
from connectors.person_names import paired_by_prefix, unread_person_name
from connectors.profiles import (  # noqa: F401  (PROFILE_ROWS, PROFILE_DEPTH: connectors.headers's to callers)
    BY_KIND,
    PROFILE_DEPTH,
    PROFILE_ROWS,
    Inferred,
    Profile,
    agreement,
    column_profiles,
    infer,
    meaning_of,
)
from connectors.wide import WideLayout, layout_for, wide_columns, wide_points

if TYPE_CHECKING:
    from connectors.catalog import Catalog, ExtractSpec

# How far down a sheet the header may sit (title rows, 填报单位 lines, blank lines).
MAX_HEADER_SCAN = 20
# Field codes (connectors/abbreviations.py) that make a row a candidate header without any known wording.
MIN_CODES = 2



@dataclass(frozen=True)
class HeaderMatch:
    spec: ExtractSpec
    header_rows: tuple[int, ...]  # 0-based sheet row indices of the header
    columns: dict[str, int]  # canonical column -> 0-based sheet column
    labels: dict[int, str]  # sheet column -> header text as shown (two-row headers joined by "/")
    unused: tuple[str, ...] = ()  # header texts that map to no canonical column
    duplicates: tuple[str, ...] = ()  # header texts naming a column already taken by an earlier one
    score: float = 0.0  # the chosen kind's recognition score
    runner_up: tuple[str, float] | None = None  # the best other kind and its score
    inferred: dict[str, str] = field(default_factory=dict)  # canonical column -> why (mapped by content)
    # canonical column -> (year, month[, day]) sheet columns of a date written over several columns;
    # columns[...] is its year column
    composed: dict[str, tuple[int, ...]] = field(default_factory=dict)
    wide: WideLayout | None = None  # periods as columns (1月 … 12月): the period and amount unfold from them
    # what could not be decided about the columns (Chinese, for the sheet's message) and the
    # xuncha.toml lines that settle it (for `xuncha inspect`)
    notes: tuple[str, ...] = ()
    config_lines: tuple[str, ...] = ()
    outscored: str | None = None  # a kind that scored higher but lacks a signature column (Chinese warning)
    # canonical 元 or 亩 column -> (unit, factor) of a header stating another unit (年租金（万元）, 耕地面积（公顷）): read scaled
    scales: dict[str, tuple[str, float]] = field(default_factory=dict)

    def label_of(self, column: str) -> str:
        """The header of a mapped canonical column as written (凭证日期/年+月+日 for a composed date)."""
        parts = self.composed.get(column)
        if parts:
            shown = [self.labels.get(j, "") for j in parts]
            group = shown[0].rsplit("/", 1)[0] + "/" if "/" in shown[0] else ""
            return group + "+".join(x.rsplit("/", 1)[-1] for x in shown)
        return self.labels.get(self.columns[column], column)

    @property
    def data_start(self) -> int:
        return self.header_rows[-1] + 1


@dataclass(frozen=True)
class Unrecognised:
    reason: str  # Chinese, for the ingest report
    config_lines: tuple[str, ...] = ()  # xuncha.toml lines that would settle it ("<文件名>": the file's)
    # the header was found and fits a kind, only which kind or which column is undecided: data, never
    # a page to set aside (connectors/set_aside.py)
    undecided: bool = False


@dataclass
class _Candidate:
    score: int
    spec: ExtractSpec
    rows: tuple[int, ...]
    labels: list[tuple[str, ...]] = field(default_factory=list)  # per column: its header path, top group first
    shown: list[str] = field(default_factory=list)
    columns: dict[str, int] = field(default_factory=dict)
    missing: list[str] = field(default_factory=list)
    ambiguous: list[Ambiguity] = field(default_factory=list)
    composed: dict[str, tuple[int, ...]] = field(default_factory=dict)
    # set by _judge, from the values under the header: columns mapped by header words and values
    # together (canonical column -> (sheet column, why)), and the kind's score
    inferred: dict[str, tuple[int, Inferred]] = field(default_factory=dict)
    points: float = 0.0
    ended: frozenset[str] = frozenset()  # columns named only by the ending of their header
    wide: WideLayout | None = None  # period columns standing for the period and amount (connectors/wide.py)

    @property
    def found(self) -> int:
        return self.score + len(self.inferred) + (2 if self.wide is not None else 0)


_MEMO_SIZE = 4096
# Evaluations of candidate header rows, per catalogue, by the rows' texts: the sheets of a workbook
# (one per town) repeat the same header. Kept here, beside the evaluation, and dropped with the
# catalogue (weak keys: a catalogue is hashed by identity).
_MEMOS: weakref.WeakKeyDictionary[Catalog, dict] = weakref.WeakKeyDictionary()


def _evaluate(catalog: Catalog, paths: list[tuple[str, ...]], shown: list[str], rows: tuple[int, ...],
              coded: bool = False) -> list[_Candidate]:
    if len(rows) == 1 and not coded and names_nothing(catalog, [path[0] for path in _normalised(paths) if path]):
        return []  # a row of data, not a header: no kind would score
    memo = _MEMOS.setdefault(catalog, {})
    key = (tuple(paths), tuple(shown), rows)
    found = memo.get(key)
    if found is None:
        if len(memo) >= _MEMO_SIZE:
            memo.clear()
        found = memo[key] = _evaluate_anew(catalog, paths, shown, rows)
    return found


def _evaluate_anew(catalog: Catalog, paths: list[tuple[str, ...]], shown: list[str], rows: tuple[int, ...]) -> list[_Candidate]:
    out = []
    normalised = _normalised(paths)  # once per candidate row, not once per extract kind
    for spec in catalog:
        columns, _, ambiguous, composed, ended = _match(catalog, spec, normalised)
        # an undecided column counts as found: the sheet is this kind, only which column is unclear
        found = set(columns) | {a.column for a in ambiguous}
        missing = [alts[0] for alts in spec.signature if not any(a in found for a in alts)]
        out.append(_Candidate(len(found), spec, rows, paths, shown, columns, missing, ambiguous, composed,
                              ended=ended))
    return out


# Score points: a column named by its header or by words and values together: 1; values that look
# like the column's kind: +VALUE_POINTS, values that clearly do not: -VALUE_POINTS.
VALUE_POINTS = 0.5
# A column named by the ending of its header (by_ending) counts this much instead of 1.
ENDING_POINTS = 0.5
DEFAULT_MARGIN = 1.0


def head_and_sample(sheet) -> list[list]:
    """The rows header detection looks at: the header scan and, below it, the rows value profiles
    sample (PROFILE_DEPTH); a sheet read as a frame (CSV) keeps only its head as rows."""
    rows = sheet.rows[: MAX_HEADER_SCAN + 1 + PROFILE_DEPTH]
    if sheet.frame is not None and len(rows) < MAX_HEADER_SCAN + 1 + PROFILE_DEPTH and sheet.frame.height > len(rows):
        more = sheet.frame.slice(len(rows), MAX_HEADER_SCAN + 1 + PROFILE_DEPTH - len(rows))
        rows = rows + [list(r) for r in more.iter_rows()]
    return rows


def _judge(cand: _Candidate, profiles: list[Profile], catalog: Catalog | None = None) -> _Candidate:
    """The candidate with columns its values and header words agree on, and its score."""
    spec = cand.spec
    found = set(cand.columns) | {a.column for a in cand.ambiguous}
    used = (set(cand.columns.values()) | {c for a in cand.ambiguous for c in a.candidates}
            | {c for cols in cand.composed.values() for c in cols})
    free = [(c.name, c.kind) for c in spec.table.columns if c.name not in found and c.name in spec.synonyms]
    free += [(n, "code" if n == "village_code" else "text") for n in ("town_raw", "village_raw", "village_code")
             if spec.table.has_village and n not in found]
    inferred: dict[str, tuple[int, Inferred]] = {}
    wide = layout_for(spec.table.column_names, cand.shown, used, found)  # 1月 … 12月: no other column
    used |= wide_columns(wide)
    open_ = [(j, h) for j, h in enumerate(cand.shown) if j not in used and h and j < len(profiles)]
    # words of a specific meaning first (停发时间 is an end date), then the generic ones (参工时间 is the
    # one date left: the start), whatever the columns' order
    open_.sort(key=lambda jh: meaning_of(jh[1]) in BY_KIND)
    # A header of a generic meaning (…时间, …金额) names the extract's one free column of its kind only
    # when no other header could as well: 入职时间 beside 减员时间 is no death date.
    claims: dict[str, int] = {}
    for j, header in open_:
        hit = infer(header, profiles[j], free)
        if hit is not None and hit.meaning in BY_KIND:
            claims[hit.column] = claims.get(hit.column, 0) + 1
    for j, header in open_:
        hit = infer(header, profiles[j], free)
        if hit is not None and hit.meaning in BY_KIND and claims.get(hit.column, 0) > 1:
            continue
        if hit is not None:
            inferred[hit.column] = (j, hit)
            free = [(c, k) for c, k in free if c != hit.column]
    if catalog is not None:  # field codes written as pinyin initials (SFZH): read through the wording they abbreviate
        taken = {j for j, _ in inferred.values()}
        for j, header in open_:
            letters = abbreviation(header) if j not in taken else None
            hit = by_initials(catalog, spec, header, letters, profiles[j], free) if letters else None
            if hit is not None:
                inferred[hit.column] = (j, hit)
                free = [(c, k) for c, k in free if c != hit.column]
    # a column named by the ending of its header (登记备案时间 by 备案时间) is a weaker reading: half a
    # point, unless the header's words and its values confirm it (户籍所在村居 holding village names)
    weak = [col for col in cand.ended if cand.columns[col] >= len(profiles) or infer(
        cand.shown[cand.columns[col]], profiles[cand.columns[col]], [(col, spec.column(col).kind)]) is None]
    points = float(len(found) + len(inferred)) - (1 - ENDING_POINTS) * len(weak)
    for col, j in list(cand.columns.items()) + [(c, j) for c, (j, _) in inferred.items()]:
        if j < len(profiles) and col not in cand.composed:  # a year alone does not look like a date
            points += VALUE_POINTS * agreement(spec.column(col).kind, col, profiles[j])
    have = found | set(inferred) | (wide.found if wide is not None else set())  # a period and an amount
    points += wide_points(wide, profiles, VALUE_POINTS)
    missing = [alts[0] for alts in spec.signature if not any(a in have for a in alts)]
    return _Candidate(cand.score, spec, cand.rows, cand.labels, cand.shown, cand.columns, missing,
                      cand.ambiguous, cand.composed, inferred, points, cand.ended, wide)


def detect_header(rows: list[list], catalog: Catalog, merges: list[Merge] | None = None,
                  only: str | None = None, margin: float = DEFAULT_MARGIN) -> HeaderMatch | Unrecognised:
    """Locate the header within the first rows and decide the extract kind: every kind is scored on
    every candidate header row (columns named, values that look right), and the winner must beat
    the best other kind by `margin`. only: the kind a county pinned the file to."""
    merges = merges or []
    scan = min(len(rows), MAX_HEADER_SCAN)
    width = max((len(r) for r in rows[:scan + 1]), default=0)
    eligible: list[_Candidate] = []  # candidates satisfying their signature
    closest: _Candidate | None = None  # best partial match, for the reason when nothing fits
    best_of_kind: dict[str, _Candidate] = {}
    profiles_at: dict[int, list[Profile]] = {}  # by the header's last row (_profiles)
    values = [holds_values(row) for row in rows[:scan + MAX_HEADER_DEPTH - 1]]
    for r in range(scan):
        if values[r]:
            continue  # data, not a header row
        single, _ = _horizontal_fill(rows, r, width, merges)
        if len({v for v in single if v}) < 2:
            continue  # a title, even when merged across the whole width
        # the deepest reading first: a row under header rows is read as one more header row only when
        # it continues them (labels under their groups), so on equal scores the deeper reading wins
        layouts = [([(v,) if v else () for v in single], single, (r,))]
        for depth in range(2, MAX_HEADER_DEPTH + 1):
            if r + depth - 1 >= len(values) or values[r + depth - 1]:
                break  # a header ends above its first row of data
            deeper = _header_paths(rows, r, depth, width, merges)
            if deeper is None:
                break
            layouts.insert(0, (deeper[0], deeper[1], tuple(range(r, r + depth))))
        for paths, shown, hrows in layouts:
            # a row of field codes (XM, SFZH, FFJE) names nothing by wording: judged by its codes and values
            coded = sum(1 for v in shown if abbreviation(v)) >= MIN_CODES
            cands = [c for c in _evaluate(catalog, paths, shown, hrows, coded) if only is None or c.spec.name == only]
            if not cands or (max(c.score for c in cands) == 0 and not coded):
                continue  # no header wording known on this row: not a header
            if hrows[-1] not in profiles_at:
                profiles_at[hrows[-1]] = column_profiles(rows, hrows[-1], width)
            profiles = profiles_at[hrows[-1]]
            for cand in (_judge(c, profiles, catalog) for c in cands):
                if closest is None or (cand.found, -len(cand.missing)) > (closest.found, -len(closest.missing)):
                    closest = cand
                mine = best_of_kind.get(cand.spec.name)
                if mine is None or cand.points > mine.points:
                    best_of_kind[cand.spec.name] = cand
                if not cand.missing and cand.found >= 2:
                    eligible.append(cand)
    if not eligible:
        if closest is None or closest.found == 0:
            return Unrecognised(f"无法识别表头：前{MAX_HEADER_SCAN}行中没有已知的列名（如“身份证号”“姓名”）")
        need = "、".join(f"“{closest.spec.column(m).label}”" for m in closest.missing)
        row_no = closest.rows[0] + 1
        return Unrecognised(f"无法识别表头：第{row_no}行最接近“{closest.spec.label}”，但缺少{need}列")
    # best: highest score; equal scores: more columns named by the header, then the earlier row
    best = max(eligible, key=lambda c: (c.points, c.score, -c.rows[0]))
    others = [c for c in eligible if c.spec.name != best.spec.name]
    rival = max(others, key=lambda c: c.points, default=None)
    shown_rival = rival or max((c for k, c in best_of_kind.items() if k != best.spec.name),
                               key=lambda c: c.points, default=None)
    runner_up = (shown_rival.spec.name, shown_rival.points) if shown_rival else None
    if rival is not None and best.points - rival.points < margin:
        return Unrecognised(
            f"无法确定数据类型：第{best.rows[0] + 1}行起的表头按“{best.spec.label}”得{best.points:g}分，"
            f"按“{rival.spec.label}”得{rival.points:g}分，相差不足{margin:g}分，本表未读取。"
            f"请在 xuncha.toml 的 [connectors.pin] 中指定文件的类型，例如：\"<文件名>\" = \"{best.spec.name}\"",
            (f'[connectors.pin] "<文件名>" = "{best.spec.name}"  # 或 "{rival.spec.name}"：'
             f'{best.spec.label}{best.points:g}分，{rival.spec.label}{rival.points:g}分',),
            undecided=True,
        )
    roles_found: dict[str, str] = {}
    why_roles: dict[str, str] = {}
    if best.ambiguous:
        decided = _roles_by_values(best, rows)
        if decided is None:
            return Unrecognised(*_ambiguity_reason(best), undecided=True)
        roles_found, why = decided
        columns, dupes, still, composed, ended = _match(catalog, best.spec, _normalised(best.labels), roles_found)
        if still:
            return Unrecognised(*_ambiguity_reason(best), undecided=True)
        paths = _normalised(best.labels)
        decided_by_roles = [(col, j) for col, j in columns.items()
                            if len(paths[j]) > 1 and any(g in roles_found for g in paths[j][:-1])]
        why_roles = {col: f"“{best.shown[j]}”→{best.spec.column(col).label}（{why if n == 0 else '分组同上'}）"
                     for n, (col, j) in enumerate(decided_by_roles)}
    else:
        columns, dupes, _, composed, ended = _match(catalog, best.spec, _normalised(best.labels))
    for col, (j, _) in best.inferred.items():
        columns[col] = j
    dupes = [d for d in dupes if d not in set(columns.values())]  # a repeat mapped by its content is used
    paired = paired_by_prefix(catalog, best.spec, best.shown, columns, set(dupes))
    for col, (j, _) in paired.items():
        columns[col] = j
    used = set(columns.values()) | set(dupes) | {c for cols in composed.values() for c in cols} | wide_columns(best.wide)
    unused = tuple(s for c, s in enumerate(best.shown) if s and c not in used)
    notes, lines = unread_person_name(best.spec, columns, [(c, s) for c, s in enumerate(best.shown) if s and c not in used],
                                      profiles_at.get(best.rows[-1]))
    labels = {c: best.shown[c] for c in range(len(best.shown))}
    inferred = {col: hit.describe(best.shown[j], best.spec.column(col).label) for col, (j, hit) in best.inferred.items()}
    inferred |= why_roles
    for col, (j, why) in paired.items():
        inferred[col] = f"“{best.shown[j]}”→{best.spec.column(col).label}（{why}）"
    index = catalog.index(best.spec.name)
    for col in sorted(ended, key=lambda c: columns[c]):  # in the sheet's column order (a set has none)
        j = columns[col]
        hit = longest_ending(index, normalise_header(best.shown[j].rsplit("/", 1)[-1]))
        if hit is not None and col not in inferred:
            inferred[col] = f"“{best.shown[j]}”→{best.spec.column(col).label}（表头以“{hit[0]}”结尾）"
    # a kind scoring higher by the margin that lacks a signature column: chosen against, never silently
    higher = max((c for k, c in best_of_kind.items() if k != best.spec.name and c.missing
                  and c.points >= best.points + margin), key=lambda c: c.points, default=None)
    outscored = None if higher is None else (
        f"注意：按“{higher.spec.label}”得{higher.points:g}分，高于所选类型（{best.points:g}分），但表中找不到"
        + "、".join(f"“{higher.spec.column(m).label}”" for m in higher.missing)
        + f"列；如判断有误，请在 xuncha.toml 的 [connectors.pin] 中指定：\"<文件名>\" = \"{higher.spec.name}\"")
    scales = {col: (sc[1], sc[2]) for col, j in columns.items()
              if (sc := unit_scale(best.shown[j].rsplit("/", 1)[-1])) is not None and best.spec.column(col).kind == sc[3]}
    return HeaderMatch(best.spec, best.rows, columns, labels, unused, tuple(best.shown[c] for c in dupes),
                       best.points, runner_up, inferred, composed, best.wide, notes, lines, outscored, scales)


# Rows under the header looked at to tell whose columns an unknown group holds, and the shares that decide:
# a household head's ID written on each member's row repeats the row above on many rows; a member's
# ID is on every row and never repeats.
ROLE_SAMPLE_ROWS = 300
HEAD_REPEATS, HEAD_DISTINCT = 0.2, 0.8
MEMBER_FILLED, MEMBER_DISTINCT = 0.8, 0.98


def _role_shares(values: list) -> tuple[float, float, float]:
    """(filled, repeats, distinct): share of rows with a value, of adjacent filled pairs with the same
    value, and of distinct values among the filled."""
    texts = [None if v is None or not str(v).strip() else str(v).strip() for v in values]
    filled = [t for t in texts if t is not None]
    if not filled:
        return 0.0, 0.0, 0.0
    pairs = [(a, b) for a, b in zip(texts, texts[1:], strict=False) if a is not None and b is not None]
    repeats = sum(a == b for a, b in pairs) / len(pairs) if pairs else 0.0
    return len(filled) / len(texts), repeats, len(set(filled)) / len(filled)


def _roles_by_values(cand: _Candidate, rows: list[list]) -> tuple[dict[str, str], str] | None:
    """Group wordings the catalogue does not know (救助对象 / 家庭成员情况 ...), given roles by what their
    columns hold: when an ID (or, failing that, a name) is named under exactly two such groups and one
    group's values repeat row after row (the head's, on each member's row) while the other's are on
    every row and never repeat (the members'), the groups are head and member. Anything less clear
    returns None: the sheet stays ambiguous and is reported, never loaded on a guess."""
    spec = cand.spec
    if not {"head", "member"} <= spec.roles:
        return None
    groups = {c: path[-2] for c, path in enumerate(_normalised(cand.labels)) if len(path) > 1}  # nearest group
    shown_group = {c: cand.labels[c][-2] for c in groups}
    start = cand.rows[-1] + 1
    sample = rows[start:start + ROLE_SAMPLE_ROWS]
    for kind in ("id", "name"):
        for a in cand.ambiguous:
            if spec.column(a.column).kind != kind or len(a.candidates) != 2:
                continue
            if any(c not in groups for c in a.candidates) or len({groups[c] for c in a.candidates}) != 2:
                return None
            shares = [_role_shares([r[c] if c < len(r) else None for r in sample]) for c in a.candidates]
            head_like = [f >= 0.5 and rep >= HEAD_REPEATS and d <= HEAD_DISTINCT for f, rep, d in shares]
            member_like = [f >= MEMBER_FILLED and rep == 0 and d >= MEMBER_DISTINCT for f, rep, d in shares]
            for h, m in ((0, 1), (1, 0)):
                if head_like[h] and member_like[m] and not member_like[h] and not head_like[m]:
                    head, member = a.candidates[h], a.candidates[m]
                    child = cand.shown[head].split("/")[-1]
                    why = (f"分组“{shown_group[head]}”按内容判定为户主一方：其{child}在{shares[h][1]:.0%}的相邻行重复；"
                           f"“{shown_group[member]}”为家庭成员一方：其{child}逐行不同")
                    return {groups[head]: "head", groups[member]: "member"}, why
            return None
    return None


def _ambiguity_reason(cand: _Candidate) -> tuple[str, tuple[str, ...]]:
    """Why the sheet is not loaded, naming the candidate columns and the xuncha.toml line that settles it."""
    parts, lines = [], []
    for a in cand.ambiguous:
        label = cand.spec.column(a.column).label
        shown = "、".join(f"第{c + 1}列“{cand.shown[c]}”" for c in a.candidates)
        parts.append(f"“{label}”可能是{shown}")
        last = a.candidates[-1]
        if "/" in cand.shown[last]:
            name = cand.shown[last]  # a header path names the column
        else:  # the n-th column worded alike
            name = f"{cand.shown[last]}#{sum(1 for c in range(last + 1) if cand.shown[c] == cand.shown[last])}"
        lines.append(f'[connectors.header_synonyms.{cand.spec.name}] {a.column} = ["{name}"]')
    reason = (f"表头有歧义（第{cand.rows[0] + 1}行起，识别为“{cand.spec.label}”）：" + "；".join(parts)
              + "，无法确定用哪一列，本表未读取。请在 xuncha.toml 中指明，例如：" + "；".join(lines))
    groups = sorted({cand.labels[c][-2] for a in cand.ambiguous for c in a.candidates if len(cand.labels[c]) > 1})
    if len(groups) > 1 and {"head", "member"} <= cand.spec.roles:
        reason += ("；或在 [connectors.group_roles] 中写明分组" + "、".join(f"“{g}”" for g in groups)
                   + "哪个是户主一方（head）、哪个是家庭成员一方（member）")
    return reason, tuple(f"{line}  # 候选：" + "、".join(cand.shown[c] for c in a.candidates)
                         for line, a in zip(lines, cand.ambiguous, strict=True))
