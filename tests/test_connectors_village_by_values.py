"""Village columns under header words no list holds (村别, 发包方), told by their values: names shaped
like villages (…村, …村民委员会, with county and town before them), or short place names repeated row
after row under a header whose words mean a village. Header words of another meaning veto it."""

from __future__ import annotations

from pathlib import Path

from fixtures.connectors.workbooks import make_id, write_xlsx

from connectors.catalog import load_catalog
from connectors.extract import extract_file
from connectors.headers import HeaderMatch, detect_header

CATALOG = load_catalog()


def _extract(path: Path):
    (sheet,) = extract_file(path, path.parent, load_catalog()).sheets
    return sheet


def _old_age(village_header: str, villages: list[str]) -> list[list]:
    rows = [["乡镇（街道）", village_header, "老人姓名", "公民身份号码", "年龄", "发放月份", "发放金额（元）"]]
    for i, v in enumerate(villages):
        rows.append(["城关镇", v, f"王{i}", make_id("19400101", f"{i:03d}"), 84, "2024-03", 200])
    return rows


def test_short_village_names_under_a_village_header(tmp_path) -> None:
    s = _extract(write_xlsx(tmp_path / "o.xlsx", {"城关镇": _old_age("村别", ["东岭"] * 4 + ["西沟"] * 4)}))
    assert s.extract == "old_age_payments", s.message
    assert s.columns_found["village_raw"] == "村别"
    assert s.data["village_raw"].to_list()[0] == "东岭"
    assert "“村别”→村(原文)（按内容识别：" in s.message and "置信度100%" in s.message


def test_other_wording_for_the_village_with_short_names() -> None:
    m = detect_header(_old_age("所在村组", ["石门"] * 3 + ["龙潭"] * 3), CATALOG)
    assert isinstance(m, HeaderMatch) and m.columns["village_raw"] == 1


def test_short_names_that_never_repeat_are_not_taken_for_villages() -> None:
    """Under a village header, yet every value differs: people's names as likely as places. Unused."""
    m = detect_header(_old_age("村别", ["东岭", "西沟", "石门", "龙潭", "南坪", "北塬"]), CATALOG)
    assert isinstance(m, HeaderMatch) and "village_raw" not in m.columns
    assert "村别" in m.unused


def _contracts(issuer: str, values: list[str], other: str | None = None) -> list[list]:
    head = ["乡镇（街道）", issuer, "合同编号", "承包方", "身份证号", "面积（亩）", "年租金（元）"]
    rows = [head + ([other] if other else [])]
    for i, v in enumerate(values):
        rows.append(["城关镇", v, f"HT2024-{i:03d}", f"李{i}", make_id("19700101", f"{i:03d}"), 12.5, 3000]
                    + (["东陵县城关镇东岭村民委员会"] if other else []))
    return rows


def test_the_issuing_collective_is_the_village(tmp_path) -> None:
    """发包方 on a contract list: the village collective, written with its county and town."""
    values = ["东陵县城关镇东岭村民委员会"] * 2 + ["东陵县城关镇西沟村民委员会"] * 2
    s = _extract(write_xlsx(tmp_path / "c.xlsx", {"s": _contracts("发包方", values)}))
    assert s.extract == "collective_contracts", s.message
    assert s.columns_found["village_raw"] == "发包方"
    assert s.data["village_raw"].to_list()[0] == "东陵县城关镇东岭村民委员会"
    assert "形如村名" in s.message


def test_another_wording_of_the_issuer() -> None:
    m = detect_header(_contracts("甲方（发包单位）", ["东岭村", "东岭村", "西沟社区", "西沟社区"]), CATALOG)
    assert isinstance(m, HeaderMatch) and m.spec.name == "collective_contracts"
    assert m.columns["village_raw"] == 1


def test_header_words_of_another_meaning_veto_village_values() -> None:
    """发包对象 means a party to the contract: village-shaped values do not make it the village."""
    m = detect_header(_contracts("备注", ["", "", "", ""], other="发包对象"), CATALOG)
    assert isinstance(m, HeaderMatch) and m.spec.name == "collective_contracts"
    assert "village_raw" not in m.columns


def test_the_village_collective_as_issuer() -> None:
    """发包方 written as the village's collective economic organisation (东岭村股份经济合作社)."""
    values = ["东岭村股份经济合作社"] * 2 + ["西沟村经济合作社"] * 2
    m = detect_header(_contracts("发包方", values), CATALOG)
    assert isinstance(m, HeaderMatch) and m.columns["village_raw"] == 1
