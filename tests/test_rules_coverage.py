"""Rules say when their data is insufficient (rule_coverage), and statistics without a year still
name and describe their villages."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from rule_fixtures import warehouse_from_rows

from rules.catalog import ALL_RULES, source_text
from rules.engine import run_rules
from rules.model import field_label
from xuncha.config import ConfigError, WorkspaceConfig, load_config

V1, V2 = "611021100201", "611021100202"


def farmland(years: list[int | None]) -> list[dict]:
    return [
        {"year": y, "head_name": f"户{i}", "person_id": f"61102119400101{i:03d}1", "subsidy_area_mu": 60.0,
         "amount_yuan": 6000.0, "village_code": V1}
        for i, y in enumerate(years)
    ]


BASICS = [{"year": 2024, "farmland_mu": 100.0, "registered_population": 500, "village_code": V1,
           "village_raw": "东岭村", "town_raw": "城关镇"}]


def outcome(rows: dict, rule_id: str, config: WorkspaceConfig | None = None):
    result = run_rules(warehouse_from_rows(rows), config or WorkspaceConfig(), [rule_id])
    return result.coverage[0], result.flags


def test_rows_lacking_a_needed_field_make_the_rule_partial_and_say_how_many() -> None:
    # 3 rows: two with the year (120 mu on 100 mu of farmland: flagged), one without
    cov, flags = outcome({"farmland_subsidy": farmland([2024, 2024, None]), "village_basics": BASICS}, "C02")
    assert cov.status == "partial"
    year = field_label("farmland_subsidy", "year")
    assert cov.reason == f"部分运行：耕地地力保护补贴发放清册有33%的行缺少{year}，这些行未参与比对"
    assert flags.height == 1  # the rows that have the year are still compared


def test_the_partial_threshold_comes_from_configuration() -> None:
    rows = {"farmland_subsidy": farmland([2024, 2024, None]), "village_basics": BASICS}
    cov, _ = outcome(rows, "C02", WorkspaceConfig(rule_data={"partial_below": 0.6}))
    assert (cov.status, cov.reason) == ("ran", "")


def test_a_source_without_the_field_at_all_means_not_run_never_ran_with_no_flags() -> None:
    cov, flags = outcome({"farmland_subsidy": farmland([None, None, None]), "village_basics": BASICS}, "C02")
    assert cov.status == "not_run" and flags.height == 0
    assert cov.reason == f"未运行：耕地地力保护补贴发放清册有100%的行缺少{field_label('farmland_subsidy', 'year')}"


def test_an_alternative_source_without_periods_is_partial_when_another_source_serves() -> None:
    death = {"person_id": "611021194001010011", "person_name": "张三", "death_date": dt.date(2024, 3, 10),
             "village_code": V1}
    paid = {"person_id": "611021194001010011", "person_name": "张三", "amount_yuan": 100.0, "village_code": V1}
    rows = {
        "deaths": [death],
        "old_age_payments": [paid | {"pay_month": dt.date(2024, 5, 1)}],
        "onecard_payments": [paid | {"item": "高龄补贴"}],  # no pay month, no period
    }
    cov, flags = outcome(rows, "A01")
    missing = f"惠民惠农补贴一卡通发放明细有100%的行缺少{field_label('onecard_payments', 'period_end')}"
    assert cov.status == "partial" and missing in cov.reason
    assert flags.height == 1
    cov, flags = outcome({"deaths": [death], "onecard_payments": [paid | {"item": "高龄补贴"}]}, "A01")
    assert cov.status == "not_run" and flags.height == 0


@pytest.mark.parametrize("rule", ALL_RULES, ids=lambda r: r.id)
def test_no_rule_reports_ran_on_empty_inputs(rule) -> None:
    cov, flags = outcome({}, rule.id)
    assert cov.status == "not_run" and cov.reason.startswith("未运行") and flags.height == 0


def test_unknown_rule_data_key_is_an_error(tmp_path) -> None:
    path = tmp_path / "xuncha.toml"
    path.write_text("[rule_data]\npartial_below_share = 0.5\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="partial_below_share"):
        load_config(path)


def test_statistics_without_a_year_still_name_villages_and_serve_as_reference() -> None:
    undated = [{k: v for k, v in BASICS[0].items() if k != "year"}]
    rows = {"farmland_subsidy": farmland([2024, 2024]), "village_basics": undated}
    cov, flags = outcome(rows, "C02")
    assert cov.status == "ran" and flags.height == 1
    flag = flags.row(0, named=True)
    assert (flag["village_name"], flag["town"]) == ("东岭村", "城关镇")
    assert "村基本情况表耕地面积100.00亩" in flag["summary"]


@pytest.mark.parametrize("rule", ALL_RULES, ids=lambda r: r.id)
def test_every_need_names_a_column_the_rule_reads(rule) -> None:
    # the engine measures what the rule declares: a need its SQL never mentions would mislead
    text = source_text(rule)
    for need in rule.needs:  # the declarations themselves do not count
        text = text.replace(f'"{need}"', "")
    for need in rule.needs:
        table, _, column = need.partition(".")
        assert re.search(rf"\b{table}\b", text) and re.search(rf"\b{column}\b", text), f"{rule.id}: {need}"


def test_rules_run_in_threads_keep_catalogue_order_and_a_broken_rule_stops_no_other(monkeypatch) -> None:
    from rules import engine

    rows = {"farmland_subsidy": farmland([2024, 2024, 2024]), "village_basics": BASICS}
    broken = "A06"  # runs on these rows (no flags), as C02 does (one flag)
    original = engine._run_one

    def run_one(con, rule, params):
        if rule.id == broken:
            raise RuntimeError("boom")
        return original(con, rule, params)

    monkeypatch.setattr(engine, "_run_one", run_one)
    seen: list[str] = []
    result = run_rules(warehouse_from_rows(rows), WorkspaceConfig(), on_rule=lambda rule: seen.append(rule.id))
    assert [c.rule_id for c in result.coverage] == [r.id for r in ALL_RULES]
    assert sorted(seen) == sorted(r.id for r in ALL_RULES)  # progress hears of every rule once
    by_id = {c.rule_id: c for c in result.coverage}
    assert by_id[broken].status == "error" and "boom" in by_id[broken].reason
    assert by_id["C02"].status == "ran" and by_id["C02"].flags == 1  # 180 mu on 100 mu: flagged
    assert set(result.flags["rule_id"].to_list()) == {"C02"}
