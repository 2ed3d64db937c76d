"""Tables written transposed (connectors/transposed.py): indicators as rows, one column per village.
Layouts unlike baishui's 统计年报 (指标名称 | 计量单位 | villages | 全镇合计, code row first): one town's land
and population table with no unit column, other wordings (项目, 村代码, 总户数, 总人口, 耕地总面积) and the
codes row last; a 序号 column before the indicators and a 单位 column with （人）/（亩）; a CSV; and sheets
that must stay unread (a list that is not transposed, a long sheet)."""

from __future__ import annotations

import pytest
from fixtures.connectors.reports import report_for
from fixtures.connectors.workbooks import make_id, write_csv, write_xlsx

from connectors.ingest import ingest_inbox
from connectors.rawsheet import RawSheet
from connectors.transposed import MAX_TRANSPOSED_ROWS, transposed_sheet
from connectors.warehouse import open_warehouse
from xuncha.config import WorkspaceConfig

CONFIG = WorkspaceConfig()
ID1, ID2 = make_id("19400101", "123"), make_id("19380615", "241")


@pytest.fixture
def con(tmp_path):
    c = open_warehouse(tmp_path / "w.duckdb")
    yield c
    c.close()


# One town (河口乡, named by the sheet), villages as columns, a 合计 column, no unit column; the
# title states the year. Codes are the LAST indicator row here, and one village's code is wrong.
HEKOU = [
    ["河口乡2023年各村人口及耕地情况"],
    ["项目", "马坊村", "上寨村", "清水社区", "下河村", "合计"],
    ["总户数", 210, 180, 340, 95, 825],
    ["总人口", 760, 655, 1120, 301, 2836],
    ["耕地总面积（亩）", 1520.5, 1300, 80, 610, 3510.5],
    ["村代码", "620523105201", "620523105202", "620523105003", "6205231052X4", None],
]


def test_one_town_table_with_villages_as_columns_is_read_transposed(tmp_path, con) -> None:
    inbox = tmp_path / "inbox"
    write_xlsx(inbox / "人口土地.xlsx", {"河口乡": HEKOU}, merges={"河口乡": ["A1:F1"]})
    write_xlsx(inbox / "死亡.xlsx", {"s": [["乡镇", "村", "姓名", "身份证号", "死亡日期"],
                                          ["河口乡", "上寨村委会", "张三", ID1, "2024-01-05"],
                                          ["河口乡", "清水社区", "李四", ID2, "2024-02-05"]]})
    reports = ingest_inbox(inbox, con, CONFIG, workers=0)
    r = report_for(reports, "人口土地.xlsx")
    # 4 village columns read: 3 loaded, 1 quarantined (bad code); the 合计 column skipped
    assert (r.extract, r.rows_read, r.rows_loaded, r.rows_quarantined, r.rows_skipped) == ("village_basics", 4, 3, 1, 1)
    assert "本表为转置表（指标为行、村为列）" in r.message and "行号指原表的列号" in r.message
    assert "表头在第1列" in r.message and "合计行1行" in r.message
    rows = con.execute("SELECT source_row, year, town_raw, village_raw, village_code, households, registered_population,"
                       " farmland_mu FROM village_basics ORDER BY source_row").fetchall()
    # source_row: the original sheet's column of the village (B = 2)
    assert rows == [
        (2, 2023, "河口乡", "马坊村", "620523105201", 210, 760, pytest.approx(1520.5)),
        (3, 2023, "河口乡", "上寨村", "620523105202", 180, 655, pytest.approx(1300)),
        (4, 2023, "河口乡", "清水社区", "620523105003", 340, 1120, pytest.approx(80)),
    ]
    assert con.execute("SELECT source_sheet, source_row FROM quarantine").fetchall() == [("河口乡", 5)]
    reason = con.execute("SELECT reason FROM quarantine").fetchone()[0]
    assert reason.startswith("第5列“村代码”列"), reason  # its row number is the original column, said so
    # the other file's villages resolve against the transposed list, by town and name
    assert con.execute("SELECT person_name, village_code FROM deaths ORDER BY 1").fetchall() == [
        ("张三", "620523105202"), ("李四", "620523105003")]


