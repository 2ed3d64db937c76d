"""Several persons in one cell (connectors/list_cells.py): a roster with one row per household whose
member names, IDs and relations are each listed in one cell is read as one row per member, aligned by
position; a row whose lists differ in length is quarantined, never guessed; the status a roster states
only in its sheet's name is read (connectors/context.py). Wordings and separators deliberately unlike
the generated baishui county's (家庭成员 with 、, IDs one per line)."""

from __future__ import annotations

import datetime as dt

from fixtures.connectors.workbooks import make_id, write_csv, write_xlsx

from connectors.catalog import load_catalog
from connectors.context import sheet_context, wanted_fields
from connectors.extract import extract_file
from connectors.list_cells import expand, split_cell

HEAD = ["所属乡镇", "村名", "户主", "户主身份证号码", "保障类型", "家庭人口", "月保障金", "纳入时间",
        "共同生活成员", "户内成员身份证件号", "与户主的关系"]  # an ID wording known by its words and values
A, B, C = make_id("19500101", "011"), make_id("19520202", "022"), make_id("19800303", "033")
D, E = make_id("19610101", "041"), make_id("19900505", "052")


def _household(head: str, head_id: str, names: str, ids: str, relations: str, amount: int = 600) -> list:
    return ["河口镇", "沙坪村", head, head_id, "农村低保", names.count("，") + 1, amount, "2020-05-01",
            names, ids, relations]


def _roster(tmp_path, sheets: dict[str, list[list]]):
    path = write_xlsx(tmp_path / "民政" / "低保户名册.xlsx", sheets)
    return extract_file(path, tmp_path, load_catalog()).sheets


def _in_care() -> list[list]:
    return [["沙坪村低保保障户花名册"], HEAD,
            _household("王大山", A, "王大山，李桂香，王小军", f"{A}\n{B}\n{C}", "户主 配偶 长子"),
            _household("赵四", D, "赵四", D, "户主", amount=300),
            # 3 names, 2 IDs: which ID is whose is not known
            _household("孙五", E, "孙五，周六，孙七", f"{E}\n{B}", "户主、配偶、长女")]


def test_members_listed_in_one_cell_load_one_row_each_with_the_household_copied(tmp_path) -> None:
    (s,) = _roster(tmp_path, {"正常享受": _in_care()})
    assert s.extract == "assistance_roster", s.message
    assert s.runner_up is None or s.runner_up[0] != "compensation_roster" or s.score - s.runner_up[1] >= 1
    data = s.data
    assert data["member_name"].to_list() == ["王大山", "李桂香", "王小军", "赵四"]
    assert data["member_id"].to_list() == [A, B, C, D]
    assert data["relation_to_head"].to_list() == ["户主", "配偶", "长子", "户主"]
    assert data["head_id"].to_list() == [A, A, A, D]  # household cells copied to every member
    assert data["monthly_amount_yuan"].to_list() == [600, 600, 600, 300]
    assert data["source_row"].to_list() == [3, 3, 3, 4]  # the sheet row, not a member counter
    assert set(data["source_sheet"].to_list()) == {"正常享受"}
    # accounting by member: read = loaded + quarantined; the mismatched household is one quarantined row
    assert (s.rows_read, s.rows_loaded, s.rows_quarantined) == (5, 4, 1), s.message
    q = s.quarantine
    assert q is not None and q["source_row"].to_list() == [5]
    assert q["reason_code"].to_list() == ["list_mismatch"]
    assert "成员人数不一致" in q["reason"].to_list()[0]
    assert "第5行（“共同生活成员”3个、“户内成员身份证件号”2个、“与户主的关系”3个）" in s.message
    assert "1户按位置拆分为每名成员一行（共3行" in s.message


def test_status_only_in_the_sheet_name_and_an_exit_date_by_meaning(tmp_path) -> None:
    stopped = [HEAD + ["退出时间"],
               _household("钱八", D, "钱八，吴九", f"{D}\n{E}", "户主，儿子") + ["2024-03-31"],
               _household("王大山", A, "王大山，李桂香", f"{A}\n{B}", "户主，妻") + ["2023-12-01"]]
    in_care, out = _roster(tmp_path, {"正常享受": _in_care(), "停保人员": stopped})
    assert in_care.data["status"].unique().to_list() == ["在保"]
    assert "保障状态取自表名“正常享受”" in in_care.message
    assert out.extract == "assistance_roster", out.message
    assert out.data["status"].to_list() == ["停保"] * 4
    assert out.data["stop_date"].to_list() == [dt.date(2024, 3, 31)] * 2 + [dt.date(2023, 12, 1)] * 2
    assert out.data["member_id"].to_list() == [D, E, A, B]


