"""Village matching: code, exact after suffix/town stripping, configured alias, fuzzy with a threshold."""

from __future__ import annotations

import polars as pl
import pytest
from fixtures.connectors.workbooks import BASICS

from connectors.villages import VillageIndex, assign, village_core

REF = pl.DataFrame(
    [r[:3] for r in BASICS[1:]], schema=["village_code", "town_raw", "village_raw"], orient="row"
)
DONGLING, XILING, SHIMEN_DONGLING, HONGXING = (r[0] for r in BASICS[1:])


def index(**kw) -> VillageIndex:
    return VillageIndex.build(REF, **kw)


@pytest.mark.parametrize("name", ["东岭村", "东岭", "东岭村委会", "东岭村民委员会", "东岭村村委会", "东岭村村民委员会",
                                  " 东岭村 ", "城关镇东岭村", "城关东岭村", "东岭村股份经济合作社", "城关镇东岭村村民委员会"])
def test_exact_after_suffix_and_town_stripping(name) -> None:
    assert index().match("城关镇", name, None) == (DONGLING, "exact")


def test_town_prefix_in_the_village_name_decides_the_town() -> None:
    assert index().match(None, "石门镇东岭村", None) == (SHIMEN_DONGLING, "exact")
    assert index().match(None, "城关镇东岭村委会", None) == (DONGLING, "exact")


def test_same_name_in_two_towns_without_town_is_not_guessed() -> None:
    assert index().match(None, "东岭村", None) == (None, "unmatched")


def test_unique_name_without_town() -> None:
    assert index().match(None, "西岭村委会", None) == (XILING, "exact")
    assert index().match(None, "红星社区居委会", None) == (HONGXING, "exact")


def test_code_in_the_row_wins() -> None:
    assert index().match("城关镇", "随便写的", "611021105202") == ("611021105202", "code")


def test_configured_alias() -> None:
    idx = index(aliases={"老东岭": DONGLING})
    assert idx.match("城关镇", "老东岭", None) == (DONGLING, "alias")
    assert index().match("城关镇", "老东岭", None) == (None, "unmatched")


def test_fuzzy_above_and_below_threshold() -> None:
    ref = pl.DataFrame({"village_code": ["611021104301"], "town_raw": ["城关镇"], "village_raw": ["红旗岭新村"]})
    low = VillageIndex.build(ref, threshold=70)
    code, how = low.match("城关镇", "红旗领新村", None)  # one character typed wrong
    assert code == "611021104301" and how.startswith("fuzzy:")
    assert int(how.split(":")[1]) == 75  # one of four core characters differs
    high = VillageIndex.build(ref, threshold=80)
    assert high.match("城关镇", "红旗领新村", None) == (None, "unmatched")


def test_no_village_given() -> None:
    assert index().match("城关镇", None, None) == (None, None)


def test_village_core() -> None:
    assert village_core("城关镇东岭村村委会", ["城关镇"]) == ("城关", "东岭")
    assert village_core("东岭村股份经济合作社") == ("", "东岭")


def test_assign_works_on_distinct_names_and_reports_unmatched() -> None:
    frame = pl.DataFrame({
        "town_raw": ["城关镇", "城关镇", "城关镇", None],
        "village_raw": ["东岭村委会", "东岭村委会", "东林村", "红星社区"],
        "village_code": [None, None, None, None],
    }, schema={"town_raw": pl.String, "village_raw": pl.String, "village_code": pl.String})
    a = assign(frame, index())
    assert a.frame["village_code"].to_list() == [DONGLING, DONGLING, None, HONGXING]
    assert a.frame["village_match"].to_list() == ["exact", "exact", "unmatched", "exact"]
    # reported with the nearest villages of the statistics list, the row's own town first
    assert a.unmatched == ["城关镇东林村（最接近：城关镇东岭村(50分)、石门镇东岭村(50分)）"]
    assert ("东岭村委会", DONGLING, "exact") in a.seen


def test_a_village_named_like_another_town_is_not_cut() -> None:
    """石门村 of 城关镇 in a county that also has a 石门镇: the name must not lose "石门"."""
    ref = pl.DataFrame(
        {
            "town_raw": ["城关镇", "石门镇", "石门镇"],
            "village_raw": ["石门村委会", "河口村委会", "石门社区"],
            "village_code": ["611021100206", "611021105201", "611021105202"],
        }
    )
    idx = VillageIndex.build(ref)
    assert idx.match("城关镇", "石门村委会", None) == ("611021100206", "exact")
    assert idx.match("城关镇", "石门村", None) == ("611021100206", "exact")
    assert idx.match("石门镇", "石门社区", None) == ("611021105202", "exact")
    assert idx.match(None, "石门镇河口村", None) == ("611021105201", "exact")
    # 石门 alone is two villages in two towns: not guessed
    assert idx.match(None, "石门村", None) == (None, "unmatched")


