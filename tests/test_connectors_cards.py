"""Card layouts (connectors/cards.py): no header row, one block of 标签：值 lines per record. Layouts
unlike lianhua's cadre cards (one pair per row, full-width colons, blank rows between cards): death
cards (xlsx and CSV) with several pairs in one cell, half-width colons and no blank row (the next card starts when
its first label comes back) under a title line; payroll cards with pairs in separate cells of a row
and a label alone in its cell before the value's cell, with a label no column takes; and sheets
that must stay unread (a few 说明：… lines, a table below 填报单位：… lines, cards with a table
between them)."""

from __future__ import annotations

import pytest
from fixtures.connectors.reports import report_for
from fixtures.connectors.workbooks import make_id, write_csv, write_xlsx

from connectors.cards import card_sheet
from connectors.ingest import ingest_inbox
from connectors.rawsheet import RawSheet
from connectors.warehouse import open_warehouse
from xuncha.config import WorkspaceConfig

CONFIG = WorkspaceConfig()
ID1, ID2, ID3 = make_id("19400101", "123"), make_id("19380615", "241"), make_id("19500303", "315")
BAD_ID = ID3[:-1] + ("0" if ID3[-1] != "0" else "1")  # wrong check digit


@pytest.fixture
def con(tmp_path):
    c = open_warehouse(tmp_path / "w.duckdb")
    yield c
    c.close()


# Deaths: a title line, then cards with no blank row between them; 姓名 and 性别 share a cell, 乡镇 and
# 村 share a cell, colons half-width (with a space after), a time of day in a value (10:21 is no label).
DEATHS = [
    ["河口乡2024年死亡人员登记卡"],
    ["姓名: 王五　性别: 男"],
    ["身份证号: " + ID1],
    ["乡镇: 河口乡　村: 上寨村"],
    ["死亡日期: 2024-01-05", "备注: 10:21 在家中去世"],
    ["姓名: 赵六　性别: 女"],
    ["身份证号: " + ID2],
    ["乡镇: 河口乡　村: 清水社区"],
    ["死亡日期: 2024-02-05", "备注: 无"],
]


@pytest.mark.parametrize("ext", ["xlsx", "csv"])
def test_death_cards_separated_by_their_first_label_are_read_as_a_table(tmp_path, con, ext) -> None:
    inbox = tmp_path / "inbox"
    if ext == "xlsx":
        write_xlsx(inbox / "死亡登记.xlsx", {"登记卡": DEATHS})
    else:  # a CSV is read as text columns (RawSheet.frame): the same cards
        write_csv(inbox / "死亡登记.csv", DEATHS, "utf-8")
    reports = ingest_inbox(inbox, con, CONFIG, workers=0)
    r = report_for(reports, f"死亡登记.{ext}")
    assert (r.extract, r.rows_read, r.rows_loaded, r.rows_quarantined) == ("deaths", 2, 2, 0), r.message
    assert "按卡片读取：共2张卡片（第2至9行）" in r.message and "行号指卡片第一行的行号" in r.message
    assert "“姓名”→姓名" in r.message and "“死亡日期”→" in r.message
    assert "卡片之上的第1行按标题读取" in r.message
    assert "表头在第" not in r.message  # the header row is rebuilt, no sheet row
    rows = con.execute("SELECT source_row, person_name, person_id, death_date::VARCHAR, town_raw, village_raw"
                       " FROM deaths ORDER BY source_row").fetchall()
    # each card's first line: 姓名 of 王五 on row 2, of 赵六 on row 6
    assert rows == [(2, "王五", ID1, "2024-01-05", "河口乡", "上寨村"),
                    (6, "赵六", ID2, "2024-02-05", "河口乡", "清水社区")]


# Payroll: pairs in separate cells of a row, a label alone in a cell before its value's cell
# (身份证号： | ID), blank rows between cards; 联系电话 is no column of the table; one ID is wrong.
PAYROLL = [
    ["财政供养人员信息卡（2024年）"],
    ["填报单位：县财政局", "填报日期：2024年12月"],
    [],
    ["姓名：孙七", "人员类别：事业"],
    ["身份证号：", ID1, "单位名称：县林业站"],
    ["入编日期：2001-07-01", "联系电话：13800000001"],
    [],
    ["姓名：周八", "人员类别：行政"],
    ["身份证号：", BAD_ID, "单位名称：河口乡人民政府"],
    ["入编日期：2010-09-01", "联系电话：13800000002"],
    [],
    ["姓名：吴九", "人员类别：离退休"],
    ["身份证号：", ID2, "单位名称：县教育局"],
    ["入编日期：1980-03-01", "联系电话："],
    [],
    ["说明：本卡由各单位填报"],
]


