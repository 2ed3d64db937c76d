"""The bad-input corpus: every file a department might really send, generated here (no binaries
checked in but the tiny legacy .xls). Each case asserts its Chinese message (naming file, sheet,
row or column) and the row accounting: rows read = loaded + quarantined on every sheet, and the
warehouse holds exactly that many rows of the file in its table and in the quarantine.
"""

from __future__ import annotations

import io
import re
import shutil
import time
import zipfile
from pathlib import Path

import openpyxl
import pytest
from fixtures.connectors.workbooks import BASICS, make_id, write_csv, write_xlsx
from msoffcrypto.format.ooxml import OOXMLFile

from connectors.ingest import SheetReport, ingest_inbox
from connectors.warehouse import open_warehouse
from xuncha.config import WorkspaceConfig

FIXTURES = Path(__file__).parent / "fixtures" / "connectors"
CONFIG = WorkspaceConfig()
DEATHS_HEADER = ["乡镇", "村", "姓名", "身份证号", "死亡日期", "注销原因"]
DISABILITY_HEADER = ["乡镇", "村", "姓名", "身份证号", "残疾类别", "残疾等级", "补贴类型", "发放月份", "金额"]


def ids(n: int, start: int = 0) -> list[str]:
    return [make_id("19" + f"{40 + (i % 50):02d}" + "0101", f"{(start + i) % 1000:03d}") for i in range(n)]


def cname(i: int, surname: str = "张") -> str:
    """A name without digits (digits in a name column look like a shifted column)."""
    return surname + "".join("零一二三四五六七八九"[int(d)] for d in str(i))


def deaths_rows(n: int, start: int = 0) -> list[list]:
    return [["城关镇", "东岭村", cname(start + i), pid, "2024-01-05", "死亡"] for i, pid in enumerate(ids(n, start))]


@pytest.fixture
def con(tmp_path):
    c = open_warehouse(tmp_path / "w.duckdb")
    yield c
    c.close()


@pytest.fixture
def inbox(tmp_path) -> Path:
    box = tmp_path / "inbox"
    box.mkdir()
    write_xlsx(box / "村基本情况.xlsx", {"村": BASICS})
    return box


def ingest(inbox: Path, con) -> list[SheetReport]:
    return ingest_inbox(inbox, con, CONFIG, workers=0)


def only(reports: list[SheetReport], file: str) -> list[SheetReport]:
    found = [r for r in reports if r.file == file]
    assert found, (file, reports)
    return found


def accounted(con, reports: list[SheetReport], file: str) -> None:
    """Row accounting in the report and in the warehouse: no row lost, none counted twice."""
    for r in only(reports, file):
        assert r.rows_read == r.rows_loaded + r.rows_quarantined, r
        if r.extract:
            loaded = con.execute(
                f"SELECT count(*) FROM {r.extract} WHERE source_file = ? AND source_sheet = ?", [file, r.sheet]
            ).fetchone()[0]
            assert loaded == r.rows_loaded, (r, loaded)
        quarantined = con.execute(
            "SELECT count(*) FROM quarantine WHERE source_file = ? AND source_sheet = ?", [file, r.sheet]
        ).fetchone()[0]
        assert quarantined == r.rows_quarantined, (r, quarantined)


def valid_xlsx_bytes(rows: list[list]) -> bytes:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "死亡"
    for row in [DEATHS_HEADER, *rows]:
        ws.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


# ---------------------------------------------------------------- files that cannot be opened


@pytest.mark.parametrize("name, data, expected", [
    ("corrupt.xlsx", b"PK\x03\x04" + bytes(range(256)) * 20, "无法打开工作簿"),
    ("garbage.xlsx", bytes(range(256)) * 20, "无法打开工作簿"),
    ("empty.xlsx", b"", "文件是空的"),
    ("empty.csv", b"", "文件是空的"),
])
def test_files_that_cannot_be_opened_are_reported_not_fatal(inbox, con, name, data, expected) -> None:
    (inbox / name).write_bytes(data)
    write_xlsx(inbox / "ok.xlsx", {"死亡": [DEATHS_HEADER, *deaths_rows(3)]})
    reports = ingest(inbox, con)
    (r,) = only(reports, name)
    assert r.extract is None and expected in r.message
    assert (r.rows_read, r.rows_loaded, r.rows_quarantined) == (0, 0, 0)
    assert only(reports, "ok.xlsx")[0].rows_loaded == 3  # the run went on with the rest
    row = con.execute("SELECT outcome, message FROM validation_results WHERE source_file = ?", [name]).fetchone()
    assert row[0] == "无法读取" and expected in row[1]


