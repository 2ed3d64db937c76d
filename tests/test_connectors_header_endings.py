"""Headers read by the longest catalogue wording they end with (登记备案时间 by 备案时间, 与备案对象关系 by
关系): never a person's ID or name, never when the words before the ending are another extract's
(注销类别 is no assistance programme), and only as a weaker reading: a wording or the values win."""

from __future__ import annotations

from fixtures.connectors.workbooks import make_id

from connectors.catalog import load_catalog
from connectors.header_match import by_ending
from connectors.headers import HeaderMatch, Unrecognised, detect_header

CATALOG = load_catalog()


def _index(kind: str) -> dict[str, str]:
    return CATALOG.index(kind)


def test_an_ending_names_a_column_but_never_a_persons_id_or_name() -> None:
    spec = CATALOG.extracts["relative_filings"]
    assert by_ending(spec, _index("relative_filings"), "登记备案时间", CATALOG) == "filing_date"
    assert by_ending(spec, _index("relative_filings"), "首次备案日期", CATALOG) == "filing_date"
    assert by_ending(spec, _index("relative_filings"), "与低保户关系", CATALOG) == "relation"
    assert by_ending(spec, _index("relative_filings"), "亲属所任职务", CATALOG) == "related_position"
    roster = CATALOG.extracts["assistance_roster"]
    assert by_ending(roster, _index("assistance_roster"), "配偶姓名", CATALOG) is None  # no member's name
    assert by_ending(roster, _index("assistance_roster"), "配偶身份证号", CATALOG) is None
    # the words before the ending are a deaths list's (注销日期, 注销原因): not a programme
    assert by_ending(roster, _index("assistance_roster"), "注销类别", CATALOG) is None
    # one character says too little
    assert by_ending(CATALOG.extracts["land_contracts"], _index("land_contracts"), "班组", CATALOG) is None


_NAMES = ["李建华", "王秀英", "张伟", "刘芳", "陈志强", "杨丽", "赵明", "黄桂兰", "周强", "吴敏", "徐涛", "孙燕"]


def _filing_sheet() -> list[list]:
    rows = [["序号", "街道", "社区", "被备案人姓名", "被备案人身份证号码", "亲属（经办人）姓名", "亲属所任职务",
             "同被备案人关系", "首次备案日期"]]
    for i in range(6):
        rows.append([i + 1, "城关街道", "东岭社区", _NAMES[i], make_id("19700101", f"{i:03d}"), _NAMES[-1 - i],
                     "村委会委员", ["子女", "父母", "配偶"][i % 3], f"2023年{i + 1}月5日"])
    return rows


def test_a_filing_list_worded_by_endings_is_no_deaths_list() -> None:
    m = detect_header(_filing_sheet(), CATALOG)
    assert isinstance(m, HeaderMatch), m
    assert m.spec.name == "relative_filings", (m.spec.name, m.score, m.runner_up)
    assert m.runner_up is None or m.score - m.runner_up[1] >= 1.0
    assert m.columns["filing_date"] == 8
    assert m.columns["relation"] == 7
    assert m.columns["related_position"] == 6
    assert m.columns["related_name"] == 5
    assert m.columns["applicant_id"] == 4 and m.columns["applicant_name"] == 3
    assert "death_date" not in m.columns
    assert "结尾" in m.inferred["relation"]
    # columns read by their endings are described in the sheet's column order, whatever the order of
    # the set they are kept in (it changed with the interpreter's string hashing from run to run)
    ended = [c for c, why in m.inferred.items() if "结尾" in why]
    assert len(ended) >= 2
    assert ended == sorted(ended, key=lambda c: m.columns[c])


def test_a_deaths_list_with_a_registration_date_stays_deaths() -> None:
    rows = [["姓名", "公民身份号码", "死亡日期", "户籍登记时间", "与户主关系", "注销类别"]]
    for i in range(6):
        rows.append([f"赵{i}", make_id("19500101", f"{i:03d}"), f"2023-0{i + 1}-02", f"1990-0{i + 1}-01", "户主", "死亡"])
    m = detect_header(rows, CATALOG)
    assert isinstance(m, HeaderMatch), m
    assert m.spec.name == "deaths"
    assert m.columns["death_date"] == 2


