"""Data checks (connectors/validation.py, expectations.toml): row-level quarantine by check, warnings,
table-level rejection, validation_results and the data-quality page; lock and audit log helpers."""

from __future__ import annotations

import json
import os
import random
import re

import great_expectations.expectations as gxe
import pandas as pd
import polars as pl
import pytest
from fixtures.connectors.workbooks import BASICS, make_id, write_xlsx

from connectors.catalog import load_catalog
from connectors.checks import load_checks
from connectors.gx_adapter import _gx, valid_resident_ids
from connectors.ingest import ingest_inbox
from connectors.warehouse import open_warehouse
from pipelines.audit import REDACTED, audited, config_record
from reports.data_quality import write_data_quality_html
from xuncha import idcard
from xuncha.config import WorkspaceConfig
from xuncha.lock import WorkspaceBusy, workspace_lock

CONFIG = WorkspaceConfig()


@pytest.fixture
def con(tmp_path):
    c = open_warehouse(tmp_path / "w.duckdb")
    yield c
    c.close()


@pytest.fixture
def inbox(tmp_path):
    box = tmp_path / "inbox"
    box.mkdir()
    write_xlsx(box / "村基本情况.xlsx", {"村": BASICS})
    return box


def cname(i: int) -> str:
    return "孙" + "".join("零一二三四五六七八九"[int(d)] for d in str(i))


def test_every_declared_check_is_a_known_expectation() -> None:
    checks = load_checks(load_catalog())
    ours = set(_gx()["classes"])
    for c in checks.checks:
        assert c.targets, c.name
        assert c.expectation in ours or hasattr(gxe, c.expectation), c.expectation
        assert re.search(r"[\u4e00-\u9fff]", c.label)


def test_resident_id_expectation_agrees_with_the_scalar_check() -> None:
    rng = random.Random(3)
    values = []
    for _ in range(500):
        body = "610102" + f"{rng.randint(1930, 2015)}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}" + f"{rng.randint(0, 999):03d}"
        good = body + idcard.check_char(body)
        values.append(good if rng.random() < 0.7 else body + rng.choice("0123456789X"))
    values += ["61010219900101123", "6101021990010112345", "abc", "61010219900101123x"]
    got = valid_resident_ids(pd.Series(values)).tolist()
    want = [len(v) == 18 and v[:17].isdigit() and idcard.check_char(v[:17]) == v[17] for v in values]
    assert got == want


def roster_rows(n: int) -> list[list]:
    header = ["乡镇", "村", "户主姓名", "户主身份证号", "成员姓名", "身份证号", "与户主关系", "保障类别", "保障人数",
              "月保障金", "审批日期", "状态", "停保日期"]
    rows = [header]
    for i in range(n):
        pid = make_id("19" + f"{50 + i % 40:02d}" + "0101", f"{i:03d}")
        rows.append(["城关镇", "东岭村", cname(i), pid, cname(i), pid, "户主", "农村低保", 1, 300, "2023-01-01",
                     "在保", None])
    return rows


def test_row_level_failures_are_quarantined_naming_the_check(inbox, con) -> None:
    rows = roster_rows(30)
    rows[3][9] = -300            # negative amount
    rows[5][9] = 3_000_000       # a monthly allowance of three million: a typo
    rows[7][12] = "2022-06-01"   # stopped before it was approved
    rows[7][11] = "停保"
    rows[9][10] = "2099-01-01"   # approved in the future (dates reach GX as days since 1970)
    write_xlsx(inbox / "花名册.xlsx", {"城关镇": rows})
    reports = ingest_inbox(inbox, con, CONFIG, workers=0)
    r = next(x for x in reports if x.file == "花名册.xlsx")
    assert (r.rows_read, r.rows_loaded, r.rows_quarantined) == (30, 26, 4)
    assert "数据检查隔离4行" in r.message and "整个文件未入库" not in r.message
    got = con.execute("SELECT source_row, reason_code, reason FROM quarantine ORDER BY source_row").fetchall()
    assert [(g[0], g[1]) for g in got] == [
        (4, "amount_non_negative"), (6, "amount_plausible"), (8, "end_not_before_start"), (10, "date_in_range"),
    ]
    assert got[0][2] == "第4行“月保障金”列：金额或面积为负数（原值：-300）"
    assert got[2][2].startswith("第8行“停保日期、审批日期”列：结束日期早于开始日期")
    loaded = con.execute("SELECT count(*) FROM assistance_roster").fetchone()[0]
    assert loaded == 26


