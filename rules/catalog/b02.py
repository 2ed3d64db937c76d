"""B02 账户户名与补贴对象不一致: the account holder is neither the person paid nor the head of household."""

from rules.model import Param, Question, Rule
from rules.sqlparts import evidence

SQL = f"""
WITH checked AS (
    -- which name the account must carry depends on how the item is paid
    SELECT p.*,
           CASE WHEN list_contains($per_person_items, trim(p.item)) THEN p.person_name
                ELSE p.head_name END AS expected_name,
           CASE WHEN list_contains($per_person_items, trim(p.item)) THEN '按人发放，应入本人账户'
                ELSE '按户发放，应入户主' || p.head_name || '的账户' END AS expected_role
    FROM onecard_payments p
    WHERE p.person_id IS NOT NULL
      AND p.account_holder IS NOT NULL
      AND (list_contains($per_person_items, trim(p.item)) OR list_contains($per_household_items, trim(p.item)))
),
differing AS (
    -- literal difference first (cheap); the homophone test below runs on distinct names only
    SELECT * FROM checked
    WHERE expected_name IS NOT NULL AND account_holder <> expected_name
),
names AS (
    SELECT n, name_key(n) AS k FROM (
        SELECT account_holder AS n FROM differing UNION SELECT expected_name FROM differing)
),
mismatched AS (
    SELECT d.* REPLACE (coalesce(d.amount_yuan, 0) AS amount_yuan), {evidence('d', 'onecard_payments')} AS ev
    FROM differing d
    JOIN names a ON a.n = d.account_holder
    JOIN names e ON e.n = d.expected_name
    WHERE a.k <> e.k
)
SELECT village_code,
       person_id AS subject_key,
       min(person_name) AS subject_name,
       sum(amount_yuan) AS amount_yuan,
       coalesce(min(person_name), person_id) || '的' || item || '（' || min(expected_role) || '）发放到户名为'
         || account_holder || '的账户' || coalesce(account_no, '（账号空）') || '，'
         || strftime(min(pay_month), '%Y年%m月')
         || CASE WHEN max(pay_month) > min(pay_month) THEN '至' || strftime(max(pay_month), '%Y年%m月') ELSE '' END
         || '共' || count(*) || '笔，合计' || printf('%.2f', sum(amount_yuan)) || '元' AS summary,
       item || '|' || coalesce(account_no, '') || '|' || account_holder AS detail_key,
       list(ev ORDER BY pay_month, ev.source_file, ev.source_row) AS evidence,
       NULL AS severity,
       NULL AS confidence
FROM mismatched
GROUP BY village_code, person_id, item, account_no, account_holder
"""

RULE = Rule(
    id="B02",
    title="账户户名与补贴对象不一致",
    severity="中",
    semantics=(
        "Per-person items (`per_person_items`: 高龄补贴, 残疾人两项补贴, 困难残疾人生活补贴, 重度残疾人护理补贴): account_holder "
        "differs from person_name. Per-household items (`per_household_items`: 耕地地力保护补贴, 农村低保, 特困供养, "
        "生态公益林补偿, 退耕还林, 农村危房改造): account_holder differs from head_name. Items in neither list are not "
        "checked. subject = person_id. Near miss: a homophone spelling of the same name."
    ),
    tables=("onecard_payments",),
    needs=(
        "onecard_payments.person_id", "onecard_payments.account_holder", "onecard_payments.item",
    ),
    why="按人发放的补贴应进入补贴对象本人的账户，按户发放的补贴应进入户主的账户。账户户名与之不符，"
    "说明补贴可能被他人（亲属以外的人、村干部、经办人）领取，是截留、冒领的常见表现。",
    methodology="逐笔比对一卡通发放明细：按人发放项目（per_person_items）比对账户户名与补贴对象姓名，"
    "按户发放项目（per_household_items）比对账户户名与户主姓名。姓名去空格、统一间隔号后相同，"
    "或无声调拼音相同（同音字，如王丽/王莉）的视为一致。同一人、同一项目、同一账户的多笔发放合并为一条疑点。",
    exclusions=(
        "同音字写法不同的姓名（如王丽/王莉）、多余空格或间隔号写法不同的，视为同一姓名，不计。",
        "不在两个项目清单中的补贴项目不比对；户名、应比对的姓名或身份证号为空的记录不比对。",
    ),
    assumptions=(
        "发放明细中的户主姓名、补贴对象姓名如实填写。",
        "监护人代领（未成年人、失能老人）等合规情形需实地核实后排除。",
    ),
    verify="调取该账户开户资料，核实户名人与补贴对象的关系；走访补贴对象本人（或户主），问其是否知道补贴发到他人账户、"
    "是否实际收到；对监护、代领等情形查看委托书或监护证明；查账户流水中资金的去向。",
    questions=(
        Question("当事户", "{subject_name}的补贴发放到了别人的账户，您知道吗？钱是否实际交到您手里？"),
        Question("报账员", "{subject_name}的补贴为什么登记的是他人账户？账户信息由谁提供、是否经本人确认？"),
        Question("民政协理员", "对代领补贴的情形，村里是否留存了委托书或监护证明？"),
    ),
    params=(
        Param(
            "per_person_items",
            ["高龄补贴", "残疾人两项补贴", "困难残疾人生活补贴", "重度残疾人护理补贴"],
            "按人发放的补贴项目（账户户名应为补贴对象本人）",
        ),
        Param(
            "per_household_items",
            ["耕地地力保护补贴", "农村低保", "特困供养", "生态公益林补偿", "退耕还林", "农村危房改造"],
            "按户发放的补贴项目（账户户名应为户主）",
        ),
    ),
    sql=SQL,
)
