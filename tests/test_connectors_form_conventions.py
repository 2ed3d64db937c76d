"""Conventions of Chinese government forms that a county's files use without saying so: column
numbers written into the header cells (1.姓名, （2）身份证号, ③金额) and a 栏次 row of column numbers under
the header (甲 乙 1 2 3 …). Found on the blind sample style qingshui, tested here worded otherwise."""

from __future__ import annotations

import duckdb
import polars as pl
import pytest
from fixtures.connectors.workbooks import make_id, write_xlsx

from connectors.catalog import load_catalog
from connectors.extract import extract_file
from connectors.headertext import normalise_header


@pytest.mark.parametrize(("written", "plain"), [
    ("1.姓名", "姓名"), ("（12）身份证号码", "身份证号"), ("③发放金额（元）", "发放金额"), ("十、村名", "村名"),
    ("4、乡镇", "乡镇"),
])
def test_a_column_number_in_the_header_cell_is_not_part_of_the_wording(written, plain) -> None:
    assert normalise_header(written) == normalise_header(plain)


@pytest.mark.parametrize("kept", ["2024年度", "12月", "1.5倍", "(1)"])
def test_numbers_that_belong_to_the_wording_are_kept(kept) -> None:
    assert normalise_header(kept) != ""
    assert normalise_header(kept)[0].isdigit() or kept == "(1)"


@pytest.mark.parametrize("numbers", [["甲", "乙", "1", "2", "3", "4"], ["1", "2", "3", "4", "5", "6"]])
def test_a_column_number_row_under_the_header_is_skipped_not_quarantined(tmp_path, numbers) -> None:
    rows = [["(1)乡镇", "(2)村", "(3)姓名", "(4)身份证号", "(5)死亡日期", "(6)备注"], numbers]
    rows += [["城关镇", "东岭村", f"张{i}", make_id("19400101", f"{i:03d}"), "2023-05-01", None] for i in range(4)]
    path = write_xlsx(tmp_path / "deaths.xlsx", {"s": rows})
    (s,) = extract_file(path, path.parent, load_catalog()).sheets
    assert s.extract == "deaths", s.message
    assert s.rows_loaded == 4 and s.rows_quarantined == 0 and s.rows_skipped == 1
    assert "栏次行1行" in s.message


def test_a_row_of_small_numbers_with_a_person_is_data(tmp_path) -> None:
    """Only a row made entirely of column numbers is a 栏次 row: a person's row with small counts stays data."""
    rows = [["乡镇", "村", "姓名", "身份证号", "死亡日期"], ["1", "2", "3", "4", "5"],
            ["城关镇", "东岭村", "李四", make_id("19400101", "001"), "2023-05-01"]]
    path = write_xlsx(tmp_path / "deaths.xlsx", {"s": rows})
    (s,) = extract_file(path, path.parent, load_catalog()).sheets
    assert s.rows_loaded == 1 and s.rows_skipped == 1


def test_the_portrait_of_a_county_without_villages_does_not_crash() -> None:
    """A county whose statistics list could not be read has no villages: scoring and the 重点村 portrait
    give empty tables instead of ending the run."""
    from rules import portrait
    from rules.scoring import score_villages
    from xuncha.config import KeyVillagesConfig, ScoringConfig

    villages = pl.DataFrame(schema={"village_code": pl.String, "village_name": pl.String, "town": pl.String})
    flags = pl.DataFrame(schema={"village_code": pl.String, "rule_id": pl.String, "severity": pl.String,
                                 "amount_yuan": pl.Float64, "flag_id": pl.String, "detail_key": pl.String,
                                 "subject_key": pl.String})
    con = duckdb.connect()
    scored = score_villages(villages, flags, ScoringConfig())
    out = portrait.apply(con, scored, KeyVillagesConfig(), ScoringConfig())
    assert out.height == 0


def test_a_settlement_column_is_known_by_its_words_and_values(tmp_path) -> None:
    """资金收付方式 (no list holds it) with 现金/转账/支票 values: the ledger's settlement method, so D01 can run."""
    rows = [["凭证日期", "凭证号", "摘要", "科目名称", "借方金额", "贷方金额", "资金收付方式"]]
    rows += [[f"2024-03-{i + 1:02d}", f"记-{i + 1}", "支付劳务费", "管理费用", 1500 + i, None, ("现金", "转账", "支票")[i % 3]]
             for i in range(6)]
    path = write_xlsx(tmp_path / "东岭村明细账.xlsx", {"东岭村": rows})
    (s,) = extract_file(path, path.parent, load_catalog()).sheets
    assert s.extract == "village_ledger", s.message
    assert s.columns_found.get("settlement_method") == "资金收付方式", s.message
    assert s.data["settlement_method"].to_list()[:3] == ["现金", "转账", "支票"]


def test_an_arrears_column_is_known_by_its_words_and_values(tmp_path) -> None:
    """尚欠未缴（元） beside 年租金: money owed, not another amount (D10's arrears)."""
    rows = [["村", "合同编号", "承包方", "年租金（元）", "起始日期", "终止日期", "尚欠未缴（元）"]]
    rows += [["东岭村", f"HT-{i}", f"承包户{i}", 5000, "2020-01-01", "2029-12-31", (0, 8400)[i % 2]] for i in range(6)]
    path = write_xlsx(tmp_path / "合同.xlsx", {"s": rows})
    (s,) = extract_file(path, path.parent, load_catalog()).sheets
    assert s.extract == "collective_contracts", s.message
    assert s.columns_found.get("arrears_yuan") == "尚欠未缴（元）", s.message


def test_blocks_stacked_in_one_sheet_take_their_own_title_line(tmp_path) -> None:
    """Two works' compensation lists in one sheet, each under its own 工程名称：… line: each row gets its
    own block's project, not the first block's (which would hide a person paid under both)."""
    header = ["村", "被补偿人", "身份证号", "补偿金额（元）", "发放日期"]
    person = make_id("19700101", "001")
    rows = [["某县2024年征地补偿明细"], ["工程名称：东环路改建工程  填报单位：城关镇人民政府"], header,
            ["东岭村", "王一", person, 800, "2024-05-01"], ["东岭村", "王二", make_id("19700101", "002"), 600, "2024-05-01"],
            [], ["工程名称：渠系配套项目  填报单位：城关镇人民政府"], header,
            ["东岭村", "王一", person, 500, "2024-06-01"]]
    path = write_xlsx(tmp_path / "补偿.xlsx", {"s": rows})
    (s,) = extract_file(path, path.parent, load_catalog()).sheets
    assert s.extract == "compensation_roster", s.message
    assert s.data.sort("source_row")["project_name"].to_list() == ["东环路改建工程", "东环路改建工程", "渠系配套项目"]
    assert "分块各自的标题行" in s.message