def test_administrative_prefixes_are_cut_when_a_known_county_or_town_follows() -> None:
    ref = REF.with_columns(pl.lit("某某县").alias("county"))
    idx = VillageIndex.build(ref)
    for name in ["某某县城关镇东岭村", "陕西省某某市某某县城关镇东岭村村委会", "某某市城关镇东岭村民委员会"]:
        assert idx.match(None, name, None) == (DONGLING, "exact"), name
    assert idx.match("某某县城关镇", "东岭村", None) == (DONGLING, "exact")
    # a name that merely starts like a city is not cut
    assert idx.strip_admin_prefix("新市村") == "新市村"


def test_a_town_mismatch_is_never_an_exact_match() -> None:
    """Issue 12 item 9: a village list lacking a town must not give 石门镇石门村 another town's 石门村."""
    no_towns = pl.DataFrame({"village_code": ["611021104201"], "town_raw": [None], "village_raw": ["石门村"]},
                            schema={"village_code": pl.String, "town_raw": pl.String, "village_raw": pl.String})
    idx = VillageIndex.build(no_towns)
    assert idx.match("石门镇", "石门村", None) == ("611021104201", "town_unknown")  # matched, but reported
    a = assign(pl.DataFrame({"town_raw": ["石门镇"], "village_raw": ["石门村"], "village_code": [None]},
                            schema={"town_raw": pl.String, "village_raw": pl.String, "village_code": pl.String}), idx)
    assert a.town_unknown == ["石门镇石门村"]
    # with towns listed: the row's town decides, a different town is never matched
    with_towns = pl.DataFrame({"village_code": ["611021104201"], "town_raw": ["城关镇"], "village_raw": ["石门村"]})
    idx = VillageIndex.build(with_towns)
    assert idx.match("石门镇", "石门村", None) == (None, "unmatched")
    assert idx.match(None, "石门镇石门村", None)[1] != "exact"
    assert idx.match("城关镇", "石门村", None) == ("611021104201", "exact")


def test_former_names_after_a_merger_match() -> None:
    ref = REF.with_columns(pl.Series("former_names", [None, "老西岭村、西坡村", None, None], dtype=pl.String))
    idx = VillageIndex.build(ref)
    assert idx.match("城关镇", "西坡村", None) == (XILING, "former")
    assert idx.match(None, "老西岭村委会", None) == (XILING, "former")
    assert idx.match("石门镇", "西坡村", None)[1] == "unmatched"  # a former name in another town is not it


def test_files_read_before_the_village_list_are_matched_again_with_candidates(tmp_path) -> None:
    """A village list named like any other file arrives after the data: its rows are matched again
    in the warehouse, and the names still unmatched are reported with their nearest candidates."""
    from fixtures.connectors.workbooks import make_id, write_xlsx

    from connectors.ingest import ingest_inbox
    from connectors.warehouse import open_warehouse
    from xuncha.config import WorkspaceConfig

    inbox = tmp_path / "inbox"
    rows = [["乡镇", "村", "姓名", "身份证号", "死亡日期"]]
    rows += [["城关镇", "东岭村", f"张{i}", make_id("19500101", f"{i:03d}"), "2024-01-05"] for i in range(30)]
    rows.append(["城关镇", "东林村", "李四", make_id("19500102", "001"), "2024-01-05"])
    write_xlsx(inbox / "a_deaths.xlsx", {"s": rows})  # bigger: read first
    write_xlsx(inbox / "z.xlsx", {"村": BASICS})  # the list, not named like statistics
    con = open_warehouse(tmp_path / "w.duckdb")
    reports = ingest_inbox(inbox, con, WorkspaceConfig(), workers=0)
    assert con.execute("SELECT count(*) FROM deaths WHERE village_code = ?", [DONGLING]).fetchone()[0] == 30
    (r,) = [r for r in reports if r.file == "a_deaths.xlsx"]
    assert "城关镇东林村（最接近：城关镇东岭村" in r.message
    con.close()


@pytest.mark.parametrize("name", ["东陵县城关镇东岭村民委员会", "东陵县城关镇东岭村村民委员会", "东陵县东岭村委会",
                                  "某某自治县城关镇东岭村股份经济合作社", "东城区南关街道西坪社区居委会",
                                  "陕西省汉中市东陵县城关镇东岭村"])
def test_any_county_level_prefix_before_a_known_town_or_village_is_cut(name) -> None:
    """No county column in the statistics list and none configured: a leading 某某县/区/旗 is cut when
    a town or village the list knows follows it (东岭村民委员会 is 东岭 + 村民委员会, as 东岭村 + 民委员会)."""
    ref = pl.DataFrame({"town_raw": ["城关镇", "南关街道"], "village_raw": ["东岭", "西坪社区"],
                        "village_code": ["611021100201", "611021001001"]})
    idx = VillageIndex.build(ref)
    town = "南关街道" if "街道" in name else "城关镇"
    assert idx.match(town, name, None)[1] == "exact", name
    assert idx.match(None, name, None)[1] == "exact", name


