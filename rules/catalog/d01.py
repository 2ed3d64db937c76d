"""D01 大额现金支付: a village ledger payment settled in cash above the cash-payment limit."""

from rules.model import Param, Question, Rule
from rules.sqlparts import LEDGER_PAYMENTS, evidence, voucher_key, voucher_label

# One flag per voucher (village, voucher number, date): a voucher may carry several cash lines.
SQL = f"""
WITH hits AS (
    SELECT p.village_code, {voucher_key('p')} AS vkey,
           p.voucher_date, p.payee, p.debit_yuan, p.subject_name, p.summary, p.settlement_method,
           p.source_file, p.source_row,
           {evidence('p', 'village_ledger')} AS ev
    FROM {LEDGER_PAYMENTS} p
    WHERE p.village_code IS NOT NULL
      AND p.settlement_method LIKE '%现金%'
      AND p.debit_yuan > $limit
)
SELECT village_code,
       vkey AS subject_key,
       coalesce(string_agg(DISTINCT payee, '、' ORDER BY payee), '') AS subject_name,
       sum(debit_yuan) AS amount_yuan,
       concat(strftime(voucher_date, '%Y年%-m月%-d日'), '凭证', {voucher_label('vkey')}, '以现金支付',
              coalesce('给' || string_agg(DISTINCT payee, '、' ORDER BY payee), ''),
              format('{{:,.2f}}', sum(debit_yuan)), '元（科目：',
              coalesce(string_agg(DISTINCT subject_name, '、' ORDER BY subject_name), '未填'),
              '；摘要：', coalesce(string_agg(DISTINCT summary, '、' ORDER BY summary), '未填'),
              '），单笔超过现金支付限额', format('{{:,.0f}}', CAST($limit AS DOUBLE)), '元') AS summary,
       coalesce(CAST(voucher_date AS VARCHAR), '') AS detail_key,
       list(ev ORDER BY source_file, source_row) AS evidence,
       NULL AS severity, NULL AS confidence
FROM hits
GROUP BY village_code, vkey, voucher_date
"""

RULE = Rule(
    id="D01",
    title="大额现金支付",
    severity="中",
    semantics=(
        "A payment with settlement_method containing 现金 and debit_yuan > `limit` (1000). Near miss: "
        "exactly 1000; 5000 by bank transfer."
    ),
    tables=("village_ledger",),
    needs=(
        "village_ledger.village_code", "village_ledger.settlement_method",
    ),
    why="村级财务管理制度要求村集体支出原则上通过银行转账结算，现金支付须在限额以内。大额现金支付"
    "绕开银行留痕，资金去向难以追查，是截留、挪用和虚列支出的常见通道。",
    methodology="在村级财务明细账中取付款记录（借方金额大于0、且科目不是库存现金或银行存款的分录），"
    "结算方式含“现金”且单笔借方金额超过现金支付限额（默认1000元）的，按凭证逐张列出。",
    exclusions=(
        "金额恰好等于限额的不计（须超过限额）。",
        "通过银行转账、转账支票等非现金方式结算的，不论金额大小均不计。",
    ),
    assumptions=(
        "结算方式列如实反映了付款方式；结算方式为空的记录无法判断，不参与本规则。",
        "未能匹配到村代码的账套记录不参与比对（在数据质量报告中列出）。",
        "同一村账套内凭证号唯一；同一张凭证的多条现金分录合并为一个疑点。",
    ),
    verify="调取该凭证及原始单据，核实收款人身份和收款签字；核对当日库存现金日记账和提现记录，"
    "查明现金来源（是否坐支收入）；确认付款事项真实，是否存在拆分报销或以现金规避转账留痕的情况；"
    "核对该笔支出是否经过村“两委”集体研究和乡镇审核。",
    questions=(
        Question("会计", "这笔{amount_yuan}元为什么用现金支付而不走银行转账？现金从哪里来（提现还是收入坐支）？"),
        Question("报账员", "现金是谁经手支付的？收款人是否本人签收？有没有付款凭据？"),
        Question("书记", "村里大额现金支付由谁审批？是否经过“四议两公开”或村务监督委员会审核？"),
        Question("当事人", "你收到的这笔钱是现金吗？金额多少、什么时间、用于什么事项？"),
    ),
    params=(Param("limit", 1000, "现金支付限额（元），单笔超过即列为疑点"),),
    sql=SQL,
)
