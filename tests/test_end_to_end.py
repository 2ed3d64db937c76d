"""End to end on the bundled sample county: ingest accounting, quarantine, and rule recall/precision."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from pipelines import steps
from samplegen.evaluate import compare, false_flags, missed, read_ground_truth
from xuncha.config import WorkspaceConfig

SAMPLE = Path(__file__).resolve().parent.parent / "data" / "sample"

pytestmark = pytest.mark.skipif(
    not (SAMPLE / "ground_truth.csv").exists(), reason="data/sample has not been generated"
)


@pytest.fixture(scope="module")
def sample_run(tmp_path_factory):
    ws = steps.Workspace(tmp_path_factory.mktemp("ws"))
    config = WorkspaceConfig()
    con = ws.connect()
    reports = steps.ingest(SAMPLE, ws, con, config)
    outputs = steps.check(ws, con, config)
    yield ws, con, reports, outputs
    con.close()


def test_every_file_is_recognised(sample_run) -> None:
    _, _, reports, _ = sample_run
    unrecognised = [(r.file, r.sheet, r.message) for r in reports if r.extract is None]
    # Only the answer files (.xunchaignore) and the ignore file itself are set aside, each saying why.
    assert sorted(f for f, _, m in unrecognised if m.startswith("已跳过：")) == [
        ".xunchaignore", "expected_quarantine.csv", "ground_truth.csv", "near_misses.csv"]
    assert [u for u in unrecognised if not u[2].startswith("已跳过：")] == []
    assert len({r.file for r in reports}) >= 14


def test_rows_read_equal_loaded_plus_quarantined_on_every_sheet(sample_run) -> None:
    ws, _, reports, _ = sample_run
    for r in reports:
        assert r.rows_read == r.rows_loaded + r.rows_quarantined, (r.file, r.sheet)
        assert r.rows_read > 0 or r.message.startswith("已跳过："), (r.file, r.sheet)
    written = pl.read_csv(ws.root / "ingest_report.csv", infer_schema=False)
    assert written.columns[:7] == ["file", "sheet", "extract", "rows_read", "rows_loaded", "rows_quarantined", "message"]
    assert written.height == len(reports)


def test_every_injected_bad_id_is_quarantined_and_nothing_else(sample_run) -> None:
    _, con, _, _ = sample_run
    expected = pl.read_csv(SAMPLE / "expected_quarantine.csv", infer_schema=False).select(
        pl.col("file"), pl.col("sheet"), pl.col("row").cast(pl.Int64), pl.col("reason_code")
    )
    got = con.execute(
        "SELECT source_file AS file, source_sheet AS sheet, CAST(source_row AS BIGINT) AS row, reason_code FROM quarantine"
    ).pl()
    key = ["file", "sheet", "row"]
    not_quarantined = expected.join(got, on=key, how="anti")
    assert not_quarantined.is_empty(), f"injected bad rows not quarantined:\n{not_quarantined}"
    wrongly = got.join(expected, on=key, how="anti")
    assert wrongly.is_empty(), f"valid rows quarantined:\n{wrongly}"
    reasons = expected.join(got, on=key, suffix="_got").filter(pl.col("reason_code") != pl.col("reason_code_got"))
    assert reasons.is_empty(), f"quarantined for another reason:\n{reasons}"


def test_quarantine_reasons_are_chinese_and_located(sample_run) -> None:
    _, con, _, _ = sample_run
    rows = con.execute("SELECT source_file, source_sheet, source_row, reason FROM quarantine").fetchall()
    assert rows
    for file, sheet, row, reason in rows:
        assert file and sheet and row and any("\u4e00" <= ch <= "\u9fff" for ch in reason)


def test_every_rule_ran(sample_run) -> None:
    _, _, _, outputs = sample_run
    not_ran = [(o.rule_id, o.reason) for o in outputs.result.coverage if o.status != "ran"]
    assert not_ran == []


def test_recall_is_complete_and_precision_at_least_95_percent(sample_run) -> None:
    _, _, _, outputs = sample_run
    truth = read_ground_truth(SAMPLE)
    flags = outputs.result.flags
    table = compare(flags, truth)
    total = table.filter(pl.col("rule_id") == "合计").row(0, named=True)
    assert missed(flags, truth).is_empty(), f"missed:\n{missed(flags, truth)}\n{table}"
    assert total["precision"] >= 0.95, f"false flags:\n{false_flags(flags, truth).select('rule_id', 'village_code', 'subject_key', 'summary')}\n{table}"


def test_every_flag_is_traceable(sample_run) -> None:
    _, _, _, outputs = sample_run
    for ev in outputs.result.flags["evidence"].to_list():
        assert ev and all(part.count(":") >= 2 for part in ev.split("; "))


def test_outputs_written(sample_run) -> None:
    ws, _, _, outputs = sample_run
    villages = pl.read_csv(ws.root / "villages.csv", infer_schema=False)
    assert villages.columns[:7] == ["village_code", "village_name", "town", "score", "rank", "class", "flag_count"]
    assert villages.height == outputs.villages.height >= 20
    flags = pl.read_csv(ws.root / "flags.csv", infer_schema=False)
    assert flags.height == outputs.result.flags.height
    coverage = pl.read_csv(ws.root / "rule_coverage.csv", infer_schema=False)
    assert coverage.columns[:4] == ["rule_id", "status", "reason", "flags"]


def test_same_facts_give_the_same_flags_whatever_the_parallelism(sample_run) -> None:
    """Flag ids and facts hashes must not depend on DuckDB's thread scheduling: triage relies on them."""
    from rules.engine import run_rules

    _, con, _, outputs = sample_run
    baseline = dict(zip(outputs.result.flags["flag_id"], outputs.result.flags["facts_hash"], strict=True))
    for threads in (1, 8):
        con.execute(f"SET threads = {threads}")
        again = run_rules(con, WorkspaceConfig()).flags
        assert dict(zip(again["flag_id"], again["facts_hash"], strict=True)) == baseline
    con.execute("RESET threads")


