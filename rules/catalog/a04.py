"""A04 财政供养人员家庭享受低保: a member of a 低保/特困 household is on the public payroll meanwhile."""

from rules.model import Param, Question, Rule
from rules.sqlparts import ROSTER_SPELLS, evidence, is_dibao, is_tekun

SQL = f"""
WITH as_of AS (
    SELECT coalesce(CAST($as_of_date AS DATE), (
        SELECT max(x) FROM (
            SELECT max(greatest(approval_date, stop_date)) AS x FROM assistance_roster
            UNION ALL SELECT max(greatest(start_date, end_date)) FROM payroll))) AS day
),
spells AS (SELECT * FROM {ROSTER_SPELLS} s WHERE {is_dibao('s')} OR {is_tekun('s')}),
hits AS (
    -- payroll spell [start_date, end_date) overlaps the roster row's [approval, last active day]
    SELECT s.village_code, s.member_id AS person_id, s.rid,
           coalesce(p.person_name, s.member_name) AS person_name, s.member_name, s.head_name,
           s.relation_to_head, s.programme, s.start_day, s.end_day,
           coalesce(s.monthly_amount_yuan, 0) AS monthly,
           p.employer, p.staff_category, p.start_date, p.end_date,
           greatest(s.start_day, coalesce(p.start_date, s.start_day)) AS o_start,
           least(coalesce(s.end_day, DATE '9999-12-31'),
                 coalesce(p.end_date - 1, DATE '9999-12-31'), (SELECT day FROM as_of)) AS o_end,
           s.ev AS roster_ev, {evidence('p', 'payroll')} AS payroll_ev
    FROM spells s JOIN payroll p ON p.person_id = s.member_id
    WHERE coalesce(p.start_date, DATE '0001-01-01') <= coalesce(s.end_day, DATE '9999-12-31')
      AND (p.end_date IS NULL OR p.end_date > s.start_day)
),
per_row AS (
    -- benefit paid on each roster row while the person was on the payroll (whole months)
    SELECT village_code, person_id, rid,
           max(greatest(0, datediff('month', o_start, o_end) + 1)) * any_value(monthly) AS amount
    FROM hits GROUP BY ALL
),
amounts AS (SELECT village_code, person_id, sum(amount) AS amount FROM per_row GROUP BY ALL)
SELECT h.village_code, h.person_id AS subject_key, any_value(h.person_name) AS subject_name,
       any_value(m.amount) AS amount_yuan,
       any_value(h.person_name) || '（' || h.person_id || '）为财政供养人员（'
         || string_agg(DISTINCT coalesce(h.employer, '') || '·' || coalesce(h.staff_category, '')
              || coalesce('·' || strftime(h.start_date, '%Y年%m月') || '入编', '')
              || coalesce('·' || strftime(h.end_date, '%Y年%m月') || '离岗', ''), '；'
              ORDER BY coalesce(h.employer, '') || '·' || coalesce(h.staff_category, '')
              || coalesce('·' || strftime(h.start_date, '%Y年%m月') || '入编', '')
              || coalesce('·' || strftime(h.end_date, '%Y年%m月') || '离岗', ''))
         || '），同期其所在家庭（户主' || coalesce(any_value(h.head_name), '') || '）享受'
         || string_agg(DISTINCT h.programme || '（' || strftime(h.start_day, '%Y年%m月%d日') || '审批，'
              || coalesce(strftime(h.end_day, '%Y年%m月%d日') || '止', '至今在保') || '）', '、'
              ORDER BY h.programme || '（' || strftime(h.start_day, '%Y年%m月%d日') || '审批，'
              || coalesce(strftime(h.end_day, '%Y年%m月%d日') || '止', '至今在保') || '）')
         || '；重叠期间保障金约' || printf('%.2f', any_value(m.amount)) || '元，需核实家庭收入' AS summary,
       '' AS detail_key,
       list_distinct(list(h.roster_ev) || list(h.payroll_ev)) AS evidence,
       NULL AS severity, NULL AS confidence
FROM hits h JOIN amounts m ON m.village_code IS NOT DISTINCT FROM h.village_code AND m.person_id = h.person_id
GROUP BY h.village_code, h.person_id
-- rows without a matched village only make a flag of their own when no other village is known
QUALIFY h.village_code IS NOT NULL OR count(h.village_code) OVER (PARTITION BY h.person_id) = 0
"""

RULE = Rule(
    id="A04",
    title="财政供养人员家庭享受低保",
    severity="中",
    semantics=(
        "A member_id of an active (at any day) 低保/特困 roster row equals a payroll person_id whose "
        "[start_date, end_date or ∞) overlaps the roster row's active period. subject = the payroll "
        "person's ID. Primary: roster row. Near miss: payroll ended before approval."
    ),
    tables=("assistance_roster", "payroll"),
    needs=(
        "assistance_roster.member_id", "assistance_roster.approval_date", "payroll.person_id",
    ),
    why="财政供养人员有稳定工资收入，其家庭人均收入通常高于低保标准。家庭成员在保障期间领取财政工资，"
    "可能存在隐瞒收入、人情保、关系保。但身份本身不构成取消资格的理由（民发〔2022〕83号不允许“以身份定保”），"
    "疑点在于核实家庭收入是否真实。",
    methodology="以身份证号比对低保特困花名册成员与财政供养人员名册：花名册记录（低保或特困，审批日期至停保日期）"
    "与财政供养期间（入编日期至离岗日期，无离岗日期视为至今）有重叠的，生成疑点。以花名册记录所在村为疑点所属村。",
    exclusions=(
        "离岗（退休、辞职）日期早于低保审批日期的，期间不重叠，不计。",
        "入编日期晚于该条花名册记录停保日期的，不计。",
        "状态为停保/退保且无停保日期的花名册记录视为未生效，不参与比对。",
    ),
    assumptions=(
        "财政供养人员名册的入编、离岗日期准确；离岗日期当天起不再领取财政工资。",
        "重叠期间保障金按整月、按名册月保障金估算，仅供参考。",
    ),
    verify="调取该户低保申请时的家庭收入核对材料，核实是否如实申报财政供养人员的工资收入；"
    "查看是否已分户、是否共同生活；测算家庭人均收入是否仍低于当地低保标准。",
    questions=(
        Question("民政协理员", "该户申请低保时，{subject_name}的工资收入是否计入家庭收入？是谁入户核查的？"),
        Question("书记", "村里是否清楚{subject_name}是财政供养人员？民主评议时是否提出过异议？"),
        Question("当事户", "{subject_name}现在在哪里工作、每月工资多少？是否与家里共同生活、共同开支？"),
    ),
    params=(
        Param("as_of_date", None, "核查截止日期，用于计算仍在保记录的重叠月数（默认取数据中最晚的日期）"),
    ),
    sql=SQL,
)
