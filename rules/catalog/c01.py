"""C01 补贴面积超确权面积: a household's subsidised area exceeds its contracted (确权) area."""

from rules.model import Param, Question, Rule
from rules.sqlparts import evidence

SQL = f"""
WITH subsidy AS (
    SELECT village_code, person_id, year,
           min(head_name) AS head_name,
           sum(subsidy_area_mu) AS area,
           sum(amount_yuan) AS amount,
           -- yuan per mu: the roster's rate, else what was actually paid per mu
           coalesce(max(rate_yuan_per_mu), sum(amount_yuan) / nullif(sum(subsidy_area_mu), 0)) AS rate
    FROM farmland_subsidy
    WHERE person_id IS NOT NULL AND year IS NOT NULL AND subsidy_area_mu IS NOT NULL AND village_code IS NOT NULL
    GROUP BY village_code, person_id, year
),
contract_villages AS (
    -- villages whose 确权 register we hold; elsewhere "no contract" proves nothing
    SELECT DISTINCT village_code FROM land_contracts WHERE village_code IS NOT NULL
),
contracts AS (
    SELECT village_code, person_id, sum(coalesce(contract_area_mu, 0)) AS area, count(*) AS n
    FROM land_contracts
    WHERE person_id IS NOT NULL AND village_code IS NOT NULL
    GROUP BY village_code, person_id
),
over AS (
    SELECT s.*, c.area AS contract_area, c.n AS contract_rows
    FROM subsidy s
    SEMI JOIN contract_villages USING (village_code)
    LEFT JOIN contracts c USING (village_code, person_id)
    WHERE s.area > (1 + $tolerance) * coalesce(c.area, 0) + 1e-9
),
subsidy_ev AS (
    -- evidence only for the flagged households
    SELECT f.village_code, f.person_id, f.year,
           list({evidence('f', 'farmland_subsidy')} ORDER BY f.source_file, f.source_row) AS ev
    FROM farmland_subsidy f
    SEMI JOIN over o ON o.village_code = f.village_code AND o.person_id = f.person_id AND o.year = f.year
    WHERE f.subsidy_area_mu IS NOT NULL
    GROUP BY f.village_code, f.person_id, f.year
),
contract_ev AS (
    SELECT c.village_code, c.person_id,
           list({evidence('c', 'land_contracts')} ORDER BY c.source_file, c.source_row) AS ev
    FROM land_contracts c
    SEMI JOIN (SELECT DISTINCT village_code, person_id FROM over) o
      ON o.village_code = c.village_code AND o.person_id = c.person_id
    GROUP BY c.village_code, c.person_id
)
SELECT o.village_code,
       o.person_id AS subject_key,
       o.head_name AS subject_name,
       (o.area - coalesce(o.contract_area, 0)) * coalesce(o.rate, 0) AS amount_yuan,
       coalesce(o.head_name, o.person_id) || '户' || o.year || '年耕地地力保护补贴面积' || printf('%.2f', o.area) || '亩，'
         || CASE WHEN o.contract_area IS NULL THEN '本村确权登记中无其承包地'
                 ELSE '确权面积' || printf('%.2f', o.contract_area) || '亩（' || o.contract_rows || '条登记）'
                      || CASE WHEN o.contract_area > 0
                              THEN '，超出' || printf('%.1f', 100 * (o.area / o.contract_area - 1)) || '%'
                              ELSE '' END END
         || '，多出' || printf('%.2f', o.area - coalesce(o.contract_area, 0)) || '亩'
         || CASE WHEN o.rate IS NOT NULL
                 THEN '，按' || printf('%.2f', o.rate) || '元/亩计多补约'
                      || printf('%.2f', (o.area - coalesce(o.contract_area, 0)) * o.rate) || '元' ELSE '' END AS summary,
       CAST(o.year AS VARCHAR) AS detail_key,
       list_concat(se.ev, coalesce(ce.ev, [])) AS evidence,
       NULL AS severity,
       NULL AS confidence
FROM over o
JOIN subsidy_ev se USING (village_code, person_id, year)
LEFT JOIN contract_ev ce USING (village_code, person_id)
"""

RULE = Rule(
    id="C01",
    title="补贴面积超确权面积",
    severity="高",
    semantics=(
        "subsidy_area_mu > (1 + `tolerance` 0.05) × the person's total land_contracts.contract_area_mu in "
        "the same village (0 when none). One flag per person and year. Near miss: 4 % over."
    ),
    tables=("farmland_subsidy", "land_contracts"),
    needs=(
        "farmland_subsidy.person_id", "farmland_subsidy.year", "farmland_subsidy.subsidy_area_mu",
        "farmland_subsidy.village_code", "land_contracts.village_code",
        "land_contracts.contract_area_mu",
    ),
    why="耕地地力保护补贴以确权（承包）面积为基础核定。补贴面积明显超过确权面积，可能是虚报面积、"
    "把集体机动地或他人承包地算到某户名下，从而多领补贴。",
    methodology="按村、身份证号、年度汇总耕地地力保护补贴清册的补贴面积，与同一人在同村的确权登记面积（多块合计；"
    "无登记按 0 计）比较：补贴面积 >（1 + tolerance）× 确权面积的列为疑点，每人每年一条。"
    "涉及金额 = 超出面积 × 补贴标准（元/亩；清册未填标准的按实际每亩发放额计）。",
    exclusions=(
        "超出确权面积不到 tolerance（默认 5%，如 4%）的，视为测量和四舍五入误差，不计。",
        "确权登记中没有任何记录的村不比对，以免因确权数据缺失误报。",
    ),
    assumptions=(
        "补贴清册与确权登记中的身份证号均为承包方代表（户主）的身份证号。",
        "确权面积为最新登记面积；流转、互换、开荒等面积变化需实地核实。",
    ),
    verify="调取该户土地确权证书和地块清单，与补贴申报面积逐块核对；到田间查看实际种植地块；"
    "查阅补贴面积申报、村组公示和乡镇审核材料，核实多出面积的来源（机动地、开荒地、他人地块）和经办人。",
    questions=(
        Question("当事户", "您家确权承包地有几块、多少亩？今年申报补贴的面积是多少？多出的地是哪里的？"),
        Question("组长", "{subject_name}户的补贴面积是怎么统计上报的？是否经过实地丈量和公示？"),
        Question("报账员", "补贴面积清册由谁汇总？与确权面积核对过吗？"),
        Question("书记", "村里的机动地、开荒地是否计入了个人补贴面积？由谁决定的？"),
    ),
    params=(
        Param("tolerance", 0.05, "补贴面积超出确权面积的容许比例（默认 5%）"),
    ),
    sql=SQL,
)
