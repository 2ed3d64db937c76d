"""Two-row headers read as paths: the group row (户主 / 家庭成员 ...) decides which field a repeated
child name (姓名, 身份证号) is; when nothing decides, the sheet is reported, never loaded on a guess."""

from __future__ import annotations

from pathlib import Path

import pytest
from fixtures.connectors.workbooks import make_id, write_csv, write_xlsx

from connectors.catalog import load_catalog
from connectors.extract import extract_file

HEAD, MEMBER, MEMBER2 = make_id("19600101", "011"), make_id("19900101", "021"), make_id("19920101", "031")


def _extract(path: Path, synonyms: dict | None = None):
    (sheet,) = extract_file(path, path.parent, load_catalog(synonyms)).sheets
    return sheet


def _roster(tmp_path: Path, head_group: str, member_group: str, csv: bool = False) -> Path:
    rows = [
        ["乡镇", "村", head_group, None, member_group, None, None, "保障类别"],
        [None, None, "姓名", "身份证号", "姓名", "身份证号", "与户主关系", None],
        ["城关镇", "东岭村", "张大", HEAD, "张大", HEAD, "本人", "农村低保"],
        ["城关镇", "东岭村", "张大", HEAD, "张二", MEMBER, "子", "农村低保"],
        ["城关镇", "东岭村", "张大", HEAD, "张三", MEMBER2, "女", "农村低保"],
    ]
    if csv:
        return write_csv(tmp_path / "roster.csv", rows, "utf-8")
    merges = {"s": ["A1:A2", "B1:B2", "C1:D1", "E1:G1", "H1:H2"]}
    return write_xlsx(tmp_path / "roster.xlsx", {"s": rows}, merges)


@pytest.mark.parametrize(("head_group", "member_group"), [
    ("户主", "家庭成员"), ("申请人", "共同生活成员"), ("户主信息", "成员信息"),
])
@pytest.mark.parametrize("csv", [False, True])
def test_the_group_decides_which_name_and_id_a_column_is(tmp_path, head_group, member_group, csv) -> None:
    s = _extract(_roster(tmp_path, head_group, member_group, csv))
    assert s.extract == "assistance_roster", s.message
    assert s.rows_loaded == 3
    rows = s.data.sort("source_row")
    assert rows["member_id"].to_list() == [HEAD, MEMBER, MEMBER2]
    assert rows["member_name"].to_list() == ["张大", "张二", "张三"]
    assert set(rows["head_id"].to_list()) == {HEAD}
    assert s.columns_found["member_id"] == f"{member_group}/身份证号"
    assert s.columns_found["head_id"] == f"{head_group}/身份证号"


def _one_row_per_household(tmp_path: Path, head_group: str, member_group: str) -> Path:
    """Each row a different household: the values cannot tell whose columns a group holds."""
    rows = [["乡镇", "村", head_group, None, member_group, None, None, "保障类别"],
            [None, None, "姓名", "身份证号", "姓名", "身份证号", "与户主关系", None]]
    for i in range(4):
        rows.append(["城关镇", "东岭村", f"张{i}", make_id("19600101", f"{i:03d}"), f"李{i}",
                     make_id("19900101", f"{i:03d}"), "配偶", "农村低保"])
    merges = {"s": ["A1:A2", "B1:B2", "C1:D1", "E1:G1", "H1:H2"]}
    return write_xlsx(tmp_path / "roster.xlsx", {"s": rows}, merges)


def _members_of_households(tmp_path: Path, head_group: str, member_group: str, head_on_every_row: bool) -> Path:
    rows = [["乡镇", "村", head_group, None, member_group, None, None, "保障类别"],
            [None, None, "姓名", "身份证号", "姓名", "身份证号", "与户主关系", None]]
    for h in range(4):
        head = make_id("19600101", f"{h:03d}")
        for m in range(3):
            member = head if m == 0 else make_id("19900101", f"{h}{m:02d}")
            shown = (f"张{h}", head) if head_on_every_row or m == 0 else (None, None)
            rows.append(["城关镇", "东岭村", *shown, f"张{h}{m}", member, "本人" if m == 0 else "子", "农村低保"])
    merges = {"s": ["A1:A2", "B1:B2", "C1:D1", "E1:G1", "H1:H2"]}
    return write_xlsx(tmp_path / "roster.xlsx", {"s": rows}, merges)


def test_unknown_groups_are_told_apart_by_their_values(tmp_path) -> None:
    """救助对象 / 同户人员: wordings no list holds. The head's ID repeats on each member's row, the
    members' IDs never do: the groups are head and member, and the sheet says it decided so."""
    s = _extract(_members_of_households(tmp_path, "救助对象", "同户人员", head_on_every_row=True))
    assert s.extract == "assistance_roster", s.message
    rows = s.data.sort("source_row")
    assert rows["member_id"].n_unique() == 12 and rows["head_id"].n_unique() == 4
    assert rows["member_name"].to_list()[:3] == ["张00", "张01", "张02"]
    assert s.columns_found["member_id"] == "同户人员/身份证号"
    assert s.columns_found["head_id"] == "救助对象/身份证号"
    assert "分组“救助对象”按内容判定为户主一方" in s.message


