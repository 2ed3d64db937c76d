"""CSV reading: polars where it reads a file as Python's csv module does, the csv module elsewhere."""

from __future__ import annotations

import csv
import io
import re

import pytest

from connectors.readers import read_csv_sheet
from connectors.text_files import sniff_delimiter

TRICKY = {
    "quoted": 'a,"b,c","d\ne","f""g"\n1,2,3,4\n',
    "quote_inside_a_field": 'a,b"c,d\n1,2,3\n',
    "unterminated_quote": 'a,"bc,d\n1,2,3\n',
    "space_before_quote": 'a, "b",c\n1,2,3\n',
    "crlf_and_blank_line": 'a,b\r\n1,2\r\n\r\n3,4\r\n',
    "trailing_delimiter": 'a,b,\n1,2,\n',
    "empty_quoted": 'a,"",c\n',
    "white_space_line": 'a,b\n   \n1,2\n',
    "bare_carriage_return": 'a,b\rc,d\n1,2\n',
    "no_final_newline": 'a,b\n1,2',
    "doubled_quote_unquoted": 'a,b""c,d\n',
    "text_after_closing_quote": 'a,"b"c,d\n',
    "blank_lines_first": '\n\na,b\n1,2\n',
    "blank_lines_last": 'a,b\n1,2\n\n\n',
    "backslash_quote": 'a,b\\"c,d\n',
    "title_then_wider_rows": '标题\n\n\n\na,b,c\n1,2,3\n',
    "wider_row_later": "a,b\n" + "1,2\n" * 1500 + "1,2,3\n",
    "tab_separated": "姓名\t身份证号\n张三\t110105194912310021\n",
}


def csv_module(text: str) -> list[list[str]]:
    delimiter = sniff_delimiter(text)
    rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    width = max((len(r) for r in rows), default=0)
    return [r + [""] * (width - len(r)) for r in rows]


@pytest.mark.parametrize("name", sorted(TRICKY))
@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk"])
def test_csv_is_read_as_the_csv_module_reads_it(name, encoding) -> None:
    text = TRICKY[name]
    sheet = read_csv_sheet("x", text.encode(encoding))
    if sheet.frame is None:
        rows = sheet.rows
    else:
        rows = [["" if v is None else v for v in row] for row in sheet.frame.iter_rows()]
        assert sheet.rows == rows[: len(sheet.rows)]
    assert rows == csv_module(text)
    assert sheet.height == len(rows)


def test_the_common_case_is_read_by_polars() -> None:
    sheet = read_csv_sheet("x", "姓名,身份证号\n张三,110105194912310021\n".encode("gbk"))
    assert sheet.frame is not None and sheet.frame.height == 2


# ---------------------------------------------------------------- the bad-input corpus, reader level

import zipfile  # noqa: E402
from pathlib import Path  # noqa: E402

import openpyxl  # noqa: E402

from connectors.normalize import FORMULA_UNCALCULATED  # noqa: E402
from connectors.readers import ReadError, _read_workbook, read_file  # noqa: E402
from xuncha.config import ReadingLimits  # noqa: E402

EXACT_ID = "110101199003078515"  # valid, 18 digits: a float holds 110101199003078512


