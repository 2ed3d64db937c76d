"""Reports written for a small county, read back: flags, masking, ranking, detail sheets, outline."""

from __future__ import annotations

import datetime as dt
import re
import shutil
import subprocess
from pathlib import Path

import openpyxl
import polars as pl
import pytest
from test_reports_county import LONG_ACCOUNT, MOVED_B03_VILLAGE, SHORT_ACCOUNT, VILLAGES, build_county, next_run

import reports
from reports import office_workbook, village_workbook, working_paper
from reports.context import COMMON_MARK
from reports.write import REPORTS_DIR

STAMP = "20241201-093000"
ID_18 = re.compile(r"(?<![0-9])[0-9]{17}[0-9Xx](?![0-9])")
ID_15 = re.compile(r"(?<![0-9])[0-9]{15}(?![0-9])")


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    root = tmp_path_factory.mktemp("ws")
    county = build_county(root)
    paths = reports.write_all(county.con, root, county.config, STAMP)
    yield county, paths
    county.con.close()


def all_cells(path: Path):
    wb = openpyxl.load_workbook(path, read_only=True)
    for ws in wb.worksheets:
        for row in ws.iter_rows(values_only=True):
            for v in row:
                if v is not None:
                    yield ws.title, str(v)
    wb.close()


def sheet_rows(path: Path, sheet: str, header_row: int) -> list[dict]:
    wb = openpyxl.load_workbook(path, read_only=True)
    rows = list(wb[sheet].iter_rows(values_only=True))
    wb.close()
    header = rows[header_row - 1]
    return [dict(zip(header, r, strict=False)) for r in rows[header_row:] if any(v is not None for v in r)]


def test_layout_and_every_village_has_a_workbook(written) -> None:
    county, paths = written
    assert paths.root == county.root / REPORTS_DIR / STAMP
    assert paths.office_workbook.exists() and paths.overview.exists()
    assert set(paths.village_workbooks) == set(VILLAGES)
    for code, path in paths.village_workbooks.items():
        town, name = VILLAGES[code]
        assert path.name == f"{town}_{name}_巡察风险清单.xlsx"
        assert path.exists()
    leftovers = [p for p in paths.root.parent.iterdir() if p.name.startswith(".")]
    assert leftovers == []


def test_every_flag_is_in_exactly_its_village_workbook(written) -> None:
    county, paths = written
    expected = dict(county.con.execute(
        "SELECT village_code, list(flag_id ORDER BY flag_id) FROM flags GROUP BY village_code").fetchall())
    assert sum(len(v) for v in expected.values()) >= 6
    seen: dict[str, str] = {}
    for code, path in paths.village_workbooks.items():
        ids = [r["疑点编号"] for r in sheet_rows(path, village_workbook.LIST_SHEET, 2)]
        for fid in ids:
            assert fid not in seen, f"{fid} in {seen.get(fid)} and {code}"
            seen[fid] = code
        assert sorted(ids) == sorted(expected.get(code, [])), code


def test_no_full_id_or_account_number_in_any_team_workbook(written) -> None:
    county, paths = written
    masked_seen = False
    for path in paths.village_workbooks.values():
        for sheet, text in all_cells(path):
            assert not ID_18.search(text), (path.name, sheet, text)
            assert not ID_15.search(text), (path.name, sheet, text)
            assert LONG_ACCOUNT not in text and SHORT_ACCOUNT not in text, (path.name, sheet, text)
            for pid in county.people.values():
                assert pid not in text
            masked_seen |= "611021********" in text
    assert masked_seen  # IDs are shown masked, not dropped


def test_office_workbook_keeps_full_ids(written) -> None:
    county, paths = written
    text = "\n".join(t for _, t in all_cells(paths.office_workbook))
    assert county.people["张三"] in text
    assert "611021193001010010" in text  # the quarantined row's raw value


