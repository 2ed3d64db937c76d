"""D09 青苗及地上附着物补偿对象异常: compensation to someone without contracted land, or on several rosters."""

from rules.model import Param, Question, Rule
from rules.sqlparts import LEDGER_PAYMENTS, evidence

# Without a compensation roster for a village, its ledger's compensation vouchers serve as one: a
# payment whose 摘要 or subject names a compensation keyword, to a payee that reads as a person (not a
# company or office). Ledger payees carry no ID: the household register of the village supplies it
# when exactly one resident has the name (else the name is the subject, at lower confidence).
ORGANISATION = "公司|合作社|委员会|政府|银行|信用社|站|局|厂|店|部|队|中心|学校|医院|集体"
# A ledger voucher names its project in the 摘要 ("支付S202线改扩建工程青苗补偿款"): what is left once
# the paying verb and the compensation words are cut; an 摘要 that is only those words names none.
LEDGER_PROJECT = (
    "nullif(trim(regexp_replace(regexp_replace(coalesce(l.summary, ''), '^(支付|付|发放|兑付|兑现)', ''), "
    "'(的)?(青苗|地上附着物|附着物|征地|及|和|、)*补偿.*$', '')), '')"
)

SQL = f"""
WITH roster AS (
    SELECT c.village_code, c.person_id, c.person_name, c.project_name, c.amount_yuan,
           c.source_file, c.source_row, {evidence('c', 'compensation_roster')} AS ev, 'roster' AS src
    FROM compensation_roster c
    WHERE c.person_id IS NOT NULL AND c.village_code IS NOT NULL
),
roster_villages AS (
    SELECT DISTINCT village_code FROM compensation_roster WHERE village_code IS NOT NULL
),
ledger_comp AS (
    SELECT p.*, {evidence('p', 'village_ledger')} AS ev
    FROM {LEDGER_PAYMENTS} p
    WHERE p.village_code IS NOT NULL AND p.payee IS NOT NULL
      AND p.village_code NOT IN (SELECT village_code FROM roster_villages)
      AND len(list_filter(CAST($ledger_keywords AS VARCHAR[]),
                          w -> contains(coalesce(p.summary, '') || coalesce(p.subject_name, ''), w))) > 0
      AND NOT regexp_matches(p.payee, '{ORGANISATION}') AND length(p.payee) <= 8
),
-- names are keyed (a Python function, ~µs each) only in the villages that need them: a city's
-- register and land register hold hundreds of thousands of names, the villages paying by ledger few
register_ids AS (
    SELECT village_code, name_key(person_name) AS k, min(person_id) AS person_id,
           count(DISTINCT person_id) AS n
    FROM household_register
    WHERE person_id IS NOT NULL AND village_code IS NOT NULL AND person_name IS NOT NULL
      AND village_code IN (SELECT village_code FROM ledger_comp)
    GROUP BY ALL
),
ledger_rows AS (
    SELECT l.village_code, coalesce(CASE WHEN r.n = 1 THEN r.person_id END, l.payee) AS person_id,
           l.payee AS person_name, {LEDGER_PROJECT} AS project_name, l.debit_yuan AS amount_yuan,
           l.source_file, l.source_row, l.ev,
           CASE WHEN r.n = 1 THEN 'ledger' ELSE 'ledger_name' END AS src
    FROM ledger_comp l
    LEFT JOIN register_ids r ON r.village_code = l.village_code AND r.k = name_key(l.payee)
),
comp AS (SELECT * FROM roster UNION ALL SELECT * FROM ledger_rows),
-- villages whose land register arrived at all: elsewhere "no contract" means "no data"
land_villages AS (
    SELECT DISTINCT village_code FROM land_contracts WHERE village_code IS NOT NULL
),
holders AS (
    SELECT DISTINCT village_code, person_id FROM land_contracts
    WHERE person_id IS NOT NULL AND village_code IS NOT NULL
),
-- a contract row whose village matched none may be this village's: its holder is not shown landless
unplaced_holders AS (
    SELECT DISTINCT person_id FROM land_contracts WHERE person_id IS NOT NULL AND village_code IS NULL
),
-- contract rows without an ID can only vouch for a person by name; ledger payees only by name
named_holders AS (
    SELECT DISTINCT village_code, name_key(contractor_name) AS k, person_id IS NULL AS without_id
    FROM land_contracts
    WHERE contractor_name IS NOT NULL AND village_code IS NOT NULL
      AND village_code IN (SELECT village_code FROM comp)
),
per_person AS (
    SELECT village_code, person_id, min(person_name) AS person_name, min(src) AS src,
           sum(coalesce(amount_yuan, 0)) AS amount, count(*) AS n,
           count(DISTINCT project_name) AS projects,
           string_agg(DISTINCT project_name, '、' ORDER BY project_name) AS project_list,
           list(ev ORDER BY source_file, source_row) AS ev
    FROM comp GROUP BY village_code, person_id
),
judged AS (
    SELECT p.*,
           lv.village_code IS NOT NULL AND h.person_id IS NULL
             AND p.person_id NOT IN (SELECT person_id FROM unplaced_holders)
             AND NOT EXISTS (SELECT 1 FROM named_holders u
                             WHERE u.village_code = p.village_code AND u.k = name_key(p.person_name)
                               AND (u.without_id OR p.src <> 'roster')) AS no_land,
           p.projects >= 2 AS several
    FROM per_person p
    LEFT JOIN land_villages lv ON lv.village_code = p.village_code
    LEFT JOIN holders h ON h.village_code = p.village_code AND h.person_id = p.person_id
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
              CASE WHEN NOT several AND project_list IS NOT NULL THEN '（项目：' || project_list || '）' END,
              CASE WHEN src <> 'roster' THEN '（本村无补偿发放表，据村级财务账补偿凭证）' END)
         AS summary,
       '' AS detail_key,
       ev AS evidence,
       NULL AS severity,
       -- a ledger payee is a person by name only: by a unique resident's ID, or by the name alone
       CASE src WHEN 'ledger' THEN 0.9 WHEN 'ledger_name' THEN 0.8 END AS confidence
FROM judged
WHERE no_land OR several
"""

