"""Which rows under a header are not data: blank, repeated header, units line, totals, notes.

Recognised from the rows' own text: totals and notes by their words in the first few columns, a
note also by its form (one text only, starting with a short label and a colon: "数据来源：…"), a
repeated header by matching the header's labels, a units line by holding units only; totals also by
their content (content_totals: no subject, a town's name or code, or the sum of the rows above).
"""

from __future__ import annotations

import polars as pl

from connectors.catalog import ExtractSpec
from connectors.header_layout import COLUMN_NUMBER
from connectors.headers import HeaderMatch

# Totals and notes are recognised in the first few columns only: further right, free text (摘要)
# may legitimately contain these words.
MARKER_COLUMNS = 4
TOTALS = r"合计|总计|小计|本页合计|本月合计|本年累计|累计发生额"
_NOTES = (r"^(填表人|填报人|制表人|制表|审核人|审核|审批人|复核人|复核|负责人|单位负责人|分管领导|经办人|联系人|"
          r"联系电话|填表日期|填报日期|制表日期|报送日期|备注|说明|注|会计|主管会计|出纳|记账|记账人|"
          r"财务负责人|报账员|单位盖章|盖章|签字|发放单位|填报单位|制表单位|报送单位|单位)"
          r"(?:[(（]盖章[)）])?[:：]|^第\d+页|^共\d+页")
# A row holding one text only (in one cell, or merged across the row) that starts with a short
# label and a colon ("数据来源：…", "制表人：…", "备注：…", "特别提示：…") is a note, whatever the label.
_LABELLED = r"^[^\d:：]{1,12}[:：]"
# A row under the header holding only units ("（亩）", "元/亩") is the header's second line.
_UNITS = r"^[(（]?(?:亩|元|元/亩|元／亩|人|户|个|万元|公顷|平方米|%|％|年|月|日)[)）]?$"
# Beside units, a units line may hold its label (计量单位, the column of a table read transposed:
# connectors/transposed.py) and dashes where a row has no unit (统计用区划代码 | —).
UNIT_FILLERS = r"^(?:计量单位|单位|—+|-+|/)$"
_WS = r"[\s\u3000\u00a0]"
# The column-number row forms put under their header (栏次: 甲 乙 1 2 3 …, or 1 2 3 4 …).
_COLUMN_NUMBER = COLUMN_NUMBER


