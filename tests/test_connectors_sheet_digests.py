"""connectors.sheet_digests: the developer's check that a speed change leaves every sheet's result as it was."""

from __future__ import annotations

import json

from fixtures.connectors.workbooks import make_id, write_csv, write_xlsx

from connectors import sheet_digests

HEADER = ["序号", "姓名", "身份证号", "死亡日期", "注销原因"]


def _inbox(tmp_path, second_name: str = "李四"):
    inbox = tmp_path / "inbox"
    write_csv(inbox / "死亡a.csv", [HEADER, ["1", "张三", make_id("19500101", "011"), "2024-01-05", "死亡"],
                                    ["2", "坏", "6.10102E+17", "2024-01-06", "死亡"]], "utf-8-sig")
    write_xlsx(inbox / "死亡b.xlsx", {"s": [HEADER, [1, second_name, make_id("19500102", "021"), "2024-02-01", "死亡"]]})
    return inbox


def test_the_same_inbox_gives_the_same_records_and_a_changed_cell_names_its_sheet(tmp_path) -> None:
    inbox = _inbox(tmp_path)
    before = sheet_digests.sheet_records([inbox])
    assert len(before) == 2
    a = next(r for k, r in before.items() if "死亡a.csv" in k)
    assert (a["rows_loaded"], a["rows_quarantined"]) == (1, 1) and a["data"] and a["quarantine"]
    assert sheet_digests.differences(before, sheet_digests.sheet_records([inbox])) == []

    _inbox(tmp_path, second_name="王五")  # one cell of the workbook's one data row
    lines = sheet_digests.differences(before, sheet_digests.sheet_records([inbox]))
    assert len(lines) == 1 and "死亡b.xlsx" in lines[0] and "data" in lines[0]
    assert "rows_loaded" not in lines[0] and "messages" not in lines[0]


def test_a_sheet_on_one_side_only_is_listed() -> None:
    record = {"extract": "deaths", "data": "x"}
    lines = sheet_digests.differences({"i | a.csv | a": record}, {"i | b.csv | b": record})
    assert lines == ["i | a.csv | a：改动后没有了", "i | b.csv | b：只在改动后出现"]


def test_save_then_compare_through_the_command(tmp_path, capsys) -> None:
    inbox = _inbox(tmp_path)
    record = tmp_path / "before.json"
    assert sheet_digests.main(["save", str(record), str(inbox)]) == 0
    assert len(json.loads(record.read_text(encoding="utf-8"))) == 2
    assert sheet_digests.main(["compare", str(record), str(inbox)]) == 0
    (inbox / "死亡a.csv").unlink()
    assert sheet_digests.main(["compare", str(record), str(inbox)]) == 1
    assert "改动后没有了" in capsys.readouterr().out
    assert sheet_digests.main(["compare"]) == 2


def test_frame_digests_tell_values_order_and_types_apart() -> None:
    import polars as pl

    base = pl.DataFrame({"a": ["1", "2"], "b": [1, None]})
    digest = sheet_digests.frame_digest
    assert digest(base) == digest(base.clone())
    assert digest(base) != digest(base.reverse())
    assert digest(base) != digest(base.with_columns(pl.col("b").fill_null(0)))
    assert digest(base) != digest(base.with_columns(pl.col("b").cast(pl.Float64)))
    assert digest(None) is None and digest(base.head(0)) != digest(base)