def test_office_ranking_equals_villages_csv(written) -> None:
    county, paths = written
    csv = pl.read_csv(county.root / "villages.csv", infer_schema=False)
    rows = sheet_rows(paths.office_workbook, "村排名", 1)
    assert len(rows) == csv.height
    for got, want in zip(rows, csv.iter_rows(named=True), strict=True):
        for header, column, kind in office_workbook.RANKING_COLUMNS:
            value = got[header]
            if kind in ("score", "money"):
                assert float(value) == float(want[column]), (header, value, want[column])
            elif kind == "int":
                assert int(value) == int(want[column]), (header, value, want[column])
            else:
                assert (value or "") == (want[column] or ""), (header, value, want[column])
        assert got["风险清单"].startswith('=HYPERLINK("村级清单/')


def test_problem_list_is_sorted_and_carries_verification_columns(written) -> None:
    _, paths = written
    rows = sheet_rows(paths.village_workbooks["611021100202"], village_workbook.LIST_SHEET, 2)
    assert len(rows) >= 2
    order = {"高": 0, "中": 1, "低": 2}
    keys = [(order[r["严重程度"]], -float(r["涉及金额(元)"])) for r in rows]
    assert keys == sorted(keys)
    for r in rows:
        assert r["核查结果"] is None and r["核查人"] is None and r["核查日期"] is None
        assert r["核查建议"] and r[village_workbook.PLACE_HEADER] and r["主要特征"] and r["问题表现"]


def test_many_evidence_rows_are_summarised_in_the_list_and_listed_in_the_working_paper(written) -> None:
    county, paths = written
    path = paths.village_workbooks["611021100201"]
    wb = openpyxl.load_workbook(path, read_only=True)
    assert wb.sheetnames[:3] == [village_workbook.COVER_SHEET, village_workbook.LIST_SHEET, village_workbook.INTERVIEW_SHEET]
    assert wb.sheetnames[-1] == working_paper.SHEET
    wb.close()
    n = county.con.execute(
        "SELECT len(evidence_list) FROM flags WHERE rule_id = 'A01' AND village_code = '611021100201'").fetchone()[0]
    assert n > working_paper.SPELLED_OUT
    listed = next(r for r in sheet_rows(path, village_workbook.LIST_SHEET, 2) if r["主要特征"].startswith("A01"))
    seq = listed["序号"]
    paper = [r for r in sheet_rows(path, working_paper.SHEET, 2) if r["问题清单序号"] == seq]
    # every evidence row in the working paper, numbered as the list's 底稿 cell says
    assert len(paper) == n
    assert [r["底稿号"] for r in paper] == [f"{seq}-{i}" for i in range(1, n + 1)]
    assert listed[village_workbook.REFERENCE_HEADER].startswith(f"{seq}-1～{seq}-{n}")
    assert {r["来源表"] for r in paper} == {"死亡人员信息", "高龄补贴发放名册"}
    assert any("金额(元) 100.00" in r["记录内容"] for r in paper)
    # the list summarises them (by month, by person) instead of dumping them
    shown = listed["问题表现"]
    assert "按月份" in shown and "按人员" in shown
    # no record dumped in the list (the 本镇共性问题 mark is the only bracketed text it may carry)
    assert "【" not in shown.removeprefix(COMMON_MARK)
    assert re.search(r"第[0-9]+-[0-9]+", listed[village_workbook.PLACE_HEADER])  # rows as ranges


def test_interview_outline_groups_by_person_and_asks_each_question_once(written) -> None:
    _, paths = written
    rows = sheet_rows(paths.village_workbooks["611021100202"], village_workbook.INTERVIEW_SHEET, 2)
    pairs = [(r["谈话对象"], r["谈话问题"]) for r in rows]
    assert len(pairs) == len(set(pairs))
    who = [r["谈话对象"] for r in rows]
    assert who[0] == "村党组织书记"
    assert "孙八（账户户名人）" in who  # the account holder, by name
    assert any(w.startswith("当事户（问题清单第") for w in who)  # B01: the households paid into the account
    assert all("{" not in r["谈话问题"] for r in rows)
    # B02 fires twice in this village; its question without placeholders is asked once, for both flags
    shared = [r for r in rows if r["谈话问题"].startswith("对代领补贴的情形")]
    assert len(shared) == 1 and "、" in str(shared[0]["相关疑点（问题清单序号）"])


