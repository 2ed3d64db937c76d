"""One raw sheet -> rows of a canonical table plus quarantined rows, with the sheet's row accounting.

Pure: no database, no village reference (villages.py fills village_code afterwards), so sheets and
files can be transformed in parallel. Every data row below the header ends up in exactly one of
loaded, quarantined or skipped (blank, totals, notes, repeated header); the message says which.

Long because a group of sheets goes through every step (skip, normalise, read dates by meaning,
context, quarantine) in one function whose row positions and per-sheet accounting (read, loaded,
quarantined, skipped) the steps share, and must stay exact.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass, field
from operator import itemgetter

import polars as pl

from connectors.abbreviations import unread_hints
from connectors.cards import CardReading, card_sheet, describe
from connectors.catalog import Catalog
from connectors.context import FIELDS, context_values, sheet_context, village_hint, wanted_fields
from connectors.continuation import fill_household
from connectors.direction_amounts import amount_choices, split_by_direction
from connectors.family_cells import family_cell_notes
from connectors.frames import data_frame, nulls, quarantine_frame
from connectors.header_match import date_from_parts
from connectors.headers import PROFILE_ROWS, HeaderMatch, Unrecognised, detect_header, head_and_sample
from connectors.headertext import KIND_UNITS
from connectors.list_cells import LIST_SEPARATORS, MISMATCH, expand, member_columns, mismatch_message
from connectors.name_id_cells import split_sheet
from connectors.normalize import LOSSY_NUMBER, QUARANTINE_ALWAYS, REASONS, normalise_column
from connectors.periods import period_columns
from connectors.person_names import person_name_column
from connectors.readers import RawSheet
from connectors.row_kinds import MARKER_COLUMNS, classify_rows, content_totals
from connectors.set_aside import SetAside, classify, set_aside_message
from connectors.split_columns import rows_list
from connectors.transposed import TRANSPOSED_MESSAGE, name_subjects, transposed_sheet
from connectors.values import open_end_columns, read_unread_dates
from connectors.village_codes import villageless_note
from connectors.wide import unfold


@dataclass
class SheetResult:
    sheet: str
    extract: str | None
    rows_read: int = 0
    rows_loaded: int = 0
    rows_quarantined: int = 0
    rows_skipped: int = 0
    messages: list[str] = field(default_factory=list)
    data: pl.DataFrame | None = None  # canonical table columns, village keys (without match), provenance
    quarantine: pl.DataFrame | None = None
    # For validation (connectors/validation.py): canonical columns found in the header, and per
    # column how many values were unusable (reason code -> count), whether quarantined or nulled.
    columns_found: dict[str, str] = field(default_factory=dict)  # canonical column -> header as written
    problems: dict[str, dict[str, int]] = field(default_factory=dict)
    validation: pl.DataFrame | None = None  # this sheet's rows of validation_results, once validated
    # recognition: the chosen kind's score and the best other kind with its score (ingest report)
    score: float | None = None
    runner_up: tuple[str, float] | None = None
    # for `xuncha inspect`: header rows (0-based), values taken from outside the columns (field ->
    # (value, source)), columns mapped by content (column -> why), and xuncha.toml lines that
    # would settle what could not be decided
    header_rows: tuple[int, ...] = ()
    context: dict[str, tuple[str, str]] = field(default_factory=dict)
    inferred: dict[str, str] = field(default_factory=dict)
    config_lines: list[str] = field(default_factory=list)
    # the sheet's name, when it may be its village's and nothing else names one (context.village_hint)
    village_hint: str | None = None
    # what a row number names in messages and quarantine reasons: 列 for a sheet read transposed
    # (connectors/transposed.py), whose rows are the original columns
    row_word: str = "行"

    @property
    def message(self) -> str:
        return "；".join(self.messages)


# Fields a block's own title line can state for the rows below it (项目名称：…工程, 实施单位：某镇人民政府).
_BLOCK_FIELDS = ("project_name", "town_raw")


def _block_context(fields: set[str], skip_kind: pl.Series, marker_cols: list[pl.Series], sheet_all: pl.Series,
                   keep_idx: pl.Series, n: int) -> dict[str, tuple[pl.Series, dict[int, int]]]:
    """Blocks stacked in one sheet, each under its own title line (read as a note row): the value such a
    line states holds for the data rows below it, up to the next block's line, instead of the value the
    sheet's title states for all of them (which would give every block the first block's project).
    Returns per field: the column over the kept rows (null where no block line precedes), and per sheet
    the number of block lines."""
    wanted = [f for f in _BLOCK_FIELDS if f in fields]
    notes = (skip_kind == "表尾说明").fill_null(False)
    if not wanted or not marker_cols or not notes.any():
        return {}
    frame = pl.DataFrame({f"m{i}": c.cast(pl.String) for i, c in enumerate(marker_cols)})
    text = frame.select(pl.coalesce([pl.col(c).str.strip_chars().replace("", None) for c in frame.columns]))
    found: dict[str, list] = {f: [None] * n for f in wanted}
    per_sheet: dict[str, dict[int, int]] = {f: {} for f in wanted}
    sheet_list = sheet_all.to_list()
    for i in notes.arg_true().to_list():
        line = text.item(i, 0)
        if not line:
            continue
        stated = sheet_context([[line]], "", "").values
        for f in wanted:
            if f in stated:
                found[f][i] = stated[f].value
                per_sheet[f][sheet_list[i]] = per_sheet[f].get(sheet_list[i], 0) + 1
    out = {}
    for f in wanted:
        if not per_sheet[f]:
            continue
        filled = pl.DataFrame({"v": pl.Series(found[f], dtype=pl.String), "s": sheet_all}).select(
            pl.col("v").forward_fill().over("s"))["v"]
        out[f] = (filled.gather(keep_idx) if len(keep_idx) < n else filled, per_sheet[f])
    return out


def _sheet_name(sheet: RawSheet) -> str:
    return sheet.name


def _is_blank_row(row: list) -> bool:
    return all(v is None or (isinstance(v, str) and not v.strip()) for v in row)


def _fill_merged_data(rows: list[list], merges, start: int) -> None:
    """A value merged down a block of rows (乡镇 over its villages) belongs to every row it covers."""
    for (r0, c0), (r1, c1) in merges:
        if r0 < start or r0 >= len(rows):
            continue
        v = rows[r0][c0] if c0 < len(rows[r0]) else ""
        for r in range(r0, min(r1 + 1, len(rows))):
            row = rows[r]
            for c in range(c0, min(c1 + 1, len(row))):
                if r != r0 or c != c0:
                    row[c] = v


def _text_series(col, types: set | None = None) -> pl.Series:
    types = set(map(type, col)) if types is None else types
    if types <= {str}:
        return pl.Series(values=col, dtype=pl.String)
    # Numbers render as "100.0" / "6.1e+17", dates as ISO: the normalisers understand both.
    return pl.Series(values=col, dtype=pl.String, strict=False)


def _lossy_mask(col, types: set) -> pl.Series | None:
    if not ({float, int} & types):
        return None
    return pl.Series([type(v) in (float, int) and abs(v) >= LOSSY_NUMBER for v in col], dtype=pl.Boolean)


def transform_files(files: list[tuple[str, list[RawSheet]]], catalog: Catalog,
                    today: dt.date | None = None) -> list[list[SheetResult]]:
    """Every sheet of these files, one result each (per file, in sheet order). Sheets with the same
    header layout (one sheet per town or per village, or a hundred towns' ledger exports) are
    normalised together: the work per sheet is then a handful of operations instead of a hundred,
    which matters for a workbook of 200 small sheets or an inbox of 100 small files."""
    results: list[list[SheetResult | None]] = [[None] * len(sheets) for _, sheets in files]
    groups: dict[tuple, list[_Member]] = {}
    split_notes: dict[tuple[int, int], str] = {}  # (file, sheet) -> what was split (connectors/name_id_cells.py)
    for f, (source_file, sheets) in enumerate(files):
        unread: list[tuple[int, list[list], int, Unrecognised]] = []
        recognised: list[str] = []
        for i, sheet in enumerate(sheets):
            name = _sheet_name(sheet)
            last = _last_filled_row(sheet)
            if last == 0:
                results[f][i] = SheetResult(name, None, messages=["空工作表，无数据"])
                continue
            pinned = catalog.pinned(source_file)
            head = head_and_sample(sheet)
            match = detect_header(head, catalog, sheet.merges, only=pinned, margin=catalog.margin)
            # Unrecognised (not merely undecided) sheets are read once more another way, kept only when
            # recognised by the same scores (_read_again): a person's name and ID in one cell split in two
            # (connectors/name_id_cells.py), one amount column beside a 借/贷 column split into debit and
            # credit (connectors/direction_amounts.py), then indicators as rows and villages as columns swapped
            # (connectors/transposed.py), then records written as cards of 标签：值 lines rebuilt as a
            # table (connectors/cards.py).
            if isinstance(match, Unrecognised) and not match.undecided and (split := split_sheet(sheet)) is not None and (
                    again := _read_again(split[0], catalog, pinned)) is not None:
                sheet, (match, head) = split[0], again
                split_notes[(f, i)] = split[1]
            if isinstance(match, Unrecognised) and not match.undecided and (
                    by_direction := split_by_direction(sheet, head, catalog.amount_to_split(source_file))) is not None and (
                    again := _read_again(by_direction[0], catalog, pinned)) is not None:
                # the direction column was read (into the two amounts): not an unused column
                found, used = again[0], by_direction[2]
                sheet, head = by_direction[0], again[1]
                match = dataclasses.replace(found, unused=tuple(u for u in found.unused if u.strip() != used),
                                            labels={**found.labels, **by_direction[3]})
                split_notes[(f, i)] = by_direction[1]
            elif isinstance(match, Unrecognised) and not match.undecided and (choices := amount_choices(head)) is not None:
                match = _amount_undecided(sheet, head, choices, catalog, pinned) or match
            if isinstance(match, Unrecognised) and not match.undecided and (
                    swapped := transposed_sheet(sheet)) is not None and (
                    again := _read_again(swapped, catalog, pinned, swapped.rows)) is not None:
                sheet, match, last = swapped, name_subjects(again[0], swapped), _last_filled_row(swapped)
            cards: CardReading | None = None
            if isinstance(match, Unrecognised) and not match.undecided and (carded := card_sheet(sheet)) is not None and (
                    again := _read_again(carded[0], catalog, pinned)) is not None:
                sheet, match, cards = carded[0], again[0], carded[1]
                last = _last_filled_row(sheet)
            if isinstance(match, Unrecognised):
                unread.append((i, head, last, match))
                continue
            recognised.append(name)
            key = (match.spec.name, tuple(match.columns.items()), tuple(sorted(match.labels.items())), match.unused,
                   match.duplicates, tuple(sorted(match.composed.items())), sheet.frame is not None, match.wide,
                   sheet.transposed, sheet.source_rows is not None)
            groups.setdefault(key, []).append(_Member(f, i, sheet, name, source_file, last, match, cards))
        _report_unread(results[f], sheets, source_file, unread, recognised)
    for members in groups.values():
        for m, result in zip(members, _transform_group(members, today), strict=True):
            results[m.file][m.index] = result
    out = []
    for f, ((_, sheets), file_results) in enumerate(zip(files, results, strict=True)):
        done = [r for r in file_results if r is not None]
        for i, (sheet, result) in enumerate(zip(sheets, done, strict=True)):
            if (f, i) in split_notes:
                result.messages.insert(1, split_notes[(f, i)])
            if sheet.notes:  # what the reader noticed (wrong extension, formulas without values) comes first
                result.messages[:0] = sheet.notes
        out.append(done)
    return out


def _read_again(other: RawSheet, catalog: Catalog, pinned: str | None,
                head: list[list] | None = None) -> tuple[HeaderMatch, list[list]] | None:
    """An unrecognised sheet read another way (`other`): its header and the rows looked at for it
    (head_and_sample unless given), when recognised by the same scores; else None."""
    head = head_and_sample(other) if head is None else head
    found = detect_header(head, catalog, other.merges, only=pinned, margin=catalog.margin)
    return (found, head) if isinstance(found, HeaderMatch) else None


def _amount_undecided(sheet: RawSheet, head: list[list], choices: tuple[str, list[str]], catalog: Catalog,
                      pinned: str | None) -> Unrecognised | None:
    """A ledger with a 借/贷 direction column beside several amount columns, recognised when one of them is
    split by it: which one is not guessed; the reason names them and the xuncha.toml line that settles it.
    None when no choice makes the sheet readable (it stays unrecognised as it was)."""
    direction, amounts = choices
    readable = [a for a in amounts if (split := split_by_direction(sheet, head, a)) is not None
                and _read_again(split[0], catalog, pinned) is not None]
    if not readable:
        return None
    shown = "、".join(f"“{a}”" for a in amounts)
    others = "、".join(f'"{a}"' for a in readable[1:])
    return Unrecognised(
        f"本表“{direction}”列写借/贷方向，但有{len(amounts)}个金额列（{shown}），不确定按方向拆分哪一列，本表未读取。"
        f"请在 xuncha.toml 的 [connectors.split_amount] 中写明，例如：\"<文件名>\" = \"{readable[0]}\"",
        (f'[connectors.split_amount] "<文件名>" = "{readable[0]}"'
         + (f"  # 或 {others}" if others else "") + f"：按“{direction}”列拆分为借方、贷方的金额列",),
        undecided=True,
    )


def _report_unread(results: list[SheetResult | None], sheets: list[RawSheet], source_file: str,
                  unread: list[tuple[int, list[list], int, Unrecognised]], recognised: list[str]) -> None:
    """The file's sheets no header was recognised on: pages that are not data (instructions,
    summaries: connectors/set_aside.py) are set aside with what they are; the others are reported
    as unread data, with the closest kind and what it lacks."""
    aside: dict[int, SetAside] = {}
    for i, head, last, match in unread:
        found = None if match.undecided else classify(_sheet_name(sheets[i]), head, last, bool(recognised))
        if found is not None:
            aside[i] = found
    others = [_sheet_name(sheets[i]) for i, _, _, _ in unread if i not in aside]
    for i, _, last, match in unread:
        name = _sheet_name(sheets[i])
        if i in aside:
            results[i] = SheetResult(name, None, messages=[set_aside_message(aside[i], recognised, others)])
            continue
        reason = match.reason.replace("<文件名>", source_file)
        results[i] = SheetResult(name, None, messages=[reason + f"（本表共{last}行未读取）"],
                                 config_lines=[line.replace("<文件名>", source_file) for line in match.config_lines])


def _empty_person_names(spec, match: HeaderMatch, data: pl.DataFrame) -> list[str]:
    """A warning when the loaded rows' person names (成员姓名, 补贴对象姓名) are empty on every row: the
    checks by name cannot see these people. With columns that may be it (headers.py), the note
    saying which and the xuncha.toml line that settles it."""
    col = person_name_column(spec)
    if col is None or not data.height or col not in data.columns or data[col].null_count() < data.height:
        return []
    if match.notes:
        return [f"注意：{note}" for note in match.notes]
    label = spec.column(col).label
    where = "该列全部为空" if col in match.columns else "表中没有该列"
    return [f"注意：本表入库的{data.height}行“{label}”全部为空（{where}），按姓名的核对对这些人员无法进行"]


# Rows at the end of a column-wise sheet looked at before all of them (_last_filled_row)
LAST_ROWS_FIRST = 64


def _last_filled_row(sheet: RawSheet) -> int:
    """Rows up to the last one that is not blank (trailing blank rows are not part of the sheet)."""
    if sheet.frame is not None:
        frame = sheet.frame
        if frame.width == 0 or frame.height == 0:
            return 0
        # Most sheets end on a filled row: their last rows are looked at first, every row only when
        # those are all blank (stripping every cell of a city's 700 sheets took ~0.5 s of CPU).
        tail = max(0, frame.height - LAST_ROWS_FIRST)
        for start in (tail, 0) if tail else (0,):
            part = frame.slice(start)
            filled = part.select(pl.any_horizontal(
                [pl.col(c).str.strip_chars().fill_null("") != "" for c in part.columns]).alias("f"))["f"]
            hits = filled.arg_true()
            if len(hits):
                return start + int(hits[-1]) + 1
        return 0
    rows = sheet.rows
    last = len(rows)
    while last > 0 and _is_blank_row(rows[last - 1]):
        last -= 1
    return last


def _above_header(m: _Member) -> list[list]:
    """The lines stating the sheet's context: above its header (and, read transposed, above the table)."""
    return m.sheet.title_rows + m.sheet.rows[: m.match.header_rows[0]]


