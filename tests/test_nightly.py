"""Re-runs: nothing re-read when nothing changed, one changed file changes only its flags,
statuses across runs, triage that survives re-runs, and the teams' feedback imported back."""

from __future__ import annotations

import shutil
from pathlib import Path

import openpyxl
import polars as pl
import pytest
from typer.testing import CliRunner

from connectors.readers import decode_text
from pipelines import steps
from pipelines.cli import app
from pipelines.flows import run_pipeline
from rules.lifecycle import set_triage


@pytest.fixture(scope="module")
def county(sample_inbox) -> Path:
    return sample_inbox(12, 11)  # one town: the full injection plan (shared: tests copy it)


def flags_csv(ws: Path) -> pl.DataFrame:
    return pl.read_csv(ws / "flags.csv", infer_schema=False)


def test_reruns_statuses_triage_and_feedback(county: Path, tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    shutil.copytree(county, inbox)
    ws = tmp_path / "ws"

    first = run_pipeline(inbox, ws, use_tasks=False)
    assert first.files_read > 10 and first.rules_rerun is None and first.flags > 0
    run1 = flags_csv(ws)
    assert set(run1["status"]) == {"new"}

    # 1. Nothing changed: nothing is read, nothing re-checked, outputs untouched.
    before = (ws / "flags.csv").read_bytes()
    second = run_pipeline(inbox, ws, use_tasks=False)
    assert second.nothing_changed and second.files_read == 0 and second.files_unchanged == first.files_read
    assert (ws / "flags.csv").read_bytes() == before

    # 2. One file changes: a death is removed from the deaths register.
    deaths = next(p for p in inbox.rglob("*") if "死亡" in p.name)
    text, encoding = decode_text(deaths.read_bytes())
    a01 = run1.filter((pl.col("rule_id") == "A01") & pl.lit(text).str.contains(pl.col("subject_key"), literal=True))
    assert a01.height, "the sample should have an A01 case whose ID is written plainly in the deaths file"
    target = a01.row(0, named=True)
    kept = [line for line in text.splitlines(keepends=True) if target["subject_key"] not in line]
    deaths.write_bytes("".join(kept).encode(encoding))

    third = run_pipeline(inbox, ws, use_tasks=False)
    assert third.files_read == 1 and not third.nothing_changed
    assert "A01" in third.rules_rerun and "D01" not in third.rules_rerun
    run3 = flags_csv(ws)
    status = dict(zip(run3["flag_id"], run3["status"], strict=True))
    assert status[target["flag_id"]] == "resolved"
    deaths_name = deaths.relative_to(inbox).as_posix()
    untouched = run1.filter(~pl.col("evidence").str.contains(deaths_name, literal=True) & (pl.col("rule_id") != "A06"))
    for row in untouched.iter_rows(named=True):
        assert status.get(row["flag_id"]) == "open", row["flag_id"]
    facts = dict(zip(run3["flag_id"], run3["facts_hash"], strict=True))
    assert all(facts[r["flag_id"]] == r["facts_hash"] for r in untouched.iter_rows(named=True))

    # 3. Triage: a dismissal survives the next run and stops counting in the village's score.
    dismissed = untouched.row(0, named=True)
    con = steps.Workspace(ws).connect()
    set_triage(con, dismissed["flag_id"], "排除", "已核实为同名不同人")
    con.close()
    villages_before = pl.read_csv(ws / "villages.csv", infer_schema=False)
    fourth = run_pipeline(inbox, ws, use_tasks=False)
    assert not fourth.nothing_changed and fourth.rules_rerun == []
    run4 = flags_csv(ws)
    row = run4.filter(pl.col("flag_id") == dismissed["flag_id"]).row(0, named=True)
    assert row["triage"] == "排除" and row["status"] == "open"
    villages_after = pl.read_csv(ws / "villages.csv", infer_schema=False)
    count = lambda v: int(v.filter(pl.col("village_code") == dismissed["village_code"])["flag_count"][0])  # noqa: E731
    assert count(villages_after) == count(villages_before) - 1

    # 4. Feedback: a team fills 核查结果 in its workbook; importing it records the verdict.
    chosen = run4.filter((pl.col("status") == "open") & (pl.col("triage") == "")).row(0, named=True)
    report_dir = Path(fourth.report_dir)
    workbook = next(
        p for p in report_dir.rglob("*巡察风险清单.xlsx")
        if chosen["flag_id"] in {c for r in openpyxl.load_workbook(p, read_only=True)["问题清单"].iter_rows(values_only=True) for c in r}
    )
    wb = openpyxl.load_workbook(workbook)
    sheet = wb["问题清单"]
    header = next(r for r in sheet.iter_rows(min_row=1, max_row=10) if any(c.value == "疑点编号" for c in r))
    col = {c.value: c.column for c in header}
    target_row = next(r[0].row for r in sheet.iter_rows(min_row=header[0].row + 1) if r[col["疑点编号"] - 1].value == chosen["flag_id"])
    sheet.cell(target_row, col["核查结果"], "已核实：情况属实，已责令退回")
    sheet.cell(target_row, col["核查人"], "李组长")
    returned = tmp_path / "returned.xlsx"
    wb.save(returned)
    result = CliRunner().invoke(app, ["import-feedback", str(returned), "--workspace", str(ws)])
    assert result.exit_code == 0, result.output
    assert "共更新 1 条" in result.output
    run_pipeline(inbox, ws, use_tasks=False)
    run5 = flags_csv(ws)
    verdict = run5.filter(pl.col("flag_id") == chosen["flag_id"]).row(0, named=True)
    assert verdict["triage"] == "已核实" and "情况属实" in verdict["triage_note"]


def test_removed_file_is_retired(county: Path, tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    shutil.copytree(county, inbox)
    ws = tmp_path / "ws"
    run_pipeline(inbox, ws, use_tasks=False)
    payroll = next(p for p in inbox.rglob("*") if "财政供养" in p.name)
    payroll.unlink()
    summary = run_pipeline(inbox, ws, use_tasks=False)
    assert summary.files_removed == 1 and summary.files_read == 0
    con = steps.Workspace(ws).connect()
    assert con.execute("SELECT count(*) FROM payroll").fetchone()[0] == 0
    con.close()
    flags = flags_csv(ws)
    assert set(flags.filter(pl.col("rule_id") == "A04")["status"]) <= {"resolved"}
    report = pl.read_csv(ws / "ingest_report.csv", infer_schema=False)
    assert report.filter(pl.col("message").str.contains("已从收件箱移除")).height == 1