class PanicException(BaseException):
    """What pyo3 raises when a Rust reader (python-calamine) panics: a BaseException, not an Exception."""


def test_a_reader_panic_costs_its_file_not_the_run(inbox, con, monkeypatch) -> None:
    import connectors.readers as readers

    bad = valid_xlsx_bytes(deaths_rows(2, start=50))
    (inbox / "panic.xlsx").write_bytes(bad)
    write_xlsx(inbox / "ok.xlsx", {"死亡": [DEATHS_HEADER, *deaths_rows(3)]})
    real = readers._read_calamine

    def reader(data: bytes):
        if data == bad:
            raise PanicException("index out of bounds: the len is 1 but the index is 7")
        return real(data)

    monkeypatch.setattr(readers, "_read_calamine", reader)
    reports = ingest(inbox, con)
    (r,) = only(reports, "panic.xlsx")
    assert r.extract is None and "无法打开工作簿" in r.message and "panic" in r.message
    assert only(reports, "ok.xlsx")[0].rows_loaded == 3  # the files after it load
    assert only(reports, "村基本情况.xlsx")[0].rows_loaded > 0


def test_a_reading_process_that_dies_costs_its_file_not_the_run(inbox, con, monkeypatch) -> None:
    """With reading processes (a big inbox), a reader that aborts the process (SIGABRT, as a native
    reader does) breaks the pool: the jobs it did not finish are read again file by file, each in a
    process of its own, and only the file that kills its reader is reported unreadable."""
    from connectors import readahead
    from xuncha import faults

    monkeypatch.setattr(readahead, "SMALL_FILE_BYTES", 0)  # a job per file, enough jobs for the pool
    monkeypatch.setenv(faults.CRASH_READING_ENV, "致命")
    names = [f"死亡{i}.xlsx" for i in range(5)]
    for i, name in enumerate(names):
        write_xlsx(inbox / name, {"死亡": [DEATHS_HEADER, *deaths_rows(3, start=10 * i)]})
    write_xlsx(inbox / "致命.xlsx", {"死亡": [DEATHS_HEADER, *deaths_rows(3, start=90)]})
    reports = ingest_inbox(inbox, con, CONFIG, workers=2)
    (r,) = only(reports, "致命.xlsx")
    assert r.extract is None and "异常退出（被信号6终止）" in r.message and "其余文件照常读取" in r.message
    for name in names:
        assert only(reports, name)[0].rows_loaded == 3, name
        accounted(con, reports, name)