def test_cover_shows_basics_score_and_sources(written) -> None:
    county, paths = written
    text = "\n".join(t for s, t in all_cells(paths.village_workbooks["611021100201"]) if s == village_workbook.COVER_SHEET)
    for needle in ("户籍户数", "310", "1020", "人均可支配收入", "重点村", "第 ", "共 6 个村", "严重程度分", "金额分",
                   "规则数分", "死亡人员信息", "公安/死亡注销名单.xlsx", "缺少的数据源", "未运行规则", "20241201-093000"):
        assert needle in text, needle


def test_team_workbooks_show_when_flags_were_found_and_what_changed_since_the_last_run(tmp_path: Path) -> None:
    county = build_county(tmp_path)  # the first run: a baseline, nothing to compare with
    first = reports.write_all(county.con, tmp_path, county.config, STAMP)
    rows = sheet_rows(first.village_workbooks[MOVED_B03_VILLAGE], village_workbook.LIST_SHEET, 2)
    today = county.con.execute("SELECT min(first_seen)::DATE::VARCHAR FROM flags").fetchone()[0]
    assert rows and all(r["状态"] == f"{today}\n首次发现" for r in rows)
    for path in first.village_workbooks.values():
        assert village_workbook.CHANGES_SHEET not in openpyxl.load_workbook(path, read_only=True).sheetnames
    old_b03 = county.con.execute("SELECT flag_id FROM flags WHERE rule_id = 'B03'").fetchone()[0]

    next_run(county, dt.datetime.now() + dt.timedelta(days=1))
    second = reports.write_all(county.con, tmp_path, county.config, "20241202-023000")
    new_b03 = county.con.execute("SELECT flag_id FROM flags WHERE rule_id = 'B03'").fetchone()[0]
    assert new_b03 != old_b03
    path = second.village_workbooks[MOVED_B03_VILLAGE]
    listed = {r["疑点编号"]: r for r in sheet_rows(path, village_workbook.LIST_SHEET, 2)}
    assert old_b03 not in listed and listed[new_b03]["状态"] == "本次新增"
    assert all(r["状态"] == f"{today}\n首次发现" for fid, r in listed.items() if fid != new_b03)
    changes = sheet_rows(path, village_workbook.CHANGES_SHEET, 2)
    assert [(r["变化"], r["规则"][:3]) for r in changes] == [("新增", "B03"), ("已消失", "B03")]
    assert changes[0]["问题清单序号"] == listed[new_b03]["序号"]
    assert changes[1]["首次发现"] is not None and changes[1]["最后发现"] is not None
    assert county.people["李四"] not in str(changes)  # masked like everything else in a team workbook
    cover = "\n".join(t for sheet, t in all_cells(path) if sheet == village_workbook.COVER_SHEET)
    assert "新增 1 条，已消失 1 条" in cover
    # villages where nothing changed have no such sheet, and their flags keep the day they were found
    for code, other in second.village_workbooks.items():
        if code != MOVED_B03_VILLAGE:
            assert village_workbook.CHANGES_SHEET not in openpyxl.load_workbook(other, read_only=True).sheetnames, code
    # the office sees every change, unmasked
    office = sheet_rows(second.office_workbook, "本次变化", 2)
    assert {(r["变化"], r["疑点编号"]) for r in office} == {("新增", new_b03), ("已消失", old_b03)}
    assert any(r["证件号/账号/对象"] == county.people["李四"] for r in office)
    statuses = {r["疑点编号"]: r["状态"] for r in sheet_rows(second.office_workbook, "全部疑点", 2)}
    assert statuses[new_b03] == "新增" and set(statuses.values()) == {"新增", "持续"}


