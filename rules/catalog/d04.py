"""D04 招待、烟酒、礼品支出: hospitality, tobacco, alcohol and gift spending; higher just before holidays."""

from rules.model import Param, Question, Rule
from rules.sqlparts import LEDGER_PAYMENTS, evidence, voucher_key, voucher_label

# Statutory holidays (全国年节及纪念日放假办法): the festival day itself. 春节 = 正月初一,
# 端午 = 五月初五, 中秋 = 八月十五 (lunar, checked against a lunar calendar), 清明 = the solar term.
# Update when the ledgers reach past 2027.
HOLIDAYS: dict[int, dict[str, str]] = {
    2018: {"元旦": "2018-01-01", "春节": "2018-02-16", "清明": "2018-04-05", "劳动节": "2018-05-01",
           "端午": "2018-06-18", "中秋": "2018-09-24", "国庆": "2018-10-01"},
    2019: {"元旦": "2019-01-01", "春节": "2019-02-05", "清明": "2019-04-05", "劳动节": "2019-05-01",
           "端午": "2019-06-07", "中秋": "2019-09-13", "国庆": "2019-10-01"},
    2020: {"元旦": "2020-01-01", "春节": "2020-01-25", "清明": "2020-04-04", "劳动节": "2020-05-01",
           "端午": "2020-06-25", "中秋": "2020-10-01", "国庆": "2020-10-01"},
    2021: {"元旦": "2021-01-01", "春节": "2021-02-12", "清明": "2021-04-04", "劳动节": "2021-05-01",
           "端午": "2021-06-14", "中秋": "2021-09-21", "国庆": "2021-10-01"},
    2022: {"元旦": "2022-01-01", "春节": "2022-02-01", "清明": "2022-04-05", "劳动节": "2022-05-01",
           "端午": "2022-06-03", "中秋": "2022-09-10", "国庆": "2022-10-01"},
    2023: {"元旦": "2023-01-01", "春节": "2023-01-22", "清明": "2023-04-05", "劳动节": "2023-05-01",
           "端午": "2023-06-22", "中秋": "2023-09-29", "国庆": "2023-10-01"},
    2024: {"元旦": "2024-01-01", "春节": "2024-02-10", "清明": "2024-04-04", "劳动节": "2024-05-01",
           "端午": "2024-06-10", "中秋": "2024-09-17", "国庆": "2024-10-01"},
    2025: {"元旦": "2025-01-01", "春节": "2025-01-29", "清明": "2025-04-04", "劳动节": "2025-05-01",
           "端午": "2025-05-31", "中秋": "2025-10-06", "国庆": "2025-10-01"},
    2026: {"元旦": "2026-01-01", "春节": "2026-02-17", "清明": "2026-04-05", "劳动节": "2026-05-01",
           "端午": "2026-06-19", "中秋": "2026-09-25", "国庆": "2026-10-01"},
    2027: {"元旦": "2027-01-01", "春节": "2027-02-06", "清明": "2027-04-05", "劳动节": "2027-05-01",
           "端午": "2027-06-09", "中秋": "2027-09-15", "国庆": "2027-10-01"},
    # so that late-December 2027 spending sees the coming 元旦
    2028: {"元旦": "2028-01-01"},
}

_HOLIDAY_ROWS = ", ".join(
    f"('{name}', DATE '{day}')" for year in sorted(HOLIDAYS) for name, day in HOLIDAYS[year].items()
)

