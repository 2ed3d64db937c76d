"""Sheets that are not data (instructions, covers, tables of contents, summaries of the detail sheets)
are set aside with what they are, by content and name together; unread data is still reported as
unrecognised, and a sheet recognised as a kind is read whatever its name."""

from __future__ import annotations

from pathlib import Path

from fixtures.connectors.workbooks import make_id, write_xlsx

from connectors.catalog import load_catalog
from connectors.extract import extract_file
from connectors.inspect import inspect_inbox
from connectors.inspect_output import proposed_config
from connectors.set_aside import classify
from xuncha.config import WorkspaceConfig

DETAIL_HEADER = ["序号", "乡镇", "村", "姓名", "身份证号", "残疾证号", "残疾类别", "残疾等级", "补贴类型", "发放月份", "发放金额"]


def _detail(n: int = 4, seq0: int = 0) -> list[list]:
    rows = [["某县残疾人补贴发放表"], DETAIL_HEADER]
    for i in range(n):
        rows.append([i + 1, "河西镇", "南湖村", f"周{i}", make_id("19700101", f"{seq0 + i:03d}"), f"C{i:05d}",
                     "肢体", "二级", "生活补贴", "2024-03", 80])
    return rows


def _sheets(tmp_path: Path, sheets: dict[str, list[list]], pin: dict | None = None, name: str = "book.xlsx"):
    path = write_xlsx(tmp_path / name, sheets)
    return {s.sheet: s for s in extract_file(path, tmp_path, load_catalog(pin=pin)).sheets}


# A table of contents, a per-town statistics table and the detail: worded unlike any sample style.
CONTENTS = [["目  录"], ["序号", "工作表", "内容"], [1, "全县统计", "各乡镇发放户数、面积和金额"], [2, "明细", "逐人发放明细"]]
TOWN_SUMS = [["2024年补贴发放统计表"], ["乡镇（街道）", "发放户数", "补贴面积（亩）", "补贴金额（元）"],
             ["城关镇", 120, 860.5, 103260.0], ["河西镇", 98, 701.0, 84120.0], ["合计", 218, 1561.5, 187380.0]]


def test_contents_and_a_statistics_table_are_set_aside_beside_the_detail(tmp_path) -> None:
    s = _sheets(tmp_path, {"目录": CONTENTS, "全县统计表": TOWN_SUMS, "明细": _detail()})
    assert s["目录"].extract is None
    assert s["目录"].message == "已跳过：目录，不是数据"
    assert s["全县统计表"].extract is None
    assert s["全县统计表"].message == "已跳过：汇总表（按乡镇汇总的户数、金额和面积），明细在工作表“明细”"
    assert s["明细"].extract == "disability_payments" and s["明细"].rows_loaded == 4
    assert not s["目录"].config_lines and not s["全县统计表"].config_lines


def test_prose_is_set_aside_whatever_the_sheet_is_called(tmp_path) -> None:
    notes = [["关于报送2024年补贴数据的通知"], [],
             ["一、各乡镇于每月5日前报送上月发放数据。"], ["二、身份证号一律填写18位，不得使用科学计数法。"],
             ["三、金额保留两位小数，单位为元。"]]
    s = _sheets(tmp_path, {"Sheet1": notes, "Sheet2": _detail()})
    assert s["Sheet1"].message == "已跳过：文字说明（4行文字，没有表头），不是数据"


def test_a_workbook_of_only_instructions_and_a_summary_says_it_holds_no_detail(tmp_path) -> None:
    s = _sheets(tmp_path, {"填报说明": [["填报说明"], ["1、本表由乡镇民政办填写。"]], "汇总": TOWN_SUMS})
    assert s["填报说明"].message == "已跳过：填报说明，不是数据；本文件只有说明或汇总，没有明细数据"
    assert s["汇总"].message == "已跳过：汇总表（按乡镇汇总的户数、金额和面积）；本文件只有说明或汇总，没有明细数据"


def test_a_summary_beside_unreadable_detail_names_that_sheet(tmp_path) -> None:
    unreadable = [["序号", "乡镇", "村", "某某字段", "另一字段"]] + [[i, "城关镇", "东岭村", "x", "y"] for i in range(5)]
    s = _sheets(tmp_path, {"汇总": TOWN_SUMS, "2024年": unreadable})
    assert s["汇总"].message == "已跳过：汇总表（按乡镇汇总的户数、金额和面积），明细工作表“2024年”未能识别（见该表的说明）"
    assert s["2024年"].message.startswith("无法识别表头")


def test_sheets_holding_ids_are_never_set_aside(tmp_path) -> None:
    """Named 说明, or shaped like a summary, but with a person's ID in it: data, reported as unrecognised."""
    with_id = [["说明"], ["户主", "证件", "备注"], ["张三", make_id("19600101", "001"), "已核实"]]
    s = _sheets(tmp_path, {"说明": with_id, "明细": _detail()})
    assert s["说明"].message.startswith("无法识别表头"), s["说明"].message


