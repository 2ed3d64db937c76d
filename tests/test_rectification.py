"""整改销号 over several runs: notes entered after run 1 are in run 2's workbooks; a flag whose source
file was not supplied stays open as 暂无数据; a flag whose facts changed waits for 待销号确认; a
person's sign-off makes it 已销号; the office's 整改台账 counts match the items; every change is audited."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl
import pytest
from test_reports_county import MOVED_B03_VILLAGE, build_county, next_run

import reports
from connectors.incremental import SHEET_REPORTS_DDL, retire
from pipelines import steps
from reports import rectification_sheets
from reports.rectification_feedback import import_rectification
from rules.lifecycle import TriageError
from rules.rectification import STAGES, record

DEATHS_FILE = "公安/死亡注销名单.xlsx"
WEST = "611021100202"  # 西街村: B01 (shared account) stays in every run
EAST = "611021100301"  # 东岭村: 王五's A01 (still on the 低保 roster) comes from the deaths file


def flag_of(con, rule: str, village: str) -> str:
    return con.execute("SELECT flag_id FROM flags WHERE rule_id = ? AND village_code = ? ORDER BY flag_id LIMIT 1",
                       [rule, village]).fetchone()[0]


def stage(con, flag_id: str) -> str:
    return con.execute("SELECT stage FROM rectification_ledger WHERE flag_id = ?", [flag_id]).fetchone()[0]


def sheet_rows(path: Path, sheet: str) -> list[tuple]:
    wb = openpyxl.load_workbook(path, read_only=True)
    rows = list(wb[sheet].iter_rows(values_only=True))
    wb.close()
    return rows


def by_flag_id(rows: list[tuple]) -> dict[str, dict]:
    """Rows of a table sheet (caption, header, data) keyed by their 疑点编号."""
    header = list(rows[1])
    return {r[header.index("疑点编号")]: dict(zip(header, r, strict=False)) for r in rows[2:] if r[0] is not None}


@pytest.fixture
def county(tmp_path: Path):
    c = build_county(tmp_path)
    yield c
    c.con.close()


def test_notes_carry_over_missing_source_stays_open_fixed_fact_waits_for_sign_off(county) -> None:
    con = county.con
    west_b01 = flag_of(con, "B01", WEST)
    east_a01 = flag_of(con, "A01", EAST)
    moved_b03 = flag_of(con, "B03", MOVED_B03_VILLAGE)
    first = reports.write_all(con, county.root, county.config, "20241201-093000")
    assert stage(con, west_b01) == "未核查"

    # run 1's workbook comes back with the 整改销号 sheet filled in for 西街村's B01 flag
    path = first.village_workbooks[WEST]
    wb = openpyxl.load_workbook(path)
    ws = wb[rectification_sheets.SHEET]
    header = [c.value for c in ws[2]]
    row = next(r for r in ws.iter_rows(min_row=3) if r[header.index("疑点编号")].value == west_b01)
    for label, value in (("核查结果", "整改中"), ("核查人", "李明"), ("核查日期", "2024-12-05"),
                         ("整改措施", "追回多发补贴"), ("整改时限", "2024-12-20"), ("责任人", "王会计")):
        row[header.index(label)].value = value
    wb.save(path)
    warnings: list[str] = []
    assert import_rectification(con, path, warnings.append) == 1 and not warnings
    # the same workbook imported twice changes nothing and audits nothing more
    audited = con.execute("SELECT count(*) FROM rectification_audit").fetchone()[0]
    assert audited == 6
    assert import_rectification(con, path, warnings.append) == 0
    assert con.execute("SELECT count(*) FROM rectification_audit").fetchone()[0] == audited
    # and the command-line path for 东岭村's A01 flag
    record(con, east_a01, {"verify_result": "已核实", "verified_by": "赵组长", "measures": "停发并追回"}, user="tester")

    # run 2: the deaths file was not supplied; 李四's July double payment was corrected
    con.execute(SHEET_REPORTS_DDL)
    retire(con, [DEATHS_FILE])
    next_run(county, dt.datetime(2024, 12, 2, 2, 30))
    assert stage(con, east_a01) == "暂无数据"
    assert stage(con, moved_b03) == "待销号确认"
    assert stage(con, west_b01) == "整改中"
    second = reports.write_all(con, county.root, county.config, "20241202-023000")

    # notes from run 1 appear in run 2's village workbooks: 问题清单 and 整改销号
    listed = by_flag_id(sheet_rows(second.village_workbooks[WEST], "问题清单"))
    assert (listed[west_b01]["核查结果"], listed[west_b01]["核查人"]) == ("整改中", "李明")
    carried = by_flag_id(sheet_rows(second.village_workbooks[WEST], rectification_sheets.SHEET))
    assert carried[west_b01]["整改措施"] == "追回多发补贴" and carried[west_b01]["责任人"] == "王会计"
    assert carried[west_b01]["整改时限"].date() == dt.date(2024, 12, 20)
    # the flag of the missing file is still carried, open, saying why
    east = by_flag_id(sheet_rows(second.village_workbooks[EAST], rectification_sheets.SHEET))
    assert east[east_a01]["销号状态"].startswith("暂无数据") and DEATHS_FILE in east[east_a01]["销号状态"]
    assert east[east_a01]["核查人"] == "赵组长"
    moved = by_flag_id(sheet_rows(second.village_workbooks[MOVED_B03_VILLAGE], rectification_sheets.SHEET))
    assert moved[moved_b03]["销号状态"].startswith("待销号确认")

    # nothing is signed off automatically; a person signs off with a basis
    with pytest.raises(TriageError, match="销号依据"):
        record(con, moved_b03, {"closed_on": "2024-12-03"})
    record(con, moved_b03, {"closed_on": "2024-12-03", "close_basis": "一卡通系统更正凭证"}, user="office")
    steps.check(steps.Workspace(county.root), con, county.config, run_time=dt.datetime(2024, 12, 3, 2, 30))
    assert stage(con, moved_b03) == "已销号"
    assert stage(con, east_a01) == "暂无数据"  # still no deaths file: still open

    # the 整改台账 counts match the ledger's items, per problem and in total
    third = reports.write_all(con, county.root, county.config, "20241203-023000")
    rows = sheet_rows(third.office_workbook, rectification_sheets.LEDGER_SHEET)
    header = list(rows[1])
    ledger = con.execute("SELECT rule_id, stage FROM rectification_ledger").fetchall()
    total = next(r for r in rows[2:] if r[0] == "合计")
    for s in STAGES:
        assert total[header.index(s)] == sum(1 for _, st in ledger if st == s), s
    b03 = next(r for r in rows[2:] if r[0] == "按问题" and str(r[1]).startswith("B03"))
    assert b03[header.index("已销号")] == 1
    assert b03[header.index("合计")] == sum(1 for rule, _ in ledger if rule == "B03")
    # a signed-off flag is no longer carried by the team
    moved = by_flag_id(sheet_rows(third.village_workbooks[MOVED_B03_VILLAGE], rectification_sheets.SHEET))
    assert moved_b03 not in moved

    # every change kept with time and user
    trail = con.execute("SELECT changed_by, origin, field, new_value FROM rectification_audit WHERE flag_id = ?",
                        [moved_b03]).fetchall()
    assert ("office", "命令行", "销号依据", "一卡通系统更正凭证") in trail


def test_overdue_items_are_counted_and_the_verdict_column_has_a_drop_down(county) -> None:
    con = county.con
    west_b01 = flag_of(con, "B01", WEST)
    record(con, west_b01, {"verify_result": "整改中", "deadline": "2024-01-31"})
    steps.check(steps.Workspace(county.root), con, county.config, run_time=dt.datetime(2024, 12, 2, 2, 30))
    assert con.execute("SELECT overdue FROM rectification_ledger WHERE flag_id = ?", [west_b01]).fetchone()[0]
    out = reports.write_all(con, county.root, county.config, "20241202-023000")
    rows = sheet_rows(out.office_workbook, rectification_sheets.LEDGER_SHEET)
    header = list(rows[1])
    total = next(r for r in rows[2:] if r[0] == "合计")
    assert total[header.index("逾期")] == 1
    wb = openpyxl.load_workbook(out.village_workbooks[WEST])
    for sheet in ("问题清单", rectification_sheets.SHEET):
        rules = wb[sheet].data_validations.dataValidation
        assert any('"已核实,排除,整改中,已整改"' == dv.formula1 for dv in rules), sheet


def test_bad_rectification_input_is_refused(county) -> None:
    con = county.con
    west_b01 = flag_of(con, "B01", WEST)
    with pytest.raises(TriageError, match="不是日期"):
        record(con, west_b01, {"deadline": "下个月"})
    with pytest.raises(TriageError, match="无效"):
        record(con, west_b01, {"verify_result": "差不多"})
    with pytest.raises(TriageError, match="找不到"):
        record(con, "nope", {"measures": "x"})
    assert con.execute("SELECT count(*) FROM rectification_audit").fetchone()[0] == 0


def test_triage_command_records_the_rectification_fields(county) -> None:
    from typer.testing import CliRunner

    from pipelines.cli import app

    flag = flag_of(county.con, "B01", WEST)
    county.con.close()
    runner = CliRunner()
    result = runner.invoke(app, ["triage", flag, "--status", "整改中", "--measures", "追回", "--deadline", "2026-12-31",
                                 "--responsible", "王会计", "--workspace", str(county.root)])
    assert result.exit_code == 0, result.output
    refused = runner.invoke(app, ["triage", flag, "--closed-on", "2026-12-31", "--workspace", str(county.root)])
    assert refused.exit_code == 2 and "销号依据" in refused.output
    nothing = runner.invoke(app, ["triage", flag, "--workspace", str(county.root)])
    assert nothing.exit_code == 2
    con = steps.Workspace(county.root).connect()
    try:
        fields = sorted(r[0] for r in con.execute("SELECT field FROM rectification_audit WHERE flag_id = ?", [flag]).fetchall())
        assert fields == ["整改措施", "整改时限", "核查结果", "责任人"]
    finally:
        con.close()
    county.con = steps.Workspace(county.root).connect()
