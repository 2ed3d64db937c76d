"""Village portrait (村情画像) and 重点村 selection from it.

Offices send a village to direct inspection (重点村) when its economy is large, it carries many
projects and special funds, petitions are frequent, its Party branch is on the 软弱涣散 list, or its
data shows anomalies. The portrait holds each of these per village, with its source and its rank
among the county's villages; 重点村 = any criterion met, with thresholds from `[key_villages]` and
`[scoring]` (docs/configuration.md). A criterion whose source was not supplied is named as such in
`missing`: the village is not "without problem", it could not be judged.
"""

from __future__ import annotations

import math

import duckdb
import polars as pl

from connectors.schema import table_label
from rules.queries import scalar
from rules.scoring import KEY_VILLAGE, ORDINARY_VILLAGE
from rules.sqlparts import LEDGER_PAYMENTS
from xuncha.config import KeyVillagesConfig, ScoringConfig

PORTRAIT_TABLE = "village_portrait"

# criterion -> (Chinese name, the tables it reads)
CRITERIA = {
    "economy": ("经济规模大", ("village_ledger",)),
    "projects": ("项目和专项资金多", ("village_ledger",)),
    "petitions": ("信访反映多", ("petitions",)),
    "weak_org": ("软弱涣散村党组织", ("weak_party_orgs",)),
    "anomaly": ("数据异常突出", ()),
}


def _count(con: duckdb.DuckDBPyConnection, table: str) -> int:
    try:
        return scalar(con.execute(f"SELECT count(*) FROM {table} WHERE village_code IS NOT NULL"))
    except duckdb.CatalogException:
        return 0


def _like_any(column: str, words: list[str]) -> str:
    if not words:
        return "FALSE"
    return "(" + " OR ".join(f"coalesce({column}, '') LIKE '%{w.replace(chr(39), '')}%'" for w in words) + ")"


def _economy(con: duckdb.DuckDBPyConnection, cfg: KeyVillagesConfig) -> pl.DataFrame:
    """Collective income (credit on 收入 subjects) and spending of the ledger's latest year, project
    spending (工程/项目/专项…) over all years, and contract rents."""
    project = _like_any("p.summary", cfg.project_keywords) + " OR " + _like_any("p.subject_name", cfg.project_keywords)
    return con.execute(
        f"""
        WITH latest AS (SELECT max(year(voucher_date)) AS y FROM village_ledger),
        income AS (
            SELECT village_code, sum(credit_yuan) AS income_yuan FROM village_ledger, latest
            WHERE year(voucher_date) = latest.y AND credit_yuan > 0 AND coalesce(subject_name, '') LIKE '%收入%'
            GROUP BY village_code),
        spend AS (
            SELECT p.village_code, sum(p.debit_yuan) FILTER (WHERE year(p.voucher_date) = latest.y) AS spending_yuan,
                   sum(p.debit_yuan) FILTER (WHERE {project}) AS project_yuan,
                   count(DISTINCT p.voucher_no) FILTER (WHERE {project}) AS project_vouchers
            FROM {LEDGER_PAYMENTS} p, latest GROUP BY p.village_code)
        SELECT coalesce(i.village_code, s.village_code) AS village_code, (SELECT y FROM latest) AS ledger_year,
               coalesce(i.income_yuan, 0) AS income_yuan, coalesce(s.spending_yuan, 0) AS spending_yuan,
               coalesce(s.project_yuan, 0) AS project_yuan, coalesce(s.project_vouchers, 0) AS project_vouchers
        FROM income i FULL JOIN spend s USING (village_code) WHERE coalesce(i.village_code, s.village_code) IS NOT NULL
        """
    ).pl()