def test_a_status_column_wins_and_a_sheet_naming_no_status_gives_none(tmp_path) -> None:
    two = [_household("王大山", A, "王大山，李桂香", f"{A}\n{B}", "户主，配偶"), _household("赵四", D, "赵四", D, "户主")]
    rows = [HEAD + ["保障状态"], two[0] + ["停保"], two[1] + ["在保"]]
    with_column, unnamed = _roster(tmp_path, {"已退出": rows, "Sheet2": [HEAD, *two]})
    assert with_column.data["status"].to_list() == ["停保", "停保", "在保"]  # the column, not the sheet's name
    assert "保障状态取自" not in with_column.message
    assert unnamed.data["status"].to_list() == [None] * 3


def test_title_and_sheet_name_disagreeing_fill_no_status() -> None:
    ctx = sheet_context([["城关镇在保户名册"]], "退出人员", "民政/名册.xlsx")
    assert "status" not in ctx.values and "status" in ctx.conflicts
    assert any("保障状态来源不一致" in m for m in ctx.messages({"status"}))
    # a 说明：… line above the header is no title: it states no status
    assert "status" not in sheet_context([["说明：停保人员另表报送"]], "花名册", "x.xlsx").values


def test_only_enrolment_rosters_want_a_status() -> None:
    cat = load_catalog()
    roster = next(s for s in cat if s.name == "assistance_roster")
    petitions = next(s for s in cat if s.name == "petitions")
    assert "status" in wanted_fields(roster.table.column_names, True, {"member_id"})
    assert "status" not in wanted_fields(roster.table.column_names, True, {"member_id", "status"})
    assert "status" not in wanted_fields(petitions.table.column_names, True, {"register_date"})


def test_a_csv_roster_with_list_cells(tmp_path) -> None:
    head = HEAD[:9] + ["共同生活成员身份证号"] + HEAD[10:]  # two IDs are too few to judge values: a known wording
    rows = [head, _household("王大山", A, "王大山；李桂香", f"{A}；{B}", "户主；妻")]
    path = write_csv(tmp_path / "低保户.csv", rows, "utf-8")
    (s,) = extract_file(path, tmp_path, load_catalog()).sheets
    assert s.extract == "assistance_roster", s.message
    assert s.data["member_id"].to_list() == [A, B]
    assert s.data["relation_to_head"].to_list() == ["户主", "妻"]
    assert s.data["source_row"].to_list() == [2, 2]


def test_splitting_rules() -> None:
    # profiles split only lists of IDs or of names; an address or a spaced two-character name stays whole
    assert split_cell("张 三") is None
    assert split_cell("东岭村，三组") == ["东岭村", "三组"]  # names-like items: a profile may count them
    assert split_cell("城关镇东岭村3组，12号院") is None
    assert split_cell(f"{A} {B}") == [A, B]
    assert split_cell("王大山 李桂香") == ["王大山", "李桂香"]
    # a column known to hold members: any list split by line breaks or punctuation, a bad ID included
    assert split_cell(f"{A}\n6110211950", loose=True) == [A, "6110211950"]
    assert split_cell(f"{A}\n6110211950") is None
    # a row with no list is left alone; a single value beside a list is a mismatch
    assert expand([["a", A, "户主"]], 3, [0, 1, 2]) is None
    out = expand([["王一、王二", A, "户主"]], 3, [0, 1, 2])
    assert out is not None and out.mismatch == [True] and out.mismatched == [(3, {0: 2, 1: 1, 2: 1})]


def test_a_kind_scoring_higher_without_its_signature_is_said_not_passed_over_silently() -> None:
    """baishui's 在保家庭 was loaded as a compensation list (6.5) although it scored 8.5 as a roster: the
    roster lacked its member ID column. Where that still happens (here the IDs are not in the sheet),
    the sheet's message says so, with the line that settles it."""
    from connectors.headers import detect_header

    rows = [["序号", "乡镇", "村", "户主姓名", "户主身份证号", "救助对象类别", "保障人口数", "月救助金额（元）",
             "审批日期", "家庭成员", "成员证件情况", "与户主关系"]]
    for i in range(12):
        rows.append([i + 1, "城关镇", "东岭村", f"张{i}", make_id("19500101", f"{i:03d}"), "农村低保", 3, 600,
                     "2019-04-27", "张甲、张乙、张丙", "见纸质档案", "户主、配偶、长子"])
    m = detect_header(rows, load_catalog())
    assert m.spec.name == "compensation_roster"  # type: ignore[union-attr]
    said = m.outscored  # type: ignore[union-attr]
    assert said is not None and "按“低保/特困保障对象花名册”得" in said and "“成员身份证号”列" in said
    assert '"<文件名>" = "assistance_roster"' in said
    rows[0][10] = "家庭成员证件号码"  # with the IDs there, listed one per line: the roster, no warning
    for i, r in enumerate(rows[1:]):
        r[10] = "\n".join(make_id("19500101", f"{i:02d}{k}") for k in range(3))
    m = detect_header(rows, load_catalog())
    assert m.spec.name == "assistance_roster" and m.outscored is None  # type: ignore[union-attr]