RULE = Rule(
    id="D09",
    title="青苗及地上附着物补偿对象异常",
    severity="中",
    semantics=(
        "Sources: compensation_roster (primary); for a village without roster rows, the ledger's "
        "compensation vouchers (payments whose summary or subject_name contains one of "
        "`ledger_keywords`: 青苗 地上附着物 征地 补偿, to a payee that is not an organisation), the payee's "
        "ID taken from household_register when exactly one resident of the village has that name (else "
        "subject = the name, confidence 0.8), the project being the voucher summary without its paying verb "
        "and compensation words. A person with no land_contracts row in that village (by "
        "ID, or by name for contract rows without ID and for ledger payees); or a person_id "
        "compensated under ≥ 2 different projects (project_name, or the ledger summary's project) in the "
        "same village. Near miss: a contract holder "
        "compensated once."
    ),
    tables=("land_contracts",),
    any_tables=("compensation_roster", "village_ledger"),
    optional_tables=("household_register",),
    needs=(
        "compensation_roster.person_id", "compensation_roster.village_code",
        "village_ledger.village_code", "land_contracts.village_code",
    ),
    why="青苗及地上附着物补偿应付给被征（占）用土地的承包经营者。领取人在本村没有承包地，或同一人在"
    "多个补偿项目中反复领取，可能是虚报冒领、优亲厚友或重复补偿。",
    methodology="可用数据源：青苗及地上附着物补偿发放表；某村没有补偿发放表时，用该村财务明细账中的补偿凭证"
    "（摘要或科目含“青苗、地上附着物、征地、补偿”且收款人为个人的付款）代替，收款人身份证号按本村户籍人口中"
    "唯一同名者认定，项目取凭证摘要中去掉“支付”和补偿字样后的部分（如“S202线改扩建工程”）。以身份证号比对补偿领取人与农村土地承包经营权确权登记："
    "领取人在该村没有确权登记（确权表中无身份证号的记录按姓名同名或同音认定）的；"
    "或同一身份证号在同一村两个及以上不同项目的补偿表中出现的，每人每村列一条疑点。",
    exclusions=(
        "在本村有确权登记、只在一个项目中领取补偿的承包户，不计。",
        "本村没有任何确权登记数据时，无法判断是否有承包地，不按“无承包地”列出。",
        "确权登记中该户没有身份证号、但承包方代表姓名与领取人相同（或同音）的，视为有承包地。",
        "确权登记中有领取人的身份证号、但该记录的村未能识别（村名匹配不上）的，不按“无承包地”列出。",
    ),
    assumptions=(
        "补偿表与确权表的村名已匹配到同一村代码；确权登记以承包方代表登记，家庭其他成员代领的也会列出，需核实。",
        "补偿表中身份证号为空的记录无法比对，不参与本规则。",
        "依据财务账补偿凭证时，收款人只有姓名：本村户籍中唯一同名者视为本人（可信度0.9），否则按姓名列出（可信度0.8）；"
        "财务账摘要中没有项目名称（只写“支付青苗补偿款”）的凭证，不参与“多个项目重复领取”的判断。",
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
    params=(
        Param("ledger_keywords", ["青苗", "地上附着物", "征地", "补偿"],
              "没有补偿发放表的村：摘要或科目含这些词的付款视为补偿凭证"),
    ),
    sql=SQL,
)