def test_a_pool_of_reading_processes_loads_exactly_what_one_process_does(tmp_path, monkeypatch) -> None:
    import connectors.readahead
    from connectors.ingest import ingest_inbox
    from connectors.schema import TABLES
    from connectors.warehouse import open_warehouse

    # every file a job of its own (the sample's files are small enough to go in one batch)
    monkeypatch.setattr(connectors.readahead, "SMALL_FILE_BYTES", 0)
    loaded = {}
    for workers in (0, 1):
        con = open_warehouse(tmp_path / f"w{workers}.duckdb")
        reports = ingest_inbox(SAMPLE, con, WorkspaceConfig(), workers=workers)
        tables = {t: con.execute(f"SELECT count(*), count(DISTINCT source_file || source_sheet || source_row), "
                                 f"count(village_code) FROM {t}").fetchone() if TABLES[t].has_village else
                  con.execute(f"SELECT count(*) FROM {t}").fetchone() for t in TABLES}
        quarantine = con.execute("SELECT source_file, source_sheet, source_row, reason_code FROM quarantine "
                                 "ORDER BY ALL").fetchall()
        loaded[workers] = (sorted((r.file, r.sheet, r.rows_read, r.rows_loaded, r.rows_quarantined, r.message)
                                  for r in reports), tables, quarantine)
        con.close()
    assert loaded[1] == loaded[0]
    assert sum(t[0] for t in loaded[0][1].values()) > 1000


def test_key_villages_are_a_sensible_share_and_each_is_explained(sample_run) -> None:
    # the sample's petitions and 软弱涣散 list are loaded; 重点村 are a quarter to a third of the villages
    _, con, _, outputs = sample_run
    portrait = con.execute("SELECT p.key_reasons, p.missing, s.class FROM village_portrait p "
                           "JOIN village_scores s USING (village_code)").fetchall()
    key = [r for r in portrait if r[2] == "重点村"]
    assert 0.25 <= len(key) / len(portrait) <= 1 / 3
    assert all(reasons for reasons, _, _ in key)  # every 重点村 says why
    assert all(not reasons for reasons, _, cls in portrait if cls == "一般村")
    assert all(missing == "" for _, missing, _ in portrait)  # every source of the portrait was supplied
    assert any("信访反映多" in r[0] for r in key) and any("软弱涣散" in r[0] for r in key)
