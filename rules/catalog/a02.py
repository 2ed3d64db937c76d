"""A02 互斥待遇重复享受: one person in two programmes that cannot be combined, in overlapping periods."""

from rules.model import Param, Question, Rule
from rules.sqlparts import evidence, is_dibao, roster_active_until

# A "spell" is one benefit held over a period: a roster row from approval to its last active day,
# or a disability payment for the days of its pay month. A pair [x, y] of the configured list
# matches spells whose programme (roster; "低保" also means A类/B类/C类) or subsidy type
# (disability payments) contains x, resp. y.
SQL = f"""
WITH as_of AS (
    SELECT coalesce(CAST($as_of_date AS DATE), (
        SELECT max(x) FROM (
            SELECT max(greatest(approval_date, stop_date)) AS x FROM assistance_roster
            UNION ALL SELECT last_day(max(period_end)) FROM disability_payments))) AS day
),
spells AS (
    SELECT 'assistance_roster' AS src, a.rowid AS rid, a.member_id AS person_id,
           a.member_name AS person_name, a.village_code, a.programme AS label,
           {is_dibao('a')} AS dibao, a.approval_date AS start_day,
           {roster_active_until('a')} AS end_day, a.monthly_amount_yuan AS monthly,
           NULL::DOUBLE AS amount, a.status, {evidence('a', 'assistance_roster')} AS ev
    FROM assistance_roster a
    WHERE a.member_id IS NOT NULL AND a.approval_date IS NOT NULL
      AND coalesce({roster_active_until('a')}, a.approval_date) >= a.approval_date
    UNION ALL
    SELECT 'disability_payments', p.rowid, p.person_id, p.person_name, p.village_code,
           p.subsidy_type, false, p.period_start, last_day(p.period_end), NULL, p.amount_yuan, NULL,
           {evidence('p', 'disability_payments')}
    FROM disability_payments p
    -- every pair has a roster side: only people on the roster can match
    WHERE p.person_id IN (SELECT member_id FROM assistance_roster) AND p.period_start IS NOT NULL AND p.period_end IS NOT NULL
),
pairs AS (
    SELECT x[1] AS kw1, x[2] AS kw2, x[1] || '×' || x[2] AS pair_label
    FROM (SELECT unnest(CAST($pairs AS VARCHAR[][])) AS x)
),
tagged AS (
    SELECT s.*, k.pair_label, k.side
    FROM spells s
    JOIN (SELECT pair_label, kw1 AS kw, 1 AS side FROM pairs
          UNION ALL SELECT pair_label, kw2, 2 FROM pairs) k
      ON (s.src = 'assistance_roster' AND k.kw = '低保' AND s.dibao)
         OR coalesce(s.label, '') LIKE '%' || k.kw || '%'
),
matched AS (
    -- primary = the roster spell of the pair (the second one when both are roster spells)
    SELECT CASE WHEN b.src = 'assistance_roster' THEN b ELSE a END AS p,
           CASE WHEN b.src = 'assistance_roster' THEN a ELSE b END AS q,
           greatest(a.start_day, b.start_day) AS overlap_start,
           least(coalesce(a.end_day, DATE '9999-12-31'), coalesce(b.end_day, DATE '9999-12-31'))
             AS overlap_end,
           a.pair_label,
           -- the primary row's village, else the other row's (a flag without a village is unplaced)
           coalesce(CASE WHEN b.src = 'assistance_roster' THEN b.village_code ELSE a.village_code END,
                    CASE WHEN b.src = 'assistance_roster' THEN a.village_code ELSE b.village_code END)
             AS village_code
    FROM tagged a
    JOIN tagged b ON a.person_id = b.person_id AND a.pair_label = b.pair_label
                 AND a.side = 1 AND b.side = 2 AND NOT (a.src = b.src AND a.rid = b.rid)
    WHERE a.start_day <= coalesce(b.end_day, DATE '9999-12-31')
      AND b.start_day <= coalesce(a.end_day, DATE '9999-12-31')
      AND (a.src = 'assistance_roster' OR b.src = 'assistance_roster')
),
-- one line per other-side spell: the money it paid during the overlap
other_side AS (
    SELECT village_code, p.person_id, pair_label, q.src, q.rid, q.label, q.ev,
           any_value(q.start_day) AS q_start, any_value(q.end_day) AS q_end,
           max(CASE WHEN q.src = 'assistance_roster' THEN
                 greatest(0, datediff('month', overlap_start,
                     least(overlap_end, (SELECT day FROM as_of))) + 1) * coalesce(q.monthly, 0)
               ELSE coalesce(q.amount, 0) END) AS amount
    FROM matched
    GROUP BY ALL
),
other_desc AS (
    SELECT village_code, person_id, pair_label,
           CASE WHEN src = 'assistance_roster'
                THEN string_agg(label || '（' || strftime(q_start, '%Y年%m月%d日') || '审批，'
                         || coalesce(strftime(q_end, '%Y年%m月%d日') || '止', '至今在保') || '）', '、'
                         ORDER BY q_start, rid)
                ELSE label || count(*) || '个月（' || strftime(min(q_start), '%Y年%m月') || '至'
                     || strftime(max(q_start), '%Y年%m月') || '）' END AS what,
           sum(amount) AS amount, list(ev) AS ev
    FROM other_side
    GROUP BY village_code, person_id, pair_label, src, label
),
others AS (
    SELECT village_code, person_id, pair_label, string_agg(what, '、' ORDER BY what) AS what,
           sum(amount) AS amount, flatten(list(ev)) AS ev
    FROM other_desc GROUP BY ALL
),
primaries AS (
    SELECT village_code, p.person_id, pair_label,
           any_value(p.person_name) AS person_name,
           string_agg(DISTINCT p.label || '（' || strftime(p.start_day, '%Y年%m月%d日') || '审批，'
               || coalesce(strftime(p.end_day, '%Y年%m月%d日') || '止', '至今在保') || '）', '、'
               ORDER BY p.label || '（' || strftime(p.start_day, '%Y年%m月%d日') || '审批，'
               || coalesce(strftime(p.end_day, '%Y年%m月%d日') || '止', '至今在保') || '）') AS what,
           list(DISTINCT p.ev) AS ev
    FROM matched GROUP BY ALL
)
SELECT p.village_code, p.person_id AS subject_key, p.person_name AS subject_name,
       o.amount AS amount_yuan,
       coalesce(p.person_name, '') || '（' || p.person_id || '）同时享受互斥待遇（' || p.pair_label || '）：'
         || p.what || '，期间又享受' || o.what || '；重叠期间另一项待遇涉及金额'
         || printf('%.2f', o.amount) || '元' AS summary,
       p.pair_label AS detail_key,
       list_concat(p.ev, o.ev) AS evidence,
       NULL AS severity, NULL AS confidence
FROM primaries p
JOIN others o ON o.village_code IS NOT DISTINCT FROM p.village_code
             AND o.person_id = p.person_id AND o.pair_label = p.pair_label
-- rows without a matched village only make a flag of their own when no other village is known
QUALIFY p.village_code IS NOT NULL
     OR count(p.village_code) OVER (PARTITION BY p.person_id, p.pair_label) = 0
"""

