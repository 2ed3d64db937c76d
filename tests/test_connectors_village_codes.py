"""Places given only as 12-digit statistical codes, and tables that would load with no village."""

from __future__ import annotations

import polars as pl
from fixtures.connectors.workbooks import make_id, write_csv

from connectors.catalog import load_catalog
from connectors.ingest import extract_file
from connectors.profiles import profile
from connectors.village_codes import code_shapes, villageless_note


def _deaths(tmp_path, header: list[str], place: list[str], name: str = "死亡.csv"):
    rows = [header] + [[f"李{k}", make_id("19400101", f"{k:02d}1"), "2024-03-0" + str(k + 1), place[k]]
                       for k in range(len(place))]
    write_csv(tmp_path / name, rows, "utf-8-sig")
    return extract_file(tmp_path / name, tmp_path, load_catalog()).sheets[0]


def test_code_shapes() -> None:
    assert code_shapes("360321100201") == {"village_code"}
    assert code_shapes("360321100") == {"town_code"}
    assert code_shapes("360321000000") == set()  # a county's code, not a village's
    assert profile(["360321100201", "360321100202", "360321100201"]).share("village_code") == 1.0


def test_village_codes_under_a_header_without_village_words(tmp_path) -> None:
    codes = ["360321100201", "360321100201", "360321101205", "360321101205", "360321102203"]
    s = _deaths(tmp_path, ["死者姓名", "身份证号", "死亡日期", "居住地编码"], codes)
    assert s.extract == "deaths" and s.rows_loaded == 5
    assert s.data["village_code"].to_list() == codes
    assert any("按内容识别" in m and "居住地编码" in m and "12位统计用村级区划代码" in m for m in s.messages)
    assert not any("全部没有村" in m for m in s.messages)


def test_village_codes_beside_town_codes_no_village_name(tmp_path) -> None:
    header = ["死者姓名", "身份证号", "死亡日期", "村级区划代码"]
    s = _deaths(tmp_path, header, ["360321100201", "360321100202", "360321100203"])
    assert s.data["village_code"].null_count() == 0


def test_a_table_with_no_village_on_any_row_says_so(tmp_path) -> None:
    s = _deaths(tmp_path, ["死者姓名", "身份证号", "死亡日期", "所在村组"], ["东岭3组", "石门1组", "东岭2组"])
    assert s.rows_loaded == 3 and s.data["village_code"].null_count() == 3
    note = [m for m in s.messages if "全部没有村" in m]
    assert note and "所在村组" in note[0]
    assert '[connectors.header_synonyms.deaths] village_raw = ["所在村组"]' in s.config_lines


def test_villageless_note_only_when_every_row_lacks_a_place() -> None:
    empty = pl.DataFrame({"village_code": [None, None], "village_raw": [None, None]}, schema={
        "village_code": pl.Utf8, "village_raw": pl.Utf8})
    msgs, lines = villageless_note("deaths", True, ("序号", "村（居）统计编码"), empty)
    assert lines == ['[connectors.header_synonyms.deaths] village_code = ["村（居）统计编码"]']
    assert "2行" in msgs[0] and "序号" in msgs[0]
    one = empty.with_columns(pl.Series("village_code", ["360321100201", None]))
    assert villageless_note("deaths", True, ("序号",), one) == ([], [])
    assert villageless_note("towns", False, ("序号",), empty) == ([], [])
