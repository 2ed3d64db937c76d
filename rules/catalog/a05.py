"""A05 村干部及近亲属享受低保未备案: a cadre's (or close relative's) household on the roster, not filed."""

from rules.model import Param, Question, Rule
from rules.sqlparts import ROSTER_SPELLS

SQL = f"""
WITH as_of AS (
    SELECT coalesce(CAST($as_of_date AS DATE),
                    (SELECT max(greatest(approval_date, stop_date)) FROM assistance_roster)) AS day
),
members AS (SELECT * FROM {ROSTER_SPELLS} s WHERE s.head_id IS NOT NULL AND s.village_code IS NOT NULL),
related AS (
    SELECT m.village_code, m.head_id, m.head_name, m.member_id, m.member_name, m.programme,
           m.approval_date, m.end_day, m.ev, m.rid,
           -- benefit on this row up to as_of, whole months
           greatest(0, datediff('month', m.approval_date,
               least(coalesce(m.end_day, DATE '9999-12-31'), (SELECT day FROM as_of))) + 1)
             * coalesce(m.monthly_amount_yuan, 0) AS amount,
           k.cadre_name, k.cadre_position, k.relation, k.evidence AS kin_ev
    FROM members m
    JOIN kinship k ON k.relative_id = m.member_id AND k.village_code = m.village_code
),
filings AS (
    SELECT applicant_id, name_key(applicant_name) AS applicant_key, village_code
    FROM relative_filings
),
unfiled AS (
    SELECT r.* FROM related r
    WHERE NOT EXISTS (
        SELECT 1 FROM filings f
        WHERE f.applicant_id IN (r.head_id, r.member_id)
           -- a filing entered without an ID still counts when its name matches in the same village,
           -- or in a village that matched none (it may be this one written otherwise)
           OR (f.applicant_id IS NULL AND coalesce(f.village_code = r.village_code, TRUE)
               AND f.applicant_key <> ''
               AND f.applicant_key IN (name_key(r.head_name), name_key(r.member_name))))
),
amounts AS (
    SELECT village_code, head_id, sum(amount) AS amount
    FROM (SELECT DISTINCT village_code, head_id, rid, amount FROM unfiled) GROUP BY ALL
)
SELECT village_code, head_id AS subject_key, any_value(head_name) AS subject_name,
       any_value(a.amount) AS amount_yuan,
       '户主' || coalesce(any_value(head_name), '') || '（' || head_id || '）家庭享受'
         || string_agg(DISTINCT programme || '（' || strftime(approval_date, '%Y年%m月%d日') || '审批，'
              || coalesce(strftime(end_day, '%Y年%m月%d日') || '止', '至今在保') || '）', '、'
              ORDER BY programme || '（' || strftime(approval_date, '%Y年%m月%d日') || '审批，'
              || coalesce(strftime(end_day, '%Y年%m月%d日') || '止', '至今在保') || '）')
         || '；其中'
         || string_agg(DISTINCT CASE WHEN relation = '本人'
                 THEN coalesce(member_name, '') || '本人为本村' || coalesce(cadre_position, '干部')
                 ELSE coalesce(member_name, '') || '系本村' || coalesce(cadre_position, '干部')
                      || coalesce(cadre_name, '') || '的' || relation END, '；' ORDER BY CASE WHEN relation = '本人'
                 THEN coalesce(member_name, '') || '本人为本村' || coalesce(cadre_position, '干部')
                 ELSE coalesce(member_name, '') || '系本村' || coalesce(cadre_position, '干部')
                      || coalesce(cadre_name, '') || '的' || relation END)
         || '；备案台账中未见该户（户主或该成员）的近亲属备案记录；相关成员已领保障金约'
         || printf('%.2f', any_value(a.amount)) || '元' AS summary,
       '' AS detail_key,
       list_distinct(list(ev) || flatten(list(kin_ev))) AS evidence,
       CASE WHEN bool_or(coalesce(cadre_position, '') LIKE '%书记%'
                         OR coalesce(cadre_position, '') LIKE '%主任%') THEN '高' END AS severity,
       NULL AS confidence
FROM unfiled JOIN amounts a USING (village_code, head_id)
GROUP BY village_code, head_id
"""

RULE = Rule(
    id="A05",
    title="村干部及近亲属享受低保未备案",
    severity="中",
    semantics=(
        "A roster household (head_id) in village V, active, containing a member who is a cadre of V or a "
        "close relative of a cadre of V, and no relative_filings row with applicant_id = head_id or "
        "applicant_id = that member's ID. subject = **head_id**. One flag per household. Severity 高 when "
        "the cadre's position contains 书记 or 主任. Near miss: the same situation with a filing entry; a "
        "cadre's relative in another village's roster."
    ),
    tables=("assistance_roster", "cadre_roster", "relative_filings"),
    needs=(
        "assistance_roster.head_id", "assistance_roster.member_id",
        "assistance_roster.approval_date", "assistance_roster.village_code",
        "cadre_roster.village_code",
    ),
    derived=("kinship",),
    why="民政部《最低生活保障审核确认办法》要求，村（居）民委员会成员及其近亲属申请低保的，应当单独登记备案。"
    "干部及其近亲属在保而备案台账中没有记录，可能存在“人情保”“关系保”，或审核时回避了监督。",
    methodology="由户籍信息和低保特困花名册的家庭关系推导本村村干部及其近亲属（配偶、父母、子女、兄弟姐妹等，"
    "亲属范围可配置），与本村花名册中曾在保的家庭成员按身份证号比对；该户户主和该成员在近亲属备案台账中均无备案记录"
    "（按申请人身份证号，台账未填身份证号的按同村同名）的，每户生成一条疑点。书记、主任的近亲属定为“高”。",
    exclusions=(
        "备案台账中有该户户主或该成员的备案记录的，不计；备案记录未填身份证号的按本村同名（或同音）认定，"
        "该记录的村未能识别（村名匹配不上）的也按同名认定。",
        "干部的近亲属在其他村的花名册中的，不属本村干部近亲属享受本村低保，不计。",
        "状态为停保/退保且无停保日期的花名册记录视为未生效，不参与比对。",
    ),
    assumptions=(
        "近亲属关系由同一户号（户籍）或同一户主（花名册）内的“与户主关系”推导，无法确定的关系不推导；"
        "分户居住的近亲属可能漏查。",
        "村干部以村(居)民委员会成员名册为准（任何职务），不区分任职期间。",
    ),
    verify="调取该户低保申请、入户调查、民主评议和公示材料，核实是否履行了近亲属单独登记备案程序；"
    "核查该户家庭收入、财产是否符合条件；核实村干部在审核、评议环节是否回避。",
    questions=(
        Question("书记", "{subject_name}家庭与村干部是什么关系？申请低保时是否按规定单独登记备案、村干部是否回避？"),
        Question("民政协理员", "村干部近亲属申请低保的备案台账由谁负责登记？为何该户没有备案？"),
        Question("主任", "{subject_name}家庭纳入低保时，民主评议是怎样组织的？评议结果和公示情况如何？"),
        Question("当事户", "您家是什么时候、通过谁申请的低保？家里现在有哪些收入来源？"),
    ),
    params=(
        Param("as_of_date", None, "核查截止日期，用于估算相关成员已领保障金（默认取数据中最晚的日期）"),
    ),
    sql=SQL,
)
