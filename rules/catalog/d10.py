"""D10 集体资产合同异常: a collective contract let to a cadre or relative, too cheap, too long or overdue."""

from rules.model import Param, Question, Rule
from rules.sqlparts import clean_name, evidence

EXACT_CONFIDENCE = 0.9  # lessee without ID, same cleaned name as a cadre or relative
HOMOPHONE_CONFIDENCE = 0.7  # same toneless pinyin only


SQL = f"""
WITH c AS (
    SELECT x.*, coalesce(x.contract_no, '无编号#' || x.source_row) AS ckey,
           coalesce(x.asset_kind, '未分类') AS kind,
           CASE WHEN x.area_mu > 0 AND x.annual_rent_yuan IS NOT NULL
                THEN x.annual_rent_yuan / x.area_mu END AS rate,
           {evidence('x', 'collective_contracts')} AS ev
    FROM collective_contracts x
    WHERE x.village_code IS NOT NULL
),
as_of AS (
    -- contracts end in the future, so their end dates say nothing about "now": default to the
    -- latest signing date or ledger date (the 三资 export is made at one time)
    SELECT coalesce(CAST($as_of_date AS DATE),
                    greatest((SELECT max(start_date) FROM collective_contracts),
                             (SELECT max(voucher_date) FROM village_ledger))) AS day
),
kin AS (
    SELECT *, {clean_name('relative_name')} AS kname FROM kinship WHERE village_code IS NOT NULL
),
kin_hits AS (
    SELECT c.source_file, c.source_sheet, c.source_row, 1.0 AS conf, k.*
    FROM c JOIN kin k ON k.relative_id = c.lessee_id AND k.village_code = c.village_code
    UNION ALL
    SELECT c.source_file, c.source_sheet, c.source_row,
           CASE WHEN k.kname = {clean_name('c.lessee_name')} THEN {EXACT_CONFIDENCE} ELSE {HOMOPHONE_CONFIDENCE} END,
           k.*
    FROM c JOIN kin k ON c.lessee_id IS NULL AND k.village_code = c.village_code
                     AND length(k.kname) = length({clean_name('c.lessee_name')})
    WHERE k.kname = {clean_name('c.lessee_name')} OR name_key(k.kname) = name_key(c.lessee_name)
),
kin_per_row AS (
    SELECT source_file, source_sheet, source_row, max(conf) AS conf,
           string_agg(DISTINCT '本村' || coalesce(cadre_position, '干部') || cadre_name
                      || CASE WHEN relation = '本人' THEN '本人' ELSE '的' || relation || relative_name END
                      || CASE WHEN conf < 1 THEN '（按姓名比对' || CASE WHEN conf < {EXACT_CONFIDENCE}
                                                                  THEN '，同音' ELSE '' END || '）'
                              ELSE '' END, '、') AS who,
           list_distinct(flatten(list(evidence))) AS kin_ev
    FROM kin_hits GROUP BY source_file, source_sheet, source_row
),
village_rates AS (
    SELECT village_code, kind, median(rate) AS med, count(*) AS n
    FROM c WHERE rate IS NOT NULL GROUP BY village_code, kind
),
town_rates AS (
    SELECT left(village_code, 9) AS town, kind, median(rate) AS med, count(*) AS n
    FROM c WHERE rate IS NOT NULL GROUP BY left(village_code, 9), kind
),
contract_rows AS (
    SELECT c.*, k.who, k.conf, k.kin_ev,
           CASE WHEN vr.n >= $min_contracts THEN vr.med WHEN tr.n >= $min_contracts THEN tr.med END AS med,
           CASE WHEN vr.n >= $min_contracts THEN '本村' ELSE '本镇' END AS scope,
           c.end_date > c.start_date + to_years(CAST($max_years AS INTEGER)) AS too_long,
           CASE WHEN c.start_date <= a.day THEN CAST(
               CASE WHEN c.start_date + to_years(datediff('year', c.start_date, a.day)) <= a.day
                    THEN c.start_date + to_years(datediff('year', c.start_date, a.day))
                    ELSE c.start_date + to_years(datediff('year', c.start_date, a.day) - 1) END AS DATE)
           END AS due_day,
           a.day AS as_of
    FROM c
    CROSS JOIN as_of a
    LEFT JOIN kin_per_row k ON k.source_file = c.source_file AND k.source_sheet IS NOT DISTINCT FROM c.source_sheet
                           AND k.source_row = c.source_row
    LEFT JOIN village_rates vr ON vr.village_code = c.village_code AND vr.kind = c.kind
    LEFT JOIN town_rates tr ON tr.town = left(c.village_code, 9) AND tr.kind = c.kind
),
judged AS (
    SELECT *,
           who IS NOT NULL AS is_kin,
           coalesce(rate < $rent_ratio * med, false) AS cheap,
           coalesce(too_long, false) AS long_term,
           coalesce(arrears_yuan > 0 AND datediff('day', due_day, as_of) > $overdue_days, false) AS overdue
    FROM contract_rows
),
flagged AS (
    SELECT *,
           (CASE WHEN overdue THEN arrears_yuan ELSE 0 END)
             + (CASE WHEN cheap THEN (med - rate) * area_mu ELSE 0 END) AS money,
           concat_ws('；',
               CASE WHEN is_kin THEN '承包（租赁）方为' || who END,
               CASE WHEN cheap THEN '每亩年租金' || printf('%.2f', rate) || '元，低于' || scope || '同类（' || kind
                    || '）合同每亩年租金中位数' || printf('%.2f', med) || '元的'
                    || printf('%.0f', 100 * $rent_ratio) || '%' END,
               CASE WHEN long_term THEN '合同期限' || printf('%.1f', datediff('day', start_date, end_date) / 365.25)
                    || '年，超过' || $max_years || '年' END,
               CASE WHEN overdue THEN '欠缴租金' || format('{{:,.2f}}', arrears_yuan) || '元，最近一期应缴日'
                    || strftime(due_day, '%Y年%-m月%-d日') || '至核查日' || strftime(as_of, '%Y年%-m月%-d日')
                    || '已过' || datediff('day', due_day, as_of) || '天' END) AS reasons,
           -- only a name match is uncertain; a rent, term or arrears finding is not
           CASE WHEN cheap OR long_term OR overdue THEN NULL ELSE conf END AS row_conf
    FROM judged
    WHERE is_kin OR cheap OR long_term OR overdue
)
SELECT village_code,
       ckey AS subject_key,
       coalesce(min(lessee_name), '') AS subject_name,
       CASE WHEN sum(money) > 0 THEN sum(money) ELSE sum(coalesce(annual_rent_yuan, 0)) END AS amount_yuan,
       concat('合同', ckey, '：', coalesce(min(lessee_name), '（未填承包方）'), '承包（租赁）',
              coalesce(min(asset_name), '集体资产'), '（', min(kind),
              coalesce('，' || printf('%.2f', min(area_mu)) || '亩', ''),
              coalesce('，年租金' || format('{{:,.2f}}', min(annual_rent_yuan)) || '元', ''),
              coalesce('，' || strftime(min(start_date), '%Y年%-m月%-d日') || '至'
                       || strftime(max(end_date), '%Y年%-m月%-d日'), ''),
              '）。', string_agg(DISTINCT reasons, '；')) AS summary,
       '' AS detail_key,
       list_distinct(flatten(list(list_concat([ev], coalesce(kin_ev, []))))) AS evidence,
       NULL AS severity,
       CASE WHEN bool_or(row_conf IS NULL) THEN NULL ELSE max(row_conf) END AS confidence
FROM flagged
GROUP BY village_code, ckey
"""

