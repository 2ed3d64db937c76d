"""The source records behind every flag, fetched from the canonical tables by (file, sheet, row).

A flag's evidence names rows of canonical tables; teams and the office want to see what those
rows say (names, dates, amounts) without opening the department's file.

A city's flags name some 200,000 rows. They are fetched as polars frames, and what the office
workbook and the village fingerprints need of them (facts lines, locations, digests) is worked out
column by column (`Evidence`); the per-row Python objects the village workbooks use (`EvidenceRow`)
are made only for the villages whose workbooks are built.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import duckdb
import numpy as np
import polars as pl

from connectors.schema import TABLES, VILLAGE_KEYS
from connectors.warehouse import map_on_cursors

# Tables that are evidence but not canonical data tables (rule A06 points at quarantined rows).
_EXTRA_LABELS = {
    "quarantine": {
        "extract": "识别表类", "table_name": "目标表", "column_name": "问题列", "reason": "隔离原因",
        "cleaned_value": "清洗后取值", "raw_json": "原始内容",
    },
}
_HIDDEN = {"source_file", "source_sheet", "source_row", "village_code", "village_match", "reason_code"}
_PROVENANCE_KEY = ("source_file", "source_sheet", "source_row")
# Evidence.digests of a flag without evidence rows
NO_EVIDENCE = hashlib.sha256(b"").hexdigest()
_QUARANTINE_COLUMNS = ("column_name", "reason", "cleaned_value", "raw_json")
# DuckDB types whose values polars hands to Python exactly as DuckDB's own fetch does. The warehouse
# schema (connectors.schema) has no others; a column of another type is read as DuckDB's text.
_PLAIN_TYPES = {"VARCHAR", "DATE", "TIMESTAMP", "DOUBLE", "FLOAT", "BOOLEAN", "TINYINT", "SMALLINT", "INTEGER",
                "BIGINT", "UTINYINT", "USMALLINT", "UINTEGER", "UBIGINT"}


@dataclass(frozen=True)
class EvidenceRow:
    table_name: str
    table_label: str
    source_file: str
    source_sheet: str
    source_row: int | None
    # (column, label, value, kind) of the source record; empty when the record was not found
    values: tuple[tuple[str, str, object, str], ...]


def table_label(table_name: str) -> str:
    if table_name in TABLES:
        return TABLES[table_name].label
    return {"quarantine": "隔离表"}.get(table_name, table_name or "")


@dataclass(frozen=True)
class _Records:
    """Records of one table that evidence names (or, for rows that never reached their table, of
    the quarantine), with their values as fetched: one frame row per record."""

    columns: tuple[tuple[str, str, str], ...]  # (column, label, kind), the frame's columns in this order
    frame: pl.DataFrame


class Evidence:
    """Every flag's evidence rows, in evidence order and deduplicated, with the source records."""

    def __init__(self, refs: pl.DataFrame, sources: list[_Records]) -> None:
        # refs: flag_id, table_name, table_label, source_file, source_sheet, source_row; `source` and
        # `record` locate the record (an index into `sources`, a row of its frame), null when not found
        self._refs = refs
        self._sources = sources

    def rows(self, flag_ids: Iterable[str] | None = None) -> dict[str, list[EvidenceRow]]:
        """flag_id -> its evidence rows as Python objects, for these flags (all when None)."""
        refs = self._refs
        if flag_ids is not None:
            refs = refs.filter(pl.col("flag_id").is_in(pl.Series(list(flag_ids), dtype=pl.String)))
        values: dict[tuple[int, int], tuple] = {}
        found = refs.filter(pl.col("source").is_not_null()).select("source", "record").unique()
        for (source,), group in found.group_by("source"):
            spec = self._sources[source]
            records = group["record"].sort()
            names, labels, kinds = (tuple(x) for x in zip(*spec.columns, strict=True))
            for record, row in zip(records.to_list(), spec.frame[records].iter_rows(), strict=True):
                values[(source, record)] = tuple(zip(names, labels, row, kinds, strict=True))
        out: dict[str, list[EvidenceRow]] = {}
        for fid, table, label, file, sheet, row, source, record in refs.select(
            "flag_id", "table_name", "table_label", *_PROVENANCE_KEY, "source", "record"
        ).iter_rows():
            out.setdefault(fid, []).append(
                EvidenceRow(table or "", label, file or "", sheet or "", row, values.get((source, record), ()))
            )
        return out

    def table(self, *limits: int) -> pl.DataFrame:
        """One row per evidence row, in evidence order: flag_id, seq (1, 2, … within the flag),
        table_name, table_label, source_file, source_sheet (empty when unknown), source_row,
        location (as `location`), and per limit `facts_<limit>` (as `facts_line`, null when the
        record was not found)."""
        refs = self._refs.with_columns(
            pl.int_range(1, pl.len() + 1, dtype=pl.Int64).over("flag_id").alias("seq"),
            pl.col("source_file").fill_null(""),
            pl.col("source_sheet").fill_null(""),
        )
        refs = refs.with_columns(
            pl.concat_str(
                pl.col("source_file"), pl.lit(" / "), pl.col("source_sheet"), pl.lit(" / "),
                pl.when(pl.col("source_row").is_null()).then(pl.lit(""))
                .otherwise(pl.concat_str(pl.lit("第"), pl.col("source_row").cast(pl.String), pl.lit("行"))),
            ).alias("location")
        )
        if not limits:
            return refs.drop("source", "record")
        bodies = self._per_record(limits)
        refs = refs.join(bodies, on=["source", "record"], how="left", maintain_order="left")
        label = pl.concat_str(pl.lit("【"), pl.col("table_label"), pl.lit("】"))
        return refs.with_columns(
            pl.when(pl.col("source").is_not_null()).then(pl.concat_str(label, pl.col(f"facts_{n}"))).alias(f"facts_{n}")
            for n in limits
        ).drop("source", "record")

    def digests(self) -> dict[str, str]:
        """flag_id -> sha256 of everything its evidence rows hold (what `rows` would give), for the
        village fingerprints; flags without evidence are absent."""
        codes = self._per_record((), code=True)
        refs = self._refs.join(codes, on=["source", "record"], how="left", maintain_order="left")
        text = pl.concat_str(
            _encode(pl.col("table_name")), _encode(pl.col("table_label")), *(_encode(pl.col(c)) for c in _PROVENANCE_KEY),
            pl.col("code").fill_null("!"),
        )
        per_flag = refs.group_by("flag_id", maintain_order=True).agg(text.str.join(""))
        return {fid: hashlib.sha256(t.encode("utf-8")).hexdigest() for fid, t in per_flag.iter_rows()}

    def _per_record(self, limits: Sequence[int], code: bool = False) -> pl.DataFrame:
        """source, record, per limit `facts_<limit>` (the first `limit` facts_parts joined, without
        the table's label) and, with `code`, an unambiguous text of its values, of every record."""
        frames = []
        for source, spec in enumerate(self._sources):
            frame = spec.frame
            out = [pl.lit(source, dtype=pl.Int32).alias("source"), pl.int_range(pl.len(), dtype=pl.UInt32).alias("record")]
            if code:
                # the columns, their labels, kinds and types, then the values
                meta = repr([(*col, str(frame.schema[col[0]])) for col in spec.columns])
                out.append(pl.concat_str(pl.lit(hashlib.sha256(meta.encode("utf-8")).hexdigest()),
                                         *(_encode(pl.col(c)) for c, _, _ in spec.columns)).alias("code"))
            parts = [_part(frame, *col) for col in spec.columns] if limits else []
            whole = [n for n in limits if len(parts) <= n]  # lines of all the parts: the same for these limits
            if whole:
                out.append(pl.concat_str(parts, separator="；", ignore_nulls=True).alias(f"facts_{whole[0]}"))
            for n in limits:
                if n not in whole:
                    out.append(pl.concat_list(parts).list.drop_nulls().list.head(n).list.join("；").alias(f"facts_{n}"))
            frame = frame.select(out).with_columns(pl.col(f"facts_{whole[0]}").alias(f"facts_{n}") for n in whole[1:])
            frames.append(frame.select("source", "record", *(["code"] if code else []), *(f"facts_{n}" for n in limits)))
        if not frames:
            return pl.DataFrame(schema={"source": pl.Int32, "record": pl.UInt32, **({"code": pl.String} if code else {}),
                                        **{f"facts_{n}": pl.String for n in limits}})
        return pl.concat(frames)


