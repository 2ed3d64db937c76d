"""Ingest end to end on tiny workbooks: layouts, readers, row accounting, quarantine, reloads, villages."""

from __future__ import annotations

import datetime as dt
import os
import shutil
from pathlib import Path

import openpyxl
import polars as pl
import pytest
from fixtures.connectors.workbooks import BASICS, make_id, write_csv, write_xlsx

from connectors.catalog import load_catalog
from connectors.ingest import ingest_file, ingest_inbox, write_ingest_report
from connectors.warehouse import open_warehouse
from xuncha.config import ConnectorsConfig, WorkspaceConfig

FIXTURES = Path(__file__).parent / "fixtures" / "connectors"
CONFIG = WorkspaceConfig()
ID1, ID2, ID3 = make_id("19900101", "123"), make_id("19850615", "241"), make_id("19401001", "017")


@pytest.fixture
def con(tmp_path):
    c = open_warehouse(tmp_path / "w.duckdb")
    yield c
    c.close()


def inbox_with(tmp_path: Path, **files) -> Path:
    inbox = tmp_path / "inbox"
    inbox.mkdir(exist_ok=True)
    write_xlsx(inbox / "村基本情况.xlsx", {"村": BASICS})
    return inbox


def report_for(reports, file: str, sheet: str | None = None):
    found = [r for r in reports if r.file == file and (sheet is None or r.sheet == sheet)]
    assert len(found) == 1, (file, sheet, reports)
    return found[0]


def check_invariant(reports) -> None:
    for r in reports:
        assert r.rows_read == r.rows_loaded + r.rows_quarantined, r


def test_title_rows_totals_notes_blank_rows_and_repeated_header(tmp_path, con) -> None:
    inbox = inbox_with(tmp_path)
    header = ["序号", "乡镇", "村", "姓名", "身份证号码", "死亡日期", "注销原因"]
    write_xlsx(inbox / "a.xlsx", {"死亡": [
        ["2024年死亡人员信息"],                                     # row 1
        ["填报单位：城关镇派出所    填报日期：2024-06-01"],          # row 2
        header,                                                      # row 3
        [1, "城关镇", "东岭村", "张三", ID1, "2024-01-05", "死亡"],  # row 4
        [None] * 7,                                                  # row 5 blank
        header,                                                      # row 6 repeated header
        [2, "城关镇", "西岭村", "李 四", ID2, 45047, "死亡"],        # row 7
        ["合计", None, None, "2人", None, None, None],               # row 8
        ["填表人：王五", None, None, "审核人：赵六", None, None, None],  # row 9
        ["会计：报账员    审核：镇农经站", None, None, None, None, None, None],  # row 10 (ledger style)
        ["发放单位（盖章）：城关镇人民政府    经办人：赵敏", None, None, None, None, None, None],  # row 11
    ]}, merges={"死亡": ["A1:G1"]})
    reports = ingest_inbox(inbox, con, CONFIG)
    check_invariant(reports)
    r = report_for(reports, "a.xlsx")
    assert (r.extract, r.rows_read, r.rows_loaded, r.rows_quarantined, r.rows_skipped) == ("deaths", 2, 2, 0, 6)
    assert "表头在第3行" in r.message and "合计行1行" in r.message and "表尾说明3行" in r.message
    rows = con.execute("SELECT source_row, person_name, person_id, death_date, village_code FROM deaths ORDER BY 1").fetchall()
    assert rows == [
        (4, "张三", ID1, dt.date(2024, 1, 5), BASICS[1][0]),
        (7, "李四", ID2, dt.date(2023, 5, 1), BASICS[2][0]),
    ]


def test_hidden_and_several_sheets(tmp_path, con) -> None:
    inbox = inbox_with(tmp_path)
    header = ["乡镇", "村", "姓名", "身份证号", "职务"]
    write_xlsx(inbox / "cadres.xlsx", {
        "城关镇": [header, ["城关镇", "东岭村", "张三", ID1, "书记"]],
        "石门镇": [header, ["石门镇", "东岭村", "李四", ID2, "主任"]],
        "旧名单": [header, ["石门镇", "红星社区", "王五", ID3, "委员"]],
        "Sheet3": [],
    }, hidden=("旧名单",))
    reports = ingest_inbox(inbox, con, CONFIG)
    check_invariant(reports)
    assert {r.sheet for r in reports if r.file == "cadres.xlsx"} == {"城关镇", "石门镇", "旧名单", "Sheet3"}
    assert "隐藏" in report_for(reports, "cadres.xlsx", "旧名单").message
    assert report_for(reports, "cadres.xlsx", "Sheet3").extract is None
    got = sorted(con.execute("SELECT source_sheet, village_code FROM cadre_roster").fetchall())
    assert got == sorted([("旧名单", BASICS[4][0]), ("城关镇", BASICS[1][0]), ("石门镇", BASICS[3][0])])


