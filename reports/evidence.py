"""The source records behind every flag, fetched from the canonical tables by (file, sheet, row).

A flag's evidence names rows of canonical tables; teams and the office want to see what those
rows say (names, dates, amounts) without opening the department's file.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import duckdb
import polars as pl

from connectors.schema import TABLES, VILLAGE_KEYS

# Tables that are evidence but not canonical data tables (rule A06 points at quarantined rows).
_EXTRA_LABELS = {
    "quarantine": {
        "extract": "识别表类", "table_name": "目标表", "column_name": "问题列", "reason": "隔离原因",
        "cleaned_value": "清洗后取值", "raw_json": "原始内容",
    },
}
_HIDDEN = {"source_file", "source_sheet", "source_row", "village_code", "village_match", "reason_code"}
_PROVENANCE_KEY = ("source_file", "source_sheet", "source_row")


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


def _columns(con: duckdb.DuckDBPyConnection, table: str) -> list[tuple[str, str, str]]:
    """(column, label, kind) of a table as shown in reports, in schema order."""
    present = {r[0] for r in con.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_name = ? AND table_schema = current_schema()",
        [table],
    ).fetchall()}
    if not {"source_file", "source_sheet", "source_row"} <= present:
        return []
    if table in TABLES:
        spec = TABLES[table]
        keys = [c for c in VILLAGE_KEYS if c.name in ("town_raw", "village_raw")] if spec.has_village else []
        cols = [(c.name, c.label, c.kind) for c in (*spec.columns, *keys)]
    else:
        labels = _EXTRA_LABELS.get(table, {})
        cols = [(c, labels.get(c, c), "text") for c in sorted(present)]
    return [c for c in cols if c[0] in present and c[0] not in _HIDDEN]


def fetch(con: duckdb.DuckDBPyConnection, flags: pl.DataFrame) -> dict[str, list[EvidenceRow]]:
    """flag_id -> its evidence rows with the source record's values, in evidence order, deduplicated."""
    if flags.is_empty() or "evidence_list" not in flags.columns:
        return {}
    refs = (
        flags.select("flag_id", "evidence_list")
        .explode("evidence_list")
        .filter(pl.col("evidence_list").is_not_null())
        .unnest("evidence_list")
        .unique(subset=["flag_id", "table_name", *_PROVENANCE_KEY], keep="first", maintain_order=True)
    )
    records: dict[tuple, tuple[tuple[str, str, object, str], ...]] = {}
    for table in refs["table_name"].drop_nulls().unique().to_list():
        cols = _columns(con, table) if _is_table(con, table) else []
        if not cols:
            continue
        keys = refs.filter(pl.col("table_name") == table).select(*_PROVENANCE_KEY).unique()  # noqa: F841
        select = ", ".join(f"t.{c}" for c, _, _ in cols)
        names, labels, kinds = (tuple(x) for x in zip(*cols, strict=True))
        rows = con.execute(
            f"""
            SELECT t.source_file, t.source_sheet, CAST(t.source_row AS BIGINT), {select}
            FROM {table} t JOIN keys k
              ON t.source_file = k.source_file AND t.source_sheet = k.source_sheet AND t.source_row = k.source_row
            """
        ).fetchall()
        for row in rows:
            values = tuple(zip(names, labels, row[3:], kinds, strict=True))
            records.setdefault((table, row[0], row[1], row[2]), values)
    _from_quarantine(con, refs, records)
    out: dict[str, list[EvidenceRow]] = {}
    for fid, table, file, sheet, row in refs.select("flag_id", "table_name", *_PROVENANCE_KEY).iter_rows():
        out.setdefault(fid, []).append(
            EvidenceRow(table or "", table_label(table or ""), file or "", sheet or "", row,
                        records.get((table, file, sheet, row), ()))
        )
    return out


def _from_quarantine(con: duckdb.DuckDBPyConnection, refs: pl.DataFrame, records: dict[tuple, tuple]) -> None:
    """Evidence naming a row that never reached its table (rule A06: a bad ID) is read from the quarantine."""
    found = {(t, f, s, r) for (t, f, s, r) in records}
    missing = refs.filter(
        ~pl.struct("table_name", *_PROVENANCE_KEY).map_elements(
            lambda x: (x["table_name"], x["source_file"], x["source_sheet"], x["source_row"]) in found,
            return_dtype=pl.Boolean,
        )
    )
    if missing.is_empty() or not _is_table(con, "quarantine"):
        return
    keys = missing.select(*_PROVENANCE_KEY).unique()  # noqa: F841
    labels = _EXTRA_LABELS["quarantine"]
    cols = ["column_name", "reason", "cleaned_value", "raw_json"]
    rows = con.execute(
        f"""
        SELECT q.source_file, q.source_sheet, CAST(q.source_row AS BIGINT), {", ".join("q." + c for c in cols)}
        FROM quarantine q JOIN keys k
          ON q.source_file = k.source_file AND q.source_sheet = k.source_sheet AND q.source_row = k.source_row
        """
    ).fetchall()
    by_place = {}
    for row in rows:
        values = dict(zip(cols, row[3:], strict=True))
        values["column_name"] = _column_label(values["column_name"])
        by_place.setdefault((row[0], row[1], row[2]), tuple((c, labels[c], values[c], "text") for c in cols))
    for table, file, sheet, row in missing.select("table_name", *_PROVENANCE_KEY).iter_rows():
        if (file, sheet, row) in by_place:
            records[(table, file, sheet, row)] = by_place[(file, sheet, row)]


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