def _part(frame: pl.DataFrame, column: str, label: str, kind: str) -> pl.Expr:
    """A `facts_parts` item of each record (标签 值), null where the value is empty."""
    c = pl.col(column)
    if frame.schema[column] == pl.String:
        return pl.when(c.is_not_null() & (c != "")).then(pl.concat_str(pl.lit(f"{label} "), c))
    return pl.when(c.is_not_null()).then(pl.concat_str(pl.lit(f"{label} "), pl.lit(_formatted(frame[column], kind))))


def _encode(c: pl.Expr) -> pl.Expr:
    """A value as text that tells every value apart (null, "", and where one value ends): floats
    cast to text and back are the same float."""
    text = c.cast(pl.String)
    return pl.when(c.is_null()).then(pl.lit("~")).otherwise(
        pl.concat_str(text.str.len_chars().cast(pl.String), pl.lit(":"), text))


_PHYSICAL_INT = (pl.Date, pl.Datetime, pl.Boolean, pl.Int8, pl.Int16, pl.Int32, pl.Int64, pl.UInt8, pl.UInt16, pl.UInt32)


def _formatted(values: pl.Series, kind: str) -> pl.Series:
    """`format_value` of a column that is not text, worked out once per distinct value; a null's
    text is some other value's (the caller leaves nulls out)."""
    values = values.fill_null(strategy="forward").fill_null(strategy="backward")
    if values.null_count() == len(values):
        return pl.Series(values.name, [None] * len(values), dtype=pl.String)
    # an integer per distinct value: a float's bits (polars takes -0.0 and 0.0 for one value)
    if values.dtype.is_float():
        keys = values.cast(pl.Float64).to_numpy().view(np.int64)
    elif isinstance(values.dtype, _PHYSICAL_INT):
        keys = values.to_physical().cast(pl.Int64).to_numpy()
    else:
        keys = values.cast(pl.String).rank("dense").to_numpy()
    _, first, inverse = np.unique(keys, return_index=True, return_inverse=True)
    texts = pl.Series([format_value(v, kind) for v in values.gather(first).to_list()], dtype=pl.String)
    return texts.gather(inverse.reshape(-1))