def _contracts(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    return con.execute(
        """SELECT village_code, count(*) AS contracts, coalesce(sum(annual_rent_yuan), 0) AS contract_rent_yuan
           FROM collective_contracts WHERE village_code IS NOT NULL GROUP BY village_code"""
    ).pl()


def _petitions(con: duckdb.DuckDBPyConnection, cfg: KeyVillagesConfig) -> pl.DataFrame:
    """Petitions of the last `petition_years` years (up to the latest one registered); a repeat
    petitioner is a named petitioner with two or more petitions, or a petition marked 重复."""
    return con.execute(
        f"""
        WITH recent AS (
            SELECT * FROM petitions
            WHERE village_code IS NOT NULL
              AND year(register_date) > (SELECT max(year(register_date)) FROM petitions) - {int(cfg.petition_years)}),
        named AS (
            SELECT *, coalesce(petitioner_name, '') NOT IN ('', '匿名') AND petitioner_name NOT LIKE '%*%' AS is_named
            FROM recent),
        -- a repeat petitioner: a named person with two or more petitions, or a petition registered as
        -- repeated (its person: the name when there is one, else the petition itself)
        repeaters AS (
            SELECT village_code, petitioner_name AS who FROM named WHERE is_named GROUP BY 1, 2 HAVING count(*) >= 2
            UNION
            SELECT village_code, CASE WHEN is_named THEN petitioner_name
                                      ELSE 'no:' || coalesce(petition_no, register_date::VARCHAR) END
            FROM named WHERE coalesce(is_repeat, '') IN ('是', '重复', '重复件', 'Y', '1')),
        cats AS (
            SELECT village_code, string_agg(category || ' ' || n, '、' ORDER BY n DESC, category) AS categories
            FROM (SELECT village_code, coalesce(category, '未分类') AS category, count(*) AS n FROM recent GROUP BY 1, 2)
            GROUP BY 1)
        SELECT r.village_code, count(*) AS petitions,
               (SELECT count(DISTINCT who) FROM repeaters x WHERE x.village_code = r.village_code)
                   AS repeat_petitioners,
               any_value(c.categories) AS petition_categories,
               min(year(r.register_date)) AS petition_from, max(year(r.register_date)) AS petition_to
        FROM recent r LEFT JOIN cats c USING (village_code) GROUP BY r.village_code
        """
    ).pl()


def _weak_orgs(con: duckdb.DuckDBPyConnection, cfg: KeyVillagesConfig) -> pl.DataFrame:
    return con.execute(
        f"""
        SELECT village_code,
               string_agg(year || '年：' || coalesce(main_problem, '') ||
                          CASE WHEN rectify_status IS NULL THEN '' ELSE '（' || rectify_status || '）' END,
                          '；' ORDER BY year DESC) AS weak_org
        FROM weak_party_orgs
        WHERE village_code IS NOT NULL
          AND year > (SELECT max(year) FROM weak_party_orgs) - {int(cfg.weak_org_years)}
        GROUP BY village_code
        """
    ).pl()


def _rank(frame: pl.DataFrame, value: str) -> pl.Expr:
    """Rank among the county's villages, 1 = largest; villages with nothing get no rank."""
    return pl.when(pl.col(value) > 0).then(pl.col(value).rank("min", descending=True)).cast(pl.Int64).alias(f"{value}_rank")


def build_portrait(con: duckdb.DuckDBPyConnection, scored: pl.DataFrame, cfg: KeyVillagesConfig,
                   scoring: ScoringConfig) -> pl.DataFrame:
    """One row per village of `scored` (rules.scoring.score_villages): the portrait's figures, their
    ranks, the criteria met (key_reasons), the criteria that could not be judged (missing), class."""
    have = {t: _count(con, t) > 0 for t in ("village_ledger", "collective_contracts", "petitions", "weak_party_orgs")}
    base = scored.select("village_code", "score", "rank", "high_flags")
    parts = []
    if have["village_ledger"]:
        parts.append(_economy(con, cfg))
    if have["collective_contracts"]:
        parts.append(_contracts(con))
    if have["petitions"]:
        parts.append(_petitions(con, cfg))
    if have["weak_party_orgs"]:
        parts.append(_weak_orgs(con, cfg))
    out = base
    for p in parts:
        out = out.join(p, on="village_code", how="left")
    for col, dtype in (("ledger_year", pl.Int64), ("income_yuan", pl.Float64), ("spending_yuan", pl.Float64),
                       ("project_yuan", pl.Float64), ("project_vouchers", pl.Int64), ("contracts", pl.Int64),
                       ("contract_rent_yuan", pl.Float64), ("petitions", pl.Int64), ("repeat_petitioners", pl.Int64),
                       ("petition_categories", pl.String), ("weak_org", pl.String)):
        if col not in out.columns:
            out = out.with_columns(pl.lit(None, dtype=dtype).alias(col))
    # contract rent is part of the scale only through the ledger's income; shown beside it
    out = out.with_columns(
        (pl.col("income_yuan") + pl.col("spending_yuan")).alias("economy_yuan"),
        pl.col("score").alias("anomaly_score"),
    )
    out = out.with_columns(_rank(out, "economy_yuan"), _rank(out, "project_yuan"), _rank(out, "petitions"),
                           _rank(out, "anomaly_score"))
    n = out.height
    top = {k: math.ceil(share * n) for k, share in (("economy", cfg.economy_top_share),
                                                     ("projects", cfg.projects_top_share),
                                                     ("anomaly", scoring.key_village_top_share))}
    reasons, missing = [], []
    for r in out.iter_rows(named=True):
        met, unknown = [], []
        if not have["village_ledger"]:
            unknown.append(f"{CRITERIA['economy'][0]}、{CRITERIA['projects'][0]}（未报送{table_label('village_ledger')}）")
        else:
            if r["economy_yuan_rank"] is not None and r["economy_yuan_rank"] <= top["economy"]:
                met.append(f"经济规模大（{r['ledger_year']}年集体收支{r['economy_yuan']:,.0f}元，全县第{r['economy_yuan_rank']}）")
            if r["project_yuan_rank"] is not None and r["project_yuan_rank"] <= top["projects"]:
                met.append(f"项目和专项资金多（工程项目支出{r['project_yuan']:,.0f}元，全县第{r['project_yuan_rank']}）")
        if not have["petitions"]:
            unknown.append(f"信访情况（未报送{table_label('petitions')}）")
        elif (r["petitions"] or 0) >= cfg.petitions_min or (r["repeat_petitioners"] or 0) >= cfg.repeat_petitioners_min:
            met.append(f"信访反映多（近{cfg.petition_years}年{r['petitions']}件，重复信访{r['repeat_petitioners']}人）")
        if not have["weak_party_orgs"]:
            unknown.append(f"软弱涣散情况（未报送{table_label('weak_party_orgs')}）")
        elif cfg.weak_org and r["weak_org"]:
            met.append(f"软弱涣散村党组织（{r['weak_org']}）")
        if (r["anomaly_score_rank"] is not None and r["anomaly_score_rank"] <= top["anomaly"]) or (
                scoring.key_village_if_high and r["high_flags"]):
            met.append(f"数据异常突出（风险得分{r['score']:.1f}，全县第{r['rank']}）")
        reasons.append("；".join(met))
        missing.append("；".join(unknown))
    return out.with_columns(
        pl.Series("key_reasons", reasons, dtype=pl.String),
        pl.Series("missing", missing, dtype=pl.String),
        # typed: a county whose village list is unread has no villages, and an untyped empty Series cannot compare
        pl.when(pl.Series(reasons, dtype=pl.String) != "").then(pl.lit(KEY_VILLAGE))
        .otherwise(pl.lit(ORDINARY_VILLAGE)).alias("class"),
    ).drop("score", "rank", "high_flags")


def apply(con: duckdb.DuckDBPyConnection, scored: pl.DataFrame, cfg: KeyVillagesConfig,
          scoring: ScoringConfig) -> pl.DataFrame:
    """Store the portrait and return `scored` with its class taken from the portrait."""
    portrait = build_portrait(con, scored, cfg, scoring)  # noqa: F841  (read by DuckDB by name)
    con.execute(f"CREATE OR REPLACE TABLE {PORTRAIT_TABLE} AS SELECT * FROM portrait")
    classes = portrait.select("village_code", pl.col("class").alias("_class"))
    return (scored.join(classes, on="village_code", how="left")
            .with_columns(pl.coalesce("_class", "class").alias("class")).drop("_class").select(scored.columns))

