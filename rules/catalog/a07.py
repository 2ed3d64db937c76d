"""A07 高龄补贴年龄不符: old-age allowance paid for a month in which the person (by ID) is under age."""

from rules.model import Param, Question, Rule
from rules.sqlparts import evidence, period_text

SQL = f"""
WITH paid AS (
    SELECT p.*, CAST(try_strptime(substr(p.person_id, 7, 8), '%Y%m%d') AS DATE) AS birth,
           -- an annual or quarterly payment counts as paid for its last month: a person who comes
           -- of age within the period is entitled to it (as within a paid month)
           last_day(p.period_end) AS month_end
    FROM old_age_payments p
    WHERE p.person_id IS NOT NULL AND p.period_start IS NOT NULL AND p.period_end IS NOT NULL
),
aged AS (
    -- full years on the last day of the paid month
    SELECT *, year(month_end) - year(birth)
              - CASE WHEN month(month_end) * 100 + day(month_end) < month(birth) * 100 + day(birth)
                     THEN 1 ELSE 0 END AS id_age
    FROM paid WHERE birth IS NOT NULL
)
SELECT village_code, person_id AS subject_key, any_value(person_name) AS subject_name,
       sum(coalesce(amount_yuan, 0)) AS amount_yuan,
       coalesce(any_value(person_name), '') || '（' || person_id || '，按身份证号'
         || strftime(any_value(birth), '%Y年%m月%d日') || '出生）在'
         || {period_text('min(period_start)', 'max(period_end)')}
         || '领取高龄补贴' || count(*) || '笔，发放月份末仅' || min(id_age)
         || CASE WHEN min(id_age) <> max(id_age) THEN '至' || max(id_age) ELSE '' END || '周岁'
         || coalesce('（名册填报年龄' || CAST(max(age) AS VARCHAR) || '岁）', '')
         || '，未达' || $min_age || '周岁标准，涉及金额' || printf('%.2f', sum(coalesce(amount_yuan, 0))) || '元'
         AS summary,
       '' AS detail_key,
       list({evidence('aged', 'old_age_payments')} ORDER BY period_start, source_row) AS evidence,
       NULL AS severity, NULL AS confidence
FROM aged
WHERE id_age < $min_age
GROUP BY village_code, person_id
"""

RULE = Rule(
    id="A07",
    title="高龄补贴年龄不符",
    severity="高",
    semantics=(
        "old_age_payments where age from the ID on the last day of the payment's period (period_end; "
        "the pay month for a monthly payment, December for 2024年度) is below `min_age` (80). Near "
        "miss: turns 80 within the paid month (or within the paid year or quarter)."
    ),
    tables=("old_age_payments",),
    needs=(
        "old_age_payments.person_id", "old_age_payments.period_start",
    ),
    why="高龄补贴只发给达到规定年龄（默认 80 周岁）的老人。按身份证号计算的年龄未达标准却领取补贴，"
    "可能是虚报年龄、冒用他人身份或审核把关不严，属资金错发。",
    methodology="按身份证号中的出生日期计算每笔高龄补贴发放月份最后一天的周岁年龄，低于最低年龄（默认 80 岁）的，"
    "每人每村生成一条疑点，列出所涉月份、笔数和金额，并附名册填报的年龄以便对照。",
    exclusions=(
        "在发放月份内年满 80 周岁的（按当月最后一天计算），不计。",
        "身份证号出生日期无法解析的记录不在本规则判断，由 A06 反映。",
    ),
    assumptions=(
        "身份证号中的出生日期为真实出生日期；户籍出生日期经更正的，应以户籍为准并更正身份证号。",
        "各地高龄补贴起领年龄不同（有的 70、80、90、100 岁分档），请按本县标准设置最低年龄。",
    ),
    verify="调取该老人户籍信息和高龄补贴申请材料，核对出生日期；查看审核环节是否核验了身份证；"
    "核实已发放金额并督促追回。",
    questions=(
        Question("民政协理员", "{subject_name}申请高龄补贴时提供了哪些年龄证明？是谁审核的？"),
        Question("报账员", "高龄补贴发放名册由谁编制？是否按身份证号核对过年龄？"),
        Question("当事户", "老人的出生日期是哪年哪月？高龄补贴是从什么时候开始领取的？"),
    ),
    params=(Param("min_age", 80, "高龄补贴最低年龄（周岁），以发放月份最后一天计算"),),
    sql=SQL,
)
