"""金额 written short (发放额, 实发额, 补贴额) reads as the catalogue's 金额 wordings, and no two wordings
of different columns become one by it."""

from __future__ import annotations

from fixtures.connectors.workbooks import make_id

from connectors.catalog import _expand, _raw_catalog, load_catalog
from connectors.headers import HeaderMatch, detect_header
from connectors.headertext import normalise_header

CATALOG = load_catalog()


def test_no_two_columns_share_a_normalised_wording() -> None:
    raw = _raw_catalog()
    groups = raw.get("groups", {})
    for name, sec in raw.items():
        if name in ("groups", "roles"):
            continue
        owner: dict[str, str] = {}
        for col, words in sec.get("columns", {}).items():
            for w in _expand(list(words), groups, name):
                n = normalise_header(w)
                assert owner.setdefault(n, col) == col, (name, w, n, owner[n], col)


def test_an_old_age_list_with_a_short_amount_beside_a_standard() -> None:
    rows = [["乡（镇）", "行政村（社区）", "老人姓名", "身份证号", "周岁", "月标准（元）", "补贴月份", "发放额（元）"]]
    for i in range(6):
        rows.append(["城关镇", "东岭村", f"张{'一二三四五六'[i]}", make_id("19400101", f"{i:03d}"), 84, 100,
                     "2024年3月", 100])
    m = detect_header(rows, CATALOG)
    assert isinstance(m, HeaderMatch), m
    assert m.spec.name == "old_age_payments"
    assert m.columns["amount_yuan"] == 7
    assert m.columns["standard_yuan"] == 5


def test_a_disability_list_worded_otherwise() -> None:
    rows = [["姓名", "公民身份号码", "残疾证号", "补贴类型", "实发额", "应发额（万元）"]]
    for i in range(6):
        rows.append([f"李{'一二三四五六'[i]}", make_id("19700101", f"{i:03d}"), f"6110{i:016d}", "护理补贴", 80, 0.008])
    m = detect_header(rows, CATALOG)
    assert isinstance(m, HeaderMatch), m
    assert m.spec.name == "disability_payments"
    assert m.columns["amount_yuan"] == 4  # 实发额 is 实发金额; 应发额（万元） is another scale: not it


def test_money_in_wan_yuan_is_read_scaled_into_yuan_and_said(tmp_path) -> None:
    """年租金（万元）, 已收租金（单位：千元）: the header's unit is read, the numbers multiplied into 元, the sheet's
    message says so; a column also worded in 元 is the one read (the scaled one is a duplicate)."""
    from fixtures.connectors.workbooks import write_xlsx

    from connectors.extract import extract_file

    head = ["村", "合同编号", "资产名称", "承租方", "面积（亩）", "年租金（万元）", "已收租金（单位：千元）", "欠缴金额（万元）"]
    rows = [head, ["沙坪村", "HT-1", "鱼塘", "张三", 12, 0.84, 4.2, 0.42],
            ["沙坪村", "HT-2", "林地", "李四", 30.5, "1.2345", "12.345", 0]]
    path = write_xlsx(tmp_path / "合同.xlsx", {"合同": rows})
    (s,) = extract_file(path, tmp_path, load_catalog()).sheets
    assert s.extract == "collective_contracts", s.message
    assert s.data["annual_rent_yuan"].to_list() == [8400.0, 12345.0]
    assert s.data["received_yuan"].to_list() == [4200.0, 12345.0]
    assert s.data["arrears_yuan"].to_list() == [4200.0, 0.0]
    assert "“年租金（万元）”列以万元计，已乘以10000换算为元读入" in s.message
    assert "“已收租金（单位：千元）”列以千元计，已乘以1000换算为元读入" in s.message

    both = [["村", "合同编号", "资产名称", "承租方", "年租金（万元）", "年租金"], ["沙坪村", "HT-1", "鱼塘", "张三", 0.84, 8400]]
    path = write_xlsx(tmp_path / "合同2.xlsx", {"合同": both})
    (s,) = extract_file(path, tmp_path, load_catalog()).sheets
    assert s.data["annual_rent_yuan"].to_list() == [8400.0] and "换算" not in s.message, s.message


def test_area_in_hectares_or_square_metres_is_read_in_mu_and_said(tmp_path) -> None:
    """面积（公顷）, 面积（单位：平方米）: read like 万元 for money, the numbers converted into 亩 (1 公顷 = 15 亩,
    1 平方米 = 0.0015 亩) and the message says so; beside a column in 亩 the 亩 one is read."""
    from fixtures.connectors.workbooks import write_xlsx

    from connectors.extract import extract_file

    for header, values, expected, unit, factor in [
        ("面积（公顷）", [12, "0.3333"], [180.0, 4.9995], "公顷", "15"),
        ("面积（单位：平方米）", [2000, 666.67], [3.0, 1.0], "平方米", "0.0015"),
    ]:
        rows = [["村", "合同编号", "资产名称", "承租方", header, "年租金（元）"],
                ["沙坪村", "HT-1", "鱼塘", "张三", values[0], 8400], ["沙坪村", "HT-2", "林地", "李四", values[1], 1200]]
        path = write_xlsx(tmp_path / f"合同{unit}.xlsx", {"合同": rows})
        (s,) = extract_file(path, tmp_path, load_catalog()).sheets
        assert s.extract == "collective_contracts", s.message
        assert s.data["area_mu"].to_list() == expected
        assert f"“{header}”列以{unit}计，已乘以{factor}换算为亩读入" in s.message

    both = [["村", "合同编号", "资产名称", "承租方", "面积（公顷）", "面积（亩）"], ["沙坪村", "HT-1", "鱼塘", "张三", 2, 30]]
    path = write_xlsx(tmp_path / "合同3.xlsx", {"合同": both})
    (s,) = extract_file(path, tmp_path, load_catalog()).sheets
    assert s.data["area_mu"].to_list() == [30.0] and "换算" not in s.message, s.message