@dataclass
class _Member:
    file: int  # position among the files
    index: int  # position among the file's sheets
    sheet: RawSheet
    name: str
    source_file: str
    last: int  # rows up to the last filled one
    match: HeaderMatch
    cards: CardReading | None = None  # read as cards (connectors/cards.py)


class _RowCells:
    """The data rows of a group's sheets as lists of typed cells (workbooks), column by column."""

    def __init__(self, data: list[list]) -> None:
        self.width = max(map(len, data))
        if min(map(len, data)) < self.width:  # readers return rectangles; this is a safety net
            data = [r + [""] * (self.width - len(r)) for r in data]
        self.data = data
        self.n = len(data)

    def column(self, j: int, lossy: bool = False) -> tuple[pl.Series, bool, pl.Series | None]:
        """(cells as text, whether any cell was a number, and with `lossy` which cells were numbers
        too large to be exact)."""
        # Only the columns we use are pulled out of the row lists (C-speed itemgetter, not zip(*rows)).
        col = list(map(itemgetter(j), self.data))
        types = set(map(type, col))
        return _text_series(col, types), not types <= {str}, _lossy_mask(col, types) if lossy else None

    def raw(self, positions: pl.Series) -> list[pl.Series]:
        """Every column's cells as text at these row positions."""
        rows = [self.data[i] for i in positions.to_list()]
        return [_text_series(col) for col in zip(*rows, strict=True)] if rows else []


