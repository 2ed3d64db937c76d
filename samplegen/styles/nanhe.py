"""南河县 (style `nanhe`): a second county unlike the default one.

- 低保花名册: one sheet for the county; a two-row header whose group cells 申请人 and 共同生活成员 both
  have children 姓名 and 身份证号码 (the relation headed 与申请人关系); villages written 某村民委员会.
- 一卡通 (CSV, UTF-8): the account column is headed 收款账户; periods 202403 for monthly items, 2024年1-6月,
  2024年第四季度 and 2024年度 for the others (styles.STYLES["nanhe"].periods).
- 耕地地力补贴: one workbook, a sheet per year (2022年度 …) whose year is in no column and no title; the ID
  column headed 身份证明号码 and the account 收款账户 (wordings not in the catalogue).
- 村基本情况: one workbook, a sheet per year (2023年, 2024年), the year also in the title, no year column.
- 村级财务: a CSV per town, the town only in the file name (units written 某村股份经济合作社); the voucher
  word and number in two columns (凭证字 记, 凭证号 17) restarting every month; payee headed 对方单位.
- 青苗补偿: headed 被征收人 / 兑付金额（元）/ 兑付日期.
Other extracts keep the default layouts (with the county's name in their titles).
"""

from __future__ import annotations

from collections import defaultdict

from samplegen import layouts as L
from samplegen import render as R
from samplegen.backends import CFile, XBook, write_rows
from samplegen.styles import periods as P
from samplegen.styles.common import group_header, seq, title, voucher_parts

PERIODS = {
    "耕地地力保护补贴": "half", "生态公益林补偿": "year", "退耕还林": "quarter", "农村危房改造": "quarter",
}


class Roster:
    rel = "民政/农村低保特困救助对象名册.xlsx"

    def __init__(self, sink, names) -> None:
        self.sink, self.names, self.book = sink, names, XBook(sink, self.rel)
        self.s = None
        self._n = seq()

    def columns(self) -> list[tuple]:
        nm = self.names
        return [
            ("序号", None, self._n),
            ("乡镇", None, lambda r: nm.town(r["village_code"])),
            ("村", None, lambda r: nm.village(r["village_code"], "村民委员会")),
            ("申请人/姓名", "head_name", lambda r: r["head_name"]),
            ("申请人/身份证号码", "head_id", lambda r: R.id_cell(r, "head_id")),
            ("共同生活成员/姓名", "member_name", lambda r: r["member_name"]),
            ("共同生活成员/身份证号码", "member_id", lambda r: R.id_cell(r, "member_id")),
            ("共同生活成员/与申请人关系", None, lambda r: r["relation_to_head"]),
            ("救助类别", None, lambda r: r["programme"]),
            ("家庭人口", None, lambda r: r["household_size"]),
            ("月救助金(元)", None, lambda r: r["monthly_amount_yuan"]),
            ("批准日期", None, lambda r: R.date_text(r["approval_date"], "dot")),
            ("状态", None, lambda r: r["status"]),
            ("停保日期", None, lambda r: R.date_text(r["stop_date"], "dot")),
        ]

    def add(self, res) -> None:
        cols = self.columns()
        if self.s is None:
            self.s = self.book.sheet("救助对象")
            title(self.s, f"{self.names.county}农村低保、特困供养救助对象名册（截至2024年12月）", len(cols))
            group_header(self.s, [c[0] for c in cols])
        write_rows(self.sink, self.rel, self.s, "assistance_roster", cols, res.tables["assistance_roster"])

    def close(self) -> None:
        if self.s is None:
            self.s = self.book.sheet("救助对象")
        self.s.row([L.NOTES])
        self.book.close()


