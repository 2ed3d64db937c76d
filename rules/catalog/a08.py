"""A08 两项补贴对象不符: 生活补贴 outside a 低保 household; 护理补贴 for a grade other than 一级/二级."""

from rules.model import Param, Question, Rule
from rules.sqlparts import evidence, is_dibao, period_text, roster_active_until

SQL = f"""
WITH pay AS (
    SELECT p.*, p.rowid AS rid,
           -- the grade as written, else the last digit of the 20-digit certificate number
           coalesce(p.disability_grade,
                    CASE WHEN length(p.disability_cert_no) = 20
                         THEN try_cast(substr(p.disability_cert_no, 20, 1) AS INTEGER) END) AS grade
    FROM disability_payments p
    WHERE p.person_id IS NOT NULL AND p.period_start IS NOT NULL AND p.period_end IS NOT NULL
),
dibao_spells AS (
    -- every member of a 低保 household (the head included), from approval to the last active day
    SELECT DISTINCT unnest([a.member_id, a.head_id]) AS person_id, a.approval_date AS start_day,
           coalesce({roster_active_until('a')}, DATE '9999-12-31') AS end_day
    FROM assistance_roster a
    WHERE {is_dibao('a')} AND a.approval_date IS NOT NULL
      AND coalesce({roster_active_until('a')}, a.approval_date) >= a.approval_date
),
living AS (SELECT * FROM pay WHERE coalesce(subsidy_type, '') LIKE '%生活补贴%'),
covered AS (
    SELECT DISTINCT l.rid FROM living l
    JOIN dibao_spells d ON d.person_id = l.person_id
    -- a member of an active 低保 household on some day of the months paid for (a quarterly or annual
    -- payment is covered by a household active in any of its months)
    WHERE d.start_day <= last_day(l.period_end) AND d.end_day >= l.period_start
),
unjudged AS (
    -- people on roster rows that could not be judged (no approval date or no programme: rows the
    -- coverage reports as left out): their absence from the spells proves nothing, so no flag
    SELECT DISTINCT unnest([a.member_id, a.head_id]) AS person_id
    FROM assistance_roster a
    WHERE a.approval_date IS NULL OR a.programme IS NULL OR trim(a.programme) = ''
),
hits AS (
    SELECT 'not_dibao' AS kind, l.* FROM living l ANTI JOIN covered c ON c.rid = l.rid
    WHERE l.person_id NOT IN (SELECT person_id FROM unjudged WHERE person_id IS NOT NULL)
    UNION ALL
    SELECT 'grade', p.* FROM pay p
    WHERE coalesce(p.subsidy_type, '') LIKE '%护理%' AND p.grade IS NOT NULL
      AND NOT list_contains(CAST($care_grades AS INTEGER[]), p.grade)
),
dibao_rows AS (
    -- for the flag's evidence: the person's 低保 rows, none of them active in the paid month
    SELECT a.member_id AS person_id, max({roster_active_until('a')}) AS last_day_active,
           list({evidence('a', 'assistance_roster')} ORDER BY a.source_row) AS ev
    FROM assistance_roster a
    WHERE {is_dibao('a')} AND a.member_id IN (SELECT person_id FROM hits WHERE kind = 'not_dibao')
    GROUP BY a.member_id
)
SELECT h.village_code, h.person_id AS subject_key, any_value(h.person_name) AS subject_name,
       sum(coalesce(amount_yuan, 0)) AS amount_yuan,
       coalesce(any_value(h.person_name), '') || '（' || h.person_id || '）在'
         || {period_text('min(period_start)', 'max(period_end)')}
         || '领取' || string_agg(DISTINCT subsidy_type, '、' ORDER BY subsidy_type) || count(*) || '笔'
         || CASE h.kind
              WHEN 'not_dibao' THEN '，但发放当月不是在保低保家庭成员'
                   || CASE WHEN any_value(d.last_day_active) < min(h.period_start)
                           THEN '（其低保已于' || strftime(any_value(d.last_day_active), '%Y年%m月%d日')
                                || '停保）' ELSE '' END
              ELSE '，残疾等级为' || array_to_string(list_transform(list_sort(list_distinct(list(grade))),
                       g -> CASE g WHEN 1 THEN '一级' WHEN 2 THEN '二级' WHEN 3 THEN '三级' WHEN 4 THEN '四级'
                                 ELSE CAST(g AS VARCHAR) || '级' END), '、')
                   || coalesce('（残疾证号' || any_value(disability_cert_no) || '）', '')
                   || '，不属于规定的重度残疾等级' END
         || '，涉及金额' || printf('%.2f', sum(coalesce(amount_yuan, 0))) || '元' AS summary,
       h.kind AS detail_key,
       list_concat(list({evidence('h', 'disability_payments')} ORDER BY h.period_start, h.rid),
                   CASE WHEN h.kind = 'not_dibao' THEN coalesce(any_value(d.ev), []) ELSE [] END) AS evidence,
       NULL AS severity, NULL AS confidence
FROM hits h LEFT JOIN dibao_rows d ON d.person_id = h.person_id
GROUP BY h.village_code, h.person_id, h.kind
"""

