"""纵向多年度对比: per village and year, the indicators offices compare a village with itself by, with
the year-on-year change and the county median of the same year.

Each indicator reads named tables; when one of them has no rows the indicator is left out (and
`missing_sources` says which), never shown as 0. Years are those the indicator's own data covers.
"""

from __future__ import annotations

import duckdb
import polars as pl

from connectors.schema import table_label
from rules.queries import scalar
from rules.sqlparts import LEDGER_PAYMENTS, is_dibao, roster_active_on

INDICATORS_TABLE = "village_indicators"

# Population (and farmland) of a village in a year: that year's basics row, else the nearest year's.
_BASICS = """
    (SELECT k.village_code, k.year,
            first(b.registered_population ORDER BY abs(b.year - k.year), b.year DESC) AS population,
            first(b.farmland_mu ORDER BY abs(b.year - k.year), b.year DESC) AS farmland_mu
     FROM (SELECT DISTINCT village_code, year FROM {keys}) k
     JOIN village_basics b ON b.village_code = k.village_code AND b.year IS NOT NULL
     GROUP BY k.village_code, k.year)
"""

_LEDGER_YEARS = "(SELECT DISTINCT village_code, year(voucher_date) AS year FROM village_ledger WHERE village_code IS NOT NULL)"

# key -> (Chinese name, unit, tables read, SQL giving village_code, year, value)
INDICATORS: dict[str, tuple[str, str, tuple[str, ...], str]] = {
    "dibao_coverage": (
        "低保覆盖率(%)", "%", ("assistance_roster", "village_basics"),
        f"""WITH years AS (SELECT DISTINCT village_code, year FROM village_basics WHERE village_code IS NOT NULL),
                counted AS (SELECT y.village_code, y.year, count(DISTINCT r.member_id) AS people
                            FROM years y JOIN assistance_roster r ON r.village_code = y.village_code
                             AND {is_dibao('r')} AND {roster_active_on('r', 'make_date(y.year, 12, 31)')}
                            GROUP BY 1, 2)
            SELECT y.village_code, y.year, 100.0 * coalesce(c.people, 0) / nullif(b.population, 0) AS value
            FROM years y JOIN {_BASICS.format(keys='years')} b USING (village_code, year)
            LEFT JOIN counted c USING (village_code, year)""",
    ),
    "subsidy_per_head": (
        "一卡通补贴人均(元)", "元", ("onecard_payments", "village_basics"),
        f"""WITH paid AS (SELECT village_code, year(pay_month) AS year, sum(amount_yuan) AS amount
                         FROM onecard_payments WHERE village_code IS NOT NULL AND pay_month IS NOT NULL GROUP BY 1, 2)
            SELECT p.village_code, p.year, p.amount / nullif(b.population, 0) AS value
            FROM paid p JOIN {_BASICS.format(keys='paid')} b USING (village_code, year)""",
    ),
    "subsidised_area_share": (
        "地力补贴面积占耕地(%)", "%", ("farmland_subsidy", "village_basics"),
        f"""WITH area AS (SELECT village_code, year, sum(subsidy_area_mu) AS mu FROM farmland_subsidy
                         WHERE village_code IS NOT NULL AND year IS NOT NULL GROUP BY 1, 2)
            SELECT a.village_code, a.year, 100.0 * a.mu / nullif(b.farmland_mu, 0) AS value
            FROM area a JOIN {_BASICS.format(keys='area')} b USING (village_code, year)""",
    ),
    "collective_income": (
        "集体收入(元)", "元", ("village_ledger",),
        f"""SELECT y.village_code, y.year, coalesce(sum(l.credit_yuan), 0) AS value FROM {_LEDGER_YEARS} y
            LEFT JOIN village_ledger l ON l.village_code = y.village_code AND year(l.voucher_date) = y.year
             AND l.credit_yuan > 0 AND coalesce(l.subject_name, '') LIKE '%收入%'
            GROUP BY 1, 2""",
    ),
    "collective_spending": (
        "集体支出(元)", "元", ("village_ledger",),
        f"""SELECT y.village_code, y.year, coalesce(sum(p.debit_yuan), 0) AS value FROM {_LEDGER_YEARS} y
            LEFT JOIN {LEDGER_PAYMENTS} p ON p.village_code = y.village_code AND year(p.voucher_date) = y.year
            GROUP BY 1, 2""",
    ),
    "december_share": (
        "12月支出占全年(%)", "%", ("village_ledger",),
        f"""SELECT village_code, year(voucher_date) AS year,
                   100.0 * sum(debit_yuan) FILTER (WHERE month(voucher_date) = 12) / nullif(sum(debit_yuan), 0) AS value
            FROM {LEDGER_PAYMENTS} p WHERE village_code IS NOT NULL GROUP BY 1, 2""",
    ),
    "hospitality": (
        "招待费支出(元)", "元", ("village_ledger",),
        f"""SELECT y.village_code, y.year, coalesce(sum(p.debit_yuan), 0) AS value FROM {_LEDGER_YEARS} y
            LEFT JOIN {LEDGER_PAYMENTS} p ON p.village_code = y.village_code AND year(p.voucher_date) = y.year
             AND (coalesce(p.subject_name, '') LIKE '%招待%' OR coalesce(p.summary, '') LIKE '%招待%')
            GROUP BY 1, 2""",
    ),
    "contract_income": (
        "发包及上交收入(元)", "元", ("village_ledger",),
        f"""SELECT y.village_code, y.year, coalesce(sum(l.credit_yuan), 0) AS value FROM {_LEDGER_YEARS} y
            LEFT JOIN village_ledger l ON l.village_code = y.village_code AND year(l.voucher_date) = y.year
             AND l.credit_yuan > 0 AND coalesce(l.subject_name, '') LIKE '%发包%'
            GROUP BY 1, 2""",
    ),
}
ORDER = {key: i for i, key in enumerate(INDICATORS)}


