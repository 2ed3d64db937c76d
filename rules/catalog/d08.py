"""D08 首位数字分布异常 (Benford): a village's payment amounts' first digits stray from Benford's law."""

from rules.model import Param, Question, Rule
from rules.sqlparts import LEDGER_PAYMENTS, evidence

SQL = f"""
WITH pay AS (
    SELECT p.village_code,
           CAST(regexp_extract(printf('%.2f', p.debit_yuan), '[1-9]') AS INTEGER) AS d,
           p.source_file, p.source_row, {evidence('p', 'village_ledger')} AS ev
    FROM {LEDGER_PAYMENTS} p
    WHERE p.village_code IS NOT NULL AND p.debit_yuan >= $min_amount
),
counts AS (SELECT village_code, d, count(*) AS c FROM pay GROUP BY village_code, d),
totals AS (
    SELECT village_code, sum(c) AS n FROM counts GROUP BY village_code HAVING sum(c) >= $min_payments
),
grid AS (
    SELECT t.village_code, t.n, g.d, coalesce(c.c, 0) / t.n AS obs, log10(1 + 1 / g.d) AS expected
    FROM totals t
    CROSS JOIN (SELECT unnest(range(1, 10)) AS d) g
    LEFT JOIN counts c ON c.village_code = t.village_code AND c.d = g.d
),
scored AS (
    SELECT village_code, any_value(n) AS n, avg(abs(obs - expected)) AS mad,
           arg_max(d, obs - expected) AS top_digit,
           arg_max(obs, obs - expected) AS top_obs,
           arg_max(expected, obs - expected) AS top_expected
    FROM grid GROUP BY village_code
    HAVING avg(abs(obs - expected)) > $mad
)
SELECT s.village_code,
       s.village_code AS subject_key,
       '' AS subject_name,
       0.0 AS amount_yuan,
       concat('全村', s.n, '笔付款（', $min_amount, '元及以上）的首位数字分布偏离本福特定律，平均绝对偏差MAD=',
              printf('%.4f', s.mad), '（超过', $mad, '即为不符合）；偏离最大的是首位数字', s.top_digit,
              '，占', printf('%.1f', 100 * s.top_obs), '%（理论值', printf('%.1f', 100 * s.top_expected),
              '%），共', count(*), '笔') AS summary,
       '' AS detail_key,
       list(p.ev ORDER BY p.source_file, p.source_row) AS evidence,
       NULL AS severity, NULL AS confidence
FROM scored s JOIN pay p ON p.village_code = s.village_code AND p.d = s.top_digit
GROUP BY s.village_code, s.n, s.mad, s.top_digit, s.top_obs, s.top_expected
"""

RULE = Rule(
    id="D08",
    title="首位数字分布异常",
    severity="低",
    semantics=(
        "Per village, over all payments (debit_yuan ≥ 10) when there are ≥ `min_payments` (300): MAD = "
        "mean over digits 1–9 of |observed share − log10(1 + 1/d)|. Flag when MAD > `mad` (0.015). "
        "subject = village."
    ),
    tables=("village_ledger",),
    needs=("village_ledger.village_code",),
    why="自然发生的金额，其首位数字服从本福特定律（1开头约占30.1%，9开头约占4.6%）。人为编造、"
    "拆分或凑整的金额会打破这一规律。分布明显异常的村，账目中可能有较多人为金额，提示巡察组重点抽查。",
    methodology="按村取村级财务明细账中金额不低于10元的全部付款，付款笔数不少于300笔（可配置）时，"
    "计算首位数字1—9的实际占比与本福特理论占比 log10(1+1/d) 之差的绝对值的平均数（MAD）。"
    "MAD超过0.015（Nigrini不符合界限；≤0.006为高度符合，≤0.012为可接受，≤0.015为临界）即列为疑点，"
    "每村一条。证据列出偏离最大的首位数字对应的付款。",
    exclusions=(
        "付款笔数不足300笔的村，样本太小，不做检验。",
        "MAD不超过0.015（含临界符合）的村，不计。",
    ),
    assumptions=(
        "村级付款金额总体上是自然发生的；以固定标准发放的款项（如统一标准的补贴）较多时，分布本身就会偏离，需结合实际判断。",
        "本规则只提示抽查方向，不指向具体违规凭证。",
    ),
    verify="抽查偏离最大的首位数字对应的凭证，看是否存在金额雷同、凑整、刚好低于审批额度、"
    "同一收款人反复出现等情况；结合D02（拆分支付）、D03（重复支付）的结果综合判断。",
    questions=(
        Question("会计", "村里哪些支出是按固定金额支付的？某些金额为什么反复出现？"),
        Question("报账员", "有没有按审批额度“凑”金额报销、或把一张票据拆成几笔报销的情况？"),
        Question("书记", "村里大额支出的审批额度是多少？是否存在为规避审批而调整报销金额的做法？"),
    ),
    params=(
        Param("min_payments", 300, "最少付款笔数：不足此数的村不做检验"),
        Param("mad", 0.015, "MAD界限：超过即列为疑点（Nigrini：≤0.006高度符合，≤0.012可接受，≤0.015临界）"),
        Param("min_amount", 10, "参与检验的最小金额（元）"),
    ),
    sql=SQL,
)
