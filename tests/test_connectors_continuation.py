"""Household rosters with continuation rows (connectors/continuation.py): the household's cells written on
its first row only and left blank (not merged) on its members' rows are filled down from that row when
the sheet shows the pattern unambiguously, said in the sheet's message; a person's own columns never
are (a head's ID is never a member's). Wordings unlike the generated hekou county's."""

from __future__ import annotations

from fixtures.connectors.workbooks import make_id, write_xlsx

from connectors.catalog import load_catalog
from connectors.extract import extract_file

H1, M1, M2 = make_id("19500101", "011"), make_id("19520202", "022"), make_id("19800303", "031")
H2, M3 = make_id("19600404", "041"), make_id("19620505", "052")
HEAD = ["序号", "村", "户主", "户主身份证号码", "成员姓名", "成员身份证号码", "关系", "救助类别", "批准时间", "月保障金额"]


def _roster(rows: list[list], tmp_path):
    path = write_xlsx(tmp_path / "民政" / "低保名册.xlsx", {"名册": [["某县低保对象名册"], HEAD, *rows]})
    (s,) = extract_file(path, tmp_path, load_catalog()).sheets
    assert s.extract == "assistance_roster", s.message
    return s


def test_member_rows_get_their_households_cells_and_keep_their_own(tmp_path) -> None:
    s = _roster([[1, "沙坪村", "张大山", H1, "张大山", H1, "户主", "农村低保", "2020年3月1日", 900],
                 [2, "沙坪村", None, None, "李桂英", M1, "妻", None, None, None],
                 [3, "沙坪村", None, None, "张小河", None, "子", None, None, None],  # no ID of his own
                 [4, "沙坪村", None, None, "张小红", M2, "女", "特困供养", None, None],  # a cell of her own: kept
                 [5, "沙坪村", "王石", H2, "王石", H2, "本人", "城市低保", "2021年5月6日", 500],
                 [6, "沙坪村", None, None, "赵云", M3, "配偶", None, None, None]], tmp_path)
    d = s.data
    assert d["member_id"].to_list() == [H1, M1, M2, H2, M3]
    assert d["head_id"].to_list() == [H1, H1, H1, H2, H2]
    assert d["head_name"].to_list() == ["张大山", "张大山", "张大山", "王石", "王石"]
    assert d["programme"].to_list() == ["农村低保", "农村低保", "特困供养", "城市低保", "城市低保"]
    assert [str(x) for x in d["approval_date"].to_list()] == ["2020-03-01"] * 3 + ["2021-05-06"] * 2
    assert d["monthly_amount_yuan"].to_list() == [900.0, 900.0, 900.0, 500.0, 500.0]
    # the member with no ID of his own is quarantined, never given the head's
    assert (s.rows_read, s.rows_loaded, s.rows_quarantined) == (6, 5, 1), s.message
    assert s.quarantine["source_row"].to_list() == [5] and s.quarantine["reason_code"].to_list() == ["missing_required"]
    assert "按同一户第一行（户主行）的值补齐4行（2户，如第4行至第6行取自第3行；第8行取自第7行）" in s.message, s.message
    assert "户级列“户主”、“户主身份证号码”、“救助类别”、“月保障金额”、“批准时间”只写在每户第一行" in s.message


def test_a_head_of_another_household_with_blank_head_cells_stops_the_filling(tmp_path) -> None:
    s = _roster([[1, "沙坪村", "张大山", H1, "张大山", H1, "户主", "农村低保", "2020年3月1日", 900],
                 [2, "沙坪村", None, None, "李桂英", M1, "妻", None, None, None],
                 [3, "沙坪村", None, None, "王石", H2, "户主", None, None, None],  # whose household is this?
                 [4, "沙坪村", None, None, "赵云", M3, "配偶", None, None, None]], tmp_path)
    assert s.data["head_id"].to_list() == [H1, None, None, None]
    assert s.data["programme"].to_list() == ["农村低保", None, None, None]
    assert "无法确定属于哪一户：写明是户主，却不是该户户主本人（第5行）；未向下补齐" in s.message, s.message


def test_member_rows_after_a_gap_are_not_filled(tmp_path) -> None:
    s = _roster([[1, "沙坪村", "张大山", H1, "张大山", H1, "户主", "农村低保", "2020年3月1日", 900],
                 [None] * 10,
                 [2, "沙坪村", None, None, "李桂英", M1, "妻", None, None, None]], tmp_path)
    assert s.data["head_id"].to_list() == [H1, None]
    assert "与上一行之间隔着空行、合计或说明行（第5行）" in s.message, s.message


def test_a_household_column_list_never_names_a_members_own_column() -> None:
    roster = load_catalog().extracts["assistance_roster"]
    assert "head_id" in roster.household and not any(c.startswith("member_") for c in roster.household)
