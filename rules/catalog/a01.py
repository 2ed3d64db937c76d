"""A01 已故人员仍在保或仍领取: a dead person still on the roster, or paid for months after death."""

from rules.model import Param, Question, Rule
from rules.sqlparts import evidence, period_text, roster_active_on, roster_active_until

SQL = f"""
WITH deaths_by_person AS (
    SELECT person_id, min(death_date) AS death_date, any_value(person_name) AS person_name,
           list({evidence('d', 'deaths')}) AS ev
    FROM deaths d
    WHERE person_id IS NOT NULL AND death_date IS NOT NULL
    GROUP BY person_id
),
dead AS (
    SELECT *, CAST(date_trunc('month', death_date) + INTERVAL 1 MONTH AS DATE) AS next_month
    FROM deaths_by_person
),
as_of AS (
    SELECT coalesce(CAST($as_of_date AS DATE), (
        SELECT max(x) FROM (
            SELECT max(greatest(approval_date, stop_date)) AS x FROM assistance_roster
            UNION ALL SELECT max(period_end) FROM onecard_payments
            UNION ALL SELECT max(period_end) FROM disability_payments
            UNION ALL SELECT max(period_end) FROM old_age_payments
            UNION ALL SELECT max(death_date) FROM deaths))) AS day
),
roster_hits AS (
    SELECT a.village_code, x.person_id, coalesce(a.member_name, x.person_name) AS person_name,
           -- whole months active after the death month, up to as_of
           greatest(0, datediff('month', x.next_month,
               least(coalesce({roster_active_until('a')}, (SELECT day FROM as_of)), (SELECT day FROM as_of))) + 1)
             * coalesce(a.monthly_amount_yuan, 0) AS amount,
           '在保名册（' || coalesce(a.programme, '') || '，' || coalesce(a.status, '') || '）' AS what,
           {evidence('a', 'assistance_roster')} AS ev
    FROM assistance_roster a JOIN dead x ON a.member_id = x.person_id
    WHERE {roster_active_on('a', 'x.next_month')}
),
payments AS (
    SELECT village_code, person_id, person_name, period_start, period_end, amount_yuan, item AS what,
           {evidence('p', 'onecard_payments')} AS ev FROM onecard_payments p
    UNION ALL
    SELECT village_code, person_id, person_name, period_start, period_end, amount_yuan, subsidy_type,
           {evidence('p', 'disability_payments')} FROM disability_payments p
    UNION ALL
    SELECT village_code, person_id, person_name, period_start, period_end, amount_yuan, '高龄补贴',
           {evidence('p', 'old_age_payments')} FROM old_age_payments p
),
payment_hits AS (
    SELECT p.village_code, x.person_id, coalesce(p.person_name, x.person_name) AS person_name,
           p.amount_yuan AS amount,
           {period_text('p.period_start', 'p.period_end')} || p.what AS what, p.ev
    FROM payments p JOIN dead x ON p.person_id = x.person_id
    -- paid for months that all lie after the death month; a quarterly or annual payment whose
    -- period had begun while the person was alive is not counted (entitlement had started)
    WHERE p.period_start >= x.next_month
),
hits AS (SELECT * FROM roster_hits UNION ALL SELECT * FROM payment_hits)
SELECT h.village_code, h.person_id AS subject_key, any_value(h.person_name) AS subject_name,
       sum(coalesce(h.amount, 0)) AS amount_yuan,
       any_value(h.person_name) || '已于' || strftime(any_value(x.death_date), '%Y年%m月%d日')
         || '死亡（注销），此后仍有：' || string_agg(DISTINCT h.what, '、' ORDER BY h.what)
         || '，涉及金额' || printf('%.2f', sum(coalesce(h.amount, 0))) || '元' AS summary,
       '' AS detail_key,
       list_concat(any_value(x.ev), list(h.ev)) AS evidence,
       NULL AS severity, NULL AS confidence
FROM hits h JOIN dead x USING (person_id)
GROUP BY h.village_code, h.person_id
"""

RULE = Rule(
    id="A01",
    title="已故人员仍在保或仍领取",
    severity="高",
    semantics=(
        "Deaths (person_id, death_date) joined by ID to: roster rows active on the first day of the month "
        "after the death month; or onecard/disability/old-age payments for a period that starts after the "
        "death month (period_start; a monthly payment's pay month; a 2024年度 payment counts only for a "
        "death before 2024). Primary register: the roster or payment row. One flag per person and village. "
        "Amount: payments after the death month (+ roster monthly amount × whole months active after "
        "death, up to as_of). Near misses: died and stopped in the same month; paid for the month of "
        "death itself."
    ),
    tables=("deaths",),
    any_tables=("assistance_roster", "onecard_payments", "disability_payments", "old_age_payments"),
    needs=(
        "deaths.person_id", "deaths.death_date", "assistance_roster.member_id",
        "assistance_roster.approval_date", "onecard_payments.person_id",
        "onecard_payments.period_end", "disability_payments.person_id",
        "disability_payments.period_end", "old_age_payments.person_id",
        "old_age_payments.period_end",
    ),
    why="人员死亡（户籍注销）后，低保等待遇应在当月停发。死亡后仍在保或仍有发放，说明动态管理缺位，"
    "资金可能被冒领或截留。",
    methodology="以身份证号关联死亡（火化、户籍注销）名单与低保特困花名册、一卡通、残疾人两项补贴、高龄补贴发放名册："
    "死亡次月第一天仍处于在保状态的名册记录，或发放月份晚于死亡月份的发放记录。",
    exclusions=(
        "死亡当月停保的，不计。",
        "死亡当月的发放（按月发放，当月有效），不计。",
    ),
    assumptions=("死亡名单以公安户籍注销或殡葬火化登记为准，日期准确。",),
    verify="调取死亡证明或户籍注销记录，核对停保审批时间；查一卡通账户死亡后的资金去向（谁在取款）；"
    "核实是否已追回多发资金。",
    questions=(
        Question("民政协理员", "{subject_name}死亡后，为何没有及时办理停保？由谁负责上报？"),
        Question("当事户", "{subject_name}去世后，其一卡通（社保卡）由谁保管？期间发放的钱款由谁领取、用于何处？"),
        Question("书记", "村里死亡人员待遇停发由谁负责核实上报？本年度开展过几次动态核查？"),
    ),
    params=(
        Param("as_of_date", None, "核查截止日期（默认取数据中最晚的日期）"),
    ),
    sql=SQL,
)
