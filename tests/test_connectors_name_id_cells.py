"""A person's name and ID in one cell (connectors/name_id_cells.py): a column whose header names both
(姓名及身份证号, 姓名/证件号码) and whose cells read "张三 110…", "110… 张三" or "张三/110…" is read as the
name column and the ID column; a cell that does not split keeps its text and its row is quarantined
with the usual ID reasons. Extracts, wordings and separators deliberately unlike the generated lianhua
county's (高龄补贴 with 姓名（身份证号） and full-width brackets)."""

from __future__ import annotations

from fixtures.connectors.workbooks import make_id, write_csv, write_xlsx

from connectors.catalog import load_catalog
from connectors.extract import extract_file
from connectors.name_id_cells import split_cell

A, B, C, D = (make_id("19700101", "011"), make_id("19820202", "022"), make_id("19650303", "033"),
              make_id("19910404", "041"))


def test_cells_split_in_every_order_and_separator() -> None:
    assert split_cell(f"张三 {A}") == ("张三", A)
    assert split_cell(f"{A} 欧阳·娜") == ("欧阳·娜", A)
    assert split_cell(f"李 四/{B.lower()}") == ("李四", B.upper())
    assert split_cell(f"王五:{C}") == ("王五", C)
    assert split_cell(f"赵六[{D}]") == ("赵六", D)
    assert split_cell("61102119440505688 周七") == ("周七", "61102119440505688")  # 17 digits: judged as an ID later
    for cell in ("张三", A, "张三（身份证见附件）", f"张三 {A} 备注", f"{A}张三李四王五赵六钱七孙八", None):
        assert split_cell(cell) is None


def test_a_disability_sheet_with_name_and_id_in_one_cell_loads_and_quarantines_what_does_not_split(tmp_path) -> None:
    head = ["序号", "乡镇", "村", "姓名及身份证号", "残疾证号", "残疾等级", "补贴类型", "发放金额"]
    rows = [["某县残疾人两项补贴发放表"], head,
            [1, "河口镇", "沙坪村", f"张三 {A}", f"{A}62", "二级", "护理补贴", 80],
            [2, "河口镇", "沙坪村", f"{B} 李四", f"{B}41", "一级", "生活补贴", 90],
            [3, "河口镇", "东岭村", "王五（证件遗失）", "x", "三级", "护理补贴", 80],
            [4, "河口镇", "东岭村", f"赵六 {C}", f"{C}11", "四级", "生活补贴", 70]]
    path = write_xlsx(tmp_path / "残联" / "两项补贴.xlsx", {"Sheet1": rows})
    (s,) = extract_file(path, tmp_path, load_catalog()).sheets
    assert s.extract == "disability_payments", s.message
    assert s.data["person_name"].to_list() == ["张三", "李四", "赵六"]
    assert s.data["person_id"].to_list() == [A, B, C]
    assert s.data["source_row"].to_list() == [3, 4, 6]
    assert (s.rows_read, s.rows_loaded, s.rows_quarantined) == (4, 3, 1), s.message
    q = s.quarantine
    assert q is not None and q["source_row"].to_list() == [5]
    assert q["reason_code"].to_list()[0].startswith("id_")
    assert "“姓名及身份证号”列的姓名和身份证号写在同一格，已拆分" in s.message
    assert "第5行无法拆分" in s.message


def test_a_csv_with_slash_separated_name_and_id(tmp_path) -> None:
    head = ["乡镇", "村", "姓名/证件号码", "年龄", "发放月份", "发放金额"]
    rows = [head, ["河口镇", "沙坪村", f"钱八/{D}", 82, "2024-01", 100],
            ["河口镇", "沙坪村", f"孙九/{A}", 85, "2024-01", 100]]
    path = write_csv(tmp_path / "高龄津贴.csv", rows, "utf-8")
    (s,) = extract_file(path, tmp_path, load_catalog()).sheets
    assert s.extract == "old_age_payments", s.message
    assert s.data["person_name"].to_list() == ["钱八", "孙九"]
    assert s.data["person_id"].to_list() == [D, A]
    assert (s.rows_read, s.rows_loaded, s.rows_quarantined) == (2, 2, 0), s.message


def test_a_header_naming_only_one_of_them_is_not_split(tmp_path) -> None:
    head = ["乡镇", "村", "姓名", "年龄", "发放月份", "发放金额"]  # no ID column at all: not recognised, not guessed
    rows = [head, ["河口镇", "沙坪村", f"钱八/{D}", 82, "2024-01", 100]]
    path = write_csv(tmp_path / "高龄津贴.csv", rows, "utf-8")
    (s,) = extract_file(path, tmp_path, load_catalog()).sheets
    assert s.extract is None
    assert "拆分" not in (s.message or "")
