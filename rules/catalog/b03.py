"""B03 重复发放: one person paid more than once for the same item and month."""

from rules.model import Question, Rule
from rules.sqlparts import evidence, period_text

SQL = f"""
WITH paid AS (
    SELECT p.rowid AS rid, p.* REPLACE (coalesce(p.amount_yuan, 0) AS amount_yuan),
           {evidence('p', 'onecard_payments')} AS ev
    FROM onecard_payments p
    WHERE p.person_id IS NOT NULL AND p.item IS NOT NULL
      AND p.period_start IS NOT NULL AND p.period_end IS NOT NULL
),
-- every month a payment is for (2024年度: 12 months), only for people paid for that item more than once
months AS (
    SELECT p.person_id, p.item, p.rid, unnest(generate_series(p.period_start, p.period_end, INTERVAL 1 MONTH)) AS m
    FROM paid p
    SEMI JOIN (SELECT person_id, item FROM paid GROUP BY ALL HAVING count(*) > 1) d
        ON d.person_id = p.person_id AND d.item = p.item
),
-- months paid for more than once, by the set of payments covering them: one duplicate group per set
-- (two 2024年度 payments are one group of 12 months, not 12 groups)
dup_months AS (
    SELECT person_id, item, m, list(rid ORDER BY rid) AS rids
    FROM months GROUP BY person_id, item, m HAVING count(*) > 1
),
dup_keys AS (
    SELECT person_id, item, rids, CAST(min(m) AS DATE) AS first_month, CAST(max(m) AS DATE) AS last_month
    FROM dup_months GROUP BY person_id, item, rids
),
dup_rows AS (
    SELECT k.first_month, k.last_month, p.*
    FROM dup_keys k JOIN paid p ON p.person_id = k.person_id AND p.item = k.item AND list_contains(k.rids, p.rid)
),
per_key AS (
    -- the whole duplicate group, shown in every village it touches
    SELECT person_id, item, first_month, last_month,
           count(*) AS n,
           sum(amount_yuan) AS total,
           sum(amount_yuan) - max(amount_yuan) AS extra,
           string_agg(printf('%.2f', amount_yuan) || '元（'
                      || CASE WHEN period_start <> period_end OR first_month <> last_month
                              THEN {period_text('period_start', 'period_end')} || '，' ELSE '' END
                      || '账号' || coalesce(account_no, '空')
                      || coalesce('，' || strftime(pay_date, '%Y-%m-%d') || '发放', '')
                      || coalesce('，' || village_raw, '') || '）', '、'
                      ORDER BY ev.source_file, ev.source_row) AS payments,
           list(ev ORDER BY ev.source_file, ev.source_row) AS evidence
    FROM dup_rows GROUP BY person_id, item, first_month, last_month
),
villages AS (
    -- rows whose village could not be matched get a village-less flag only when no row has one
    SELECT DISTINCT person_id, item, first_month, last_month, village_code, person_name
    FROM (SELECT *, count(village_code) OVER (PARTITION BY person_id, item, first_month, last_month) AS n_known
          FROM dup_rows)
    WHERE village_code IS NOT NULL OR n_known = 0
)
SELECT v.village_code,
       k.person_id AS subject_key,
       min(v.person_name) AS subject_name,
       any_value(k.extra) AS amount_yuan,
       coalesce(min(v.person_name), k.person_id) || '的' || k.item || '在'
         || {period_text('k.first_month', 'k.last_month')} || '发放了'
         || any_value(k.n) || '次：' || any_value(k.payments) || '，合计' || printf('%.2f', any_value(k.total))
         || '元，其中重复发放' || printf('%.2f', any_value(k.extra)) || '元' AS summary,
       -- a month's key as before (item|2024-03); a longer overlap names its first and last month
       k.item || '|' || strftime(k.first_month, '%Y-%m')
         || CASE WHEN k.last_month <> k.first_month THEN '..' || strftime(k.last_month, '%Y-%m') ELSE '' END
         AS detail_key,
       any_value(k.evidence) AS evidence,
       NULL AS severity,
       NULL AS confidence
FROM per_key k JOIN villages v USING (person_id, item, first_month, last_month)
GROUP BY v.village_code, k.person_id, k.item, k.first_month, k.last_month
"""

RULE = Rule(
    id="B03",
    title="重复发放",
    severity="高",
    semantics=(
        "Same person_id and item paid in > 1 row for the same month: payment periods (period_start.."
        "period_end) overlap, so a 2024年度 payment and a 2024年03月 payment of one item are a duplicate "
        "for March. One flag per set of overlapping payments (two 2024年度 payments: one flag for the "
        "12 months). subject = person_id. Near miss: same item in consecutive months; two items in one "
        "month; 2023年度 and 2024年度."
    ),
    tables=("onecard_payments",),
    needs=(
        "onecard_payments.person_id", "onecard_payments.item", "onecard_payments.period_start",
    ),
    why="同一补贴项目对同一人每个发放期只应发放一次。同一身份证号、同一项目、同一发放年月出现多笔发放，"
    "可能是重复造册、跨村重复登记，或借重复发放套取资金。",
    methodology="在一卡通发放明细中按身份证号、补贴项目、发放年月分组，发放记录多于 1 笔的列为疑点；"
    "重复记录分属多个村的，每个涉及的村各出一条疑点。涉及金额为超出一次发放的部分（合计减去最大一笔）。",
    exclusions=(
        "同一项目在相邻月份各发放一次（正常按月发放），不计。",
        "同一月份发放不同项目（如高龄补贴和残疾人补贴各一笔），不计。",
    ),
    assumptions=(
        "发放年月为补贴所属期；补发往月的款项若登记为当月，会与当月正常发放重复，需实地核实后排除。",
        "导出时复制粘贴造成的重复行也会被列出，需以银行实际入账流水区分。",
    ),
    verify="到代发银行调取该账户对应月份的实际入账流水，确认是否确实入账多次；"
    "查阅当月发放审批表和造册底稿，核实重复造册的原因（补发、跨村登记、录入错误）；多发的，核实是否已追回。",
    questions=(
        Question("报账员", "{subject_name}同一月份的同一项补贴为什么造册了多次？是补发还是重复录入？"),
        Question("民政协理员", "发放名册造册后由谁审核？是否与上月名册比对过重复人员？"),
        Question("当事户", "您这个月收到几笔这项补贴？金额分别是多少？"),
    ),
    sql=SQL,
)
