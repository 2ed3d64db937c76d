"""Evidence fetched as frames (reports.evidence.Evidence) against the per-row fetch it replaced
(`reference_fetch`, the previous code): the same rows and values, the same facts lines and
locations, and digests that change with any value a village workbook shows."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import polars as pl
import pytest
from test_reports_county import build_county

from connectors.schema import TABLES
from reports import evidence, inputs, village_workbook
from reports.context import county_of, villages_of, with_evidence
from reports.evidence import EvidenceRow, facts_line, location, table_label


def reference_fetch(con: duckdb.DuckDBPyConnection, flags: pl.DataFrame) -> dict[str, list[EvidenceRow]]:
    """flag_id -> evidence rows, one Python object at a time, as reports.evidence.fetch did before."""
    if flags.is_empty() or "evidence_list" not in flags.columns:
        return {}
    key = ("source_file", "source_sheet", "source_row")
    refs = (
        flags.select("flag_id", "evidence_list").explode("evidence_list").filter(pl.col("evidence_list").is_not_null())
        .unnest("evidence_list").unique(subset=["flag_id", "table_name", *key], keep="first", maintain_order=True)
    )
    records: dict[tuple, tuple] = {}
    for table in refs["table_name"].drop_nulls().unique().to_list():
        cols = [c[:3] for c in evidence._columns(con, table)] if evidence._is_table(con, table) else []
        if not cols:
            continue
        keys = refs.filter(pl.col("table_name") == table).select(*key).unique()  # noqa: F841
        names, labels, kinds = (tuple(x) for x in zip(*cols, strict=True))
        rows = con.execute(
            f"SELECT t.source_file, t.source_sheet, CAST(t.source_row AS BIGINT), {', '.join('t.' + c for c in names)} "
            f"FROM {table} t JOIN keys k ON t.source_file = k.source_file AND t.source_sheet = k.source_sheet "
            "AND t.source_row = k.source_row"
        ).fetchall()
        for row in rows:
            records.setdefault((table, row[0], row[1], row[2]), tuple(zip(names, labels, row[3:], kinds, strict=True)))
    missing = [r for r in refs.select("table_name", *key).iter_rows() if r not in records]
    if missing and evidence._is_table(con, "quarantine"):
        keys = pl.DataFrame([r[1:] for r in missing], schema=list(key), orient="row").unique()  # noqa: F841
        cols = ["column_name", "reason", "cleaned_value", "raw_json"]
        labels = evidence._EXTRA_LABELS["quarantine"]
        by_place: dict[tuple, tuple] = {}
        for row in con.execute(
            f"SELECT q.source_file, q.source_sheet, CAST(q.source_row AS BIGINT), {', '.join('q.' + c for c in cols)} "
            "FROM quarantine q JOIN keys k ON q.source_file = k.source_file AND q.source_sheet = k.source_sheet "
            "AND q.source_row = k.source_row"
        ).fetchall():
            values = dict(zip(cols, row[3:], strict=True))
            values["column_name"] = evidence._column_label(values["column_name"])
            by_place.setdefault(row[:3], tuple((c, labels[c], values[c], "text") for c in cols))
        for r in missing:
            if r[1:] in by_place:
                records[r] = by_place[r[1:]]
    out: dict[str, list[EvidenceRow]] = {}
    for fid, table, file, sheet, row in refs.select("flag_id", "table_name", *key).iter_rows():
        out.setdefault(fid, []).append(EvidenceRow(table or "", table_label(table or ""), file or "", sheet or "", row,
                                                   records.get((table, file, sheet, row), ())))
    return out


def same(a: dict[str, list[EvidenceRow]], b: dict[str, list[EvidenceRow]]) -> None:
    """Equal, value types included (1 and 1.0 show differently), NaN equal to NaN."""
    assert repr(a) == repr(b)
    for fid in a:
        for x, y in zip(a[fid], b[fid], strict=True):
            assert [type(v[2]) for v in x.values] == [type(v[2]) for v in y.values]


def check_texts(ev: evidence.Evidence, reference: dict[str, list[EvidenceRow]]) -> None:
    table = ev.table(8, 20, 30)
    flat = [(fid, i, e) for fid, rows in reference.items() for i, e in enumerate(rows, start=1)]
    assert table.height == len(flat)
    for row, (fid, seq, e) in zip(table.iter_rows(named=True), flat, strict=True):
        assert (row["flag_id"], row["seq"], row["table_label"], row["source_file"], row["source_sheet"],
                row["source_row"]) == (fid, seq, e.table_label, e.source_file, e.source_sheet, e.source_row)
        assert row["location"] == location(e)
        for n in (8, 20, 30):
            assert row[f"facts_{n}"] == (facts_line(e, n) if e.values else None)


@pytest.fixture(scope="module")
def county(tmp_path_factory):
    c = build_county(tmp_path_factory.mktemp("ws"))
    yield c
    c.con.close()


def test_the_sample_county_as_the_per_row_fetch_had_it(county) -> None:
    flags = inputs.load(county.con, county.root).flags
    ev = evidence.fetch(county.con, flags)
    reference = reference_fetch(county.con, flags)
    assert any(e.values and e.values[0][1] == "问题列" for rows in reference.values() for e in rows)  # A06's quarantine
    same(ev.rows(), reference)
    check_texts(ev, reference)
    some = list(reference)[::2]
    same(ev.rows(some), {fid: reference[fid] for fid in some})


def test_other_tables_types_and_missing_rows(tmp_path: Path) -> None:
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    con.execute("CREATE TABLE extra_ledger (source_file VARCHAR, source_sheet VARCHAR, source_row INTEGER, "
                "flag BOOLEAN, n BIGINT, small TINYINT, x DOUBLE, day DATE, seen_at TIMESTAMP, note VARCHAR, village_code VARCHAR)")
    con.execute("INSERT INTO extra_ledger VALUES "
                "('a.xlsx', 'S', 1, true, 12345678901234, 3, -0.0, '2024-03-10', '2024-03-10 08:30:00', '', 'x'), "
                "('a.xlsx', 'S', 2, NULL, NULL, NULL, 0.0, NULL, NULL, '  两端空格 ', 'x'), "
                "('a.xlsx', 'S', 2, false, 1, 1, 1.0, NULL, NULL, 'second row at a place: not shown', 'x'), "
                "('a.xlsx', 'S', 3, false, 0, 0, 'nan', '1999-12-31', NULL, NULL, NULL)")
    deaths = ", ".join(f"{c.name} {'DATE' if c.kind == 'date' else 'VARCHAR'}" for c in TABLES["deaths"].columns)
    con.execute(f"CREATE TABLE deaths (source_file VARCHAR, source_sheet VARCHAR, source_row BIGINT, {deaths})")
    con.execute("INSERT INTO deaths (source_file, source_sheet, source_row, person_name, death_date) "
                "VALUES ('d.xlsx', '注销', 7, '张三', '2024-01-02')")
    ref = pl.Struct({"table_name": pl.String, "source_file": pl.String, "source_sheet": pl.String, "source_row": pl.Int32})
    flags = pl.DataFrame({
        "flag_id": ["F1", "F2", "F3"],
        "evidence_list": [
            [{"table_name": "extra_ledger", "source_file": "a.xlsx", "source_sheet": "S", "source_row": r} for r in (1, 2, 3, 9, 1)],
            [{"table_name": "deaths", "source_file": "d.xlsx", "source_sheet": "注销", "source_row": 7},
             {"table_name": "no_such_table", "source_file": "a.xlsx", "source_sheet": "S", "source_row": 1},
             {"table_name": None, "source_file": None, "source_sheet": None, "source_row": None}, None],
            [],
        ],
    }, schema={"flag_id": pl.String, "evidence_list": pl.List(ref)})
    ev = evidence.fetch(con, flags)
    reference = reference_fetch(con, flags)
    same(ev.rows(), reference)
    check_texts(ev, reference)
    assert set(ev.digests()) == {"F1", "F2"}
    empty = evidence.fetch(con, flags.clear())
    assert empty.rows() == {} and empty.table(20).is_empty() and empty.digests() == {}


def test_digests_change_with_any_value_shown(tmp_path: Path) -> None:
    county = build_county(tmp_path)
    con = county.con
    flags = inputs.load(con, county.root).flags

    def digests() -> dict[str, str]:
        return evidence.fetch(con, flags).digests()

    before = digests()
    assert digests() == before
    paid = ("民政/高龄补贴发放.xlsx", dt.date(2024, 5, 1))
    named = {fid for fid, rows in reference_fetch(con, flags).items()
             for e in rows if e.source_file == paid[0] and any(v[2] == paid[1] for v in e.values)}
    assert named
    for amount in (100.001, -0.0, 0.0, None):  # each shows differently in a workbook
        con.execute("UPDATE old_age_payments SET amount_yuan = ? WHERE source_file = ? AND pay_month = ?", [amount, *paid])
        after = digests()
        assert {f for f in before if after.get(f) != before[f]} == named
        before = after


def test_formatted_values_are_worked_out_per_distinct_value() -> None:
    values = pl.Series([0.0, -0.0, None, float("nan"), 1234.5, 0.0])
    texts = evidence._formatted(values, "yuan").to_list()
    assert [texts[i] for i in (0, 1, 3, 4, 5)] == ["0.00", "-0.00", "nan", "1,234.50", "0.00"]
    days = pl.Series([dt.date(2024, 3, 1), None, dt.date(2024, 3, 1)])
    assert evidence._formatted(days, "month").to_list()[::2] == ["2024年03月", "2024年03月"]
    assert evidence._formatted(pl.Series([None, None], dtype=pl.Int32), "int").to_list() == [None, None]


def test_a_village_workbook_needs_its_evidence_rows(county) -> None:
    data = inputs.load(county.con, county.root)
    ev = evidence.fetch(county.con, data.flags)
    c = county_of(data, "20241201-093000")
    village = next(v for v in villages_of(data, ev) if v.flags)
    assert village.evidence is None and len(village.evidence_digests) == len(village.flags)
    with pytest.raises(ValueError, match="evidence"):
        village_workbook.build(c, village)
    (full,) = with_evidence([village], ev)
    assert full.evidence == {f["flag_id"]: ev.rows([f["flag_id"]]).get(f["flag_id"], []) for f in village.flags}
    village_workbook.build(c, full)