def _rows(con: duckdb.DuckDBPyConnection, table: str) -> int:
    try:
        return scalar(con.execute(f"SELECT count(*) FROM {table}"))
    except duckdb.CatalogException:
        return 0


def yearly_indicators(con: duckdb.DuckDBPyConnection) -> tuple[pl.DataFrame, dict[str, str]]:
    """(long table: village_code, year, indicator, label, unit, source, value, previous, change,
    change_pct, county_median; indicator -> why it was left out)."""
    frames, missing = [], {}
    for key, (label, unit, tables, sql) in INDICATORS.items():
        absent = [t for t in tables if _rows(con, t) == 0]
        if absent:
            missing[key] = f"{label}：未报送{'、'.join(table_label(t) for t in absent)}"
            continue
        frame = con.execute(sql).pl().with_columns(pl.col("year").cast(pl.Int64), pl.col("value").cast(pl.Float64))
        frames.append(frame.with_columns(pl.lit(key).alias("indicator"), pl.lit(label).alias("label"),
                                         pl.lit(unit).alias("unit"),
                                         pl.lit("、".join(table_label(t) for t in tables)).alias("source")))
    if not frames:
        return pl.DataFrame(schema={"village_code": pl.String, "year": pl.Int64, "indicator": pl.String,
                                    "label": pl.String, "unit": pl.String, "source": pl.String, "value": pl.Float64,
                                    "previous": pl.Float64, "change": pl.Float64, "change_pct": pl.Float64,
                                    "county_median": pl.Float64}), missing
    long = pl.concat(frames, how="diagonal_relaxed").filter(pl.col("village_code").is_not_null())
    long = long.sort("indicator", "village_code", "year").with_columns(
        # the same village's previous year, only when it is the year just before
        pl.when(pl.col("year").shift(1).over("indicator", "village_code") == pl.col("year") - 1)
        .then(pl.col("value").shift(1).over("indicator", "village_code")).alias("previous"),
        pl.col("value").median().over("indicator", "year").alias("county_median"),
    ).with_columns(
        (pl.col("value") - pl.col("previous")).alias("change"),
        pl.when(pl.col("previous").abs() > 0).then(100.0 * (pl.col("value") - pl.col("previous")) / pl.col("previous").abs())
        .alias("change_pct"),
    )
    return long.select("village_code", "year", "indicator", "label", "unit", "source", "value", "previous", "change",
                       "change_pct", "county_median"), missing


def store(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    long, missing = yearly_indicators(con)
    con.execute(f"CREATE OR REPLACE TABLE {INDICATORS_TABLE} AS SELECT * FROM long")
    notes = pl.DataFrame({"indicator": list(missing), "reason": list(missing.values())},  # noqa: F841
                         schema={"indicator": pl.String, "reason": pl.String})
    con.execute(f"CREATE OR REPLACE TABLE {INDICATORS_TABLE}_missing AS SELECT * FROM notes")
    return long

