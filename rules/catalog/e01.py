"""E01 享受人数超过户籍人口: more people (or households) paid in a village than it has registered."""

from rules.model import Question, Rule
from rules.sqlparts import basics_for_year, village_year_evidence

SQL = f"""
WITH pay AS (
    -- a payment counts in the year its period starts (2024年度 and 2024年03月 both in 2024)
    SELECT village_code, year(period_start) AS year, person_id, head_name, amount_yuan
    FROM onecard_payments
    WHERE village_code IS NOT NULL AND period_start IS NOT NULL
),
raw_counts AS (
    -- distinct head names as written: an upper bound of the households (homophones merge below)
    SELECT village_code, year,
           count(DISTINCT person_id) AS n_people,
           count(DISTINCT head_name) AS n_head_names,
           sum(amount_yuan) AS amount,
           count(*) AS n_payments
    FROM pay GROUP BY village_code, year
),
reference AS {basics_for_year('raw_counts', 'b.registered_population IS NOT NULL OR b.households IS NOT NULL')},
candidates AS (
    SELECT c.*, r.basics FROM raw_counts c JOIN reference r USING (village_code, year)
    WHERE c.n_people > r.basics.registered_population OR c.n_head_names > r.basics.households
),
head_keys AS (
    -- households are counted by the head's name; homophone spellings of one name are one household.
    -- Pinyin is computed only for the candidate villages' names.
    SELECT head_name, name_key(head_name) AS head_key
    FROM (SELECT DISTINCT p.head_name FROM pay p
          SEMI JOIN candidates c ON c.village_code = p.village_code AND c.year = p.year
          WHERE p.head_name IS NOT NULL)
),
counts AS (
    SELECT c.village_code, c.year, any_value(c.n_people) AS n_people,
           count(DISTINCT nullif(k.head_key, '')) AS n_households,
           any_value(c.amount) AS amount, any_value(c.n_payments) AS n_payments, any_value(c.basics) AS basics
    FROM candidates c
    JOIN pay p ON p.village_code = c.village_code AND p.year = c.year
    LEFT JOIN head_keys k ON k.head_name = p.head_name
    GROUP BY c.village_code, c.year
),
over AS (
    SELECT c.*,
           coalesce(c.n_people > c.basics.registered_population, false) AS people_over,
           coalesce(c.n_households > c.basics.households, false) AS households_over
    FROM counts c
    WHERE c.n_people > c.basics.registered_population OR c.n_households > c.basics.households
),
-- evidence only for the flagged village-years: every payment counted
ev AS {village_year_evidence('onecard_payments', 'p', 'year(p.period_start)', 'over')}
SELECT o.village_code,
       o.village_code AS subject_key,
       '' AS subject_name,
       -- the share of the year's money beyond what the register can account for
       coalesce(o.amount, 0) * greatest(
           CASE WHEN o.people_over THEN 1 - o.basics.registered_population / o.n_people ELSE 0 END,
           CASE WHEN o.households_over THEN 1 - o.basics.households / o.n_households ELSE 0 END) AS amount_yuan,
       o.year || '年一卡通向本村' || o.n_people || '人（按户主计' || o.n_households || '户）发放补贴' || o.n_payments
         || '笔、合计' || printf('%.2f', coalesce(o.amount, 0)) || '元；村基本情况表'
         || coalesce(o.basics.basics_year || '年', '')
         || '户籍人口' || coalesce(o.basics.registered_population || '人', '未填') || '、户籍户数'
         || coalesce(o.basics.households || '户', '未填') || '：'
         || concat_ws('，',
                CASE WHEN o.people_over THEN '享受人数超过户籍人口'
                     || (o.n_people - o.basics.registered_population) || '人' END,
                CASE WHEN o.households_over THEN '享受户数超过户籍户数'
                     || (o.n_households - o.basics.households) || '户' END) AS summary,
       CAST(o.year AS VARCHAR) AS detail_key,
       list_prepend(o.basics.ev, e.ev) AS evidence,
       NULL AS severity,
       -- households are counted by name only; people by ID
       CASE WHEN NOT o.people_over THEN 0.8 END AS confidence
FROM over o JOIN ev e USING (village_code, year)
"""

RULE = Rule(
    id="E01",
    title="享受人数超过户籍人口",
    severity="高",
    semantics=(
        "Per village and year (the year a onecard payment's period starts: 2024年度 and 2024年03月 both "
        "count in 2024): distinct person_id paid > registered_population, or distinct households paid "
        "(head_name) > households. Statistics without a year column serve every year."
    ),
    tables=("onecard_payments", "village_basics"),
    needs=(
        "onecard_payments.village_code", "onecard_payments.period_start",
        "onecard_payments.person_id", "village_basics.village_code",
    ),
    why="一个村享受补贴的人数不可能超过其户籍人口，享受户数不可能超过其户籍户数。超出说明发放名册中有大量非本村人员、"
    "虚构人员或重复人员，是成规模冒领、套取补贴的信号。",
    methodology="按村和发放年度汇总一卡通发放明细：不同身份证号的人数与村基本情况表的户籍人口比较，"
    "不同户主姓名（同音视为同一户主）的户数与户籍户数比较（取不晚于该年度的最近一年，没有则取最接近的年度）；"
    "任一超出即列为疑点，每村每年一条。涉及金额按超出部分占享受人数（户数）的比例折算当年发放总额。",
    exclusions=(
        "享受人数、户数均不超过户籍人口、户籍户数的，不计。",
        "村基本情况表中没有户籍人口和户籍户数的村不比对。",
    ),
    assumptions=(
        "村基本情况表的户籍人口、户数准确，且与一卡通发放明细属同一村（村名已正确匹配到统计用区划代码）。",
        "户数按户主姓名计，同名不同户会少计户数，只可能漏判、不会误判。",
    ),
    verify="将全年发放名册与户籍底册逐人比对，列出不在本村户籍中的人员、重复人员（配合 B03、B05 的疑点）；"
    "核实这些人员的身份和纳入名册的审批经过；重点查看账户集中、户名不一致的发放记录。",
    questions=(
        Question("书记", "村里享受补贴的人数为什么比户籍人口还多？名册中有哪些非本村人员？"),
        Question("报账员", "补贴发放名册由谁编制和更新？人员增减依据什么材料？"),
        Question("民政协理员", "纳入补贴的人员是否都核实过户籍？迁出、死亡人员是否及时从名册中删除？"),
    ),
    sql=SQL,
)