@pytest.mark.parametrize("encoding", ["gb18030", "gbk", "utf-8-sig", "utf-8"])
def test_csv_encodings(tmp_path, con, encoding) -> None:
    inbox = inbox_with(tmp_path)
    write_csv(inbox / "payroll.csv", [
        ["姓名", "身份证号", "单位名称", "人员类别", "入编日期"],
        ["张三", ID1, "县财政局", "行政", "2010/9/1"],
        ["阿卜杜·热合曼", "'" + ID2, "县第一中学", "事业", "2012年8月1日"],
    ], encoding)
    reports = ingest_inbox(inbox, con, CONFIG)
    r = report_for(reports, "payroll.csv")
    assert (r.extract, r.rows_loaded, r.sheet) == ("payroll", 2, "payroll")
    got = con.execute("SELECT person_name, person_id, employer, start_date, source_row FROM payroll ORDER BY source_row").fetchall()
    assert got == [("张三", ID1, "县财政局", dt.date(2010, 9, 1), 2),
                   ("阿卜杜·热合曼", ID2, "县第一中学", dt.date(2012, 8, 1), 3)]


def test_legacy_xls(tmp_path, con) -> None:
    inbox = inbox_with(tmp_path)
    shutil.copy(FIXTURES / "legacy.xls", inbox / "legacy.xls")
    reports = ingest_inbox(inbox, con, CONFIG)
    check_invariant(reports)
    r = report_for(reports, "legacy.xls", "高龄补贴")
    assert (r.extract, r.rows_read, r.rows_loaded, r.rows_quarantined, r.rows_skipped) == ("old_age_payments", 2, 1, 1, 1)
    assert report_for(reports, "legacy.xls", "说明").extract is None  # hidden notes sheet: reported, not loaded
    assert con.execute("SELECT person_id, pay_month, amount_yuan FROM old_age_payments").fetchall() == [
        ("610102194001011239", dt.date(2023, 5, 1), 100.0)]
    assert con.execute("SELECT source_row, reason_code FROM quarantine").fetchall() == [(4, "id_numeric")]


def test_big_numeric_id_is_quarantined_never_loaded_with_wrong_digits(tmp_path, con) -> None:
    inbox = inbox_with(tmp_path)
    write_xlsx(inbox / "deaths.xlsx", {"s": [
        ["姓名", "身份证号", "死亡日期"],
        ["张三", int(ID1), "2024-01-05"],        # an Excel number: digits beyond 15 are gone
        ["李四", "6.10102E+17", "2024-01-05"],   # scientific notation typed or exported as text
        ["王五", int(ID3[:6] + ID3[8:17]), "2024-01-05"],  # a 15-digit old ID as a number is exact
    ]})
    reports = ingest_inbox(inbox, con, CONFIG)
    check_invariant(reports)
    assert con.execute("SELECT person_name, person_id FROM deaths").fetchall() == [("王五", ID3)]
    q = con.execute("SELECT source_row, reason_code, reason FROM quarantine ORDER BY 1").fetchall()
    assert [(row, code) for row, code, _ in q] == [(2, "id_numeric"), (3, "id_scientific")]
    assert "第2行“身份证号”列：身份证号在文件中存为数字，文件里只保留了约15位有效数字" in q[0][2]
    assert "科学计数法" in q[1][2]


def test_numeric_for_200_rows_then_text_is_not_nulled(tmp_path, con) -> None:
    inbox = inbox_with(tmp_path)
    rows = [["户号", "姓名", "身份证号", "组", "户籍状态"]]
    for i in range(200):
        rows.append([100000 + i, f"张{i}", make_id("19700101", f"{i:03d}"), 3, "正常"])
    rows.append(["A-0201", "李四", ID2, "三组", "正常"])
    write_xlsx(inbox / "hukou.xlsx", {"s": rows})
    reports = ingest_inbox(inbox, con, CONFIG)
    r = report_for(reports, "hukou.xlsx")
    assert (r.rows_read, r.rows_loaded) == (201, 201), r.message
    got = con.execute("SELECT household_no, group_name FROM household_register ORDER BY source_row").fetchall()
    assert got[0] == ("100000", "3") and got[-1] == ("A-0201", "三组")


