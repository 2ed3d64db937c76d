"""The name of the person a row is about is never dropped in silence: a name qualified by the group of a
mapped ID is paired with it; a name column that cannot be decided is reported with the config line;
loaded rows whose person names are all empty carry a warning."""

from __future__ import annotations

from pathlib import Path

import pytest
from fixtures.connectors.workbooks import make_id, write_xlsx

from connectors.catalog import load_catalog
from connectors.extract import extract_file
from connectors.inspect import inspect_inbox
from connectors.inspect_output import proposed_config
from xuncha.config import WorkspaceConfig


def _n(surname: str, *k: int) -> str:
    """A name of Chinese characters (values must look like names): 吴甲乙."""
    return surname + "".join("甲乙丙丁戊己庚辛"[x] for x in k)


def _roster(tmp_path: Path, name_header: str | None, id_header: str, extra: str | None = None) -> Path:
    header = ["乡镇", "村", "户主姓名", "户主身份证号", id_header, "与户主关系", "保障类别"]
    if name_header:
        header.insert(4, name_header)
    if extra:
        header.insert(5, extra)
    rows = [header]
    for h in range(2):
        head = make_id("19600101", f"{h:03d}")
        for m in range(3):
            member = head if m == 0 else make_id("19900101", f"{h}{m:02d}")
            row = ["城关镇", "东岭村", _n("吴", h), head, member, "本人" if m == 0 else "子", "农村低保"]
            if name_header:
                row.insert(4, _n("吴", h, m))
            if extra:
                row.insert(5, _n("郑", h, m))
            rows.append(row)
    return write_xlsx(tmp_path / "roster.xlsx", {"城关镇": rows})


def _extract(path: Path, synonyms: dict | None = None):
    (sheet,) = extract_file(path, path.parent, load_catalog(synonyms)).sheets
    return sheet


@pytest.mark.parametrize(("name_header", "id_header", "why"), [
    # the name's qualifier ends with the ID's (保障成员 / 成员)
    ("保障成员姓名", "成员身份证号", "与同一分组的已识别列“成员身份证号”配对"),
    # different words of the same role in [roles] (共同生活成员 / 家庭成员)
    ("共同生活成员姓名", "家庭成员身份证号", "与同一分组的已识别列“家庭成员身份证号”配对"),
    # the ID unqualified (身份证号): the name's qualifier is a member role's wording itself
    ("共同生活人员姓名", "身份证号码", "表头前缀“共同生活人员”是家庭成员（保障对象）一方的称谓"),
])
def test_a_name_qualified_by_the_members_group_is_the_members_name(tmp_path, name_header, id_header, why) -> None:
    s = _extract(_roster(tmp_path, name_header, id_header))
    assert s.extract == "assistance_roster", s.message
    assert s.columns_found["member_name"] == name_header
    assert s.data.sort("source_row")["member_name"].to_list() == [_n("吴", h, m) for h in range(2) for m in range(3)]
    assert s.inferred["member_name"] == f"“{name_header}”→成员姓名（{why}）"
    assert "注意" not in s.message and not s.config_lines


def test_a_name_of_another_group_is_reported_with_the_config_line(tmp_path) -> None:
    """救助对象 is no role's wording and not the ID's group: whose name it is is not guessed."""
    s = _extract(_roster(tmp_path, "救助对象姓名", "成员身份证号"))
    assert s.extract == "assistance_roster" and s.rows_loaded == 6
    assert s.data["member_name"].null_count() == 6
    line = '[connectors.header_synonyms.assistance_roster] member_name = ["救助对象姓名"]'
    assert ("注意：未读取“成员姓名”：未使用的列“救助对象姓名”可能是成员姓名，但表头没有写明是本表人员的，无法确定，"
            f"本表的成员姓名将全部为空；如确是，请在 xuncha.toml 中写明：{line}") in s.messages
    assert s.config_lines == [f"{line}  # 候选：救助对象姓名"]
    fixed = _extract(_roster(tmp_path, "救助对象姓名", "成员身份证号"),
                     {"assistance_roster": {"member_name": ["救助对象姓名"]}})
    assert fixed.data["member_name"].null_count() == 0 and not fixed.config_lines


def test_two_names_of_the_members_group_are_both_reported(tmp_path) -> None:
    s = _extract(_roster(tmp_path, "保障成员姓名", "成员身份证号", extra="共同生活成员姓名"))
    assert s.data["member_name"].null_count() == 6
    assert any(m.startswith("注意：未读取“成员姓名”：未使用的列“保障成员姓名”、“共同生活成员姓名”可能是成员姓名")
               for m in s.messages), s.message


def test_rows_without_any_member_name_column_carry_a_warning(tmp_path) -> None:
    s = _extract(_roster(tmp_path, None, "成员身份证号"))
    assert s.extract == "assistance_roster" and s.rows_loaded == 6
    assert "注意：本表入库的6行“成员姓名”全部为空（表中没有该列），按姓名的核对对这些人员无法进行" in s.messages


def test_a_payees_name_is_proposed_only_where_the_extract_has_no_payee_column(tmp_path) -> None:
    """领款人 on a compensation list (no account-holder column there) may be the person paid: proposed, not
    read; 开户人姓名 on a one-card list is the account holder's, read as such, never proposed; a signature
    column (empty) is no candidate."""
    rows = [["乡镇", "村", "领款人", "身份证号码", "征收面积（亩）", "补偿金额（元）", "领款人签字"]]
    rows += [["城关镇", "东岭村", _n("冯", i), make_id("19700101", f"{i:03d}"), 0.5, 900, None] for i in range(4)]
    (s,) = extract_file(write_xlsx(tmp_path / "c.xlsx", {"s": rows}), tmp_path, load_catalog()).sheets
    assert s.extract == "compensation_roster", s.message
    assert s.config_lines == ['[connectors.header_synonyms.compensation_roster] person_name = ["领款人"]  # 候选：领款人']
    assert any(m.startswith("注意：未读取“姓名”：未使用的列“领款人”可能是姓名") for m in s.messages), s.message
    rows = [["乡镇", "村", "补贴对象姓名", "身份证号", "补贴项目", "一卡通账号", "开户人姓名", "发放金额"]]
    rows += [["城关镇", "东岭村", None, make_id("19700101", f"{i:03d}"), "耕地地力补贴", f"62284800000000{i:05d}",
              _n("冯", i), 80] for i in range(4)]
    (s,) = extract_file(write_xlsx(tmp_path / "o.xlsx", {"s": rows}), tmp_path, load_catalog()).sheets
    assert s.extract == "onecard_payments", s.message
    assert s.columns_found["account_holder"] == "开户人姓名" and not s.config_lines
    assert "注意：本表入库的4行“补贴对象姓名”全部为空（该列全部为空），按姓名的核对对这些人员无法进行" in s.messages


def test_inspect_proposes_the_member_name_line(tmp_path) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    _roster(inbox, "救助对象姓名", "成员身份证号")
    fragment = proposed_config(inspect_inbox(inbox, WorkspaceConfig()))
    assert "[connectors.header_synonyms.assistance_roster]" in fragment
    assert '# member_name = ["救助对象姓名"]  # roster.xlsx / 城关镇：候选：救助对象姓名' in fragment
