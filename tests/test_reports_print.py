"""What a team or the office prints: page setup of every sheet, readable type, no template left
unfilled in any output, and each village's cover naming only its own sources."""

from __future__ import annotations

import re
from pathlib import Path

import openpyxl
import pytest
from openpyxl.utils import get_column_letter, range_boundaries
from test_reports_county import build_county

import reports
from reports import data_quality, interview, village_workbook, working_paper
from rules.catalog import ALL_RULES

STAMP = "20241201-093000"
A4_MM = {"portrait": 210.0, "landscape": 297.0}
# Excel's column width unit: a digit of the default font (Calibri 11, 7 px) at 96 dpi
WIDTH_UNIT_MM = 7 / 96 * 25.4
MIN_PRINTED_PT = 9.0
# An unfilled template field: {subject_key}, {amount_yuan:,.2f} …
PLACEHOLDER = re.compile(r"\{[A-Za-z_][A-Za-z0-9_]*(?:[:!][^{}]*)?\}")


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    root = tmp_path_factory.mktemp("ws")
    county = build_county(root)
    paths = reports.write_all(county.con, root, county.config, STAMP)
    yield county, paths
    county.con.close()


def print_range(ws) -> tuple[int, int, int, int]:
    """(min col, min row, max col, max row) of what the sheet prints."""
    if ws.print_area:
        area = ws.print_area if isinstance(ws.print_area, str) else ws.print_area[0]
        return range_boundaries(area.split("!")[-1].replace("$", ""))
    return 1, 1, ws.max_column, ws.max_row


def printed_scale(ws, first_col: int, last_col: int) -> float:
    """The scale fit-to-width prints at: the page's width over the printed columns' width."""
    page = A4_MM[ws.page_setup.orientation] - (ws.page_margins.left + ws.page_margins.right) * 25.4
    width = sum((ws.column_dimensions[get_column_letter(c)].width or 8.43) for c in range(first_col, last_col + 1))
    return min(1.0, page / (width * WIDTH_UNIT_MM))


def check_page_setup(ws, *, orientation: str = "landscape", title_rows: bool = True) -> float:
    """Assert A4, orientation, one page wide, repeated header rows, >= 9 pt; return the smallest
    printed font size."""
    where = ws.title
    assert ws.page_setup.paperSize in ("9", 9), where
    assert ws.page_setup.orientation == orientation, where
    assert ws.sheet_properties.pageSetUpPr.fitToPage and int(ws.page_setup.fitToWidth) == 1, where
    assert int(ws.page_setup.fitToHeight or 0) == 0, where  # as many pages down as it takes
    if title_rows:
        assert ws.print_title_rows, where
    first_col, first_row, last_col, last_row = print_range(ws)
    scale = printed_scale(ws, first_col, last_col)
    smallest = min(
        (c.font.sz or 11) for row in ws.iter_rows(min_row=first_row, max_row=min(last_row, first_row + 300),
                                                   min_col=first_col, max_col=last_col)
        for c in row if c.value is not None
    )
    assert smallest * scale >= MIN_PRINTED_PT, (where, smallest, round(scale, 3))
    return smallest * scale


def test_village_workbook_page_setup(written) -> None:
    _, paths = written
    for path in paths.village_workbooks.values():
        wb = openpyxl.load_workbook(path)
        check_page_setup(wb[village_workbook.COVER_SHEET], orientation="portrait", title_rows=False)
        for ws in wb.worksheets[1:]:
            check_page_setup(ws)
        # the list prints what a team reads and writes in; the id and amount stay on screen
        ws = wb[village_workbook.LIST_SHEET]
        first_col, _, last_col, _ = print_range(ws)
        printed = [ws.cell(2, c).value for c in range(first_col, last_col + 1)]
        assert printed[-3:] == ["核查结果", "核查人", "核查日期"]
        assert "疑点编号" not in printed and "涉及金额(元)" not in printed
        for header in ("问题类别", "主要特征", "问题表现", village_workbook.PLACE_HEADER, village_workbook.REFERENCE_HEADER):
            assert header in printed, header
        widths = {ws.cell(2, c).value: ws.column_dimensions[get_column_letter(c)].width for c in range(1, last_col + 1)}
        assert widths["核查结果"] >= 20 and widths["核查人"] >= 8 and widths["核查日期"] >= 10
        assert ws.print_title_rows.replace("$", "") == "2:2"
        # the working paper prints its caption only
        if working_paper.SHEET in wb.sheetnames:
            assert print_range(wb[working_paper.SHEET])[3] == 1
        wb.close()