def test_lossy_account_quarantined_for_onecard_but_nulled_elsewhere(tmp_path, con) -> None:
    inbox = inbox_with(tmp_path)
    write_xlsx(inbox / "onecard.xlsx", {"s": [
        ["补贴项目", "发放年月", "乡镇", "村", "补贴对象姓名", "补贴对象身份证号", "社保卡号", "账户户名", "发放金额(元)"],
        ["高龄补贴", "2024-05", "城关镇", "东岭村", "张三", ID1, 6217000010012345678, "张三", 100],
        ["高龄补贴", "2024-05", "城关镇", "东岭村", "李四", ID2, "6217000010012345679", "李四", "1,200.00"],
    ]})
    write_xlsx(inbox / "comp.xlsx", {"s": [
        ["项目名称", "村", "姓名", "身份证号", "补偿面积", "补偿金额", "账号"],
        ["县道改扩建", "东岭村", "张三", ID1, 1.5, 3000, 6217000010012345678],
    ]})
    reports = ingest_inbox(inbox, con, CONFIG)
    check_invariant(reports)
    assert con.execute("SELECT person_name, account_no, amount_yuan FROM onecard_payments").fetchall() == [
        ("李四", "6217000010012345679", 1200.0)]
    assert con.execute("SELECT reason_code FROM quarantine").fetchall() == [("account_numeric",)]
    assert con.execute("SELECT person_name, account_no FROM compensation_roster").fetchall() == [("张三", None)]
    assert "账号在文件中存为数字" in report_for(reports, "comp.xlsx").message


def test_required_value_missing_and_optional_value_bad(tmp_path, con) -> None:
    inbox = inbox_with(tmp_path)
    write_xlsx(inbox / "d.xlsx", {"s": [
        ["姓名", "身份证号", "死亡日期", "注销原因"],
        ["张三", ID1, "", "死亡"],            # required date missing -> quarantine
        ["李四", ID2, "去年", "死亡"],          # required date unparseable -> quarantine
        ["王五", ID3, "2024-01-05", "死亡"],
    ]})
    write_xlsx(inbox / "p.xlsx", {"s": [
        ["姓名", "身份证号", "单位名称", "人员类别", "入编日期"],
        ["张三", ID1, "县财政局", "行政", "很久以前"],  # optional date unparseable -> NULL + warning
    ]})
    reports = ingest_inbox(inbox, con, CONFIG)
    check_invariant(reports)
    q = con.execute("SELECT source_file, source_row, column_name, reason_code FROM quarantine ORDER BY 2").fetchall()
    assert q == [("d.xlsx", 2, "death_date", "missing_required"), ("d.xlsx", 3, "death_date", "bad_date")]
    assert con.execute("SELECT person_name, start_date FROM payroll").fetchall() == [("张三", None)]
    assert "“入编日期”列有1个值无法识别为日期，已置为空（第2行）" in report_for(reports, "p.xlsx").message


def test_required_column_absent_quarantines_every_row(tmp_path, con) -> None:
    inbox = inbox_with(tmp_path)
    write_xlsx(inbox / "oa.xlsx", {"s": [
        ["姓名", "身份证号", "年龄", "发放月份", "发放标准"],  # no 金额: amount_yuan is required
        ["张三", ID3, 83, "2024-05", 100],
    ]})
    reports = ingest_inbox(inbox, con, CONFIG)
    r = report_for(reports, "oa.xlsx")
    assert (r.extract, r.rows_read, r.rows_quarantined) == ("old_age_payments", 1, 1)
    assert "缺少必需列" in r.message
    assert con.execute("SELECT reason_code FROM quarantine").fetchall() == [("missing_column",)]


def test_bad_id_quarantine_keeps_cleaned_value_and_village(tmp_path, con) -> None:
    inbox = inbox_with(tmp_path)
    bad = ID1[:-1] + ("0" if ID1[-1] != "0" else "1")
    write_xlsx(inbox / "roster.xlsx", {"s": [
        ["乡镇", "村", "户主姓名", "户主身份证号", "成员姓名", "成员身份证号", "与户主关系", "保障类别"],
        ["城关镇", "东岭村委会", "张三", " " + bad.lower() + " ", "张三", bad, "本人", "农村低保"],
    ]})
    reports = ingest_inbox(inbox, con, CONFIG)
    check_invariant(reports)
    got = con.execute("SELECT reason_code, cleaned_value, village_code FROM quarantine").fetchall()
    assert got == [("id_checksum", bad, BASICS[1][0])]


def test_a_bad_cell_of_any_kind_is_kept_trimmed_in_quarantine(tmp_path, con) -> None:
    # normalise_column hands back other kinds' text as read; quarantine_frame trims the rows it shows
    inbox = inbox_with(tmp_path)
    write_xlsx(inbox / "d.xlsx", {"s": [["姓名", "身份证号", "死亡日期"], ["张三", ID1, "2024-01-05"],
                                       ["李四", ID2, "\u3000 去年冬天 "]]})
    reports = ingest_inbox(inbox, con, CONFIG)
    check_invariant(reports)
    got = con.execute("SELECT column_name, cleaned_value FROM quarantine").fetchall()
    assert got == [("death_date", "去年冬天")]