RULE = Rule(
    id="A02",
    title="互斥待遇重复享受",
    severity="高",
    semantics=(
        "Same person_id: a 低保 roster row and a 特困 roster row whose active periods overlap (pairs "
        "configurable); or a 特困 roster row active in a month a disability payment whose subsidy_type "
        "contains 护理 is for (any month of its period: period_start..period_end). Primary: the 特困 roster row. "
        "Near miss: moved from 低保 to 特困 with the 低保 row stopped "
        "before the 特困 approval date."
    ),
    tables=("assistance_roster",),
    optional_tables=("disability_payments",),
    needs=(
        "assistance_roster.member_id", "assistance_roster.approval_date",
        "assistance_roster.programme", "disability_payments.person_id",
        "disability_payments.period_start",
    ),
    why="低保与特困供养、特困供养与重度残疾人护理补贴等待遇不得同时享受（特困人员已由政府集中或分散供养，"
    "其基本生活和照料护理已有保障）。同一人在同一时期同时领取互斥的两项待遇，资金可能重复发放。",
    methodology="以身份证号比对低保特困花名册与残疾人两项补贴发放名册：同一人的两条待遇记录分属一组互斥项目"
    "（默认 低保×特困、特困×护理补贴，可配置），且保障期间相互重叠（名册记录的期间为审批日期至停保日期，"
    "在保无停保日期视为持续至今；补贴发放记录的期间为发放月份当月）。以特困名册记录所在村为疑点所属村。",
    exclusions=(
        "由低保转为特困供养、低保记录在特困审批日期之前已停保的，期间不重叠，不计。",
        "状态为停保/退保且无停保日期的名册记录视为未生效，不参与比对。",
    ),
    assumptions=(
        "名册中的审批日期、停保日期真实反映待遇起止；重叠月份按整月计算金额，仅为估算。",
        "“低保”包括城市低保、农村低保及 A类/B类/C类 分类施保对象。",
        "每对互斥待遇至少有一方是低保特困花名册中的项目；两方都是残疾人补贴类型的配置不会产生疑点。",
    ),
    verify="调取该对象两项待遇的审批材料和停发手续，核实转换类别时是否及时停发原待遇；查一卡通发放明细，"
    "确认重叠期间两项资金是否均实际到账；已多发的，核实是否追回。",
    questions=(
        Question("民政协理员", "{subject_name}纳入特困供养时，原享受的低保（护理补贴）为何没有同步停发？由谁负责办理？"),
        Question("书记", "村里低保、特困对象类别转换由谁审核？是否对互斥待遇做过比对？"),
        Question("当事户", "{subject_name}在此期间领取了哪几项补助？钱款由谁领取、保管？"),
    ),
    params=(
        Param(
            "pairs",
            [["低保", "特困"], ["特困", "护理"]],
            "互斥待遇对：每对两个关键词，分别匹配花名册保障类别或残疾人补贴类型（“低保”含 A/B/C 类）",
        ),
        Param("as_of_date", None, "核查截止日期，用于计算仍在保记录的重叠月数（默认取数据中最晚的日期）"),
    ),
    sql=SQL,
)