RULE = Rule(
    id="D10",
    title="集体资产合同异常",
    severity="中",
    semantics=(
        "collective_contracts (primary), per contract: lessee (lessee_id, or name in the village) is a "
        "cadre or close relative; or annual_rent_yuan / area_mu < `rent_ratio` (0.5) × the median rent "
        "per mu of the same asset_kind in the village (≥ 3 contracts of that kind, else in the town); or "
        "end_date − start_date > `max_years` (30) years; or arrears_yuan > 0 and the last anniversary of "
        "start_date before as_of is more than `overdue_days` (60) days before as_of. subject = "
        "contract_no."
    ),
    tables=("collective_contracts",),
    needs=("collective_contracts.village_code",),
    # without a cadre roster the other three checks still run
    optional_derived=("kinship",),
    why="村集体土地、林地、水面、房屋等资产资源发包出租，是村级“三资”管理中问题最集中的环节："
    "干部或其亲属低价承包、超长期限锁定（变相长期占有集体资产）、长期拖欠承包费而无人催收，"
    "都会造成集体资产流失。",
    methodology="逐份合同检查集体资产资源合同台账：（1）承包（租赁）方为本村干部或其近亲属"
    "（有身份证号的按身份证号比对；没有的按姓名在本村干部及亲属中比对，同名可信度0.9、同音0.7）；"
    "（2）每亩年租金低于同村同类资产合同每亩租金中位数的50%（同村同类合同不足3份时与本镇同类比较）；"
    "（3）合同期限超过30年；（4）有欠缴金额，且核查日前最近一个合同周年日（应缴日）距核查日超过60天。"
    "符合任一情形即列为疑点，每份合同一条，列明全部情形。",
    exclusions=(
        "承包方是其他村干部的亲属、与本村干部无关的，不计。",
        "每亩租金不低于同类中位数的50%（如为中位数的60%），不计。",
        "合同期限恰好30年的，不计（须超过30年）。",
        "有欠缴但最近一期应缴日距核查日不超过60天的，不计。",
    ),
    assumptions=(
        "核查日默认取合同起始日期与村级账目日期中最晚的一天，可用 as_of_date 指定。",
        "租金每年于合同周年日应缴；欠缴金额为台账填报的累计欠缴数。",
        "面积为0或未填的合同不参与租金比较；乡镇以统计用区划代码前9位确定。",
        "近亲属关系来自户籍和低保家庭成员信息，分户居住的亲属可能漏判；未提供村干部名册时本规则不运行。",
    ),
    verify="调取合同原件、发包方案、村民代表会议决议和公开招标（竞价）记录，核实发包程序是否合规、"
    "相关干部是否回避；低价合同对照周边同类资产市场租金；超长期限合同核实是否经乡镇审核备案；"
    "欠缴合同查收款记录和催收记录，核实是否存在干部关系户长期欠缴、减免不经集体决策等情况。",
    questions=(
        Question("书记", "合同{subject_key}是怎么发包的？是否公开竞价、经村民代表会议通过？相关干部是否回避？"),
        Question("主任", "这份合同的租金是怎么定的？为什么明显低于同类合同？期限为什么这么长？"),
        Question("会计", "这份合同的承包费每年什么时候收？欠缴多久了？采取过哪些催收措施？"),
        Question("当事人", "你承包（租赁）的是哪块资产？租金多少、交到哪里？有没有欠缴，为什么？"),
        Question("村务监督委员会主任", "这份合同是否经过监委会监督和村务公开？村民有没有意见？"),
    ),
    params=(
        Param("rent_ratio", 0.5, "租金比例：每亩年租金低于同类中位数的这一比例即列为疑点"),
        Param("min_contracts", 3, "计算本村同类租金中位数所需的最少合同数，不足时用本镇同类中位数"),
        Param("max_years", 30, "最长期限（年）：合同期限超过即列为疑点"),
        Param("overdue_days", 60, "欠缴天数：最近一期应缴日距核查日超过此天数且有欠缴即列为疑点"),
        Param("as_of_date", None, "核查日（默认取合同起始日期与村级账目日期中最晚的一天）"),
    ),
    sql=SQL,
)
