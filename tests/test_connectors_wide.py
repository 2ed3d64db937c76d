"""Wide sheets (periods as columns, connectors/wide.py): one payment per non-empty, non-zero period cell,
the year from the header or the sheet's context (never guessed), totals beside the periods checked.
Layouts unlike the jiangkou one-card sheet: an old-age list with 2024年1月 … columns and a 小计, a
quarterly disability list, a one-card list with no year anywhere, words alike (补助项目, 社会保障卡号)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from fixtures.connectors.reports import report_for
from fixtures.connectors.workbooks import BASICS, make_id, write_xlsx

from connectors.ingest import ingest_inbox
from connectors.profiles import meaning_of
from connectors.warehouse import open_warehouse
from connectors.wide import HALF, MONTH, QUARTER, Period, find_layout, read_period
from xuncha.config import WorkspaceConfig

CONFIG = WorkspaceConfig()
ID1, ID2, ID3 = make_id("19400101", "123"), make_id("19380615", "241"), make_id("19420301", "017")


@pytest.fixture
def con(tmp_path):
    c = open_warehouse(tmp_path / "w.duckdb")
    yield c
    c.close()


def inbox_with(tmp_path: Path) -> Path:
    inbox = tmp_path / "inbox"
    inbox.mkdir(exist_ok=True)
    write_xlsx(inbox / "村基本情况.xlsx", {"村": BASICS})
    return inbox


@pytest.mark.parametrize(("label", "period"), [
    ("1月", Period(MONTH, 1, None)),
    ("12月份", Period(MONTH, 12, None)),
    ("十一月", Period(MONTH, 11, None)),
    ("2024年3月", Period(MONTH, 3, 2024)),
    ("2024.03", Period(MONTH, 3, 2024)),
    ("2023-11", Period(MONTH, 11, 2023)),
    ("202405", Period(MONTH, 5, 2024)),
    ("3月(元)", Period(MONTH, 3, None)),
    ("第二季度", Period(QUARTER, 2, None)),
    ("2024年第4季度", Period(QUARTER, 4, 2024)),
    ("三季度", Period(QUARTER, 3, None)),
    ("下半年", Period(HALF, 2, None)),
    ("2025年度发放/5月", Period(MONTH, 5, 2025)),  # the year from the group above
])
def test_period_headers_are_read(label, period) -> None:
    assert read_period(label) == period


@pytest.mark.parametrize("label", ["发放月份", "月份", "13月", "合计", "2024年", "年龄", "月保障金", "3"])
def test_other_headers_are_no_period(label) -> None:
    assert read_period(label) is None


def test_layout_needs_a_run_and_keeps_totals_and_subtotals_apart() -> None:
    shown = ["姓名", "身份证号", "1月", "2月", "3月", "一季度", "4月", "合计"]
    layout = find_layout(shown, used={0, 1})
    assert layout is not None
    assert [j for j, _ in layout.periods] == [2, 3, 4, 6]
    assert (layout.subtotals, layout.totals) == ((5,), (7,))
    assert find_layout(["姓名", "3月", "备注"], used={0}) is None  # one period alone is no layout
    assert find_layout(["姓名", "1月", "备注", "2月"], used={0}) is None  # something else between them
    assert find_layout(["1月", "1月", "2月"], used=set()) is None  # the same month twice: not guessed


def test_old_age_with_dated_month_columns_and_a_subtotal(tmp_path, con) -> None:
    inbox = inbox_with(tmp_path)
    header = ["序号", "乡镇", "村", "老人姓名", "身份证号", "年龄", "发放标准", "2024年1月", "2024年2月",
              "2024年3月", "2024年4月", "2024年5月", "2024年6月", "小计"]
    write_xlsx(inbox / "高龄补贴.xlsx", {"Sheet1": [
        ["高龄津贴发放名册"],                                                               # row 1
        header,                                                                              # row 2
        [1, "城关镇", "东岭村", "张三", ID1, 84, 100, 100, 100, 100, None, None, None, 300],  # row 3
        [2, "城关镇", "东岭村", "李四", ID2, 86, 100, 100, 0, "100.00元", 100, None, None, 999],  # row 4: 小计 wrong
        [3, "城关镇", "西岭村", "王五", ID3, 82, 100, None, None, None, None, 200, 200, 400],  # row 5
        ["合计", None, None, None, None, None, None, 200, 100, 200, 100, 200, 200, 1000],    # row 6
    ]})
    reports = ingest_inbox(inbox, con, CONFIG)
    r = report_for(reports, "高龄补贴.xlsx")
    assert r.extract == "old_age_payments", r.message
    assert (r.rows_read, r.rows_loaded, r.rows_quarantined) == (8, 8, 0), r.message
    got = con.execute("SELECT source_row, person_id, pay_month, amount_yuan, standard_yuan, age FROM old_age_payments "
                      "ORDER BY source_row, pay_month").fetchall()
    assert got == [
        (3, ID1, dt.date(2024, 1, 1), 100.0, 100.0, 84), (3, ID1, dt.date(2024, 2, 1), 100.0, 100.0, 84),
        (3, ID1, dt.date(2024, 3, 1), 100.0, 100.0, 84),
        (4, ID2, dt.date(2024, 1, 1), 100.0, 100.0, 86), (4, ID2, dt.date(2024, 3, 1), 100.0, 100.0, 86),
        (4, ID2, dt.date(2024, 4, 1), 100.0, 100.0, 86),  # 2月 is 0: nothing paid
        (5, ID3, dt.date(2024, 5, 1), 200.0, 100.0, 82), (5, ID3, dt.date(2024, 6, 1), 200.0, 100.0, 82)]
    assert "按期间列读取：第8列“2024年1月”至第13列“2024年6月”共6个期间列" in r.message
    assert "“小计”列与各期间金额之和不符：第4行（各期间之和300元，“小计”999元）；" in r.message
    assert "第3行" not in r.message and "第5行" not in r.message  # their 小计 agrees
    assert "本表3行数据按期间列展开为8笔发放" in r.message
    assert "跳过1行（合计行1行）" in r.message
    assert "期间列表头未写年份" not in r.message  # the headers state it
    assert r.message.endswith("未使用的列：序号")  # 小计 is the periods' total, not an unused column
    # period bounds of a monthly payment are its month
    assert con.execute("SELECT count(*) FROM old_age_payments WHERE period_start = pay_month AND period_end = pay_month"
                       ).fetchone() == (8,)


def test_quarterly_disability_list_takes_its_year_from_the_file_name(tmp_path, con) -> None:
    inbox = inbox_with(tmp_path)
    write_xlsx(inbox / "2023年残疾人两项补贴.xlsx", {"明细": [
        ["乡镇", "村", "姓名", "身份证号", "残疾证号", "补助类型", "第一季度", "第二季度", "第三季度", "第四季度",
         "全年合计"],
        ["城关镇", "东岭村", "张三", ID1, ID1 + "41", "重度残疾人护理补贴", 240, 240, None, None, 480],
        ["城关镇", "西岭村", "李四", ID2, ID2 + "42", "困难残疾人生活补贴", None, 210, 210, 210, 630],
    ]})
    reports = ingest_inbox(inbox, con, CONFIG)
    r = report_for(reports, "2023年残疾人两项补贴.xlsx")
    assert r.extract == "disability_payments", r.message
    assert (r.rows_read, r.rows_loaded, r.rows_quarantined) == (5, 5, 0), r.message
    got = con.execute("SELECT source_row, person_id, subsidy_type, pay_month, period_start, period_end, amount_yuan "
                      "FROM disability_payments ORDER BY source_row, period_start").fetchall()
    q = dt.date
    assert got == [
        (2, ID1, "重度残疾人护理补贴", None, q(2023, 1, 1), q(2023, 3, 1), 240.0),
        (2, ID1, "重度残疾人护理补贴", None, q(2023, 4, 1), q(2023, 6, 1), 240.0),
        (3, ID2, "困难残疾人生活补贴", None, q(2023, 4, 1), q(2023, 6, 1), 210.0),
        (3, ID2, "困难残疾人生活补贴", None, q(2023, 7, 1), q(2023, 9, 1), 210.0),
        (3, ID2, "困难残疾人生活补贴", None, q(2023, 10, 1), q(2023, 12, 1), 210.0)]
    assert "期间列表头未写年份，年份取自文件名“2023年残疾人两项补贴.xls…”（2023年）" in r.message
    assert "不符" not in r.message  # the 全年合计 of both rows agrees


def test_no_year_anywhere_quarantines_every_payment_with_the_reason(tmp_path, con) -> None:
    inbox = inbox_with(tmp_path)
    write_xlsx(inbox / "一卡通.xlsx", {"Sheet1": [
        ["乡镇", "村", "补助项目", "享受对象", "身份证号", "社会保障卡号", "一月", "二月", "三月", "合计"],
        ["城关镇", "东岭村", "耕地地力保护补贴", "张三", ID1, "6214580039285710072", 520.5, None, None, 520.5],
        ["城关镇", "东岭村", "农村低保金", "李四", ID2, "6228489721129989283", 300, 300, 300, 800],
    ]})
    reports = ingest_inbox(inbox, con, CONFIG)
    r = report_for(reports, "一卡通.xlsx")
    assert r.extract == "onecard_payments", r.message
    assert (r.rows_read, r.rows_loaded, r.rows_quarantined) == (4, 0, 4), r.message
    assert "标题、表名、文件名和文件夹名中都找不到年份，无法确定发放年份，各笔发放已隔离" in r.message
    assert "“合计”列与各期间金额之和不符：第3行（各期间之和900元，“合计”800元）" in r.message
    rows = con.execute("SELECT source_row, reason_code, reason FROM quarantine WHERE source_file = '一卡通.xlsx' "
                       "ORDER BY source_row").fetchall()
    assert [(row, code) for row, code, _ in rows] == [(2, "period_no_year"), (3, "period_no_year"),
                                                      (3, "period_no_year"), (3, "period_no_year")]
    assert all("找不到唯一的年份" in reason for _, _, reason in rows)
    assert con.execute("SELECT count(*) FROM onecard_payments").fetchone() == (0,)


def test_words_alike_and_the_person_by_meaning_on_a_long_one_card_list(tmp_path, con) -> None:
    """补助项目 (补助 = 补贴), 享受对象 (the person, by meaning and names under it), 开户名 (the holder),
    社会保障卡号 (社会保障卡 = 社保卡): mapped on a long list too, whatever the layout."""
    inbox = inbox_with(tmp_path)
    write_xlsx(inbox / "2024年一卡通.xlsx", {"Sheet1": [
        ["村", "享受对象", "身份证号", "补助项目", "开户名", "社会保障卡号", "发放年月", "发放金额"],
        ["东岭村", "张三", ID1, "耕地地力保护补贴", "张三", "6214580039285710072", "2024-03", 520.5],
        ["东岭村", "李四", ID2, "农村低保金", "王五", "6228489721129989283", "2024-04", 300],
        ["西岭村", "赵六", ID3, "农村低保金", "赵六", "6228489721129989284", "2024-04", 300],
    ]})
    reports = ingest_inbox(inbox, con, CONFIG)
    r = report_for(reports, "2024年一卡通.xlsx")
    assert (r.extract, r.rows_loaded) == ("onecard_payments", 3), r.message
    assert con.execute("SELECT person_name, item, account_holder, account_no FROM onecard_payments ORDER BY source_row"
                       ).fetchall() == [("张三", "耕地地力保护补贴", "张三", "6214580039285710072"),
                                        ("李四", "农村低保金", "王五", "6228489721129989283"),
                                        ("赵六", "农村低保金", "赵六", "6228489721129989284")]


@pytest.mark.parametrize(("header", "meaning"), [
    ("享受对象", "beneficiary"), ("救助对象", "beneficiary"), ("发放对象姓名", "beneficiary"),
    ("救助对象类型", None), ("对象类别", None), ("开户名", "payee"),
])
def test_the_person_is_meant_only_by_the_last_words(header, meaning) -> None:
    assert meaning_of(header) == meaning


def test_inspect_shows_the_period_columns_and_the_years_source(tmp_path) -> None:
    from connectors.inspect import inspect_inbox

    inbox = inbox_with(tmp_path)
    write_xlsx(inbox / "残疾人补贴.xlsx", {"2023年": [
        ["姓名", "身份证号", "残疾证号", "补贴类型", "上半年", "下半年"],
        ["张三", ID1, ID1 + "41", "护理补贴", 480, 480],
        ["李四", ID2, ID2 + "42", "生活补贴", 420, None],
    ]})
    f = next(x for x in inspect_inbox(inbox, CONFIG) if x.file == "残疾人补贴.xlsx")
    assert f.extract == "disability_payments"
    mapped = [(header, canon) for header, canon, _ in f.columns]
    assert ("“上半年”至“下半年”的表头", "pay_month") in mapped and ("“上半年”至“下半年”的金额", "amount_yuan") in mapped
    assert f.context["年份"] == ("2023", "表名“2023年”")
    assert (f.rows_read, f.rows_loaded, f.rows_quarantined) == (3, 3, 0)
    assert "按期间列读取：第5列“上半年”至第6列“下半年”共2个期间列" in f.message


def test_a_wide_csv_is_unfolded_too(tmp_path, con) -> None:
    from fixtures.connectors.workbooks import write_csv

    inbox = inbox_with(tmp_path)
    write_csv(inbox / "高龄.csv", [
        ["村", "姓名", "身份证号", "年龄", "2024.01", "2024.02", "合计"],
        ["东岭村", "张三", ID1, 84, "100", "", "100"],
        ["东岭村", "李四", ID2, 86, "100", "150", "250"],
    ], "utf-8")
    reports = ingest_inbox(inbox, con, CONFIG)
    r = report_for(reports, "高龄.csv")
    assert (r.extract, r.rows_read, r.rows_loaded) == ("old_age_payments", 3, 3), r.message
    assert con.execute("SELECT source_row, person_id, pay_month, amount_yuan FROM old_age_payments "
                       "ORDER BY source_row, pay_month").fetchall() == [
        (2, ID1, dt.date(2024, 1, 1), 100.0), (3, ID2, dt.date(2024, 1, 1), 100.0), (3, ID2, dt.date(2024, 2, 1), 150.0)]
