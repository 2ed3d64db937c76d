"""D07 年底突击花钱: a village's December share of non-productive spending far above its usual share."""

from rules.model import Param, Question, Rule
from rules.sqlparts import LEDGER_PAYMENTS, evidence

# The town of a village is the first 9 digits of its 12-digit statistics code.
SQL = f"""
WITH np AS (
    SELECT p.village_code, year(p.voucher_date) AS y, month(p.voucher_date) = 12 AS is_dec,
           p.debit_yuan, p.source_file, p.source_row, {evidence('p', 'village_ledger')} AS ev
    FROM {LEDGER_PAYMENTS} p
    WHERE p.village_code IS NOT NULL AND p.voucher_date IS NOT NULL
      AND len(list_filter($subjects, lambda s: starts_with(coalesce(p.subject_name, ''), s))) > 0
),
shares AS (
    SELECT village_code, y, sum(debit_yuan) AS total,
           coalesce(sum(debit_yuan) FILTER (WHERE is_dec), 0) AS dec,
           coalesce(sum(debit_yuan) FILTER (WHERE is_dec), 0) / sum(debit_yuan) AS share
    FROM np GROUP BY village_code, y HAVING sum(debit_yuan) > 0
),
history AS (
    SELECT a.village_code, a.y, avg(b.share) AS mean_prev, count(b.y) AS n_prev
    FROM shares a LEFT JOIN shares b ON b.village_code = a.village_code AND b.y < a.y
    GROUP BY a.village_code, a.y
),
town AS (
    SELECT left(village_code, 9) AS town, y, median(share) AS med, count(*) AS villages
    FROM shares GROUP BY left(village_code, 9), y
),
judged AS (
    SELECT s.*, h.n_prev, t.villages,
           h.n_prev >= $min_previous_years AS own_history,
           CASE WHEN h.n_prev >= $min_previous_years THEN h.mean_prev ELSE t.med END AS baseline
    FROM shares s
    JOIN history h USING (village_code, y)
    JOIN town t ON t.town = left(s.village_code, 9) AND t.y = s.y
),
flagged AS (SELECT * FROM judged WHERE dec > 0 AND share > $ratio * baseline)
SELECT f.village_code,
       f.village_code AS subject_key,
       '' AS subject_name,
       f.dec AS amount_yuan,
       concat(f.y, '年12月非生产性支出', format('{{:,.2f}}', f.dec), '元，占全年非生产性支出',
              format('{{:,.2f}}', f.total), '元的', printf('%.1f', 100 * f.share), '%，',
              CASE WHEN f.own_history
                   THEN '本村此前' || f.n_prev || '年12月平均占比' || printf('%.1f', 100 * f.baseline) || '%'
                   ELSE '本村往年数据不足，本镇' || f.villages || '个村同年12月占比中位数为'
                        || printf('%.1f', 100 * f.baseline) || '%' END,
              CASE WHEN f.baseline > 0 THEN '，是其' || printf('%.1f', f.share / f.baseline) || '倍'
                   ELSE '' END,
              '（阈值', $ratio, '倍）') AS summary,
       CAST(f.y AS VARCHAR) AS detail_key,
       list(np.ev ORDER BY np.source_file, np.source_row) AS evidence,
       NULL AS severity, NULL AS confidence
FROM flagged f JOIN np ON np.village_code = f.village_code AND np.y = f.y AND np.is_dec
GROUP BY f.village_code, f.y, f.dec, f.total, f.share, f.own_history, f.n_prev, f.baseline, f.villages
"""

RULE = Rule(
    id="D07",
    title="年底突击花钱",
    severity="低",
    semantics=(
        "Per village and year Y: December share of non-productive spending (payments whose subject_name "
        "starts with 管理费用 or 其他支出) in Y's total. Flag when > `ratio` (2) × the village's mean December "
        "share over its previous years (needs ≥ 2 previous years), else > ratio × the median December "
        "share of its town's villages in Y. subject = village."
    ),
    tables=("village_ledger",),
    needs=(
        "village_ledger.village_code", "village_ledger.voucher_date", "village_ledger.subject_name",
    ),
    why="年底集中列支管理费用等非生产性支出（“突击花钱”），常见于为消化预算、虚列支出或年终滥发福利、"
    "集中报销招待费用。12月非生产性支出占全年比重明显高于往年（或高于同镇各村），值得一查。",
    methodology="取村级财务明细账中科目以“管理费用”或“其他支出”开头（可配置）的付款，按村、按年计算"
    "12月支出占全年的比重。本村此前有至少2年数据的，与本村往年12月占比的平均值比较；否则与本镇各村"
    "同年12月占比的中位数比较。超过基准的2倍（可配置）即列为疑点，每村每年一条。",
    exclusions=(
        "12月占比未超过本村往年平均占比的2倍（如往年平均10%、今年18%），不计。",
        "往年不足2年时不与本村往年比较，改与本镇各村同年中位数比较；未超过其2倍的不计。",
    ),
    assumptions=(
        "乡镇以统计用区划代码前9位确定。",
        "当年账目须包含12月；年度数据不完整时，比重可能偏低或偏高。",
        "未能匹配到村代码的账套记录不参与比对。",
    ),
    verify="调取该村当年12月的非生产性支出凭证，逐笔核实事项真实性、审批程序和票据；"
    "重点看是否有集中发放福利、购买购物卡、跨年预付、虚列劳务费等情况；与往年同期支出对比，"
    "询问支出集中的原因。",
    questions=(
        Question("会计", "当年12月的管理费用为什么明显多于往年同期？主要是哪几笔支出？"),
        Question("书记", "年底这些支出是否都经过村“两委”研究和乡镇审批？是否存在为“用完预算”而突击花钱？"),
        Question("报账员", "12月报销的票据是否都是当月发生的业务？有没有把以前的票据集中到年底报销？"),
    ),
    params=(
        Param("ratio", 2, "倍数：12月占比超过基准的这么多倍即列为疑点"),
        Param("min_previous_years", 2, "与本村往年比较所需的最少往年数，不足时改与本镇各村中位数比较"),
        Param("subjects", ["管理费用", "其他支出"], "非生产性支出科目：科目名称以其中任一开头"),
    ),
    sql=SQL,
)
