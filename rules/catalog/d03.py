"""D03 重复支付: the same amount paid to the same payee on different vouchers a few days apart."""

from rules.model import Param, Question, Rule
from rules.sqlparts import LEDGER_PAYMENTS, evidence, voucher_key, voucher_label

PAYEE_KEY = "lower(translate(replace(replace(payee, ' ', ''), '　', ''), '（）•・.‧･', '()·····'))"

# One payment = one voucher's lines to one payee. Pairs (same payee and amount, dates at most
# `days` apart) chain into one flag: sorted by date, a new group starts where the gap exceeds `days`.
# Payee keys are computed once per distinct payee, and evidence is gathered only for the flagged
# vouchers, so the million-line pass carries no strings or lists it does not need.
SQL = f"""
WITH payees AS (
    SELECT payee, {PAYEE_KEY} AS pkey
    -- (no filter on pkey here: DuckDB would push it below the DISTINCT, into every ledger line;
    -- connectors already turn blank payees into NULL)
    FROM (SELECT DISTINCT payee FROM village_ledger WHERE payee IS NOT NULL)
),
lines AS (
    SELECT p.village_code, {voucher_key('p')} AS vkey,
           p.voucher_date, k.pkey, p.payee, p.debit_yuan, p.summary,
           p.source_file, p.source_sheet, p.source_row
    FROM {LEDGER_PAYMENTS} p JOIN payees k ON k.payee = p.payee
    WHERE p.village_code IS NOT NULL AND p.voucher_date IS NOT NULL
),
pay AS (
    SELECT village_code, pkey, vkey, voucher_date, round(sum(debit_yuan), 2) AS amount
    FROM lines GROUP BY village_code, pkey, vkey, voucher_date
),
repeated AS (
    SELECT village_code, pkey, amount FROM pay GROUP BY village_code, pkey, amount HAVING count(*) >= 2
),
same AS (
    SELECT p.* FROM pay p
    JOIN repeated r ON r.village_code = p.village_code AND r.pkey = p.pkey AND r.amount = p.amount
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
),
members AS (
    SELECT * FROM (
        SELECT *, count(*) OVER (PARTITION BY village_code, pkey, amount, grp) AS n FROM grouped)
    WHERE n >= 2
),
detail AS (
    SELECT m.village_code, m.pkey, m.amount, m.grp, m.vkey, m.voucher_date,
           min(l.payee) AS payee, min(l.summary) AS summary,
           list({evidence('l', 'village_ledger')} ORDER BY l.source_file, l.source_row) AS ev
    FROM members m
    JOIN lines l ON l.village_code = m.village_code AND l.vkey = m.vkey
                AND l.voucher_date = m.voucher_date AND l.pkey = m.pkey
    GROUP BY m.village_code, m.pkey, m.amount, m.grp, m.vkey, m.voucher_date
)
SELECT village_code,
       string_agg(vkey, ';' ORDER BY vkey) AS subject_key,
       min(payee) AS subject_name,
       amount * (count(*) - 1) AS amount_yuan,
       concat('向', min(payee), '支付相同金额', format('{{:,.2f}}', amount), '元共', count(*), '次：',
              string_agg(strftime(voucher_date, '%Y年%-m月%-d日') || '（' || {voucher_label('vkey')}
                         || coalesce('，' || summary, '') || '）', '、' ORDER BY voucher_date, vkey),
              '，相邻两笔凭证日期相隔不超过', $days, '天，疑似重复支付', format('{{:,.2f}}', amount * (count(*) - 1)), '元')
         AS summary,
       CAST(min(voucher_date) AS VARCHAR) AS detail_key,
       flatten(list(ev ORDER BY voucher_date, vkey)) AS evidence,
       NULL AS severity, NULL AS confidence
FROM detail
GROUP BY village_code, pkey, amount, grp
"""

RULE = Rule(
    id="D03",
    title="重复支付",
    severity="中",
    semantics=(
        "Same payee, same amount, voucher dates at most `days` (3) apart, different voucher numbers; "
        "connected pairs form one flag. Near miss: same amount to the same payee a month apart."
    ),
    tables=("village_ledger",),
    needs=(
        "village_ledger.village_code", "village_ledger.voucher_date", "village_ledger.payee",
    ),
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
