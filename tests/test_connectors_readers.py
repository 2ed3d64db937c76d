"""CSV reading: polars where it reads a file as Python's csv module does, the csv module elsewhere."""

from __future__ import annotations

import csv
import io

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
