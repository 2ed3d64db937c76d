"""B01 多人共用一个账户: one one-card account receives subsidies for people of several households."""

from rules.model import Param, Question, Rule
from rules.sqlparts import evidence

SQL = f"""
WITH household_of AS (
    -- the person's 户号, preferring a 正常 register row when the person appears more than once;
    -- a 户号 is only unique within its village (extracts often number households 001, 002 … per village)
    SELECT person_id,
           first({{'household_no': h.household_no, 'household_key': coalesce(h.village_code, '') || '/' || h.household_no,
                   'ev': {evidence('h', 'household_register')}}}
                 ORDER BY coalesce(h.register_status, '') = '正常' DESC, h.source_file, h.source_row) AS hh
    FROM household_register h
    WHERE person_id IS NOT NULL AND household_no IS NOT NULL
    GROUP BY person_id
),
pay AS (
    SELECT p.account_no, p.person_id, p.person_name, p.head_name, p.account_holder, p.village_code,
           p.pay_month, coalesce(p.amount_yuan, 0) AS amount_yuan, {evidence('p', 'onecard_payments')} AS ev
    FROM onecard_payments p
    WHERE p.account_no IS NOT NULL AND p.person_id IS NOT NULL
),
candidates AS (
    -- cheap pre-filter: only accounts paid for enough distinct people can be shared
    SELECT account_no FROM pay GROUP BY account_no HAVING count(DISTINCT person_id) >= $min_people
),
cand_pay AS (
    SELECT p.*, o.hh.household_no AS household_no, o.hh.household_key AS register_key, o.hh.ev AS hh_ev
    FROM pay p JOIN candidates USING (account_no) LEFT JOIN household_of o USING (person_id)
),
head_keys AS (
    -- households unknown to the register are told apart by the head's name (homophones equal)
    SELECT head_name, name_key(head_name) AS head_key
    FROM (SELECT DISTINCT head_name FROM cand_pay WHERE household_no IS NULL AND head_name IS NOT NULL)
),
keyed AS (
    SELECT c.*,
           CASE WHEN c.household_no IS NOT NULL THEN 'H:' || c.register_key
                WHEN k.head_key <> '' THEN 'N:' || k.head_key END AS household_key,
           CASE WHEN c.household_no IS NOT NULL THEN '户号' || c.household_no
                ELSE '户主' || c.head_name END AS household_text
    FROM cand_pay c LEFT JOIN head_keys k USING (head_name)
),
people AS (
    SELECT account_no, person_id,
           min(person_name) AS person_name,
           min(household_key) AS household_key,
           min(household_text) AS household_text,
           bool_or(household_no IS NULL) AS by_name,
           sum(amount_yuan) AS amount,
           any_value(hh_ev) AS hh_ev
    FROM keyed GROUP BY account_no, person_id
),
shared AS (
    SELECT account_no FROM people
    GROUP BY account_no
    HAVING count(DISTINCT person_id) >= $min_people AND count(DISTINCT household_key) >= 2
),
village_counts AS (
    SELECT account_no, village_code, count(*) AS n
    FROM keyed JOIN shared USING (account_no)
    WHERE village_code IS NOT NULL
    GROUP BY account_no, village_code
),
account_village AS (
    SELECT account_no, first(village_code ORDER BY n DESC, village_code) AS village_code
    FROM village_counts GROUP BY account_no
),
holder AS (
    SELECT account_no, first(account_holder ORDER BY n DESC, account_holder) AS account_holder
    FROM (SELECT account_no, account_holder, count(*) AS n FROM keyed JOIN shared USING (account_no)
          WHERE account_holder IS NOT NULL GROUP BY ALL)
    GROUP BY account_no
),
by_account AS (
    SELECT account_no,
           count(*) AS n_payments,
           sum(amount_yuan) AS amount,
           min(pay_month) AS first_month, max(pay_month) AS last_month,
           list(ev ORDER BY pay_month, ev.source_file, ev.source_row) AS pay_ev
    FROM keyed JOIN shared USING (account_no)
    GROUP BY account_no
),
people_text AS (
    SELECT account_no,
           count(*) AS n_people,
           count(DISTINCT household_key) AS n_households,
           string_agg(coalesce(person_name, person_id) || '（' || household_text || '，' || printf('%.2f', amount) || '元）', '、'
                      ORDER BY household_key, person_id) AS who,
           bool_or(by_name) AS any_by_name,
           list(hh_ev ORDER BY person_id) FILTER (WHERE hh_ev IS NOT NULL) AS hh_ev
    FROM people JOIN shared USING (account_no)
    GROUP BY account_no
)
SELECT v.village_code,
       a.account_no AS subject_key,
       h.account_holder AS subject_name,
       a.amount AS amount_yuan,
       '一卡通账户' || a.account_no || '（户名' || coalesce(h.account_holder, '不详') || '）在'
         || strftime(a.first_month, '%Y年%m月')
         || CASE WHEN a.last_month > a.first_month THEN '至' || strftime(a.last_month, '%Y年%m月') ELSE '' END
         || '收到'
         || t.n_people || '人、分属' || t.n_households || '户的补贴：' || t.who
         || '；共' || a.n_payments || '笔，合计' || printf('%.2f', a.amount) || '元' AS summary,
       '' AS detail_key,
       list_concat(a.pay_ev, coalesce(t.hh_ev, [])) AS evidence,
       NULL AS severity,
       CASE WHEN t.any_by_name THEN 0.9 END AS confidence
FROM by_account a
JOIN people_text t USING (account_no)
LEFT JOIN account_village v USING (account_no)
LEFT JOIN holder h USING (account_no)
"""