class _FrameCells:
    """The data rows of a group's sheets read column-wise (CSV): text columns, no numbers."""

    def __init__(self, frames: list[pl.DataFrame]) -> None:
        # Files of one layout may differ in trailing empty columns: diagonal fills them with nulls.
        self.frame = pl.concat(frames, how="diagonal") if len(frames) > 1 else frames[0]
        self.width = self.frame.width
        self.n = self.frame.height

    def column(self, j: int, lossy: bool = False) -> tuple[pl.Series, bool, pl.Series | None]:
        return self.frame.to_series(j), False, None

    def raw(self, positions: pl.Series) -> list[pl.Series]:
        return self.frame[positions].get_columns()


def _per_sheet(sheet_of: pl.Series, series: dict[str, pl.Series], mask: pl.Series | None = None) -> dict[int, list[tuple]]:
    """Rows (optionally only where mask) grouped by sheet: {sheet: [(values...), ...]} in row order."""
    frame = pl.DataFrame({"_s": sheet_of, **series})
    if mask is not None:
        frame = frame.filter(mask)
    out: dict[int, list[tuple]] = {}
    for row in frame.iter_rows():
        out.setdefault(row[0], []).append(row[1:])
    return out


def _transform_group(members: list[_Member], today: dt.date | None) -> list[SheetResult]:
    """Sheets sharing one header layout: normalised as one block of rows, accounted per sheet."""
    match = members[0].match
    spec = match.spec
    header_at_of = {id(m): "、".join(str(r + 1) for r in m.match.header_rows) for m in members}
    unit = "列" if members[0].sheet.transposed else "行"  # read transposed: a row is an original column
    results = []
    blocks: list = []  # per member with rows: its rows below the header (a list, or a frame slice)
    row_parts: list[pl.Series] = []
    sheet_parts: list[pl.Series] = []
    wide = match.wide
    wide_width = _wide_width(members) if wide is not None else 0
    yearless_parts: list[pl.Series] = []
    wide_years: dict[int, tuple[str, str]] = {}  # per sheet: the periods' year and its source (inspect)
    list_cols = sorted(j for c, j in match.columns.items() if c in member_columns(spec)) if wide is None else []
    mismatch_parts: dict[int, pl.Series] = {}  # per sheet with expanded lists: rows whose lists disagree
    for k, m in enumerate(members):
        # read as cards, the header row is rebuilt from the labels: no sheet row to show (xuncha inspect)
        result = SheetResult(m.name, spec.name, score=m.match.score, runner_up=m.match.runner_up,
                             header_rows=() if m.cards else m.match.header_rows, inferred=dict(m.match.inferred),
                             row_word=unit)
        hidden = "（隐藏工作表）" if m.sheet.hidden else ""
        if m.cards is not None:  # the header row is rebuilt from the cards' labels: no sheet row
            result.messages.append(f"识别为“{spec.label}”{hidden}")
            result.messages.extend(describe(m.cards, m.match))
        else:
            result.messages.append(f"识别为“{spec.label}”{hidden}（表头在第{header_at_of[id(m)]}{unit}）")
        if m.sheet.transposed:
            result.messages.append(TRANSPOSED_MESSAGE)
        if m.match.outscored:
            result.messages.append(m.match.outscored)
        if m.match.inferred:
            result.messages.append("按内容识别的列：" + "；".join(m.match.inferred.values()))
        if m.match.wide is not None:
            result.messages.append(m.match.wide.describe(m.match.labels))
        results.append(result)
        start = m.match.data_start
        if start >= m.last:
            result.messages.append("表头下没有数据行")
            continue
        if wide is not None:  # periods as columns: one row per payment (connectors/wide.py)
            if m.sheet.frame is not None:
                block = [list(r) for r in m.sheet.frame.slice(start, m.last - start).iter_rows()]
            else:
                block = m.sheet.rows[: m.last]
                _fill_merged_data(block, m.sheet.merges, start)
                block = block[start:]
            year = _wide_year(m, result) if wide.needs_year else None
            if year is not None:
                wide_years[k] = result.context["year"]
            out = unfold(block, start + 1, wide, year, wide_width)
            _wide_messages(result, out, match.labels, wide.totals)
            blocks.append(out.rows)
            row_parts.append(pl.Series(_source_rows(m.sheet, out.row_numbers), dtype=pl.Int32))
            sheet_parts.append(pl.repeat(k, len(out.rows), dtype=pl.Int32, eager=True))
            yearless_parts.append(pl.Series(out.yearless, dtype=pl.Boolean))
            continue
        if m.sheet.frame is not None:
            block = m.sheet.frame.slice(start, m.last - start)
        else:
            rows = m.sheet.rows[: m.last]
            _fill_merged_data(rows, m.sheet.merges, start)
            block = rows[start:]
        listed = _expand_lists(block, start + 1, list_cols, match.labels, result) if list_cols else None
        if listed is not None:  # members listed in one cell: one row per member (connectors/list_cells.py)
            blocks.append(listed.rows if m.sheet.frame is None else
                          pl.DataFrame(listed.rows, schema=block.schema, orient="row"))
            row_parts.append(pl.Series(_source_rows(m.sheet, listed.row_numbers), dtype=pl.Int32))
            sheet_parts.append(pl.repeat(k, len(listed.rows), dtype=pl.Int32, eager=True))
            mismatch_parts[k] = pl.Series(listed.mismatch, dtype=pl.Boolean)
            continue
        blocks.append(block)
        n_block = m.last - start
        if m.sheet.source_rows is not None:  # rebuilt from cards: each row's card's first sheet row
            row_parts.append(pl.Series(m.sheet.source_rows[start: m.last], dtype=pl.Int32))
        else:
            row_parts.append(pl.int_range(start + 1, start + 1 + n_block, dtype=pl.Int32, eager=True))
        sheet_parts.append(pl.repeat(k, n_block, dtype=pl.Int32, eager=True))
    if not blocks:
        return results
    if wide is not None:
        cells: _RowCells | _FrameCells = _RowCells([r for b in blocks for r in b])
        # the period and the amount of each payment sit in two columns appended after the sheet's
        match = dataclasses.replace(
            match, columns={**match.columns, wide.period_column: wide_width, wide.amount_column: wide_width + 1},
            labels={**match.labels, **_wide_labels(wide, match.labels, wide_width)})
    else:
        cells = _FrameCells(blocks) if members[0].sheet.frame is not None else _RowCells([r for b in blocks for r in b])
    width, n = cells.width, cells.n
    row_all = pl.concat(row_parts)
    sheet_all = pl.concat(sheet_parts)
    mismatch = (pl.concat([mismatch_parts.get(p[0], pl.repeat(False, len(p), dtype=pl.Boolean, eager=True))
                           for p in sheet_parts]) if mismatch_parts else None)

    mapped = {c: j for c, j in match.columns.items() if j < width}
    columns_found = {c: str(match.label_of(c) or c) for c in mapped}
    texts: dict[str, pl.Series] = {}
    lossy: dict[str, pl.Series | None] = {}
    numeric: dict[str, bool] = {}
    by_index: dict[int, pl.Series] = {}
    for canon, j in mapped.items():
        if canon in match.composed:  # a date written over 年, 月, 日 columns: one text to normalise
            parts = [cells.column(k)[0] for k in match.composed[canon]]
            texts[canon], numeric[canon], lossy[canon] = date_from_parts(parts), False, None
            continue
        texts[canon], numeric[canon], lossy[canon] = cells.column(j, spec.column(canon).kind in ("id", "code"))
        by_index[j] = texts[canon]
    marker_cols = [by_index[j] if j in by_index else cells.column(j)[0] for j in range(min(MARKER_COLUMNS, width))]

    skip_kind = content_totals(spec, texts, sheet_all, classify_rows(spec, match, texts, marker_cols, n))
    keep = skip_kind.is_null()
    # one sheet row unfolded into several payments (connectors/wide.py) is skipped once
    skipped = {k: list({row: kind for kind, row in rows}.values())
               for k, rows in _per_sheet(sheet_all, {"kind": skip_kind, "row": row_all}, ~keep).items()}
    counts_read = dict(sheet_all.filter(keep).value_counts().iter_rows())
    with_rows = set(sheet_all.unique().to_list())  # members with rows under the header
    for k, result in enumerate(results):
        if k not in with_rows:
            continue
        result.columns_found = dict(columns_found)
        result.rows_read = counts_read.get(k, 0)
        kinds = skipped.get(k, [])
        result.rows_skipped = len(kinds)
        if kinds:
            tally: dict[str, int] = {}
            for x in kinds:
                tally[x] = tally.get(x, 0) + 1
            parts = "、".join(f"{x}{c}行" for x, c in sorted(tally.items(), key=lambda kv: -kv[1]))
            result.messages.append(f"跳过{len(kinds)}行（{parts}）")

    keep_idx = keep.arg_true()
    row_no, sheet_of = row_all, sheet_all
    yearless = pl.concat(yearless_parts) if yearless_parts else None
    if len(keep_idx) < n:  # else every row is data: nothing to copy
        row_no, sheet_of = row_all.gather(keep_idx), sheet_all.gather(keep_idx)
        yearless = yearless.gather(keep_idx) if yearless is not None else None
        mismatch = mismatch.gather(keep_idx) if mismatch is not None else None
        texts = {c: s.gather(keep_idx) for c, s in texts.items()}
        lossy = {c: (x.gather(keep_idx) if x is not None else None) for c, x in lossy.items()}
    m = len(row_no)

    values: dict[str, pl.Series] = {}
    cleaned: dict[str, pl.Series] = {}
    reason_code = nulls(m, pl.String).alias("code")
    reason_col = nulls(m, pl.String).alias("col")
    warnings: dict[int, list[str]] = {}
    if spec.household:  # household cells written on the first row only (connectors/continuation.py)
        texts, household_notes = fill_household(spec, texts, sheet_of, row_no,
                                                 {c: str(match.label_of(c) or c) for c in mapped}, unit)
        for k, said in household_notes.items():
            warnings.setdefault(k, []).extend(said)

    def flag(mask: pl.Series, code: pl.Series | str, canon: str) -> None:
        nonlocal reason_code, reason_col
        fresh = mask & reason_code.is_null()
        if not fresh.any():
            return
        code_s = code if isinstance(code, pl.Series) else pl.repeat(code, m, dtype=pl.String, eager=True)
        reason_code = pl.select(pl.when(pl.lit(fresh)).then(pl.lit(code_s)).otherwise(pl.lit(reason_code))).to_series()
        reason_col = pl.select(pl.when(pl.lit(fresh)).then(pl.lit(canon)).otherwise(pl.lit(reason_col))).to_series()

    def warn(bad: pl.Series, codes: pl.Series | None, text) -> None:
        """A warning per sheet naming its rows: text(count, codes, rows shown)."""
        by_sheet = _per_sheet(sheet_of, {"row": row_no, "code": codes if codes is not None else
                                         pl.repeat(None, m, dtype=pl.String, eager=True)}, bad)
        for k, rows in by_sheet.items():
            where = [r[0] for r in rows]
            found = sorted({r[1] for r in rows if r[1] is not None})
            warnings.setdefault(k, []).append(text(len(where), found, rows_list(where, each_named=False)))

    rows_in = dict(sheet_of.value_counts().iter_rows())
    # Required columns missing from the header: every row is quarantined (nothing can be loaded).
    for canon in sorted(spec.required - set(mapped)):
        label = spec.column(canon).label
        for k, result in enumerate(results):
            if k in with_rows:
                result.messages.append(f"缺少必需列“{label}”，本表所有数据行已隔离")
                result.problems[canon] = {"missing_column": rows_in.get(k, 0)}
        flag(pl.repeat(True, m, eager=True), "missing_column", canon)
    if mismatch is not None and mismatch.any():  # 3 names, 2 IDs: no alignment is guessed
        flag(mismatch, MISMATCH, min(member_columns(spec) & set(mapped)))
    if wide is not None and yearless is not None and yearless.any():  # 3月 with no year anywhere: not guessed
        flag(yearless, "period_no_year", wide.period_column)
    if wide is not None:
        for k, result in enumerate(results):
            if k in with_rows:
                sheet_rows = row_no.filter(sheet_of == k).n_unique()
                result.messages.append(f"本表{sheet_rows}行数据按期间列展开为{rows_in.get(k, 0)}笔发放"
                                       "（读取、入库、隔离均按笔计）")

    contexts_made: list = []

    def contexts() -> list:
        """What each sheet states outside its columns (title lines, sheet, file and folder names)."""
        if not contexts_made:
            contexts_made.append([sheet_context(_above_header(mem), mem.name, mem.source_file)
                                  for mem in members])
        return contexts_made[0]

    def note(mask: pl.Series, text) -> None:
        """A note per sheet (not a problem): text(count, rows shown, sheet index)."""
        for k, rows in _per_sheet(sheet_of, {"row": row_no}, mask).items():
            where = [r[0] for r in rows]
            warnings.setdefault(k, []).append(text(len(where), rows_list(where, each_named=False), k))

    def read_beyond_dates(canon: str, kind: str, v: pl.Series, p: pl.Series) -> tuple[pl.Series, pl.Series]:
        """Date cells whose meaning is known though no date (connectors/values.py), with their notes."""
        label = match.labels[mapped[canon]]
        r = read_unread_dates(texts[canon], v, p, kind == "month", canon in open_end_columns(),
                              lambda: context_values(contexts(), {"year"}, sheet_of).get("year"))
        if r.open_end is not None:
            words = "、".join(f"“{w}”" for w in r.open_end_words)
            note(r.open_end, lambda count, rows, k: f"“{label}”列有{count}个值写作{words}，表示尚未结束，按无日期读取")
        if r.two_digit is not None:
            shown = texts[canon].filter(r.two_digit).head(1).to_list()
            note(r.two_digit, lambda count, rows, k: f"“{label}”列有{count}个值的年份只写了两位（如“{shown[0]}”），"
                 "按年在前读取（不晚于今年的为20xx年，否则为19xx年）")
        if r.settled is not None:
            ys = contexts()
            note(r.settled, lambda count, rows, k: f"“{label}”列有{count}个值（如“12.03”这样前一个数不大于12的写法）"
                 f"年、月次序本有歧义，因与{ys[k].values['year'].source}的年份（{ys[k].values['year'].value}年）"
                 "末两位一致，按年在前读取")
        what = "月份" if kind == "month" else "月、日"
        if r.completed is not None:
            cs = contexts()
            note(r.completed, lambda count, rows, k: f"“{label}”列有{count}个值只写了{what}，"
                 f"年份取自{cs[k].values['year'].source}（{cs[k].values['year'].value}年）")
        if r.yearless is not None:
            note(r.yearless, lambda count, rows, k: f"“{label}”列有{count}个值只写了{what}、未写年份，标题、表名、"
                 f"文件名和文件夹名中都找不到唯一的年份，无法补全（第{rows}行）")
        return r.values, r.problems

    order = sorted(mapped, key=lambda c: (c not in spec.required, c not in spec.strict_ids, list(mapped).index(c)))
    for canon in order:
        kind = spec.column(canon).kind
        v, p, cleaned[canon] = normalise_column(texts[canon], "code" if canon == "village_code" else kind,
                                                lossy[canon], today, numeric[canon])
        if kind in ("date", "month"):
            v, p = read_beyond_dates(canon, kind, v, p)
        if canon in match.scales:  # 年租金（万元）, 面积（公顷）: the header's unit, converted (said in the message)
            unit_word, factor = match.scales[canon]
            v = (v * factor).round(2 if kind == "yuan" else 4)  # money to the 分; area as precise as it was
            for k in with_rows:
                results[k].messages.append(f"“{match.label_of(canon)}”列以{unit_word}计，已乘以{factor:g}"
                                           f"换算为{KIND_UNITS[kind]}读入")
        values[canon] = v
        if kind == "month" and "period_start" in spec.table.column_names:
            # 2024年度, 2024年第二季度: not a month, but a period the row pays for (connectors/periods.py)
            values["period_start"], values["period_end"] = period_columns(texts[canon], v)
            several = (values["period_start"] != values["period_end"]).fill_null(False)
            if several.any():  # 2024.7-12: a period of several months, no pay month
                values[canon] = v = v.zip_with(~several, pl.repeat(None, len(v), dtype=v.dtype, eager=True))
            p = pl.select(pl.when(pl.lit(values["period_start"]).is_null()).then(pl.lit(p))).to_series()
        label = match.label_of(canon)
        if p.null_count() < m:
            for k, found in _per_sheet(sheet_of, {"p": p}, p.is_not_null()).items():
                tally: dict[str, int] = {}
                for (code,) in found:
                    tally[code] = tally.get(code, 0) + 1
                results[k].problems[canon] = tally
        always = p.is_in(list(QUARANTINE_ALWAYS)).fill_null(False)
        if always.any():  # a row that cannot be read at all (an amount of no direction): quarantined in any column
            flag(always, p, canon)
            p = p.zip_with(~always, nulls(m, pl.String))
        if canon in spec.required:
            empty_code = "missing_required"
            p = pl.select(
                pl.when(pl.lit(v).is_null() & (pl.lit(p).is_null() | (pl.lit(p) == "id_missing")))
                .then(pl.lit(empty_code)).otherwise(pl.lit(p))
            ).to_series()
            flag(p.is_not_null(), p, canon)
            continue
        if kind == "id":
            p = pl.select(pl.when(pl.lit(p) == "id_missing").then(None).otherwise(pl.lit(p))).to_series()
            if canon in spec.strict_ids:
                flag(p.is_not_null(), p, canon)
                continue
        if canon in spec.lossy_numeric_quarantine:
            flag(p.is_not_null(), p, canon)
            continue
        bad = p.is_not_null()
        if bad.any():
            warn(bad, p, lambda count, codes, shown, label=label:
                 f"“{label}”列有{count}个值{'、'.join(REASONS.get(c, c) for c in codes)}，已置为空（第{shown}行）")
    if "village_code" in values:
        vc = values["village_code"]
        bad = vc.is_not_null() & ~vc.str.contains(r"^[0-9]{12}$")
        if bad.any():
            label = match.labels[mapped["village_code"]]
            warn(bad, None, lambda count, codes, shown, label=label:
                 f"“{label}”列有{count}个值不是12位区划代码，已置为空（第{shown}行）")
            values["village_code"] = pl.select(pl.when(pl.lit(bad)).then(None).otherwise(pl.lit(vc))).to_series()

    # Year, period, town and village the header lacks: from the title lines, sheet, file and folder names.
    fields = wanted_fields(spec.table.column_names, spec.table.has_village, set(mapped), spec.name == "village_basics")
    if fields and m:
        values.update(context_values(contexts(), fields, sheet_of))
        for k, result in enumerate(results):
            if k in with_rows:
                result.messages.extend(contexts()[k].messages(fields))
                result.context = {f: (v.value, v.source) for f, v in contexts()[k].values.items() if f in fields}
                said = contexts()[k].values.keys() | contexts()[k].conflicts.keys()
                if "village_raw" in fields and "village_raw" not in said:
                    result.village_hint = village_hint(members[k].name)
        for f, (block_column, per_sheet) in _block_context(fields, skip_kind, marker_cols, sheet_all, keep_idx, n).items():
            values[f] = block_column if f not in values else pl.select(
                pl.when(pl.lit(block_column).is_not_null()).then(pl.lit(block_column)).otherwise(pl.lit(values[f]))
            ).to_series()
            for k, blocks in per_sheet.items():
                if k in with_rows:
                    results[k].messages.append(f"{FIELDS[f]}按表内{blocks}个分块各自的标题行取值（该行以下至下一块）")

    quarantined = reason_code.is_not_null()
    names = [mem.name for mem in members]
    files = [mem.source_file for mem in members]
    quarantine: dict[int, pl.DataFrame] = {}
    if quarantined.any():
        positions = keep_idx.filter(quarantined)
        frame = quarantine_frame(spec, match, cells.raw(positions), row_no, sheet_of, names, quarantined,
                                  reason_code, reason_col, files, values, cleaned, row_word=unit)
        quarantine = {key[0]: f.drop("_s") for key, f in frame.partition_by("_s", as_dict=True, maintain_order=True).items()}
    loaded = data_frame(spec, values, ~quarantined, row_no, sheet_of, names, files)
    loaded_parts = ({0: loaded.drop("_s")} if len(members) == 1 else
                    {key[0]: f.drop("_s") for key, f in loaded.partition_by("_s", as_dict=True, maintain_order=True).items()})
    empty = loaded.clear().drop("_s")
    for k, result in enumerate(results):
        if k not in with_rows:
            continue
        q = quarantine.get(k)
        result.rows_quarantined = q.height if q is not None else 0
        result.rows_loaded = result.rows_read - result.rows_quarantined
        if q is not None:
            result.quarantine = q
            tally: dict[str, int] = {}
            for code in q["reason_code"].to_list():
                tally[code] = tally.get(code, 0) + 1
            parts = "、".join(f"{REASONS.get(c, c)}{x}行" for c, x in sorted(tally.items(), key=lambda kv: -kv[1]))
            result.messages.append(f"隔离{result.rows_quarantined}行（{parts}）")
        result.messages.extend(warnings.get(k, []))
        if match.unused:  # a very wide sheet has thousands: the first ones say enough
            more = f"等{len(match.unused)}列" if len(match.unused) > 20 else ""
            result.messages.append("未使用的列：" + "、".join(match.unused[:20]) + more)
            hints, hint_lines = unread_hints(spec, match.unused)  # SFZH over values that are no IDs
            result.messages += hints
            result.config_lines += hint_lines
        if match.duplicates:
            result.messages.append("与前面的列同义而未使用的列：" + "、".join(match.duplicates))
        result.data = loaded_parts.get(k, empty)
        if k in wide_years:
            result.context.setdefault("year", wide_years[k])
        result.messages += _empty_person_names(spec, match, result.data)
        placeless, placeless_lines = villageless_note(spec.name, spec.table.has_village, match.unused, result.data)
        result.messages += placeless
        result.config_lines += placeless_lines
        if match.unused:
            mem = members[k]
            below = mem.sheet.rows[mem.match.header_rows[-1] + 1: mem.match.header_rows[-1] + 1 + PROFILE_ROWS]
            result.messages += family_cell_notes(match.labels, match.unused, below)
        result.config_lines += list(match.config_lines)
    return results




