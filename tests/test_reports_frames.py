"""A table sheet given as a polars frame is written column by column (reports.xlsx._frame_rows): the
workbook must be the very one the row-by-row path writes, byte for byte, whatever the values."""

from __future__ import annotations

import io
import random
import sys
import zipfile

import polars as pl
import pytest

from reports import xlsx

COLS = [xlsx.Col("序号", 6, "int"), xlsx.Col("名称", 10, "wrap"), xlsx.Col("严重程度", 6, "center"),
        xlsx.Col("金额", 12, "money"), xlsx.Col("内容", 40, "wrap"), xlsx.Col("记录", 90, "wrap")]
CHARS = "abcXYZ019 ,.&<>=#-\n\u3000·—中文字段姓名金额（）；：😀"


@pytest.fixture
def frame_path(monkeypatch) -> list:
    """What each _frame_rows call returned (None: it left the frame to the row-by-row path)."""
    results: list = []
    original = xlsx._frame_rows

    def spy(*args, **kwargs):
        results.append(original(*args, **kwargs))
        return results[-1]

    monkeypatch.setattr(xlsx, "_frame_rows", spy)
    return results


def workbook(cols: list[xlsx.Col], rows: object, **kwargs) -> dict[str, bytes]:
    """The workbook's parts but its time stamp, with one table sheet after a small one."""
    wb = xlsx.new_workbook()
    xlsx.table_sheet(wb, "前表", cols[:2], [[1, "前"]], header_text="标题")
    xlsx.table_sheet(wb, "表", cols, rows, header_text="标题", caption="说明", **kwargs)
    z = zipfile.ZipFile(io.BytesIO(xlsx.to_bytes(wb)))
    return {name: z.read(name) for name in z.namelist() if name != "docProps/core.xml"}


def same_either_way(frame: pl.DataFrame, cols: list[xlsx.Col] = COLS, **kwargs) -> None:
    assert workbook(cols, frame, **kwargs) == workbook(cols, frame.rows(), **kwargs)


def random_text(rng: random.Random) -> str | None:
    pick = rng.random()
    if pick < 0.05:
        return None
    if pick < 0.08:
        return ""
    if pick < 0.12:
        # ten wide characters and a few others: display_width sums them one by one
        return "中" * 10 * rng.randint(1, 4) + "a" * rng.randint(0, 3)
    return "".join(rng.choice(CHARS) for _ in range(rng.randint(1, rng.choice([8, 60, 400]))))


def test_random_texts_numbers_and_fills(frame_path) -> None:
    rng = random.Random(6)
    n = 3000
    frame = pl.DataFrame({
        "seq": [None if i % 97 == 5 else i * rng.choice([1, 7, 1013, 10**9]) for i in range(n)],
        "name": [random_text(rng) for _ in range(n)],
        "severity": [rng.choice(["高", "中", "低", None, "其他"]) for _ in range(n)],
        "amount": [rng.choice([None, 0.0, -0.0, 1.5, 1234567.891, 1e20, rng.uniform(-1e6, 1e6)]) for _ in range(n)],
        "text": [random_text(rng) for _ in range(n)],
        "record": [random_text(rng) for _ in range(n)],
    }, schema={"seq": pl.Int64, "name": pl.String, "severity": pl.String, "amount": pl.Float64, "text": pl.String,
               "record": pl.String})
    same_either_way(frame, row_fill=xlsx.severity_fill(2))
    same_either_way(frame)
    assert frame_path and all(r == n for r in frame_path)


@pytest.mark.parametrize("value", [
    " leading", "trailing ", "\u3000全角空格", "   ", "\n", "a&b<c>d", "=SUM(A1:A2)", "=", "#N/A", "#DIV/0!",
    "多行\n文字\n\n", "中" * 10, "中" * 20 + "ab", "x" * 40000, "中" * 33000,
])
def test_values_openpyxl_treats_apart(frame_path, value: str) -> None:
    frame = pl.DataFrame({c.header: [value, None, "普通"] if c.kind != "int" and c.kind != "money" else [1, None, 2]
                          for c in COLS}, schema={c.header: pl.Float64 if c.kind == "money" else
                                                  pl.Int64 if c.kind == "int" else pl.String for c in COLS})
    same_either_way(frame, row_fill=xlsx.severity_fill(2))
    assert frame_path[0] == 3


def test_numbers_that_print_otherwise(frame_path) -> None:
    cols = [xlsx.Col("整数", 6, "int"), xlsx.Col("小整数", 6, "int"), xlsx.Col("金额", 12, "money"),
            xlsx.Col("空", 8, "wrap")]
    frame = pl.DataFrame({
        "a": [0, -5, 123456789012, 10**16, -(10**16), 99999, None],
        "b": [1, 2, 3, 255, 0, None, 7],
        "c": [float("nan"), float("inf"), -0.0, 1e300, 0.1, None, 5e-324],
        "d": [None] * 7,
    }, schema={"a": pl.Int64, "b": pl.UInt8, "c": pl.Float64, "d": pl.Null})
    same_either_way(frame, cols)
    assert frame_path[0] == 7


def test_the_styles_are_registered_in_the_order_rows_meet_them(frame_path) -> None:
    # a column's first value null, another's text only at the end, the fill column null first
    cols = [xlsx.Col("甲", 10, "date"), xlsx.Col("乙", 10, "wrap"), xlsx.Col("丙", 6, "center")]
    frame = pl.DataFrame({"a": [None, None, "2024-01-01"], "b": [None, "x", None], "c": [None, "高", "低"]})
    same_either_way(frame, cols, row_fill=xlsx.severity_fill(2))
    assert frame_path[0] == 3


@pytest.mark.parametrize("bad", ["\x07", "\x00", "\x1f", "\x0b", "\ufffe"])
def test_characters_a_workbook_cannot_hold_are_replaced_either_way(frame_path, bad: str) -> None:
    frame = pl.DataFrame({c.header: ["好", f"坏{bad}了", f"{bad}"] if c.kind not in ("int", "money") else [1, 2, 3]
                          for c in COLS},
                         schema={c.header: pl.Float64 if c.kind == "money" else pl.Int64 if c.kind == "int"
                                 else pl.String for c in COLS})
    same_either_way(frame)
    assert frame_path[0] == 3
    xml = workbook(COLS, frame)["xl/worksheets/sheet2.xml"].decode("utf-8")
    assert "坏\ufffd了" in xml and bad not in xml


def test_a_lone_surrogate_is_replaced() -> None:
    # what Python makes of undecodable bytes (a file name): UTF-8 cannot encode it
    xml = workbook(COLS[:2], [[1, "文件\udcb9名"]])["xl/worksheets/sheet2.xml"].decode("utf-8")
    assert "文件\ufffd名" in xml


def test_other_frames_are_written_row_by_row(frame_path) -> None:
    import datetime as dt

    cols = [xlsx.Col("日期", 11, "date"), xlsx.Col("是否", 6, "center")]
    frame = pl.DataFrame({"d": [dt.date(2024, 3, 10), None], "b": [True, None]})
    same_either_way(frame, cols)
    empty = pl.DataFrame(schema={c.header: pl.String for c in COLS})
    same_either_way(empty)
    assert frame_path == [None, 0]


def test_python_white_space_is_the_list() -> None:
    assert xlsx.PY_WHITESPACE == "".join(chr(c) for c in range(sys.maxunicode + 1) if chr(c).isspace())
