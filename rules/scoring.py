"""Village risk scores from flags, shown as the sum of their parts; rank; 重点村/一般村; town common problems.

score = Σ severity points of its flags + Σ money points (amount ÷ yuan_per_point, capped per flag)
        + distinct_rule_points × number of distinct rules that fired.
All weights come from the `[scoring]` section of the workspace config.
"""

from __future__ import annotations

import math

import duckdb
import polars as pl

from xuncha.config import ScoringConfig

VILLAGE_COLUMNS = [
    "village_code",
    "village_name",
    "town",
    "score",
    "rank",
    "class",
    "flag_count",
    "severity_points",
    "money_points",
    "breadth_points",
    "high_flags",
    "medium_flags",
    "low_flags",
    "distinct_rules",
    "amount_yuan",
]

KEY_VILLAGE = "重点村"
ORDINARY_VILLAGE = "一般村"


def all_villages(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    return con.execute(
        """
        -- names as of the latest year; a statistics table without a year column still names its
        -- villages (arg_max over an all-NULL year would give NULL)
        SELECT village_code,
               first(nullif(trim(village_raw), '') ORDER BY year DESC NULLS LAST, source_file, source_row)
                   FILTER (WHERE nullif(trim(village_raw), '') IS NOT NULL) AS village_name,
               first(nullif(trim(town_raw), '') ORDER BY year DESC NULLS LAST, source_file, source_row)
                   FILTER (WHERE nullif(trim(town_raw), '') IS NOT NULL) AS town
        FROM village_basics WHERE village_code IS NOT NULL GROUP BY village_code
        """
    ).pl()


def score_villages(villages: pl.DataFrame, flags: pl.DataFrame, cfg: ScoringConfig) -> pl.DataFrame:
    """One row per village (every village of the reference list, flagged or not)."""
    points = cfg.severity_points
    if flags.is_empty():
        per_village = pl.DataFrame(
            schema={
                "village_code": pl.String, "flag_count": pl.UInt32, "severity_points": pl.Float64,
                "money_points": pl.Float64, "distinct_rules": pl.UInt32, "high_flags": pl.UInt32,
                "medium_flags": pl.UInt32, "low_flags": pl.UInt32, "amount_yuan": pl.Float64,
            }
        )
    else:
        per_village = (
            flags.filter(pl.col("village_code").is_not_null())
            .with_columns(
                pl.col("severity").replace_strict(points, default=0.0, return_dtype=pl.Float64).alias("sev_pts"),
                (pl.col("amount_yuan").fill_null(0).abs() / cfg.yuan_per_point)
                .clip(upper_bound=cfg.money_points_cap)
                .alias("money_pts"),
            )
            .group_by("village_code")
            .agg(
                pl.len().alias("flag_count"),
                pl.col("sev_pts").sum().alias("severity_points"),
                pl.col("money_pts").sum().alias("money_points"),
                pl.col("rule_id").n_unique().alias("distinct_rules"),
                (pl.col("severity") == "高").sum().alias("high_flags"),
                (pl.col("severity") == "中").sum().alias("medium_flags"),
                (pl.col("severity") == "低").sum().alias("low_flags"),
                pl.col("amount_yuan").fill_null(0).sum().alias("amount_yuan"),
            )
        )
    scored = (
        villages.join(per_village, on="village_code", how="left")
        .with_columns(
            pl.col("flag_count", "distinct_rules", "high_flags", "medium_flags", "low_flags").fill_null(0).cast(pl.Int64),
            pl.col("severity_points", "money_points", "amount_yuan").fill_null(0.0),
        )
        .with_columns((pl.col("distinct_rules") * cfg.distinct_rule_points).cast(pl.Float64).alias("breadth_points"))
        .with_columns(
            (pl.col("severity_points") + pl.col("money_points") + pl.col("breadth_points")).round(2).alias("score"),
            pl.col("money_points").round(2),
        )
        .sort(["score", "village_code"], descending=[True, False])
        .with_row_index("rank", offset=1)
        .with_columns(pl.col("rank").cast(pl.Int64))
    )
    top_n = math.ceil(cfg.key_village_top_share * scored.height)
    is_key = (pl.col("rank") <= top_n) & (pl.col("score") > 0)
    if cfg.key_village_if_high:
        is_key = is_key | (pl.col("high_flags") > 0)
    return scored.with_columns(
        pl.when(is_key).then(pl.lit(KEY_VILLAGE)).otherwise(pl.lit(ORDINARY_VILLAGE)).alias("class")
    ).select(VILLAGE_COLUMNS)


def town_common_problems(villages: pl.DataFrame, flags: pl.DataFrame, cfg: ScoringConfig) -> pl.DataFrame:
    """Rules that fire in at least `town_common_share` of a town's villages (共性问题)."""
    schema = {"town": pl.String, "rule_id": pl.String, "rule_title": pl.String, "villages_flagged": pl.Int64,
              "villages_in_town": pl.Int64, "share": pl.Float64}
    if flags.is_empty():
        return pl.DataFrame(schema=schema)
    town_sizes = villages.group_by("town").agg(pl.len().cast(pl.Int64).alias("villages_in_town"))
    fired = (
        flags.filter(pl.col("village_code").is_not_null())
        .drop("town", strict=False)
        .join(villages.select("village_code", "town"), on="village_code", how="inner")
        .group_by("town", "rule_id")
        .agg(pl.col("rule_title").first(), pl.col("village_code").n_unique().cast(pl.Int64).alias("villages_flagged"))
        .join(town_sizes, on="town")
        .with_columns((pl.col("villages_flagged") / pl.col("villages_in_town")).round(3).alias("share"))
        .filter(pl.col("share") >= cfg.town_common_share)
        .sort(["town", "share", "rule_id"], descending=[False, True, False])
    )
    return fired.select(list(schema))