def _source_rows(sheet: RawSheet, numbers: list[int]) -> list[int]:
    """Row numbers (1-based) of a sheet as rows of its original: the same unless it was rebuilt from
    another layout (cards: connectors/cards.py)."""
    if sheet.source_rows is None:
        return numbers
    return [sheet.source_rows[r - 1] for r in numbers]


def _expand_lists(block, first_row: int, columns: list[int], labels: dict[int, str], result: SheetResult):
    """A sheet's rows with one row per member where member cells list several persons, with its
    messages; None when no cell does."""
    if not isinstance(block, list) and not any(  # a CSV read as text columns: rows built only if a cell lists
            block.to_series(j).str.contains(LIST_SEPARATORS + r"|\s").any() for j in columns if j < block.width):
        return None
    rows = block if isinstance(block, list) else [list(r) for r in block.iter_rows()]
    out = expand(rows, first_row, columns)
    if out is None:
        return None
    words = "、".join(f"“{labels[j]}”" for j in columns if j in labels)
    result.messages.append(f"{words}在同一格内列出多名成员：{out.households}户按位置拆分为每名成员一行"
                           f"（共{out.members}行；读取、入库、隔离均按成员计，行号仍为表中原行号）")
    if out.mismatched:
        result.messages.append(mismatch_message(out.mismatched, labels))
    return out


