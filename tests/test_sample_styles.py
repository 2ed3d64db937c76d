"""`xuncha sample --style`: every style is deterministic, writes its answer keys with the oracle in
agreement, points expected quarantine rows at real cells, and really has the layout features it
promises (read back from the files, not taken from the generator)."""

from __future__ import annotations

import filecmp
import re
import tomllib
import unicodedata
from collections import defaultdict
from pathlib import Path

import pytest
from sample_styles import column_of, header_paths, read_csv_rows, read_dict_csv, sheets, styled_county

from rules.catalog import RULES_BY_ID
from samplegen import EXPECTED_QUARANTINE, GROUND_TRUTH, NEAR_MISSES, generate
from samplegen.styles import STYLE_NAMES, get_style

pytestmark = pytest.mark.slow
NEW_STYLES = [s for s in STYLE_NAMES if s != "default"]
CATALOGUE = Path(__file__).resolve().parent.parent / "connectors" / "extracts.toml"


@pytest.fixture(scope="module", params=STYLE_NAMES)
def county(request, tmp_path_factory):
    inbox, summary = styled_county(tmp_path_factory, request.param)
    return request.param, inbox, summary


@pytest.fixture(scope="module")
def beishan(tmp_path_factory):
    return styled_county(tmp_path_factory, "beishan")[0]


@pytest.fixture(scope="module")
def nanhe(tmp_path_factory):
    return styled_county(tmp_path_factory, "nanhe")[0]


def _normalised(word: str) -> str:
    s = unicodedata.normalize("NFKC", word)
    s = re.sub(r"\s+", "", s).replace("号码", "号")
    return re.sub(r"\([^)]*\)$", "", s)


def _catalogue_words() -> set[str]:
    words: set[str] = set()

    def walk(x) -> None:
        if isinstance(x, str):
            words.add(_normalised(x))
        elif isinstance(x, dict):
            for v in x.values():
                walk(v)
        elif isinstance(x, list):
            for v in x:
                walk(v)
    walk(tomllib.loads(CATALOGUE.read_text(encoding="utf-8")))
    return words


def _one(inbox: Path, pattern: str) -> Path:
    found = sorted(p for p in inbox.rglob("*") if p.is_file() and re.search(pattern, p.as_posix()))
    assert len(found) == 1, (pattern, found)
    return found[0]


def test_unknown_style_is_refused(tmp_path):
    with pytest.raises(ValueError, match="没有名为"):
        generate(tmp_path, villages=12, seed=1, style="nosuch")