def test_warnings_keep_rows_and_are_reported(inbox, con) -> None:
    header = ["乡镇", "村", "户号", "姓名", "身份证号", "出生日期", "与户主关系", "户籍状态"]
    rows = [header]
    for i in range(20):
        pid = make_id("19800101", f"{i:03d}")
        rows.append(["城关镇", "东岭村", f"H{i}", cname(i), pid, "1980-01-01" if i != 4 else "1981-02-02", "户主", "正常"])
    write_xlsx(inbox / "户籍.xlsx", {"户籍": rows})
    reports = ingest_inbox(inbox, con, CONFIG, workers=0)
    r = next(x for x in reports if x.file == "户籍.xlsx")
    assert r.rows_loaded == 20 and r.rows_quarantined == 0
    assert "数据检查提示：“出生日期”出生日期与身份证号不一致1行（第6行），已入库，请核实" in r.message
    assert "村代码" not in r.message
    row = con.execute(
        "SELECT outcome, failed, sample_rows, expectation FROM validation_results WHERE check_name = 'birth_date_matches_id'"
    ).fetchone()
    assert row[0] == "提示" and row[1] == 1 and row[3] == "expect_column_pair_values_to_be_equal"
    assert json.loads(row[2])[0]["行"] == 6


def test_village_codes_outside_the_statistics_list_are_reported_not_dropped(inbox, con) -> None:
    header = ["村代码", "户号", "姓名", "身份证号", "与户主关系", "户籍状态"]
    rows = [header] + [["611021104203" if i != 7 else "611021199999", f"H{i}", cname(i),
                        make_id("19800101", f"{i:03d}"), "户主", "正常"] for i in range(12)]
    write_xlsx(inbox / "户籍.xlsx", {"户籍": rows})
    reports = ingest_inbox(inbox, con, CONFIG, workers=0)
    r = next(x for x in reports if x.file == "户籍.xlsx")
    assert r.rows_loaded == 12 and r.rows_quarantined == 0
    outcome, failed, samples, expectation = con.execute(
        "SELECT outcome, failed, sample_rows, expectation FROM validation_results WHERE check_name = 'village_in_reference'"
    ).fetchone()
    assert outcome == "提示" and failed == 1 and expectation == "expect_column_values_to_be_in_village_reference"
    assert json.loads(samples)[0]["行"] == 9


def test_validation_results_and_the_offline_page(inbox, con, tmp_path) -> None:
    rows = roster_rows(12)
    rows[2][9] = -1
    write_xlsx(inbox / "花名册.xlsx", {"城关镇": rows})
    (inbox / "坏.xlsx").write_bytes(b"PK\x03\x04broken")
    ingest_inbox(inbox, con, CONFIG, workers=0)
    sheets = con.execute(
        "SELECT source_file, any_value(rows_read), any_value(rows_loaded), any_value(rows_quarantined) "
        "FROM validation_results GROUP BY 1 ORDER BY 1"
    ).fetchall()
    assert ("花名册.xlsx", 12, 11, 1) in sheets and ("坏.xlsx", 0, 0, 0) in sheets
    page = write_data_quality_html(con, tmp_path / "dq.html").read_text(encoding="utf-8")
    assert "数据质量报告" in page and "花名册.xlsx" in page and "金额或面积为负数" in page and "坏.xlsx" in page
    # Self-contained: nothing to fetch from anywhere.
    assert not re.search(r"<script|<link|https?://|@import|url\(", page)


