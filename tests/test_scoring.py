"""Village scores are the sum of their parts; ranking and 重点村 follow the configured rule."""

from __future__ import annotations

import polars as pl
import pytest

from rules.scoring import score_villages, town_common_problems
from xuncha.config import ScoringConfig

VILLAGES = pl.DataFrame(
    {
        "village_code": [f"6110211002{i:02d}" for i in range(1, 11)],
        "village_name": [f"村{i}" for i in range(1, 11)],
        "town": ["甲镇"] * 5 + ["乙镇"] * 5,
    }
)


def flags(rows: list[tuple[str, str, str, float]]) -> pl.DataFrame:
    return pl.DataFrame(
        rows, schema={"village_code": pl.String, "rule_id": pl.String, "severity": pl.String, "amount_yuan": pl.Float64},
        orient="row",
    ).with_columns(pl.col("rule_id").alias("rule_title"))


def test_score_is_sum_of_parts_and_every_village_listed() -> None:
    f = flags([
        ("611021100201", "D01", "中", 25000.0),
        ("611021100201", "D01", "中", 0.0),
        ("611021100201", "D06", "低", 300.0),
        ("611021100202", "A07", "低", 0.0),
    ])
    out = score_villages(VILLAGES, f, ScoringConfig())
    assert out.height == 10
    v1 = out.filter(pl.col("village_code") == "611021100201").row(0, named=True)
    # severity 5+5+2, money 2.5+0+0.03, breadth 2 rules × 3
    assert v1["severity_points"] == 12.0
    assert v1["money_points"] == pytest.approx(2.53)
    assert v1["breadth_points"] == 6.0
    assert v1["score"] == pytest.approx(v1["severity_points"] + v1["money_points"] + v1["breadth_points"])
    assert v1["rank"] == 1 and v1["flag_count"] == 3
    assert out["rank"].to_list() == list(range(1, 11))


def test_key_villages_top_share_or_any_high_flag() -> None:
    f = flags([
        ("611021100201", "D01", "中", 0.0),
        ("611021100202", "D06", "低", 0.0),
        ("611021100209", "A01", "高", 0.0),
    ])
    cfg = ScoringConfig(key_village_top_share=0.1, key_village_if_high=True)
    out = score_villages(VILLAGES, f, cfg)
    key = set(out.filter(pl.col("class") == "重点村")["village_code"])
    # top 10% of 10 villages = 1 (the highest score), plus the village with a 高 flag
    top = out.filter(pl.col("rank") == 1)["village_code"][0]
    assert key == {top, "611021100209"}
    no_high = score_villages(VILLAGES, f, ScoringConfig(key_village_top_share=0.1, key_village_if_high=False))
    assert set(no_high.filter(pl.col("class") == "重点村")["village_code"]) == {top}


def test_villages_without_flags_are_never_key_by_rank() -> None:
    out = score_villages(VILLAGES, flags([]), ScoringConfig(key_village_top_share=0.5))
    assert set(out["class"]) == {"一般村"}
    assert set(out["score"]) == {0.0}


def test_town_common_problems_use_the_share_threshold() -> None:
    f = flags([
        ("611021100201", "D04", "中", 0.0),
        ("611021100202", "D04", "中", 0.0),
        ("611021100206", "D04", "中", 0.0),
    ])
    out = town_common_problems(VILLAGES, f, ScoringConfig(town_common_share=0.4))
    # 甲镇: 2 of 5 villages = 0.4 (common); 乙镇: 1 of 5 = 0.2 (not)
    assert out.select("town", "rule_id", "villages_flagged").rows() == [("甲镇", "D04", 2)]