@pytest.mark.parametrize("style", NEW_STYLES)
def test_deterministic_for_a_seed(style, tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    generate(a, villages=12, seed=5, style=style)
    generate(b, villages=12, seed=5, style=style)

    def same(c) -> bool:
        _, mismatch, errors = filecmp.cmpfiles(c.left, c.right, c.common_files, shallow=False)
        return not (mismatch or errors or c.left_only or c.right_only) and all(same(s) for s in c.subdirs.values())
    assert same(filecmp.dircmp(a, b))


def test_every_style_writes_its_answer_keys_and_the_oracle_agrees(county):
    style, inbox, summary = county
    for name in (GROUND_TRUTH, NEAR_MISSES, EXPECTED_QUARANTINE):
        assert (inbox / name).exists(), (style, name)
    assert summary["oracle_mismatches"] == [], style
    gt = read_dict_csv(inbox / GROUND_TRUTH)
    nm = read_dict_csv(inbox / NEAR_MISSES)
    assert {r["rule_id"] for r in gt} == set(RULES_BY_ID), style
    assert {r["rule_id"] for r in nm} == set(RULES_BY_ID), style
    assert len(read_dict_csv(inbox / EXPECTED_QUARANTINE)) > 0, style
    for f in summary["files"]:
        assert summary["rows"].get(f, 0) > 0 or "近亲属" in f, (style, f)


def test_expected_quarantine_points_at_real_cells(county):
    style, inbox, _ = county
    for q in read_dict_csv(inbox / EXPECTED_QUARANTINE):
        rows = sheets(inbox / q["file"])[q["sheet"]]
        value = rows[int(q["row"]) - 1][column_of(rows, q["column"])]
        if q["reason_code"] == "id_numeric":
            assert float(value) == float(q["raw_value"]), (style, q)
        elif "\n" in str(value):  # one member's ID on its own line of a household's ID cell (baishui)
            assert q["raw_value"] in str(value).split("\n"), (style, q, value)
        elif str(value).endswith("）") and "（" in str(value):  # 张三（ID） in one cell (lianhua)
            assert str(value).endswith(f"（{q['raw_value']}）"), (style, q, value)
        else:
            assert str(value) == q["raw_value"], (style, q, value)


def test_styles_differ_from_the_default_in_every_restyled_extract(tmp_path_factory):
    default = {p.name for p in styled_county(tmp_path_factory, "default")[0].rglob("*") if p.is_file()}
    for style in NEW_STYLES:
        names = {p.name for p in styled_county(tmp_path_factory, style)[0].rglob("*") if p.is_file()}
        restyled = {w.rel for w in get_style(style).writers if hasattr(w, "rel") and w.__module__.endswith(style)}
        assert restyled and not {Path(r).name for r in restyled} & default, style
        assert len(names - default) >= 5, style


# ---------------------------------------------------------------- group headers


def _group_header(rows: list[list], groups: tuple[str, str], children: tuple[str, str]) -> tuple[int, dict]:
    """The group row: both groups present, each with both children under it."""
    for i, labels in header_paths(rows):
        if all(f"{g}/{c}" in labels for g in groups for c in children):
            return i, labels
    raise AssertionError(f"no two-row header {groups} × {children}")


@pytest.mark.parametrize("style, groups, children", [
    ("beishan", ("户主", "家庭成员"), ("姓名", "身份证号")),
    ("nanhe", ("申请人", "共同生活成员"), ("姓名", "身份证号码")),
])
def test_roster_has_a_group_header_whose_children_repeat(style, groups, children, tmp_path_factory):
    inbox = styled_county(tmp_path_factory, style)[0]
    roster = _one(inbox, r"低保特困.*名册")
    for rows in sheets(roster).values():
        i, labels = _group_header(rows, groups, children)
        child_row = [str(v) for v in rows[i + 1] if v]
        for c in children:
            assert child_row.count(c) == 2, (c, child_row)
        head_id, member_id = labels[f"{groups[0]}/{children[1]}"], labels[f"{groups[1]}/{children[1]}"]
        data = [r for r in rows[i + 2:] if r[member_id]]
        # the member columns hold members, not copies of the head
        assert sum(r[head_id] != r[member_id] for r in data) >= len(data) // 3


# ---------------------------------------------------------------- context only outside the columns


def test_beishan_roster_town_only_in_sheet_name_and_meta_line(beishan):
    roster = _one(beishan, r"低保特困.*花名册")
    for town, rows in sheets(roster).items():
        labels = header_paths(rows)[2][1]
        assert not any("乡镇" in label for label in labels), labels
        meta = " ".join(str(v) for v in rows[1] if v)
        assert f"所属乡镇：{town}" in meta and "填报单位：" in meta
        village = column_of(rows, "村(社区)")
        assert all(str(r[village]).startswith(f"北山县{town}") for r in rows[4:] if r[village] and r[0] != "合计")


def test_beishan_farmland_year_only_in_the_file_name(beishan):
    files = sorted(beishan.glob("农业农村/耕地地力*.xlsx"))
    assert [re.search(r"(20\d\d)年度", f.name).group(1) for f in files] == ["2022", "2023", "2024"]
    for f in files:
        for town, rows in sheets(f).items():
            top = [str(v) for r in rows[:3] for v in r if v is not None]
            assert not any(re.search(r"20\d\d", v) for v in top), top
            assert not any(v in ("年度", "年份", "乡镇") for v in top)
            assert any(v == f"所属乡镇：{town}" for v in top)


def test_nanhe_farmland_year_only_in_sheet_names(nanhe):
    book = sheets(_one(nanhe, r"耕地地力.*\.xlsx$"))
    assert sorted(book) == ["2022年度", "2023年度", "2024年度"]
    for rows in book.values():
        top = [str(v) for r in rows[:2] for v in r if v is not None]
        assert not any(re.search(r"20\d\d", v) for v in top) and "年度" not in top


# jiangkou, lianhua and hekou keep the default statistics workbooks (a 年度 column), jiangkou's filed under 统计局/; baishui writes a workbook
# per year, transposed (test_baishui_statistics_transposed_a_village_per_column)
@pytest.mark.parametrize("style", [s for s in NEW_STYLES if s not in ("jiangkou", "baishui", "lianhua", "hekou")])
def test_statistics_table_has_no_year_column_but_titles_with_the_year(style, tmp_path_factory):
    inbox = styled_county(tmp_path_factory, style)[0]
    book = sheets(_one(inbox, r"统计/.*\.xlsx$"))
    years = []
    for rows in book.values():
        assert not {"年度", "年份", "统计年度"} & {str(v) for v in rows[1]}
        years.append(re.search(r"(20\d\d)年", str(rows[0][0])).group(1))
    assert sorted(years) == ["2023", "2024"]


# ---------------------------------------------------------------- periods and header wordings


@pytest.mark.parametrize("style, account, wanted, monthly", [
    ("beishan", "卡折号", {"2024年度", "2024年第二季度", "2024年7-12月"}, r"^2024\.\d\d$"),
    ("nanhe", "收款账户", {"2024年度", "2024年第四季度", "2024年第三季度", "2024年1-6月"}, r"^2024\d\d$"),
])
def test_onecard_periods_and_an_account_heading_not_in_the_catalogue(style, account, wanted, monthly, tmp_path_factory):
    inbox = styled_county(tmp_path_factory, style)[0]
    rows = read_csv_rows(_one(inbox, r"财政/.*一卡通.*\.csv$"))
    assert account in rows[0] and _normalised(account) not in _catalogue_words()
    period = next(i for i, h in enumerate(rows[0]) if h in ("发放批次", "发放年月"))
    values = {r[period] for r in rows[1:]}
    assert wanted <= values
    assert any(re.match(monthly, v) for v in values)
    acct = rows[0].index(account)
    assert all(re.fullmatch(r"\d{16,19}", r[acct]) for r in rows[1:])


def test_nanhe_farmland_id_and_account_headings_not_in_the_catalogue(nanhe):
    rows = sheets(_one(nanhe, r"耕地地力.*\.xlsx$"))["2024年度"]
    words = _catalogue_words()
    for heading in ("身份证明号码", "收款账户"):
        assert heading in rows[1] and _normalised(heading) not in words


# ---------------------------------------------------------------- villages


def test_beishan_villages_same_names_in_two_towns_and_a_former_name(beishan):
    rows = sheets(_one(beishan, r"统计/.*\.xlsx$"))["表2"]
    town, village, former = (column_of(rows, h) for h in ("乡镇", "村(居)委会", "曾用名"))
    data = [r for r in rows[2:] if r[town]]
    towns_of = defaultdict(set)
    for r in data:
        towns_of[r[village]].add(r[town])
    assert any(len(t) == 2 for t in towns_of.values()), "no village name shared by two towns"
    formers = {r[former] for r in data if r[former]}
    assert len(formers) == 2 and not formers & set(towns_of)
    roster_villages = {str(r[1]) for rows in sheets(_one(beishan, r"低保特困.*花名册")).values() for r in rows[4:]}
    assert all(any(name in v for v in roster_villages) for name in formers)
    ledger_units = {str(r[0]) for f in beishan.glob("农业农村/村级财务/*.xlsx") for rows in sheets(f).values()
                    for r in rows[2:]}
    assert all(u.startswith("北山县") and u.endswith("村村民委员会") for u in ledger_units)


# ---------------------------------------------------------------- ledgers


def test_beishan_voucher_numbers_restart_every_month_and_compensation_goes_through_the_ledger(beishan):
    assert not list(beishan.rglob("*青苗*")), "beishan has no compensation roster"
    months_of = defaultdict(set)
    compensation = set()
    for f in beishan.glob("农业农村/村级财务/*.xlsx"):
        for rows in sheets(f).values():
            unit, date, no, summary, payee = (column_of(rows, h) for h in ("核算单位", "凭证日期", "凭证号", "摘要", "收款人"))
            for r in rows[2:]:
                if r[no] is None:
                    continue
                assert re.fullmatch(r"记-\d+", r[no]), r[no]
                months_of[(r[unit], r[no])].add((r[date].year, r[date].month))
                if "青苗补偿" in str(r[summary]) and r[payee]:
                    compensation.add((r[unit], r[payee]))
    assert max(len(m) for m in months_of.values()) >= 12
    register = read_dict_csv(_one(beishan, r"户籍人口"))
    name_of = {r["公民身份号码"]: r["姓名"] for r in register}
    d09 = [r for r in read_dict_csv(beishan / GROUND_TRUTH) if r["rule_id"] == "D09"]
    assert d09
    for r in d09:
        assert any(payee == name_of[r["subject_key"]] for _, payee in compensation), r


def test_nanhe_voucher_word_and_number_in_two_columns_restarting_monthly(nanhe):
    files = sorted(nanhe.glob("农业农村/村级财务/*.csv"))
    assert len(files) == 2
    for f in files:
        rows = read_csv_rows(f)
        header = rows[0]
        assert "凭证字" in header and "凭证号" in header and not any("乡镇" in h for h in header)
        town = f.name.split("凭证")[0]
        unit, date, no = header.index("核算单位"), header.index("凭证日期"), header.index("凭证号")
        assert not any(town in r[unit] for r in rows[1:])
        firsts = {r[date][:7] for r in rows[1:] if r[no] == "1"}
        assert len(firsts) >= 24


# ---------------------------------------------------------------- dongling


@pytest.fixture(scope="module")
def dongling(tmp_path_factory):
    return styled_county(tmp_path_factory, "dongling")[0]


def test_dongling_roster_three_row_header_subtotals_and_spaced_total(dongling):
    rows = sheets(dongling / "民政/2024年度/低保花名册.xlsx")["花名册"]
    top, sub, leaf = rows[2], rows[3], rows[4]
    assert top[:4] == ["序号", "乡镇（街道）", "村（居）委会", "救助对象"] and "保障情况" in top
    assert sub[3] == "户主" and sub[5] == "家庭成员情况" and "保障类别" in sub
    assert [str(v) for v in leaf if v].count("姓名") == 2 and [str(v) for v in leaf if v].count("身份证号") == 2
    labels = header_paths(rows)[3][1]
    head_id, member_id = labels["户主/身份证号"], labels["家庭成员情况/身份证号"]
    data = [r for r in rows[5:] if isinstance(r[0], int)]
    assert sum(r[head_id] != r[member_id] for r in data) >= len(data) // 3
    assert all(re.fullmatch(r"东陵县.+镇.+村民委员会", r[2]) for r in data)
    subtotals = [r for r in rows if r[0] == "小计"]
    assert len(subtotals) == 24 and sum(int(r[9][:-1]) for r in subtotals) == len(data)
    assert [r[9] for r in rows if r[0] == "合  计"] == [f"{len(data)}人"]
    assert not any(re.search(r"20\d\d", str(v)) for r in rows[:2] for v in r if v)


def test_dongling_years_only_in_folder_names(dongling):
    files = sorted(dongling.glob("农业农村/耕地地力保护补贴/*/*.xlsx"))
    assert [f.parent.name for f in files] == ["2022年度", "2023年度", "2024年度"]
    assert {f.name for f in files} == {"补贴发放清册.xlsx"}
    for f in files:
        rows = sheets(f)["清册"]
        top = [str(v) for r in rows[:4] for v in r if v is not None]
        assert not any(re.search(r"20\d\d", v) for v in top) and "年度" not in top
        assert "乡镇（街道）" in top
        assert sum(r[0] == "小计" for r in rows) == 24 and rows[-2][0] == "合  计"
    assert sorted(p.parent.name for p in dongling.glob("农业农村/村级财务/*/*.xlsx")) == \
        ["2022年度"] * 2 + ["2023年度"] * 2 + ["2024年度"] * 2


def test_dongling_ledger_voucher_words_and_dates_in_three_columns(dongling):
    restarts = 0
    for f in dongling.glob("农业农村/村级财务/*/*.xlsx"):
        year = int(f.parent.name[:4])
        for village, rows in sheets(f).items():
            assert rows[0][0].startswith("核算单位：东陵县") and village in rows[0][0]
            assert rows[1][:4] == ["凭证日期", None, None, "凭证字号"] and rows[2][:3] == ["年", "月", "日"]
            data = [r for r in rows[3:] if isinstance(r[0], int)]
            assert data and all(r[0] == year and 1 <= r[1] <= 12 and 1 <= r[2] <= 31 for r in data)
            assert all(re.fullmatch(r"记字第\d{3}号", r[3]) for r in data)
            restarts += len({r[1] for r in data if r[3] == "记字第001号"}) >= 6
    assert restarts >= 24 * 3 // 2


def test_dongling_town_rows_without_the_word_total(dongling):
    book = sheets(dongling / "民政/2024年度/高龄补贴发放名册.xls")
    for town, rows in book.items():
        data = [r for r in rows[2:] if r[3]]
        town_rows = [r for r in rows if r[1] == town and not r[3]]
        assert len(town_rows) == 1 and not any("合计" in str(v) for v in town_rows[0])
        assert town_rows[0][8] == pytest.approx(sum(r[8] for r in data))
        assert all(re.fullmatch(r"2024\d\d", r[7]) for r in data)
        assert not any(str(r[2]).endswith("村") for r in data)
    basics = sheets(_one(dongling, r"统计/.*\.xlsx$"))["2024"]
    assert sum(r[0] is None and r[1] in book and r[2] is None for r in basics) == 2


def test_dongling_onecard_group_header_and_periods(dongling):
    rows = sheets(dongling / "财政/2024年度/一卡通发放明细.xlsx")["发放明细"]
    labels = header_paths(rows)[1][1]
    assert {"补贴对象/姓名", "收款人信息/姓名", "补贴信息/所属期间"} <= set(labels)
    periods = {r[labels["补贴信息/所属期间"]] for r in rows[3:]}
    assert {"2024年上半年", "2024年下半年", "2024年第四季度"} <= periods
    assert any(re.fullmatch(r"2024\.\d\d", p) for p in periods)
    disability = sheets(dongling / "民政/2024年度/残疾人两项补贴发放表.xlsx")
    for rows in disability.values():
        assert "2024年" in rows[0][0]
        month = header_paths(rows)[1][1]["补贴信息/月份"]
        assert all(re.fullmatch(r"\d{1,2}月", r[month]) for r in rows[3:] if isinstance(r[0], int))


# ---------------------------------------------------------------- qingshui


@pytest.fixture(scope="module")
def qingshui(tmp_path_factory):
    return styled_county(tmp_path_factory, "qingshui")[0]


def test_qingshui_roster_is_xls_with_town_blocks_lanci_rows_and_vertical_merges(qingshui):
    import xlrd

    path = qingshui / "民政/清水县城乡低保对象花名册（2024年12月）.xls"
    rows = sheets(path)["花名册"]
    headers = [i for i, r in enumerate(rows) if r[2] == "1.户主姓名"]
    assert len(headers) == 2  # one block per town, the header repeated
    for h in headers:
        assert rows[h + 1][:4] == ["甲", "乙", 1.0, 2.0]  # the 栏次 row under the header
        assert re.fullmatch(r".+镇人民政府", rows[h - 2][0]) and rows[h - 1][0].startswith("填报单位：")
    assert rows[headers[1] - 3] == [""] * len(rows[0]) and rows[headers[1] - 4] == [""] * len(rows[0])
    sheet = xlrd.open_workbook(path, formatting_info=True).sheet_by_index(0)
    village_runs = [(r1, r2) for r1, r2, c1, c2 in sheet.merged_cells if (c1, c2) == (1, 2) and r2 - r1 > 1]
    assert len(village_runs) >= 20
    for r1, r2 in village_runs:
        name = rows[r1][1]
        assert re.fullmatch(r".+(村村委会|社区居委会)", name)
        assert all(rows[i][1] == "" and rows[i][3] for i in range(r1 + 1, r2))


def test_qingshui_farmland_merges_town_and_village_down_and_numbers_headers(qingshui):
    import openpyxl

    path = qingshui / "农业农村/耕地地力保护补贴资金兑付清册（2022-2024年）.xlsx"
    ws = openpyxl.load_workbook(path)["2024年度"]
    assert ws.cell(3, 3).value == "（1）村民小组" and ws.cell(3, 5).value == "（3）农户身份证号"
    assert [ws.cell(4, c).value for c in range(1, 5)] == ["甲", "乙", 1, 2]
    ranges = [m for m in ws.merged_cells.ranges if m.min_row > 4]
    towns = [m for m in ranges if m.min_col == m.max_col == 1]
    villages = [m for m in ranges if m.min_col == m.max_col == 2]
    assert len(towns) == 2 and len(villages) == 24
    assert all(re.fullmatch(r".+(行政村|社区居委会)", ws.cell(m.min_row, 2).value) for m in villages)
    assert sum(m.max_row - m.min_row + 1 for m in villages) == sum(m.max_row - m.min_row + 1 for m in towns)


def test_qingshui_income_in_wan_yuan_is_exact_and_register_is_tab_separated(qingshui):
    rows = sheets(qingshui / "统计/清水县村级综合统计年报（2023-2024）.xlsx")["2024年"]
    col = rows[2].index("5.农村居民人均可支配收入（万元）")
    data = [r for r in rows[4:] if r[0] and str(r[0]).isdigit()]
    assert len(data) == 24
    for r in data:
        yuan = round(r[col] * 10000, 2)
        assert 1 < r[col] < 2 and yuan == round(yuan, -1), r
    raw = (qingshui / "公安/人口信息管理系统导出_户籍人口.txt").read_bytes().decode("gbk").splitlines()
    assert raw[0].split("\t")[:3] == ["户号", "姓名", "身份证号"]
    assert all(re.fullmatch(r"\d{4}-\d{1,2}-\d{1,2} 0:00:00", line.split("\t")[4]) for line in raw[1:200])
    onecard = read_csv_rows(qingshui / "财政/一卡通系统发放数据导出2024.csv")
    months = {r[3] for r in onecard[1:]}
    assert "2024年03月" in months and "2024年度" in months and "2024年下半年" in months


# ---------------------------------------------------------------- jiangkou


@pytest.fixture(scope="module")
def jiangkou(tmp_path_factory):
    return styled_county(tmp_path_factory, "jiangkou")[0]


def test_jiangkou_roster_merges_household_cells_down_over_member_rows(jiangkou):
    import openpyxl

    path = jiangkou / "民政局/2024年/江口县2024年低保特困花名册（12月）.xlsx"
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames[0] == "填表说明" and len(wb.sheetnames) == 3
    assert all(ws.sheet_state == "visible" for ws in wb.worksheets)
    for ws in wb.worksheets[1:]:
        header = [c.value for c in ws[3]]
        head_id, member_id = header.index("户主身份证号码") + 1, header.index("成员身份证号") + 1
        village, amount = header.index("村（居）") + 1, header.index("月保障金额") + 1
        runs = [m for m in ws.merged_cells.ranges if m.min_row > 3 and m.min_col == m.max_col == head_id]
        assert len(runs) >= 30
        members = 0
        for m in runs:
            head = ws.cell(m.min_row, head_id).value
            # the household cells are merged over exactly the same rows
            for col in (1, 2, village, header.index("户主姓名") + 1, amount):
                assert any(x.min_row == m.min_row and x.max_row == m.max_row and x.min_col == col
                           for x in ws.merged_cells.ranges), (ws.title, m, col)
            assert re.fullmatch(r"江口县.+镇.+村", ws.cell(m.min_row, village).value)
            assert re.fullmatch(r"\d{1,3}(,\d{3})*\.\d{2}元", ws.cell(m.min_row, amount).value)
            for row in range(m.min_row + 1, m.max_row + 1):
                assert ws.cell(row, head_id).value is None  # only the first row holds the head's ID
                assert ws.cell(row, member_id).value not in (None, head)  # members carry their own IDs
                members += 1
        assert members >= 40


def test_jiangkou_onecard_is_wide_with_month_columns_and_a_summary_sheet_first(jiangkou):
    path = jiangkou / "财政局/2024年/江口县2024年一卡通发放台账.xlsx"
    book = sheets(path)
    assert list(book) == ["汇总", "2024年"]
    rows = book["2024年"]
    header = rows[2]
    months = [header.index(f"{m}月") for m in range(1, 13)]
    total, ident, item, village = header.index("合计"), header.index("身份证号码"), header.index("补助项目"), \
        header.index("村")
    data = [r for r in rows[3:] if isinstance(r[0], int)]
    paid = 0
    for r in data:
        amounts = [r[c] for c in months if r[c] is not None]
        assert amounts and abs(sum(amounts) - r[total]) < 0.01, r
        assert not str(r[village]).endswith("村")  # bare village stems
        paid += len(amounts)
    assert paid == json_rows(jiangkou, path)
    # a person paid twice in one month for one item has a second row
    seen: dict[tuple, list] = defaultdict(list)
    for r in data:
        seen[(r[ident], r[item])].append([r[c] is not None for c in months])
    assert any(any(a and b for a, b in zip(x, y, strict=True)) for v in seen.values() for i, x in enumerate(v)
               for y in v[i + 1:])
    summary = book["汇总"]
    assert summary[1][:3] == ["序号", "乡镇", "村"] and sum(r[4] for r in summary[2:] if isinstance(r[0], int)) == paid


def json_rows(inbox: Path, path: Path) -> int:
    import json

    facts = json.loads((inbox.parent / "summary.json").read_text(encoding="utf-8"))
    return facts["rows"][path.relative_to(inbox).as_posix()]


def test_jiangkou_spaced_names_id_slips_yuan_text_and_village_forms(jiangkou):
    book = sheets(jiangkou / "民政局/2024年/江口县2024年高龄补贴发放表.xlsx")
    assert list(book)[0] == "填表说明"
    names, ids = [], []
    for rows in list(book.values())[1:]:
        header = rows[1]
        name, ident, village, amount = (header.index(h) for h in ("老人姓名", "身份证号码", "村委会", "发放金额"))
        data = [r for r in rows[2:] if isinstance(r[0], int)]
        assert all(r[village].endswith("村委会") for r in data)
        assert all(re.fullmatch(r"\d[\d,]*\.\d{2}元", r[amount]) for r in data)
        names += [r[name] for r in data]
        ids += [r[ident] for r in data]
    assert any(re.fullmatch(r"\w\u3000\w", n) for n in names)
    assert any(re.fullmatch(r"\w \w \w", n) for n in names)
    plain = {i for i in ids if re.fullmatch(r"\d{17}[\dX]", i)}
    fullwidth = [i for i in ids if re.search("[０-９]", i)]
    spaced = [i for i in ids if " " in i]
    assert 0 < len(fullwidth) < len(ids) // 20 and 0 < len(spaced) < len(ids) // 20
    # the same people, their other months written plainly
    assert all(unicodedata.normalize("NFKC", i) in plain for i in fullwidth)
    assert all(i.replace(" ", "") in plain for i in spaced)


def test_jiangkou_files_by_department_and_year_and_headings_not_in_the_catalogue(jiangkou):
    files = [p.relative_to(jiangkou).as_posix() for p in jiangkou.rglob("*") if p.is_file() and p.suffix != ".csv"
             or p.suffix == ".csv" and "/" in p.relative_to(jiangkou).as_posix()]
    top = {f.split("/")[0] for f in files}
    assert {"民政局", "财政局", "农业农村局", "统计局", "公安局", "组织部"} <= top
    assert sum(f.startswith(("民政局/2024年/", "财政局/2024年/")) for f in files) >= 5
    words = _catalogue_words()
    for heading in ("救助对象类型", "批准享受时间", "保障成员姓名", "享受状态", "补助项目", "享受对象", "开户名",
                    "社会保障卡号", "享受月份"):
        assert _normalised(heading) not in words, heading
    roster = sheets(jiangkou / "民政局/2024年/江口县2024年低保特困花名册（12月）.xlsx")["城关镇"]
    onecard = sheets(jiangkou / "财政局/2024年/江口县2024年一卡通发放台账.xlsx")["2024年"]
    for rows, heading in ((roster, "保障成员姓名"), (roster, "批准享受时间"), (onecard, "补助项目"),
                          (onecard, "社会保障卡号")):
        column_of(rows, heading)


# ---------------------------------------------------------------- baishui


@pytest.fixture(scope="module")
def baishui(tmp_path_factory):
    return styled_county(tmp_path_factory, "baishui")[0]


def test_baishui_roster_one_row_per_household_members_in_one_cell_status_in_sheet_name(baishui):
    path = baishui / "民政/白水县低收入人口信息平台导出_低保特困家庭.xlsx"
    book = sheets(path)
    assert list(book) == ["在保家庭", "已退出家庭"]
    members = 0
    for name, rows in book.items():
        header = rows[2]
        assert "状态" not in " ".join(str(h) for h in header)  # the status is only in the sheet name
        assert ("退出日期" in header) == (name == "已退出家庭")
        names, ids, rels = (header.index(h) for h in ("家庭成员", "家庭成员证件号码", "与户主关系"))
        approval = header.index("审批日期")
        data = [r for r in rows[3:] if isinstance(r[0], int)]
        for r in data:
            listed = r[names].split("、")
            assert len(listed) == len(r[ids].split("\n")) == len(r[rels].split("、")), r
            assert re.fullmatch(r"\d{2}\.\d{2}\.\d{2}", r[approval]), r  # two-digit year
            members += len(listed)
        if name == "在保家庭":
            assert sum(len(r[names].split("、")) > 2 for r in data) >= 20  # households, not member rows
        else:
            assert data and all(re.fullmatch(r"\d{2}\.\d{2}\.\d{2}", r[header.index("退出日期")]) for r in data)
    assert members == json_rows(baishui, path)  # every canonical member row is in some household cell


def test_baishui_system_exports_have_a_field_code_row_and_two_digit_years(baishui):
    onecard = read_csv_rows(baishui / "财政/惠民惠农一卡通系统_发放明细导出（2024年）.csv")
    assert onecard[0][:7] == ["XH", "BZXM", "FFNY", "XZ", "CUN", "XM", "GMSFHM"]
    assert onecard[1][:3] == ["序号", "补助项目", "发放年月"]
    month, day = onecard[1].index("发放年月"), onecard[1].index("到账日期")
    assert all(re.fullmatch(r"24年\d{1,2}月", r[month]) and re.fullmatch(r"24\.\d{2}\.\d{2}", r[day])
               for r in onecard[2:])
    register = read_csv_rows(baishui / "公安/人口管理信息系统_户籍人口导出.csv")
    assert register[0][:3] == ["HH", "XM", "GMSFHM"] and register[1][:3] == ["户号", "姓名", "公民身份号码"]
    deaths = read_csv_rows(baishui / "民政/公安推送_死亡注销人员名单.csv")
    assert deaths[0][4] == "SWRQ" and deaths[1][4] == "死亡日期"
    assert all(re.fullmatch(r"2[2-4]\.\d{2}\.\d{2}", r[4]) for r in deaths[2:])


def test_baishui_statistics_transposed_a_village_per_column(baishui):
    book = sheets(baishui / "统计/白水县2024年村级基本情况统计年报.xlsx")
    assert list(book) == ["城关镇", "河西镇"]
    villages = 0
    for rows in book.values():
        header = rows[2]
        assert header[:2] == ["指标名称", "计量单位"] and header[-1] == "全镇合计"
        assert all(str(v).endswith("村") for v in header[2:-1])
        by = {r[0]: r for r in rows[3:] if r[0]}
        codes = by["统计用区划代码"][2:-1]
        assert all(re.fullmatch(r"\d{12}", c) for c in codes)
        people = by["户籍人口"]
        assert people[-1] == sum(people[2:-1])
        villages += len(codes)
    assert villages == 24


def test_baishui_vouchers_numbered_per_word_and_month_and_cadre_family_in_one_cell(baishui):
    rows = sheets(baishui / "农业农村/村级财务/白水县城关镇村级会计凭证明细（2022-2024年）.xlsx")["凭证明细"]
    header = rows[2]
    no, date, unit, subject = (header.index(h) for h in ("凭证字号", "凭证日期", "核算单位", "科目名称"))
    data = [r for r in rows[3:] if r[date] is not None and r[no]]
    assert {r[no].split("-")[0] for r in data} == {"收", "付", "转"} or {r[no].split("-")[0] for r in data} == {"收", "付"}
    # each word numbered from 1 in every month of every village: 付-1 and 收-1 both occur in one month
    firsts = defaultdict(set)
    for r in data:
        if r[no].endswith("-1"):
            firsts[(r[unit], r[date].year, r[date].month)].add(r[no])
    assert any({"收-1", "付-1"} <= v for v in firsts.values())
    assert {"库存现金", "银行存款"} <= {r[subject] for r in data}
    cadres = sheets(baishui / "组织部/白水县村（社区）“两委”干部花名册.xlsx")["两委干部"]
    family = cadres[1].index("主要家庭成员")
    cells = [r[family] for r in cadres[2:] if isinstance(r[0], int)]
    assert len(cells) >= 100
    assert sum(bool(re.fullmatch(r"(\w+：[\w·]+)(；\w+：[\w·]+)*", c)) for c in cells) >= len(cells) * 0.8
    assert any("配偶：" in c for c in cells) and any(re.search("(父亲|母亲)：", c) for c in cells)


# ---------------------------------------------------------------- lianhua


@pytest.fixture(scope="module")
def lianhua(tmp_path_factory):
    return styled_county(tmp_path_factory, "lianhua")[0]


PACK = "民政/莲花县民政局2024年民生数据包.xlsx"


def test_lianhua_one_workbook_a_sheet_per_extract_and_a_roster_printed_in_pages(lianhua):
    book = sheets(lianhua / PACK)
    assert list(book) == ["表1 低保特困对象", "表2 残疾人两项补贴", "表3 高龄补贴", "表4 死亡人员", "表5 村两委干部"]
    rows = book["表1 低保特困对象"]
    header = rows[2]
    assert header[:3] == ["序号", "乡镇", "村（社区）"]
    repeats = [i for i, r in enumerate(rows) if r == header]
    assert len(repeats) >= 3  # the header again at the top of every printed page
    subtotals = [r for r in rows if r[0] == "本页小计"]
    assert len(subtotals) == len(repeats)  # each page closed by its 本页小计, the last one before 合计
    data = [r for r in rows if isinstance(r[0], int)]
    assert len(data) == json_rows(lianhua, lianhua / PACK) - sum(
        len([r for r in book[s] if isinstance(r[0], int)]) for s in ("表2 残疾人两项补贴", "表3 高龄补贴", "表4 死亡人员")
    ) - sum(1 for r in book["表5 村两委干部"] if str(r[0]).startswith("身份证号："))
    # pages of 50 rows: between two headers exactly 50 data rows and one 本页小计
    a, b = repeats[0], repeats[1]
    assert sum(isinstance(r[0], int) for r in rows[a + 1:b]) == 50 and rows[b - 1][0] == "本页小计"
    amount = header.index("月保障金（元）")
    assert rows[b - 1][amount] == round(sum(r[amount] for r in rows[a + 1:b - 1]), 2)
    assert [r[0] for r in rows if r[0] == "合计"] == ["合计"]


def test_lianhua_name_and_id_in_one_cell_and_places_only_as_codes(lianhua):
    book = sheets(lianhua / PACK)
    old = book["表3 高龄补贴"]
    col = old[1].index("姓名（身份证号）")
    cells = [r[col] for r in old[2:] if isinstance(r[0], int)]
    assert len(cells) > 500 and "身份证号" not in old[1][:col] + old[1][col + 1:]
    # 18-digit IDs, and the 15-digit ones some elderly people still carry; only the quarantined rows differ
    plain = sum(bool(re.fullmatch(r"[\w·・ 　]+（(\d{15}|\d{17}[\dX])）", c)) for c in cells)
    quarantined = [q for q in read_dict_csv(lianhua / EXPECTED_QUARANTINE) if q["sheet"] == "表3 高龄补贴"]
    assert quarantined and plain == len(cells) - len(quarantined)
    deaths = book["表4 死亡人员"]
    assert deaths[1][-2:] == ["乡镇（街道）区划代码", "村（居）区划代码"]
    data = [r for r in deaths[2:] if isinstance(r[0], int)]
    assert data and all(re.fullmatch(r"\d{9}", r[-2]) and re.fullmatch(r"\d{12}", r[-1]) and r[-1].startswith(r[-2])
                        for r in data)
    assert not any("镇" in str(v) or "村" in str(v) for r in data for v in r)  # no place names at all
    # every code is one a careful reader can resolve: the statistics list it with the village's name
    stats = sheets(lianhua / "统计/村基本情况表2024.xlsx")["村基本情况"]
    code = column_of(stats, "统计用区划代码")
    assert {r[-1] for r in data} <= {str(r[code]) for r in stats}


def test_lianhua_cadres_on_cards_and_onecard_csv_with_comments_bom_and_trailing_commas(lianhua):
    cards = sheets(lianhua / PACK)["表5 村两委干部"]
    cells = [r[0] for r in cards[2:]]
    blocks = "\n".join("" if c is None else c for c in cells).strip().split("\n\n")
    assert len(blocks) >= 100
    for b in blocks:
        labels = [line.split("：", 1)[0] for line in b.split("\n")]
        assert labels == ["乡镇", "村（社区）", "姓名", "身份证号", "职务", "任职时间", "离任时间"], b
    assert all(v is None for r in cards for v in r[1:])  # one cell per line, nothing beside it
    path = lianhua / "财政/莲花县惠民惠农补贴一卡通发放明细（2024年度）.csv"
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    lines = raw.decode("utf-8-sig").split("\r\n")
    assert lines[0].startswith("莲花县惠民惠农") and lines[1].startswith("导出时间：") and lines[4].startswith("序号,")
    assert all(line.endswith(",") for line in lines if line)
    rows = read_csv_rows(path)
    assert len(rows) - 5 == json_rows(lianhua, path)