def test_merged_town_cells_apply_to_every_row(tmp_path, con) -> None:
    inbox = inbox_with(tmp_path)
    write_xlsx(inbox / "cad.xlsx", {"s": [
        ["乡镇", "村", "姓名", "身份证号", "职务"],
        ["石门镇", "东岭村", "张三", ID1, "书记"],
        [None, "东岭村", "李四", ID2, "主任"],
    ]}, merges={"s": ["A2:A3"]})
    ingest_inbox(inbox, con, CONFIG)
    assert con.execute("SELECT town_raw, village_code FROM cadre_roster").fetchall() == [
        ("石门镇", BASICS[3][0]), ("石门镇", BASICS[3][0])]


def test_reloading_a_file_replaces_its_rows(tmp_path, con) -> None:
    inbox = inbox_with(tmp_path)
    path = write_xlsx(inbox / "d.xlsx", {"s": [["姓名", "身份证号", "死亡日期"], ["张三", ID1, "2024-01-05"],
                                              ["李四", "bad", "2024-01-05"]]})
    ingest_inbox(inbox, con, CONFIG)
    ingest_inbox(inbox, con, CONFIG)
    assert con.execute("SELECT count(*) FROM deaths").fetchone() == (1,)
    assert con.execute("SELECT count(*) FROM quarantine").fetchone() == (1,)
    assert con.execute("SELECT count(*) FROM village_basics").fetchone() == (4,)
    write_xlsx(path, {"s": [["姓名", "身份证号", "死亡日期"], ["王五", ID3, "2024-02-01"]]})
    reports = ingest_file(path, inbox, con, CONFIG)
    assert reports[0].rows_loaded == 1
    assert con.execute("SELECT person_name FROM deaths").fetchall() == [("王五",)]
    assert con.execute("SELECT count(*) FROM quarantine").fetchone() == (0,)
    log = con.execute("SELECT source_file, rows_loaded, file_hash FROM load_log WHERE source_file = 'd.xlsx' ORDER BY loaded_at").fetchall()
    assert [r[1] for r in log] == [1, 1, 1] and len({r[2] for r in log}) == 2


def test_unreadable_and_unrecognised_files_are_reported(tmp_path, con) -> None:
    inbox = inbox_with(tmp_path)
    (inbox / "broken.xlsx").write_bytes(b"not a workbook")
    write_xlsx(inbox / "other.xlsx", {"s": [["甲", "乙"], [1, 2]]})
    (inbox / "~$open.xlsx").write_bytes(b"lock file")
    reports = ingest_inbox(inbox, con, CONFIG)
    assert report_for(reports, "broken.xlsx").extract is None
    assert "无法打开" in report_for(reports, "broken.xlsx").message
    assert "无法识别表头" in report_for(reports, "other.xlsx").message
    (lock,) = [r for r in reports if r.file.startswith("~$")]  # listed, with its reason, not read
    assert lock.rows_read == 0 and lock.message == "已跳过：Office/WPS打开文件时生成的锁定文件（~$开头），不是数据"


def test_village_basics_arriving_late_rematches_earlier_files(tmp_path, con) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    write_xlsx(inbox / "a_deaths.xlsx", {"s": [["乡镇", "村", "姓名", "身份证号", "死亡日期"],
                                             ["城关镇", "东岭村委会", "张三", ID1, "2024-01-05"],
                                             ["城关镇", "东岭村", "李四", "bad", "2024-01-05"]]})
    # Statistics with no telling name and padded to sort after the other file.
    write_xlsx(inbox / "z.xlsx", {"村": BASICS + [["611021199999", "某镇", f"填充村{i}", 1, 1] for i in range(300)]})
    reports = ingest_inbox(inbox, con, CONFIG, workers=0)
    assert con.execute("SELECT village_code, village_match FROM deaths").fetchall() == [(BASICS[1][0], "exact")]
    assert con.execute("SELECT village_code FROM quarantine").fetchall() == [(BASICS[1][0],)]
    assert "未能匹配" not in report_for(reports, "a_deaths.xlsx").message
    aliases = con.execute("SELECT alias, village_code FROM village_alias").fetchall()
    assert ("东岭村委会", BASICS[1][0]) in aliases


def test_unmatched_village_is_reported_not_guessed(tmp_path, con) -> None:
    inbox = inbox_with(tmp_path)
    write_xlsx(inbox / "d.xlsx", {"s": [["乡镇", "村", "姓名", "身份证号", "死亡日期"],
                                        ["城关镇", "东林村", "张三", ID1, "2024-01-05"]]})
    reports = ingest_inbox(inbox, con, CONFIG)
    assert con.execute("SELECT village_code, village_match FROM deaths").fetchall() == [(None, "unmatched")]
    assert "城关镇东林村" in report_for(reports, "d.xlsx").message
    config = WorkspaceConfig(connectors=ConnectorsConfig(village_aliases={"东林村": BASICS[1][0]}))
    ingest_inbox(inbox, con, config)
    assert con.execute("SELECT village_code, village_match FROM deaths").fetchall() == [(BASICS[1][0], "alias")]


