"""Village ledgers (村级财务明细账), 2022–2024, one voucher = an expense line + a cash/bank line.

The baseline is shaped so that no ledger rule fires by accident:
- first digits of the free amounts follow Benford's law by quota (D08 stays quiet at any size);
- cash is used only up to 1,000 元 (D01), every payment has an invoice/receipt and ≥ 1 attachment (D06);
- summaries never name hospitality keywords (D04); payees are companies or villagers outside cadre
  households, cadres are paid only under salary subjects (D05);
- the December share of non-productive spending is steered into [6.5 %, 8.5 %] per year (D07);
- payees never get two payments below 10,000 within 7 days summing to ≥ 10,000 (D02), and the same
  amount never goes to the same payee within 3 days (D03) — checked and re-dated after drawing.
Voucher numbers (记-YYYYMM-NNN) are assigned after the anomalies are injected.
"""

from __future__ import annotations

import datetime as dt
import math
import random

from samplegen import names as N
from samplegen.world import YEARS, D, Village

SUBJECTS = {
    "干部报酬": ("54101", "管理费用-干部报酬"),
    "误工补贴": ("54102", "管理费用-误工补贴"),
    "办公费": ("54103", "管理费用-办公费"),
    "水电费": ("54104", "管理费用-水电费"),
    "招待费": ("54105", "管理费用-招待费"),
    "其他管理": ("54109", "管理费用-其他"),
    "公益": ("542", "公益支出"),
    "其他支出": ("551", "其他支出"),
    "在建工程": ("151", "在建工程"),
    "经营支出": ("502", "经营支出"),
    "发包收入": ("511", "发包及上交收入"),
    "补助收入": ("522", "补助收入"),
    "库存现金": ("101", "库存现金"),
    "银行存款": ("102", "银行存款"),
    "补偿款": ("235", "专项应付款"),  # land compensation paid out (styles whose ledger carries it)
}
BENFORD = [math.log10(1 + 1 / d) for d in range(1, 10)]
POWER = "国网示例县供电公司"
TELECOM = "中国电信示例县分公司"
INSURER = "中国人寿示例县支公司"

OFFICE = ("购买打印纸、墨盒", "购买办公用品", "村委会电脑维修", "复印机硒鼓更换", "档案盒及资料册购置", "办公桌椅维修")
OTHER_MGMT = ("村务公开栏制作", "宣传标语制作", "会议材料印制", "网络宽带费", "党建资料印制", "防汛值班用品")
PUBLIC = ("村组道路维修", "路灯维修更换", "人居环境整治", "排水渠清淤", "文化广场维护", "饮水管网维修", "垃圾清运")
PUBLIC_LABOUR = ("支付{g}组道路清扫劳务费", "支付{g}组环境整治劳务费", "支付水渠清淤劳务费", "支付护林巡查劳务费")
OTHER_OUT = ("村民意外伤害保险费", "困难群众慰问金", "村集体财产保险费")
WORKS = ("{g}组产业路硬化工程款", "村委会办公楼维修工程款", "灌溉水池建设工程款", "光伏电站运维费")


def new_voucher(date: D, key: str, summary: str, amount: float, payee: str, *, cash: bool = False,
                receipt: str = "增值税发票", attachments: int = 1, kind: str = "pay", flex: bool = False) -> dict:
    code, name = SUBJECTS[key]
    return dict(date=date, subject_code=code, subject_name=name, summary=summary, amount=round(amount, 2),
                payee=payee, cash=cash, receipt=receipt, attachments=attachments, kind=kind, flex=flex, no=None)


def is_np(v: dict) -> bool:
    return v["kind"] == "pay" and (v["subject_name"].startswith("管理费用") or v["subject_name"].startswith("其他支出"))


def _companies(rng: random.Random, n: int) -> list[str]:
    out: set[str] = set()
    while len(out) < n:
        out.add(rng.choice(N.COMPANY_PREFIX) + rng.choice(N.COMPANY_CORE) + rng.choice(N.COMPANY_KIND))
    return sorted(out)


