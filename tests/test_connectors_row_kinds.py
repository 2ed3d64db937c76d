"""Totals recognised by content (connectors/row_kinds.content_totals), not only by 合计/小计."""

from __future__ import annotations

from fixtures.connectors.workbooks import make_id, write_xlsx

from connectors.catalog import load_catalog
from connectors.extract import extract_file


def _sheet(tmp_path, rows):
    path = write_xlsx(tmp_path / "x.xlsx", {"s": rows})
    (s,) = extract_file(path, tmp_path, load_catalog()).sheets
    return s


def test_a_row_summing_the_rows_above_is_a_total(tmp_path) -> None:
    header = ["乡镇", "村", "姓名", "身份证号", "残疾类别", "补贴类型", "发放月份", "金额"]
    rows = [header]
    for i, amount in enumerate([90, 60, 150]):
        rows.append(["城关镇", "东岭村", f"李{i}", make_id("19600101", f"{i:03d}"), "肢体", "护理补贴", "2024-03", amount])
    rows.append(["城关镇", "东岭村", None, None, None, None, None, 300])  # subtotal, no words
    rows.append(["城关镇", "西岭村", "王五", make_id("19600102", "001"), "肢体", "护理补贴", "2024-03", 90])
    rows.append([None, None, None, None, None, None, None, 55])  # not a sum of anything above: kept
    s = _sheet(tmp_path, rows)
    assert s.extract == "disability_payments", s.message
    assert s.rows_skipped == 1 and "合计行1行" in s.message
    assert s.rows_read == 5  # the stray 55 row stays data (and is quarantined for its missing ID)
    assert s.rows_quarantined == 1


def test_a_town_level_code_or_town_name_marks_a_total(tmp_path) -> None:
    rows = [["统计用区划代码", "乡镇", "村", "户籍户数", "户籍人口"],
            ["611021104203", "城关镇", "东岭村", 120, 410],
            ["611021104204", "城关镇", "西岭村", 98, 335],
            ["611021104000", "城关镇", "城关镇", 218, 745]]
    s = _sheet(tmp_path, rows)
    assert s.extract == "village_basics", s.message
    assert s.rows_loaded == 2 and s.rows_skipped == 1