@pytest.mark.skipif((os.cpu_count() or 1) < 2, reason="one core: Great Expectations runs in this process")
def test_the_gx_process_validates_as_this_process_would(inbox, tmp_path, monkeypatch) -> None:
    """The ingest hands its batches to the GX process (connectors.children.start_gx); the same inbox
    validated in this process gives the same results, row for row."""
    from connectors import children, gx_adapter

    rows = roster_rows(30)
    rows[3][9] = -300
    rows[5][3] = "610102195001011234"  # a wrong check character
    rows[9][10] = "2099-01-01"
    write_xlsx(inbox / "花名册.xlsx", {"城关镇": rows})
    here = []  # GX used in this process
    original = gx_adapter._gx
    monkeypatch.setattr(gx_adapter, "_gx", lambda: here.append(1) or original())

    def ingest(name: str) -> tuple[list, list]:
        c = open_warehouse(tmp_path / f"{name}.duckdb")
        try:
            ingest_inbox(inbox, c, CONFIG, workers=0)
            results = c.execute("SELECT source_file, source_sheet, check_name, column_name, evaluated, failed, "
                                "outcome, sample_rows FROM validation_results ORDER BY ALL").fetchall()
            quarantined = c.execute("SELECT source_row, reason_code, reason FROM quarantine ORDER BY ALL").fetchall()
            return results, quarantined
        finally:
            c.close()

    state = gx_adapter._gx_state
    monkeypatch.setattr(gx_adapter, "_gx_state", {})  # as in a run: GX not imported here (other tests did)
    there = ingest("there")
    assert children.gx_pool() is not None and here == []  # validated in the GX process
    assert any(r[5] for r in there[0]) and len(there[1]) == 3
    monkeypatch.setattr(gx_adapter, "_gx_state", state)
    monkeypatch.setattr(children, "_gx", {})
    monkeypatch.setattr(children.os, "cpu_count", lambda: 1)
    assert ingest("here") == there and here  # validated here this time, to the same results


@pytest.mark.skipif((os.cpu_count() or 1) < 2, reason="one core: Great Expectations runs in this process")
def test_big_frames_reach_the_gx_process_as_files_with_the_same_results(inbox, tmp_path, monkeypatch) -> None:
    """Frames of HANDOVER_MIN_ROWS rows or more go to the GX process as Arrow files beside the
    warehouse instead of through the pipe: the same results, row for row, and no file left behind."""
    from connectors import gx_adapter, handover

    rows = roster_rows(30)
    rows[3][9] = -300
    rows[5][3] = "610102195001011234"  # a wrong check character
    write_xlsx(inbox / "花名册.xlsx", {"城关镇": rows})
    given: list[str] = []
    handed_over = handover.handed_over
    monkeypatch.setattr(gx_adapter, "handed_over", lambda frame: given.append(type(r := handed_over(frame)).__name__) or r)

    def ingest(name: str, min_rows: int) -> tuple[list, list]:
        monkeypatch.setattr(handover, "HANDOVER_MIN_ROWS", min_rows)
        folder = tmp_path / name
        folder.mkdir()
        c = open_warehouse(folder / "w.duckdb")
        try:
            ingest_inbox(inbox, c, CONFIG, workers=0)
            results = c.execute("SELECT source_file, source_sheet, check_name, column_name, evaluated, failed, "
                                "outcome, sample_rows FROM validation_results ORDER BY ALL").fetchall()
            quarantined = c.execute("SELECT source_row, reason_code, reason FROM quarantine ORDER BY ALL").fetchall()
        finally:
            c.close()
        assert sorted(p.name for p in folder.iterdir() if not p.name.startswith("w.duckdb")) == []  # nothing left
        return results, quarantined

    piped = ingest("piped", 10**9)
    assert given and set(given) == {"DataFrame"}
    given.clear()
    filed = ingest("filed", 1)
    assert given and set(given) == {"PosixPath"}  # every batch went as a file
    assert filed == piped and len(filed[1]) == 2


def _start_gx_and_return() -> None:
    from connectors import children

    assert children.start_gx()
    children.gx_pool().submit(int).result()  # the GX process is up, and idle from now on


@pytest.mark.skipif((os.cpu_count() or 1) < 2, reason="one core: no GX process")
def test_a_process_that_started_the_gx_process_still_exits() -> None:
    """A multiprocessing child (a Prefect flow run is one) joins its children as it exits: the idle
    GX process must have been told to stop by then, or the run never ends."""
    import multiprocessing

    child = multiprocessing.get_context("spawn").Process(target=_start_gx_and_return)
    child.start()
    child.join(120)
    hung = child.is_alive()
    if hung:
        child.kill()
    assert not hung and child.exitcode == 0


