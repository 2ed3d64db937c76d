"""Crash and concurrency safety of `xuncha run`, as a user would meet them: real subprocesses.

Kill tests: XUNCHA_TEST_PAUSE_AT=<stage> (xuncha/faults.py) makes the run stop at a known point;
the test kills its whole process group with SIGKILL there (as a power cut would), checks that the
warehouse opens and the last good outputs and reports are untouched, runs again and compares the
flags with those of a run that was never killed. Runs use XUNCHA_WITHOUT_PREFECT=1 (the same steps,
without the seconds Prefect's server takes to start); test_offline.py runs through Prefect.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import polars as pl
import pytest
from conftest import built_once

from xuncha.faults import MARKER, STAGES

XUNCHA = Path(sys.executable).with_name("xuncha")
OUTPUT_CSVS = ["ingest_report.csv", "flags.csv", "villages.csv", "rule_coverage.csv", "town_common.csv"]


def env(**extra: str) -> dict[str, str]:
    e = {k: v for k, v in os.environ.items() if not k.startswith("XUNCHA_TEST_")}
    # COLUMNS: rich wraps long lines at 80 columns when not on a terminal.
    return e | {"XUNCHA_WITHOUT_PREFECT": "1", "COLUMNS": "500"} | extra


def run(inbox: Path, ws: Path, *args: str, **extra: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(XUNCHA), "run", str(inbox), "--workspace", str(ws), *args], env=env(**extra),
                          capture_output=True, text=True, timeout=300)


def start_paused(args: list[str], stage: str, **extra: str) -> subprocess.Popen:
    """Start a command that stops at `stage`; returns once it is there (its own process group)."""
    p = subprocess.Popen([str(XUNCHA), *args], env=env(XUNCHA_TEST_PAUSE_AT=stage, **extra),
                         stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, start_new_session=True)
    deadline = time.monotonic() + 240
    seen = []
    while time.monotonic() < deadline:
        line = p.stderr.readline()
        if not line and p.poll() is not None:
            break
        seen.append(line)
        if line.startswith(MARKER):
            return p
    p.kill()
    raise AssertionError(f"never reached {stage}:\n{''.join(seen)[-3000:]}")


def kill_group(p: subprocess.Popen) -> None:
    os.killpg(p.pid, signal.SIGKILL)
    p.wait(timeout=30)


def digest(paths: list[Path]) -> dict[str, str]:
    return {str(p): hashlib.sha256(p.read_bytes()).hexdigest() for p in paths if p.is_file()}


def report_files(ws: Path) -> list[Path]:
    root = ws / "reports"
    return sorted(p for p in root.rglob("*") if p.is_file() and not any(part.startswith(".") for part in p.relative_to(root).parts)) if root.exists() else []


def flag_ids(ws: Path) -> set[str]:
    return set(pl.read_csv(ws / "flags.csv", infer_schema=False).filter(pl.col("status") != "resolved")["flag_id"])


@pytest.fixture(scope="session")
def inboxes(tmp_path_factory, sample_inbox):
    """A small county (inbox A) and the same with one file changed (inbox B); built once per session
    and shared by the xdist workers (read-only: runs copy what they change)."""
    a = sample_inbox(4, 11)

    def build_b(b: Path) -> None:
        shutil.copytree(a, b)
        deaths = next(b.rglob("死亡*.csv"))
        lines = deaths.read_bytes().splitlines(keepends=True)
        deaths.write_bytes(b"".join(lines[:-2] + lines[-1:]))  # one death record fewer: data changed

    return a, built_once(tmp_path_factory, "crash-inbox-b", build_b)


@pytest.fixture(scope="session")
def good_workspace(inboxes, tmp_path_factory):
    """A workspace after a good run on inbox A (shared: tests copy it)."""
    a, _ = inboxes

    def build(ws: Path) -> None:
        r = run(a, ws)
        assert r.returncode == 0, r.stderr[-3000:]

    return built_once(tmp_path_factory, "crash-good-workspace", build)


@pytest.fixture(scope="session")
def reference(inboxes, good_workspace, tmp_path_factory):
    """Flags of inbox B after a run that was never interrupted."""
    _, b = inboxes

    def build(ws: Path) -> None:
        shutil.copytree(good_workspace, ws)
        r = run(b, ws)
        assert r.returncode == 0, r.stderr[-3000:]

    return flag_ids(built_once(tmp_path_factory, "crash-reference", build))


@pytest.mark.parametrize("stage", list(STAGES))
def test_killed_run_leaves_last_good_state_and_next_run_completes(stage, inboxes, good_workspace, reference, tmp_path):
    _, b = inboxes
    ws = tmp_path / "ws"
    shutil.copytree(good_workspace, ws)
    before = digest([ws / n for n in OUTPUT_CSVS] + report_files(ws))
    reports_before = {p.relative_to(ws) for p in report_files(ws)}

    p = start_paused(["run", str(b), "--workspace", str(ws)], stage)
    kill_group(p)

    # The warehouse opens and answers; the last good reports are all there, byte for byte.
    con = duckdb.connect(str(ws / "warehouse.duckdb"))
    in_warehouse = {r[0] for r in con.execute("SELECT flag_id FROM flags").fetchall()}
    # the flags table is whole: the last good run's, or (killed after the check committed) the new run's
    assert in_warehouse in (flag_ids(good_workspace), reference), f"{stage}: flags table is neither run's"
    assert con.execute("SELECT count(*) FROM load_log").fetchone()[0] > 0
    con.close()
    after = digest([Path(k) for k in before])
    for path in reports_before:
        assert after[str(ws / path)] == before[str(ws / path)], f"{path} changed by a killed run"
    for name in OUTPUT_CSVS:  # every output is a whole file: the old one or the new one
        pl.read_csv(ws / name, infer_schema=False)
    assert not [p for p in (ws / "reports").iterdir() if p.suffix == ".tmp" and not p.name.startswith(".")]

    # The next run completes, and ends where an uninterrupted run ends.
    again = run(b, ws)
    assert again.returncode == 0, again.stdout[-2000:] + again.stderr[-3000:]
    assert flag_ids(ws) == reference
    report = pl.read_csv(ws / "ingest_report.csv", infer_schema=False)
    assert (report["rows_read"].cast(int) == report["rows_loaded"].cast(int) + report["rows_quarantined"].cast(int)).all()
    assert len(report_files(ws)) > len(reports_before)  # this run's reports were written

    audit = (ws / "audit.log").read_text(encoding="utf-8").splitlines()
    starts = [line for line in audit if '"event": "start"' in line]
    ends = [line for line in audit if '"event": "end"' in line]
    assert len(starts) == len(ends) + 1  # the killed run started and never ended: the log says so


def test_second_run_is_refused_with_a_clear_message(inboxes, good_workspace, tmp_path):
    a, _ = inboxes
    ws = tmp_path / "ws"
    shutil.copytree(good_workspace, ws)
    first = start_paused(["run", str(a), "--workspace", str(ws), "--full"], "check")
    try:
        second = run(a, ws)
        assert second.returncode == 2
        out = second.stdout + second.stderr
        assert "正被另一个 xuncha 进程" in out and f"进程号 {first.pid}" in out and "run" in out
        assert "Traceback" not in out
        check = subprocess.run([str(XUNCHA), "check", "--workspace", str(ws)], env=env(), capture_output=True,
                               text=True, timeout=120)
        assert check.returncode == 2 and "正被另一个 xuncha 进程" in check.stdout + check.stderr
    finally:
        kill_group(first)
    # Killed: the kernel released the lock; no file to delete by hand.
    assert run(a, ws).returncode == 0


def test_second_run_waits_when_asked(inboxes, good_workspace, tmp_path):
    a, _ = inboxes
    ws = tmp_path / "ws"
    shutil.copytree(good_workspace, ws)
    first = start_paused(["run", str(a), "--workspace", str(ws), "--full"], "check", XUNCHA_TEST_PAUSE_SECONDS="3")
    second = run(a, ws, "--wait", "240")
    assert first.wait(timeout=240) == 0
    assert second.returncode == 0, second.stderr[-2000:]


def test_duckdb_lock_held_elsewhere_is_a_chinese_message(good_workspace, tmp_path):
    ws = tmp_path / "ws"
    shutil.copytree(good_workspace, ws)
    holder = subprocess.Popen(
        [sys.executable, "-c", "import duckdb, sys, time; c = duckdb.connect(sys.argv[1]); print('open', flush=True); "
         "time.sleep(120)", str(ws / "warehouse.duckdb")],
        stdout=subprocess.PIPE, text=True, start_new_session=True)
    try:
        assert holder.stdout.readline().strip() == "open"
        r = subprocess.run([str(XUNCHA), "check", "--workspace", str(ws)], env=env(), capture_output=True, text=True,
                           timeout=120)
        out = r.stdout + r.stderr
        assert r.returncode == 2 and "正被另一个程序打开" in out and "Traceback" not in out and "IOException" not in out
    finally:
        kill_group(holder)