RULE = Rule(
    id="A08",
    title="两项补贴对象不符",
    severity="高",
    semantics=(
        "disability_payments with subsidy_type containing 生活补贴 whose person is not a member of a 低保 "
        "roster row active on some day of the months paid for (period_start..period_end; the pay month "
        "for a monthly payment, any month of the year for 2024年度); or subsidy_type containing 护理 "
        "with disability_grade not in (1, "
        "2). Near miss: a member (not head) of an active 低保 household; 护理 at grade 2."
    ),
    tables=("disability_payments", "assistance_roster"),
    needs=(
        "disability_payments.person_id", "disability_payments.period_start",
        "disability_payments.subsidy_type", "assistance_roster.member_id",
        "assistance_roster.approval_date",
    ),
    why="残疾人两项补贴有明确对象：困难残疾人生活补贴发给低保家庭中的残疾人，重度残疾人护理补贴发给残疾等级为"
    "一级、二级的重度残疾人（国发〔2015〕52号，各地可扩大范围）。对象不符，说明审核把关不严或虚报冒领。",
    methodology="（一）困难残疾人生活补贴（补贴类型含“生活补贴”）：按身份证号比对低保花名册，发放月份内该人不是任何"
    "在保低保家庭的成员（含户主）的，生成疑点；（二）重度残疾人护理补贴（补贴类型含“护理”）：残疾等级（名册未填时"
    "取 20 位残疾证号末位）不在规定等级（默认一级、二级）内的，生成疑点。每人每村每类一条，列出月份、笔数和金额。",
    exclusions=(
        "低保家庭中的非户主成员领取生活补贴的，属符合条件，不计。",
        "二级残疾人领取护理补贴的，属符合条件，不计。",
        "残疾等级既未填写、残疾证号也无法识别的，无法判断，不计。",
    ),
    assumptions=(
        "本县生活补贴对象仅限低保家庭；已扩大到低保边缘家庭或其他困难残疾人的，需结合本县政策判断。",
        "低保家庭成员以低保特困花名册为准，在保期间为审批日期至停保日期。",
    ),
    verify="调取该残疾人的两项补贴申请审批表、残疾证和低保认定材料，核实发放当月的低保状态和残疾等级；"
    "低保已停保的，查补贴是否同步停发；等级不符的，查是否残疾等级调整后未及时变更。",
    questions=(
        Question("民政协理员", "{subject_name}领取两项补贴是谁审核的？停保（残疾等级变更）后为何没有及时停发？"),
        Question("书记", "村里残疾人两项补贴对象是如何确定的？是否与低保名册、残疾证信息核对过？"),
        Question("当事户", "您（家人）的残疾证是几级？现在是否还在享受低保？每月领取哪些补贴？"),
    ),
    params=(Param("care_grades", [1, 2], "可领取重度残疾人护理补贴的残疾等级（1 = 一级，2 = 二级）"),),
    sql=SQL,
)
