"""北山县 (style `beishan`): the departments' layouts of a county unlike the default one.

- 低保花名册: a sheet per town with no town column (the town only in the sheet name and the meta line
  填报单位：…镇人民政府 / 所属乡镇：…镇); a two-row header whose group cells 户主 and 家庭成员 both have
  children 姓名 and 身份证号; villages written 北山县某镇某村, the merged village by its former name.
- 高龄补贴 (.xls): the merged village by its former name.
- 一卡通 (CSV, GBK): the account column is headed 卡折号; periods 2024.03 for monthly items, 2024年度,
  2024年第二季度 and 2024年7-12月 for the others (styles.STYLES["beishan"].periods).
- 耕地地力补贴: one workbook per year, the year only in the file name; a sheet per town, no town column
  (所属乡镇 in a meta line); villages written 某村委会.
- 村基本情况: one workbook, a sheet per year (表1, 表2) whose year is only in the title row; a 曾用名
  column names the merged village's former name.
- 村级财务: a workbook per town, a sheet per year; voucher numbers restart every month (记-1, 记-2 …
  under 凭证号, the month only in 凭证日期); units written 北山县某镇某村村民委员会; land compensation is
  paid through the ledger (payee + 摘要 支付…青苗补偿款), there is no compensation roster.
- Two towns have villages of the same name (the world's `shared_village_names`).
Other extracts keep the default layouts (with the county's name in their titles).
"""

from __future__ import annotations

from collections import defaultdict

from samplegen import layouts as L
from samplegen import render as R
from samplegen.backends import CFile, LBook, XBook, write_rows
from samplegen.styles import periods as P
from samplegen.styles.common import group_header, seq, title, voucher_in_month

PERIODS = {
    "耕地地力保护补贴": "quarter", "生态公益林补偿": "year", "退耕还林": "half", "农村危房改造": "year",
}


class Roster:
    rel = "民政/城乡低保特困人员花名册.xlsx"

    def __init__(self, sink, names) -> None:
        self.sink, self.names, self.book = sink, names, XBook(sink, self.rel)

    def add(self, res) -> None:
        nm, town = self.names, res.town.name
        s = self.book.sheet(town)
        cols = [
            ("序号", None, seq()),
            ("村(社区)", None, lambda r: nm.village(r["village_code"], "县镇村", former=True)),
            ("户主/姓名", "head_name", lambda r: r["head_name"]),
            ("户主/身份证号", "head_id", lambda r: R.id_cell(r, "head_id")),
            ("家庭成员/姓名", "member_name", lambda r: r["member_name"]),
            ("家庭成员/身份证号", "member_id", lambda r: R.id_cell(r, "member_id")),
            ("家庭成员/与户主关系", None, lambda r: r["relation_to_head"]),
            ("保障类别", None, lambda r: r["programme"]),
            ("保障人数", None, lambda r: r["household_size"]),
            ("月保障金(元)", None, lambda r: r["monthly_amount_yuan"]),
            ("审批日期", None, lambda r: R.date_text(r["approval_date"], "cn")),
            ("状态", None, lambda r: r["status"]),
            ("停保日期", None, lambda r: R.date_text(r["stop_date"], "cn")),
        ]
        w = len(cols)
        title(s, f"{nm.county}2024年城乡低保、特困供养人员花名册", w)
        s.row([f"填报单位：{town}人民政府"] + [None] * 6 + [f"所属乡镇：{town}"])
        group_header(s, [c[0] for c in cols])
        rows = res.tables["assistance_roster"]
        write_rows(self.sink, self.rel, s, "assistance_roster", cols, rows)
        s.row(["合计", None, None, None, f"共{len(rows)}人"])
        s.row([L.NOTES])

    def close(self) -> None:
        self.book.close()