def test_without_a_gx_process_the_checks_run_here(inbox, con, monkeypatch) -> None:
    """A machine where the GX process cannot start (no fork server): validated here, nothing lost."""
    from concurrent.futures import ProcessPoolExecutor

    from connectors import children

    class NoProcess(ProcessPoolExecutor):
        def submit(self, *args, **kwargs):
            raise OSError("no fork server")

    monkeypatch.setattr(children, "_gx", {})
    monkeypatch.setattr(children.os, "cpu_count", lambda: 2)
    monkeypatch.setattr(children, "ProcessPoolExecutor", NoProcess)
    rows = roster_rows(12)
    rows[2][9] = -1
    write_xlsx(inbox / "花名册.xlsx", {"城关镇": rows})
    reports = ingest_inbox(inbox, con, CONFIG, workers=0)
    r = next(x for x in reports if x.file == "花名册.xlsx")
    assert (r.rows_loaded, r.rows_quarantined) == (11, 1)
    assert con.execute("SELECT reason_code FROM quarantine").fetchall() == [("amount_non_negative",)]
    assert children.gx_pool() is None


def test_nothing_validated_twice_on_reload(inbox, con) -> None:
    write_xlsx(inbox / "花名册.xlsx", {"城关镇": roster_rows(5)})
    ingest_inbox(inbox, con, CONFIG, workers=0)
    first = con.execute("SELECT count(*) FROM validation_results WHERE source_file = '花名册.xlsx'").fetchone()[0]
    ingest_inbox(inbox, con, CONFIG, workers=0)
    assert con.execute("SELECT count(*) FROM validation_results WHERE source_file = '花名册.xlsx'").fetchone()[0] == first


def test_lock_is_exclusive_reentrant_and_names_the_holder(tmp_path) -> None:
    import subprocess
    import sys

    with workspace_lock(tmp_path, "run"):
        with workspace_lock(tmp_path, "run"):  # a flow inside the command: same process, fine
            pass
        code = ("import sys; from pathlib import Path; from xuncha.lock import workspace_lock, WorkspaceBusy\n"
                "try:\n    with workspace_lock(Path(sys.argv[1]), 'check'): print('got it')\n"
                "except WorkspaceBusy as e: print(e)")
        out = subprocess.run([sys.executable, "-c", code, str(tmp_path)], capture_output=True, text=True,
                             cwd=os.getcwd(), timeout=60).stdout
        assert f"进程号 {os.getpid()}" in out and "命令“run”" in out and "got it" not in out
    with workspace_lock(tmp_path, "check"):
        pass
    with pytest.raises(WorkspaceBusy):
        raise WorkspaceBusy("x")


def test_audit_log_has_who_what_inputs_config_outputs_and_never_the_password(tmp_path, monkeypatch) -> None:
    ws = tmp_path / "ws"
    ws.mkdir()
    (ws / "xuncha.toml").write_text('[county]\nname = "示例县"\n[reports]\nencrypt_team_workbooks = true\n'
                                    'password = "Zz9-very-secret"\n', encoding="utf-8")
    monkeypatch.setenv("XUNCHA_REPORT_PASSWORD", "env-secret-123")
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "a.csv").write_text("姓名,身份证号\n", encoding="utf-8")
    with audited(ws, "run", inbox):
        (ws / "flags.csv").write_text("x", encoding="utf-8")
    with pytest.raises(RuntimeError), audited(ws, "check"):
        raise RuntimeError("boom")
    text = (ws / "audit.log").read_text(encoding="utf-8")
    assert "Zz9-very-secret" not in text and "env-secret-123" not in text
    lines = [json.loads(line) for line in text.splitlines()]
    assert [(x["event"], x["command"]) for x in lines] == [("start", "run"), ("end", "run"), ("start", "check"), ("end", "check")]
    start, end = lines[0], lines[1]
    assert start["user"] and start["inputs"][0]["file"] == "a.csv" and len(start["inputs"][0]["sha256"]) == 64
    assert start["config"]["content"]["reports"]["password"] == REDACTED
    assert start["config"]["content"]["county"]["name"] == "示例县" and start["config"]["report_password_from_env"]
    assert end["status"] == "ok" and [o["file"] for o in end["outputs"]] == ["flags.csv"]
    assert lines[3]["status"] == "error" and "boom" in lines[3]["error"]
    # The hash identifies the non-secret configuration: the same with another password.
    before = config_record(ws)["sha256_without_secrets"]
    (ws / "xuncha.toml").write_text('[county]\nname = "示例县"\n[reports]\nencrypt_team_workbooks = true\n'
                                    'password = "another"\n', encoding="utf-8")
    assert config_record(ws)["sha256_without_secrets"] == before


