"""B04 超标准发放: a payment above the item's configured standard, or far above its village median.

Python only to turn the `standards` table (item → yuan) into a relation; the test is SQL.
"""

from __future__ import annotations

from typing import Any

import duckdb
import polars as pl

from rules.model import Param, Question, Rule
from rules.sqlparts import evidence

SQL = f"""
WITH pay AS (
    SELECT p.*, trim(p.item) AS item_key, {evidence('p', 'onecard_payments')} AS ev
    FROM onecard_payments p
    WHERE p.item IS NOT NULL AND p.amount_yuan IS NOT NULL
),
stats AS (
    -- items without a configured standard: robust statistics per village and item
    SELECT village_code, item_key, count(*) AS n, median(amount_yuan) AS med, mad(amount_yuan) AS mad
    FROM pay
    WHERE village_code IS NOT NULL AND item_key NOT IN (SELECT item FROM _b04_standards)
    GROUP BY village_code, item_key
    HAVING count(*) >= $min_payments
),
over_standard AS (
    SELECT p.village_code, p.person_id, p.person_name, p.item_key, p.pay_month, p.amount_yuan, p.ev,
           s.standard_yuan AS reference,
           '发放标准' || printf('%.2f', s.standard_yuan) || '元' AS basis,
           NULL::DOUBLE AS z
    FROM pay p JOIN _b04_standards s ON s.item = p.item_key
    WHERE p.amount_yuan > s.standard_yuan AND p.person_id IS NOT NULL
),
over_median AS (
    SELECT p.village_code, p.person_id, p.person_name, p.item_key, p.pay_month, p.amount_yuan, p.ev,
           st.med AS reference,
           '本村该项目' || st.n || '笔发放的中位数' || printf('%.2f', st.med) || '元'
             || CASE WHEN st.mad > 0 THEN '（MAD ' || printf('%.2f', st.mad) || '元）'
                     ELSE '（各笔金额基本相同）' END AS basis,
           CASE WHEN st.mad > 0 THEN 0.6745 * (p.amount_yuan - st.med) / st.mad END AS z
    FROM pay p JOIN stats st USING (village_code, item_key)
    WHERE p.person_id IS NOT NULL
      AND CASE WHEN st.mad > 0 THEN 0.6745 * (p.amount_yuan - st.med) / st.mad > $robust_z
               ELSE p.amount_yuan > $mad_zero_ratio * st.med END
),
hits AS (SELECT * FROM over_standard UNION ALL SELECT * FROM over_median)
SELECT village_code,
       person_id AS subject_key,
       min(person_name) AS subject_name,
       sum(amount_yuan - reference) AS amount_yuan,
       coalesce(min(person_name), person_id) || '的' || item_key || '：'
         || string_agg(strftime(pay_month, '%Y年%m月') || '发放' || printf('%.2f', amount_yuan) || '元', '、'
                       ORDER BY pay_month, ev.source_row)
         || '，高于' || min(basis)
         || CASE WHEN max(z) IS NOT NULL THEN '，稳健z值' || printf('%.1f', max(z)) ELSE '' END
         || '，超出合计' || printf('%.2f', sum(amount_yuan - reference)) || '元' AS summary,
       item_key AS detail_key,
       list(ev ORDER BY pay_month, ev.source_file, ev.source_row) AS evidence,
       NULL AS severity,
       NULL AS confidence
FROM hits
GROUP BY village_code, person_id, item_key
"""


def run(con: duckdb.DuckDBPyConnection, params: dict[str, Any]) -> pl.DataFrame:
    standards = params.get("standards") or {}
    try:
        table = pl.DataFrame(
            {"item": [str(k).strip() for k in standards], "standard_yuan": [float(v) for v in standards.values()]},
            schema={"item": pl.String, "standard_yuan": pl.Float64},
        )
    except (TypeError, ValueError) as e:
        raise ValueError(f"B04 参数 standards 应为“补贴项目 = 标准金额(元)”的表：{e}") from e
    con.register("_b04_standards", table)
    try:
        return con.execute(
            SQL,
            {
                "robust_z": float(params["robust_z"]),
                "mad_zero_ratio": float(params["mad_zero_ratio"]),
                "min_payments": int(params["min_payments"]),
            },
        ).pl()
    finally:
        con.unregister("_b04_standards")


RULE = Rule(
    id="B04",
    title="超标准发放",
    severity="中",
    semantics=(
        "amount above `standards[item]` when configured (default: none configured); otherwise robust z = "
        "0.6745 × (amount − median) / MAD > `robust_z` (3.5) within the same item and village (≥ 5 "
        "payments); when MAD = 0, amount > `mad_zero_ratio` (1.5) × median. Near miss: 1.2 × the median."
    ),
    tables=("onecard_payments",),
    needs=(
        "onecard_payments.item", "onecard_payments.amount_yuan", "onecard_payments.village_code",
    ),
    why="各项补贴都有发放标准。单笔发放金额高于标准，或远高于本村同一项目的一般水平，"
    "可能是虚报人数、提高档次、重复计算或优亲厚友多发。",
    methodology="配置了发放标准（standards，按补贴项目）的项目：发放金额高于标准即列为疑点。"
    "未配置标准的项目：在同村同项目的发放记录（不少于 min_payments 笔）中计算中位数和绝对中位差 MAD，"
    "稳健 z 值 = 0.6745 ×（金额 − 中位数）÷ MAD 大于 robust_z 的列为疑点；MAD 为 0（各笔金额相同）时，"
    "金额大于 mad_zero_ratio × 中位数的列为疑点。同一人同一项目的多笔超标发放合并为一条，涉及金额为超出标准或中位数的部分。",
    exclusions=(
        "略高于本村中位数（如 1.2 倍）的发放不计：按户发放的项目随家庭人口、档次正常浮动。",
        "同村同项目发放少于 min_payments 笔的，无法判断一般水平，不比对（配置了标准的项目除外）。",
    ),
    assumptions=(
        "同一村同一项目的正常发放金额相近；按户、按档次、按面积发放的项目差异较大，宜配置标准或提高阈值。",
        "补发往月款项若与当月合并为一笔，会显得超标，需实地核实后排除。",
    ),
    verify="查阅该户的补贴审批表、保障档次（人数）认定材料和发放标准文件，核对应发金额；"
    "属补发的，查补发审批依据；无合理依据的，核实多发资金去向并追回。",
    questions=(
        Question("报账员", "{subject_name}的补贴为什么比同村同项目高出许多？发放金额是怎么核定的？"),
        Question("民政协理员", "{subject_name}的保障档次（或补贴标准）是如何认定的？有哪些审批材料？"),
        Question("当事户", "您家这项补贴每次实际收到多少钱？是否有补发？"),
    ),
    params=(
        Param("standards", {}, "各补贴项目的发放标准（元/笔），形如 standards = { 高龄补贴 = 100 }；默认未配置"),
        Param("robust_z", 3.5, "未配置标准时，稳健 z 值超过此值列为疑点"),
        Param("mad_zero_ratio", 1.5, "同村同项目各笔金额相同（MAD=0）时，金额超过中位数的倍数"),
        Param("min_payments", 5, "未配置标准时，同村同项目至少需要的发放笔数"),
    ),
    run=run,
)
