"""E02 人均补贴金额异常: a village's subsidy per registered resident far above its town's villages."""

from rules.model import Param, Question, Rule
from rules.sqlparts import basics_for_year, village_year_evidence

SQL = f"""
WITH totals AS (
    -- a payment counts in the year its period starts (2024年度 and 2024年03月 both in 2024)
    SELECT village_code, year(period_start) AS year, sum(amount_yuan) AS amount, count(*) AS n_payments
    FROM onecard_payments
    WHERE village_code IS NOT NULL AND period_start IS NOT NULL AND amount_yuan IS NOT NULL
    GROUP BY village_code, year(period_start)
),
reference AS {basics_for_year('totals', 'b.registered_population > 0')},
per_capita AS (
    SELECT t.*, r.basics,
           -- the town is the first 9 digits of the 12-digit statistical code
           substr(t.village_code, 1, 9) AS town_code,
           t.amount / r.basics.registered_population AS rate
    FROM totals t JOIN reference r USING (village_code, year)
),
town_stats AS (
    SELECT town_code, year, count(*) AS n_villages, median(rate) AS med, mad(rate) AS mad
    FROM per_capita GROUP BY town_code, year
    HAVING count(*) >= $min_villages
),
outliers AS (
    -- MAD = 0 (most villages alike to the fen) leaves z undefined: no flag, as docs/rule_semantics.md
    SELECT p.*, s.n_villages, s.med, s.mad, 0.6745 * (p.rate - s.med) / s.mad AS z
    FROM per_capita p JOIN town_stats s USING (town_code, year)
    WHERE s.mad > 0 AND 0.6745 * (p.rate - s.med) / s.mad > $robust_z
),
-- evidence only for the flagged village-years: every payment summed
ev AS {village_year_evidence('onecard_payments', 'p', 'year(p.period_start)', 'outliers', 'p.amount_yuan IS NOT NULL')}
SELECT o.village_code,
       o.village_code AS subject_key,
       '' AS subject_name,
       -- money above what the town's median per resident would give this village
       (o.rate - o.med) * o.basics.registered_population AS amount_yuan,
       o.year || '年一卡通向本村发放补贴' || o.n_payments || '笔、合计' || printf('%.2f', o.amount) || '元，按村基本情况表'
         || coalesce(o.basics.basics_year || '年', '') || '户籍人口' || o.basics.registered_population || '人计人均'
         || printf('%.2f', o.rate) || '元；同乡镇' || o.n_villages || '个村人均中位数' || printf('%.2f', o.med)
         || '元（MAD ' || printf('%.2f', o.mad) || '元），稳健z值' || printf('%.1f', o.z)
         || '，比中位数水平多发约' || printf('%.2f', (o.rate - o.med) * o.basics.registered_population) || '元' AS summary,
       CAST(o.year AS VARCHAR) AS detail_key,
       list_prepend(o.basics.ev, e.ev) AS evidence,
       NULL AS severity,
       NULL AS confidence
FROM outliers o JOIN ev e USING (village_code, year)
"""

RULE = Rule(
    id="E02",
    title="人均补贴金额异常",
    severity="低",
    semantics=(
        "Per village and year (the year a payment's period starts): Σ onecard amount ÷ "
        "registered_population; robust z against its town's villages (same year) > `robust_z` (3.5). "
        "Statistics without a year column serve every year."
    ),
    tables=("onecard_payments", "village_basics"),
    needs=(
        "onecard_payments.village_code", "onecard_payments.period_start",
        "onecard_payments.amount_yuan", "village_basics.registered_population",
        "village_basics.village_code",
    ),
    why="同一乡镇各村的政策和人口结构相近，按户籍人口计算的人均补贴金额应大体相当。某村人均补贴远高于同乡镇其他村，"
    "可能存在虚报对象、提高标准、重复发放等问题，提示巡察组重点抽查该村。",
    methodology="按村和发放年度汇总一卡通发放金额，除以村基本情况表的户籍人口（取不晚于该年度的最近一年，没有则取最接近的年度），"
    "得到人均补贴金额；在同一乡镇（统计用区划代码前 9 位）同一年度的各村中计算中位数和绝对中位差 MAD，"
    "稳健 z 值 = 0.6745 ×（本村人均 − 中位数）÷ MAD 大于 robust_z 的列为疑点。涉及金额为超出中位数水平的部分。",
    exclusions=(
        "同乡镇同年度有发放记录且有户籍人口的村少于 min_villages 个的，无法比较，不计。",
        "同乡镇多数村人均金额完全相同（MAD 为 0）时 z 值无定义，不计。",
        "没有户籍人口数据的村不比对。",
    ),
    assumptions=(
        "一卡通发放明细覆盖了全乡镇各村，且各村村名已正确匹配到统计用区划代码。",
        "人口结构差异（如老龄人口多、残疾人多）会使人均金额偏高，需结合项目构成判断。",
    ),
    verify="按补贴项目拆分该村发放金额，与同乡镇其他村比较，找出偏高的项目；对偏高项目抽查发放对象的资格、"
    "户籍和账户（配合 B01–B05、E01 的疑点）；核实是否有补发、一次性项目（如危房改造）等合理原因。",
    questions=(
        Question("书记", "本村人均补贴金额明显高于同乡镇其他村，原因是什么？哪些项目发得多？"),
        Question("报账员", "本村补贴发放名册中各项目的人数、金额是怎么确定的？近年有无大额补发或一次性项目？"),
        Question("民政协理员", "本村低保、特困、残疾人补贴对象的比例为何比邻村高？是否开展过动态复核？"),
    ),
    params=(
        Param("robust_z", 3.5, "人均补贴金额的稳健 z 值超过此值列为疑点"),
        Param("min_villages", 3, "同乡镇同年度至少需要的可比较村数（少于 3 个村时稳健 z 值不可能超过阈值）"),
    ),
    sql=SQL,
)
