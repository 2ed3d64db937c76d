"""Incremental report sets: a village workbook built from the same inputs as in the previous set is
re-used from it (hard link, else a copy); one whose inputs changed is rebuilt, and only that one."""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path

import openpyxl
import pytest
from test_reports_county import MOVED_B03_VILLAGE, VILLAGES, build_county, next_run

import reports
from pipelines import steps
from reports import manifest, protect, village_workbook
from xuncha.config import WorkspaceConfig

FIRST, SECOND, THIRD = "20241201-093000", "20241202-023000", "20241203-023000"
CHANGED = "611021100202"  # 西街村: B01 and twice B02
PAID = "611021100201"  # 东关村: 张三's old-age allowance paid after his death (A01)


def same_file(a: Path, b: Path) -> bool:
    return os.stat(a).st_ino == os.stat(b).st_ino or a.read_bytes() == b.read_bytes()


def cover_stamp(path: Path) -> str:
    wb = openpyxl.load_workbook(path, read_only=True)
    rows = list(wb[village_workbook.COVER_SHEET].iter_rows(values_only=True))
    wb.close()
    return next(r[1] for r in rows if r[0] == "生成批次")


@pytest.fixture
def county(tmp_path: Path):
    c = build_county(tmp_path)
    yield c
    c.con.close()


def test_identical_inputs_reuse_every_village_workbook(county) -> None:
    first = reports.write_all(county.con, county.root, county.config, FIRST)
    assert (first.written, first.reused, first.previous) == (len(VILLAGES), 0, None)
    second = reports.write_all(county.con, county.root, county.config, SECOND)
    assert (second.written, second.reused) == (0, len(VILLAGES))
    assert second.previous == first.root
    for code, path in second.village_workbooks.items():
        assert same_file(path, first.village_workbooks[code]), code
        # the cover still names the run that produced the content
        assert cover_stamp(path) == FIRST
    # the office's files are always written anew
    assert os.stat(second.office_workbook).st_ino != os.stat(first.office_workbook).st_ino
    entries = json.loads((second.root / manifest.FILE_NAME).read_text(encoding="utf-8"))["villages"]
    assert {e["produced"] for e in entries.values()} == {FIRST}
    # and a third run re-uses them again, from the second set
    third = reports.write_all(county.con, county.root, county.config, THIRD)
    assert (third.written, third.reused, third.previous) == (0, len(VILLAGES), second.root)


def test_a_change_in_one_village_rewrites_only_its_workbook(county) -> None:
    first = reports.write_all(county.con, county.root, county.config, FIRST)
    county.con.execute("UPDATE flags SET summary = summary || '（已更正）' WHERE village_code = ? AND rule_id = 'B01'",
                       [CHANGED])
    second = reports.write_all(county.con, county.root, county.config, SECOND)
    assert (second.written, second.reused) == (1, len(VILLAGES) - 1)
    for code, path in second.village_workbooks.items():
        if code == CHANGED:
            assert not same_file(path, first.village_workbooks[code])
            assert cover_stamp(path) == SECOND
            rows = list(openpyxl.load_workbook(path, read_only=True)[village_workbook.LIST_SHEET].iter_rows(values_only=True))
            assert any("（已更正）" in str(r) for r in rows)
        else:
            assert same_file(path, first.village_workbooks[code]), code


def test_a_changed_source_record_rewrites_only_the_village_whose_flag_shows_it(county) -> None:
    # the flags stay as they are; only a value in a record one of them names changes
    first = reports.write_all(county.con, county.root, county.config, FIRST)
    county.con.execute("UPDATE old_age_payments SET amount_yuan = 100.5 WHERE pay_month = ?", [dt.date(2024, 5, 1)])
    second = reports.write_all(county.con, county.root, county.config, SECOND)
    assert (second.written, second.reused) == (1, len(VILLAGES) - 1)
    assert not same_file(second.village_workbooks[PAID], first.village_workbooks[PAID])


def test_the_run_after_the_baseline_rewrites_only_the_villages_that_changed(county) -> None:
    # every flag's status goes from 新增 (first run) to 持续; team workbooks show the day a flag was
    # found instead, so only the village with a new and a resolved flag is rebuilt
    first = reports.write_all(county.con, county.root, county.config, FIRST)
    next_run(county, dt.datetime.now() + dt.timedelta(days=1))
    second = reports.write_all(county.con, county.root, county.config, SECOND)
    # and 西街村, whose 纵向对比 shows the county median of subsidy per head: the moved payments change it
    assert (second.written, second.reused) == (2, len(VILLAGES) - 2)
    assert not same_file(second.village_workbooks[MOVED_B03_VILLAGE], first.village_workbooks[MOVED_B03_VILLAGE])
    assert not same_file(second.village_workbooks[CHANGED], first.village_workbooks[CHANGED])
    # a run after that with no change: the village's 本次变化 is gone again, so it is rebuilt once more
    steps.check(steps.Workspace(county.root), county.con, county.config, run_time=dt.datetime.now() + dt.timedelta(days=2))
    third = reports.write_all(county.con, county.root, county.config, THIRD)
    assert (third.written, third.reused) == (1, len(VILLAGES) - 1)
    assert village_workbook.CHANGES_SHEET not in openpyxl.load_workbook(
        third.village_workbooks[MOVED_B03_VILLAGE], read_only=True).sheetnames