class OldAge:
    rel = "民政/高龄津贴发放名册2024.xls"

    def __init__(self, sink, names) -> None:
        self.sink, self.names, self.book = sink, names, LBook(sink, self.rel)

    def add(self, res) -> None:
        nm = self.names
        s = self.book.sheet(res.town.name)
        cols = [
            ("序号", None, seq()),
            ("乡镇", None, lambda r: nm.town(r["village_code"])),
            ("村", None, lambda r: nm.village(r["village_code"], "村", former=True)),
            ("姓名", "person_name", lambda r: r["person_name"]),
            ("身份证号码", "person_id", lambda r: R.id_cell(r, "person_id")),
            ("年龄", None, lambda r: r["age"]),
            ("补贴标准(元/月)", None, lambda r: r["standard_yuan"]),
            ("发放月份", None, lambda r: R.month_text(r["pay_month"], "ym")),
            ("发放金额(元)", None, lambda r: r["amount_yuan"]),
        ]
        title(s, f"{nm.county}2024年度高龄津贴发放名册", len(cols))
        s.row([c[0] for c in cols])
        rows = res.tables["old_age_payments"]
        write_rows(self.sink, self.rel, s, "old_age_payments", cols, rows)
        s.row(["合计"] + [None] * 7 + [round(sum(r["amount_yuan"] for r in rows), 2)])

    def close(self) -> None:
        self.book.close()


class Onecard:
    rel = "财政/惠民惠农补贴一卡通发放明细2024.csv"
    header = ["序号", "乡镇", "村", "补贴项目", "发放批次", "补贴对象姓名", "补贴对象身份证号", "户主姓名", "卡折号",
              "账户户名", "开户银行", "发放金额（元）", "发放日期"]

    def __init__(self, sink, names) -> None:
        self.sink, self.names = sink, names
        self.f = CFile(sink, self.rel, self.header, "gbk")

    def add(self, res) -> None:
        nm = self.names
        f = self.f
        cols = [
            ("序号", None, lambda r: f.n),
            ("乡镇", None, lambda r: nm.town(r["village_code"])),
            ("村", None, lambda r: nm.village(r["village_code"], "村")),
            ("补贴项目", None, lambda r: r["item"]),
            ("发放批次", None, lambda r: P.text(PERIODS.get(r["item"], "month_dot"), r["pay_month"])),
            ("补贴对象姓名", "person_name", lambda r: r["person_name"]),
            ("补贴对象身份证号", "person_id", lambda r: R.id_cell(r, "person_id")),
            ("户主姓名", None, lambda r: r["head_name"]),
            ("卡折号", None, lambda r: r["account_no"]),
            ("账户户名", None, lambda r: r["account_holder"]),
            ("开户银行", None, lambda r: (r["bank"] or "").replace(L.COUNTY_NAME, nm.county)),
            ("发放金额（元）", None, lambda r: R.amount_text(r["amount_yuan"], "plain")),
            ("发放日期", None, lambda r: R.date_text(r["pay_date"], "iso")),
        ]
        rows = sorted(res.tables["onecard_payments"], key=lambda r: (r["village_code"], r["item"], r["pay_month"]))
        write_rows(self.sink, self.rel, f, "onecard_payments", cols, rows)

    def close(self) -> None:
        self.f.close()


class Farmland:
    years = (2022, 2023, 2024)

    def __init__(self, sink, names) -> None:
        self.sink, self.names = sink, names
        self.books = {y: XBook(sink, f"农业农村/耕地地力保护补贴发放清册（{y}年度）.xlsx") for y in self.years}

    def add(self, res) -> None:
        nm, town = self.names, res.town.name
        for y, book in self.books.items():
            cols = [
                ("序号", None, seq()),
                ("村", None, lambda r: nm.village(r["village_code"], "村委会")),
                ("组", None, lambda r: R.group_text(r["group_name"], "numlong")),
                ("户主姓名", "head_name", lambda r: r["head_name"]),
                ("身份证号", "person_id", lambda r: R.id_cell(r, "person_id")),
                ("承包面积（亩）", None, lambda r: r["contract_area_mu"]),
                ("补贴面积（亩）", None, lambda r: r["subsidy_area_mu"]),
                ("补贴标准（元/亩）", None, lambda r: r["rate_yuan_per_mu"]),
                ("补贴金额（元）", None, lambda r: r["amount_yuan"]),
                ("账号", None, lambda r: r["account_no"]),
            ]
            s = book.sheet(town)
            title(s, "耕地地力保护补贴发放清册", len(cols))
            s.row([f"所属乡镇：{town}", None, None, None, "填报单位：乡镇农业综合服务站"])
            s.row([c[0] for c in cols])
            rows = [r for r in res.tables["farmland_subsidy"] if r["year"] == y]
            write_rows(self.sink, book.rel, s, "farmland_subsidy", cols, rows)
            s.row(["合计", None, None, None, None, None, round(sum(r["subsidy_area_mu"] for r in rows), 2), None,
                   round(sum(r["amount_yuan"] for r in rows), 2)])

    def close(self) -> None:
        for book in self.books.values():
            book.close()


