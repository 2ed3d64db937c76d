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
