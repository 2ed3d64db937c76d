"""Headers written as pinyin initials of a system's field codes (connectors/abbreviations.py): read as the
known wording they abbreviate only when the column's values confirm it. Wordings and codes unlike the
generated hekou county's one-card CSV (an old-age list: SFZHM 身份证号码, NL 年龄, BTJE 补贴金额)."""

from __future__ import annotations

from fixtures.connectors.workbooks import make_id, write_xlsx

from connectors.abbreviations import abbreviation, initials
from connectors.catalog import load_catalog
from connectors.extract import extract_file

IDS = [make_id(f"19{30 + i}0101", f"0{i}1") for i in range(4)]


def test_initials_of_every_reading() -> None:
    assert initials("身份证号码") == {"sfzhm"}
    assert "yh" in initials("银行") and "khyh" in initials("开户银行")  # 行 read as in the phrase (hang)
    assert abbreviation(" SFZH ") == "sfzh" and abbreviation("身份证号") is None and abbreviation("X") is None


def test_an_old_age_list_with_pinyin_field_codes_is_read_through_them(tmp_path) -> None:
    head = ["乡镇", "村", "XM", "SFZHM", "NL", "发放月份", "BTJE"]
    rows = [head] + [["河口镇", "沙坪村", name, i, 85 + k, "2024-03", 100] for k, (name, i) in
                     enumerate(zip(["张三", "李四", "王五", "赵六"], IDS, strict=True))]
    path = write_xlsx(tmp_path / "高龄津贴.xlsx", {"Sheet1": rows})
    (s,) = extract_file(path, tmp_path, load_catalog()).sheets
    assert s.extract == "old_age_payments", s.message
    assert s.data["person_id"].to_list() == IDS
    assert s.data["person_name"].to_list() == ["张三", "李四", "王五", "赵六"]
    assert s.data["age"].to_list() == [85, 86, 87, 88]
    assert s.data["amount_yuan"].to_list() == [100.0] * 4
    assert "“SFZHM”→" in s.message and "“SFZHM”是“身份证号码”的缩写，100%的值与之相符" in s.message, s.message


def test_initials_whose_values_disagree_are_not_read(tmp_path) -> None:
    # SFZH over names and XM over ID numbers: the codes say one thing, the values another
    head = ["乡镇", "村", "SFZH", "XM", "身份证号", "年龄", "发放月份", "发放金额"]
    rows = [head] + [["河口镇", "沙坪村", name, i, i, 85, "2024-03", 100] for name, i in
                     zip(["张三", "李四", "王五", "赵六"], IDS, strict=True)]
    path = write_xlsx(tmp_path / "高龄津贴.xlsx", {"Sheet1": rows})
    (s,) = extract_file(path, tmp_path, load_catalog()).sheets
    assert s.extract == "old_age_payments", s.message
    assert "按拼音首字母与内容识别" not in s.message and s.data["person_name"].null_count() == 4
    # reported as unused, with the line that would read them, never read on the initials alone
    assert "注意：未使用的列“SFZH”可能是“身份证号”的拼音首字母缩写，但列中内容不能确认" in s.message, s.message
    assert '[connectors.header_synonyms.old_age_payments] person_name = ["XM"]' in s.message
    assert any(line.startswith('[connectors.header_synonyms.old_age_payments] person_id = ["SFZH"]') for line in s.config_lines)


def test_a_header_row_of_field_codes_only_is_read_through_them(tmp_path) -> None:
    """Every header a code (XZ CM XM SFZHM NL FFYF BTJE): no wording is known, yet the row is judged by its
    codes and the values under them, place codes too (XZ over town names: 乡镇). A code the values do not
    confirm (BZ over text: 备注 or 标准?) is left unused with the config line that would read it."""
    ids = IDS + [make_id("19500101", "051"), make_id("19510101", "061")]
    head = ["XZ", "CM", "XM", "SFZHM", "NL", "FFYF", "BTJE", "BZ"]
    rows = [head] + [["河口镇", "沙坪村", name, i, 85 + k, "2024-03", 100, "新增" if k % 2 else "续发"] for k, (name, i) in
                     enumerate(zip(["张三", "李四", "王五", "赵六", "钱七", "孙八"], ids, strict=True))]
    path = write_xlsx(tmp_path / "高龄津贴.xlsx", {"Sheet1": rows})
    (s,) = extract_file(path, tmp_path, load_catalog()).sheets
    assert s.extract == "old_age_payments", s.message
    assert s.data["person_id"].to_list() == ids
    assert s.data["amount_yuan"].to_list() == [100.0] * 6
    assert s.data["village_raw"].to_list() == ["沙坪村"] * 6
    assert s.data["town_raw"].to_list() == ["河口镇"] * 6
    assert "“SFZHM”是“身份证号码”的缩写" in s.message and "“XZ”是“乡镇”的缩写" in s.message
    assert "未使用的列：BZ" in s.message, s.message
    assert '[connectors.header_synonyms.old_age_payments] standard_yuan = ["BZ"]' in s.message  # 标准: not numbers


def test_a_row_of_codes_whose_values_confirm_nothing_stays_unread(tmp_path) -> None:
    head = ["AB", "CD", "EF"]
    rows = [head] + [["x", "y", "z"]] * 5
    path = write_xlsx(tmp_path / "代码表.xlsx", {"Sheet1": rows})
    (s,) = extract_file(path, tmp_path, load_catalog()).sheets
    assert s.extract is None and "无法识别表头" in s.message, s.message