def test_numbered_indicators_with_a_unit_column_and_a_csv(tmp_path, con) -> None:
    """序号 before the indicators (the swapped header is its second row), a 单位 column with （人） and dashes
    (skipped as the units line), the year in the file name; the same table as CSV reads alike."""
    rows = [
        ["序号", "指标", "单位", "红星村", "新民村", "全乡合计"],
        [1, "区划代码", "-", "510722100201", "510722100202", "-"],
        [2, "户籍户数", "（户）", 300, 250, 550],
        [3, "户籍人口", "（人）", 1000, 900, 1900],
        [4, "常住人口", "（人）", 800, 700, 1500],
        ["注：数据来源于2024年年报"],
    ]
    inbox = tmp_path / "inbox"
    write_xlsx(inbox / "2024年各村指标.xlsx", {"石桥乡": rows})
    write_csv(inbox / "2024年各村指标_石桥乡.csv", rows, "utf-8")
    reports = ingest_inbox(inbox, con, CONFIG, workers=0)
    for file in ("2024年各村指标.xlsx", "2024年各村指标_石桥乡.csv"):
        r = report_for(reports, file)
        assert (r.extract, r.rows_read, r.rows_loaded, r.rows_quarantined) == ("village_basics", 2, 2, 0), r.message
        assert "表头单位行1行" in r.message and "合计行1行" in r.message
        assert "（转置表：原表表头行的各列名为各村，100%的值形如村名）" in r.message
    got = con.execute("SELECT source_file, source_row, year, village_raw, village_code, registered_population "
                      "FROM village_basics ORDER BY 1, 2").fetchall()
    assert [g[1:] for g in got] == [(4, 2024, "红星村", "510722100201", 1000), (5, 2024, "新民村", "510722100202", 900)] * 2


def test_sheets_that_must_not_be_read_transposed(tmp_path, con) -> None:
    inbox = tmp_path / "inbox"
    # a list of rows whose header is unknown: transposed, its first column (姓名) is no header either
    write_xlsx(inbox / "会议.xlsx", {"s": [["姓名", "参会时间", "地点"], ["张三", "2024-01-05", "东岭村"],
                                           ["李四", "2024-01-06", "西岭村"]]})
    # a village list with rows as rows is read as rows (the transposed reading is never tried)
    write_xlsx(inbox / "村.xlsx", {"s": [["统计用区划代码", "村", "户籍人口"], ["611021104203", "东岭村", 410],
                                         ["611021104204", "西岭村", 335]]})
    reports = ingest_inbox(inbox, con, CONFIG, workers=0)
    meeting = [r for r in reports if r.file == "会议.xlsx"]
    assert all(r.extract is None and "转置" not in r.message for r in meeting), meeting
    rows = report_for(reports, "村.xlsx")
    assert rows.extract == "village_basics" and rows.rows_loaded == 2 and "转置" not in rows.message


def test_long_or_single_row_sheets_are_never_swapped() -> None:
    long = RawSheet("s", [["户籍人口", 1, 2]] * (MAX_TRANSPOSED_ROWS + 1))
    assert transposed_sheet(long) is None
    assert transposed_sheet(RawSheet("s", [["某县2024年统计表"], ["户籍人口", 1, 2]])) is None
    swapped = transposed_sheet(RawSheet("s", [["标题"], ["填报单位：河口乡", "单位：人"],
                                              ["指标", "甲村", "乙村"], ["户籍人口", 1, 2]]))
    assert swapped is not None and swapped.transposed
    assert swapped.rows == [["指标", "户籍人口"], ["甲村", 1], ["乙村", 2]]
    assert swapped.title_rows == [["标题"], ["填报单位：河口乡", "单位：人"]]


def test_a_village_column_without_its_name_is_quarantined_naming_its_column(tmp_path, con) -> None:
    rows = [["某乡2024年各村基本情况"],
            ["指标", "甲村", "乙村", "丙村", None, "合计"],
            ["统计用区划代码", "510722100201", "510722100202", "510722100203", "510722100204", None],
            ["户籍人口", 100, 200, 300, 400, 1000]]
    inbox = tmp_path / "inbox"
    write_xlsx(inbox / "村情.xlsx", {"某乡": rows})
    r = report_for(ingest_inbox(inbox, con, CONFIG, workers=0), "村情.xlsx")
    assert (r.extract, r.rows_read, r.rows_loaded, r.rows_quarantined) == ("village_basics", 4, 3, 1), r.message
    got = con.execute("SELECT source_row, reason, raw_json FROM quarantine").fetchall()
    assert len(got) == 1 and got[0][0] == 5 and got[0][1].startswith("第5列“指标”列"), got
    assert "510722100204" in got[0][2]  # the column's cells kept, keyed by the indicators