def test_ingest_report_csv(tmp_path, con) -> None:
    inbox = inbox_with(tmp_path)
    reports = ingest_inbox(inbox, con, CONFIG)
    out = tmp_path / "ingest_report.csv"
    write_ingest_report(reports, out)
    assert out.read_bytes().startswith(b"\xef\xbb\xbf")
    df = pl.read_csv(out, infer_schema=False)
    assert df.columns[:7] == ["file", "sheet", "extract", "rows_read", "rows_loaded", "rows_quarantined", "message"]
    assert df.row(0, named=True)["file"] == "村基本情况.xlsx"


def test_ledger_village_from_account_set_name(tmp_path, con) -> None:
    inbox = inbox_with(tmp_path)
    write_xlsx(inbox / "ledger.xlsx", {"凭证": [
        ["单位(账套)名称", "凭证日期", "凭证号", "摘要", "科目名称", "借方金额", "贷方金额", "结算方式"],
        ["城关镇东岭村村民委员会", "2023-12-01", "记-15", "付招待费", "管理费用-招待费", "1,234.50", "", "现金"],
        ["西岭村股份经济合作社", 45260, "记-16", "购办公用品", "管理费用", "(1,200.00)", None, "银行转账"],
        ["", "", "", "本月合计", "", "34.50", "", ""],
    ]})
    reports = ingest_inbox(inbox, con, CONFIG)
    check_invariant(reports)
    got = con.execute("SELECT village_code, voucher_date, voucher_no, debit_yuan FROM village_ledger ORDER BY source_row").fetchall()
    assert got == [(BASICS[1][0], dt.date(2023, 12, 1), "记-15", 1234.5),
                   (BASICS[2][0], dt.date(2023, 11, 30), "记-16", -1200.0)]
    assert report_for(reports, "ledger.xlsx").rows_skipped == 1


def test_openpyxl_datetime_cells(tmp_path, con) -> None:
    inbox = inbox_with(tmp_path)
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["姓名", "身份证号", "死亡日期"])
    ws.append(["张三", ID1, dt.datetime(2024, 1, 5, 13, 30)])
    wb.save(inbox / "dt.xlsx")
    ingest_inbox(inbox, con, CONFIG)
    assert con.execute("SELECT death_date FROM deaths").fetchall() == [(dt.date(2024, 1, 5),)]


def test_process_pool_gives_the_same_result(tmp_path, monkeypatch) -> None:
    import connectors.readahead

    # every file a job of its own and every frame handed over as a file: the pool's whole path
    monkeypatch.setattr(connectors.readahead, "SMALL_FILE_BYTES", 0)
    monkeypatch.setattr(connectors.readahead.handover, "HANDOVER_MIN_ROWS", 1)
    inbox = inbox_with(tmp_path)
    for i in range(4):
        write_xlsx(inbox / f"d{i}.xlsx", {"s": [["乡镇", "村", "姓名", "身份证号", "死亡日期"],
                                                ["城关镇", "东岭村", f"张{i}", make_id("19500101", f"{i:03d}"), "2024-01-05"],
                                                ["城关镇", "东岭村", "坏", "6.10102E+17", "2024-01-05"]]})
    killed = tmp_path / ".ingest-4194999-x"  # what a killed run left (no such process: pid_max is lower)
    (killed / "a.arrow").parent.mkdir()
    (killed / "a.arrow").write_bytes(b"x")
    results = []
    for workers in (0, 2):
        c = open_warehouse(tmp_path / f"w{workers}.duckdb")
        reports = ingest_inbox(inbox, c, CONFIG, workers=workers)
        check_invariant(reports)
        results.append((
            sorted((r.file, r.sheet, r.rows_loaded, r.rows_quarantined) for r in reports),
            c.execute("SELECT * EXCLUDE (source_file) FROM deaths ORDER BY person_name").fetchall(),
            c.execute("SELECT source_file, source_row, reason_code FROM quarantine ORDER BY 1").fetchall(),
        ))
        c.close()
    assert results[0] == results[1]
    assert not list(tmp_path.glob(".ingest-*")), "hand-over files are removed"


