"""A03 重复享受: one ID on two roster rows of the same programme group in overlapping periods."""

from rules.model import Param, Question, Rule
from rules.sqlparts import ROSTER_SPELLS, is_dibao, is_tekun

SQL = f"""
WITH as_of AS (
    SELECT coalesce(CAST($as_of_date AS DATE),
                    (SELECT max(greatest(approval_date, stop_date)) FROM assistance_roster)) AS day
),
spells AS (
    SELECT s.rid, s.member_id AS person_id, s.member_name AS person_name, s.village_code,
           CASE WHEN {is_dibao('s')} THEN '低保' ELSE '特困' END AS grp,
           s.programme, s.head_id, s.head_name, s.village_raw, s.start_day, s.end_day,
           coalesce(s.monthly_amount_yuan, 0) AS monthly, s.ev
    FROM {ROSTER_SPELLS} s
    WHERE {is_dibao('s')} OR {is_tekun('s')}
),
overlap_pairs AS (
    SELECT a.person_id, a.grp, a.rid AS rid_a, b.rid AS rid_b,
           greatest(a.start_day, b.start_day) AS o_start,
           least(coalesce(a.end_day, DATE '9999-12-31'), coalesce(b.end_day, DATE '9999-12-31'),
                 (SELECT day FROM as_of)) AS o_end,
           CASE WHEN a.village_code IS DISTINCT FROM b.village_code THEN '跨村'
                WHEN a.head_id IS DISTINCT FROM b.head_id THEN '跨户'
                ELSE '同户' END AS kind
    FROM spells a JOIN spells b
      ON a.person_id = b.person_id AND a.grp = b.grp AND a.rid < b.rid
    WHERE a.start_day <= coalesce(b.end_day, DATE '9999-12-31')
      AND b.start_day <= coalesce(a.end_day, DATE '9999-12-31')
),
-- every row taking part in an overlap, with the whole months it overlaps another row
involved AS (
    SELECT s.*, max(greatest(0, datediff('month', o.o_start, o.o_end) + 1)) AS months,
           list(DISTINCT o.kind) AS kinds
    FROM spells s
    JOIN (SELECT person_id, grp, rid_a AS rid, o_start, o_end, kind FROM overlap_pairs
          UNION ALL SELECT person_id, grp, rid_b, o_start, o_end, kind FROM overlap_pairs) o
      ON o.rid = s.rid
    GROUP BY ALL
),
per_person AS (
    SELECT person_id, grp, count(*) AS n,
           string_agg(coalesce(village_raw, village_code, '') || '·户主' || coalesce(head_name, '')
               || '·' || programme || '（' || strftime(start_day, '%Y年%m月%d日') || '审批，'
               || coalesce(strftime(end_day, '%Y年%m月%d日') || '止', '至今在保') || '）', '；'
               ORDER BY start_day, rid) AS rows_text,
           list_sort(list_distinct(flatten(list(kinds)))) AS kinds,
           list(ev ORDER BY rid) AS ev
    FROM involved GROUP BY person_id, grp
)
SELECT i.village_code, i.person_id AS subject_key, any_value(i.person_name) AS subject_name,
       max(i.months * i.monthly) AS amount_yuan,
       coalesce(any_value(i.person_name), '') || '（' || i.person_id || '）在' || i.grp || '名册中出现'
         || any_value(p.n) || '条记录且保障期间重叠（' || array_to_string(any_value(p.kinds), '、')
         || '）：' || any_value(p.rows_text) || '；本村记录重叠期间涉及金额'
         || printf('%.2f', max(i.months * i.monthly)) || '元' AS summary,
       i.grp AS detail_key,
       any_value(p.ev) AS evidence,
       NULL AS severity, NULL AS confidence
FROM involved i JOIN per_person p USING (person_id, grp)
GROUP BY i.village_code, i.person_id, i.grp
-- rows without a matched village only make a flag of their own when no other village is known
QUALIFY i.village_code IS NOT NULL OR count(i.village_code) OVER (PARTITION BY i.person_id, i.grp) = 0
"""

RULE = Rule(
    id="A03",
    title="重复享受",
    severity="高",
    semantics=(
        "Same member_id on ≥ 2 roster rows of the same programme group with overlapping active periods "
        "(different villages, different households, or twice in one household). Primary: each roster "
        "row's village (a flag per village involved). Near miss: an old stopped row plus a new active row "
        "that do not overlap."
    ),
    tables=("assistance_roster",),
    needs=(
        "assistance_roster.member_id", "assistance_roster.approval_date",
        "assistance_roster.programme",
    ),
    why="同一身份证号在同一救助项目中只能有一条有效保障记录。同一人在两个村、两个家庭或同一家庭中重复纳入，"
    "保障期间又相互重叠，说明存在重复申报、户籍迁移后未注销原保障或虚增保障人口，资金可能重复发放。",
    methodology="按成员身份证号和项目大类（低保：保障类别含“低保”或为 A/B/C 类；特困：含“特困”）分组，"
    "找出同一人两条及以上名册记录的保障期间（审批日期至停保日期，在保无停保日期视为持续至今）相互重叠的情形。"
    "涉及几个村，就在每个村各生成一条疑点。",
    exclusions=(
        "旧记录已停保、新记录在停保之后审批（期间不重叠）的，属正常迁移或重新认定，不计。",
        "状态为停保/退保且无停保日期的记录视为未生效，不参与比对。",
        "低保与特困之间的交叉由 A02 比对，本规则只比同一大类。",
    ),
    assumptions=(
        "成员身份证号已统一为 18 位（15 位已升位、小写 x 已转大写），同一人只有一个号码。",
        "重叠月份按整月计算、按该村记录的月保障金估算金额（同村多条取其大者，避免同户重复时重复计算），仅供参考。",
    ),
    verify="调取各条记录的申请审批材料，核实是否重复申报、迁移后是否办理原地停保；查一卡通明细确认两处是否均实际发放；"
    "同户重复的，核实是否多报保障人数。",
    questions=(
        Question("民政协理员", "{subject_name}为何在名册中有两条在保记录？迁入（分户）时是否核查过原保障情况？"),
        Question("主任", "{subject_name}的实际居住地和户籍在哪个村？本村为其申报低保时是否入户调查？"),
        Question("当事户", "您家享受低保几年了？每月实际领取多少钱？是否知道在别处（别的户）也登记了？"),
    ),
    params=(
        Param("as_of_date", None, "核查截止日期，用于计算仍在保记录的重叠月数（默认取数据中最晚的日期）"),
    ),
    sql=SQL,
)
