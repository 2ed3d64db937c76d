"""Year, period, town and village taken from outside the columns (connectors/context.py): title and
meta lines, sheet, file and folder names; each value says where it came from; disagreement is
reported and fills nothing."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest
from fixtures.connectors.workbooks import make_id, write_xlsx

from connectors.catalog import load_catalog
from connectors.context import sheet_context, wanted_fields
from connectors.extract import extract_file

ALL = {"year", "period", "town_raw", "village_raw"}


def test_title_and_unit_lines_give_year_period_town_and_village() -> None:
    c = sheet_context([["2024年第二季度惠民惠农补贴发放明细"],
                       ["填报单位：某某县城关镇东岭村民委员会", None, "填表日期：2025年1月3日"]], "Sheet1", "x.xlsx")
    assert {f: v.value for f, v in c.values.items()} == {
        "year": "2024", "period": "2024年第二季度", "town_raw": "城关镇", "village_raw": "东岭村"}
    assert not c.conflicts  # the fill date (2025) is not the data's year
    assert "年份取自表头上方“2024年第二季度惠民惠农补贴发…”" in c.messages(ALL)


def test_keyed_meta_cells_and_names() -> None:
    c = sheet_context([["所属乡镇：", "石门镇"]], "红星社区", "2024年/低保.xlsx")
    assert c.values["town_raw"].value == "石门镇" and c.values["village_raw"].value == "红星社区"
    assert c.values["year"].source == "文件夹名“2024年”"


def test_disagreeing_sources_are_reported_not_guessed() -> None:
    c = sheet_context([["2023年耕地地力保护补贴清册"]], "2024年", "x.xlsx")
    assert "year" not in c.values
    (msg,) = c.messages({"year"})
    assert "年份来源不一致" in msg and "2023" in msg and "2024" in msg


def test_a_sheet_without_year_and_village_columns_is_filled_from_its_context(tmp_path) -> None:
    rows = [["2024年度耕地地力保护补贴发放清册"], ["填报单位：城关镇东岭村村民委员会"],
            ["户主姓名", "身份证号", "承包面积", "补贴面积", "补贴标准", "补贴金额"],
            ["张三", make_id("19600101", "011"), 5, 5, 100, 500]]
    path = write_xlsx(tmp_path / "2024" / "耕地.xlsx", {"清册": rows})
    (s,) = extract_file(path, tmp_path, load_catalog()).sheets
    assert s.extract == "farmland_subsidy", s.message
    assert s.data.select("year", "town_raw", "village_raw").rows() == [(2024, "城关镇", "东岭村")]
    assert "年份取自表头上方“2024年度耕地地力保护补贴发放…”" in s.message


def test_an_annual_list_gets_its_period_from_the_title(tmp_path) -> None:
    rows = [["2024年度一卡通补贴发放明细"],
            ["乡镇", "村", "补贴项目", "姓名", "身份证号", "一卡通账号", "发放金额"],
            ["城关镇", "东岭村", "耕地补贴", "李四", make_id("19700101", "021"), "6217000011112222333", 80]]
    path = write_xlsx(tmp_path / "c.xlsx", {"s": rows})
    (s,) = extract_file(path, tmp_path, load_catalog()).sheets
    assert s.extract == "onecard_payments", s.message
    assert s.data.select("pay_month", "period_start", "period_end").rows() == [
        (None, dt.date(2024, 1, 1), dt.date(2024, 12, 1))]
    assert "期间取自表头上方" in s.message


def test_a_roster_titled_with_its_works_gives_the_project() -> None:
    c = sheet_context([["南河县S202线城关镇段改扩建工程青苗补偿兑付表"]], "城关镇1", "农业农村/征地青苗补偿兑付表.xlsx")
    assert c.values["project_name"].value == "南河县S202线城关镇段改扩建工程"
    assert "表头上方" in c.values["project_name"].source
    assert "project_name" in wanted_fields(["project_name", "person_id"], True, {"person_id", "village_raw"})
    assert "project_name" not in wanted_fields(["project_name"], True, {"project_name"})


def test_a_department_folder_is_never_a_village() -> None:
    # 农业农村 ends in 村, like a village name; it names the department that sent the file
    c = sheet_context([], "Sheet1", "农业农村/土地承包.xlsx")
    assert "village_raw" not in c.values and "town_raw" not in c.values
    assert sheet_context([], "Sheet1", "东岭村/土地承包.xlsx").values["village_raw"].value == "东岭村"


def test_a_unit_line_and_the_sheet_name_agree_by_meaning() -> None:
    """A ledger sheet per village: the village only in the sheet name and a 核算单位 line naming its
    collective; different wordings of one village agree, and the first source's wording is kept."""
    c = sheet_context([["核算单位：东陵县城关镇东岭村股份经济合作社"]], "东岭村", "农业农村/村级财务/2024年度/城关镇.xlsx")
    assert (c.values["village_raw"].value, c.values["town_raw"].value, c.values["year"].value) == ("东岭村", "城关镇", "2024")
    assert c.values["village_raw"].source.startswith("表头上方“核算单位")
    assert not c.conflicts
    # other wordings: 账套名称 in a key cell, the sheet named after the committee
    c = sheet_context([["账套名称：", "河西镇新坊村集体经济组织"]], "新坊村民委员会", "明细账.xlsx")
    assert (c.values["village_raw"].value, c.values["town_raw"].value) == ("新坊村", "河西镇")
    # a sheet named with the town and the collective's full name, nothing else
    c = sheet_context([], "东陵县城关镇东岭村股份经济合作社", "x.xlsx")
    assert (c.values["village_raw"].value, c.values["town_raw"].value) == ("东岭村", "城关镇")
    assert c.values["village_raw"].source == "表名“东陵县城关镇东岭村股份经济合作社”"


