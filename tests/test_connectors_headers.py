"""Header normalisation, header-row location and extract recognition (from headers, never file names)."""

from __future__ import annotations

import pytest
from fixtures.connectors.headers import HEADERS

from connectors.catalog import CatalogError, load_catalog
from connectors.headers import HeaderMatch, Unrecognised, detect_header
from connectors.headertext import normalise_header

CATALOG = load_catalog()


@pytest.mark.parametrize(("raw", "norm"), [
    ("身份证号码", "身份证号"),
    ("身份证号 ", "身份证号"),
    ("身份证号\n码", "身份证号"),
    ("身份证号（18位）", "身份证号"),
    ("月保障金（元）", "月保障金"),
    ("月保障金(元)", "月保障金"),
    ("补贴面积\u3000(亩)", "补贴面积"),
    ("补贴标准(元/亩)", "补贴标准"),
    ("*姓名", "姓名"),
    ("姓名：", "姓名"),
    ("金额（万元）", "额(万元)"),  # 万元 changes the amount: kept, so it does not match 金额
    ("发放金额（元）", "发放额"),  # 金额 written short (发放额) reads alike
    ("单位（账套）名称", "单位(账套)名称"),
])
def test_normalise_header(raw, norm) -> None:
    assert normalise_header(raw) == norm


@pytest.mark.parametrize("extract", sorted(HEADERS))
def test_each_extract_is_recognised_from_its_headers(extract) -> None:
    headers = HEADERS[extract]
    m = detect_header([headers, ["x"] * len(headers)], CATALOG)
    assert isinstance(m, HeaderMatch), m
    assert m.spec.name == extract
    assert m.header_rows == (0,)
    assert m.unused == ()


def test_every_catalogue_extract_has_a_test_header() -> None:
    assert set(HEADERS) == set(CATALOG.extracts)


def test_title_rows_above_the_header() -> None:
    rows = [
        ["2024年农村低保对象花名册", "", ""],
        ["填报单位：城关镇  填报日期：2024年5月1日", "", ""],
        [""],
        ["序号", "姓名", "身份证号码", "与户主关系", "保障类别", "月保障金（元）"],
        [1, "张三", "x", "户主", "农村低保", 300],
    ]
    m = detect_header(rows, CATALOG)
    assert isinstance(m, HeaderMatch)
    assert m.spec.name == "assistance_roster"
    assert m.header_rows == (3,)
    assert m.data_start == 4
    assert m.columns["member_id"] == 2 and m.columns["monthly_amount_yuan"] == 5
    assert m.unused == ("序号",)


def test_two_row_header_with_merged_parent() -> None:
    rows = [
        ["残疾人两项补贴发放名册", "", "", "", "", ""],
        ["姓名", "身份证号", "残疾等级", "金额", "", "发放月份"],
        ["", "", "", "本月", "累计", ""],
        ["张三", "x", "一级", 100, 1200, "2024-05"],
    ]
    merges = [((0, 0), (0, 5)), ((1, 3), (1, 4)), ((1, 0), (2, 0)), ((1, 1), (2, 1))]
    m = detect_header(rows, CATALOG, merges)
    assert isinstance(m, HeaderMatch)
    assert m.spec.name == "disability_payments"
    assert m.header_rows == (1, 2)
    assert m.columns["amount_yuan"] == 3  # 金额/本月, not 金额/累计
    assert m.labels[3] == "金额/本月" and m.labels[4] == "金额/累计"


def test_two_row_header_without_merge_information() -> None:
    """CSV has no merges: a blank upper cell right of a group still belongs to it."""
    rows = [
        ["姓名", "身份证号", "残疾等级", "金额", "", "发放月份"],
        ["", "", "", "本月", "累计", ""],
        ["张三", "x", "一级", 100, 1200, "2024-05"],
    ]
    m = detect_header(rows, CATALOG)
    assert isinstance(m, HeaderMatch) and m.header_rows == (0, 1)
    assert m.columns["amount_yuan"] == 3


def test_a_data_row_is_not_a_second_header_row() -> None:
    rows = [["姓名", "身份证号", "死亡日期"], ["张三", "610102199001011231", "2023-05-01"]]
    m = detect_header(rows, CATALOG)
    assert isinstance(m, HeaderMatch) and m.header_rows == (0,)


def test_unrecognised_names_what_is_missing() -> None:
    m = detect_header([["姓名", "年龄", "职务"], ["张三", 40, "主任"]], CATALOG)
    assert isinstance(m, Unrecognised)
    assert m.reason.startswith("无法识别表头")
    assert "村(居)民委员会成员名册" in m.reason and "缺少“身份证号”列" in m.reason


def test_unrecognised_when_nothing_is_known() -> None:
    m = detect_header([["甲", "乙"], [1, 2]], CATALOG)
    assert isinstance(m, Unrecognised)
    assert "没有已知的列名" in m.reason


def test_county_synonyms_extend_the_catalogue() -> None:
    rows = [["姓名", "居民身份证", "亡故日期"], ["张三", "x", "2023-05-01"]]
    assert isinstance(detect_header(rows, CATALOG), Unrecognised)
    county = load_catalog({"deaths": {"death_date": ["亡故日期"], "person_id": ["居民身份证"]}})
    m = detect_header(rows, county)
    assert isinstance(m, HeaderMatch) and m.spec.name == "deaths"


def test_unknown_extract_in_config_is_an_error() -> None:
    with pytest.raises(CatalogError, match="deathz"):
        load_catalog({"deathz": {"death_date": ["亡故日期"]}})


def test_unknown_column_in_config_is_an_error() -> None:
    with pytest.raises(CatalogError, match="died_on"):
        load_catalog({"deaths": {"died_on": ["亡故日期"]}})


@pytest.mark.parametrize(("row", "values"), [
    (["张三", "610102195001011234", "户主"], True),  # an ID
    (["6228480010000000000", "李四"], True),  # an account number written as text
    (["城关镇", "东岭村", 300.5], True),  # an amount with a fraction
    (["序号", "姓名", "身份证号码", "月保障金（元）"], False),  # a header
    ([1.0, 2.0, 3.0, 4.0], False),  # a 栏次 row, or years over columns (2023, 2024)
    (["2024年", "第1组", "补贴面积(亩)", "1234567890"], False),  # short digit runs are words of a header too
])
def test_rows_holding_values_no_header_has(row, values) -> None:
    from connectors.header_layout import holds_values

    assert holds_values(row) is values


def test_rows_of_data_are_never_scored_as_header_rows(monkeypatch) -> None:
    """A data row whose cells are header words of some kind (户主 is a wording, 农村低保 a programme)
    was scored for every extract kind as if it were a header; a row holding an ID or an amount with a
    fraction is data, and only the rows above it are read as headers. The result is the same."""
    import connectors.headers as headers

    judged: set[tuple[int, ...]] = set()
    original = headers._judge
    monkeypatch.setattr(headers, "_judge", lambda cand, *a: judged.add(cand.rows) or original(cand, *a))
    rows = [["2024年农村低保对象花名册", "", "", "", "", ""],
            ["序号", "姓名", "身份证号码", "与户主关系", "保障类别", "月保障金（元）"]]
    rows += [[i, f"张{'一二三四五六七八九十'[i % 10]}", f"61010219500101{1000 + i}", "户主", "农村低保", 300.5 + i]
             for i in range(1, 40)]
    m = detect_header(rows, CATALOG)
    assert isinstance(m, HeaderMatch) and m.spec.name == "assistance_roster" and m.header_rows == (1,)
    assert judged and all(r[-1] <= 1 for r in judged), sorted(judged)
