"""B03 重复发放: one person paid more than once for the same item and month."""

from rules.model import Question, Rule
from rules.sqlparts import evidence

SQL = f"""
WITH dup_keys AS (
    SELECT person_id, item, pay_month
    FROM onecard_payments
    WHERE person_id IS NOT NULL AND item IS NOT NULL AND pay_month IS NOT NULL
    GROUP BY person_id, item, pay_month
    HAVING count(*) > 1
),
dup_rows AS (
    SELECT p.* REPLACE (coalesce(p.amount_yuan, 0) AS amount_yuan), {evidence('p', 'onecard_payments')} AS ev
    FROM onecard_payments p JOIN dup_keys USING (person_id, item, pay_month)
),
per_key AS (
    -- the whole duplicate group, shown in every village it touches
    SELECT person_id, item, pay_month,
           count(*) AS n,
           sum(amount_yuan) AS total,
           sum(amount_yuan) - max(amount_yuan) AS extra,
           string_agg(printf('%.2f', amount_yuan) || '元（账号' || coalesce(account_no, '空')
                      || coalesce('，' || strftime(pay_date, '%Y-%m-%d') || '发放', '')
                      || coalesce('，' || village_raw, '') || '）', '、'
                      ORDER BY ev.source_file, ev.source_row) AS payments,
           list(ev ORDER BY ev.source_file, ev.source_row) AS evidence
    FROM dup_rows GROUP BY person_id, item, pay_month
),
villages AS (
    -- rows whose village could not be matched get a village-less flag only when no row has one
    SELECT DISTINCT person_id, item, pay_month, village_code, person_name
    FROM (SELECT *, count(village_code) OVER (PARTITION BY person_id, item, pay_month) AS n_known
          FROM dup_rows)
    WHERE village_code IS NOT NULL OR n_known = 0
)
SELECT v.village_code,
       k.person_id AS subject_key,
       min(v.person_name) AS subject_name,
       any_value(k.extra) AS amount_yuan,
       coalesce(min(v.person_name), k.person_id) || '的' || k.item || '在' || strftime(k.pay_month, '%Y年%m月') || '发放了'
         || any_value(k.n) || '次：' || any_value(k.payments) || '，合计' || printf('%.2f', any_value(k.total))
         || '元，其中重复发放' || printf('%.2f', any_value(k.extra)) || '元' AS summary,
       k.item || '|' || strftime(k.pay_month, '%Y-%m') AS detail_key,
       any_value(k.evidence) AS evidence,
       NULL AS severity,
       NULL AS confidence
FROM per_key k JOIN villages v USING (person_id, item, pay_month)
GROUP BY v.village_code, k.person_id, k.item, k.pay_month
"""

RULE = Rule(
    id="B03",
    title="重复发放",
    severity="高",
    semantics=(
        "Same person_id, item and pay_month paid in > 1 row. subject = person_id. Near miss: same item in "
        "consecutive months; two items in one month."
    ),
    tables=("onecard_payments",),
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
