"""B05 补贴对象非本村户籍: the person paid is not in the household register of the paying village."""

from rules.model import Question, Rule
from rules.sqlparts import evidence

SQL = f"""
WITH register_villages AS (
    -- villages whose register we hold; elsewhere absence proves nothing
    SELECT DISTINCT village_code FROM household_register WHERE village_code IS NOT NULL
),
registered AS (
    SELECT DISTINCT person_id, village_code FROM household_register
    WHERE person_id IS NOT NULL AND village_code IS NOT NULL
),
-- register rows that cannot show a person's absence (rows the coverage reports as lacking fields):
-- the person's row whose village matched none (it may be this village written otherwise), and,
-- in the paying village, rows without an ID bearing the person's name
unplaced AS (
    SELECT DISTINCT person_id FROM household_register WHERE person_id IS NOT NULL AND village_code IS NULL
),
unidentified AS (
    SELECT DISTINCT village_code, name_key(person_name) AS k FROM household_register
    WHERE person_id IS NULL AND village_code IS NOT NULL AND person_name IS NOT NULL
),
outside AS (
    SELECT p.* REPLACE (coalesce(p.amount_yuan, 0) AS amount_yuan), {evidence('p', 'onecard_payments')} AS ev
    FROM onecard_payments p
    SEMI JOIN register_villages USING (village_code)
    ANTI JOIN registered USING (person_id, village_code)
    ANTI JOIN unplaced USING (person_id)
    WHERE p.person_id IS NOT NULL
      AND NOT EXISTS (SELECT 1 FROM unidentified u
                      WHERE u.village_code = p.village_code AND u.k = name_key(p.person_name))
),
elsewhere AS (
    -- where the person is registered instead, if anywhere
    SELECT h.person_id,
           first({{'place': coalesce(h.town_raw, '') || coalesce(h.village_raw, h.village_code, '外村')
                             || coalesce(h.group_name, ''),
                   'household_no': h.household_no, 'status': h.register_status,
                   'ev': {evidence('h', 'household_register')}}}
                 ORDER BY coalesce(h.register_status, '') = '正常' DESC, h.source_file, h.source_row) AS reg
    FROM household_register h
    SEMI JOIN (SELECT DISTINCT person_id FROM outside) o USING (person_id)
    GROUP BY h.person_id
)
SELECT o.village_code,
       o.person_id AS subject_key,
       min(o.person_name) AS subject_name,
       sum(o.amount_yuan) AS amount_yuan,
       coalesce(min(o.person_name), '') || '（' || o.person_id || '）在本村领取'
         || string_agg(DISTINCT o.item, '、' ORDER BY o.item)
         || '，' || strftime(min(o.pay_month), '%Y年%m月')
         || CASE WHEN max(o.pay_month) > min(o.pay_month) THEN '至' || strftime(max(o.pay_month), '%Y年%m月') ELSE '' END
         || '共' || count(*) || '笔，合计' || printf('%.2f', sum(o.amount_yuan)) || '元，但本村户籍人口信息中无此人；'
         || CASE WHEN any_value(e.reg) IS NULL THEN '全部户籍人口信息中均查无此人'
                 ELSE '其户籍登记在' || any_value(e.reg).place
                      || coalesce('（户号' || any_value(e.reg).household_no || '）', '')
                      || coalesce('，户籍状态' || any_value(e.reg).status, '') END AS summary,
       '' AS detail_key,
       list_concat(list(o.ev ORDER BY o.pay_month, o.ev.source_file, o.ev.source_row),
                   CASE WHEN any_value(e.reg) IS NULL THEN [] ELSE [any_value(e.reg).ev] END) AS evidence,
       NULL AS severity,
       NULL AS confidence
FROM outside o LEFT JOIN elsewhere e USING (person_id)
GROUP BY o.village_code, o.person_id
"""

RULE = Rule(
    id="B05",
    title="补贴对象非本村户籍",
    severity="中",
    semantics=(
        "person_id not in household_register with the payment's village_code (checked only for villages "
        "that have household_register rows). Not flagged when the register cannot show the absence: the "
        "person has a register row without a village, or the village has a register row without an ID "
        "and with the person's name (name_key). Near miss: a registered person whose register row shows "
        "another group of the same village."
    ),
    tables=("onecard_payments", "household_register"),
    needs=(
        "onecard_payments.person_id", "onecard_payments.village_code",
        "household_register.person_id", "household_register.village_code",
    ),
    why="惠民惠农补贴按户籍所在村造册发放。在本村领取补贴的人却不在本村户籍中，可能是虚构补贴对象、"
    "冒用他人身份、外村人员挂靠本村领取，或迁出、死亡后未及时停发。",
    methodology="以身份证号比对一卡通发放明细与户籍人口信息：发放记录所在村的户籍中没有该身份证号的，列为疑点；"
    "同时查其是否登记在其他村（或全部户籍中均无此人）。同一人在同一村的多笔发放合并为一条。",
    exclusions=(
        "在本村户籍中、只是所在组（村民小组）与发放名册不同的，不计。",
        "户籍人口信息未包含的村（本村没有任何户籍记录）不比对，以免因数据缺失误报。",
        "户籍人口信息中此人有记录但所在村未能识别（村名与统计村名匹配不上）的，不计：可能就是本村。",
        "本村户籍中有同名（或同音）但未填身份证号的记录的，不计：无法排除是同一人。",
    ),
    assumptions=(
        "户籍人口信息完整覆盖已提供的村；户籍中登记为迁出、注销的人员仍视为在本村户籍中（由其他规则核查死亡等情形）。",
        "发放明细的村名已正确匹配到统计用区划代码。",
    ),
    verify="到派出所核实该人的户籍登记地及迁移记录；查阅其纳入补贴的申请审批材料，核实为何在本村造册；"
    "走访核实其是否在本村居住、承包土地；户籍在外村的，核查两地是否重复享受。",
    questions=(
        Question("书记", "{subject_name}户籍不在本村，为什么在本村领取补贴？是谁提出纳入名册的？"),
        Question("报账员", "{subject_name}的补贴造册依据是什么？申请材料中的户籍信息由谁核实？"),
        Question("当事户", "您户口在哪里？平时是否在本村居住、种地？补贴是怎么申请的？"),
    ),
    sql=SQL,
)