def test_a_head_written_once_per_household_is_not_decided_by_values(tmp_path) -> None:
    """The head only on the household's first row: as sparse as a spouse column would be. Not guessed."""
    s = _extract(_members_of_households(tmp_path, "救助对象", "同户人员", head_on_every_row=False))
    assert s.extract is None and s.data is None and "表头有歧义" in s.message


def test_a_county_names_its_group_wordings(tmp_path) -> None:
    from connectors.catalog import CatalogError

    path = _one_row_per_household(tmp_path, "救助对象", "同户人员")
    assert _extract(path).extract is None
    (s,) = extract_file(path, path.parent, load_catalog(group_roles={"head": ["救助对象"], "member": ["同户人员"]})).sheets
    assert s.extract == "assistance_roster", s.message
    assert s.data["member_name"].to_list() == ["李0", "李1", "李2", "李3"]
    with pytest.raises(CatalogError, match="group_roles"):
        load_catalog(group_roles={"spouse": ["配偶"]})


def test_undecided_groups_are_reported_with_the_line_that_settles_them(tmp_path) -> None:
    path = _one_row_per_household(tmp_path, "甲栏", "乙栏")
    s = _extract(path)
    assert s.extract is None and s.rows_loaded == 0 and s.data is None
    assert "表头有歧义" in s.message and "甲栏/身份证号" in s.message and "乙栏/身份证号" in s.message
    assert "[connectors.header_synonyms.assistance_roster] member_id" in s.message
    # the line suggested, in the county's configuration, settles it: the other column is not used
    settled = _extract(path, {"assistance_roster": {"member_id": ["乙栏/身份证号"], "member_name": ["乙栏/姓名"]}})
    assert settled.extract == "assistance_roster", settled.message
    assert settled.data.sort("source_row")["member_name"].to_list() == ["李0", "李1", "李2", "李3"]
    assert "甲栏/身份证号" in settled.message  # reported as not used


def test_a_head_group_on_a_list_without_head_fields_keeps_the_person(tmp_path) -> None:
    """A payment list whose only identity sits under 申请人: the applicant is the person paid."""
    rows = [["乡镇", "村", "申请人", None, "残疾类别", "补贴类型", "发放月份", "金额"],
            [None, None, "姓名", "身份证号", None, None, None, None],
            ["城关镇", "东岭村", "李四", MEMBER, "肢体", "护理补贴", "2024-03", 90]]
    merges = {"s": ["A1:A2", "B1:B2", "C1:D1", "E1:E2", "F1:F2", "G1:G2", "H1:H2"]}
    s = _extract(write_xlsx(tmp_path / "d.xlsx", {"s": rows}, merges))
    assert s.extract == "disability_payments", s.message
    assert s.data["person_id"].to_list() == [MEMBER]


def test_the_head_id_on_a_payment_list_is_not_the_person_paid(tmp_path) -> None:
    """户主/身份证号 beside 补贴对象's own ID on a one-card list: the head group says whose it is."""
    rows = [["乡镇", "村", "户主", None, "补贴对象", None, "补贴项目", "发放年月", "一卡通账号", "发放金额"],
            [None, None, "姓名", "身份证号", "姓名", "身份证号", None, None, None, None],
            ["城关镇", "东岭村", "张大", HEAD, "张二", MEMBER, "耕地补贴", "2024-03", "6217000011112222333", 50]]
    merges = {"s": ["A1:A2", "B1:B2", "C1:D1", "E1:F1", "G1:G2", "H1:H2", "I1:I2", "J1:J2"]}
    s = _extract(write_xlsx(tmp_path / "c.xlsx", {"s": rows}, merges))
    assert s.extract == "onecard_payments", s.message
    assert s.data["person_id"].to_list() == [MEMBER]
    assert s.data["head_name"].to_list() == ["张大"]
    assert s.data["person_name"].to_list() == ["张二"]


def test_a_never_seen_account_header_is_mapped_when_words_and_values_agree(tmp_path) -> None:
    """Issue 11 item 2: a one-card list whose account column uses an unknown wording must not be
    recognised as a 低保 roster; the header's words (卡号) and its 16-19 digit values agree."""
    rows = [["乡镇", "村", "补贴项目", "发放年月", "姓名", "身份证号", "社保卡卡号（新）", "金额"]]
    for i in range(6):
        rows.append(["城关镇", "东岭村", "耕地补贴", "2024-03", f"张{i}", make_id("19600101", f"{i:03d}"),
                     f"62170000111122{i:05d}", 50])
    s = _extract(write_xlsx(tmp_path / "c.xlsx", {"s": rows}))
    assert s.extract == "onecard_payments", s.message
    assert s.data["account_no"].to_list()[0] == "6217000011112200000"
    assert "按内容识别的列：“社保卡卡号（新）”→一卡通账号" in s.message
    assert s.runner_up is not None and s.score > s.runner_up[1]


