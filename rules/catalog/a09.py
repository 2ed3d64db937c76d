"""A09 村低保覆盖率异常: a village's 低保 rate far above the median of its town's villages."""

from rules.model import Param, Question, Rule
from rules.sqlparts import evidence, is_dibao, roster_active_on

SQL = f"""
WITH as_of AS (
    SELECT coalesce(CAST($as_of_date AS DATE),
                    (SELECT max(greatest(approval_date, stop_date)) FROM assistance_roster)) AS day
),
basics AS (
    -- the latest year's registered population of each village (an undated row when none has a year)
    SELECT village_code,
           first(registered_population ORDER BY year DESC NULLS LAST, source_file, source_row) AS population,
           max(year) AS year,
           first(village_raw ORDER BY year DESC NULLS LAST, source_file, source_row) AS village_name,
           first({evidence('b', 'village_basics')} ORDER BY year DESC NULLS LAST, source_file, source_row) AS ev
    FROM village_basics b
    WHERE village_code IS NOT NULL AND registered_population IS NOT NULL
    GROUP BY village_code
),
recipients AS (
    SELECT a.village_code, count(DISTINCT a.member_id) AS n,
           sum(coalesce(a.monthly_amount_yuan, 0)) AS monthly,
           list({evidence('a', 'assistance_roster')} ORDER BY a.source_file, a.source_sheet, a.source_row) AS ev
    FROM assistance_roster a
    WHERE {is_dibao('a')} AND a.member_id IS NOT NULL AND a.village_code IS NOT NULL
      AND {roster_active_on('a', '(SELECT day FROM as_of)')}
    GROUP BY a.village_code
),
rates AS (
    -- villages without recipients count with rate 0; the town is the first 9 digits of the code
    SELECT b.*, left(b.village_code, 9) AS town, coalesce(r.n, 0) AS n, coalesce(r.monthly, 0) AS monthly,
           coalesce(r.n, 0) / b.population AS rate, r.ev AS roster_ev
    FROM basics b LEFT JOIN recipients r USING (village_code)
    WHERE b.population > 0
),
towns AS (SELECT town, median(rate) AS median_rate, count(*) AS villages FROM rates GROUP BY town)
SELECT r.village_code, r.village_code AS subject_key, '' AS subject_name, r.monthly AS amount_yuan,
       strftime((SELECT day FROM as_of), '%Y年%m月%d日') || '在保低保' || r.n || '人，户籍人口'
         || r.population || '人' || coalesce('（' || r.year || '年）', '') || '，覆盖率' || printf('%.1f%%', 100 * r.rate)
         || '，本镇' || t.villages || '个村中位数' || printf('%.1f%%', 100 * t.median_rate)
         || CASE WHEN t.median_rate > 0 THEN '，为中位数的' || printf('%.1f', r.rate / t.median_rate) || '倍'
                 ELSE '' END
         || '；月保障金合计' || printf('%.2f', r.monthly) || '元' AS summary,
       '' AS detail_key,
       list_prepend(r.ev, r.roster_ev) AS evidence,
       NULL AS severity, NULL AS confidence
FROM rates r JOIN towns t USING (town)
WHERE r.n >= $min_recipients AND r.rate > $k * t.median_rate
"""

RULE = Rule(
    id="A09",
    title="村低保覆盖率异常",
    severity="低",
    semantics=(
        "Per village: distinct member_id of 低保 roster rows active on as_of ÷ "
        "village_basics.registered_population (latest year). Flag when rate > `k` (2) × the median rate "
        "of the villages of its town and the count ≥ `min_recipients` (5). subject = village_code."
    ),
    tables=("assistance_roster", "village_basics"),
    needs=(
        "assistance_roster.member_id", "assistance_roster.approval_date",
        "assistance_roster.village_code", "village_basics.registered_population",
        "village_basics.village_code",
    ),
    why="同一乡镇各村经济条件相近，低保覆盖率（在保低保人数占户籍人口的比例）通常相差不大。某村覆盖率远高于本镇其他村，"
    "可能存在“人情保”“关系保”、应退未退或整户平均分配指标的情况，提示巡察组到该村重点抽查。",
    methodology="以核查截止日期在保的低保对象（按成员身份证号去重）除以村基本情况表最近一年的户籍人口，得到各村覆盖率；"
    "与本镇（统计用区划代码前 9 位相同）各村覆盖率的中位数比较，超过中位数 k 倍（默认 2 倍）且在保人数不少于最低人数"
    "（默认 5 人）的，生成疑点。",
    exclusions=(
        "在保人数少于最低人数（默认 5 人）的小村，比例波动大，不计。",
        "覆盖率未超过本镇中位数 k 倍的，不计。",
        "村基本情况表中没有户籍人口（或为 0）的村无法计算，不计。",
    ),
    assumptions=(
        "本镇各村情况大体可比；有特殊原因（如地质灾害搬迁、集中供养机构所在村）的，需结合实际判断。",
        "户籍人口取村基本情况表最近一年的数字。",
    ),
    verify="到该村随机抽取若干低保户入户核查家庭收入、财产和实际居住情况；调阅近年新增低保户的民主评议和公示材料；"
    "比较本村与邻村的认定标准是否一致。",
    questions=(
        Question("书记", "本村低保户比例明显高于本镇其他村，原因是什么？低保名额是怎样确定的？"),
        Question("民政协理员", "本村低保对象是否定期开展动态复核？近两年退出了多少户？"),
        Question("主任", "低保民主评议是怎样组织的？评议结果是否全部公示？群众有无异议？"),
    ),
    params=(
        Param("k", 2, "覆盖率超过本镇各村中位数的倍数"),
        Param("min_recipients", 5, "参与判断的最低在保人数"),
        Param("as_of_date", None, "统计在保人数的日期（默认取花名册中最晚的日期）"),
    ),
    sql=SQL,
)