def test_payroll_cards_with_pairs_in_cells_report_unknown_labels_and_quarantine_by_card_row(tmp_path, con) -> None:
    inbox = tmp_path / "inbox"
    write_xlsx(inbox / "供养人员.xlsx", {"卡片": PAYROLL})
    reports = ingest_inbox(inbox, con, CONFIG, workers=0)
    r = report_for(reports, "供养人员.xlsx")
    assert (r.extract, r.rows_read, r.rows_loaded, r.rows_quarantined) == ("payroll", 3, 2, 1), r.message
    assert "共3张卡片（第4至14行）" in r.message
    assert "卡片之上的第1、2行按标题读取" in r.message  # 填报单位：… is no card: its labels are no card's
    assert "卡片之后的第16行为说明，未作为数据读取" in r.message
    assert "未使用的列：联系电话" in r.message  # a label no column takes is reported, not dropped silently
    rows = con.execute("SELECT source_row, person_name, person_id, employer, staff_category, start_date::VARCHAR"
                       " FROM payroll ORDER BY source_row").fetchall()
    assert rows == [(4, "孙七", ID1, "县林业站", "事业", "2001-07-01"),
                    (12, "吴九", ID2, "县教育局", "离退休", "1980-03-01")]
    q = con.execute("SELECT source_sheet, source_row, reason FROM quarantine").fetchall()
    assert [(s, row) for s, row, _ in q] == [("卡片", 8)]
    assert q[0][2].startswith("第8行"), q[0][2]  # names the card's first row in the sheet


def test_sheets_that_only_partly_look_like_cards_stay_unread(tmp_path, con) -> None:
    """A few 说明：… lines with a table below that no kind recognises, and a sheet of only notes: reported
    as before, never read as cards."""
    inbox = tmp_path / "inbox"
    notes = [["说明：本表为示例"], ["说明：金额单位为元"], ["填表人：刘红"], ["联系电话：123"]]
    table = [["填报单位：县民政局"], ["项目", "甲", "乙", "丙"], ["一", 1, 2, 3], ["二", 4, 5, 6]]
    write_xlsx(inbox / "说明.xlsx", {"s": notes})
    write_xlsx(inbox / "其他.xlsx", {"s": table})
    reports = ingest_inbox(inbox, con, CONFIG, workers=0)
    for name in ("说明.xlsx", "其他.xlsx"):
        r = [x for x in reports if x.file == name][0]
        assert r.extract is None and "卡片" not in r.message, r.message


def _sheet(rows: list[list]) -> RawSheet:
    return RawSheet("s", rows)


def test_card_sheet_accepts_cards_only() -> None:
    card = [["姓名：甲"], ["身份证号：1"], ["职务：委员"], []]
    built = card_sheet(_sheet([["标题"], [], *card, *card]))
    assert built is not None
    table, reading = built
    assert table.rows == [["姓名", "身份证号", "职务"], ["甲", "1", "委员"], ["甲", "1", "委员"]]
    assert table.source_rows == [3, 3, 7] and table.title_rows == [["标题"], []]
    assert (reading.cards, reading.first_row, reading.last_row) == (2, 3, 9)
    # one card only: a form, not records
    assert card_sheet(_sheet(card)) is None
    # notes repeating one label: one label per "card" is no record
    assert card_sheet(_sheet([["说明：一"], ["说明：二"], ["说明：三"]])) is None
    # a table row between the cards
    assert card_sheet(_sheet([*card, ["序号", "姓名", "身份证号", "职务"], *card])) is None
    # a section line between the cards: which cards it heads is not guessed
    assert card_sheet(_sheet([*card, ["（二）河西镇"], *card])) is None
    # a sign-off row of three pairs below the cards is a line, not a card
    signed = card_sheet(_sheet([*card, *card, ["填表人：刘红", "审核人：王强", "日期：2024-12-31"]]))
    assert signed is not None and signed[1].cards == 2 and signed[1].below == [9]
    # a table below the cards
    assert card_sheet(_sheet([*card, *card, *[["1", "乙", "2", "主任"]] * 3])) is None
    # a value holding a time is one value: 10 is no label
    one = [["登记时间：2024-01-05 10:21:33", "姓名：丙"]] * 2
    built = card_sheet(_sheet(one))
    assert built is not None and built[0].rows[1] == ["2024-01-05 10:21:33", "丙"]