RULE = Rule(
    id="B01",
    title="多人共用一个账户",
    severity="高",
    semantics=(
        "An account_no receiving payments for ≥ `min_people` (2) distinct person_id of ≥ 2 different "
        "households (household = household_register.household_no for the person when known, else the "
        "onecard head_name). subject = account_no. Village = the most frequent village of its payments. "
        "Near miss: husband and wife of one household paid to the head's card."
    ),
    tables=("onecard_payments",),
    needs=(
        "onecard_payments.account_no", "onecard_payments.person_id",
    ),
    why="惠民惠农补贴应发放到补贴对象本人（按人发放）或户主（按户发放）的一卡通账户。一个账户收取多户人员的补贴，"
    "常见于村干部、经办人或他人集中掌握群众的存折（社保卡），存在截留、挪用、冒领补贴资金的风险。",
    methodology="按一卡通账号汇总发放明细：同一账号收到的补贴对象（身份证号）不少于 min_people 人，"
    "且这些人分属至少 2 户。户的判定：补贴对象在户籍人口信息中有户号的，以所在村和户号为准；否则以一卡通明细中的户主姓名为准"
    "（同音同名视为同一户主）。疑点归属该账户发放笔数最多的村。",
    exclusions=(
        "同一户内的多人（如夫妻、父母子女）的补贴发放到户主一个账户的，不计。",
        "账号或补贴对象身份证号为空的发放记录不参与比对。",
    ),
    assumptions=(
        "一卡通账号已规范为文本，未因 Excel 数值存储丢失精度（丢失精度的账号在导入时已报错）。",
        "户籍中查不到的人员，以发放明细中的户主姓名区分户；同名不同户的可能少量漏判，疑点可信度相应标为 0.9。",
    ),
    verify="到发放银行（信用社）调取该账户的开户资料和交易流水，看资金取出时间、地点和取款人；"
    "逐一走访账户涉及的各户，问其是否知道补贴发放到别人账户、是否实际收到钱；"
    "核实账户户名人与各补贴对象的关系，查是否存在村干部、报账员代管存折（社保卡）的情况。",
    questions=(
        Question("当事户", "您家的补贴发放到了户名为{subject_name}的账户，您知道吗？这些钱您实际拿到了吗？是谁给您的？"),
        Question("报账员", "补贴发放名册上的账号由谁提供、谁录入？为什么多户人员填的是同一个账号？"),
        Question("书记", "村里是否有干部或经办人代为保管群众的存折或社保卡？{subject_name}的账户为何收取多户的补贴？"),
        Question("账户户名人", "您的账户为何收到其他家庭的补贴？收到的钱转给了谁、用于何处？"),
    ),
    params=(
        Param("min_people", 2, "同一账户收到补贴的最少不同人数（且须分属至少 2 户）"),
    ),
    sql=SQL,
)