def test_a_village_list_row_quarantined_is_not_matched_by_the_reading_processes(tmp_path, monkeypatch) -> None:
    """The processes start with the village list as read; the list as written lacks a quarantined
    village, and rows naming it must come out as they do in one process (unmatched)."""
    import connectors.readahead

    monkeypatch.setattr(connectors.readahead, "SMALL_FILE_BYTES", 0)
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    rows = [list(r) for r in BASICS]
    rows[1][3] = -5  # 城关镇东岭村's household count cannot be: its row is quarantined
    write_xlsx(inbox / "统计村基本情况表.xlsx", {"s": rows})
    for i in range(4):
        write_xlsx(inbox / f"d{i}.xlsx", {"s": [["乡镇", "村", "姓名", "身份证号", "死亡日期"],
                                                ["城关镇", "东岭村", f"张{i}", make_id("19500101", f"{i:03d}"), "2024-01-05"],
                                                ["城关镇", "西岭村", f"李{i}", make_id("19500102", f"{i:03d}"), "2024-01-05"]]})
    results = []
    for workers in (0, 2):
        c = open_warehouse(tmp_path / f"w{workers}.duckdb")
        reports = ingest_inbox(inbox, c, CONFIG, workers=workers)
        check_invariant(reports)
        assert c.execute("SELECT count(*) FROM quarantine WHERE table_name = 'village_basics'").fetchone()[0] == 1
        results.append(c.execute("SELECT person_name, village_code, village_match FROM deaths ORDER BY 1").fetchall())
        c.close()
    assert results[0] == results[1]
    assert {m for name, _, m in results[0] if name.startswith("张")} == {"unmatched"}
    assert {m for name, _, m in results[0] if name.startswith("李")} == {"exact"}


def test_a_units_line_under_the_header_is_part_of_the_header(tmp_path, con) -> None:
    inbox = inbox_with(tmp_path)
    write_xlsx(inbox / "farm.xlsx", {"2024年": [
        ["年度", "乡镇", "村", "户主姓名", "身份证号", "承包面积", "补贴面积", "补贴标准", "补贴金额"],
        [None, None, None, None, None, "（亩）", "（亩）", "（元/亩）", "（元）"],
        [2024, "城关镇", "东岭村", "张三", ID1, 5.2, 5.2, 100.5, 522.6],
    ]})
    reports = ingest_inbox(inbox, con, CONFIG)
    check_invariant(reports)
    r = report_for(reports, "farm.xlsx")
    assert (r.extract, r.rows_read, r.rows_loaded, r.rows_quarantined, r.rows_skipped) == ("farmland_subsidy", 1, 1, 0, 1)
    assert "表头单位行1行" in r.message


def test_the_next_files_are_submitted_before_a_result_is_handed_over(tmp_path) -> None:
    """Reading must overlap the caller's work on the previous file (connectors.readahead.read_window)."""
    from concurrent.futures import Future

    from connectors.readahead import read_window

    jobs = []
    for i in range(4):
        f = tmp_path / f"{i}.csv"
        f.write_bytes(b"x" * 100)
        jobs.append([f])
    submitted: list[str] = []

    def submit(pool, job):
        submitted.append(job[0].name)
        fut: Future = Future()
        fut.set_result([job[0].name])
        return fut

    # one file ahead (the in-process reader thread): when 0 is handed over, 1 is being read
    seen = []
    for name in read_window(None, submit, jobs, 1, 0):
        seen.append((name, list(submitted)))
    assert seen[0] == ("0.csv", ["0.csv", "1.csv"])
    assert [s[0] for s in seen] == ["0.csv", "1.csv", "2.csv", "3.csv"]
    # a byte budget: everything within it is submitted at once
    submitted.clear()
    first = next(iter(read_window(None, submit, jobs, 1, 1000)))
    assert first == "0.csv" and submitted == ["0.csv", "1.csv", "2.csv", "3.csv"]


def test_reading_processes_hand_over_files_as_they_finish(tmp_path) -> None:
    """With a pool, a big file still being read does not hold back the small ones read after it."""
    from concurrent.futures import Future

    from connectors.readahead import read_window

    jobs = [[tmp_path / f"{i}.csv"] for i in range(3)]
    for (f,) in jobs:
        f.write_bytes(b"x")
    futures = {}

    def submit(pool, job):
        futures[job[0].name] = fut = Future()
        if job[0].name != "0.csv":  # the first (biggest) file is still being read
            fut.set_result([job[0].name])
        return fut

    stream = read_window(None, submit, jobs, 3, ordered=False)
    assert next(stream) == "1.csv"
    assert next(stream) == "2.csv"
    futures["0.csv"].set_result(["0.csv"])
    assert next(stream) == "0.csv"


def test_the_caller_works_while_the_next_file_is_read(tmp_path) -> None:
    """read_window's while_waiting: called only while the next result is not ready (the ingest hands
    waiting files to an idle GX process then, instead of when the next file arrives), and iteration
    goes on once it returns with the result ready; in job order, or with a pool, as jobs finish."""
    from concurrent.futures import Future

    from connectors.readahead import read_window

    jobs = [[tmp_path / f"{i}.csv"] for i in range(3)]
    for (f,) in jobs:
        f.write_bytes(b"x")
    for ordered in (True, False):
        futures: dict[str, Future] = {}

        def submit(pool, job, futures=futures):
            futures[job[0].name] = fut = Future()
            if job[0].name != "1.csv":  # 1.csv is still being read when asked for
                fut.set_result([job[0].name])
            return fut

        waited: list[bool] = []

        def while_waiting(ready, futures=futures, waited=waited) -> None:
            waited.append(ready())
            futures["1.csv"].set_result(["1.csv"])  # the read finishes while the caller works
            assert ready()

        got = list(read_window(None, submit, jobs, 3, ordered=ordered, while_waiting=while_waiting))
        assert sorted(got) == ["0.csv", "1.csv", "2.csv"]
        assert waited == [False]  # once, and only when nothing was ready
        if ordered:
            assert got == ["0.csv", "1.csv", "2.csv"]
        else:
            assert got == ["0.csv", "2.csv", "1.csv"]


