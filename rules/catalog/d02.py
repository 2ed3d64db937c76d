"""D02 拆分支付规避审批: several payments to one payee within days, each under the approval threshold."""

from __future__ import annotations

from typing import Any

import duckdb
import polars as pl

from rules.model import OUTPUT_SCHEMA, Param, Question, Rule
from rules.sqlparts import LEDGER_PAYMENTS, clean_name, evidence, voucher_key

# One payment = one voucher's lines to one payee. Only payments that could belong to a flagged
# cluster leave SQL: a flagged cluster lies within window_days of each of its members, so each
# member sees at least 2 payments totalling >= threshold within ± window_days. The greedy pass
# below gives the same clusters on this subset as on all payments (the rest only ever form
# unflagged clusters), and the subset is small. Payee keys are computed once per distinct payee;
# evidence is gathered for the candidates only.
CANDIDATES_SQL = f"""
WITH payees AS (
    SELECT payee, {clean_name('payee')} AS pkey
    -- (no filter on pkey here: DuckDB would push it below the DISTINCT, into every ledger line;
    -- connectors already turn blank payees into NULL)
    FROM (SELECT DISTINCT payee FROM village_ledger WHERE payee IS NOT NULL)
),
lines AS (
    SELECT p.village_code, {voucher_key('p')} AS vkey,
           p.voucher_date, k.pkey, p.payee, p.debit_yuan, p.source_file, p.source_sheet, p.source_row
    FROM {LEDGER_PAYMENTS} p JOIN payees k ON k.payee = p.payee
    WHERE p.village_code IS NOT NULL AND p.voucher_date IS NOT NULL
),
pay AS (
    SELECT village_code, pkey, vkey, voucher_date, sum(debit_yuan) AS amount
    FROM lines GROUP BY village_code, pkey, vkey, voucher_date
),
below AS (SELECT * FROM pay WHERE amount < $threshold),
-- payees whose small payments could reach the threshold at all
reaching AS (
    SELECT village_code, pkey FROM below GROUP BY village_code, pkey
    HAVING count(*) >= 2 AND sum(amount) >= $threshold
),
win AS (
    SELECT b.*, sum(b.amount) OVER w AS wsum, count(*) OVER w AS wcnt
    FROM below b JOIN reaching r ON r.village_code = b.village_code AND r.pkey = b.pkey
    WINDOW w AS (PARTITION BY b.village_code, b.pkey ORDER BY b.voucher_date
                 RANGE BETWEEN to_days(CAST($window_days AS INTEGER)) PRECEDING
                           AND to_days(CAST($window_days AS INTEGER)) FOLLOWING)
),
candidates AS (SELECT * FROM win WHERE wsum >= $threshold AND wcnt >= 2)
SELECT c.village_code, c.pkey, min(l.payee) AS payee, c.vkey, c.voucher_date, c.amount,
       list({evidence('l', 'village_ledger')} ORDER BY l.source_file, l.source_row) AS ev
FROM candidates c
JOIN lines l ON l.village_code = c.village_code AND l.vkey = c.vkey
            AND l.voucher_date = c.voucher_date AND l.pkey = c.pkey
GROUP BY c.village_code, c.pkey, c.vkey, c.voucher_date, c.amount
ORDER BY c.village_code, c.pkey, c.voucher_date, c.vkey
"""

def _money(x: float) -> str:
    return f"{x:,.2f}"


def _day(d) -> str:
    return f"{d.year}年{d.month}月{d.day}日"


def _flag(cluster: list[dict[str, Any]], threshold: float) -> dict[str, Any]:
    total = sum(p["amount"] for p in cluster)
    vouchers = sorted({p["vkey"] for p in cluster})
    # the voucher's word and number after its period (2024-03/记-17): the date is shown beside it
    parts = "、".join(f"{_day(p['voucher_date'])}{_money(p['amount'])}元（{p['vkey'].split('/', 1)[1]}）" for p in cluster)
    first, last = cluster[0]["voucher_date"], cluster[-1]["voucher_date"]
    summary = (
        f"{_day(first)}至{_day(last)}（{(last - first).days + 1}天内）向{cluster[0]['payee']}支付{len(cluster)}笔："
        f"{parts}，每笔均低于审批额度{_money(threshold)}元，合计{_money(total)}元，达到审批额度"
    )
    return {
        "village_code": cluster[0]["village_code"],
        "subject_key": ";".join(vouchers),
        "subject_name": cluster[0]["payee"],
        "amount_yuan": total,
        "summary": summary,
        "detail_key": first.isoformat(),
        "evidence": [e for p in cluster for e in p["ev"]],
        "severity": None,
        "confidence": None,
    }