def test_gx_is_imported_without_the_libraries_of_expectations_never_used() -> None:
    """scipy.stats and altair (GX's KL-divergence expectation) wait until first used: a fresh process
    that sets GX up has not imported them, and the first use reaches the real module."""
    script = (
        "import sys\n"
        "from connectors.gx_adapter import _gx, _DeferredModule\n"
        "_gx()\n"
        "print(all(isinstance(sys.modules[n], _DeferredModule) for n in ('scipy.stats', 'altair')))\n"
        "from great_expectations.expectations.core import expect_column_kl_divergence_to_be_less_than as kl\n"
        "print(round(float(kl.stats.entropy([0.5, 0.5], [0.5, 0.5])), 6), kl.alt.Chart.__name__)\n"
        "print(not isinstance(sys.modules['scipy.stats'], _DeferredModule))\n"
    )
    assert _printed_by_fresh_python(script) == ["True", "0.0", "Chart", "True"]


def test_the_gx_process_sets_gx_up_without_sqlalchemy_and_leaves_it_importable() -> None:
    """warm() (the GX process's first job) imports GX as where SQLAlchemy is absent (GX then skips
    its SQL data sources), validates as usual, and `import sqlalchemy` works again afterwards."""
    script = (
        "import sys, datetime as dt\n"
        "import polars as pl\n"
        "from connectors import gx_adapter\n"
        "from connectors.checks import Check, Target\n"
        "gx_adapter.warm()\n"
        "print('sqlalchemy' in sys.modules)\n"
        "from great_expectations.compatibility import sqlalchemy as compat\n"
        "print(compat.sqlalchemy is compat.SQLALCHEMY_NOT_IMPORTED)\n"
        "t = Target('c', 'deaths', ('person_name',), ())\n"
        "c = Check('c', 'ExpectColumnValuesToNotBeNull', 'x', 'quarantine', None, frozenset(), False, (t,))\n"
        "f = gx_adapter._run_suite_here('s', pl.DataFrame({'person_name': ['a', None, 'b']}), [(c, t)],"
        " dt.date(2024, 1, 1), frozenset())\n"
        "print(f[t].positions)\n"
        "import sqlalchemy\n"
        "print(bool(sqlalchemy.__version__))\n"
    )
    assert _printed_by_fresh_python(script) == ["False", "True", "[1]", "True"]


_SUITE_OF_ONE_CHECK = (
    "import sys, datetime as dt\n"
    "import polars as pl\n"
    "from connectors import gx_adapter, gx_patches\n"
    "from connectors.checks import Check, Target\n"
    "{before}"
    "gx_adapter.warm()\n"
    "print('great_expectations.datasource.fluent.data_asset.path.spark.spark_asset' in sys.modules,"
    " any(k in sys.modules for k in gx_patches.SPARK_DATASOURCES))\n"
    "t = Target('c', 'deaths', ('person_name',), ())\n"
    "c = Check('c', 'ExpectColumnValuesToNotBeNull', 'x', 'quarantine', None, frozenset(), False, (t,))\n"
    "f = gx_adapter._run_suite_here('s', pl.DataFrame({{'person_name': ['a', None, 'b']}}), [(c, t)],"
    " dt.date(2024, 1, 1), frozenset())\n"
    "print(f[t].positions)\n"
    "from great_expectations.datasource.fluent import Datasource\n"
    "from great_expectations.datasource.fluent.spark_datasource import SparkDatasource\n"
    "print(issubclass(SparkDatasource, Datasource))\n"
)


def test_the_gx_process_imports_gx_without_its_spark_data_sources_and_validates_the_same() -> None:
    """gx_patches.import_without_spark (warm, the GX process's first job): GX set up without defining
    its Spark data sources (no Spark module imported, no stand-in left behind), validating as usual;
    a later import of a Spark module gets the real one. (The sample's 18 suites give the same
    results either way: checked when this was written, and by the end-to-end tests' outputs.)"""
    assert _printed_by_fresh_python(_SUITE_OF_ONE_CHECK.format(before="")) == ["False", "False", "[1]", "True"]