def _columns(con: duckdb.DuckDBPyConnection, table: str) -> list[tuple[str, str, str, str]]:
    """(column, label, kind, DuckDB type) of a table as shown in reports, in schema order."""
    present = dict(con.execute(
        "SELECT column_name, data_type FROM information_schema.columns WHERE table_name = ? AND table_schema = current_schema()",
        [table],
    ).fetchall())
    if not {"source_file", "source_sheet", "source_row"} <= present.keys():
        return []
    if table in TABLES:
        spec = TABLES[table]
        keys = [c for c in VILLAGE_KEYS if c.name in ("town_raw", "village_raw")] if spec.has_village else []
        cols = [(c.name, c.label, c.kind) for c in (*spec.columns, *keys)]
    else:
        labels = _EXTRA_LABELS.get(table, {})
        cols = [(c, labels.get(c, c), "text") for c in sorted(present)]
    return [(*c, present[c[0]]) for c in cols if c[0] in present and c[0] not in _HIDDEN]


def _select(alias: str, column: str, duckdb_type: str) -> str:
    if duckdb_type in _PLAIN_TYPES:
        return f"{alias}.{column}"
    return f"CAST({alias}.{column} AS VARCHAR) AS {column}"


def _fetch_records(con: duckdb.DuckDBPyConnection, table: str, columns: list[tuple[str, str, str, str]],
                   keys: pl.DataFrame) -> pl.DataFrame:
    """The table's rows at these (file, sheet, row) places, the first where a place repeats."""
    select = ", ".join(_select("t", c, t) for c, _, _, t in columns)
    frame = con.execute(
        f"""
        SELECT t.source_file, t.source_sheet, CAST(t.source_row AS BIGINT) AS source_row, {select}
        FROM {table} t JOIN keys k
          ON t.source_file = k.source_file AND t.source_sheet = k.source_sheet AND t.source_row = k.source_row
        """
    ).pl()
    return frame.unique(subset=list(_PROVENANCE_KEY), keep="first", maintain_order=True)