def test_small_files_are_read_in_batches_and_big_ones_alone(tmp_path) -> None:
    from connectors.readahead import BATCH_BYTES, BATCH_FILES, SMALL_FILE_BYTES, THREAD_BATCH_FILES, batch_jobs

    small = []
    for i in range(BATCH_FILES + 3):
        f = tmp_path / f"s{i}.csv"
        f.write_bytes(b"x" * 10)
        small.append(f)
    big = tmp_path / "big.csv"
    big.write_bytes(b"x" * SMALL_FILE_BYTES)
    jobs = batch_jobs([big, *small, big])
    assert jobs[0] == [big] and jobs[-1] == [big]
    assert [len(j) for j in jobs[1:-1]] == [BATCH_FILES, 3]
    assert [p for j in jobs for p in j] == [big, *small, big]
    # a batch holds at most BATCH_BYTES: the last batches, read when little else is left, stay short
    middling = []
    for i in range(6):
        f = tmp_path / f"m{i}.csv"
        f.write_bytes(b"x" * (SMALL_FILE_BYTES - 1))
        middling.append(f)
    per_batch = BATCH_BYTES // (SMALL_FILE_BYTES - 1)
    assert [len(j) for j in batch_jobs(middling)] == [per_batch] * (6 // per_batch) + ([6 % per_batch] if 6 % per_batch else [])
    # read in this process's reading thread: smaller jobs, validated while the next are read
    jobs = batch_jobs([big, *small, big], THREAD_BATCH_FILES)
    assert [len(j) for j in jobs[1:-1]] == [THREAD_BATCH_FILES] * (len(small) // THREAD_BATCH_FILES) + (
        [len(small) % THREAD_BATCH_FILES] if len(small) % THREAD_BATCH_FILES else [])
    assert [p for j in jobs for p in j] == [big, *small, big]


def test_files_transformed_together_equal_files_transformed_alone(tmp_path) -> None:
    """transform_files groups sheets of one layout across files; each file's rows, quarantine and
    messages are what it gets on its own."""
    from connectors.ingest import extract_file, extract_files

    header = ["序号", "姓名", "身份证号", "死亡日期", "注销原因"]
    names = []
    for i, ids in enumerate([[make_id("19500101", "011"), "6.10102E+17", make_id("19500102", "021")], [make_id("19500103", "031")], ["", make_id("19500104", "041"), "abc"]]):
        rows = [header] + [[str(k + 1), f"张{k}", v, "2024-01-0" + str(k + 1), "死亡"] for k, v in enumerate(ids)]
        rows.append(["合计", "", "", "", ""])
        write_csv(tmp_path / f"死亡{i}.csv", rows, "gbk" if i % 2 else "utf-8-sig")
        names.append(tmp_path / f"死亡{i}.csv")
    together = extract_files(names, tmp_path, load_catalog())
    for path, joint in zip(names, together, strict=True):
        alone = extract_file(path, tmp_path, load_catalog())
        assert joint.source_file == alone.source_file == path.name
        for a, b in zip(joint.sheets, alone.sheets, strict=True):
            assert (a.sheet, a.extract, a.rows_read, a.rows_loaded, a.rows_quarantined, a.rows_skipped, a.messages) == (
                b.sheet, b.extract, b.rows_read, b.rows_loaded, b.rows_quarantined, b.rows_skipped, b.messages)
            assert a.data.equals(b.data)
            assert (a.quarantine is None and b.quarantine is None) or a.quarantine.equals(b.quarantine)
            assert set(a.data["source_file"].to_list()) <= {path.name}
    assert [r.sheets[0].rows_quarantined for r in together] == [1, 0, 2]


def test_a_groups_rows_and_the_village_spellings_they_used_are_committed_together(tmp_path, con, monkeypatch) -> None:
    """The spellings of villages a group of files matched (village_alias) are written in the same
    transaction as the group's rows: when recording them fails, none of the group's rows are kept
    either (one commit per group, not two)."""
    import connectors.ingest

    inbox = inbox_with(tmp_path)
    write_csv(inbox / "死亡.csv", [["乡镇", "村", "姓名", "身份证号", "死亡日期"],
                                   ["城关镇", "东岭", "张三", ID1, "2024-01-05"]], "utf-8-sig")
    recorded: list[list] = []

    def fail_on_the_deaths(con, seen) -> None:
        recorded.append(seen)
        if any(alias == "东岭" for alias, _, _ in seen):
            raise RuntimeError("disk full")

    monkeypatch.setattr(connectors.ingest, "record_aliases", fail_on_the_deaths)
    with pytest.raises(RuntimeError, match="disk full"):
        ingest_inbox(inbox, con, CONFIG, workers=0)
    assert any(seen for seen in recorded)  # the deaths' spelling 东岭 was being recorded
    assert con.execute("SELECT count(*) FROM deaths").fetchone() == (0,)
    assert con.execute("SELECT count(*) FROM load_log WHERE source_file = '死亡.csv'").fetchone() == (0,)
    assert con.execute("SELECT count(*) FROM village_basics").fetchone()[0] > 0  # its own group, committed before


@pytest.mark.skipif((os.cpu_count() or 1) < 2, reason="one core: no GX process")
def test_groups_validated_while_the_group_before_is_written_load_as_one_group(tmp_path, monkeypatch) -> None:
    """Files validated one group at a time, each group in the GX process while the one before it is
    written (a statistics file's group written before later files are matched to its villages): the
    same warehouse as all files validated and written together, the files written in inbox order."""
    import connectors.ingest
    import connectors.validation
    from connectors import children

    assert children.start_gx()
    inbox = inbox_with(tmp_path)  # with the statistics' village list
    for i in range(5):
        write_xlsx(inbox / f"d{i}.xlsx", {"s": [["乡镇", "村", "姓名", "身份证号", "死亡日期"],
                                                ["城关镇", "东岭村", f"张{i}", make_id("19500101", f"{i:03d}"), "2024-01-05"],
                                                ["城关镇", "东岭", f"李{i}", make_id("19500101", f"{i + 5:03d}"), "2024-01-06"],
                                                ["城关镇", "东岭村", "坏", "6.10102E+17", "2024-01-05"]]})
    outcomes, order = [], []
    for per_group in (64, 1, "idle"):
        # "idle": groups handed over whenever the GX process is idle (here: always), not by size
        monkeypatch.setattr(connectors.ingest, "VALIDATE_BATCH_FILES", 64 if per_group == "idle" else per_group)
        monkeypatch.setattr(connectors.ingest, "IDLE_VALIDATE_MIN_ROWS", 1 if per_group == "idle" else 10**9)
        if per_group == "idle":
            monkeypatch.setattr(connectors.ingest, "gx_ready", lambda: True)
            monkeypatch.setattr(connectors.validation.Validation, "validated", lambda self: True)
        c = open_warehouse(tmp_path / f"w{per_group}.duckdb")
        written: list[str] = []
        handed: list[list[str]] = []
        reports = ingest_inbox(inbox, c, CONFIG, workers=0,
                               on_file=lambda p, done, total, w=written: w.append(p.name),
                               on_validating=lambda group, h=handed: h.append([r.source_file for r in group]))
        check_invariant(reports)
        outcomes.append((
            sorted((r.file, r.sheet, r.rows_loaded, r.rows_quarantined) for r in reports),
            c.execute("SELECT * EXCLUDE (source_file) FROM deaths ORDER BY person_name").fetchall(),
            c.execute("SELECT source_file, source_row, reason_code FROM quarantine ORDER BY 1, 2").fetchall(),
            c.execute("SELECT count(*) FROM deaths WHERE village_code IS NULL").fetchone(),
        ))
        order.append((written, handed))
        c.close()
    assert outcomes[0] == outcomes[1] == outcomes[2]
    assert outcomes[1][3] == (0,)  # every row matched to the statistics' village list (东岭 too)
    assert len(order[0][1]) == 2  # by size: the statistics, then the other five together
    for written, handed in order[1:]:
        assert len(handed) == 6 and handed[0] == ["村基本情况.xlsx"]  # one group per file, statistics first
        assert written == [Path(g[0]).name for g in handed]  # written in the order handed over


def test_a_background_checkpoint_leaves_the_log_empty_and_the_rows_kept(tmp_path) -> None:
    """checkpoint_in_background writes DuckDB's log into the warehouse file while this thread goes on
    (what closing would do otherwise): afterwards the log holds nothing, and the rows are there."""
    import duckdb

    from connectors.warehouse import checkpoint_in_background

    path = tmp_path / "w.duckdb"
    c = duckdb.connect(str(path))
    c.execute("CREATE TABLE t AS SELECT range AS i FROM range(100000)")
    wal = tmp_path / "w.duckdb.wal"
    assert wal.exists() and wal.stat().st_size > 0
    checkpoint_in_background(c)()
    assert not wal.exists() or wal.stat().st_size == 0
    c.close()
    assert duckdb.connect(str(path)).execute("SELECT count(*) FROM t").fetchone() == (100000,)

