"""The bad-input corpus, second part (issue 12, issue 13 items 2 and 3): one inbox holding a file of
every class, generated here, loaded once; each file's outcome and exact values asserted, rows
read = loaded + quarantined on every sheet, and nothing else in the inbox disturbed by the hostile
ones (a far cell, an inflating sheet, links out of the inbox, a FIFO, a GBK file name).
"""

from __future__ import annotations

import datetime as dt
import io
import os
import re
import zipfile
from pathlib import Path

import openpyxl
import pytest
from fixtures.connectors.workbooks import BASICS, make_id, write_xlsx
from test_bad_inputs import DEATHS_HEADER, DISABILITY_HEADER, accounted, cname, only

from connectors.ingest import ingest_inbox
from connectors.warehouse import open_warehouse
from xuncha.config import WorkspaceConfig

CONFIG = WorkspaceConfig()


def _ids(n: int, start: int = 0, region: str = "610102") -> list[str]:
    return [make_id(f"19{40 + (i % 50):02d}0101", f"{(start + i) % 1000:03d}", region) for i in range(n)]


def _edited_xlsx(path: Path, rows: list[list], edit) -> None:
    """openpyxl writes the workbook, the sheet XML is then edited as an exporter would write it."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "死亡"
    for row in rows:
        ws.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    src = zipfile.ZipFile(io.BytesIO(buf.getvalue()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for item in src.infolist():
            body = src.read(item.filename)
            z.writestr(item, edit(body) if item.filename == "xl/worksheets/sheet1.xml" else body)
    path.write_bytes(out.getvalue())


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    root = tmp_path_factory.mktemp("corpus")
    box = root / "inbox"
    box.mkdir()
    write_xlsx(box / "村基本情况.xlsx", {"村": BASICS})
    expected: dict[str, object] = {}

    # 12.2 IDs as numeric cells: 40 hold their 18 digits in the XML, 5 only E-notation, 5 are text.
    ids = [p for p in _ids(80) if p[-1] != "X"][:50]  # a number cannot end in X
    rows = [DEATHS_HEADER] + [["城关镇", "东岭村", cname(i), 1000 + i if i < 45 else pid, "2024-01-05", "死亡"]
                              for i, pid in enumerate(ids)]

    def exact_digits(body: bytes) -> bytes:
        for i, pid in enumerate(ids[:45]):
            stored = pid if i < 40 else f"{float(pid[:17] + '0'):.14E}"
            body = body.replace(f"<v>{1000 + i}</v>".encode(), f"<v>{stored}</v>".encode())
        return body

    _edited_xlsx(box / "数字身份证.xlsx", rows, exact_digits)
    expected["ids"] = ids

    # 12.4 an amount formula never calculated, beside a literal amount
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "补贴"
    ws.append(DISABILITY_HEADER)
    ws.append(["城关镇", "东岭村", cname(1, "李"), _ids(1, 300)[0], "肢体", "二级", "护理补贴", "2024-03", "=80+10"])
    ws.append(["城关镇", "东岭村", cname(2, "李"), _ids(1, 301)[0], "肢体", "二级", "护理补贴", "2024-03", 90])
    wb.save(box / "公式金额.xlsx")

    # 12.5 dates of every kind, 12.8 regions: residence permit, historic county, made-up county
    date_rows = [
        ("20200411", dt.date(2020, 4, 11)), ("2024.6.5", dt.date(2024, 6, 5)), ("2024年6月5日", dt.date(2024, 6, 5)),
        ("45000", dt.date(2023, 3, 15)), ("24.6.5", dt.date(2024, 6, 5)), ("13/5/2024", dt.date(2024, 5, 13)),
    ]
    people = _ids(len(date_rows), 400)
    regions = [make_id("19800101", "501", "810000"), make_id("19800101", "502", "612526"),
               make_id("19800101", "503", "611099")]
    lines = [";".join(DEATHS_HEADER)]
    for (raw, _), pid, i in zip(date_rows, people, range(100), strict=False):
        lines.append(f"城关镇;东岭村;{cname(500 + i)};{pid};{raw};\"死亡\n（公安注销）\"")
    lines.append(f"城关镇;东岭村;{cname(600)};{_ids(1, 450)[0]};6/5/2024;死亡")  # ambiguous day/month
    for i, pid in enumerate(regions):
        lines.append(f"城关镇;东岭村;{cname(700 + i)};{pid};2024-01-01;死亡")
    (box / "分号.csv").write_bytes(("\r\n".join(lines) + "\r\n").encode("gbk"))
    expected["dates"] = dict(zip(people, [d for _, d in date_rows], strict=True))
    expected["regions"] = regions

    # 12.6 UTF-16 tab-separated "Unicode 文本", and an HTML table saved as .xls
    utf16 = ["\t".join(DEATHS_HEADER)] + [f"城关镇\t东岭村\t{cname(800 + i)}\t{pid}\t2024-02-01\t死亡"
                                           for i, pid in enumerate(_ids(3, 800))]
    (box / "Unicode文本.txt").write_bytes(("\r\n".join(utf16) + "\r\n").encode("utf-16"))
    html_ids = _ids(3, 850)
    cells = "".join(f"<tr><td>城关镇</td><td>东岭村</td><td>{cname(850 + i)}</td><td>{pid}</td><td>2024-03-01</td>"
                    "<td>死亡</td></tr>" for i, pid in enumerate(html_ids))
    head = "".join(f"<th>{h}</th>" for h in DEATHS_HEADER)
    (box / "网页导出.xls").write_bytes(
        f"<html><head><meta charset='gbk'></head><body><table><tr>{head}</tr>{cells}</table></body></html>".encode("gbk"))
    expected["html_ids"] = html_ids
    same = [",".join(DEATHS_HEADER)] + [f"城关镇,东岭村,{cname(850 + i)},{pid},2024-03-01,死亡" for i, pid in enumerate(html_ids)]
    (box / "另存的CSV.csv").write_bytes(("\n".join(same) + "\n").encode("utf-8-sig"))

    # 12.3 the same content twice, 12.7 and 13.3 entries that are not read
    (box / "副本").mkdir()
    (box / "副本" / "Unicode文本 - 副本.txt").write_bytes((box / "Unicode文本.txt").read_bytes())
    (box / "~$数字身份证.xlsx").write_bytes(b"\x00" * 165)
    (box / ".DS_Store").write_bytes(b"\x00")
    outside = root / "outside.csv"
    outside.write_text(",".join(DEATHS_HEADER) + "\n城关镇,东岭村,外人," + _ids(1, 900)[0] + ",2024-01-01,死亡\n",
                       encoding="utf-8")
    os.symlink(outside, box / "链接到外面.csv")
    os.symlink(box / "循环", box / "循环")
    os.mkfifo(box / "管道.csv")
    gbk_name = os.fsencode(box) + b"/" + "低保名册.csv".encode("gbk")
    with open(gbk_name, "wb") as f:
        f.write(("\r\n".join([",".join(DEATHS_HEADER), f"城关镇,东岭村,{cname(950)},{_ids(1, 950)[0]},2024-04-01,死亡"])
                 + "\r\n").encode("gbk"))

    # 13.2 a cell at XFD1048576 in a tiny file
    _edited_xlsx(box / "远处单元格.xlsx", [DEATHS_HEADER, ["城关镇", "东岭村", "甲", _ids(1, 990)[0], "2024-01-01", "死亡"]],
                 lambda b: re.sub(rb'<row r="2"', b'<row r="1048576"', b).replace(b'<c r="F2"', b'<c r="XFD1048576"'))

    con = open_warehouse(root / "w.duckdb")
    reports = ingest_inbox(box, con, CONFIG, workers=0)
    yield con, reports, expected
    con.close()


def test_numeric_ids_load_exactly_where_the_file_holds_the_digits(corpus) -> None:
    con, reports, expected = corpus
    (r,) = only(reports, "数字身份证.xlsx")
    assert (r.rows_read, r.rows_loaded, r.rows_quarantined) == (50, 45, 5), r.message
    loaded = [x[0] for x in con.execute("SELECT person_id FROM deaths WHERE source_file = '数字身份证.xlsx' "
                                        "ORDER BY source_row").fetchall()]
    assert loaded == expected["ids"][:40] + expected["ids"][45:]
    reasons = [x[0] for x in con.execute("SELECT reason FROM quarantine WHERE source_file = '数字身份证.xlsx' "
                                         "ORDER BY source_row").fetchall()]
    assert reasons[0].startswith("第42行“身份证号”列：身份证号在文件中存为数字，文件里只保留了约15位有效数字")
    accounted(con, reports, "数字身份证.xlsx")


def test_uncalculated_formula_is_quarantined_not_zero(corpus) -> None:
    con, reports, _ = corpus
    (r,) = only(reports, "公式金额.xlsx")
    assert (r.rows_loaded, r.rows_quarantined) == (1, 1)
    assert "公式未重新计算，请在Excel中重新计算后保存" in r.message
    assert con.execute("SELECT list(amount_yuan) FROM disability_payments WHERE source_file = '公式金额.xlsx'"
                       ).fetchone()[0] == [90.0]
    reason = con.execute("SELECT reason FROM quarantine WHERE source_file = '公式金额.xlsx'").fetchone()[0]
    assert reason.startswith("第2行“金额”列：公式未重新计算，请在Excel中重新计算后保存")
    accounted(con, reports, "公式金额.xlsx")


def test_semicolon_csv_dates_and_regions(corpus) -> None:
    con, reports, expected = corpus
    (r,) = only(reports, "分号.csv")
    assert r.rows_read == 10  # records, not lines: every cause of death spans two lines
    got = dict(con.execute("SELECT person_id, death_date FROM deaths WHERE source_file = '分号.csv'").fetchall())
    for pid, day in expected["dates"].items():
        assert got[pid] == day
    permit, historic, made_up = expected["regions"]
    assert permit in got and historic in got and made_up not in got
    q = dict(con.execute("SELECT source_row, reason FROM quarantine WHERE source_file = '分号.csv'").fetchall())
    assert len(q) == 2
    assert any("日期写法有歧义" in reason for reason in q.values())
    assert any("身份证号前6位地区码不在全国行政区划代码表中" in reason for reason in q.values())
    causes = {x[0] for x in con.execute("SELECT reason FROM deaths WHERE source_file = '分号.csv'").fetchall()}
    assert "死亡\n（公安注销）" in causes  # the quoted line break kept inside its field
    accounted(con, reports, "分号.csv")


def test_utf16_text_and_html_as_xls(corpus) -> None:
    con, reports, expected = corpus
    (r,) = only(reports, "Unicode文本.txt")
    assert r.rows_loaded == 3 and r.rows_quarantined == 0, r.message
    html, csv_copy = only(reports, "网页导出.xls")[0], only(reports, "另存的CSV.csv")[0]
    # The same rows in two formats: loaded once, from whichever was read first; the other names it.
    used, copy = (html, csv_copy) if html.rows_loaded else (csv_copy, html)
    assert used.rows_loaded == 3, used.message
    assert copy.rows_read == 0 and f"与“{used.file}”的数据行完全相同" in copy.message
    assert f"另有“{copy.file}”与本文件数据行完全相同" in used.message
    got = [x[0] for x in con.execute("SELECT person_id FROM deaths WHERE source_file = ? ORDER BY source_row",
                                     [used.file]).fetchall()]
    assert got == expected["html_ids"]
    assert con.execute("SELECT count(*) FROM deaths WHERE source_file = ?", [copy.file]).fetchone()[0] == 0
    accounted(con, reports, "Unicode文本.txt")
    accounted(con, reports, used.file)


def test_the_copy_is_loaded_once_and_named(corpus) -> None:
    con, reports, _ = corpus
    (dup,) = only(reports, "副本/Unicode文本 - 副本.txt")
    assert dup.rows_read == 0 and "与“Unicode文本.txt”内容完全相同" in dup.message and "只读取了“Unicode文本.txt”" in dup.message
    assert con.execute("SELECT count(*) FROM deaths WHERE source_file LIKE '%副本%'").fetchone()[0] == 0


@pytest.mark.parametrize(("name", "reason"), [
    ("~$数字身份证.xlsx", "锁定文件"),
    (".DS_Store", "隐藏文件"),
    ("链接到外面.csv", "指向收件箱以外"),
    ("循环", "无法解析"),
    ("管道.csv", "命名管道"),
])
def test_every_entry_is_accounted_for(corpus, name, reason) -> None:
    con, reports, _ = corpus
    (r,) = only(reports, name)
    assert r.message.startswith("已跳过：") and reason in r.message
    assert con.execute("SELECT count(*) FROM deaths WHERE person_name = '外人'").fetchone()[0] == 0


def test_gbk_file_name_is_reported_readably(corpus) -> None:
    con, reports, _ = corpus
    (r,) = only(reports, "低保名册.csv")
    assert r.rows_loaded == 1
    accounted(con, reports, "低保名册.csv")


def test_far_cell_rejected_while_the_rest_loads(corpus) -> None:
    con, reports, _ = corpus
    (r,) = only(reports, "远处单元格.xlsx")
    assert r.extract is None and "一直到XFD1048576" in r.message and "超过读取上限" in r.message
    assert sum(x.rows_loaded for x in reports) > 60
    for x in reports:
        assert x.rows_read == x.rows_loaded + x.rows_quarantined, x


def test_reading_limits_come_from_the_configuration(tmp_path) -> None:
    box = tmp_path / "inbox"
    box.mkdir()
    write_xlsx(box / "死亡.xlsx", {"死亡": [DEATHS_HEADER, ["城关镇", "东岭村", "甲", _ids(1)[0], "2024-01-01", "死亡"]]})
    config = WorkspaceConfig.model_validate({"connectors": {"reading_limits": {"max_cells": 6}}})
    con = open_warehouse(tmp_path / "w.duckdb")
    try:
        (r,) = ingest_inbox(box, con, config, workers=0)
    finally:
        con.close()
    assert r.extract is None and "（2行×6列，共12个单元格），超过读取上限6个单元格" in r.message


def test_many_bad_rows_load_the_good_ones_with_a_prominent_warning(tmp_path) -> None:
    box = tmp_path / "inbox"
    box.mkdir()
    write_xlsx(box / "村基本情况.xlsx", {"村": BASICS})
    good = _ids(12, 100)
    bad = [pid[:17] + ("0" if pid[17] != "0" else "1") for pid in _ids(10, 200)]  # wrong check digit
    rows = [["城关镇", "东岭村", cname(i), pid, "2024-01-05", "死亡"] for i, pid in enumerate(good + bad)]
    write_xlsx(box / "一半坏.xlsx", {"死亡": [DEATHS_HEADER, *rows]})
    con = open_warehouse(tmp_path / "w.duckdb")
    try:
        reports = ingest_inbox(box, con, CONFIG, workers=0)
        (r,) = only(reports, "一半坏.xlsx")
        assert (r.rows_read, r.rows_loaded, r.rows_quarantined) == (22, 12, 10), r.message
        assert r.message.startswith("【注意：大量行未通过检查】工作表“死亡”的“身份证号”列有10行（占45%，超过提示线40%）")
        assert "整个文件未入库" not in r.message
        loaded = {x[0] for x in con.execute("SELECT person_id FROM deaths WHERE source_file = '一半坏.xlsx'").fetchall()}
        assert loaded == set(good)
        accounted(con, reports, "一半坏.xlsx")
    finally:
        con.close()
