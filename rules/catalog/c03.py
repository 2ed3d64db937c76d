"""C03 干部户补贴面积异常增长: a cadre's (or close relative's) subsidised area grows while the village's stays flat."""

from rules.model import Param, Question, Rule
from rules.sqlparts import evidence

SQL = f"""
WITH cadre_links AS (
    -- a person may be linked to several cadres of the village; the cadre themself has relation 本人
    SELECT village_code, relative_id AS person_id,
           string_agg(DISTINCT coalesce(cadre_position, '村干部') || cadre_name
                      || CASE WHEN relation = '本人' THEN '本人' ELSE '的' || relation END, '、'
                      ORDER BY coalesce(cadre_position, '村干部') || cadre_name
                      || CASE WHEN relation = '本人' THEN '本人' ELSE '的' || relation END) AS links,
           list_sort(list_distinct(flatten(list(evidence)))) AS ev
    FROM kinship
    WHERE village_code IS NOT NULL AND relative_id IS NOT NULL
    GROUP BY village_code, relative_id
),
rows AS (
    SELECT * FROM farmland_subsidy
    WHERE village_code IS NOT NULL AND person_id IS NOT NULL AND year IS NOT NULL AND subsidy_area_mu IS NOT NULL
),
households AS (
    -- only the households of cadres and their close relatives
    SELECT f.village_code, f.person_id, f.year,
           min(f.head_name) AS head_name,
           sum(f.subsidy_area_mu) AS area,
           coalesce(max(f.rate_yuan_per_mu), sum(f.amount_yuan) / nullif(sum(f.subsidy_area_mu), 0)) AS rate,
           list({evidence('f', 'farmland_subsidy')} ORDER BY f.source_file, f.source_row) AS ev
    FROM rows f
    SEMI JOIN cadre_links k ON k.village_code = f.village_code AND k.person_id = f.person_id
    GROUP BY f.village_code, f.person_id, f.year
),
village_totals AS (
    SELECT village_code, year, sum(subsidy_area_mu) AS total
    FROM rows GROUP BY village_code, year
)
SELECT cur.village_code,
       cur.person_id AS subject_key,
       cur.head_name AS subject_name,
       (cur.area - prev.area) * coalesce(cur.rate, 0) AS amount_yuan,
       coalesce(cur.head_name, cur.person_id) || '（' || k.links || '）户补贴面积由' || prev.year || '年'
         || printf('%.2f', prev.area) || '亩增至' || cur.year || '年' || printf('%.2f', cur.area) || '亩，增长'
         || printf('%.1f', 100 * (cur.area / prev.area - 1)) || '%；同期全村补贴面积由' || printf('%.2f', vp.total)
         || '亩变为' || printf('%.2f', vt.total) || '亩（' || printf('%+.1f', 100 * (vt.total / vp.total - 1)) || '%）'
         || CASE WHEN cur.rate IS NOT NULL
                 THEN '，增加面积按' || printf('%.2f', cur.rate) || '元/亩计约'
                      || printf('%.2f', (cur.area - prev.area) * cur.rate) || '元' ELSE '' END AS summary,
       CAST(cur.year AS VARCHAR) AS detail_key,
       list_concat(prev.ev, cur.ev, k.ev) AS evidence,
       NULL AS severity,
       NULL AS confidence
FROM households cur
JOIN cadre_links k ON k.village_code = cur.village_code AND k.person_id = cur.person_id
JOIN households prev
  ON prev.village_code = cur.village_code AND prev.person_id = cur.person_id AND prev.year = cur.year - 1
JOIN village_totals vt ON vt.village_code = cur.village_code AND vt.year = cur.year
JOIN village_totals vp ON vp.village_code = cur.village_code AND vp.year = cur.year - 1
WHERE prev.area > 0
  AND vp.total > 0
  AND cur.area - prev.area >= $growth * prev.area - 1e-9
  AND abs(vt.total - vp.total) <= $village_flat * vp.total + 1e-9
"""

RULE = Rule(
    id="C03",
    title="干部户补贴面积异常增长",
    severity="中",
    semantics=(
        "A farmland row whose person_id is a cadre or close relative (of the same village): "
        "subsidy_area_mu grows ≥ `growth` (10 %) from the previous year while the village's total changes "
        "within ± `village_flat` (2 %). Near miss: a cadre household growing 8 %; or 15 % while the "
        "village total also grows 5 %."
    ),
    tables=("farmland_subsidy", "cadre_roster"),
    needs=(
        "farmland_subsidy.person_id", "farmland_subsidy.year", "farmland_subsidy.subsidy_area_mu",
        "farmland_subsidy.village_code",
    ),
    derived=("kinship",),
    why="全村耕地总量基本稳定时，村干部本人或其近亲属户的补贴面积却明显增加，可能是利用职务便利把集体机动地、"
    "他人流转地或虚报面积算到自家名下，优亲厚友多领补贴。",
    methodology="以身份证号关联耕地地力保护补贴清册与村干部及其近亲属名单（由户籍和低保花名册的户内关系推导，限同村干部）："
    "该户补贴面积比上一年度增长不少于 growth（默认 10%），而同期全村补贴面积合计变化在 ± village_flat（默认 2%）以内的，"
    "列为疑点，每户每年一条。涉及金额 = 增加面积 × 补贴标准。",
    exclusions=(
        "干部户面积增长不到 growth（如 8%）的，不计。",
        "全村补贴面积同期变化超过 ± village_flat（如全村整体增长 5%，可能是整体重新丈量或政策调整）的，不计。",
        "上一年度没有补贴记录的户（新增户）不比对。",
    ),
    assumptions=(
        "补贴清册中的身份证号为户主身份证号，且与户籍或低保花名册中的身份证号一致。",
        "近亲属关系由同一户籍户（或同一低保户）的与户主关系推导，分户居住的近亲属可能漏判。",
    ),
    verify="调取该户两个年度的补贴面积申报表和确权面积，核实增加面积的来源（流转合同、开荒、确权变更、机动地）；"
    "查阅村组公示记录和审核签字；到田间核对增加的地块由谁实际耕种。",
    questions=(
        Question("当事户", "您家今年补贴面积比去年多了，多出来的地是哪几块？是怎么来的？有没有流转合同？"),
        Question("书记", "{subject_name}户补贴面积增加是否经过村组核实和公示？村里机动地现在由谁耕种？"),
        Question("组长", "本组今年补贴面积是怎么调整的？{subject_name}户增加的面积您核实过吗？"),
    ),
    params=(
        Param("growth", 0.10, "干部户补贴面积比上年增长不少于此比例（默认 10%）"),
        Param("village_flat", 0.02, "同期全村补贴面积变化在此比例以内视为基本持平（默认 ±2%）"),
    ),
    sql=SQL,
)
