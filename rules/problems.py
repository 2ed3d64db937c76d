"""The same problem found in several years is one 问题: flags of one rule, village and subject whose
detail key is a year (docs/rule_semantics.md: yearly rules key their flags by year) are grouped;
the group is scored once on its total amount, listed once with its years, and rectified once.
"""

from __future__ import annotations

import hashlib

import duckdb
import polars as pl

MEMBERS_TABLE = "problem_members"
YEAR_KEY = r"^(19|20)\d{2}$"


def with_problems(flags: pl.DataFrame) -> pl.DataFrame:
    """Flags plus problem_id, problem_years ("2022、2023、2024"), problem_amount (the group's total),
    problem_size and problem_lead (the latest year's flag, which stands for the group)."""
    if flags.is_empty():
        return flags.with_columns(pl.lit(None, pl.String).alias("problem_id"), pl.lit(None, pl.String).alias("problem_years"),
                                  pl.lit(None, pl.Float64).alias("problem_amount"), pl.lit(None, pl.UInt32).alias("problem_size"),
                                  pl.lit(None, pl.Boolean).alias("problem_lead"))
    yearly = pl.col("detail_key").fill_null("").str.contains(YEAR_KEY)
    key = pl.concat_str([pl.col("rule_id"), pl.col("village_code").fill_null(""), pl.col("subject_key").fill_null("")],
                        separator="|")
    out = flags.with_columns(
        pl.when(yearly).then(key.map_elements(lambda k: "P-" + hashlib.sha256(k.encode()).hexdigest()[:12],
                                              return_dtype=pl.String))
        .otherwise(pl.col("flag_id")).alias("problem_id"))
    over = "problem_id"
    return out.with_columns(
        pl.col("detail_key").filter(yearly).unique().sort().str.join("、").over(over).alias("problem_years"),
        pl.col("amount_yuan").fill_null(0).sum().over(over).alias("problem_amount"),
        pl.len().over(over).alias("problem_size"),
        (pl.col("flag_id") == pl.col("flag_id").sort_by("detail_key", descending=True).first().over(over))
        .alias("problem_lead"),
    ).with_columns(pl.when(pl.col("problem_size") > 1).then(pl.col("problem_years")).otherwise(pl.lit(None))
                   .alias("problem_years"))


def one_per_problem(flags: pl.DataFrame) -> pl.DataFrame:
    """The flags to score: one per problem (its lead), carrying the problem's total amount."""
    if flags.is_empty():
        return flags
    grouped = with_problems(flags)
    return (grouped.filter(pl.col("problem_lead"))
            .with_columns(pl.col("problem_amount").alias("amount_yuan"))
            .select(flags.columns))


def store_members(con: duckdb.DuckDBPyConnection, flags: pl.DataFrame) -> None:
    """Which flags form one problem (only groups of two or more): rectification applies to all."""
    members = (with_problems(flags).filter(pl.col("problem_size") > 1).select("flag_id", "problem_id")  # noqa: F841
               if not flags.is_empty() else pl.DataFrame(schema={"flag_id": pl.String, "problem_id": pl.String}))
    con.execute(f"CREATE OR REPLACE TABLE {MEMBERS_TABLE} AS SELECT * FROM members")


def siblings(con: duckdb.DuckDBPyConnection, flag_id: str) -> list[str]:
    """The other flags of this flag's problem (none for a problem of one flag)."""
    try:
        rows = con.execute(
            f"SELECT flag_id FROM {MEMBERS_TABLE} WHERE flag_id <> ? AND problem_id = "
            f"(SELECT problem_id FROM {MEMBERS_TABLE} WHERE flag_id = ?) ORDER BY flag_id", [flag_id, flag_id]
        ).fetchall()
    except duckdb.CatalogException:
        return []
    return [r[0] for r in rows]