def classify_rows(spec: ExtractSpec, match: HeaderMatch, texts: dict[str, pl.Series],
                   marker_cols: list[pl.Series], n: int) -> pl.Series:
    """Per data row: null for a data row, else why it is skipped (空行/合计行/表尾说明/重复表头/栏次行).

    Only rows that could be skipped are examined closely: with an ID column, a data row has an ID
    that is not the header's own text, and that check is cheap; without one (village ledgers), a row
    no skip reason could fit is told by cheap necessary conditions (_may_be_skipped). The full
    conditions run on the rest.
    """
    frame = pl.DataFrame({f"m{i}": s for i, s in enumerate(marker_cols)} | {f"c_{k}": s for k, s in texts.items()})
    label_of = {k: match.labels[match.columns[k]].replace(" ", "").replace("\n", "") for k in texts}
    id_cols = [k for k in texts if spec.column(k).kind == "id"]
    if id_cols:
        empty_id = pl.all_horizontal([pl.col(f"c_{k}").str.strip_chars().fill_null("") == "" for k in id_cols])
        as_header = pl.any_horizontal([pl.col(f"c_{k}").str.strip_chars() == label_of[k] for k in id_cols])
        # a note merged across the row fills the ID cells too: a colon is in no ID
        labelled_id = pl.any_horizontal([pl.col(f"c_{k}").str.contains("[:：]").fill_null(False) for k in id_cols])
        numbered_id = pl.any_horizontal([pl.col(f"c_{k}").str.strip_chars().str.contains(_COLUMN_NUMBER).fill_null(False)
                                          for k in id_cols])
        candidates = frame.select((empty_id | as_header.fill_null(False) | labelled_id | numbered_id)
                                  .alias("c"))["c"].arg_true()
    else:
        # white space removed once: as expressions repeated inside the conditions, polars redoes them
        without_spaces = frame.select(pl.all().str.replace_all(_WS, ""))
        candidates = without_spaces.select(_may_be_skipped(frame.columns, label_of, len(marker_cols)).alias("c"))["c"].arg_true()
    if len(candidates) == 0:
        return pl.repeat(None, n, dtype=pl.String, eager=True)
    sub = frame[candidates]
    # White space removed once into columns of their own: as expressions repeated inside the
    # conditions below, polars evaluated them again and again (25 ms instead of 3 on a ledger).
    names = sub.columns
    sub = sub.select([pl.col(c).str.replace_all(_WS, "").alias(f"s{i}") for i, c in enumerate(names)]
                     + [pl.col(f"c_{k}").alias(f"c_{k}") for k in id_cols])
    stripped = {c: pl.col(f"s{i}") for i, c in enumerate(names)}
    filled_cols = [(stripped[c].is_not_null() & (stripped[c] != "")).alias(f"f{i}") for i, c in enumerate(names)]
    sub = sub.with_columns(filled_cols)
    filled = [pl.col(f"f{i}") for i in range(len(names))]
    # Each cell's tests as columns of their own, and the reasons below from those columns: one
    # expression holding every test of every column took polars 13 ms to plan, even for one row.
    first_text = pl.coalesce([pl.when(f).then(stripped[c]) for f, c in zip(filled, names, strict=True)])
    sub = sub.with_columns(
        [(f & stripped[c].str.contains(_UNITS).fill_null(False)).alias(f"u{i}")
         for i, (f, c) in enumerate(zip(filled, names, strict=True))]
        + [stripped[c].str.contains(UNIT_FILLERS).fill_null(False).alias(f"uf{i}") for i, c in enumerate(names)]
        + [stripped[c].str.contains(_COLUMN_NUMBER).fill_null(False).alias(f"cn{i}") for i, c in enumerate(names)]
        + [(stripped[f"c_{k}"] == label_of[k]).fill_null(False).cast(pl.Int32).alias(f"h{j}")
           for j, k in enumerate(texts)]
        + [stripped[f"m{i}"].str.contains(TOTALS).fill_null(False).alias(f"t{i}") for i in range(len(marker_cols))]
        + [stripped[f"m{i}"].str.contains(_NOTES).fill_null(False).alias(f"n{i}") for i in range(len(marker_cols))]
        + [first_text.alias("first_text")]
    )
    cols = range(len(names))
    blank = ~pl.any_horizontal(filled)
    no_id = (pl.all_horizontal([pl.col(f"c_{k}").str.strip_chars().fill_null("") == "" for k in id_cols])
             if id_cols else pl.lit(True))
    totals = pl.any_horizontal([pl.col(f"t{i}") for i in range(len(marker_cols))]) if marker_cols else pl.lit(False)
    notes = pl.any_horizontal([pl.col(f"n{i}") for i in range(len(marker_cols))]) if marker_cols else pl.lit(False)
    # One distinct text: every filled cell equals the first filled one. (A list of the row's texts
    # made unique per row said the same at five times the cost: 34 ms instead of 6 on a ledger.)
    one_labelled = pl.col("first_text").str.contains(_LABELLED).fill_null(False) & pl.all_horizontal(
        [~f | (stripped[c] == pl.col("first_text")) for f, c in zip(filled, names, strict=True)])
    units_only = pl.any_horizontal([pl.col(f"u{i}") for i in cols]) & pl.all_horizontal(
        [~filled[i] | pl.col(f"u{i}") | pl.col(f"uf{i}") for i in cols])
    column_numbers = (pl.sum_horizontal([f.cast(pl.Int32) for f in filled]) >= 3) & pl.all_horizontal(
        [~filled[i] | pl.col(f"cn{i}") for i in cols])
    header_eq = [pl.col(f"h{j}") for j in range(len(texts))]
    repeat = (pl.sum_horizontal(header_eq) >= max(2, (len(header_eq) + 1) // 2)) if header_eq else pl.lit(False)
    kind = (
        pl.when(blank).then(pl.lit("空行"))
        .when(repeat).then(pl.lit("重复表头"))
        .when(units_only & no_id).then(pl.lit("表头单位行"))
        .when(column_numbers).then(pl.lit("栏次行"))
        .when(one_labelled).then(pl.lit("表尾说明"))  # "说明：…各乡镇行为所辖村合计" is a note
        .when(totals & no_id).then(pl.lit("合计行"))
        .when(notes & no_id).then(pl.lit("表尾说明"))
        .otherwise(None)
    )
    result = sub.select(kind.alias("skip"))["skip"]
    return pl.repeat(None, n, dtype=pl.String, eager=True).scatter(candidates, result)


def _may_be_skipped(names: list[str], label_of: dict[str, str], markers: int) -> pl.Expr:
    """Rows of a sheet without an ID column that some skip reason of classify_rows could fit. Each
    reason needs one of these, so the full conditions (regexes on every cell) run on these rows only.

    Blank: no filled cell. Repeated header: a cell equal to its label. Totals and notes: their words
    in a marker column. Units line, column numbers, a labelled note: every filled cell, so the first
    one, of that form.
    """
    # the frame's cells have their white space removed already (classify_rows)
    filled = {c: pl.col(c).is_not_null() & (pl.col(c) != "") for c in names}
    first_text = pl.coalesce([pl.when(filled[c]).then(pl.col(c)) for c in names])
    marker_words = [pl.col(f"m{i}").str.contains(f"{TOTALS}|{_NOTES}") for i in range(markers)]
    as_label = [pl.col(f"c_{k}") == label for k, label in label_of.items()]
    first_forms = [first_text.str.contains(p) for p in (_UNITS, UNIT_FILLERS, _COLUMN_NUMBER, _LABELLED)]
    return (~pl.any_horizontal(list(filled.values()))
            | pl.any_horizontal([e.fill_null(False) for e in marker_words + as_label + first_forms]))


# A name that names a town or the county, not a village or a person: a total row's label.
_TOWN_OR_COUNTY = r"^(?:.{1,10}(?:镇|乡|街道|街道办事处|县)|.{0,10}[^社]区|全县|全镇|全乡|全区|总计|合计)$"
# In a person's name cell: names no person could bear.
_PLAIN_PLACE = r"^(?:全县|全镇|全乡|全区|全市|总计|合计|.{1,10}(?:县|街道|街道办事处|人民政府))$"
# Column kinds that identify a row's subject: a total row has none of them.
_IDENTITY_KINDS = ("id", "name", "date")
# Column kinds a total sums.
_SUMMED_KINDS = ("yuan", "mu", "int")


def _number(s: pl.Series) -> pl.Series:
    return s.str.replace_all(r"[,，\s¥￥元亩人户]", "").cast(pl.Float64, strict=False)


def content_totals(spec: ExtractSpec, texts: dict[str, pl.Series], sheet_of: pl.Series, skip: pl.Series) -> pl.Series:
    """Total and subtotal rows recognised by what they hold, not by the words 合计/小计: a row with
    no subject (no ID, no person's name, date or document number; in a list of villages, no village
    code) that is marked as a total by a town's or the county's code (12 digits ending in 000), a
    village or name cell naming a town or the county, or a town cell with no village beside it (a
    town's own row, with numbers); or whose amounts are the sum of the rows above it in its sheet
    (since the previous total, or since the sheet's start: a town total after village subtotals).
    A row with an ID or a person's name is never a total."""
    identity = [k for k in texts if spec.column(k).kind in _IDENTITY_KINDS
                or (spec.column(k).kind == "code" and k != "village_code")]
    keys = identity or [k for k in ("village_code",) if k in texts]
    n = len(skip)
    if n == 0:
        return skip
    summed = [k for k in texts if spec.column(k).kind in _SUMMED_KINDS]
    # Only the columns judged below, whitespace removed where their text is matched (names, places,
    # codes: 合 计, 城 关 镇); the others (IDs, dates, amounts) are only asked whether they are
    # blank, which stripping answers alike without a regex over every cell.
    read = {k for k in keys if spec.column(k).kind == "name"} | {
        k for k in ("town_raw", "village_raw", "village_code") if k in texts}
    blank_only = (set(keys) | set(summed)) - read
    # A row with a subject (an ID, a date) is no total whatever else it holds: only the rows without one
    # are judged below, most lists having a subject on every row but a few.
    subject = [k for k in keys if k not in read]
    if subject:
        rows = pl.DataFrame({"_skip": skip} | {f"c_{k}": texts[k] for k in subject}).select(
            (pl.col("_skip").is_null() & pl.all_horizontal([pl.col(f"c_{k}").str.strip_chars().fill_null("") == ""
                                                            for k in subject])).alias("r"))["r"].arg_true()
    else:
        rows = pl.Series("r", range(n), dtype=pl.UInt32)
    frame = pl.DataFrame({f"c_{k}": s.gather(rows).str.replace_all(_WS, "") if k in read else s.gather(rows).str.strip_chars()
                          for k, s in texts.items() if k in read | blank_only}).with_columns(
        skip.gather(rows).alias("_skip"))

    def empty(k: str) -> pl.Expr:
        return pl.col(f"c_{k}").fill_null("") == ""

    def place(k: str) -> pl.Expr:  # names a town or the county (or is a total's word)
        return pl.col(f"c_{k}").str.contains(_TOWN_OR_COUNTY).fill_null(False)

    def town_code(k: str) -> pl.Expr:  # a town's or the county's code: 12 digits ending in 000
        return pl.col(f"c_{k}").str.contains(r"^\d{9}000$").fill_null(False)

    # A person's name cell naming a town (one of the sheet's town column, or unmistakably a place:
    # a person may be called 李镇) or a town's code is a total's label, not a subject.
    towns = sorted(set(texts["town_raw"].unique().str.replace_all(_WS, "").drop_nulls().to_list()) - {""}) \
        if "town_raw" in texts else []

    def town_named(k: str) -> pl.Expr:
        return (pl.col(f"c_{k}").is_in(towns) | pl.col(f"c_{k}").str.contains(_PLAIN_PLACE)).fill_null(False)

    blank_key = [empty(k) | (town_named(k) if spec.column(k).kind == "name" else town_code(k) if k == "village_code"
                             else pl.lit(False)) for k in keys]
    subjectless = pl.all_horizontal(blank_key) if keys else pl.lit(True)
    has_number = pl.any_horizontal([~empty(k) for k in summed]) if summed else pl.lit(False)
    marks = [town_named(k) & ~empty(k) for k in keys if spec.column(k).kind == "name"]
    if "village_code" in texts:
        marks.append(town_code("village_code"))
    if "village_raw" in texts:
        marks.append(place("village_raw"))
    if "town_raw" in texts:  # a town's own row: its name, no village, numbers
        village = [empty(k) for k in ("village_raw", "village_code") if k in texts]
        no_village = pl.all_horizontal(village) if village else pl.lit(True)
        marks.append(no_village & ~empty("town_raw") & has_number)
    marked = pl.any_horizontal(marks) if marks else pl.lit(False)
    judged = frame.select((pl.col("_skip").is_null() & subjectless).alias("open"),
                          (pl.col("_skip").is_null() & subjectless & marked).alias("marked"))
    out = pl.Series(skip, dtype=pl.String).scatter(rows.filter(judged["marked"]), "合计行") \
        if judged["marked"].any() else pl.Series(skip, dtype=pl.String)
    open_rows = set(rows.filter(judged["open"]).to_list())
    if not summed or not open_rows:
        return out
    # Sums of the rows above, per summed column: since the previous total (a subtotal) and since the
    # sheet's start (a grand total after subtotals), both reset at each sheet.
    lists = {k: _number(texts[k]).to_list() for k in summed}
    sheets = sheet_of.to_list()
    kinds = out.to_list()
    running = {k: 0.0 for k in summed}
    grand = {k: 0.0 for k in summed}
    counted = grand_counted = 0
    for i in range(n):
        if i and sheets[i] != sheets[i - 1]:
            running, counted = {k: 0.0 for k in summed}, 0
            grand, grand_counted = {k: 0.0 for k in summed}, 0
        if i in open_rows and kinds[i] is None:
            given = [(k, lists[k][i]) for k in summed if lists[k][i] is not None]
            if given and any(v for _, v in given):
                if counted >= 2 and all(abs(v - running[k]) < 0.005 for k, v in given):
                    kinds[i] = "合计行"
                elif grand_counted >= 2 and all(abs(v - grand[k]) < 0.005 for k, v in given):
                    kinds[i] = "合计行"
        if kinds[i] == "合计行":
            running, counted = {k: 0.0 for k in summed}, 0
        elif kinds[i] is None:
            for k in summed:
                running[k] += lists[k][i] or 0.0
                grand[k] += lists[k][i] or 0.0
            counted += 1
            grand_counted += 1
    return pl.Series(kinds, dtype=pl.String)
