"""D03 重复支付: the same amount paid to the same payee on different vouchers a few days apart."""

from rules.model import Param, Question, Rule
from rules.sqlparts import LEDGER_PAYMENTS, evidence

PAYEE_KEY = "lower(translate(regexp_replace(p.payee, '[\\s　]+', '', 'g'), '（）•・.‧･', '()·····'))"

# One payment = one voucher's lines to one payee. Pairs (same payee and amount, dates at most
# `days` apart) chain into one flag: sorted by date, a new group starts where the gap exceeds `days`.
SQL = f"""
WITH lines AS (
    SELECT p.village_code, coalesce(p.voucher_no, '无凭证号#' || p.source_row) AS vkey,
           p.voucher_date, {PAYEE_KEY} AS pkey, p.payee, p.debit_yuan, p.summary,
           p.source_file, p.source_row, {evidence('p', 'village_ledger')} AS ev
    FROM {LEDGER_PAYMENTS} p
    WHERE p.village_code IS NOT NULL AND p.voucher_date IS NOT NULL AND p.payee IS NOT NULL
),
pay AS (
    SELECT village_code, pkey, vkey, voucher_date, min(payee) AS payee,
           round(sum(debit_yuan), 2) AS amount, min(summary) AS summary,
           list(ev ORDER BY source_file, source_row) AS ev
    FROM lines WHERE pkey <> ''
    GROUP BY village_code, pkey, vkey, voucher_date
),
same AS (
    -- only (payee, amount) pairs that occur on at least two vouchers go on to the gap pass
    SELECT * FROM (SELECT *, count(*) OVER (PARTITION BY village_code, pkey, amount) AS n FROM pay)
    WHERE n >= 2
),
gaps AS (
    SELECT *, CASE WHEN voucher_date - lag(voucher_date) OVER w > $days THEN 1 ELSE 0 END AS new_group
    FROM same
    WINDOW w AS (PARTITION BY village_code, pkey, amount ORDER BY voucher_date, vkey)
),
grouped AS (
    SELECT *, sum(new_group) OVER (PARTITION BY village_code, pkey, amount ORDER BY voucher_date, vkey
                                   ROWS UNBOUNDED PRECEDING) AS grp
    FROM gaps
)
SELECT village_code,
       string_agg(vkey, ';' ORDER BY vkey) AS subject_key,
       min(payee) AS subject_name,
       amount * (count(*) - 1) AS amount_yuan,
       concat('向', min(payee), '支付相同金额', format('{{:,.2f}}', amount), '元共', count(*), '次：',
              string_agg(strftime(voucher_date, '%Y年%-m月%-d日') || '（' || vkey
                         || coalesce('，' || summary, '') || '）', '、' ORDER BY voucher_date, vkey),
              '，相邻两笔凭证日期相隔不超过', $days, '天，疑似重复支付', format('{{:,.2f}}', amount * (count(*) - 1)), '元')
         AS summary,
       CAST(min(voucher_date) AS VARCHAR) AS detail_key,
       flatten(list(ev ORDER BY voucher_date, vkey)) AS evidence,
       NULL AS severity, NULL AS confidence
FROM grouped
GROUP BY village_code, pkey, amount, grp
HAVING count(*) >= 2
"""

RULE = Rule(
    id="D03",
    title="重复支付",
    severity="中",
    tables=("village_ledger",),
    why="同一收款人、同一金额、几天之内在不同凭证上各付一次（“同收款人、同金额、不同凭证号”），"
    "常见于同一张发票重复报销、同一笔款项重复支付，多付的钱可能被收款人或经手人占有。",
    methodology="取村级财务明细账中的付款记录，按凭证和收款人合并为“一笔付款”（收款人名称去除空格、"
    "统一括号和间隔号后相同即视为同一收款人）。同一村内收款人相同、金额相同、凭证号不同、凭证日期相隔"
    "不超过设定天数（默认3天）的付款两两成对，相互连接的付款合并为一个疑点。疑点金额为多付部分"
    "（金额×(笔数−1)）。",
    exclusions=(
        "同一收款人、同一金额但相隔较远（如每月固定支付的保洁费，相隔一个月），不计。",
        "同一收款人、同一日期但金额不同的付款，不计。",
    ),
    assumptions=(
        "同一村账套内凭证号唯一；同一张凭证对同一收款人的多条分录合并计算金额。",
        "收款人名称在账上填写一致；写法不同时可能漏判。",
    ),
    verify="调取这几张凭证及所附发票、收据，核对发票号码、开票日期是否相同（同一张发票复印件重复入账），"
    "核对银行流水确认是否实际付出两次；如确属重复支付，核实多付款项是否已追回。",
    questions=(
        Question("会计", "这几笔付给{subject_name}的相同金额款项分别对应什么业务？为什么几天内支付了两次？"),
        Question("报账员", "这几张凭证所附的票据是否为同一张发票（或复印件）？由谁提交报销？"),
        Question("当事人", "你从村里收到过几次这笔款项？是否多收？多收的钱是否已退回？"),
        Question("书记", "重复支付的款项是否发现并追回？审批签字时是否核对了原始票据？"),
    ),
    params=(Param("days", 3, "凭证日期相隔不超过的天数"),),
    sql=SQL,
)
