"""The fenced fast path (reports/xlsx_fast.py, xlsx_frame.py) against openpyxl's own writer: the
same workbook byte for byte, the fast path really taken, and text from data never a formula."""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from xml.etree.ElementTree import canonicalize

import openpyxl
import polars as pl
import pytest

from reports import xlsx, xlsx_fast

COLS = [xlsx.Col("序号", 6, "int"), xlsx.Col("姓名", 10, "wrap"), xlsx.Col("严重程度", 6, "center"),
        xlsx.Col("金额", 12, "money"), xlsx.Col("日期", 12, "date"), xlsx.Col("说明", 40, "wrap")]
HOSTILE = ["=HYPERLINK(\"http://x.invalid\",\"点我\")", "=cmd|'/C calc'!A0", "=1+1", "#N/A", "#REF!", "+1", "-2",
           "@SUM(A1)", " 前后空格 ", "a&b<c>", "中文" * 30]


def rows() -> list[list]:
    out = []
    for i, text in enumerate(HOSTILE):
        out.append([i, text, ["高", "中", "低"][i % 3], 12.5 * i - 40, dt.date(2024, 1, 1 + i), f"第{i}行\n{text}"])
    out.append([None, None, None, None, None, None])
    return out


def parts(wb) -> dict[str, bytes]:
    """The workbook's parts but its time stamp; XML in canonical form (lxml, when openpyxl uses it,
    spells an empty element `<c/>` where et_xmlfile and the fast path write `<c />`)."""
    z = zipfile.ZipFile(io.BytesIO(xlsx.to_bytes(wb)))
    return {name: canonicalize(z.read(name).decode()).encode() if name.endswith(".xml") else z.read(name)
            for name in z.namelist() if name != "docProps/core.xml"}


def written(data, **kwargs) -> dict[str, bytes]:
    wb = xlsx.new_workbook()
    xlsx.table_sheet(wb, "表", COLS, data, header_text="标题", caption="说明", **kwargs)
    ws = wb.create_sheet("链接")
    out = xlsx.RowStream(ws)
    out.append_cells([xlsx.cell(ws, xlsx.Formula('=HYPERLINK("村级清单/a.xlsx","打开")')), xlsx.cell(ws, "=1+2")])
    return parts(wb)


@pytest.fixture
def openpyxl_writer(monkeypatch):
    """RowStream with its raw writer switched off: every cell goes through openpyxl's own writer."""
    original = xlsx_fast.RowStream.__init__

    def init(self, ws) -> None:
        original(self, ws)
        self._raw = None

    monkeypatch.setattr(xlsx_fast.RowStream, "__init__", init)


def test_fast_path_writes_what_openpyxls_own_writer_writes(request) -> None:
    fast = written(rows(), row_fill=xlsx.severity_fill(2))
    request.getfixturevalue("openpyxl_writer")
    slow = written(rows(), row_fill=xlsx.severity_fill(2))
    assert fast.keys() == slow.keys()
    for name in fast:
        assert fast[name] == slow[name], name


def test_frame_path_writes_what_openpyxls_own_writer_writes(request) -> None:
    frame = pl.DataFrame({"n": [1, 2, None], "name": ["=1+1", "#N/A", None], "sev": ["高", None, "低"],
                          "amount": [1.5, -2.0, None], "when": ["2024-01-01", None, "x"], "text": ["a", "=b()", ""]})
    fast = written(frame, row_fill=xlsx.severity_fill(2))
    request.getfixturevalue("openpyxl_writer")
    slow = written(frame, row_fill=xlsx.severity_fill(2))
    assert fast == slow


def test_fast_path_is_active(monkeypatch) -> None:
    """Fails when an openpyxl upgrade changes the internals the fast path relies on: it would
    silently fall back to openpyxl's writer, ~10x slower on a city's reports."""
    wb = xlsx.new_workbook()
    ws = wb.create_sheet("表")
    assert xlsx.RowStream(ws)._raw is not None
    xlsx.to_bytes(wb)  # closes the sheet's stream
    calls: list = []
    original = xlsx._frame_rows
    monkeypatch.setattr(xlsx, "_frame_rows", lambda *a, **k: calls.append(original(*a, **k)) or calls[-1])
    frame = pl.DataFrame({"n": list(range(100)), "text": [f"行{i}" for i in range(100)]})
    wb = xlsx.new_workbook()
    xlsx.table_sheet(wb, "表", COLS[:2], frame, header_text="标题")
    xlsx.to_bytes(wb)  # closed here: a write-only sheet left open is closed by the garbage collector, noisily
    assert calls == [100]


def sheet_xml(data: dict[str, bytes]) -> str:
    return "".join(v.decode() for k, v in data.items() if k.startswith("xl/worksheets/"))


@pytest.mark.parametrize("path", ["fast", "openpyxl"])
def test_text_from_data_is_never_a_formula(path, request) -> None:
    if path == "openpyxl":
        request.getfixturevalue("openpyxl_writer")
    xml = sheet_xml(written(rows()))
    formulas = re.findall(r"<f>(.*?)</f>", xml)
    assert formulas == ['HYPERLINK("村级清单/a.xlsx","打开")']  # the product's own, nothing else
    assert ' t="e"' not in xml
    wb = openpyxl.load_workbook(io.BytesIO(xlsx.to_bytes(_reloadable())), read_only=True)
    values = [c for r in wb["表"].iter_rows(values_only=True) for c in r]
    for text in HOSTILE:
        assert text in values


def _reloadable():
    wb = xlsx.new_workbook()
    xlsx.table_sheet(wb, "表", COLS, rows(), header_text="标题")
    return wb