def test_words_and_values_that_disagree_map_nothing(tmp_path) -> None:
    rows = [["乡镇", "村", "补贴项目", "发放年月", "姓名", "身份证号", "社保卡卡号（新）", "金额"]]
    for i in range(6):
        rows.append(["城关镇", "东岭村", "耕地补贴", "2024-03", f"张{i}", make_id("19600101", f"{i:03d}"), "待办", 50])
    s = _extract(write_xlsx(tmp_path / "c.xlsx", {"s": rows}))
    assert s.extract != "onecard_payments"


def test_a_pin_restricts_a_file_to_one_kind_and_unknown_kinds_are_errors(tmp_path) -> None:
    from connectors.catalog import CatalogError

    path = _roster(tmp_path, "户主", "家庭成员")
    (s,) = extract_file(path, path.parent, load_catalog(pin={"roster*": "deaths"})).sheets
    assert s.extract is None and "死亡" in s.message  # pinned to a kind its header does not fit: reported
    with pytest.raises(CatalogError, match="connectors.pin"):
        load_catalog(pin={"*.xlsx": "no_such_kind"})


def test_an_id_header_given_twice_without_groups_is_not_guessed(tmp_path) -> None:
    """户主姓名 | 身份证号 | 成员姓名 | 身份证号 on one row: the first 身份证号 is the head's."""
    rows = [["乡镇", "村", "户主姓名", "身份证号", "成员姓名", "身份证号", "保障类别"],
            ["城关镇", "东岭村", "张大", HEAD, "张二", MEMBER, "农村低保"]]
    s = _extract(write_xlsx(tmp_path / "r.xlsx", {"s": rows}))
    assert s.extract is None and s.data is None
    assert "表头有歧义" in s.message and "第4列“身份证号”" in s.message and "第6列“身份证号”" in s.message
    assert 'member_id = ["身份证号#2"]' in s.message
    settled = _extract(tmp_path / "r.xlsx", {"assistance_roster": {"member_id": ["身份证号#2"],
                                                                    "member_name": ["成员姓名"]}})
    assert settled.extract == "assistance_roster", settled.message
    assert settled.data["member_id"].to_list() == [MEMBER]


def test_a_sparse_column_is_judged_by_values_further_down(tmp_path) -> None:
    """减员时间 (no list holds it) filled on 2 rows of 80: its words say an end, and the values found
    well below the first rows are dates, so it is the payroll's end date."""
    rows = [["姓名", "身份证号", "单位名称", "人员类别", "参加工作时间", "减员时间"]]
    for i in range(80):
        left = {37: 45107, 71: "2023.06.30"}.get(i)  # an Excel serial number written without a date format, and text
        rows.append([f"王{i}", make_id("19700101", f"{i:03d}"), "某某镇人民政府", "在编", "1995-08-01", left])
    s = _extract(write_xlsx(tmp_path / "p.xlsx", {"s": rows}))
    assert s.extract == "payroll", s.message
    assert s.columns_found["end_date"] == "减员时间"
    assert s.data["end_date"].drop_nulls().len() == 2


def test_a_qualifier_in_brackets_does_not_hide_a_known_header(tmp_path) -> None:
    """年龄（周岁）, 承包方（乙方）: matched as 年龄, 承包方; a scale (万元) is never dropped."""
    from connectors.headertext import normalise_header

    assert normalise_header("年龄\n（周岁）") == normalise_header("年龄")
    assert normalise_header("承包方（乙方）") == normalise_header("承包方")
    assert normalise_header("金额（万元）") != normalise_header("金额")
    assert normalise_header("面积(公顷)") != normalise_header("面积")


def test_a_qualified_name_pairs_with_the_id_of_the_same_prefix(tmp_path) -> None:
    """享受对象姓名 (no list holds it) beside 享受对象身份证号码, mapped to the applicant's ID: the name is
    the applicant's name too; without it the filing register would be refused (a required column)."""
    rows = [["乡镇", "村", "享受对象姓名", "享受对象身份证号码", "关联人员姓名", "关联人员职务", "关系"]]
    rows += [["城关镇", "东岭村", f"赵{i}", make_id("19700101", f"{i:03d}"), f"钱{i}", "村委委员", "配偶"]
             for i in range(5)]
    s = _extract(write_xlsx(tmp_path / "f.xlsx", {"s": rows}))
    assert s.extract == "relative_filings", s.message
    assert s.columns_found["applicant_name"] == "享受对象姓名"
    assert s.data["applicant_name"].to_list() == [f"赵{i}" for i in range(5)]
    assert "与同一前缀的已识别列配对" in s.message