FETCH_THREADS = 2


def fetch(con: duckdb.DuckDBPyConnection, flags: pl.DataFrame) -> Evidence:
    """Every flag's evidence rows with the source records' values, in evidence order, deduplicated."""
    schema = {"flag_id": pl.String, "table_name": pl.String, "table_label": pl.String, "source_file": pl.String,
              "source_sheet": pl.String, "source_row": pl.Int64, "source": pl.Int32, "record": pl.UInt32}
    if flags.is_empty() or "evidence_list" not in flags.columns:
        return Evidence(pl.DataFrame(schema=schema), [])
    refs = (
        flags.select("flag_id", "evidence_list")
        .explode("evidence_list")
        .filter(pl.col("evidence_list").is_not_null())
        .unnest("evidence_list")
        .unique(subset=["flag_id", "table_name", *_PROVENANCE_KEY], keep="first", maintain_order=True)
        .select(pl.col("flag_id").cast(pl.String), pl.col("table_name").cast(pl.String),
                pl.col("source_file").cast(pl.String), pl.col("source_sheet").cast(pl.String),
                pl.col("source_row").cast(pl.Int64))
    )
    names = refs["table_name"].drop_nulls().unique().sort().to_list()
    labels = pl.Series([table_label(t) for t in names], dtype=pl.String)
    refs = refs.with_columns(
        pl.col("table_name").replace_strict(pl.Series(names, dtype=pl.String), labels, return_dtype=pl.String)
        .fill_null(table_label("")).alias("table_label")
    )

    sources: list[_Records] = []
    places = []  # table_name, source_file, source_sheet, source_row, source, record

    def records(cursor: duckdb.DuckDBPyConnection, table: str) -> tuple[list[tuple[str, str, str, str]], pl.DataFrame | None]:
        columns = _columns(cursor, table) if _is_table(cursor, table) else []
        if not columns:
            return columns, None
        keys = refs.filter(pl.col("table_name") == table).select(*_PROVENANCE_KEY).unique()
        return columns, _fetch_records(cursor, table, columns, keys)

    # Two tables at a time (each query is small); the report's first step waits for all of them.
    fetched = list(map_on_cursors(con, records, names, FETCH_THREADS))
    for table, (columns, frame) in zip(names, fetched, strict=True):
        if frame is None:
            continue
        places.append(frame.select(
            pl.lit(table).alias("table_name"), *_PROVENANCE_KEY, pl.lit(len(sources), dtype=pl.Int32).alias("source"),
            pl.int_range(pl.len(), dtype=pl.UInt32).alias("record"),
        ))
        sources.append(_Records(tuple(c[:3] for c in columns), frame.drop(*_PROVENANCE_KEY)))
    on = ["table_name", *_PROVENANCE_KEY]
    if places:
        refs = refs.join(pl.concat(places), on=on, how="left", maintain_order="left")
    else:
        refs = refs.with_columns(pl.lit(None, dtype=pl.Int32).alias("source"), pl.lit(None, dtype=pl.UInt32).alias("record"))
    refs = _from_quarantine(con, refs, sources)
    return Evidence(refs.select(*schema), sources)