def test_flags_the_analysts_dismissed_are_not_sent_to_the_team(tmp_path: Path) -> None:
    county = build_county(tmp_path)
    county.con.execute("ALTER TABLE flags ADD COLUMN IF NOT EXISTS triage VARCHAR")
    county.con.execute("ALTER TABLE flags ADD COLUMN IF NOT EXISTS triage_note VARCHAR")
    dismissed = county.con.execute("SELECT flag_id FROM flags WHERE rule_id = 'B03'").fetchone()[0]
    county.con.execute("UPDATE flags SET triage = '排除', triage_note = '补发，有审批' WHERE flag_id = ?", [dismissed])
    paths = reports.write_all(county.con, tmp_path, county.config, STAMP)
    team = {r["疑点编号"] for p in paths.village_workbooks.values()
            for r in sheet_rows(p, village_workbook.LIST_SHEET, 2)}
    assert dismissed not in team and len(team) >= 5
    office = {r["疑点编号"]: r for r in sheet_rows(paths.office_workbook, "全部疑点", 2)}
    assert office[dismissed]["核查说明"] == "补发，有审批"


def test_a_failure_leaves_no_report_set_and_no_temporary_folder(tmp_path: Path, monkeypatch) -> None:
    county = build_county(tmp_path)

    def boom(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(office_workbook, "build", boom)
    with pytest.raises(RuntimeError):
        reports.write_all(county.con, tmp_path, county.config, STAMP)
    assert list((tmp_path / REPORTS_DIR).iterdir()) == []


def test_writing_the_same_stamp_again_replaces_the_set(written) -> None:
    county, paths = written
    again = reports.write_all(county.con, county.root, county.config, STAMP)
    assert again.root == paths.root and again.office_workbook.exists()
    assert [p.name for p in paths.root.parent.iterdir()] == [STAMP]


def test_the_pool_writes_the_same_workbooks(tmp_path: Path, monkeypatch) -> None:
    county = build_county(tmp_path)
    monkeypatch.setattr("reports.write.POOL_MIN_VILLAGES", 1)
    monkeypatch.setattr("reports.write.BATCH_SIZE", 2)
    paths = reports.write_all(county.con, tmp_path, county.config, STAMP, workers=2)
    for code, path in paths.village_workbooks.items():
        assert len(sheet_rows(path, village_workbook.LIST_SHEET, 2)) == county.con.execute(
            "SELECT count(*) FROM flags WHERE village_code = ?", [code]).fetchone()[0]


def test_a_village_workbook_converts_to_pdf_with_libreoffice(written, tmp_path: Path) -> None:
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if not soffice:
        pytest.skip("LibreOffice 未安装：跳过 PDF 转换检查")
    _, paths = written
    source = tmp_path / "village.xlsx"
    shutil.copy(paths.village_workbooks["611021100201"], source)
    subprocess.run([soffice, "--headless", f"-env:UserInstallation=file://{tmp_path}/lo", "--convert-to", "pdf",
                    "--outdir", str(tmp_path), str(source)], check=True, capture_output=True, timeout=180)
    pdf = tmp_path / "village.pdf"
    assert pdf.exists() and pdf.read_bytes()[:5] == b"%PDF-"


def test_evidence_only_in_the_quarantine_is_shown_masked(written) -> None:
    _, paths = written
    rows = sheet_rows(paths.village_workbooks["611021100201"], village_workbook.LIST_SHEET, 2)
    a06 = [r for r in rows if r["主要特征"].startswith("A06")]
    assert len(a06) == 1
    paper = [r for r in sheet_rows(paths.village_workbooks["611021100201"], working_paper.SHEET, 2)
             if r["问题清单序号"] == a06[0]["序号"]]
    facts = "\n".join(r["记录内容"] for r in paper)
    assert "隔离原因" in facts and "611021********0010" in facts


def test_a_warehouse_with_nothing_checked_still_gets_an_office_workbook_and_page(tmp_path: Path) -> None:
    from connectors.warehouse import open_warehouse
    from xuncha.config import WorkspaceConfig

    con = open_warehouse(tmp_path / "warehouse.duckdb")
    paths = reports.write_all(con, tmp_path, WorkspaceConfig(), STAMP)
    assert paths.village_workbooks == {}
    assert "村排名" in openpyxl.load_workbook(paths.office_workbook, read_only=True).sheetnames
    assert "巡察数据比对总览" in paths.overview.read_text(encoding="utf-8")
