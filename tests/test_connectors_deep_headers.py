"""Headers of three rows or more (group / sub-group / field, labels merged down over all header rows),
read as paths like two-row headers: by full path, by the nearest group's role, by child name."""

from __future__ import annotations

from pathlib import Path

from fixtures.connectors.workbooks import make_id, write_csv, write_xlsx

from connectors.catalog import load_catalog
from connectors.extract import extract_file
from connectors.header_layout import header_paths
from connectors.headers import HeaderMatch, detect_header

HEAD, MEMBER = make_id("19600101", "011"), make_id("19900101", "021")
CATALOG = load_catalog()


def _extract(path: Path):
    (sheet,) = extract_file(path, path.parent, load_catalog()).sheets
    return sheet


def _households(n: int = 3) -> list[list]:
    rows = []
    for h in range(n):
        head = make_id("19600101", f"{h:03d}")
        for m in range(3):
            member = head if m == 0 else make_id("19900101", f"{h}{m:02d}")
            rows.append([h * 3 + m + 1, "城关镇", "东岭村", f"张{h}", head, f"张{h}{m}", member,
                         "本人" if m == 0 else "子", "农村低保", 3, 320, "2023.05.01"])
    return rows


def test_three_row_header_with_labels_merged_down_over_all_rows(tmp_path) -> None:
    """救助对象 over 户主 / 家庭成员情况 over 姓名, 身份证号; 乡镇（街道） and 审批时间 merged down over the
    three header rows: only the top row holds them, and they are the columns' labels."""
    rows = [
        ["东陵县农村低保花名册"] + [None] * 11,
        ["填报单位：东陵县民政局"] + [None] * 9 + ["单位：元、人", None],
        ["序号", "乡镇（街道）", "村（居）委会", "救助对象", None, None, None, None, "保障情况", None, None, "审批时间"],
        [None, None, None, "户主", None, "家庭成员情况", None, None, "保障类别", "保障人数", "月保障金（元）", None],
        [None, None, None, "姓名", "身份证号", "姓名", "身份证号", "与户主关系", None, None, None, None],
        *_households(),
    ]
    merges = ["A1:L1", "A3:A5", "B3:B5", "C3:C5", "D3:H3", "I3:K3", "L3:L5", "D4:E4", "F4:H4",
              "I4:I5", "J4:J5", "K4:K5"]
    s = _extract(write_xlsx(tmp_path / "r.xlsx", {"s": rows}, {"s": merges}))
    assert s.extract == "assistance_roster", s.message
    assert s.header_rows == (2, 3, 4)
    assert s.rows_loaded == 9
    found = s.columns_found
    assert found["town_raw"] == "乡镇（街道）" and found["village_raw"] == "村（居）委会"
    assert found["approval_date"] == "审批时间"
    assert found["head_id"] == "救助对象/户主/身份证号"
    assert found["member_id"] == "救助对象/家庭成员情况/身份证号"
    assert found["relation_to_head"] == "救助对象/家庭成员情况/与户主关系"
    assert found["monthly_amount_yuan"] == "保障情况/月保障金（元）"
    data = s.data.sort("source_row")
    assert data["member_name"].to_list()[:3] == ["张00", "张01", "张02"]
    assert data["head_id"].n_unique() == 3 and data["member_id"].n_unique() == 9
    assert data["town_raw"].to_list()[0] == "城关镇"


def test_three_row_header_in_a_csv_worded_otherwise(tmp_path) -> None:
    """No merge information, other wordings (申请家庭 / 申请人 / 共同生活家庭成员, 公民身份号码), a
    key：value line above: blank cells right of a group belong to it, the meta line is no header."""
    rows = [
        ["所属乡镇：河西镇", None, None, None, None, None, None, None, None],
        ["行政村", "申请家庭", None, None, None, None, "待遇", None, "批准日期"],
        [None, "申请人", None, "共同生活家庭成员", None, None, "救助类别", "月救助金", None],
        [None, "姓名", "公民身份号码", "姓名", "公民身份号码", "与户主的关系", None, None, None],
    ]
    for r in _households(2):
        rows.append([r[2], r[3], r[4], r[5], r[6], r[7], r[8], r[10], r[11]])
    s = _extract(write_csv(tmp_path / "r.csv", rows, "gbk"))
    assert s.extract == "assistance_roster", s.message
    assert s.header_rows == (1, 2, 3)
    found = s.columns_found
    assert found["member_id"] == "申请家庭/共同生活家庭成员/公民身份号码"
    assert found["head_id"] == "申请家庭/申请人/公民身份号码"
    assert found["village_raw"] == "行政村" and found["approval_date"] == "批准日期"
    assert found["programme"] == "待遇/救助类别"
    assert s.data["member_id"].n_unique() == 6


def test_a_text_only_data_row_is_not_a_third_header_row() -> None:
    rows = [
        ["登记日期", "信访人", "反映情况", None, "办理状态"],
        [None, None, "问题类别", "内容摘要", None],
        ["2024年3月5日", "王五", "低保", "反映村干部优亲厚友", "已办结"],
        ["2024年3月9日", "赵六", "土地", "反映征地补偿", "办理中"],
    ]
    m = detect_header(rows, CATALOG, [((0, 2), (0, 3)), ((0, 0), (1, 0)), ((0, 1), (1, 1)), ((0, 4), (1, 4))])
    assert isinstance(m, HeaderMatch) and m.spec.name == "petitions"
    assert m.header_rows == (0, 1)
    assert m.columns["category"] == 2 and m.columns["register_date"] == 0


def test_a_label_merged_down_from_above_the_window_is_the_columns() -> None:
    rows = [["乡镇", "救助对象", None], [None, "户主", None], [None, "姓名", "身份证号"]]
    merges = [((0, 0), (2, 0)), ((0, 1), (0, 2)), ((1, 1), (1, 2))]
    paths, shown = header_paths(rows, 1, 2, 3, merges)
    assert paths == [("乡镇",), ("户主", "姓名"), ("户主", "身份证号")]
    paths, shown = header_paths(rows, 0, 3, 3, merges)
    assert shown == ["乡镇", "救助对象/户主/姓名", "救助对象/户主/身份证号"]


def test_a_group_and_a_child_read_as_one_wording() -> None:
    """会计科目 over 编码 / 名称 is 会计科目编码 and 会计科目名称 (not 会计科目 twice)."""
    rows = [
        ["凭证日期", "凭证号", "摘要", "会计科目", None, "借方金额", "贷方金额"],
        [None, None, None, "编码", "名称", None, None],
        ["2024-03-05", "记-1", "付误工费", "5010101", "管理费用", 300, None],
    ]
    m = detect_header(rows, CATALOG, [((0, 3), (0, 4))])
    assert isinstance(m, HeaderMatch) and m.spec.name == "village_ledger"
    assert m.columns["subject_code"] == 3 and m.columns["subject_name"] == 4
    assert m.duplicates == ()