def test_office_workbook_prints_the_summaries_not_the_evidence(written) -> None:
    _, paths = written
    wb = openpyxl.load_workbook(paths.office_workbook)
    for ws in wb.worksheets:
        check_page_setup(ws)
    for name in ("全部疑点", "证据明细", "隔离明细"):
        assert print_range(wb[name])[3] == 1, name
    for name in ("村排名", "村×规则矩阵", "乡镇共性问题"):
        assert print_range(wb[name])[3] > 2, name
    matrix = wb["村×规则矩阵"]
    # a town per page: a break wherever the town changes
    towns = [matrix.cell(r, 1).value for r in range(3, matrix.max_row + 1)]
    changes = [i + 3 for i in range(1, len(towns)) if towns[i] != towns[i - 1]]
    assert changes and sorted(b.id for b in matrix.row_breaks.brk) == [r - 1 for r in changes]
    wb.close()


def _texts(path: Path):
    if path.suffix == ".xlsx":
        wb = openpyxl.load_workbook(path, read_only=True)
        for ws in wb.worksheets:
            for row in ws.iter_rows(values_only=True):
                for v in row:
                    if isinstance(v, str):
                        yield f"{ws.title}: {v}"
        wb.close()
    elif path.suffix == ".html":
        # the page's text, not its style sheet (CSS rules are braces too)
        page = re.sub(r"<style>.*?</style>", "", path.read_text(encoding="utf-8"), flags=re.S)
        yield re.sub(r"<[^>]+>", " ", page)
    else:
        yield path.read_text(encoding="utf-8-sig")


def test_no_output_holds_an_unfilled_template_field(written) -> None:
    county, paths = written
    (county.root / data_quality.FILE_NAME).write_text(data_quality.build(county.con), encoding="utf-8")
    outputs = [p for p in county.root.rglob("*") if p.suffix in (".xlsx", ".html", ".csv")]
    assert len([p for p in outputs if p.suffix == ".xlsx"]) == len(paths.village_workbooks) + 1
    assert any(p.suffix == ".html" for p in outputs) and any(p.suffix == ".csv" for p in outputs)
    for path in outputs:
        for text in _texts(path):
            assert not PLACEHOLDER.search(text), (path.name, PLACEHOLDER.search(text).group(), text[:300])


def test_every_rule_question_names_only_fields_a_flag_has() -> None:
    ref = interview.FlagRef(7, "张三", 1234.5, "摘要", True, "HT-2023-001")
    for rule in ALL_RULES:
        for q in rule.questions:
            assert interview.placeholders(q.text) <= set(interview.FIELDS), (rule.id, q.text)
            filled = interview.fill(q.text, ref)
            assert "{" not in filled and "}" not in filled, (rule.id, filled)


def test_a_field_no_flag_has_never_reaches_the_team() -> None:
    ref = interview.FlagRef(4, "李四", 0.0, "", False, "")
    text = interview.fill("合同{subject_key}与{contract_no}是否公开？", ref)
    assert "{" not in text and "问题清单第4条" in text


def test_each_cover_lists_only_its_own_sources(written) -> None:
    county, paths = written
    all_files = {r[0] for r in county.con.execute("SELECT DISTINCT source_file FROM load_log").fetchall()}
    own = {}
    for code in paths.village_workbooks:
        own[code] = set()
        for table in ("village_basics", "deaths", "old_age_payments", "assistance_roster", "household_register",
                      "onecard_payments"):
            own[code] |= {r[0] for r in county.con.execute(
                f"SELECT DISTINCT source_file FROM {table} WHERE village_code = ?", [code]).fetchall()}
    assert any(files != all_files for files in own.values()), "every village is in every file: the test cannot fail"
    for code, path in paths.village_workbooks.items():
        wb = openpyxl.load_workbook(path, read_only=True)
        cover = "\n".join(str(v) for row in wb[village_workbook.COVER_SHEET].iter_rows(values_only=True)
                          for v in row if v is not None)
        wb.close()
        for f in all_files:
            assert (f in cover) == (f in own[code]), (code, f)