def test_truncated_xlsx(inbox, con) -> None:
    data = valid_xlsx_bytes(deaths_rows(50))
    (inbox / "truncated.xlsx").write_bytes(data[: len(data) // 2])
    reports = ingest(inbox, con)
    (r,) = only(reports, "truncated.xlsx")
    assert "无法打开工作簿" in r.message and "不完整" in r.message
    accounted(con, reports, "truncated.xlsx")


def test_password_protected_xlsx(inbox, con) -> None:
    plain = io.BytesIO(valid_xlsx_bytes(deaths_rows(5)))
    encrypted = io.BytesIO()
    OOXMLFile(plain).encrypt("secret", encrypted)
    (inbox / "加密.xlsx").write_bytes(encrypted.getvalue())
    reports = ingest(inbox, con)
    (r,) = only(reports, "加密.xlsx")
    assert "已加密" in r.message and "密码" in r.message
    accounted(con, reports, "加密.xlsx")


# ---------------------------------------------------------------- odd but readable files


def test_header_only_sheet(inbox, con) -> None:
    write_xlsx(inbox / "h.xlsx", {"死亡": [DEATHS_HEADER]})
    reports = ingest(inbox, con)
    (r,) = only(reports, "h.xlsx")
    assert r.extract == "deaths" and "表头下没有数据行" in r.message and r.rows_read == 0
    accounted(con, reports, "h.xlsx")


def test_csv_named_xlsx_is_read_as_csv(inbox, con) -> None:
    write_csv(inbox / "其实是CSV.xlsx", [DEATHS_HEADER, *deaths_rows(4)], "gbk")
    reports = ingest(inbox, con)
    (r,) = only(reports, "其实是CSV.xlsx")
    assert "内容是CSV文本，已按CSV读取" in r.message and r.rows_loaded == 4
    accounted(con, reports, "其实是CSV.xlsx")


def test_xlsx_named_csv_is_read_as_workbook(inbox, con) -> None:
    (inbox / "其实是Excel.csv").write_bytes(valid_xlsx_bytes(deaths_rows(4)))
    reports = ingest(inbox, con)
    (r,) = only(reports, "其实是Excel.csv")
    assert "内容是Excel工作簿，已按Excel读取" in r.message and r.sheet == "死亡" and r.rows_loaded == 4
    accounted(con, reports, "其实是Excel.csv")


def test_legacy_xls(inbox, con) -> None:
    shutil.copy(FIXTURES / "legacy.xls", inbox / "legacy.xls")
    reports = ingest(inbox, con)
    data = [r for r in only(reports, "legacy.xls") if r.extract]
    assert data and all("识别为" in r.message for r in data)
    assert sum(r.rows_loaded for r in only(reports, "legacy.xls")) > 0
    accounted(con, reports, "legacy.xls")


@pytest.mark.parametrize("encoding", ["gbk", "gb18030", "utf-8-sig"])
def test_csv_encodings(inbox, con, encoding) -> None:
    rows = deaths_rows(6)
    rows[0][2] = "王䶮" if encoding != "gbk" else "王伟"  # 䶮 (CJK Ext. A) exists in GB18030, not in GBK
    write_csv(inbox / f"死亡_{encoding}.csv", [DEATHS_HEADER, *rows], encoding)
    reports = ingest(inbox, con)
    (r,) = only(reports, f"死亡_{encoding}.csv")
    assert r.extract == "deaths" and r.rows_loaded == 6, r.message
    name = con.execute("SELECT person_name FROM deaths WHERE source_row = 2").fetchone()[0]
    assert name == rows[0][2]
    accounted(con, reports, f"死亡_{encoding}.csv")


def test_second_header_row_mid_sheet_is_skipped(inbox, con) -> None:
    write_xlsx(inbox / "两段.xlsx", {"死亡": [DEATHS_HEADER, *deaths_rows(3), DEATHS_HEADER, *deaths_rows(3, 10)]})
    reports = ingest(inbox, con)
    (r,) = only(reports, "两段.xlsx")
    assert r.rows_loaded == 6 and r.rows_skipped == 1 and "重复表头1行" in r.message
    accounted(con, reports, "两段.xlsx")


def _with_cached_values(data: bytes, values: dict[str, str]) -> bytes:
    """Give formula cells a cached value, as Excel does on save (openpyxl writes none)."""
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for item in src.infolist():
            body = src.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                for ref, value in values.items():
                    body = re.sub(rf'(<c r="{ref}"[^>]*>)(<f>[^<]*</f>)(?:<v ?/>|<v></v>)'.encode(),
                                  rb"\1\2<v>" + value.encode() + b"</v>", body)
            z.writestr(item, body)
    return out.getvalue()


def _disability_with_formulas() -> bytes:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "补贴"
    ws.append(DISABILITY_HEADER + ["标准"])
    for i, pid in enumerate(ids(3), start=2):
        ws.append(["城关镇", "东岭村", cname(i, "李"), pid, "肢体", "二级", "重度残疾人护理补贴", "2024-03", f"=J{i}*1", 90])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def test_formulas_with_cached_values_are_read(inbox, con) -> None:
    data = _with_cached_values(_disability_with_formulas(), {"I2": "90", "I3": "90", "I4": "90"})
    (inbox / "公式.xlsx").write_bytes(data)
    reports = ingest(inbox, con)
    (r,) = only(reports, "公式.xlsx")
    assert r.rows_loaded == 3 and "公式" not in r.message
    assert con.execute("SELECT sum(amount_yuan) FROM disability_payments").fetchone()[0] == 270
    accounted(con, reports, "公式.xlsx")


def test_formulas_without_cached_values_are_explained(inbox, con) -> None:
    (inbox / "公式.xlsx").write_bytes(_disability_with_formulas())
    reports = ingest(inbox, con)
    (r,) = only(reports, "公式.xlsx")
    assert "3个公式单元格没有可信的计算结果（I2、I3、I4），公式未重新计算，请在Excel中重新计算后保存" in r.message
    # 金额 is required: the rows are quarantined, each naming its row and column.
    assert r.rows_quarantined == 3
    reasons = [x[0] for x in con.execute("SELECT reason FROM quarantine ORDER BY source_row").fetchall()]
    assert reasons[0].startswith("第2行“金额”列")
    accounted(con, reports, "公式.xlsx")


def test_hidden_sheet_is_read_and_said(inbox, con) -> None:
    write_xlsx(inbox / "隐藏.xlsx", {"封面": [["说明"]], "死亡": [DEATHS_HEADER, *deaths_rows(2)]}, hidden=("死亡",))
    reports = ingest(inbox, con)
    r = next(x for x in only(reports, "隐藏.xlsx") if x.sheet == "死亡")
    assert "隐藏工作表" in r.message and r.rows_loaded == 2
    accounted(con, reports, "隐藏.xlsx")


def test_very_wide_sheet(inbox, con) -> None:
    extra = [f"备用{i}" for i in range(3000)]
    rows = [[*row, *range(3000)] for row in deaths_rows(5)]
    write_xlsx(inbox / "宽表.xlsx", {"死亡": [DEATHS_HEADER + extra, *rows]})
    reports = ingest(inbox, con)
    (r,) = only(reports, "宽表.xlsx")
    assert r.rows_loaded == 5 and "等3000列" in r.message and len(r.message) < 1000
    accounted(con, reports, "宽表.xlsx")


def test_ids_stored_as_numbers(inbox, con) -> None:
    # Every ID an Excel number: digits are lost, the file is not loaded and the message says why.
    rows = [[*row[:3], float(row[3][:17] + "0") if row[3][-1] == "X" else float(row[3]), *row[4:]]
            for row in deaths_rows(20)]
    write_xlsx(inbox / "数字身份证.xlsx", {"死亡": [DEATHS_HEADER, *rows]})
    # One number among text IDs: only that row is quarantined.
    few = deaths_rows(20, 100)
    few[4][3] = float(few[4][3][:17] + "1")
    write_xlsx(inbox / "个别数字.xlsx", {"死亡": [DEATHS_HEADER, *few]})
    reports = ingest(inbox, con)
    (r,) = only(reports, "数字身份证.xlsx")
    assert r.rows_loaded == 0 and r.rows_quarantined == 20
    assert "整个文件未入库" in r.message and "工作表“死亡”" in r.message and "“身份证号”列" in r.message
    assert "身份证号在文件中存为数字，文件里只保留了约15位有效数字" in r.message
    (r2,) = only(reports, "个别数字.xlsx")
    assert r2.rows_loaded == 19 and r2.rows_quarantined == 1 and "整个文件未入库" not in r2.message
    reason = con.execute("SELECT reason FROM quarantine WHERE source_file = '个别数字.xlsx'").fetchone()[0]
    assert reason.startswith("第6行“身份证号”列：身份证号在文件中存为数字，文件里只保留了约15位有效数字")
    accounted(con, reports, "数字身份证.xlsx")
    accounted(con, reports, "个别数字.xlsx")


def test_column_numeric_for_hundreds_of_rows_then_text(inbox, con) -> None:
    header = ["乡镇", "村", "户号", "姓名", "身份证号", "与户主关系", "户籍状态"]
    rows = [["城关镇", "东岭村", 1000 + i, cname(i, "赵"), pid, "户主", "正常"] for i, pid in enumerate(ids(400))]
    rows[350][2] = "A-0350"  # text after 350 numbers
    write_xlsx(inbox / "户籍.xlsx", {"户籍": [header, *rows]})
    reports = ingest(inbox, con)
    (r,) = only(reports, "户籍.xlsx")
    assert r.rows_loaded == 400, r.message
    got = dict(con.execute("SELECT source_row, household_no FROM household_register WHERE source_row IN (2, 352)").fetchall())
    assert got == {2: "1000", 352: "A-0350"}
    accounted(con, reports, "户籍.xlsx")


# ---------------------------------------------------------------- shifted columns: table-level failures


def test_shifted_columns_keep_the_whole_file_out(inbox, con) -> None:
    # One cell inserted at the start of every data row: names land under 身份证号, IDs under 死亡日期.
    shifted = [[None, *row] for row in deaths_rows(30)]
    write_xlsx(inbox / "错位.xlsx", {"城关镇": [DEATHS_HEADER, *deaths_rows(30, 200)], "河西镇": [DEATHS_HEADER, *shifted]})
    write_xlsx(inbox / "正常.xlsx", {"死亡": [DEATHS_HEADER, *deaths_rows(5, 500)]})
    reports = ingest(inbox, con)
    for r in only(reports, "错位.xlsx"):  # the good sheet of the file stays out too: one file, one decision
        assert r.rows_loaded == 0 and r.rows_quarantined == 30, r
        assert "整个文件未入库：工作表“河西镇”的" in r.message and "请核对后重新报送" in r.message
        assert "“身份证号”列有30行（占100%，允许不超过40%）身份证号格式错误" in r.message
        assert "疑似列错位" in r.message
    assert only(reports, "正常.xlsx")[0].rows_loaded == 5  # the run went on with the rest
    codes = dict(con.execute(
        "SELECT source_sheet, list(DISTINCT reason_code) FROM quarantine WHERE source_file = '错位.xlsx' GROUP BY 1"
    ).fetchall())
    assert codes["城关镇"] == ["file_rejected"]
    outcome = con.execute(
        "SELECT outcome FROM validation_results WHERE source_file = '错位.xlsx' AND source_sheet = '河西镇' "
        "AND check_name = 'resident_id'"
    ).fetchone()[0]
    assert outcome == "整个文件未入库"
    accounted(con, reports, "错位.xlsx")


def test_amount_column_shifted_into_text(inbox, con) -> None:
    rows = [["城关镇", "东岭村", cname(i, "李"), pid, "肢体", "二级", "重度残疾人护理补贴", "2024-03", "重度残疾人护理补贴"]
            for i, pid in enumerate(ids(12))]
    write_xlsx(inbox / "两项补贴.xlsx", {"补贴": [DISABILITY_HEADER, *rows]})
    reports = ingest(inbox, con)
    (r,) = only(reports, "两项补贴.xlsx")
    assert r.rows_loaded == 0 and "整个文件未入库" in r.message and "“金额”列" in r.message
    accounted(con, reports, "两项补贴.xlsx")


# ---------------------------------------------------------------- over a million rows


@pytest.fixture(scope="session")
def million_row_csv(tmp_path_factory) -> Path:
    """1,050,000 data rows: more than Excel can show (1,048,576), generated once per session."""
    path = tmp_path_factory.mktemp("big") / "死亡人员_全市.csv"
    base = ids(1000)
    lines = [",".join(DEATHS_HEADER)]
    names = [cname(i) for i in range(1000)]
    lines += [f"城关镇,东岭村,{names[i % 1000]},{base[i % 1000]},2024-01-05,死亡" for i in range(1_050_000)]
    path.write_text("\r\n".join(lines) + "\r\n", encoding="utf-8")
    return path


def test_sheet_of_over_a_million_rows(tmp_path, con, million_row_csv) -> None:
    inbox = tmp_path / "big"
    inbox.mkdir()
    write_xlsx(inbox / "村基本情况.xlsx", {"村": BASICS})
    shutil.copy(million_row_csv, inbox / million_row_csv.name)
    started = time.perf_counter()
    reports = ingest(inbox, con)
    seconds = time.perf_counter() - started
    (r,) = only(reports, million_row_csv.name)
    assert r.rows_read == 1_050_000 and r.rows_loaded == 1_050_000, r.message
    accounted(con, reports, million_row_csv.name)
    assert seconds < 60, seconds
