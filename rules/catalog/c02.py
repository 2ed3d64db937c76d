"""C02 村补贴面积超耕地面积: a village's total subsidised area exceeds its farmland in the statistics."""

from rules.model import Param, Question, Rule
from rules.sqlparts import basics_for_year, village_year_evidence

SQL = f"""
WITH totals AS (
    SELECT village_code, year,
           sum(subsidy_area_mu) AS area,
           sum(amount_yuan) AS amount,
           count(*) AS n_rows,
           count(DISTINCT coalesce(person_id, head_name)) AS n_households
    FROM farmland_subsidy
    WHERE village_code IS NOT NULL AND year IS NOT NULL AND subsidy_area_mu IS NOT NULL
    GROUP BY village_code, year
),
reference AS {basics_for_year('totals', 'b.farmland_mu IS NOT NULL')},
over AS (
    SELECT t.*, r.basics
    FROM totals t JOIN reference r USING (village_code, year)
    WHERE t.area > (1 + $tolerance) * r.basics.farmland_mu + 1e-9
),
-- evidence only for the flagged village-years: every row summed
ev AS {village_year_evidence('farmland_subsidy', 'f', 'f.year', 'over', 'f.subsidy_area_mu IS NOT NULL')}
SELECT o.village_code,
       o.village_code AS subject_key,
       '' AS subject_name,
       -- the excess area at the village's average subsidy per mu
       (o.area - o.basics.farmland_mu) * coalesce(o.amount / nullif(o.area, 0), 0) AS amount_yuan,
       o.year || '年全村耕地地力保护补贴面积合计' || printf('%.2f', o.area) || '亩（' || o.n_households || '户、'
         || o.n_rows || '条），村基本情况表' || coalesce(o.basics.basics_year || '年', '') || '耕地面积'
         || printf('%.2f', o.basics.farmland_mu) || '亩'
         || CASE WHEN o.basics.farmland_mu > 0
                 THEN '，超出' || printf('%.1f', 100 * (o.area / o.basics.farmland_mu - 1)) || '%' ELSE '' END
         || '（' || printf('%.2f', o.area - o.basics.farmland_mu) || '亩）'
         || CASE WHEN o.amount IS NOT NULL
                 THEN '，按全村平均每亩补贴计涉及约'
                      || printf('%.2f', (o.area - o.basics.farmland_mu) * o.amount / nullif(o.area, 0)) || '元'
                 ELSE '' END AS summary,
       CAST(o.year AS VARCHAR) AS detail_key,
       list_prepend(o.basics.ev, e.ev) AS evidence,
       NULL AS severity,
       NULL AS confidence
FROM over o JOIN ev e USING (village_code, year)
"""

RULE = Rule(
    id="C02",
    title="村补贴面积超耕地面积",
    severity="中",
    semantics=(
        "Per village and year: Σ subsidy_area_mu > (1 + `tolerance` 0.05) × village_basics.farmland_mu "
        "(the latest basics year ≤ that year, else the nearest). subject = village."
    ),
    tables=("farmland_subsidy", "village_basics"),
    needs=(
        "farmland_subsidy.year", "farmland_subsidy.subsidy_area_mu",
        "farmland_subsidy.village_code", "village_basics.farmland_mu",
        "village_basics.village_code",
    ),
    why="全村的补贴面积不可能超过全村的耕地面积。超出说明补贴面积整体虚报，或把非耕地（林地、撂荒地、"
    "已征收占用的土地）计入了补贴面积。",
    methodology="按村、年度汇总耕地地力保护补贴清册的补贴面积，与村基本情况表的耕地面积比较（取不晚于该年度的最近一年，"
    "没有则取最接近的年度）：合计 >（1 + tolerance）× 耕地面积的列为疑点，每村每年一条。"
    "涉及金额 = 超出面积 × 全村平均每亩补贴额。",
    exclusions=(
        "超出耕地面积不到 tolerance（默认 5%）的，视为统计口径误差，不计。",
        "村基本情况表中没有耕地面积的村不比对。",
    ),
    assumptions=(
        "村基本情况表的耕地面积与补贴面积口径一致（均为承包耕地）。",
        "补贴清册中的村名已正确匹配到统计用区划代码，且清册不含外村农户。",
    ),
    verify="调取乡镇农经站的补贴面积汇总表、村级公示底册和耕地面积统计台账，比对两者差额来自哪些组、哪些户；"
    "抽查补贴面积较大的户，实地核对地块；核实是否把林地、荒地、已征收土地计入补贴面积。",
    questions=(
        Question("书记", "全村补贴面积为什么比统计的耕地面积还多？多出的面积是哪些地？"),
        Question("报账员", "补贴面积汇总表由谁编制？各组上报的面积是否与确权面积核对过？"),
        Question("组长", "本组上报的补贴面积是怎么统计出来的？有没有把荒地、林地算进去？"),
    ),
    params=(
        Param("tolerance", 0.05, "补贴面积合计超出耕地面积的容许比例（默认 5%）"),
    ),
    sql=SQL,
)