def test_a_new_verdict_rewrites_the_village(county) -> None:
    reports.write_all(county.con, county.root, county.config, FIRST)
    county.con.execute("UPDATE flags SET triage = '已核实' WHERE village_code = ?", [CHANGED])
    second = reports.write_all(county.con, county.root, county.config, SECOND)
    assert (second.written, second.reused) == (1, len(VILLAGES) - 1)


def test_a_workbook_edited_in_place_is_not_reused(county) -> None:
    first = reports.write_all(county.con, county.root, county.config, FIRST)
    edited = first.village_workbooks[CHANGED]
    edited.write_bytes(edited.read_bytes() + b"\0")
    second = reports.write_all(county.con, county.root, county.config, SECOND)
    assert (second.written, second.reused) == (1, len(VILLAGES) - 1)
    openpyxl.load_workbook(second.village_workbooks[CHANGED], read_only=True).close()


def test_the_report_stamp_alone_does_not_count_but_the_code_does(county, monkeypatch) -> None:
    reports.write_all(county.con, county.root, county.config, FIRST)
    monkeypatch.setattr(manifest, "FORMAT", manifest.FORMAT + 1)
    second = reports.write_all(county.con, county.root, county.config, SECOND)
    assert (second.written, second.reused) == (len(VILLAGES), 0)


