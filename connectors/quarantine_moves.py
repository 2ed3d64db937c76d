"""Moving validated rows to the quarantine, and the Chinese labels the messages use.

Rows that fail a data check (connectors/validation.py) have been normalised already: their raw cells
are gone, so their quarantine rows carry the cleaned values keyed by the columns' Chinese labels.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import polars as pl

from connectors.checks import REJECTED_CODE, Check, Target
from connectors.schema import QUARANTINE_COLUMNS, TABLES, VILLAGE_KEYS

if TYPE_CHECKING:
    from connectors.transform import SheetResult


def column_label(extract: str, column: str, sheet: SheetResult | None = None) -> str:
    """The column's header as the sheet wrote it, else its canonical label."""
    if sheet is not None and column in sheet.columns_found:
        return sheet.columns_found[column]
    if column.startswith("@"):
        column = column[1:]
        return {"birth_date_of_id": "身份证号推算的出生日期", "age_minus_id_age": "年龄"}.get(column, column)
    try:
        return TABLES[extract].column(column).label
    except KeyError:
        return next((c.label for c in VILLAGE_KEYS if c.name == column), column)


def target_label(extract: str, t: Target, sheet: SheetResult | None = None) -> str:
    return ("、".join(column_label(extract, c, sheet) for c in t.columns if not c.startswith("@"))
            or column_label(extract, t.column, sheet))


def rows_text(rows: list[int], limit: int = 5) -> str:
    shown = "、".join(str(r) for r in rows[:limit])
    return shown + (f"等{len(rows)}行" if len(rows) > limit else "")


def cell_text(v: Any) -> str | None:
    if v is None:
        return None
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v)


def _quarantine_from_data(data: pl.DataFrame, extract: str, source_file: str, sheet: str, column: pl.Series,
                          code: pl.Series, reason: pl.Series, cleaned: pl.Series) -> pl.DataFrame:
    """Quarantine rows built from loaded (canonical) rows: the raw cells are no longer at hand, so
    raw_json holds the row's cleaned values keyed by their Chinese labels."""
    table = TABLES[extract]
    labelled = [c for c in table.column_names if c in data.columns]
    as_text = data.select([pl.col(c).cast(pl.String).alias(table.column(c).label) for c in labelled])
    raw_json = as_text.select(pl.struct(pl.all()).struct.json_encode()).to_series() if labelled else pl.repeat(
        "{}", data.height, eager=True)
    k = data.height
    village = {c: (data[c].cast(pl.String) if c in data.columns else pl.repeat(None, k, dtype=pl.String, eager=True))
               for c in ("village_code", "town_raw", "village_raw")}
    return pl.DataFrame({
        "source_file": pl.Series([source_file] * k, dtype=pl.String),
        "source_sheet": pl.Series([sheet] * k, dtype=pl.String),
        "source_row": data["source_row"].cast(pl.Int32),
        "extract": pl.Series([extract] * k, dtype=pl.String),
        "table_name": pl.Series([extract] * k, dtype=pl.String),
        "column_name": column, "reason_code": code, "reason": reason, "raw_json": raw_json,
        "cleaned_value": cleaned, "village_code": village["village_code"],
    }).select(QUARANTINE_COLUMNS).with_columns(town_raw=village["town_raw"], village_raw=village["village_raw"],
                                               **({"village_match": data["village_match"]}
                                                  if "village_match" in data.columns else {}))


def _append_quarantine(s: SheetResult, frame: pl.DataFrame) -> None:
    if s.quarantine is not None and s.quarantine.height:
        # The connector's rows may carry more columns (village_match, once villages were matched).
        frame = pl.concat([s.quarantine, frame], how="diagonal_relaxed")
    s.quarantine = frame


def move_all(s: SheetResult, extract: str, source_file: str, reason: str) -> None:
    data = s.data
    assert data is not None  # only sheets with rows are moved
    k = data.height
    rows = data["source_row"].cast(pl.String)
    text = pl.concat_str([pl.lit("第"), pl.lit(rows), pl.lit(f"{s.row_word}：整个文件未入库（{reason}）")], separator="")
    frame = _quarantine_from_data(
        data, extract, source_file, s.sheet, pl.Series([None] * k, dtype=pl.String),
        pl.Series([REJECTED_CODE] * k, dtype=pl.String), pl.select(text).to_series(),
        pl.Series([None] * k, dtype=pl.String))
    _append_quarantine(s, frame)
    s.rows_quarantined += k
    s.rows_loaded -= k
    s.data = data.head(0)


def move_failed(s: SheetResult, extract: str, by_row: dict[int, tuple[Check, Target]], source_file: str) -> None:
    """Move the sheet's rows failing a check to its quarantine; by_row: source_row -> the first
    quarantining check it failed."""
    data = s.data
    assert data is not None  # only sheets with rows are moved
    mask = data["source_row"].is_in(list(by_row))
    gone = data.filter(mask)
    columns, codes, reasons, cleaned = [], [], [], []
    counts: dict[str, int] = {}
    for row in gone.iter_rows(named=True):
        check, t = by_row[row["source_row"]]
        value = cell_text(row.get(t.column)) if not t.column.startswith("@") else None
        label = target_label(extract, t, s)
        shown = "、".join(f"{column_label(extract, c, s)}：{cell_text(row.get(c))}" for c in t.columns
                         if not c.startswith("@")) if len(t.columns) > 1 else value
        columns.append(t.column if not t.column.startswith("@") else None)
        codes.append(check.name)
        reasons.append(f"第{row['source_row']}{s.row_word}“{label}”列：{check.label}" + (f"（原值：{shown}）" if shown else ""))
        cleaned.append(value)
        counts[check.label] = counts.get(check.label, 0) + 1
    frame = _quarantine_from_data(
        gone, extract, source_file, s.sheet, pl.Series(columns, dtype=pl.String), pl.Series(codes, dtype=pl.String),
        pl.Series(reasons, dtype=pl.String), pl.Series(cleaned, dtype=pl.String))
    _append_quarantine(s, frame)
    n = gone.height
    s.data = data.filter(~mask)
    s.rows_quarantined += n
    s.rows_loaded -= n
    parts = "、".join(f"{k}{v}行" for k, v in sorted(counts.items(), key=lambda kv: -kv[1]))
    s.messages.append(f"数据检查隔离{n}行（{parts}；第{rows_text(sorted(by_row))}行）")