def test_people_written_as_cards_are_never_set_aside_as_prose(tmp_path) -> None:
    """One person a block of 项目：值 lines, an ID among the words: data, never 已跳过 as text. Read as cards
    (connectors/cards.py): the rebuilt table is what a header 户名 | 公民身份号码 | 所任职务 would be, its rows
    quarantined for want of a name column (户名 is no person's name), and said so."""
    cards = [["人员登记卡"]]
    for i in range(6):
        cards += [[f"户名：吴{i}"], [f"公民身份号码：{make_id('19650101', f'{i:03d}')}"], ["所任职务：委员"], [None]]
    s = _sheets(tmp_path, {"登记卡": cards, "明细": _detail()})
    m = s["登记卡"].message
    assert not m.startswith("已跳过") and "按卡片读取：共6张卡片" in m and "缺少必需列“姓名”" in m, m


def test_a_sheet_named_summary_that_is_a_known_kind_is_read(tmp_path) -> None:
    """A statistics table of villages is legitimately aggregate: recognised as the village list, loaded."""
    villages = [["统计用区划代码", "乡镇", "村", "户籍户数", "户籍人口"],
                ["610102001001", "城关镇", "东岭村", 310, 1120], ["610102001002", "城关镇", "西沟村", 280, 990]]
    s = _sheets(tmp_path, {"汇总": villages})
    assert s["汇总"].extract == "village_basics"
    assert s["汇总"].rows_loaded == 2


def test_without_its_name_only_counts_per_town_beside_detail_make_a_summary(tmp_path) -> None:
    """A ledger-like sheet of sums (no counts), named by its year, beside recognised detail, is not set
    aside: it may be data whose header we do not know; nor is a per-town table alone in its workbook."""
    ledger = [["日期", "摘要", "收入", "支出", "余额"]] + [[f"2024-0{i}-01", "收到补助资金", 1000 * i, 0, 1000 * i]
                                                 for i in range(1, 6)]
    s = _sheets(tmp_path, {"2023年": ledger, "明细": _detail()})
    assert s["2023年"].message.startswith("无法识别表头")
    lone = _sheets(tmp_path, {"Sheet1": TOWN_SUMS[1:]}, name="lone.xlsx")
    assert lone["Sheet1"].message.startswith("无法识别表头")
    named_otherwise = _sheets(tmp_path, {"Sheet1": TOWN_SUMS[1:], "明细": _detail()}, name="beside.xlsx")
    assert named_otherwise["Sheet1"].message.startswith("已跳过：汇总表（按乡镇汇总")


def test_a_pinned_file_still_sets_its_summary_aside(tmp_path) -> None:
    """A pin is per file: it applies to the detail, and the summary sheet beside it stays set aside."""
    s = _sheets(tmp_path, {"汇总": TOWN_SUMS, "明细": _detail()}, pin={"book.xlsx": "disability_payments"})
    assert s["明细"].extract == "disability_payments" and s["明细"].rows_loaded == 4
    assert s["汇总"].extract is None and s["汇总"].message.startswith("已跳过：汇总表")


def test_an_ambiguous_sheet_is_never_set_aside(tmp_path) -> None:
    """A header that fits a kind, only which column is undecided, is data: reported with the config line."""
    rows = [["乡镇", "村", "救助对象", None, "同户人员", None, "保障类别"],
            [None, None, "姓名", "身份证号", "姓名", "身份证号", None]]
    rows += [["城关镇", "东岭村", f"张{i}", make_id("19600101", f"{i:03d}"), f"李{i}",
              make_id("19900101", f"{i:03d}"), "农村低保"] for i in range(4)]
    path = write_xlsx(tmp_path / "r.xlsx", {"统计": rows}, {"统计": ["A1:A2", "B1:B2", "C1:D1", "E1:F1", "G1:G2"]})
    (sheet,) = extract_file(path, tmp_path, load_catalog()).sheets
    assert sheet.extract is None
    assert sheet.message.startswith("表头有歧义"), sheet.message


def test_classify_by_content_and_name() -> None:
    prose = [["说明"], ["1．本表按户填写，家庭成员逐人一行。"]]
    assert classify("封面", [["2024年补贴发放台账"], ["某某县财政局"]], 2, False).what == "封面"
    assert classify("Sheet3", prose, 2, False) is None  # one sentence, no telling name: not enough
    assert classify("Sheet3", prose + [["2．金额单位为元。"]], 3, False).kind == "instructions"
    assert classify("目录", [["序号", "姓名"], [1, make_id()]], 2, False) is None


def test_inspect_proposes_no_pin_for_sheets_set_aside(tmp_path) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    unreadable = [["序号", "乡镇", "村", "某某字段", "另一字段"]] + [[i, "城关镇", "东岭村", "x", "y"] for i in range(5)]
    write_xlsx(inbox / "a.xlsx", {"填表说明": [["填表说明"], ["1、逐人填写。"]], "汇总": TOWN_SUMS, "明细": _detail()})
    write_xlsx(inbox / "b.xlsx", {"汇总": TOWN_SUMS, "2024年": unreadable})
    findings = inspect_inbox(inbox, WorkspaceConfig())
    fragment = proposed_config(findings)
    pins = [line for line in fragment.splitlines() if line.startswith('# "') and "<数据类型>" in line]
    assert len(pins) == 1
    assert pins[0].startswith('# "b.xlsx" = "<数据类型>"  # b.xlsx / 2024年：未识别')
    assert "按文件指定，对该文件所有工作表生效；其中的汇总表、填表说明仍按内容跳过" in pins[0]
    assert "a.xlsx" not in fragment.split("[connectors.pin]")[1].split("\n\n")[0]