def test_a_gx_process_that_cannot_import_gx_so_ends_and_validation_happens_here(inbox, tmp_path) -> None:
    """A GX release needing more of its Spark modules than the stand-ins hold: GX half imported
    cannot be imported again, so the GX process ends (WARM_FAILED) rather than fail every batch;
    and a GX process that has ended leaves the validation to the command's process, to the same
    results (the GX process is killed here once it is set up)."""
    import signal
    import subprocess
    import sys

    from connectors import children, gx_adapter

    before = "gx_patches.SPARK_DATASOURCES = {'great_expectations.datasource.fluent.spark_datasource': ()}\n"
    script = _SUITE_OF_ONE_CHECK.format(before=before)
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300)
    assert out.returncode == gx_adapter.WARM_FAILED and out.stdout == ""

    rows = roster_rows(20)
    rows[4][9] = -5
    write_xlsx(inbox / "花名册.xlsx", {"城关镇": rows})
    results = []
    for kill in (False, True):
        children.stop()
        if kill:
            assert children.start_gx()
            children.gx_pool().submit(int).result()  # set up and idle
            for pid in list(children.gx_pool()._processes):
                os.kill(pid, signal.SIGKILL)
        c = open_warehouse(tmp_path / f"{kill}.duckdb")
        try:
            ingest_inbox(inbox, c, CONFIG, workers=0)
            results.append(c.execute("SELECT source_row, reason_code FROM quarantine ORDER BY ALL").fetchall())
        finally:
            c.close()
    children.stop()
    assert results[0] == results[1] and [r[1] for r in results[0]] == ["amount_non_negative"]


def test_a_run_keeps_pandas_out_until_gx_validates_here() -> None:
    """xuncha.pandas_fence: within without_pandas DuckDB (a bound parameter, a scanned polars frame) and
    pyarrow work without importing pandas; GX validating in this process lifts the fence and checks
    resident IDs as usual (pyarrow, told "no pandas" before, asks again); afterwards pandas imports."""
    script = (
        "import sys, datetime as dt\n"
        "import duckdb, numpy as np, polars as pl, pyarrow as pa\n"
        "from xuncha.pandas_fence import without_pandas\n"
        "from connectors import gx_adapter\n"
        "from connectors.checks import Check, Target\n"
        "with without_pandas():\n"
        "    frame = pl.DataFrame({'a': [1, 2]})\n"
        "    con = duckdb.connect()\n"
        "    print(con.execute('SELECT sum(a) + ? FROM frame', [1]).fetchone()[0])\n"
        "    print(len(pa.array(np.array([True, False]))), 'pandas' in sys.modules)\n"
        "    t = Target('c', 'deaths', ('id_number',), ())\n"
        "    c = Check('c', 'ExpectColumnValuesToBeValidResidentId', 'x', 'quarantine', None, frozenset(), False, (t,))\n"
        "    ids = ['11010519491231002X', '110105194912310021', None]\n"
        "    f = gx_adapter._run_suite_here('s', pl.DataFrame({'id_number': ids}), [(c, t)], dt.date(2024, 1, 1),"
        " frozenset())\n"
        "    print(f[t].positions, 'pandas' in sys.modules)\n"
        "import pandas\n"
        "print(bool(pandas.__version__))\n"
    )
    assert _printed_by_fresh_python(script) == ["4", "2", "False", "[1]", "True", "True"]


def _printed_by_fresh_python(script: str) -> list[str]:
    """The words a script prints in a fresh interpreter (what is imported there is its own doing)."""
    import subprocess
    import sys

    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300, check=True)
    return out.stdout.split()


