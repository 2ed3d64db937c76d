"""Recognition margins: a sheet is recognised by what its columns mean, so the right kind wins
clearly; 入职时间 beside 减员时间 is no death date; a group's words name the person (关联村干部 / 姓名 is
the related cadre); and a real tie is still reported, never guessed."""

from __future__ import annotations

from fixtures.connectors.workbooks import make_id

from connectors.catalog import load_catalog
from connectors.headers import HeaderMatch, Unrecognised, detect_header

CATALOG = load_catalog()
MARGIN = 1.0


def _people(n: int, *cells) -> list[list]:
    return [[f"张{i}", make_id("19800101", f"{i:03d}"), *cells] for i in range(n)]


def _clear_winner(m, kind: str) -> None:
    assert isinstance(m, HeaderMatch), m
    assert m.spec.name == kind
    assert m.runner_up is None or m.score - m.runner_up[1] >= 2 * MARGIN, (m.score, m.runner_up)


def test_a_payroll_with_two_unfamiliar_date_headers() -> None:
    """入职时间 is 入职日期 (时间 and 日期 alike); 入职时间 and 减员时间 together say nothing of a death."""
    rows = [["姓名", "公民身份号码", "工作单位", "人员身份", "入职时间", "减员时间"]]
    rows += _people(6, "县民政局", "在编", "2015年9月1日", "2023年3月1日")
    m = detect_header(rows, CATALOG)
    _clear_winner(m, "payroll")
    assert m.columns["start_date"] == 4
    assert "death_date" not in m.columns


def test_a_payroll_worded_otherwise() -> None:
    rows = [["姓名", "身份证号", "所在单位", "编制类型", "参加工作时间", "调出时间"]]
    rows += _people(6, "城关镇人民政府", "事业", "2010-07-01", "2020-01-01")
    m = detect_header(rows, CATALOG)
    _clear_winner(m, "payroll")
    assert m.columns["start_date"] == 4


def _filings(group: str) -> list[list]:
    rows = [["乡镇（街道）", "村（居）委会", "申请人", None, group, None, None, "备案时间"],
            [None, None, "姓名", "身份证号", "姓名", "职务", "亲属关系", None]]
    for i in range(5):
        rows.append(["城关镇", "东岭村", f"李{i}", make_id("19700101", f"{i:03d}"), f"王{i}", "村委会主任", "兄弟",
                     "2024年3月5日"])
    return rows


def _merges() -> list:
    return [((0, 0), (1, 0)), ((0, 1), (1, 1)), ((0, 2), (0, 3)), ((0, 4), (0, 6)), ((0, 7), (1, 7))]


def test_a_filing_whose_cadre_group_says_who_the_name_is() -> None:
    for group in ("关联村干部（经办人）", "涉及村干部", "近亲属（村干部）"):
        m = detect_header(_filings(group), CATALOG, _merges())
        _clear_winner(m, "relative_filings")
        assert m.columns["related_name"] == 4 and m.columns["applicant_name"] == 2, group


def test_a_real_tie_is_reported_with_the_line_that_settles_it() -> None:
    """Name, ID, a death date and a position: as much a death list as a cadre roster. Not guessed."""
    rows = [["姓名", "身份证号", "死亡日期", "职务"]] + _people(5, "2023-05-01", "村委会委员")
    m = detect_header(rows, CATALOG)
    assert isinstance(m, Unrecognised)
    assert "无法确定数据类型" in m.reason and "[connectors.pin]" in m.reason
    assert m.config_lines and "deaths" in m.config_lines[0] and "cadre_roster" in m.config_lines[0]


def test_a_payroll_with_a_column_number_row_and_few_end_dates() -> None:
    """The 栏次 row under the header (甲 1 2 3 …) is no value: 2 dates under 减员日期 are all its values,
    so it is the end date, and 报到时间, the one date left, the start: not a death date (qingshui 统发人员)."""
    rows = [["序号", "姓名", "公民身份号码", "工作单位", "人员类型", "报到时间", "减员日期"],
            ["甲", 1, 2, 3, 4, 5, 6]]
    for i, person in enumerate(_people(20, "县教育局", "事业", "2012-9-1")):
        rows.append([i + 1, *person, "2021-6-30" if i in (3, 11) else None])
    m = detect_header(rows, CATALOG)
    _clear_winner(m, "payroll")
    assert m.columns["end_date"] == 6
    assert m.columns["start_date"] == 5


def test_a_payroll_whose_only_date_says_nothing_is_still_a_tie() -> None:
    """The same list without its end date: one date of no specific meaning is a death date as well as
    a payroll's start or end; the tie is reported, not settled by guessing."""
    rows = [["序号", "姓名", "公民身份号码", "工作单位", "人员类型", "时间"], ["甲", 1, 2, 3, 4, 5]]
    rows += [[i + 1, *p] for i, p in enumerate(_people(20, "县教育局", "事业", "2012-9-1"))]
    m = detect_header(rows, CATALOG)
    assert isinstance(m, Unrecognised), m
    assert "payroll" in m.reason or "财政供养" in m.reason
    assert "pin" in m.reason
