"""D09 青苗及地上附着物补偿对象异常: compensation to someone without contracted land, or on several rosters."""

from rules.model import Question, Rule
from rules.sqlparts import evidence

SQL = f"""
WITH comp AS (
    SELECT c.*, {evidence('c', 'compensation_roster')} AS ev
    FROM compensation_roster c
    WHERE c.person_id IS NOT NULL AND c.village_code IS NOT NULL
),
-- villages whose land register arrived at all: elsewhere "no contract" means "no data"
land_villages AS (
    SELECT DISTINCT village_code FROM land_contracts WHERE village_code IS NOT NULL
),
holders AS (
    SELECT DISTINCT village_code, person_id FROM land_contracts
    WHERE person_id IS NOT NULL AND village_code IS NOT NULL
),
-- contract rows without an ID can only vouch for a person by name
unnamed_holders AS (
    SELECT DISTINCT village_code, name_key(contractor_name) AS k FROM land_contracts
    WHERE person_id IS NULL AND contractor_name IS NOT NULL AND village_code IS NOT NULL
),
per_person AS (
    SELECT village_code, person_id, min(person_name) AS person_name,
           sum(coalesce(amount_yuan, 0)) AS amount, count(*) AS n,
           count(DISTINCT project_name) AS projects,
           string_agg(DISTINCT project_name, '、' ORDER BY project_name) AS project_list,
           list(ev ORDER BY source_file, source_row) AS ev
    FROM comp GROUP BY village_code, person_id
),
judged AS (
    SELECT p.*,
           lv.village_code IS NOT NULL AND h.person_id IS NULL AND u.k IS NULL AS no_land,
           p.projects >= 2 AS several
    FROM per_person p
    LEFT JOIN land_villages lv ON lv.village_code = p.village_code
    LEFT JOIN holders h ON h.village_code = p.village_code AND h.person_id = p.person_id
    LEFT JOIN unnamed_holders u ON u.village_code = p.village_code AND u.k = name_key(p.person_name)
)
SELECT village_code,
       person_id AS subject_key,
       coalesce(person_name, '') AS subject_name,
       amount AS amount_yuan,
       concat(coalesce(person_name, '（未填姓名）'), '：',
              concat_ws('；',
                  CASE WHEN no_land THEN '在本村没有土地承包经营权确权登记，却领取青苗及地上附着物补偿' END,
                  CASE WHEN several THEN '在' || projects || '个补偿项目（' || project_list || '）中均领取补偿' END),
              '，共', n, '笔，合计', format('{{:,.2f}}', amount), '元',
              CASE WHEN NOT several AND project_list IS NOT NULL THEN '（项目：' || project_list || '）' END)
         AS summary,
       '' AS detail_key,
       ev AS evidence,
       NULL AS severity, NULL AS confidence
FROM judged
WHERE no_land OR several
"""

RULE = Rule(
    id="D09",
    title="青苗及地上附着物补偿对象异常",
    severity="中",
    semantics=(
        "compensation_roster (primary): a person_id with no land_contracts row in that village; or a "
        "person_id on ≥ 2 different project_name rosters in the same village. Near miss: a contract "
        "holder compensated once."
    ),
    tables=("compensation_roster", "land_contracts"),
    needs=(
        "compensation_roster.person_id", "compensation_roster.village_code",
        "land_contracts.village_code",
    ),
    why="青苗及地上附着物补偿应付给被征（占）用土地的承包经营者。领取人在本村没有承包地，或同一人在"
    "多个补偿项目中反复领取，可能是虚报冒领、优亲厚友或重复补偿。",
    methodology="以身份证号比对青苗及地上附着物补偿发放表与农村土地承包经营权确权登记："
    "领取人在该村没有确权登记（确权表中无身份证号的记录按姓名同名或同音认定）的；"
    "或同一身份证号在同一村两个及以上不同项目的补偿表中出现的，每人每村列一条疑点。",
    exclusions=(
        "在本村有确权登记、只在一个项目中领取补偿的承包户，不计。",
        "本村没有任何确权登记数据时，无法判断是否有承包地，不按“无承包地”列出。",
        "确权登记中该户没有身份证号、但承包方代表姓名与领取人相同（或同音）的，视为有承包地。",
    ),
    assumptions=(
        "补偿表与确权表的村名已匹配到同一村代码；确权登记以承包方代表登记，家庭其他成员代领的也会列出，需核实。",
        "补偿表中身份证号为空的记录无法比对，不参与本规则。",
    ),
    verify="调取补偿项目的征（占）地范围图、地块清点表和补偿协议，核对领取人名下是否有被占地块、"
    "面积是否一致；无承包地的，查明补偿依据（流转、代领还是虚报）；多个项目均领取的，核对地块是否重叠、"
    "是否对同一地块重复补偿；核实补偿款是否实际到达领取人账户。",
    questions=(
        Question("当事人", "你在本村有没有承包地？被占用的是哪块地、多少亩？补偿款是否本人领取、收到多少？"),
        Question("书记", "{subject_name}领取的补偿依据是什么？地块清点时谁在场、谁签字确认？"),
        Question("会计", "补偿款发放名单是谁提供的？是否经过公示？有没有代领或转账到他人账户的情况？"),
        Question("主任", "同一个人在几个项目中都领取补偿，是否对应不同地块？是否核对过有无重复？"),
    ),
    sql=SQL,
)
