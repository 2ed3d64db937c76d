"""One raw sheet -> rows of a canonical table plus quarantined rows, with the sheet's row accounting.

Pure: no database, no village reference (villages.py fills village_code afterwards), so sheets and
files can be transformed in parallel. Every data row below the header ends up in exactly one of
loaded, quarantined or skipped (blank, totals, notes, repeated header); the message says which.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from operator import itemgetter

import polars as pl

from connectors.catalog import Catalog, ExtractSpec
from connectors.headers import MAX_HEADER_SCAN, HeaderMatch, Unrecognised, detect_header
from connectors.normalize import LOSSY_NUMBER, REASONS, dtype_of, normalise_column
from connectors.readers import RawSheet
from connectors.schema import QUARANTINE_COLUMNS, VILLAGE_KEYS

# Totals and notes are recognised in the first few columns only: further right, free text (摘要)
# may legitimately contain these words.
MARKER_COLUMNS = 4
_TOTALS = r"合计|总计|小计|本页合计|本月合计|本年累计|累计发生额"
_NOTES = (r"^(填表人|填报人|制表人|制表|审核人|审核|审批人|复核人|复核|负责人|单位负责人|分管领导|经办人|联系人|"
          r"联系电话|填表日期|填报日期|制表日期|报送日期|备注|说明|注|会计|主管会计|出纳|记账|记账人|"
          r"财务负责人|报账员|单位盖章|盖章|签字|发放单位|填报单位|制表单位|报送单位|单位)"
          r"(?:[(（]盖章[)）])?[:：]|^第\d+页|^共\d+页")
# A row under the header holding only units ("（亩）", "元/亩") is the header's second line.
_UNITS = r"^[(（]?(?:亩|元|元/亩|元／亩|人|户|个|万元|公顷|平方米|%|％|年|月|日)[)）]?$"
_WS = r"[\s\u3000\u00a0]"
_VILLAGE_RAW_KEYS = ("town_raw", "village_raw", "village_code")


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

    @property
    def message(self) -> str:
        return "；".join(self.messages)


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


def _rows_list(rows: list[int], limit: int = 5) -> str:
    shown = "、".join(str(r) for r in rows[:limit])
    return shown + (f"等{len(rows)}行" if len(rows) > limit else "")


def transform_files(files: list[tuple[str, list[RawSheet]]], catalog: Catalog,
                    today: dt.date | None = None) -> list[list[SheetResult]]:
    """Every sheet of these files, one result each (per file, in sheet order). Sheets with the same
    header layout (one sheet per town or per village, or a hundred towns' ledger exports) are
    normalised together: the work per sheet is then a handful of operations instead of a hundred,
    which matters for a workbook of 200 small sheets or an inbox of 100 small files."""
    results: list[list[SheetResult | None]] = [[None] * len(sheets) for _, sheets in files]
    groups: dict[tuple, list[_Member]] = {}
    for f, (source_file, sheets) in enumerate(files):
        for i, sheet in enumerate(sheets):
            name = _sheet_name(sheet)
            last = _last_filled_row(sheet)
            if last == 0:
                results[f][i] = SheetResult(name, None, messages=["空工作表，无数据"])
                continue
            match = detect_header(sheet.rows[: MAX_HEADER_SCAN + 1], catalog, sheet.merges)
            if isinstance(match, Unrecognised):
                results[f][i] = SheetResult(name, None, messages=[match.reason + f"（本表共{last}行未读取）"])
                continue
            key = (match.spec.name, tuple(match.columns.items()), tuple(sorted(match.labels.items())), match.unused,
                   match.duplicates, sheet.frame is not None)
            groups.setdefault(key, []).append(_Member(f, i, sheet, name, source_file, last, match))
    for members in groups.values():
        for m, result in zip(members, _transform_group(members, today), strict=True):
            results[m.file][m.index] = result
    out = []
    for (_, sheets), file_results in zip(files, results, strict=True):
        done = [r for r in file_results if r is not None]
        for sheet, result in zip(sheets, done, strict=True):
            if sheet.notes:  # what the reader noticed (wrong extension, formulas without values) comes first
                result.messages[:0] = sheet.notes
        out.append(done)
    return out


def _last_filled_row(sheet: RawSheet) -> int:
    """Rows up to the last one that is not blank (trailing blank rows are not part of the sheet)."""
    if sheet.frame is not None:
        frame = sheet.frame
        if frame.width == 0 or frame.height == 0:
            return 0
        filled = frame.select(pl.any_horizontal(
            [pl.col(c).str.strip_chars().fill_null("") != "" for c in frame.columns]).alias("f"))["f"]
        hits = filled.arg_true()
        return int(hits[-1]) + 1 if len(hits) else 0
    rows = sheet.rows
    last = len(rows)
    while last > 0 and _is_blank_row(rows[last - 1]):
        last -= 1
    return last


@dataclass
class _Member:
    file: int  # position among the files
    index: int  # position among the file's sheets
    sheet: RawSheet
    name: str
    source_file: str
    last: int  # rows up to the last filled one
    match: HeaderMatch


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
        return [_text_series(col) for col in zip(*rows)] if rows else []


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
    results = []
    blocks: list = []  # per member with rows: its rows below the header (a list, or a frame slice)
    row_parts: list[pl.Series] = []
    sheet_parts: list[pl.Series] = []
    for k, m in enumerate(members):
        result = SheetResult(m.name, spec.name)
        hidden = "（隐藏工作表）" if m.sheet.hidden else ""
        result.messages.append(f"识别为“{spec.label}”{hidden}（表头在第{header_at_of[id(m)]}行）")
        results.append(result)
        start = m.match.data_start
        if start >= m.last:
            result.messages.append("表头下没有数据行")
            continue
        if m.sheet.frame is not None:
            blocks.append(m.sheet.frame.slice(start, m.last - start))
        else:
            rows = m.sheet.rows[: m.last]
            _fill_merged_data(rows, m.sheet.merges, start)
            blocks.append(rows[start:])
        n_block = m.last - start
        row_parts.append(pl.int_range(start + 1, start + 1 + n_block, dtype=pl.Int32, eager=True))
        sheet_parts.append(pl.repeat(k, n_block, dtype=pl.Int32, eager=True))
    if not blocks:
        return results
    cells = _FrameCells(blocks) if members[0].sheet.frame is not None else _RowCells([r for b in blocks for r in b])
    width, n = cells.width, cells.n
    row_all = pl.concat(row_parts)
    sheet_all = pl.concat(sheet_parts)

    mapped = {c: j for c, j in match.columns.items() if j < width}
    columns_found = {c: str(match.labels.get(j) or c) for c, j in mapped.items()}
    texts: dict[str, pl.Series] = {}
    lossy: dict[str, pl.Series | None] = {}
    numeric: dict[str, bool] = {}
    by_index: dict[int, pl.Series] = {}
    for canon, j in mapped.items():
        texts[canon], numeric[canon], lossy[canon] = cells.column(j, spec.column(canon).kind in ("id", "code"))
        by_index[j] = texts[canon]
    marker_cols = [by_index[j] if j in by_index else cells.column(j)[0] for j in range(min(MARKER_COLUMNS, width))]

    skip_kind = _classify_rows(spec, match, texts, marker_cols, n)
    keep = skip_kind.is_null()
    skipped = _per_sheet(sheet_all, {"kind": skip_kind}, ~keep)
    counts_read = dict(sheet_all.filter(keep).value_counts().iter_rows())
    with_rows = set(sheet_all.unique().to_list())  # members with rows under the header
    for k, result in enumerate(results):
        if k not in with_rows:
            continue
        result.columns_found = dict(columns_found)
        result.rows_read = counts_read.get(k, 0)
        kinds = [r[0] for r in skipped.get(k, [])]
        result.rows_skipped = len(kinds)
        if kinds:
            tally: dict[str, int] = {}
            for x in kinds:
                tally[x] = tally.get(x, 0) + 1
            parts = "、".join(f"{x}{c}行" for x, c in sorted(tally.items(), key=lambda kv: -kv[1]))
            result.messages.append(f"跳过{len(kinds)}行（{parts}）")

    keep_idx = keep.arg_true()
    row_no, sheet_of = row_all, sheet_all
    if len(keep_idx) < n:  # else every row is data: nothing to copy
        row_no, sheet_of = row_all.gather(keep_idx), sheet_all.gather(keep_idx)
        texts = {c: s.gather(keep_idx) for c, s in texts.items()}
        lossy = {c: (x.gather(keep_idx) if x is not None else None) for c, x in lossy.items()}
    m = len(row_no)

    values: dict[str, pl.Series] = {}
    cleaned: dict[str, pl.Series] = {}
    reason_code = _nulls(m, pl.String).alias("code")
    reason_col = _nulls(m, pl.String).alias("col")
    warnings: dict[int, list[str]] = {}

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
            warnings.setdefault(k, []).append(text(len(where), found, _rows_list(where)))

    rows_in = dict(sheet_of.value_counts().iter_rows())
    # Required columns missing from the header: every row is quarantined (nothing can be loaded).
    for canon in sorted(spec.required - set(mapped)):
        label = spec.column(canon).label
        for k, result in enumerate(results):
            if k in with_rows:
                result.messages.append(f"缺少必需列“{label}”，本表所有数据行已隔离")
                result.problems[canon] = {"missing_column": rows_in.get(k, 0)}
        flag(pl.repeat(True, m, eager=True), "missing_column", canon)

    order = sorted(mapped, key=lambda c: (c not in spec.required, c not in spec.strict_ids, list(mapped).index(c)))
    for canon in order:
        kind = spec.column(canon).kind
        v, p, cleaned[canon] = normalise_column(texts[canon], "code" if canon == "village_code" else kind,
                                                lossy[canon], today, numeric[canon])
        values[canon] = v
        label = match.labels[mapped[canon]]
        if p.null_count() < m:
            for k, found in _per_sheet(sheet_of, {"p": p}, p.is_not_null()).items():
                tally: dict[str, int] = {}
                for (code,) in found:
                    tally[code] = tally.get(code, 0) + 1
                results[k].problems[canon] = tally
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

    quarantined = reason_code.is_not_null()
    names = [mem.name for mem in members]
    files = [mem.source_file for mem in members]
    quarantine: dict[int, pl.DataFrame] = {}
    if quarantined.any():
        positions = keep_idx.filter(quarantined)
        frame = _quarantine_frame(spec, match, cells.raw(positions), row_no, sheet_of, names, quarantined,
                                  reason_code, reason_col, files, values, cleaned)
        quarantine = {key[0]: f.drop("_s") for key, f in frame.partition_by("_s", as_dict=True, maintain_order=True).items()}
    loaded = _data_frame(spec, values, ~quarantined, row_no, sheet_of, names, files)
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
        if match.duplicates:
            result.messages.append("与前面的列同义而未使用的列：" + "、".join(match.duplicates))
        result.data = loaded_parts.get(k, empty)
    return results


def _classify_rows(spec: ExtractSpec, match: HeaderMatch, texts: dict[str, pl.Series],
                   marker_cols: list[pl.Series], n: int) -> pl.Series:
    """Per data row: null for a data row, else why it is skipped (空行/合计行/表尾说明/重复表头).

    Only rows that could be skipped are examined closely: with an ID column, a data row has an ID
    that is not the header's own text, and that check is cheap; the regexes run on the rest.
    """
    frame = pl.DataFrame({f"m{i}": s for i, s in enumerate(marker_cols)} | {f"c_{k}": s for k, s in texts.items()})
    label_of = {k: match.labels[match.columns[k]].replace(" ", "").replace("\n", "") for k in texts}
    id_cols = [k for k in texts if spec.column(k).kind == "id"]
    if id_cols:
        empty_id = pl.all_horizontal([pl.col(f"c_{k}").str.strip_chars().fill_null("") == "" for k in id_cols])
        as_header = pl.any_horizontal([pl.col(f"c_{k}").str.strip_chars() == label_of[k] for k in id_cols])
        candidates = frame.select((empty_id | as_header.fill_null(False)).alias("c"))["c"].arg_true()
        if len(candidates) == 0:
            return pl.repeat(None, n, dtype=pl.String, eager=True)
        sub = frame[candidates]
    else:
        candidates, sub = None, frame
    # White space removed once into columns of their own: as expressions repeated inside the
    # conditions below, polars evaluated them again and again (25 ms instead of 3 on a ledger).
    names = sub.columns
    sub = sub.select([pl.col(c).str.replace_all(_WS, "").alias(f"s{i}") for i, c in enumerate(names)]
                     + [pl.col(f"c_{k}").alias(f"c_{k}") for k in id_cols])
    stripped = {c: pl.col(f"s{i}") for i, c in enumerate(names)}
    filled_cols = [(stripped[c].is_not_null() & (stripped[c] != "")).alias(f"f{i}") for i, c in enumerate(names)]
    sub = sub.with_columns(filled_cols)
    filled = [pl.col(f"f{i}") for i in range(len(names))]
    blank = ~pl.any_horizontal(filled)
    markers = [stripped[f"m{i}"] for i in range(len(marker_cols))]
    no_id = pl.all_horizontal([pl.col(f"c_{k}").str.strip_chars().fill_null("") == "" for k in id_cols]) if id_cols else pl.lit(True)
    totals = pl.any_horizontal([mk.str.contains(_TOTALS).fill_null(False) for mk in markers]) if markers else pl.lit(False)
    notes = pl.any_horizontal([mk.str.contains(_NOTES).fill_null(False) for mk in markers]) if markers else pl.lit(False)
    units_only = pl.any_horizontal(filled) & pl.all_horizontal(
        [~f | stripped[c].str.contains(_UNITS).fill_null(False) for f, c in zip(filled, names, strict=True)]
    )
    header_eq = [(stripped[f"c_{k}"] == label_of[k]).fill_null(False).cast(pl.Int32) for k in texts]
    repeat = (pl.sum_horizontal(header_eq) >= max(2, (len(header_eq) + 1) // 2)) if header_eq else pl.lit(False)
    kind = (
        pl.when(blank).then(pl.lit("空行"))
        .when(repeat).then(pl.lit("重复表头"))
        .when(units_only & no_id).then(pl.lit("表头单位行"))
        .when(totals & no_id).then(pl.lit("合计行"))
        .when(notes & no_id).then(pl.lit("表尾说明"))
        .otherwise(None)
    )
    result = sub.select(kind.alias("skip"))["skip"]
    if candidates is None:
        return result
    return pl.repeat(None, n, dtype=pl.String, eager=True).scatter(candidates, result)


def _quarantine_frame(spec, match, raw_columns, row_no, sheet_of, names, quarantined, reason_code, reason_col,
                      files, values, cleaned):
    """Quarantined rows with every raw cell kept (JSON keyed by header), and a reason naming row and column.

    Also carries the row's cleaned failing value and its village keys (town_raw, village_raw,
    village_code as written) so villages.assign can give quarantined rows their village too.
    Vectorised: a file whose IDs were all stored as numbers quarantines every row. `raw_columns`:
    the quarantined rows' cells as text, column by column; column _s: the row's sheet (index into `names`).
    """
    rows = row_no.filter(quarantined)
    sheets = sheet_of.filter(quarantined)
    k = len(rows)
    width = len(raw_columns)
    # Raw cells as text, keyed by header (made unique: two columns may share a header text).
    keys: list[str] = []
    raw_cols: dict[str, pl.Series] = {}
    for j, col in enumerate(raw_columns):
        key = match.labels.get(j) or f"第{j + 1}列"
        while key in raw_cols:
            key += f"#{j + 1}"
        keys.append(key)
        text = col.str.replace(r"^(-?\d+)\.0$", "${1}")
        raw_cols[key] = pl.select(pl.when(pl.lit(text) == "").then(None).otherwise(pl.lit(text))).to_series()
    raw = pl.DataFrame(raw_cols) if raw_cols else pl.DataFrame({"_": _nulls(k, pl.String)})
    raw_json = raw.select(pl.struct(pl.all()).struct.json_encode()).to_series() if width else pl.repeat("{}", k, eager=True)

    canon_s = reason_col.filter(quarantined)
    code_s = reason_code.filter(quarantined)
    canons = sorted(set(canon_s.to_list()))
    label_of = {c: (match.labels.get(match.columns[c]) if c in match.columns else None) or spec.column(c).label
                for c in canons}
    shown = pl.repeat(None, k, dtype=pl.String, eager=True)
    cleaned_value = pl.repeat(None, k, dtype=pl.String, eager=True)
    for c in canons:
        is_c = canon_s == c
        if c in match.columns:
            key = keys[match.columns[c]] if match.columns[c] < len(keys) else None
            if key is not None:
                shown = pl.select(pl.when(pl.lit(is_c)).then(pl.lit(raw[key])).otherwise(pl.lit(shown))).to_series()
        if c in cleaned:
            cv = cleaned[c].filter(quarantined)
            cleaned_value = pl.select(pl.when(pl.lit(is_c)).then(pl.lit(cv)).otherwise(pl.lit(cleaned_value))).to_series()
    frame = pl.DataFrame({
        "row": rows, "canon": canon_s, "code": code_s, "shown": shown, "raw_json": raw_json, "cleaned": cleaned_value,
    })
    reason = pl.concat_str([
        pl.lit("第"), pl.col("row").cast(pl.String), pl.lit("行“"),
        pl.col("canon").replace_strict(label_of, return_dtype=pl.String), pl.lit("”列："),
        pl.col("code").replace_strict(REASONS, default=pl.col("code"), return_dtype=pl.String),
        pl.when(pl.col("shown").is_not_null()).then(pl.concat_str([pl.lit("（原值："), pl.col("shown"), pl.lit("）")]))
        .otherwise(pl.lit("")),
    ])
    village = {
        key: (values[key].filter(quarantined).cast(pl.String) if key in values
              else _nulls(k, pl.String))
        for key in _VILLAGE_RAW_KEYS
    }
    out = frame.select(
        _of_sheet(sheets, files).alias("source_file"),
        _of_sheet(sheets, names).alias("source_sheet"),
        pl.col("row").cast(pl.Int32).alias("source_row"),
        pl.lit(spec.name, dtype=pl.String).alias("extract"),
        pl.lit(spec.table.name, dtype=pl.String).alias("table_name"),
        pl.col("canon").alias("column_name"),
        pl.col("code").alias("reason_code"),
        reason.alias("reason"),
        pl.col("raw_json"),
        pl.col("cleaned").alias("cleaned_value"),
    )
    return out.with_columns(village["village_code"].alias("village_code")).select(QUARANTINE_COLUMNS).with_columns(
        village["town_raw"].alias("town_raw"), village["village_raw"].alias("village_raw"), sheets.alias("_s"))


def _nulls(n: int, dtype: pl.DataType) -> pl.Series:
    """n nulls (not from a Python list of n Nones: 80 ms for 770,000)."""
    return pl.repeat(None, n, dtype=dtype, eager=True)


def _of_sheet(sheet_of: pl.Series, values: list[str]) -> pl.Series:
    """Per row, the value of its sheet (sheet_of: index into `values`)."""
    if len(set(values)) == 1:
        return pl.repeat(values[0], len(sheet_of), dtype=pl.String, eager=True)
    return sheet_of.replace_strict(list(range(len(values))), values, return_dtype=pl.String)


def _data_frame(spec: ExtractSpec, values: dict[str, pl.Series], keep: pl.Series, row_no: pl.Series,
                sheet_of: pl.Series, names: list[str], files: list[str]) -> pl.DataFrame:
    """The rows to load, with provenance; column _s: the row's sheet (index into `names`)."""
    k = int(keep.sum())
    cols: dict[str, pl.Series] = {}
    table_cols = list(spec.table.columns)
    if spec.table.has_village:
        table_cols += [c for c in VILLAGE_KEYS if c.name in _VILLAGE_RAW_KEYS]
    for c in table_cols:
        dtype = pl.String if c.name == "village_code" else dtype_of(c.kind)
        if c.name in values:
            cols[c.name] = values[c.name].filter(keep).cast(dtype)
        else:
            cols[c.name] = _nulls(k, dtype).alias(c.name)
    sheets = sheet_of.filter(keep)
    cols["source_file"] = _of_sheet(sheets, files)
    cols["source_sheet"] = _of_sheet(sheets, names)
    cols["source_row"] = row_no.filter(keep)
    cols["_s"] = sheets
    return pl.DataFrame(cols)
