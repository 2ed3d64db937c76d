"""Which rows under a header are not data: blank, repeated header, units line, totals, notes.

Recognised from the rows' own text: totals and notes by their words in the first few columns, a
repeated header by matching the header's labels, a units line by holding units only.
"""

from __future__ import annotations

import polars as pl

from connectors.catalog import ExtractSpec
from connectors.headers import HeaderMatch

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


def classify_rows(spec: ExtractSpec, match: HeaderMatch, texts: dict[str, pl.Series],
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
    no_id = (pl.all_horizontal([pl.col(f"c_{k}").str.strip_chars().fill_null("") == "" for k in id_cols])
             if id_cols else pl.lit(True))
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


# A name in the village column that names a town or the county, not a village: a total row.
_TOWN_OR_COUNTY = r"^(?:.{1,10}(?:镇|乡|街道|街道办事处|县)|.{0,10}[^社]区|全县|全镇|全乡|全区|总计|合计)$"
# Column kinds that identify a row's subject: a total row has none of them.
_IDENTITY_KINDS = ("id", "name", "date")


def content_totals(spec: ExtractSpec, texts: dict[str, pl.Series], sheet_of: pl.Series, skip: pl.Series) -> pl.Series:
    """Total and subtotal rows recognised by what they hold, not by the words 合计/小计: a row with
    no subject (no ID, name, date or document number) whose village code is a town's or county's
    (12 digits ending in 000), whose village column names a town or the county, or whose amounts
    are the sum of the rows above it in its sheet (since the sheet's start or the previous total)."""
    identity = [k for k in texts if spec.column(k).kind in _IDENTITY_KINDS
                or (spec.column(k).kind == "code" and k != "village_code")]
    n = len(skip)
    if n == 0:
        return skip
    frame = pl.DataFrame({f"c_{k}": s for k, s in texts.items()}).with_columns(
        pl.Series("_skip", skip), pl.Series("_s", sheet_of))
    subjectless = pl.all_horizontal([pl.col(f"c_{k}").str.strip_chars().fill_null("") == "" for k in identity]) \
        if identity else pl.lit(True)
    marks = []
    if "village_code" in texts:
        marks.append(pl.col("c_village_code").str.strip_chars().str.contains(r"^\d{9}000$").fill_null(False))
    if "village_raw" in texts and identity:  # village_basics-like lists name their villages only
        marks.append(pl.col("c_village_raw").str.replace_all(_WS, "").str.contains(_TOWN_OR_COUNTY).fill_null(False))
    marked = pl.any_horizontal(marks) if marks else pl.lit(False)
    base = frame.select((pl.col("_skip").is_null() & subjectless).alias("open"),
                        (pl.col("_skip").is_null() & subjectless & marked).alias("marked"))
    out = pl.select(pl.when(pl.lit(base["marked"])).then(pl.lit("合计行")).otherwise(pl.lit(skip))).to_series()
    amounts = [k for k in texts if spec.column(k).kind == "yuan"]
    if not amounts or not identity or not base["open"].any():
        return out
    # Sums of the rows above: per amount column, a running total reset at each sheet and each total.
    values = {k: texts[k].str.replace_all(r"[,，\s¥￥元]", "").cast(pl.Float64, strict=False) for k in amounts}
    open_rows = set(base["open"].arg_true().to_list())
    sheets = sheet_of.to_list()
    kinds = out.to_list()
    running = {k: 0.0 for k in amounts}
    counted = 0
    lists = {k: v.to_list() for k, v in values.items()}
    for i in range(n):
        if i and sheets[i] != sheets[i - 1]:
            running, counted = {k: 0.0 for k in amounts}, 0
        if i in open_rows and counted >= 2:
            given = [(k, lists[k][i]) for k in amounts if lists[k][i] is not None]
            if given and all(abs(v - running[k]) < 0.005 for k, v in given):
                kinds[i] = "合计行"
        if kinds[i] == "合计行":
            running, counted = {k: 0.0 for k in amounts}, 0
        elif kinds[i] is None:
            for k in amounts:
                running[k] += lists[k][i] or 0.0
            counted += 1
    return pl.Series(kinds, dtype=pl.String)