def _wide_labels(wide, labels: dict[int, str], at: int) -> dict[int, str]:
    """Headers of the two columns a wide sheet's payments get (connectors/wide.py), shown in messages,
    quarantine and inspect: “1月”至“12月”的表头 (the period), …的金额 (the cell)."""
    span = f"“{labels.get(wide.periods[0][0], '')}”至“{labels.get(wide.periods[-1][0], '')}”"
    return {at: f"{span}的表头", at + 1: f"{span}的金额"}


def _wide_width(members: list[_Member]) -> int:
    """Columns every unfolded row is padded to: the widest header or data row of the group's sheets."""
    width = max(len(m.match.labels) for m in members)
    for m in members:
        if m.sheet.frame is not None:
            width = max(width, m.sheet.frame.width)
        else:
            width = max([width, *map(len, m.sheet.rows[m.match.data_start: m.last])])
    return width


def _wide_year(m: _Member, result: SheetResult) -> int | None:
    """The year of period headers that name none (1月): the sheet's context (title lines, sheet, file and
    folder names), said in the sheet message; None when no single year is stated (the payments are
    quarantined, never given a guessed year)."""
    ctx = sheet_context(_above_header(m), m.name, m.source_file)
    found = ctx.values.get("year")
    if found is not None:
        result.messages.append(f"期间列表头未写年份，年份取自{found.source}（{found.value}年）")
        result.context["year"] = (found.value, found.source)
        return int(found.value)
    seen = "、".join(f"{x.source}为{x.value}" for x in ctx.conflicts.get("year", []) + list(ctx.year_ranges))
    result.messages.append("期间列表头未写年份，标题、表名、文件名和文件夹名中" +
                           (f"年份不一致（{seen}）" if seen else "都找不到年份") +
                           "，无法确定发放年份，各笔发放已隔离；请在标题或表名中注明年份（如“2024年”），"
                           "或把表头写成“2024年1月”")
    return None


def _wide_messages(result: SheetResult, out, labels: dict[int, str], totals: tuple[int, ...]) -> None:
    if not out.mismatched:
        return
    label = labels.get(totals[-1], "合计")
    shown = "、".join(f"第{row}行（各期间之和{total_sum:g}元，“{label}”{total:g}元）"
                      for row, total_sum, total in out.mismatched[:5])
    more = f"等{len(out.mismatched)}行" if len(out.mismatched) > 5 else ""
    result.messages.append(f"“{label}”列与各期间金额之和不符：{shown}{more}；按各期间列入库，“{label}”列未入库")