def _quota_digits(n: int, fixed: list[int], rng: random.Random, dist: list[float]) -> list[int]:
    """First digits for the flexible amounts so that, with the fixed ones, counts follow `dist`."""
    total = n + len(fixed)
    want = [total * p for p in dist]
    have = [0] * 9
    for d in fixed:
        have[d - 1] += 1
    need = [max(0.0, w - h) for w, h in zip(want, have, strict=True)]
    base = [int(x) for x in need]
    rest = sorted(range(9), key=lambda i: -(need[i] - base[i]))
    digits: list[int] = []
    for i, c in enumerate(base):
        digits += [i + 1] * c
    k = 0
    while len(digits) < n:
        digits.append(rest[k % 9] + 1)
        k += 1
    digits = digits[:n]
    rng.shuffle(digits)
    return digits


def _amount(rng: random.Random, digit: int, exps: tuple[int, ...]) -> float:
    e = rng.choice(exps)
    lo = digit * 10**e
    return math.floor(rng.uniform(lo, lo + 10**e - 0.01) * 100) / 100


def build_ledger(v: Village, villagers: list[str]) -> list[dict]:
    """The village's vouchers for 2022–2024 (not yet numbered)."""
    rng = random.Random(f"{v.code}-ledger-{v.rng.random()}")
    companies = _companies(rng, 6)
    paid_cadres = [(p, pos) for p, pos in v.cadres if "组长" not in pos]
    leaders = [(p, pos) for p, pos in v.cadres if "组长" in pos]
    monthly = {p.pid: rng.randrange(1600, 2600, 10) + (600 if "书记" in pos else 0) for p, pos in paid_cadres}
    leader_pay = {p.pid: rng.randrange(600, 1000, 20) for p, _ in leaders}
    extra = max(0, v.ledger_payments_target - 100) // 3 if v.ledger_payments_target else 0
    vouchers: list[dict] = []
    for y in YEARS:
        yv: list[dict] = []
        for q, month in enumerate((1, 4, 7, 10)):
            quarter = f"{y - 1 if q == 0 else y}年第{4 if q == 0 else q}季度"
            total = sum(monthly[p.pid] * 3 for p, _ in paid_cadres)
            yv.append(new_voucher(D(y, month, rng.randint(5, 15)), "干部报酬", f"发放{quarter}村两委干部报酬",
                                  total, "村两委成员（详见发放表）", receipt="工资发放表"))
        for p, _pos in leaders:
            yv.append(new_voucher(D(y, 1, rng.randint(16, 25)), "误工补贴", f"发放{y - 1}年度组长误工补贴",
                                  leader_pay[p.pid], p.name, receipt="工资发放表"))
        flex: list[tuple[str, str, str, tuple[int, ...], int]] = []  # key, summary, payee, exps, month
        for month in (3, 6, 9):
            flex.append(("水电费", f"缴纳{month}月份村委会电费", POWER, (2, 3), month))
        for _ in range(rng.randint(7, 9) + extra // 3):
            flex.append(("办公费", rng.choice(OFFICE), rng.choice(companies), (1, 2), rng.randint(1, 11)))
        for _ in range(rng.randint(3, 4) + extra // 6):
            flex.append(("其他管理", rng.choice(OTHER_MGMT), rng.choice(companies + [TELECOM]), (2,),
                         rng.randint(1, 11)))
        for _ in range(rng.randint(7, 9) + extra // 3):
            if rng.random() < 0.4 and villagers:
                g = rng.randint(1, v.groups)
                flex.append(("公益", rng.choice(PUBLIC_LABOUR).format(g=g), rng.choice(villagers), (2,),
                             rng.randint(1, 12)))
            else:
                flex.append(("公益", rng.choice(PUBLIC), rng.choice(companies), (2, 3, 3, 4), rng.randint(1, 12)))
        for _ in range(rng.randint(2, 3) + extra // 6):
            what = rng.choice(OTHER_OUT)
            payee = rng.choice(villagers) if "慰问" in what and villagers else INSURER
            flex.append(("其他支出", what, payee, (2,), rng.randint(1, 11)))
        for _ in range(rng.randint(1, 2)):
            flex.append((rng.choice(("在建工程", "经营支出")), rng.choice(WORKS).format(g=rng.randint(1, v.groups)),
                         rng.choice(companies), (4,), rng.randint(3, 11)))
        fixed_digits = [int(str(int(x["amount"]))[0]) for x in yv]
        dist = [0.06, 0.07, 0.09, 0.16, 0.17, 0.13, 0.11, 0.11, 0.10] if v.benford_skew else BENFORD
        digits = _quota_digits(len(flex), fixed_digits, rng, dist)
        for (key, summary, payee, exps, month), dgt in zip(flex, digits, strict=True):
            amt = _amount(rng, dgt, exps)
            cash = amt <= 1000 and rng.random() < 0.55
            day = D(y, month, rng.randint(1, 28))
            receipt = "收据" if payee in villagers else "增值税发票"
            yv.append(new_voucher(day, key, summary, amt, payee, cash=cash, receipt=receipt,
                                  attachments=rng.randint(1, 4), flex=True))
        # income (not payments)
        for _ in range(rng.randint(2, 4)):
            yv.append(new_voucher(D(y, rng.randint(1, 12), rng.randint(1, 28)), rng.choice(("发包收入", "补助收入")),
                                  rng.choice(("收取集体土地承包费", "收到镇财政所转付村级运转经费", "收到光伏收益分红")),
                                  rng.randrange(5000, 60000, 100), "", kind="income"))
        target = rng.uniform(0.065, 0.085)
        if y == 2024 and v.dec_share_2024 == "near":
            target = 1.8 * (dec_share(vouchers, 2022) + dec_share(vouchers, 2023)) / 2
        elif y == 2024 and v.dec_share_2024 is not None:
            target = v.dec_share_2024
        _steer_december(yv, y, target, rng, companies)
        vouchers += yv
    if rng.random() < 0.35:  # one red-ink reversal of an office purchase (not a payment)
        orig = next((x for x in vouchers if x["subject_name"] == "管理费用-办公费" and x["date"].month < 11), None)
        if orig:
            rev = new_voucher(orig["date"] + dt.timedelta(days=3), "办公费", f"冲销{orig['date']:%m月%d日}重复入账",
                              -orig["amount"], orig["payee"], cash=orig["cash"], kind="reversal")
            vouchers.append(rev)
    declash(vouchers, rng)
    return vouchers


def dec_share(vouchers: list[dict], year: int) -> float:
    tot = sum(x["amount"] for x in vouchers if is_np(x) and x["date"].year == year)
    dec = sum(x["amount"] for x in vouchers if is_np(x) and x["date"].year == year and x["date"].month == 12)
    return dec / tot if tot else 0.0


def _steer_december(yv: list[dict], y: int, target: float, rng: random.Random, companies: list[str]) -> None:
    """Add December non-productive payments so that December's share is `target`."""
    for x in yv:  # clear December of free np payments, then add exactly what the target needs
        if is_np(x) and x["flex"] and x["date"].month == 12:
            x["date"] = x["date"].replace(month=11)
    t0 = sum(x["amount"] for x in yv if is_np(x))
    d0 = sum(x["amount"] for x in yv if is_np(x) and x["date"].month == 12)
    need = (target * t0 - d0) / (1 - target)
    payees = [POWER, TELECOM] + list(companies)
    labels = [("水电费", "缴纳12月份及年终电费结算"), ("其他管理", "全年网络及通讯费结算"), ("办公费", "年终办公设备购置"),
              ("其他管理", "年度宣传资料印制"), ("办公费", "档案室设施购置"), ("其他管理", "村史馆展板制作")]
    parts = max(1, math.ceil(need / 9000))
    weights = [rng.uniform(0.8, 1.2) for _ in range(parts)]
    for i in range(parts):
        amt = round(need * weights[i] / sum(weights), 2)
        key, summary = labels[i % len(labels)]
        yv.append(new_voucher(D(y, 12, 2 + (i * 9) % 26), key, summary, amt, payees[i % len(payees)],
                              attachments=rng.randint(1, 3)))


def payments(vouchers: list[dict]) -> list[dict]:
    return [x for x in vouchers if x["kind"] == "pay" and x["amount"] > 0]


def declash(vouchers: list[dict], rng: random.Random) -> None:
    """Re-date free payments that would form a split-payment cluster (D02) or a same-same pair (D03).

    Uses the D02 cluster definition with a safety margin (8-day window, 9,000 元 total)."""
    for _ in range(200):
        moved = False
        by_payee: dict[str, list[dict]] = {}
        for x in payments(vouchers):
            by_payee.setdefault(x["payee"], []).append(x)
        for ps in by_payee.values():
            small = sorted((x for x in ps if x["amount"] < 10000), key=lambda x: x["date"])
            for i, a in enumerate(small):
                cluster = [b for b in small[i:] if (b["date"] - a["date"]).days <= 8]
                same = [b for b in ps if b is not a and abs((b["date"] - a["date"]).days) <= 4
                        and abs(b["amount"] - a["amount"]) < 0.01]
                bad = (len(cluster) >= 2 and sum(b["amount"] for b in cluster) >= 9000) or same
                if bad:
                    movers = [b for b in (cluster[1:] + same + [a]) if b["flex"]]
                    if movers:
                        b = movers[0]
                        shift = rng.choice((-1, 1)) * rng.randint(9, 14)
                        new = b["date"] + dt.timedelta(days=shift)
                        if new.month != b["date"].month or new.year != b["date"].year:
                            new = b["date"] + dt.timedelta(days=-shift)
                        if new.month == b["date"].month and new.year == b["date"].year:
                            b["date"] = new
                        else:  # cannot stay in its month: lower the amount below the cluster total instead
                            b["amount"] = round(b["amount"] / 3, 2)
                        moved = True
                        break
            if moved:
                break
        if not moved:
            return
    raise RuntimeError("could not spread the payments of a village ledger")


def voucher_word(x: dict) -> str:
    """The word of a ledger that sorts vouchers into receipts, payments and transfers: 收 (income), 转 (a
    red-ink reversal, no money moves), 付 (every other payment)."""
    return {"income": "收", "reversal": "转"}.get(x["kind"], "付")


def number_vouchers(vouchers: list[dict], words: bool = False) -> None:
    """记-YYYYMM-NNN, in date order within each month; with `words`, 收/付/转-YYYYMM-NNN, numbered per
    word within each month (收-1, 付-1 … in the same month)."""
    vouchers.sort(key=lambda x: (x["date"], x["kind"] != "pay", x["summary"], x["amount"]))
    seq: dict[tuple[int, int, str], int] = {}
    for x in vouchers:
        word = voucher_word(x) if words else "记"
        k = (x["date"].year, x["date"].month, word)
        seq[k] = seq.get(k, 0) + 1
        x["no"] = f"{word}-{x['date']:%Y%m}-{seq[k]:03d}"


def ledger_rows(v: Village, vouchers: list[dict]) -> list[dict]:
    """Two canonical village_ledger rows per voucher."""
    rows = []
    for x in vouchers:
        method = "现金" if x["cash"] else ("银行转账" if x["kind"] != "income" else "银行转账")
        common = dict(village_code=v.code, voucher_date=x["date"], voucher_no=x["no"], summary=x["summary"],
                      settlement_method=method, payee=x["payee"] or None, attachment_count=x["attachments"],
                      receipt_type=x["receipt"], _v=x)
        money = ("101", "库存现金") if x["cash"] else ("102", "银行存款")
        if x["kind"] == "income":
            rows.append(dict(common, subject_code=money[0], subject_name=money[1], debit_yuan=x["amount"],
                             credit_yuan=None))
            rows.append(dict(common, subject_code=x["subject_code"], subject_name=x["subject_name"],
                             debit_yuan=None, credit_yuan=x["amount"]))
        else:
            rows.append(dict(common, subject_code=x["subject_code"], subject_name=x["subject_name"],
                             debit_yuan=x["amount"], credit_yuan=None))
            rows.append(dict(common, subject_code=money[0], subject_name=money[1], debit_yuan=None,
                             credit_yuan=x["amount"]))
    return rows