class Onecard:
    rel = "财政/惠农资金一卡通发放明细.csv"
    header = ["序号", "所属乡镇", "村名", "补贴项目名称", "发放年月", "享受人姓名", "享受人身份证号", "户主姓名",
              "收款账户", "户名", "代发银行", "实发金额", "支付日期"]

    def __init__(self, sink, names) -> None:
        self.sink, self.names = sink, names
        self.f = CFile(sink, self.rel, self.header, "utf-8-sig")

    def add(self, res) -> None:
        nm, f = self.names, self.f
        cols = [
            ("序号", None, lambda r: f.n),
            ("所属乡镇", None, lambda r: nm.town(r["village_code"])),
            ("村名", None, lambda r: nm.village(r["village_code"], "村")),
            ("补贴项目名称", None, lambda r: r["item"]),
            ("发放年月", None, lambda r: P.text(PERIODS.get(r["item"], "month_compact"), r["pay_month"])),
            ("享受人姓名", "person_name", lambda r: r["person_name"]),
            ("享受人身份证号", "person_id", lambda r: R.id_cell(r, "person_id")),
            ("户主姓名", None, lambda r: r["head_name"]),
            ("收款账户", None, lambda r: r["account_no"]),
            ("户名", None, lambda r: r["account_holder"]),
            ("代发银行", None, lambda r: (r["bank"] or "").replace(L.COUNTY_NAME, nm.county)),
            ("实发金额", None, lambda r: R.amount_text(r["amount_yuan"], "comma")),
            ("支付日期", None, lambda r: R.date_text(r["pay_date"], "cn")),
        ]
        rows = sorted(res.tables["onecard_payments"], key=lambda r: (r["village_code"], r["pay_month"], r["item"]))
        write_rows(self.sink, self.rel, f, "onecard_payments", cols, rows)

    def close(self) -> None:
        self.f.close()


class Farmland:
    rel = "农业农村/耕地地力保护补贴发放清册.xlsx"
    years = (2022, 2023, 2024)

    def __init__(self, sink, names) -> None:
        self.sink, self.names, self.book = sink, names, XBook(sink, self.rel)
        self.sheets: dict[int, object] = {}
        self.seqs = {y: seq() for y in self.years}

    def add(self, res) -> None:
        nm = self.names
        for y in self.years:
            cols = [
                ("序号", None, self.seqs[y]),
                ("乡镇", None, lambda r: nm.town(r["village_code"])),
                ("村", None, lambda r: nm.village(r["village_code"], "村")),
                ("组", None, lambda r: R.group_text(r["group_name"], "cn")),
                ("农户姓名", "head_name", lambda r: r["head_name"]),
                ("身份证明号码", "person_id", lambda r: R.id_cell(r, "person_id")),
                ("承包面积", None, lambda r: r["contract_area_mu"]),
                ("计补面积", None, lambda r: r["subsidy_area_mu"]),
                ("补贴标准", None, lambda r: r["rate_yuan_per_mu"]),
                ("补贴金额", None, lambda r: r["amount_yuan"]),
                ("收款账户", None, lambda r: r["account_no"]),
            ]
            if y not in self.sheets:
                s = self.book.sheet(f"{y}年度")
                self.sheets[y] = s
                title(s, f"{nm.county}耕地地力保护补贴发放清册", len(cols))
                s.row([c[0] for c in cols])
            rows = [r for r in res.tables["farmland_subsidy"] if r["year"] == y]
            write_rows(self.sink, self.rel, self.sheets[y], "farmland_subsidy", cols, rows)

    def close(self) -> None:
        self.book.close()


class Basics:
    rel = "统计/村基本情况表.xlsx"
    years = (2023, 2024)

    def __init__(self, sink, names) -> None:
        self.sink, self.names, self.book = sink, names, XBook(sink, self.rel)
        self.sheets: dict[int, object] = {}

    def add(self, res) -> None:
        nm = self.names
        cols = [
            ("统计用区划代码", None, lambda r: r["village_code"]),
            ("县", None, lambda r: nm.county),
            ("乡镇", None, lambda r: nm.town(r["village_code"])),
            ("村(居)委会", None, lambda r: nm.village(r["village_code"], "村委会")),
            ("户籍户数", None, lambda r: r["households"]),
            ("户籍人口", None, lambda r: r["registered_population"]),
            ("常住人口", None, lambda r: r["resident_population"]),
            ("耕地面积（亩）", None, lambda r: r["farmland_mu"]),
            ("农村居民人均可支配收入（元）", None, lambda r: r["income_per_capita_yuan"]),
        ]
        for y in self.years:
            if y not in self.sheets:
                s = self.book.sheet(f"{y}年")
                self.sheets[y] = s
                title(s, f"{nm.county}{y}年村基本情况表", len(cols))
                s.row([c[0] for c in cols])
            rows = [r for r in res.tables["village_basics"] if r["year"] == y]
            write_rows(self.sink, self.rel, self.sheets[y], "village_basics", cols, rows)

    def close(self) -> None:
        self.book.close()