def _xlsx(rows: list[list], edit=None, workbook_edit=None) -> bytes:
    """An openpyxl workbook, its sheet XML (and workbook XML) then edited as bytes, as exporters write them."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "表"
    for row in rows:
        ws.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    src = zipfile.ZipFile(io.BytesIO(buf.getvalue()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for item in src.infolist():
            body = src.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml" and edit:
                body = edit(body)
            if item.filename == "xl/workbook.xml" and workbook_edit:
                body = workbook_edit(body)
            z.writestr(item, body)
    return out.getvalue()


def test_numeric_cells_keep_the_digits_the_file_holds() -> None:
    data = _xlsx([["姓名", "身份证号"], ["甲", 1], ["乙", 2], ["丙", 3]],
                 lambda b: b.replace(b"<v>1</v>", f"<v>{EXACT_ID}</v>".encode())
                 .replace(b"<v>2</v>", b"<v>6.10102199003078E+17</v>")
                 .replace(b"<v>3</v>", b"<v>6217000010012345678</v>"))
    (sheet,) = read_file(Path("ids.xlsx"), data)
    assert sheet.rows[1][1] == EXACT_ID  # the stored text, not float(EXACT_ID)
    assert sheet.rows[2][1] == 6.10102199003078e17  # E-notation: the digits are not in the file
    assert sheet.rows[3][1] == "6217000010012345678"  # a 19-digit account
    assert float(EXACT_ID) != int(EXACT_ID)  # why a float would have been wrong


def test_xls_numbers_are_doubles_whose_last_digits_are_gone() -> None:
    import xlwt

    book = xlwt.Workbook()
    sh = book.add_sheet("表")
    sh.write(0, 0, "身份证号")
    sh.write(1, 0, int(EXACT_ID))
    buf = io.BytesIO()
    book.save(buf)
    (sheet,) = read_file(Path("ids.xls"), buf.getvalue())
    value = sheet.rows[1][0]
    # BIFF stores an 8-byte double: 110101199003078515 is held as 110101199003078512.
    assert isinstance(value, float) and int(value) == 110101199003078512 != int(EXACT_ID)


def test_formula_without_a_cached_value_is_marked() -> None:
    data = _xlsx([["姓名", "金额", "标准"], ["甲", "=C2*1", 90], ["乙", 80, 80]])
    (sheet,) = read_file(Path("f.xlsx"), data)
    assert sheet.rows[1][1] == FORMULA_UNCALCULATED and sheet.rows[2][1] == 80
    assert any("公式未重新计算，请在Excel中重新计算后保存" in n and "B2" in n for n in sheet.notes)


def test_cached_zero_from_a_program_that_never_calculates_is_marked() -> None:
    # xlsxwriter-style: a cached 0 for every formula, and fullCalcOnLoad asking Excel to calculate
    data = _xlsx([["姓名", "金额", "标准"], ["甲", "=C2*1", 90]],
                 lambda b: re.sub(rb"(<f>C2\*1</f>)<v\s*/?>(?:</v>)?", rb"\1<v>0</v>", b))
    (sheet,) = read_file(Path("f.xlsx"), data)
    assert sheet.rows[1][1] == FORMULA_UNCALCULATED


def test_cached_zero_saved_by_excel_is_loaded_and_flagged() -> None:
    data = _xlsx([["姓名", "金额", "标准"], ["甲", "=C2*1", 0]],
                 lambda b: re.sub(rb"(<f>C2\*1</f>)<v\s*/?>(?:</v>)?", rb"\1<v>0</v>", b),
                 lambda b: b.replace(b' fullCalcOnLoad="1"', b""))
    (sheet,) = read_file(Path("f.xlsx"), data)
    assert sheet.rows[1][1] == 0
    assert any("1个公式单元格的计算结果为0（B2）" in n for n in sheet.notes)


@pytest.mark.parametrize("delimiter", [",", "\t", ";", "|"])
@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk", "gb18030", "utf-16", "utf-16-le"])
def test_text_files_any_delimiter_any_encoding(delimiter, encoding) -> None:
    d = delimiter
    text = (f"姓名{d}身份证号{d}备注\r\n张三{d}{EXACT_ID}{d}\"第一行\r\n第二行{d}含分隔符\"\r\n"
            f"李四{d}61102119800101001X{d}㐀\r\n")
    if encoding in ("gbk",):
        text = text.replace("㐀", "无")  # outside GBK
    sheet = read_csv_sheet("x", text.encode(encoding))
    rows = sheet.rows if sheet.frame is None else [["" if v is None else v for v in r] for r in sheet.frame.iter_rows()]
    assert sheet.height == 3  # records, not lines: the quoted line break stays in its field
    assert rows[1] == ["张三", EXACT_ID, f"第一行\r\n第二行{d}含分隔符"]
    assert rows[2][:2] == ["李四", "61102119800101001X"]


def test_html_table_saved_as_xls() -> None:
    html = ("<html><head><meta http-equiv='Content-Type' content='text/html; charset=gb2312'></head><body>"
            "<table><tr><td><table border=1><tr><th colspan=2>2024年死亡人员</th></tr>"
            "<tr><th>姓名</th><th>身份证号</th></tr>"
            f"<tr><td>张&nbsp;三</td><td>{EXACT_ID}</td></tr>"
            "<tr><td rowspan=2>李四</td><td>61102119800101001X</td></tr><tr><td>x</td></tr>"
            "</table></td></tr></table></body></html>")
    (sheet,) = read_file(Path("导出.xls"), html.encode("gbk"))
    assert sheet.rows == [["2024年死亡人员", ""], ["姓名", "身份证号"], ["张 三", EXACT_ID],
                          ["李四", "61102119800101001X"], ["", "x"]]
    assert ((0, 0), (0, 1)) in sheet.merges and ((3, 0), (4, 0)) in sheet.merges
    assert "网页表格" in sheet.notes[0]


def test_a_far_cell_is_refused_before_reading() -> None:
    for ref in ("XFD1048576", "CV1048576"):
        data = _xlsx([["姓名"], ["甲"]], lambda b, ref=ref: b.replace(b'<c r="A2"', f'<c r="{ref}"'.encode())
                     .replace(b'<row r="2"', b'<row r="1048576"'))
        assert len(data) < 10_000
        with pytest.raises(ReadError, match=f"一直到{ref}.*超过读取上限30,000,000个单元格"):
            read_file(Path("far.xlsx"), data)


def test_declared_dimension_is_checked() -> None:
    data = _xlsx([["姓名"], ["甲"]], lambda b: b.replace(b'<dimension ref="A1:A2"', b'<dimension ref="A1:XFD1048576"'))
    with pytest.raises(ReadError, match="声明的范围一直到XFD1048576"):
        read_file(Path("dim.xlsx"), data)


def test_inflating_part_is_refused_by_its_real_size() -> None:
    padding = b"<!--" + b" " * (3 << 20) + b"-->"  # 3 MB of XML that compresses to a few KB
    data = _xlsx([["姓名"], ["甲"]], lambda b: b.replace(b"<sheetData>", padding + b"<sheetData>"))
    assert len(data) < 50_000
    limits = ReadingLimits(max_part_bytes=1 << 20)
    with pytest.raises(ReadError, match="解压后.*超过.*1 MB"):
        read_file(Path("bomb.xlsx"), data, limits)
    assert read_file(Path("ok.xlsx"), data)[0].rows == [["姓名"], ["甲"]]  # under the default limits


def test_unknown_file_format_message_is_chinese() -> None:
    with pytest.raises(ReadError) as e:
        read_file(Path("x.xls"), b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600)
    assert "Cannot" not in str(e.value) and "无法打开工作簿" in str(e.value)


def test_a_crashing_reader_costs_its_file_not_the_run() -> None:
    from fixtures.connectors.crashing_reader import abort

    from connectors.readers import read_isolated

    with pytest.raises(ReadError, match="读取程序在读这个文件时异常退出（被信号6终止）"):
        read_isolated(abort, b"x", 60)
    import xlwt

    book = xlwt.Workbook()
    book.add_sheet("表").write(0, 0, "still read after the crash")
    buf = io.BytesIO()
    book.save(buf)
    assert read_file(Path("ok.xls"), buf.getvalue())[0].rows == [["still read after the crash"]]


class PanicException(BaseException):
    """What pyo3 raises when a Rust reader panics: a BaseException, not an Exception."""


PanicException.__module__ = "pyo3_runtime"


def test_a_reader_panic_is_a_read_error_for_its_file(monkeypatch) -> None:
    import connectors.readers as readers

    data = _xlsx([["姓名"], ["甲"]])
    real = readers._read_calamine

    def panicking(*args: object):
        raise PanicException("called `Option::unwrap()` on a `None` value")

    monkeypatch.setattr(readers, "_read_calamine", panicking)
    with pytest.raises(ReadError, match="读取程序内部崩溃（panic）"):
        read_file(Path("panic.xlsx"), data)
    # a panic anywhere else in reading (after the reader, or a text reader) costs the file too
    monkeypatch.setattr(readers, "_read_calamine", real)
    monkeypatch.setattr(readers, "_apply_scan", panicking)
    with pytest.raises(ReadError, match="读取程序在读这个文件时出错（读取程序内部崩溃（panic））.*其余文件照常读取"):
        read_file(Path("panic.xlsx"), data)
    monkeypatch.setattr(readers, "read_csv_sheet", lambda *a: (_ for _ in ()).throw(LookupError("x")))
    with pytest.raises(ReadError, match="（LookupError）"):
        read_file(Path("a.csv"), "姓名\n甲\n".encode())
    # an interrupt is not a reader's failure: it stops the run as the user asked
    monkeypatch.setattr(readers, "_read_calamine", lambda data: (_ for _ in ()).throw(KeyboardInterrupt()))
    monkeypatch.setattr(readers, "_apply_scan", lambda *a: None)
    with pytest.raises(KeyboardInterrupt):
        read_file(Path("stop.xlsx"), data)


def test_a_workbook_streamed_row_by_row(monkeypatch) -> None:
    """open_streamed (the returned team workbooks): rows from Excel row 1 and cells from column A
    wherever the data starts; the reading limits and a reader's panic as for read_file."""
    from connectors.readers import open_streamed

    wb = openpyxl.Workbook()
    wb.active.title = "表"
    wb.active["C3"] = "甲"
    wb.active["D5"] = "乙"
    wb.create_sheet("空")
    buf = io.BytesIO()
    wb.save(buf)
    book = open_streamed(buf.getvalue())
    assert book.names == ["表", "空"]
    rows = list(book.rows("表"))
    assert len(rows) == 5 and rows[2][2] == "甲" and rows[4][3] == "乙" and not any(rows[0] + rows[1] + rows[3])
    assert list(book.rows("空")) == []  # no cells: no rows (calamine's row iterator panics on it)
    far = _xlsx([["姓名"], ["甲"]], lambda b: b.replace(b'<c r="A2"', b'<c r="XFD1048576"')
                .replace(b'<row r="2"', b'<row r="1048576"'))
    with pytest.raises(ReadError, match="一直到XFD1048576"):
        open_streamed(far)
    with pytest.raises(ReadError, match="无法打开工作簿"):
        open_streamed(b"PK\x03\x04" + bytes(range(256)) * 20)
    book = open_streamed(_xlsx([["姓名"], ["甲"]]))

    class Sheet:
        start = (0, 0)

        def iter_rows(self):
            yield ["姓名"]
            raise PanicException("index out of bounds")

    monkeypatch.setattr(book, "_book", type("Book", (), {"get_sheet_by_name": lambda self, name: Sheet()})())
    rows_read = []
    with pytest.raises(ReadError, match="读取工作表“表”时出错（读取程序内部崩溃（panic））"):
        for row in book.rows("表"):
            rows_read.append(row)
    assert rows_read == [["姓名"]]


def test_an_xls_read_in_a_child_keeps_every_cell_and_its_type() -> None:
    # The child shares equal texts before pickling (readers._shared_texts); numbers that are equal
    # to each other or to a boolean (1, 1.0, True) must each keep their own type.
    import xlwt

    book = xlwt.Workbook()
    sh = book.add_sheet("表")
    rows = [["乡镇", "金额", "是否", "件数"], ["城关镇", 1.0, True, 1], ["城关镇", 1.5, False, 0], ["石门镇", 1, True, 1.0]]
    for r, row in enumerate(rows):
        for c, v in enumerate(row):
            sh.write(r, c, v)
    buf = io.BytesIO()
    book.save(buf)
    (sheet,) = read_file(Path("x.xls"), buf.getvalue())
    in_process = _read_workbook(buf.getvalue())[0].rows
    assert sheet.rows == in_process
    assert [[type(v) for v in row] for row in sheet.rows] == [[type(v) for v in row] for row in in_process]
    assert type(sheet.rows[1][2]) is bool and type(sheet.rows[3][2]) is bool
    assert sheet.rows[1][0] is sheet.rows[2][0]  # one text object: pickled once
