"""D05 向村干部及其近亲属付款: a ledger payee bears the name of a cadre or close relative of the village."""

from __future__ import annotations

from typing import Any

import duckdb
import polars as pl

from rules.model import Param, Question, Rule
from rules.sqlparts import (
    LEDGER_PAYMENTS,
    clean_name,
    evidence,
    voucher_key,
    voucher_label,
)

EXACT_CONFIDENCE = 0.9  # same cleaned name: namesakes in one village are possible
HOMOPHONE_CONFIDENCE = 0.7  # same toneless pinyin only (王丽/王莉): a typo, or another person


NOT_SALARY = "len(list_filter($salary_subjects, lambda s: contains(coalesce(p.subject_name, ''), s))) = 0"

# Names are cleaned once per distinct string, and matched as strings (payee name ↔ kin name);
# villages come in only when the matched pairs meet the ledger lines.
NAMES_SQL = f"""
CREATE OR REPLACE TEMP TABLE _d05_payees AS
SELECT payee, {clean_name('payee')} AS pname
FROM (SELECT DISTINCT payee FROM village_ledger WHERE payee IS NOT NULL);
CREATE OR REPLACE TEMP TABLE _d05_kin AS
SELECT DISTINCT {clean_name('relative_name')} AS kname
FROM kinship WHERE village_code IS NOT NULL AND coalesce(relative_name, '') <> '';
"""

# Characters whose readings are needed to block homophone candidates.
CHARS_SQL = """
WITH names AS (
    SELECT kname AS name FROM _d05_kin
    UNION
    SELECT pname FROM _d05_payees WHERE length(pname) IN (SELECT DISTINCT length(kname) FROM _d05_kin)
)
SELECT DISTINCT ch FROM (
    SELECT left(name, 1) AS ch FROM names UNION ALL SELECT substr(name, 2, 1) FROM names
    UNION ALL SELECT right(name, 1) FROM names)
"""

# Homophones (equal name_key) have equal length and share a reading of the first, second and
# last characters; that equi-join blocks the pairs, so the pinyin of whole names is computed only
# for the few candidates, not for every payee of the city.
MATCHES_SQL = f"""
CREATE OR REPLACE TEMP TABLE _d05_pairs AS
WITH blocks AS (
    SELECT n.name, n.side, length(n.name) AS len, a.py AS r1, b.py AS r2, c.py AS rn
    FROM (SELECT DISTINCT pname AS name, 'p' AS side FROM _d05_payees
          UNION ALL SELECT kname, 'k' FROM _d05_kin) n
    JOIN _d05_readings a ON a.ch = left(n.name, 1)
    JOIN _d05_readings b ON b.ch = substr(n.name, 2, 1)
    JOIN _d05_readings c ON c.ch = right(n.name, 1)
    WHERE length(n.name) >= 2
),
candidates AS (
    SELECT DISTINCT p.name AS pname, k.name AS kname
    FROM blocks p JOIN blocks k ON k.len = p.len AND k.r1 = p.r1 AND k.r2 = p.r2 AND k.rn = p.rn
    WHERE p.side = 'p' AND k.side = 'k' AND p.name <> k.name
)
SELECT kname AS pname, kname, {EXACT_CONFIDENCE} AS conf FROM _d05_kin
WHERE kname IN (SELECT pname FROM _d05_payees)
UNION ALL
SELECT pname, kname, {HOMOPHONE_CONFIDENCE} FROM candidates WHERE name_key(pname) = name_key(kname)
"""

FLAGS_SQL = f"""
WITH kin AS (
    SELECT *, {clean_name('relative_name')} AS kname FROM kinship WHERE village_code IS NOT NULL
),
per_name AS (
    -- everything a payee name matches among the village's cadres and their relatives
    SELECT k.village_code, m.pname, max(m.conf) AS conf,
           string_agg(DISTINCT '本村' || coalesce(k.cadre_position, '干部') || k.cadre_name
                      || CASE WHEN k.relation = '本人' THEN '本人'
                              ELSE '的' || k.relation || k.relative_name END
                      || CASE WHEN m.conf < {EXACT_CONFIDENCE} THEN '（同音）' ELSE '' END, '、') AS who,
           list_distinct(flatten(list(k.evidence))) AS kin_ev
    FROM _d05_pairs m JOIN kin k ON k.kname = m.kname
    GROUP BY k.village_code, m.pname
),
hits AS (
    SELECT p.village_code, {voucher_key('p')} AS vkey, p.voucher_date,
           p.payee, p.debit_yuan, p.subject_name, p.summary, p.source_file, p.source_row,
           {evidence('p', 'village_ledger')} AS ev, n.conf, n.who, n.kin_ev
    FROM per_name n
    JOIN _d05_payees k ON k.pname = n.pname
    JOIN {LEDGER_PAYMENTS} p ON p.village_code = n.village_code AND p.payee = k.payee
    WHERE {NOT_SALARY}
)
SELECT village_code,
       vkey AS subject_key,
       min(payee) AS subject_name,
       sum(debit_yuan) AS amount_yuan,
       concat(strftime(voucher_date, '%Y年%-m月%-d日'), '凭证', {voucher_label('vkey')}, '向', min(payee), '支付',
              format('{{:,.2f}}', sum(debit_yuan)), '元（科目：',
              coalesce(string_agg(DISTINCT subject_name, '、' ORDER BY subject_name), '未填'), '；摘要：',
              coalesce(string_agg(DISTINCT summary, '、' ORDER BY summary), '未填'),
              '），收款人姓名与', min(who), '相同') AS summary,
       coalesce(CAST(voucher_date AS VARCHAR), '') AS detail_key,
       list_concat(list(ev ORDER BY source_file, source_row), min(kin_ev)) AS evidence,
       NULL AS severity,
       max(conf) AS confidence
FROM hits
GROUP BY village_code, vkey, voucher_date
"""