SQL = f"""
WITH holidays(holiday, day) AS (VALUES {_HOLIDAY_ROWS}),
hits AS (
    SELECT p.village_code, {voucher_key('p')} AS vkey,
           p.voucher_date, p.payee, p.debit_yuan, p.subject_name, p.summary,
           p.source_file, p.source_row, {evidence('p', 'village_ledger')} AS ev,
           list_filter($keywords, lambda k: contains(coalesce(p.summary, ''), k)) AS words
    FROM {LEDGER_PAYMENTS} p
    WHERE p.village_code IS NOT NULL
      AND (coalesce(p.subject_name, '') LIKE '%招待%'
           OR len(list_filter($keywords, lambda k: contains(coalesce(p.summary, ''), k))) > 0)
),
vouchers AS (
    SELECT village_code, vkey, voucher_date,
           string_agg(DISTINCT payee, '、' ORDER BY payee) AS payees,
           sum(debit_yuan) AS amount,
           string_agg(DISTINCT subject_name, '、' ORDER BY subject_name) AS subjects,
           string_agg(DISTINCT summary, '、' ORDER BY summary) AS summaries,
           list_sort(list_distinct(flatten(list(words)))) AS words,
           list(ev ORDER BY source_file, source_row) AS ev
    FROM hits
    GROUP BY village_code, vkey, voucher_date
),
near AS (
    -- the coming holiday, when the voucher falls within the window before it
    SELECT v.village_code, v.vkey, v.voucher_date,
           arg_min(h.holiday, h.day) AS holiday, min(h.day) AS holiday_day
    FROM vouchers v JOIN holidays h
      ON v.voucher_date < h.day AND v.voucher_date >= h.day - CAST($holiday_window_days AS INTEGER)
    GROUP BY v.village_code, v.vkey, v.voucher_date
)
SELECT v.village_code,
       v.vkey AS subject_key,
       coalesce(v.payees, '') AS subject_name,
       v.amount AS amount_yuan,
       concat(strftime(v.voucher_date, '%Y年%-m月%-d日'), '凭证', {voucher_label('v.vkey')}, '支付',
              coalesce(v.payees || ' ', ''), format('{{:,.2f}}', v.amount), '元（科目：',
              coalesce(v.subjects, '未填'), '；摘要：', coalesce(v.summaries, '未填'), '）',
              CASE WHEN len(v.words) > 0 THEN '，摘要含“' || array_to_string(v.words, '、') || '”' END,
              CASE WHEN n.holiday IS NOT NULL THEN
                   '，在' || n.holiday || '（' || strftime(n.holiday_day, '%Y年%-m月%-d日') || '）前'
                   || (n.holiday_day - v.voucher_date) || '天' END) AS summary,
       coalesce(CAST(v.voucher_date AS VARCHAR), '') AS detail_key,
       v.ev AS evidence,
       CASE WHEN n.holiday IS NOT NULL THEN '高' END AS severity,
       NULL AS confidence
FROM vouchers v
LEFT JOIN near n ON n.village_code = v.village_code AND n.vkey = v.vkey
                AND n.voucher_date IS NOT DISTINCT FROM v.voucher_date
"""

RULE = Rule(
    id="D04",
    title="招待、烟酒、礼品支出",
    severity="中",
    semantics=(
        "A payment whose subject_name contains 招待 or whose summary contains one of `keywords` (招待 餐 宴 烟 酒 "
        "礼品 土特产 购物卡 加油卡). Severity 高 when voucher_date is within the `holiday_window_days` (7) days "
        "before a statutory holiday (元旦, 春节, 清明, 劳动节, 端午, 中秋, 国庆; dates per year are data in the rule), "
        "else 中."
    ),
    tables=("village_ledger",),
    needs=("village_ledger.village_code",),
    why="中央八项规定及其实施细则精神要求严控公务接待，村级组织不得用集体资金购买烟酒、礼品、购物卡、"
    "加油卡或违规吃喝。节日前集中发生的此类支出，是“节日腐败”和“四风”问题的典型表现。",
    methodology="取村级财务明细账中的付款记录，科目名称含“招待”，或摘要含招待、餐、宴、烟、酒、礼品、"
    "土特产、购物卡、加油卡等关键词（可配置）的，按凭证逐张列出；凭证日期在法定节日（元旦、春节、清明、"
    "劳动节、端午、中秋、国庆）前7天内（不含节日当天）的，严重程度提高为“高”。",
    exclusions=(
        "摘要和科目均不含关键词的一般支出（如购买办公用品、支付工程款），不计。",
        "节日窗口以外的招待类支出仍列为疑点，但严重程度为“中”而非“高”。",
    ),
    assumptions=(
        "关键词按字面匹配摘要，可能命中无关支出（如“酒店住宿”“餐具”），需人工甄别。",
        "节日日期取节日当天（春节为正月初一），内置2018—2027年的日期；超出范围的年份不判断节前。",
        "未能匹配到村代码的账套记录不参与比对。",
    ),
    verify="调取凭证和发票，核对接待审批单、公函、接待对象和陪同人数，看是否超标准、超范围；"
    "核实烟酒、礼品、购物卡、加油卡的购买数量和去向（发给了谁、签收记录）；"
    "节日前的支出重点查是否用于走访送礼或私人消费。",
    questions=(
        Question("会计", "这笔{amount_yuan}元的支出接待的是谁？有无接待审批单和公函？发票是在哪里开的？"),
        Question("书记", "村里公务接待执行什么标准？这次支出经谁批准？购买的烟酒、礼品送给了谁？"),
        Question("主任", "节日前购买的购物卡（加油卡）发放给了哪些人？有没有签收记录？"),
        Question("报账员", "报销时提供了哪些附件？菜单、烟酒清单是否齐全？"),
    ),
    params=(
        Param("keywords", ["招待", "餐", "宴", "烟", "酒", "礼品", "土特产", "购物卡", "加油卡"],
              "摘要关键词：摘要含其中任一即列为疑点"),
        Param("holiday_window_days", 7, "节前天数：凭证日期在法定节日前这么多天内（不含节日当天）的，严重程度为“高”"),
    ),
    sql=SQL,
)