def test_the_configured_county_name_is_a_prefix() -> None:
    ref = pl.DataFrame({"town_raw": ["城关镇"], "village_raw": ["东岭村"], "village_code": ["611021100201"]})
    # 东陵 (no 县) is only cut because the configuration names it
    assert VillageIndex.build(ref).match(None, "东陵城关镇东岭村", None) == (None, "unmatched")
    assert VillageIndex.build(ref, county="东陵").match(None, "东陵城关镇东岭村", None) == ("611021100201", "exact")


def test_a_village_that_looks_like_a_county_prefix_stays_whole() -> None:
    ref = pl.DataFrame({"town_raw": ["城关镇", "城关镇"], "village_raw": ["黄区村", "村东村"],
                        "village_code": ["611021100201", "611021100202"]})
    idx = VillageIndex.build(ref)
    assert idx.strip_admin_prefix("黄区村") == "黄区村"
    assert idx.match("城关镇", "黄区村村委会", None) == ("611021100201", "exact")


@pytest.mark.parametrize(("listed", "written"), [("东岭村", "东岭"), ("东岭", "东岭村"), ("东岭村", "东岭村民委员会"),
                                                 ("东岭", "东岭村民委员会"), ("东岭社区", "东岭")])
def test_short_and_long_forms_match_either_way(listed, written) -> None:
    ref = pl.DataFrame({"town_raw": ["城关镇", "河西镇"], "village_raw": [listed, "新坊村"],
                        "village_code": ["611021100201", "611021101201"]})
    idx = VillageIndex.build(ref)
    assert idx.match("城关镇", written, None) == ("611021100201", "exact")
    assert idx.match(None, written, None) == ("611021100201", "exact")


# The statistics list names each village by its committee (…村村民委员会, …社区居民委员会); other
# departments write the 行政村, the committee, or the bare name. Worded unlike the sample counties.
COMMITTEES = pl.DataFrame({
    "town_raw": ["河口乡", "河口乡", "河口乡", "青石镇"],
    "village_raw": ["南湾村村民委员会", "南湾社区居民委员会", "上坪村村委会", "上坪社区居委会"],
    "village_code": ["611021201201", "611021201001", "611021201202", "611021202001"],
})
NANWAN_V, NANWAN_C, SHANGPING, SHANGPING_C = COMMITTEES["village_code"].to_list()


@pytest.mark.parametrize("written", ["上坪行政村", "上坪村", "上坪", "上坪村委", "上坪村村民委员会", "河口乡上坪行政村",
                                     "河口上坪行政村", "某某县河口乡上坪行政村村民委员会"])
def test_a_committee_named_list_matches_the_administrative_village_and_short_forms(written) -> None:
    assert VillageIndex.build(COMMITTEES).match("河口乡", written, None) == (SHANGPING, "exact")


def test_the_administrative_village_form_is_stripped_to_its_core() -> None:
    assert village_core("上坪行政村") == ("", "上坪")
    assert village_core("河口乡上坪行政村村民委员会", ["河口乡"]) == ("河口", "上坪")
    # without a town column the name's own town decides
    assert VillageIndex.build(COMMITTEES).match(None, "河口乡上坪行政村", None) == (SHANGPING, "exact")


@pytest.mark.parametrize(("written", "expected"), [
    ("南湾行政村", NANWAN_V), ("南湾村", NANWAN_V), ("南湾村委会", NANWAN_V), ("河口乡南湾村民委员会", NANWAN_V),
    ("南湾社区", NANWAN_C), ("南湾居委会", NANWAN_C), ("南湾社区居委会", NANWAN_C), ("河口乡南湾居民委员会", NANWAN_C),
])
def test_a_village_and_a_community_sharing_a_name_in_one_town_stay_apart(written, expected) -> None:
    idx = VillageIndex.build(COMMITTEES)
    assert idx.match("河口乡", written, None) == (expected, "exact")
    assert idx.match(None, "河口乡" + written.removeprefix("河口乡"), None) == (expected, "exact")


def test_a_bare_name_shared_by_a_village_and_a_community_is_not_guessed() -> None:
    idx = VillageIndex.build(COMMITTEES)
    assert idx.match("河口乡", "南湾", None) == (None, "unmatched")
    assert idx.match("河口乡", "南湾股份经济合作社", None) == (None, "unmatched")
    # nor by fuzzy matching: 南湾 scores 100 against either
    assert idx.match("河口乡", "南弯", None) == (None, "unmatched")
    out = assign(pl.DataFrame({"town_raw": ["河口乡"], "village_raw": ["南湾"], "village_code": [None]},
                              schema={"town_raw": pl.String, "village_raw": pl.String, "village_code": pl.String}), idx)
    assert out.frame["village_code"].to_list() == [None] and out.unmatched and "南湾" in out.unmatched[0]
