"""D06 白条入账: a payment backed by a 白条/收条 or by nothing, above a floor."""

from rules.model import Param, Question, Rule
from rules.sqlparts import LEDGER_PAYMENTS, evidence, voucher_key, voucher_label

# Connectors turn a typed "无" into NULL, so an empty 票据类型 means "no receipt" — but only in
# ledger files that fill the column at all; a file without it says nothing about receipts.
SQL = f"""
WITH typed_files AS (
    SELECT DISTINCT source_file FROM village_ledger WHERE receipt_type IS NOT NULL
),
hits AS (
    SELECT p.village_code, {voucher_key('p')} AS vkey,
           p.voucher_date, p.payee, p.debit_yuan, p.subject_name, p.summary,
           p.source_file, p.source_row, {evidence('p', 'village_ledger')} AS ev,
           CASE WHEN p.receipt_type LIKE '%白条%' THEN '以白条入账'
                WHEN p.receipt_type LIKE '%收条%' THEN '以收条入账'
                WHEN p.receipt_type = '无' OR (p.receipt_type IS NULL AND t.source_file IS NOT NULL)
                     THEN '无票据入账'
                WHEN p.attachment_count = 0 THEN '未附原始单据（附件0张）'
           END AS backing
    FROM {LEDGER_PAYMENTS} p LEFT JOIN typed_files t ON t.source_file = p.source_file
    WHERE p.village_code IS NOT NULL AND p.debit_yuan > $floor
)
SELECT village_code,
       vkey AS subject_key,
       coalesce(string_agg(DISTINCT payee, '、' ORDER BY payee), '') AS subject_name,
       sum(debit_yuan) AS amount_yuan,
       concat(strftime(voucher_date, '%Y年%-m月%-d日'), '凭证', {voucher_label('vkey')}, '支付',
              coalesce(string_agg(DISTINCT payee, '、' ORDER BY payee) || ' ', ''),
              format('{{:,.2f}}', sum(debit_yuan)), '元（科目：',
              coalesce(string_agg(DISTINCT subject_name, '、' ORDER BY subject_name), '未填'), '；摘要：',
              coalesce(string_agg(DISTINCT summary, '、' ORDER BY summary), '未填'), '），',
              string_agg(DISTINCT backing, '、' ORDER BY backing)) AS summary,
       coalesce(CAST(voucher_date AS VARCHAR), '') AS detail_key,
       list(ev ORDER BY source_file, source_row) AS evidence,
       NULL AS severity, NULL AS confidence
FROM hits
WHERE backing IS NOT NULL
GROUP BY village_code, vkey, voucher_date
"""

RULE = Rule(
    id="D06",
    title="白条入账",
    severity="低",
    semantics=(
        "A payment with receipt_type in (白条, 收条, 无) or attachment_count = 0, and debit_yuan > `floor` "
        "(200). Near miss: a 白条 for 150."
    ),
    tables=("village_ledger",),
    needs=("village_ledger.village_code",),
    why="村级财务支出应取得合法有效的原始凭证（发票）。以白条、收条入账或没有附件，支出真实性无从核对，"
    "是虚列支出、套取集体资金的常见手法，也违反财务制度。",
    methodology="取村级财务明细账中的付款记录，单笔借方金额超过下限（默认200元），且票据类型为白条、"
    "收条或“无”（包括在填写了票据类型的账套中票据类型为空），或附件张数为0的，按凭证列出。",
    exclusions=(
        "金额不超过下限（如150元的白条）的零星支出，不计。",
        "附有增值税发票或正规收据的付款，不计。",
    ),
    assumptions=(
        "票据类型、附件张数按三资平台导出如实填写；整份账套都没有票据类型列时，只按附件张数判断。",
        "未能匹配到村代码的账套记录不参与比对。",
    ),
    verify="调取凭证原件，核实白条（收条）的出具人、事项、金额和经手人签字；向收款人核实是否确有其事、"
    "是否实际收款；能取得发票而未取得的，查明原因；核实是否存在虚列劳务费、材料费的情况。",
    questions=(
        Question("会计", "这笔{amount_yuan}元的支出为什么没有正规发票？白条是谁出具、谁审核入账的？"),
        Question("报账员", "这张白条（收条）对应的是什么业务？收款人是谁？有没有其他证明材料？"),
        Question("当事人", "你给村里打过这张收条吗？收到的金额、时间、事由是否与收条一致？"),
        Question("书记", "村里对白条入账是怎么规定的？这笔支出是谁审批同意入账的？"),
    ),
    params=(Param("floor", 200, "金额下限（元）：单笔超过此金额才列为疑点"),),
    sql=SQL,
)