class Ledger:
    """A CSV per town (the town only in the file name); 凭证字 and 凭证号 in two columns, restarting monthly."""

    header = ["核算单位", "凭证日期", "凭证字", "凭证号", "摘要", "科目编码", "科目名称", "借方金额", "贷方金额",
              "结算方式", "对方单位", "附件数", "票据类型"]

    def __init__(self, sink, names) -> None:
        self.sink, self.names = sink, names

    def add(self, res) -> None:
        nm, town = self.names, res.town.name
        rel = f"农业农村/村级财务/{town}凭证导出.csv"
        f = CFile(self.sink, rel, self.header, "utf-8-sig")
        cols = [
            ("核算单位", None, lambda r: nm.village(r["village_code"], "合作社")),
            ("凭证日期", None, lambda r: R.date_text(r["voucher_date"], "iso")),
            ("凭证字", None, lambda r: voucher_parts(r["voucher_no"])[0]),
            ("凭证号", None, lambda r: voucher_parts(r["voucher_no"])[2]),
            ("摘要", None, lambda r: r["summary"].replace(L.COUNTY_NAME, nm.county)),
            ("科目编码", None, lambda r: r["subject_code"]),
            ("科目名称", None, lambda r: r["subject_name"]),
            ("借方金额", None, lambda r: R.amount_text(r["debit_yuan"], "plain", "0.00")),
            ("贷方金额", None, lambda r: R.amount_text(r["credit_yuan"], "plain", "0.00")),
            ("结算方式", None, lambda r: r["settlement_method"]),
            ("对方单位", None, lambda r: r["payee"]),
            ("附件数", None, lambda r: r["attachment_count"]),
            ("票据类型", None, lambda r: r["receipt_type"]),
        ]
        by_v = defaultdict(list)
        for r in res.tables["village_ledger"]:
            by_v[r["village_code"]].append(r)
        for code in sorted(by_v):
            write_rows(self.sink, rel, f, "village_ledger", cols, by_v[code])
        f.close()

    def close(self) -> None:
        pass


class Compensation:
    rel = "农业农村/征地青苗补偿兑付表.xlsx"

    def __init__(self, sink, names) -> None:
        self.sink, self.names, self.book = sink, names, XBook(sink, self.rel)

    def add(self, res) -> None:
        nm = self.names
        by_p = defaultdict(list)
        for r in res.tables["compensation_roster"]:
            by_p[r["project_name"]].append(r)
        for project, rows in by_p.items():
            s = self.book.sheet(f"{res.town.name}{len(self.book.sheets) + 1}")
            cols = [
                ("序号", None, seq()),
                ("乡镇", None, lambda r: nm.town(r["village_code"])),
                ("村", None, lambda r: nm.village(r["village_code"], "村")),
                ("组", None, lambda r: R.group_text(r["group_name"], "num")),
                ("被征收人", "person_name", lambda r: r["person_name"]),
                ("身份证号", "person_id", lambda r: R.id_cell(r, "person_id")),
                ("补偿面积（亩）", None, lambda r: r["area_mu"]),
                ("兑付金额（元）", None, lambda r: r["amount_yuan"]),
                ("兑付日期", None, lambda r: R.date_text(r["pay_date"], "slash")),
                ("银行账号", None, lambda r: r["account_no"]),
            ]
            title(s, f"{project.replace(L.COUNTY_NAME, nm.county)}青苗补偿兑付表", len(cols))
            s.row([c[0] for c in cols])
            write_rows(self.sink, self.rel, s, "compensation_roster", cols, rows)
            s.row(["合计", None, None, None, None, None, round(sum(r["area_mu"] for r in rows), 2),
                   round(sum(r["amount_yuan"] for r in rows), 2)])

    def close(self) -> None:
        if not self.book.sheets:
            self.book.sheet("Sheet1")
        self.book.close()


WRITERS = (Roster, L.Disability, L.OldAge, L.Deaths, L.Cadres, L.Filings, L.Payroll, Onecard, Farmland, L.Land,
           Ledger, L.Contracts, Compensation, Basics, L.Register)