def _readings(chars: list[str]) -> pl.DataFrame:
    from pypinyin import Style, pinyin  # on first use (see rules.identity.name_key)

    rows = [(c, r) for c in chars for r in set(pinyin(c, style=Style.NORMAL, heteronym=True)[0])]
    return pl.DataFrame(rows, schema={"ch": pl.String, "py": pl.String}, orient="row")


def run(con: duckdb.DuckDBPyConnection, params: dict[str, Any]) -> pl.DataFrame:
    args = {"salary_subjects": list(params["salary_subjects"])}
    try:
        con.execute(NAMES_SQL)
        chars = [c for (c,) in con.execute(CHARS_SQL).fetchall() if c]
        readings = _readings(chars)  # noqa: F841  (read by DuckDB by name)
        con.execute("CREATE OR REPLACE TEMP TABLE _d05_readings AS SELECT * FROM readings")
        con.execute(MATCHES_SQL)
        return con.execute(FLAGS_SQL, args).pl()
    finally:
        for t in ("_d05_payees", "_d05_kin", "_d05_readings", "_d05_pairs"):
            con.execute(f"DROP TABLE IF EXISTS {t}")


RULE = Rule(
    id="D05",
    title="向村干部及其近亲属付款",
    severity="中",
    semantics=(
        "payee equals the name of a cadre or close relative of the ledger's village, and subject_name "
        "does not contain any of `salary_subjects` (工资 误工 补贴 报酬 津贴). Near misses: a cadre's 误工补贴; the "
        "same name as a cadre of another village."
    ),
    tables=("village_ledger",),
    needs=(
        "village_ledger.village_code", "village_ledger.payee",
    ),
    derived=("kinship",),
    why="村集体资金付给村干部本人或其近亲属（工资、误工补贴等报酬除外），可能是利用职务便利"
    "把工程、采购、劳务交给自家人，或以虚假事项套取集体资金，是“微腐败”的高发领域。",
    methodology="由户籍信息（同一户号）和低保花名册（同一户主）推导村干部的近亲属（默认民法典近亲属，"
    "另加子女的配偶、配偶的父母）。村级财务明细账中的付款记录，收款人姓名与本村干部或其近亲属姓名"
    "相同（去除空格、统一间隔号后相同，可信度0.9，因可能同名）或同音（拼音相同，可信度0.7），"
    "且科目名称不含工资、误工、补贴、报酬、津贴（可配置）的，按凭证列出。",
    exclusions=(
        "科目为村干部工资、误工补贴、报酬、津贴的正常发放，不计。",
        "收款人与其他村的干部或其亲属同名，不计（只比对本村干部）。",
    ),
    assumptions=(
        "账上收款人只有姓名，没有身份证号，只能按姓名比对，同名不同人的情况需实地甄别。",
        "近亲属关系来自户籍和低保家庭成员信息，分户居住的亲属可能漏判。",
        "未能匹配到村代码的账套记录不参与比对。",
    ),
    verify="先核实收款人与村干部是否为同一人或近亲属（查户籍、问邻里）；再调取凭证、合同、验收资料，"
    "核实付款事项是否真实、价格是否公允，是否经村民代表会议决议并公开，相关干部是否回避；"
    "核对银行流水，确认款项最终去向。",
    questions=(
        Question("当事人", "你与本村干部是什么关系？你为村里做了什么事、收了多少钱？是怎么承揽到这项业务的？"),
        Question("书记", "付给{subject_name}的{amount_yuan}元是什么事项？决策时相关干部是否回避？有没有经过村民代表会议？"),
        Question("会计", "这笔付款的依据是什么（合同、验收单、考勤表）？收款人是否本人签字领取？"),
        Question("村务监督委员会主任", "这笔支出是否经过监委会审核和村务公开？村民有没有反映？"),
    ),
    params=(
        Param("salary_subjects", ["工资", "误工", "补贴", "报酬", "津贴"], "报酬类科目关键词：科目名称含其中任一的付款不计"),
    ),
    run=run,
)