def test_a_unit_line_naming_another_village_than_the_sheet_fills_nothing() -> None:
    c = sheet_context([["核算单位：东陵县城关镇东岭村股份经济合作社"]], "西沟村", "x.xlsx")
    assert "village_raw" not in c.values
    assert "村来源不一致" in c.messages({"village_raw"})[0]


def test_every_ledger_row_gets_the_village_of_its_sheet(tmp_path) -> None:
    header = ["凭证日期", "凭证号", "摘要", "科目名称", "借方金额", "贷方金额"]
    sheets = {}
    for village in ("东岭村", "西沟村"):
        sheets[village] = [[f"核算单位：某某县城关镇{village}股份经济合作社"], header,
                           ["2024-03-05", "记-1", "支付保洁费", "管理费用", 300, None],
                           ["2024-03-09", "记-2", "收到租金", "经营收入", None, 1200]]
    path = write_xlsx(tmp_path / "农经" / "2024年度" / "城关镇.xlsx", sheets)
    result = extract_file(path, tmp_path, load_catalog()).sheets
    assert [s.extract for s in result] == ["village_ledger"] * 2, result[0].message
    for s, village in zip(result, ("东岭村", "西沟村"), strict=True):
        assert s.data["village_raw"].to_list() == [village, village]
        assert s.data["town_raw"].to_list() == ["城关镇", "城关镇"]
        assert s.context["village_raw"][1].startswith("表头上方“核算单位")
        assert "村取自表头上方“核算单位" in s.message


def test_a_sheet_named_by_the_village_alone_is_its_village_if_the_list_knows_it(tmp_path) -> None:
    """Another wording: sheets 东岭 / 西沟 (no 村), no unit line; the file named after the town. The
    name is only taken when the village list knows it exactly, and the message says so."""
    from connectors.extract import assign_villages
    from connectors.villages import VillageIndex
    header = ["日期", "凭证号", "摘要", "科目名称", "借方金额", "贷方金额"]
    sheets = {name: [header, ["2024-03-05", "记-1", "支付保洁费", "管理费用", 300, None]]
              for name in ("东岭", "西沟", "明细")}
    path = write_xlsx(tmp_path / "2024年" / "城关镇.xlsx", sheets)
    result = extract_file(path, tmp_path, load_catalog())
    assert [s.village_hint for s in result.sheets] == ["东岭", "西沟", None]  # 明细 names no village
    ref = pl.DataFrame({"town_raw": ["城关镇", "河西镇"], "village_raw": ["东岭村", "西沟村"],
                        "village_code": ["611021100201", "611021101202"]})
    assign_villages(result, VillageIndex.build(ref), 1)
    dongling, xigou, detail = result.sheets
    assert dongling.data.select("village_raw", "village_code").rows() == [("东岭", "611021100201")]
    assert "村取自表名“东岭”（与统计用区划代码表中的村名相符）" in dongling.message
    assert dongling.context["village_raw"] == ("东岭", "表名“东岭”")
    # 西沟 is a village of 河西镇, the file says 城关镇: not taken
    assert xigou.data["village_code"].to_list() == [None] and "村取自表名" not in xigou.message
    assert detail.data["village_code"].to_list() == [None]


def test_a_departments_unit_line_names_no_village() -> None:
    """填报单位：西山县农业农村局(盖章): 农业农村 ends in 村 but names a department, not a village; a
    town's office names its town only; a village's committee or collective names both."""
    for line, expected in [("填报单位：西山县农业农村局(盖章)", {}),
                           ("填报单位：县民政局", {}),
                           ("填报单位:城关镇人民政府", {"town_raw": "城关镇"}),
                           ("报送单位：城关镇农业综合服务站", {"town_raw": "城关镇"}),
                           ("填报单位：某某县城关镇东岭村民委员会（盖章）", {"town_raw": "城关镇", "village_raw": "东岭村"}),
                           ("制表单位：河西镇新坊村股份经济合作社", {"town_raw": "河西镇", "village_raw": "新坊村"})]:
        c = sheet_context([[line]], "Sheet1", "x.xlsx")
        assert {f: v.value for f, v in c.values.items()} == expected, line