def _from_quarantine(con: duckdb.DuckDBPyConnection, refs: pl.DataFrame, sources: list[_Records]) -> pl.DataFrame:
    """Evidence naming a row that never reached its table (rule A06: a bad ID) is read from the quarantine."""
    missing = refs.filter(pl.col("source").is_null())
    if missing.is_empty() or not _is_table(con, "quarantine"):
        return refs
    keys = missing.select(*_PROVENANCE_KEY).unique()  # noqa: F841
    frame = con.execute(
        f"""
        SELECT q.source_file, q.source_sheet, CAST(q.source_row AS BIGINT) AS source_row,
               {", ".join("q." + c for c in _QUARANTINE_COLUMNS)}
        FROM quarantine q JOIN keys k
          ON q.source_file = k.source_file AND q.source_sheet = k.source_sheet AND q.source_row = k.source_row
        """
    ).pl().unique(subset=list(_PROVENANCE_KEY), keep="first", maintain_order=True)
    if frame.is_empty():
        return refs
    frame = frame.with_columns(pl.col(c).cast(pl.String) for c in _QUARANTINE_COLUMNS)
    named = frame["column_name"].unique().to_list()
    frame = frame.with_columns(pl.col("column_name").replace_strict(
        pl.Series(named, dtype=pl.String), pl.Series([_column_label(c) for c in named], dtype=pl.String),
        default=None, return_dtype=pl.String,
    ))
    source = len(sources)
    labels = _EXTRA_LABELS["quarantine"]
    sources.append(_Records(tuple((c, labels[c], "text") for c in _QUARANTINE_COLUMNS), frame.drop(*_PROVENANCE_KEY)))
    places = frame.select(*_PROVENANCE_KEY, pl.int_range(pl.len(), dtype=pl.UInt32).alias("quarantined"))
    refs = refs.join(places, on=list(_PROVENANCE_KEY), how="left", maintain_order="left")
    return refs.with_columns(
        pl.when(pl.col("source").is_null() & pl.col("quarantined").is_not_null())
        .then(pl.lit(source, dtype=pl.Int32)).otherwise(pl.col("source")).alias("source"),
        pl.coalesce(pl.col("record"), pl.col("quarantined")).alias("record"),
    ).drop("quarantined")


def _column_label(column: str | None) -> str | None:
    """person_id -> 身份证号: the label the column has in the canonical tables."""
    for table in TABLES.values():
        for c in table.columns:
            if c.name == column:
                return c.label
    return column


def _is_table(con: duckdb.DuckDBPyConnection, table: str) -> bool:
    return bool(table) and table.isidentifier() and bool(
        con.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_name = ? AND table_schema = current_schema()",
            [table],
        ).fetchone()[0]
    )


def format_value(value: object, kind: str) -> str:
    """A source value as people write it: dates as 2024-03-10, months as 2024年03月, money with 2 decimals."""
    if value is None:
        return ""
    if type(value) is str:
        return value
    if isinstance(value, dt.date):
        return value.strftime("%Y年%m月") if kind == "month" else value.isoformat()
    if isinstance(value, float):
        if kind in ("yuan",):
            return f"{value:,.2f}"
        return f"{value:g}"
    return str(value)


def location(ev: EvidenceRow) -> str:
    row = f"第{ev.source_row}行" if ev.source_row is not None else ""
    return f"{ev.source_file} / {ev.source_sheet} / {row}"


def facts_parts(ev: EvidenceRow) -> list[str]:
    """The record's non-empty values as 标签 值, e.g. 姓名 张三."""
    return [f"{label} {format_value(v, kind)}" for _, label, v, kind in ev.values if v not in (None, "")]


def facts_line(ev: EvidenceRow, limit: int = 8, parts: list[str] | None = None) -> str:
    """One line of a record's non-empty values, e.g. 【死亡人员信息】姓名 张三；死亡(注销)日期 2024-03-10."""
    if parts is None:
        parts = facts_parts(ev)
    return f"【{ev.table_label}】" + "；".join(parts[:limit])