def test_encrypted_workbooks_are_reused_only_with_the_same_password(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.delenv(protect.PASSWORD_ENV, raising=False)

    def config(password: str) -> WorkspaceConfig:
        return WorkspaceConfig.model_validate(
            {"county": {"name": "示例县"}, "reports": {"encrypt_team_workbooks": True, "password": password}})

    county = build_county(tmp_path, config("first-Secret-1"))
    reports.write_all(county.con, tmp_path, config("first-Secret-1"), FIRST)
    same = reports.write_all(county.con, tmp_path, config("first-Secret-1"), SECOND)
    assert (same.written, same.reused) == (0, len(VILLAGES))
    other = reports.write_all(county.con, tmp_path, config("other-Secret-2"), THIRD)
    assert (other.written, other.reused) == (len(VILLAGES), 0)
    plain = reports.write_all(county.con, tmp_path, county.config.model_copy(
        update={"reports": WorkspaceConfig().reports}), "20241204-023000")
    assert (plain.written, plain.reused) == (len(VILLAGES), 0)
    for root in (same.root, other.root):
        text = (root / manifest.FILE_NAME).read_bytes()
        assert b"first-Secret-1" not in text and b"other-Secret-2" not in text
    county.con.close()


def test_a_set_without_manifest_is_not_a_source(county) -> None:
    first = reports.write_all(county.con, county.root, county.config, FIRST)
    (first.root / manifest.FILE_NAME).unlink()
    second = reports.write_all(county.con, county.root, county.config, SECOND)
    assert (second.written, second.reused) == (len(VILLAGES), 0)


def test_a_copy_stands_in_where_hard_links_fail(county, monkeypatch) -> None:
    first = reports.write_all(county.con, county.root, county.config, FIRST)

    def no_links(src, dst):
        raise OSError("links not supported")

    monkeypatch.setattr(os, "link", no_links)
    second = reports.write_all(county.con, county.root, county.config, SECOND)
    assert (second.written, second.reused) == (0, len(VILLAGES))
    for code, path in second.village_workbooks.items():
        old = first.village_workbooks[code]
        assert os.stat(path).st_ino != os.stat(old).st_ino and path.read_bytes() == old.read_bytes()


def test_the_pool_reuses_and_rebuilds_the_same_way(county, monkeypatch) -> None:
    monkeypatch.setattr("reports.write.POOL_MIN_VILLAGES", 1)
    monkeypatch.setattr("reports.write.BATCH_SIZE", 2)
    first = reports.write_all(county.con, county.root, county.config, FIRST, workers=2)
    county.con.execute("UPDATE flags SET summary = summary || '（已更正）' WHERE village_code = ? AND rule_id = 'B01'",
                       [CHANGED])
    second = reports.write_all(county.con, county.root, county.config, SECOND, workers=2)
    assert (second.written, second.reused) == (1, len(VILLAGES) - 1)
    assert not same_file(second.village_workbooks[CHANGED], first.village_workbooks[CHANGED])


def test_the_pool_starts_at_once_only_when_every_workbook_is_built(county, monkeypatch) -> None:
    from reports import write

    monkeypatch.setattr(write, "POOL_MIN_VILLAGES", 1)
    events: list[str] = []
    start_pool, fetch = write._pool, write.evidence_mod.fetch
    monkeypatch.setattr(write, "_pool", lambda n: events.append("pool") or start_pool(n))
    monkeypatch.setattr(write.evidence_mod, "fetch", lambda *a: events.append("fetch") or fetch(*a))

    def run(stamp: str) -> list[str]:
        events.clear()
        reports.write_all(county.con, county.root, county.config, stamp, workers=2)
        return list(events)

    assert run(FIRST) == ["pool", "fetch"]  # no previous set: started before the warehouse is read
    assert run(SECOND) == ["fetch"]  # everything re-used: no pool at all
    county.con.execute("UPDATE flags SET triage = '已核实' WHERE village_code = ?", [CHANGED])
    assert run(THIRD) == ["fetch", "pool"]  # started for the one workbook to build
    monkeypatch.setattr(manifest, "FORMAT", manifest.FORMAT + 1)  # what every workbook shares changed
    assert run("20241204-023000") == ["pool", "fetch"]


def _sheet_values(path: Path) -> dict[str, list[tuple]]:
    wb = openpyxl.load_workbook(path, read_only=True)
    try:
        return {ws.title: list(ws.iter_rows(values_only=True)) for ws in wb.worksheets}
    finally:
        wb.close()


def test_the_checkpoint_starts_once_the_warehouse_is_no_longer_read(county, monkeypatch) -> None:
    """write_all's on_loaded (steps.report starts DuckDB's background checkpoint there) comes after
    the last read of the warehouse (the evidence, the villages' source files): a checkpoint beside
    those reads held them up (the sample's evidence: ~0.27 s instead of ~0.1 s)."""
    from reports import write

    calls: list[str] = []
    fetch, files = write.evidence_mod.fetch, write.village_files

    def fetched(*args, **kwargs):
        calls.append("evidence")
        return fetch(*args, **kwargs)

    def listed(*args, **kwargs):
        calls.append("village files")
        return files(*args, **kwargs)

    monkeypatch.setattr(write.evidence_mod, "fetch", fetched)
    monkeypatch.setattr(write, "village_files", listed)
    reports.write_all(county.con, county.root, county.config, FIRST, on_loaded=lambda: calls.append("on_loaded"))
    assert calls == ["evidence", "village files", "on_loaded"]


def test_the_helper_share_is_spread_along_the_villages() -> None:
    """write._shares: the villages come busiest first; each side gets its share of the busy and of
    the quiet ones (half: every second), and every village exactly once."""
    from reports.write import _shares

    assert _shares(list(range(6)), 0.5) == ([1, 3, 5], [0, 2, 4])
    helper, here = _shares(list(range(10)), 0.6)
    assert helper == [1, 3, 4, 6, 8, 9] and here == [0, 2, 5, 7]
    for n in range(30):
        helper, here = _shares(list(range(n)), 0.6)
        assert sorted(helper + here) == list(range(n)) and len(helper) == int(n * 0.6)
        if n >= 2:
            assert here[0] == 0 and helper[0] == 1  # the two busiest villages on different sides


@pytest.mark.skipif((os.cpu_count() or 1) < 2, reason="one core: no GX process")
def test_a_small_county_shares_its_workbooks_with_the_idle_gx_process(county, monkeypatch) -> None:
    """Below the pool's size, a share of the village workbooks (write.HELPER_SHARE) is built by the
    Great Expectations process (idle once the files are validated): the same workbooks as built here
    alone."""
    from connectors import children
    from reports import write

    monkeypatch.setattr(write, "HELPER_MIN_VILLAGES", 10_000)  # first: all built here
    alone = reports.write_all(county.con, county.root, county.config, FIRST)
    assert children.start_gx()
    children.import_in_gx("reports.write")
    helper = children.gx_pool()
    handed: list[int] = []
    submit = helper.submit

    def counted(fn, *args, **kwargs):
        if fn is write._write_batch:
            handed.append(len(args[1]))
        return submit(fn, *args, **kwargs)

    monkeypatch.setattr(helper, "submit", counted)
    monkeypatch.setattr(write, "HELPER_MIN_VILLAGES", 2)
    monkeypatch.setattr(manifest, "FORMAT", manifest.FORMAT + 1)  # every workbook built again
    shared = reports.write_all(county.con, county.root, county.config, SECOND)
    assert shared.written == len(VILLAGES) and handed == [int(len(VILLAGES) * write.HELPER_SHARE)]
    for code, path in shared.village_workbooks.items():
        before, after = _sheet_values(alone.village_workbooks[code]), _sheet_values(path)
        assert before.keys() == after.keys(), code
        for sheet in before:  # the cover names the run: the stamp differs, nothing else
            if sheet != village_workbook.COVER_SHEET:
                assert before[sheet] == after[sheet], (code, sheet)
        assert oct(path.stat().st_mode & 0o777) == "0o600"