def test_each_expectation_is_judged_by_its_own_configuration_while_configurations_are_memoised() -> None:
    """GX rebuilds an expectation's configuration on every read; during our validations each is
    built once (gx_patches.memoise_configurations). Many expectations of one class with different
    bounds in one suite each find exactly their own failing rows, and outside a validation (or after
    an attribute changes) the configuration is read afresh."""
    import datetime as dt

    from connectors import gx_adapter, gx_patches
    from connectors.checks import Check, Target

    state = gx_adapter._gx()
    frame = pl.DataFrame({"a": [1, 5, 9, 13], "b": [2, 6, 10, 14], "n": ["x", None, "y", None]})
    targets = []
    for i, (column, low, high) in enumerate([("a", 0, 10), ("a", 2, 20), ("b", 5, 11), ("b", 0, 3)]):
        t = Target(f"between{i}", "t", (column,), (("min_value", low), ("max_value", high)))
        targets.append((Check(t.check, "ExpectColumnValuesToBeBetween", "x", "quarantine", None, frozenset(), False,
                              (t,)), t))
    t = Target("nn", "t", ("n",), ())
    targets.append((Check("nn", "ExpectColumnValuesToNotBeNull", "x", "quarantine", None, frozenset(), False, (t,)), t))
    failures = gx_adapter._run_suite_here("memo", frame, targets, dt.date(2024, 1, 1), frozenset())
    assert [failures[t].positions for _, t in targets] == [[3], [0], [0, 3], [1, 2, 3], [1, 3]]
    assert gx_patches.configurations is None  # memoised only during a validation

    expectation = state["gxe"].ExpectColumnValuesToBeBetween(column="a", min_value=0, max_value=1)
    assert expectation.configuration is not expectation.configuration  # GX's own behaviour outside
    gx_patches.configurations = {}
    try:
        first = expectation.configuration
        assert expectation.configuration is first
        expectation.max_value = 7
        assert expectation.configuration.kwargs["max_value"] == 7
    finally:
        gx_patches.configurations = None


def test_two_checks_asking_the_same_expectation_each_get_their_result() -> None:
    """The suite is given its expectations at once (gx_adapter._run_suite_here), not one by one with
    add_expectation, which drops an expectation equal to one already added: two checks that ask GX
    the same thing of a column (a warning and a quarantine with the same bounds) each get their
    failing rows."""
    import datetime as dt

    from connectors import gx_adapter
    from connectors.checks import Check, Target

    frame = pl.DataFrame({"a": [1, 50, 9]})
    targets = []
    for name, action in [("warn_high", "warn"), ("quarantine_high", "quarantine")]:
        t = Target(name, "t", ("a",), (("min_value", 0), ("max_value", 10)))
        targets.append((Check(name, "ExpectColumnValuesToBeBetween", "x", action, None, frozenset(), False, (t,)), t))
    failures = gx_adapter._run_suite_here("same", frame, targets, dt.date(2024, 1, 1), frozenset())
    assert [failures[t].positions for _, t in targets] == [[1], [1]]


def test_metric_ids_of_plain_arguments_are_gx_own_ids() -> None:
    """gx_patches.plain_ids: GX names metrics by IDDict.to_id; plain arguments skip GX's slow
    conversion, anything else still goes through it, and the ids are GX's own either way."""
    import datetime as dt
    import enum

    import numpy as np
    from great_expectations.core import id_dict
    from great_expectations.util import convert_to_json_serializable

    from connectors import gx_adapter, gx_patches

    gx_adapter._gx()
    assert getattr(id_dict.convert_to_json_serializable, "xuncha_plain", False)  # the patch is in place

    class Kind(enum.StrEnum):
        A = "a"

    samples = [
        {"column": "身份证号", "batch_id": "x-1", "row_condition": None, "condition_parser": None},
        {"mostly": 1.0, "value_set": ["农村低保", "特困供养", 3, 2.5, True, None], "nested": {"k": (1, "2")}},
        {"min_value": float("nan"), "max_value": 10, "strict": False},
        {"when": dt.date(2024, 1, 1), "n": np.int64(3), "f": np.float64(0.5)},  # not plain: GX's conversion
        {"kind": Kind.A, "set": {"x"}, 1: "numeric key"},  # not plain either
    ]
    for sample in samples:
        patched = id_dict.IDDict(sample).to_id()
        expected = id_dict.hashlib.md5(  # what GX's to_id computes with its own conversion
            id_dict.json.dumps(convert_to_json_serializable({k: sample[k] for k in sample}), sort_keys=True)
            .encode("utf-8"), usedforsecurity=False).hexdigest()
        assert patched == expected, sample
    assert gx_patches._plain({"a": [1, (2.0, None)], "b": float("nan")}) == {"a": [1, [2.0, None]], "b": None}
    assert gx_patches._plain({"a": np.int64(1)}) is gx_patches._NOT_PLAIN
    assert gx_patches._plain(Kind.A) is gx_patches._NOT_PLAIN