def _clusters(payments: list[dict[str, Any]], threshold: float, window_days: int) -> list[list[dict[str, Any]]]:
    """Flagged clusters of one payee's payments (sorted by date): a cluster starts at a payment and
    takes every later one within window_days of it; the next starts after a flagged cluster."""
    flagged = []
    i = 0
    while i < len(payments):
        j = i
        while j + 1 < len(payments) and (payments[j + 1]["voucher_date"] - payments[i]["voucher_date"]).days <= window_days:
            j += 1
        cluster = payments[i : j + 1]
        if len(cluster) >= 2 and sum(p["amount"] for p in cluster) >= threshold:
            flagged.append(cluster)
            i = j + 1
        else:
            i += 1
    return flagged


def run(con: duckdb.DuckDBPyConnection, params: dict[str, Any]) -> pl.DataFrame:
    threshold, window_days = float(params["threshold"]), int(params["window_days"])
    candidates = con.execute(CANDIDATES_SQL, {"threshold": threshold, "window_days": window_days}).pl()
    by_payee: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for payment in candidates.iter_rows(named=True):  # ordered by village, payee, date
        by_payee.setdefault((payment["village_code"], payment["pkey"]), []).append(payment)
    flags = [
        _flag(cluster, threshold)
        for payments in by_payee.values()
        for cluster in _clusters(payments, threshold, window_days)
    ]
    return pl.DataFrame(flags, schema=OUTPUT_SCHEMA)


RULE = Rule(
    id="D02",
    title="拆分支付规避审批",
    severity="中",
    semantics=(
        "Per payee (equal after rules.identity.clean_name; no pinyin), payments each below `threshold` (10000) sorted by "
        "date; a cluster starts at a payment and takes every later one within `window_days` (7) of its "
        "start; a cluster of ≥ 2 payments totalling ≥ threshold is flagged, and the next cluster starts "
        "after it. Near misses: two payments totalling 9,800; two payments 10 days apart."
    ),
    tables=("village_ledger",),
    needs=(
        "village_ledger.village_code", "village_ledger.voucher_date", "village_ledger.payee",
    ),
    why="村级大额支出须按额度报乡镇（农经站）审批或经“四议两公开”。把一笔支出拆成几笔、每笔都低于"
    "审批额度，在几天内付给同一收款人，是规避审批的典型手法，也常伴随虚列或抬高支出。",
    methodology="取村级财务明细账中的付款记录，按凭证和收款人合并为“一笔付款”（收款人名称去除空格、"
    "统一括号和间隔号后相同即视为同一收款人）。在同一村、同一收款人的付款中，只看单笔低于审批额度"
    "（默认10000元）的付款，按凭证日期排序：从某笔付款起，把其后与它相隔不超过窗口天数（默认7天）的"
    "付款归为一组；一组至少2笔且合计达到审批额度的列为疑点，下一组从该组之后开始。",
    exclusions=(
        "同一收款人的几笔付款合计未达到审批额度（如两笔合计9800元），不计。",
        "两笔付款相隔超过窗口天数（如相隔10天），不归为一组，不计。",
        "单笔已达到审批额度的付款本身应走审批，不参与拆分判断。",
    ),
    assumptions=(
        "审批额度按村统一设定；县里若分科目设定额度，请按最低额度配置。",
        "收款人名称在账上填写一致；同一收款人写法不同（如简称与全称）时可能漏判。",
        "同一张凭证对同一收款人的多条分录合并为一笔付款。",
    ),
    verify="调取该组凭证及原始单据，核对是否为同一事项（同一工程、同一批采购）被拆分报销；"
    "查看合同、验收单和审批记录，确认合计金额是否应报乡镇审批或经村民代表会议决议；"
    "核实收款人与村干部是否存在利害关系。",
    questions=(
        Question("会计", "这几笔付给{subject_name}的款项是否为同一事项？为什么分几次付款、分开做账？"),
        Question("报账员", "这几笔支出的原始票据是谁提供的？是否同一批发票或同一份合同？"),
        Question("书记", "合计{amount_yuan}元的支出是否经过村“两委”集体研究和乡镇审批？为什么没有按规定报批？"),
        Question("当事人", "你为村里做的是什么事项？合同总价多少？钱是分几次、以什么方式收到的？"),
    ),
    params=(
        Param("threshold", 10000, "审批额度（元）：单笔低于此额度、合计达到此额度即为疑似拆分"),
        Param("window_days", 7, "时间窗口（天）：一组付款从第一笔起算的最长间隔"),
    ),
    run=run,
)