class Basics:
    rel = "统计/村基本情况统计表.xlsx"
    years = (2023, 2024)

    def __init__(self, sink, names) -> None:
        self.sink, self.names, self.book = sink, names, XBook(sink, self.rel)
        self.sheets: dict[int, object] = {}

    def add(self, res) -> None:
        nm = self.names
        cols = [
            ("区划代码", None, lambda r: r["village_code"]),
            ("县", None, lambda r: nm.county),
            ("乡镇", None, lambda r: nm.town(r["village_code"])),
            ("村(居)委会", None, lambda r: nm.village(r["village_code"], "村委会")),
            ("曾用名", None, lambda r: nm.former_name(r["village_code"])),
            ("户籍户数", None, lambda r: r["households"]),
            ("户籍人口", None, lambda r: r["registered_population"]),
            ("常住人口", None, lambda r: r["resident_population"]),
            ("耕地面积（亩）", None, lambda r: r["farmland_mu"]),
            ("农村居民人均可支配收入（元）", None, lambda r: r["income_per_capita_yuan"]),
        ]
        for k, y in enumerate(self.years):
            if y not in self.sheets:
                s = self.book.sheet(f"表{k + 1}")
                self.sheets[y] = s
                title(s, f"{nm.county}{y}年村基本情况统计表", len(cols))
                s.row([c[0] for c in cols])
            rows = [r for r in res.tables["village_basics"] if r["year"] == y]
            write_rows(self.sink, self.rel, self.sheets[y], "village_basics", cols, rows)

    def close(self) -> None:
        for s in self.sheets.values():
            s.row(["注：户籍人口、户籍户数来源于公安部门年末数据；曾用名为合并前的村名。"])
        self.book.close()


class Ledger:
    """A workbook per town, a sheet per year; 凭证号 restarts every month."""

    def __init__(self, sink, names) -> None:
        self.sink, self.names = sink, names

    def add(self, res) -> None:
        nm, town = self.names, res.town.name
        rel = f"农业农村/村级财务/{town}村级会计凭证明细2022-2024.xlsx"
        book = XBook(self.sink, rel)
        cols = [
            ("核算单位", None, lambda r: nm.village(r["village_code"], "县镇村") + "村民委员会"),
            ("凭证日期", None, lambda r: r["voucher_date"]),
            ("凭证号", None, lambda r: voucher_in_month(r["voucher_no"])),
            ("摘要", None, lambda r: r["summary"].replace(L.COUNTY_NAME, nm.county)),
            ("科目编码", None, lambda r: r["subject_code"]),
            ("科目名称", None, lambda r: r["subject_name"]),
            ("借方金额", None, lambda r: r["debit_yuan"]),
            ("贷方金额", None, lambda r: r["credit_yuan"]),
            ("结算方式", None, lambda r: r["settlement_method"]),
            ("收款人", None, lambda r: r["payee"]),
            ("附件张数", None, lambda r: r["attachment_count"]),
            ("票据类型", None, lambda r: r["receipt_type"]),
        ]
        by_year = defaultdict(list)
        for r in res.tables["village_ledger"]:
            by_year[r["voucher_date"].year].append(r)
        for y in sorted(by_year):
            s = book.sheet(f"{y}年")
            title(s, f"{town}农村集体经济组织会计凭证明细（{y}年1月—12月）", len(cols))
            s.row([c[0] for c in cols])
            rows = sorted(by_year[y], key=lambda r: (r["village_code"], r["voucher_date"], r["voucher_no"]))
            write_rows(self.sink, rel, s, "village_ledger", cols, rows)
        book.close()

    def close(self) -> None:
        pass


WRITERS = (Roster, L.Disability, OldAge, L.Deaths, L.Cadres, L.Filings, L.Payroll, Onecard, Farmland, L.Land,
           Ledger, L.Contracts, Basics, L.Register)