def test_two_headers_ending_alike_leave_the_field_unmapped() -> None:
    rows = [["登记备案时间", "变更备案时间", "近亲属姓名", "申请人姓名", "职务"]]
    rows += [["2024-1-1", "2024-2-1", f"王{i}", f"李{i}", "主任"] for i in range(5)]
    m = detect_header(rows, CATALOG)
    assert isinstance(m, (HeaderMatch, Unrecognised))
    if isinstance(m, HeaderMatch):
        assert "filing_date" not in m.columns


def test_kind_words_read_alike_without_colliding() -> None:
    """类别, 类型 and 种类 end a wording alike (补贴种类 is 补贴类别), as 日期 and 时间 do; no two columns
    of one extract have wordings differing by these alone."""
    from connectors.header_match import _ALIKE, _lookup

    assert _lookup(_index("disability_payments"), "补贴种类") == "subsidy_type"
    assert _lookup(_index("disability_payments"), "残疾种类") == "disability_category"
    assert _lookup(_index("assistance_roster"), "救助种类") == "programme"
    for kind in CATALOG.extracts:
        index = _index(kind)
        for word, col in index.items():
            for words in _ALIKE:
                for end in words:
                    if word.endswith(end):
                        for other in words:
                            alt = index.get(word[: -len(end)] + other)
                            assert alt in (None, col), (kind, word, col, alt)


def test_a_disability_list_with_a_subsidy_kind() -> None:
    rows = [["（1）姓名", "（2）公民身份号码", "（3）残疾证编号", "（4）残疾种类", "（5）补贴种类", "（6）发放金额（元）"]]
    for i in range(6):
        rows.append([_NAMES[i], make_id("19700101", f"{i:03d}"), f"61102119700101{i:04d}11", "肢体",
                     "护理补贴", 80])
    m = detect_header(rows, CATALOG)
    assert isinstance(m, HeaderMatch), m
    assert m.spec.name == "disability_payments"
    assert m.columns["subsidy_type"] == 4 and m.columns["disability_category"] == 3


def test_an_end_column_holding_mostly_not_ended_words_is_the_end_date() -> None:
    """离职时间 with 在任 on most rows (values.toml [open_end]) and a date on one: the term's end."""
    rows = [["序号", "村（社区）名称", "1.干部姓名", "2.身份证号码", "3.担任职务", "4.任职起始时间", "5.离职时间"],
            ["甲", "乙", 1, 2, 3, 4, 5]]
    for i in range(8):
        rows.append([i + 1, "东岭村", _NAMES[i], make_id("19700101", f"{i:03d}"), "村委会委员", "2021-1-5",
                     "2023-6-1" if i == 2 else "在任"])
    m = detect_header(rows, CATALOG)
    assert isinstance(m, HeaderMatch), m
    assert m.spec.name == "cadre_roster"
    assert m.columns["term_end_date"] == 6 and m.columns["term_start_date"] == 5


def test_same_words_read_alike_without_colliding() -> None:
    """补助 is 补贴, 社会保障卡 is 社保卡, 帐 is 账 wherever they stand (补助项目, 社会保障卡号, 银行帐号);
    no two columns of one extract have wordings differing by these alone."""
    from connectors.header_match import _lookup
    from connectors.headertext import SAME_WORDS, normalise_header, same_word_variants

    assert _lookup(_index("onecard_payments"), "补助项目") == "item"
    assert _lookup(_index("onecard_payments"), "社会保障卡号") == "account_no"
    assert _lookup(_index("farmland_subsidy"), normalise_header("补助金额")) == "amount_yuan"  # 补助额
    assert _lookup(_index("farmland_subsidy"), "银行帐号") == "account_no"
    assert _lookup(_index("disability_payments"), "补助种类") == "subsidy_type"  # words and endings together
    assert same_word_variants("补助社会保障卡号") == ["补贴社会保障卡号", "补贴社保卡号"]
    for kind in CATALOG.extracts:
        index = _index(kind)
        for word, col in index.items():
            for written, catalogue in SAME_WORDS:
                for a, b in ((written, catalogue), (catalogue, written)):
                    if a in word:
                        alt = index.get(word.replace(a, b))
                        assert alt in (None, col), (kind, word, col, alt)