def test_a_name_covering_several_years_gives_no_single_year() -> None:
    # worded unlike the sample counties: an em dash, 至, a tilde, 年度 on both ends, a folder
    for file in ("农经/土地流转台账（2021—2023年度）.xlsx", "农经/土地流转台账2021至2023.xlsx",
                 "农经/2021~2023年/土地流转台账.xlsx", "农经/土地流转台账2021年度-2023年度.xlsx"):
        c = sheet_context([], "台账", file)
        assert "year" not in c.values and "year" not in c.conflicts, file
        assert "period" not in c.values, file  # nor a whole-year period (2023年度)
        (msg,) = c.messages({"year"})
        assert "年份跨多年" in msg and "2021-2023" in msg and "未填写年份" in msg, file


def test_a_year_within_the_names_range_is_the_sheets_year() -> None:
    c = sheet_context([["2022年土地流转情况统计"]], "二〇二二", "农经/土地流转台账（2021—2023年度）.xlsx")
    assert c.values["year"].value == "2022" and not c.conflicts
    assert c.values["year"].source.startswith("表头上方")
    c = sheet_context([], "2023年", "2021至2023/台账.xlsx")
    assert c.values["year"].value == "2023" and not c.conflicts
    assert c.messages({"year"}) == ["年份取自表名“2023年”"]


def test_a_year_outside_the_names_range_disagrees_with_it() -> None:
    c = sheet_context([["2020年土地流转情况统计"]], "台账", "农经/土地流转台账（2021—2023年度）.xlsx")
    assert "year" not in c.values
    assert [x.value for x in c.conflicts["year"]] == ["2020", "2021-2023"]
    (msg,) = c.messages({"year"})
    assert "年份来源不一致" in msg and "为2020" in msg and "为2021-2023" in msg


def test_month_ranges_and_backward_ranges_are_no_year_range() -> None:
    # a period across a new year keeps saying which months; 2024-2022 is two years that disagree
    c = sheet_context([], "明细", "a/发放明细2023年11月-2024年2月.xlsx")
    assert not c.year_ranges and "year" in c.conflicts
    c = sheet_context([], "明细", "a/发放明细2024-2022.xlsx")
    assert not c.year_ranges and [x.value for x in c.conflicts["year"]] == ["2022", "2024"]
    c = sheet_context([], "明细", "a/发放明细2024-2024.xlsx")
    assert c.values["year"].value == "2024"


def test_sheets_of_a_multi_year_file_each_get_their_own_year(tmp_path) -> None:
    def rows(year: int) -> list:
        return [[f"{year}年度耕地地力保护补贴发放清册"], ["填报单位：城关镇东岭村村民委员会"],
                ["户主姓名", "身份证号", "承包面积", "补贴面积", "补贴标准", "补贴金额"],
                ["张三", make_id("19600101", "011"), 5, 5, 100, 500]]
    path = write_xlsx(tmp_path / "耕地补贴清册（2021—2023年度）.xlsx", {"2021": rows(2021), "2023": rows(2023)})
    sheets = extract_file(path, tmp_path, load_catalog()).sheets
    assert [s.extract for s in sheets] == ["farmland_subsidy"] * 2, [s.message for s in sheets]
    assert [s.data["year"].to_list() for s in sheets] == [[2021], [2023]]
    assert all("不一致" not in s.message for s in sheets)


@pytest.mark.parametrize(("sheet", "source_file", "period"), [
    ("3月", "民政/河口县2024年残疾人两项补贴发放表.xlsx", "2024年3月"),  # a sheet per month, the year in the file name
    ("十二月份", "补贴/发放表.xlsx", None),  # no year anywhere: no period
    ("11月", "2023年/发放表.xlsx", "2023年11月"),  # the year in a folder's name
    ("11月", "2023年度/发放表.xlsx", "2023年度"),  # a period stated elsewhere (the year 2023) is not overridden
    ("3月", "发放表2022-2024.xlsx", None),  # a range of years names no one year
    ("第3月", "2024年发放表.xlsx", None),  # not a month alone
])
def test_a_month_as_the_sheet_name_and_a_year_elsewhere_make_the_period(sheet, source_file, period) -> None:
    from connectors.context import sheet_context

    found = sheet_context([], sheet, source_file).values.get("period")
    assert (found.value if found else None) == period
    if found and "月" in found.value:
        assert f"表名“{sheet}”" in found.source  # the message says where the period came from
