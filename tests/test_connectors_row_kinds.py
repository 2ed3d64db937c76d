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


def test_a_town_row_without_village_or_code_is_a_total_in_a_village_list(tmp_path) -> None:
    rows = [["某县2024年村级基本情况统计表"], ["区划代码", "乡镇（街道）", "村（居）", "户籍户数（户）", "户籍人口（人）"],
            ["611021100201", "城关镇", "东岭", 116, 410], ["611021100202", "城关镇", "西沟", 111, 380],
            [None, "城关镇", None, 227, 790],  # the town's row: its name and the sums, no word 合计
            ["611021101201", "河西", "新坊", 105, 397], ["611021101202", "河西", "永林", 133, 474],
            [None, "河西", None, 238, 871],  # a town written without 镇
            ["611021101203", "河西", "南桥", None, 300],
            [None, None, "南桥", None, 301]]  # a village row without its code: data, quarantined
    s = _sheet(tmp_path, rows)
    assert s.extract == "village_basics", s.message
    assert s.rows_skipped == 2 and "合计行2行" in s.message
    assert s.rows_loaded == 5 and s.rows_quarantined == 1


def test_a_town_row_after_village_subtotals_sums_the_whole_sheet(tmp_path) -> None:
    header = ["序号", "项目名称", "乡镇", "村", "姓名", "身份证号", "面积（亩）", "金额（元）"]
    rows = [header]
    n = 0
    for village, amounts in (("东岭", [100, 200]), ("西沟", [50, 25, 25])):
        for a in amounts:
            n += 1
            rows.append([n, "某某工程", "城关镇", village, f"张{n}", make_id("19600101", f"{n:03d}"), a / 100, a])
        rows.append(["小  计", None, None, village, None, None, sum(amounts) / 100, sum(amounts)])
    rows.append([None, None, "城关镇", None, None, None, 4.0, 400])  # the town's row, no word
    rows.append([None, None, None, None, None, None, 4.0, 400])  # a grand total with no label at all
    rows.append(["合\u3000\u3000计", None, None, None, None, None, 4.0, 400])
    rows.append(["数据来源：县自然资源局征地系统"])
    rows.append(["说明：各乡镇行为所辖村合计"])
    s = _sheet(tmp_path, rows)
    assert s.extract == "compensation_roster", s.message
    assert s.rows_loaded == 5 and s.rows_quarantined == 0, s.message
    assert "合计行5行" in s.message and "表尾说明2行" in s.message


def test_labelled_single_text_rows_are_notes_whatever_the_label(tmp_path) -> None:
    header = ["姓名", "身份证号", "工作单位", "人员类别", "参加工作日期"]
    rows = [header, ["李一", make_id("19800101", "011"), "县财政局", "在编", "2010-09-01"],
            ["数据来源：某县财政局工资统发系统"], [None, "特别提示：以上数据截至2024年12月31日"],
            ["制表人：王某    审核人：李某"], ["统计口径:在编在岗人员"]]
    path = write_xlsx(tmp_path / "p.xlsx", {"s": rows}, merges={"s": ["B4:E4"]})
    (s,) = extract_file(path, tmp_path, load_catalog()).sheets
    assert s.extract == "payroll", s.message
    assert s.rows_loaded == 1 and s.rows_quarantined == 0, s.message
    assert "表尾说明4行" in s.message


def test_a_row_with_an_id_or_a_persons_name_is_never_a_total(tmp_path) -> None:
    header = ["乡镇", "村", "姓名", "身份证号", "残疾类别", "补贴类型", "发放月份", "金额"]
    rows = [header]
    for i, amount in enumerate([90, 60]):
        rows.append(["城关镇", "东岭村", f"李{i}", make_id("19600101", f"{i:03d}"), "肢体", "护理补贴", "2024-03", amount])
    rows.append(["城关镇", None, None, make_id("19600101", "009"), None, None, None, 150])  # an ID: data
    rows.append(["城关镇", None, "李镇", None, None, None, None, 300])  # a person's name (李镇): not a total
    rows.append([None, None, "城关镇", None, None, None, None, 300])  # the name cell names the town: a total
    s = _sheet(tmp_path, rows)
    assert s.rows_skipped == 1, s.message
    assert s.rows_read == 4 and s.rows_quarantined == 1  # 李镇's row, for its missing ID


def test_a_town_row_in_a_sheet_without_village_column(tmp_path) -> None:
    # 村别 is no village wording the catalogue knows: the town's row is found by its town cell
    rows = [["乡镇（街道）", "村别", "老人姓名", "公民身份号码", "年龄", "发放月份", "发放金额（元）"],
            ["城关镇", "东岭", "王一", make_id("19400101", "011"), 84, "202403", 100],
            ["城关镇", "东岭", "王二", make_id("19400101", "021"), 84, "202403", 100],
            ["城关镇", None, None, None, None, None, 210]]  # not the sum (200): its town cell says what it is
    s = _sheet(tmp_path, rows)
    assert s.extract == "old_age_payments", s.message
    assert s.rows_skipped == 1 and s.rows_loaded == 2 and s.rows_quarantined == 0, s.message


def test_every_skip_reason_is_found_in_a_sheet_without_an_id_column(tmp_path) -> None:
    # Without an ID column, classify_rows examines closely only the rows some reason could fit
    # (row_kinds._may_be_skipped); each reason must still be found, and data rows kept.
    header = ["村名", "凭证日期", "凭证号", "摘要", "科目名称", "借方金额", "贷方金额", "结算方式", "收款人"]
    data = [["东岭村", "2024-03-05", f"记-{i:03d}", "支付道路维修款", "管理费用", 1200.5 + i, None, "转账", "张三"]
            for i in range(8)]
    rows = [header,
            [None, None, None, None, None, "（元）", "（元）", None, None],  # units line
            ["甲", "乙", "1", "2", "3", "4", "5", "6", "7"],  # column numbers
            *data[:6],
            header,  # the header repeated (a second page)
            *data[6:],
            [None] * 9,  # blank
            ["东岭村", "2024-03-31", None, "本月合计", None, 9632.0, None, None, None],  # dated: words only
            ["合  计", None, None, None, None, 9632.0, None, None, None],
            ["制表人：王某"],
            ["数据来源：某镇三资平台"]]
    s = _sheet(tmp_path, rows)
    assert s.extract == "village_ledger", s.message
    assert s.rows_loaded == 8 and s.rows_quarantined == 0, s.message
    for said in ("合计行2行", "表尾说明2行", "重复表头1行", "栏次行1行", "表头单位行1行"):
        assert said in s.message, (said, s.message)
