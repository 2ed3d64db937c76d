"""Each extract in its department's own layout (titles, merged and two-row headers, totals, notes,
sheets per town or per year, a hidden sheet, header wordings, village spellings, date/amount styles).

Every writer takes the canonical rows of one town at a time (`add`) and finishes in `close`, so a
whole city streams through. Header labels here are the wordings listed in SOURCES.md.

Long because it holds one writer per department extract (roster, disability, old age, deaths, cadres,
filings, payroll, one-card, farmland, land, ledger, contracts, compensation, basics, register) beside the
helpers they share, so every layout can be read against SOURCES.md in one place; styles/ reuses them.
"""

from __future__ import annotations

from collections import defaultdict

from samplegen import render as R
from samplegen.backends import CFile, LBook, Sink, XBook, write_rows
from samplegen.world import COUNTY_NAME

NOTES = "填表人：刘晓燕    审核人：张建军    分管领导：王志刚"


class Names:
    """village_code -> (stem, town name); the county's name; former stems of merged villages."""

    def __init__(self, county: str = COUNTY_NAME) -> None:
        self.county = county
        self.v: dict[str, tuple[str, str]] = {}
        self.former: dict[str, str] = {}

    def add(self, town) -> None:
        for v in town.villages:
            self.v[v.code] = (v.base, town.name)
            if getattr(v, "former", None):
                self.former[v.code] = v.former

    def village(self, code: str, style: str, former: bool = False) -> str:
        """style "县镇村" writes county, town and village (北山县城关镇东岭村); former: a merged village
        by its name before the merger."""
        base, town = self.v[code]
        if former:
            base = self.former.get(code, base)
        if style == "县镇村":
            return f"{self.county}{town}{base}村"
        return R.village_text(base, town, style)

    def former_name(self, code: str) -> str | None:
        return self.former[code] + "村" if code in self.former else None

    def town(self, code: str) -> str:
        return self.v[code][1]


def _title(sheet, text: str, width: int) -> None:
    n = sheet.row([text] + [None] * (width - 1))
    sheet.merge(n, 1, n, width)


def _header2(sheet, top: list[str], bottom: dict[int, str]) -> None:
    """A two-row header: columns in `bottom` (index -> sub label) are split, the rest merged vertically.
    A top label followed by None spans two columns (e.g. 金额 over 本月 / 累计)."""
    r1 = sheet.row(top)
    sheet.row([bottom.get(i, None) for i in range(len(top))])
    i = 0
    while i < len(top):
        if i + 1 < len(top) and top[i + 1] is None:
            sheet.merge(r1, i + 1, r1, i + 2)
            i += 2
            continue
        if i not in bottom:
            sheet.merge(r1, i + 1, r1 + 1, i + 1)
        i += 1


def _seq():
    n = [0]

    def f(_r):
        n[0] += 1
        return n[0]
    return f


def _sex(pid: str | None) -> str:
    return "男" if pid and pid[16].isdigit() and int(pid[16]) % 2 else "女"


class Roster:
    rel = "民政/2024年农村低保特困对象花名册.xlsx"

    def __init__(self, sink: Sink, names: Names) -> None:
        self.sink, self.names, self.book = sink, names, XBook(sink, self.rel)

    def add(self, res) -> None:
        odd = res.town.index % 2 == 1
        s = self.book.sheet(res.town.name)
        nm = self.names
        ds = "cn" if odd else "cell"
        cols = [
            ("序号", None, _seq()),
            ("县(市区)", None, lambda r: r["county"]),
            ("乡镇(街道)", None, lambda r: nm.town(r["village_code"])),
            ("村(社区)", None, lambda r: nm.village(r["village_code"], "村" if odd else "村委会")),
            ("户主姓名", "head_name", lambda r: r["head_name"]),
            ("户主公民身份号码" if odd else "户主身份证号", "head_id", lambda r: R.id_cell(r, "head_id")),
            ("保障对象姓名" if odd else "家庭成员姓名", "member_name", lambda r: r["member_name"]),
            ("证件号码" if odd else "成员身份证号码", "member_id", lambda r: R.id_cell(r, "member_id")),
            ("与户主关系", None, lambda r: r["relation_to_head"]),
            ("保障类别", None, lambda r: r["programme"]),
            ("保障人数", None, lambda r: r["household_size"]),
            ("月保障金（元）" if odd else "月保障金(元)", None, lambda r: r["monthly_amount_yuan"]),
            ("批准日期" if odd else "审批日期", None, lambda r: R.date_text(r["approval_date"], ds)),
            ("状态", None, lambda r: r["status"]),
            ("停保日期", None, lambda r: R.date_text(r["stop_date"], ds, "/" if odd else None)),
        ]
        w = len(cols)
        _title(s, "2024年农村低保、特困供养对象花名册", w)
        _title(s, f"填报单位：{res.town.name}人民政府    填报日期：2024年12月", w)
        s.row([c[0] for c in cols])
        rows = res.tables["assistance_roster"]
        write_rows(self.sink, self.rel, s, "assistance_roster", cols, rows)
        s.row(["合计", None, None, None, None, None, f"共{len(rows)}人"] + [None] * (w - 7))
        s.row([])
        s.row([NOTES])

    def close(self) -> None:
        self.book.close()


class Disability:
    rel = "民政/残疾人两项补贴发放名册2024.xlsx"

    def __init__(self, sink: Sink, names: Names) -> None:
        self.sink, self.names, self.book = sink, names, XBook(sink, self.rel)

    def add(self, res) -> None:
        s = self.book.sheet(res.town.name)
        nm = self.names
        run: dict[tuple, float] = defaultdict(float)

        def cumulative(r):
            k = (r["person_id"], r["subsidy_type"])
            run[k] += r["amount_yuan"]
            return round(run[k], 2)
        cols = [
            ("序号", None, _seq()),
            ("乡镇", None, lambda r: nm.town(r["village_code"])),
            ("村", None, lambda r: nm.village(r["village_code"], "村民委员会")),
            ("姓名", "person_name", lambda r: r["person_name"]),
            ("身份证号", "person_id", lambda r: R.id_cell(r, "person_id")),
            ("残疾证号", None, lambda r: r["disability_cert_no"]),
            ("残疾类别", None, lambda r: r["disability_category"]),
            ("残疾等级", None, lambda r: R.grade_text(r["disability_grade"])),
            ("补贴类型", None, lambda r: r["subsidy_type"]),
            ("发放月份", None, lambda r: R.month_text(r["pay_month"], "ym")),
            ("金额(元)", None, lambda r: r["amount_yuan"]),
            (None, None, cumulative),
            ("备注", None, lambda r: None),
        ]
        _title(s, f"{nm.county}2024年困难残疾人生活补贴和重度残疾人护理补贴发放名册（{res.town.name}）", len(cols))
        _header2(s, [c[0] for c in cols], {10: "本月", 11: "累计"})
        rows = sorted(res.tables["disability_payments"], key=lambda r: (r["village_code"], r["person_id"],
                                                                         r["subsidy_type"], r["pay_month"]))
        labels = [c for c in cols]
        labels[11] = ("累计", None, cumulative)
        write_rows(self.sink, self.rel, s, "disability_payments", labels, rows)
        total = sum(r["amount_yuan"] for r in rows)
        s.row(["合计"] + [None] * 9 + [total, None, None])
        s.row([NOTES])

    def close(self) -> None:
        if len(self.book.sheets) > 1:
            self.book.sheets[-1].ws.sheet_state = "hidden"
        self.book.close()


class OldAge:
    rel = "民政/高龄补贴发放花名册2024.xls"

    def __init__(self, sink: Sink, names: Names) -> None:
        self.sink, self.names, self.book = sink, names, LBook(sink, self.rel)

    def add(self, res) -> None:
        s = self.book.sheet(res.town.name)
        nm = self.names
        cols = [
            ("序号", None, _seq()),
            ("乡镇", None, lambda r: nm.town(r["village_code"])),
            ("村(社区)", None, lambda r: nm.village(r["village_code"], "村")),
            ("姓名", "person_name", lambda r: r["person_name"]),
            ("身份证号码", "person_id", lambda r: R.id_cell(r, "person_id")),
            ("年龄", None, lambda r: r["age"]),
            ("发放标准(元/月)", None, lambda r: r["standard_yuan"]),
            ("发放月份", None, lambda r: R.month_text(r["pay_month"], "cn")),
            ("金额(元)", None, lambda r: r["amount_yuan"]),
        ]
        _title(s, f"2024年度高龄补贴发放花名册（{res.town.name}）", len(cols))
        s.row([c[0] for c in cols])
        rows = res.tables["old_age_payments"]
        write_rows(self.sink, self.rel, s, "old_age_payments", cols, rows)
        s.row(["合计", None, None, None, None, None, None, None, round(sum(r["amount_yuan"] for r in rows), 2)])
        s.row(["制表人：陈静    审核：民政办    日期：2025年1月6日"])

    def close(self) -> None:
        self.book.close()


class Deaths:
    rel = "民政/死亡人员信息（公安注销）.csv"
    header = ["序号", "姓名", "公民身份号码", "性别", "死亡日期", "注销原因", "乡镇街道", "村居委会"]

    def __init__(self, sink: Sink, names: Names) -> None:
        self.sink, self.names = sink, names
        self.f = CFile(sink, self.rel, self.header, "gbk")

    def add(self, res) -> None:
        nm = self.names
        cols = [
            ("序号", None, _seq_from(self.f)),
            ("姓名", "person_name", lambda r: r["person_name"]),
            ("公民身份号码", "person_id", lambda r: R.id_cell(r, "person_id")),
            ("性别", None, lambda r: _sex(r["person_id"])),
            ("死亡日期", None, lambda r: R.date_text(r["death_date"], "compact")),
            ("注销原因", None, lambda r: r["reason"]),
            ("乡镇街道", None, lambda r: nm.town(r["village_code"])),
            ("村居委会", None, lambda r: nm.village(r["village_code"], "村村委会")),
        ]
        write_rows(self.sink, self.rel, self.f, "deaths", cols, res.tables["deaths"])

    def close(self) -> None:
        self.f.close()


def _seq_from(f):
    def g(_r):
        return f.n
    return g


class _Single:
    """A workbook with one sheet filled town after town."""

    rel = ""
    title = ""
    table = ""

    def __init__(self, sink: Sink, names: Names) -> None:
        self.sink, self.names, self.book = sink, names, XBook(sink, self.rel)
        self.s = None
        self.count = 0

    def columns(self) -> list[tuple]:
        raise NotImplementedError

    def add(self, res) -> None:
        cols = self.columns()
        if self.s is None:
            self.s = self.book.sheet("Sheet1")
            self.start(cols)
        write_rows(self.sink, self.rel, self.s, self.table, cols, self.order(res.tables[self.table]))
        self.count += len(res.tables[self.table])

    def order(self, rows):
        return rows

    def start(self, cols) -> None:
        if self.title:
            _title(self.s, self.title.replace(COUNTY_NAME, self.names.county), len(cols))
        self.s.row([c[0] for c in cols])

    def finish(self) -> None:
        self.s.row([None])
        self.s.row([NOTES])

    def close(self) -> None:
        if self.s is None:
            self.s = self.book.sheet("Sheet1")
            self.start(self.columns())
        self.finish()
        self.book.close()


class Cadres(_Single):
    rel = "民政/村两委成员名册.xlsx"
    title = "示例县村（社区）两委成员名册"
    table = "cadre_roster"

    def start(self, cols) -> None:
        _title(self.s, self.title.replace(COUNTY_NAME, self.names.county), len(cols))
        _title(self.s, "统计截至：2024年12月31日", len(cols))
        self.s.row([c[0] for c in cols])

    def columns(self):
        nm = self.names
        self._n = getattr(self, "_n", _seq())
        return [
            ("序号", None, self._n),
            ("乡镇", None, lambda r: nm.town(r["village_code"])),
            ("村(社区)", None, lambda r: nm.village(r["village_code"], "镇村")),
            ("姓名", "person_name", lambda r: r["person_name"]),
            ("性别", None, lambda r: _sex(r["person_id"])),
            ("身份证号", "person_id", lambda r: R.id_cell(r, "person_id")),
            ("职务", None, lambda r: r["position"]),
            ("任职时间", None, lambda r: R.date_text(r["term_start_date"], "dot")),
            ("离任时间", None, lambda r: R.date_text(r["term_end_date"], "dot", "-")),
            ("联系电话", None, lambda r: f"1{39 - int(r['person_id'][-3]) % 5}****{r['person_id'][-5:-1]}"),
        ]


class Filings(_Single):
    rel = "民政/低保经办人员和村干部近亲属备案台账.xlsx"
    title = "低保经办人员和村干部近亲属备案台账"
    table = "relative_filings"

    def columns(self):
        nm = self.names
        self._n = getattr(self, "_n", _seq())
        return [
            ("序号", None, self._n),
            ("乡镇", None, lambda r: nm.town(r["village_code"])),
            ("村", None, lambda r: nm.village(r["village_code"], "村")),
            ("申请人姓名", "applicant_name", lambda r: r["applicant_name"]),
            ("身份证号码", "applicant_id", lambda r: R.id_cell(r, "applicant_id")),
            ("关联人员姓名", None, lambda r: r["related_name"]),
            ("关联人员职务", None, lambda r: r["related_position"]),
            ("关系", None, lambda r: r["relation"]),
            ("备案日期", None, lambda r: R.date_text(r["filing_date"], "slash")),
        ]


class Payroll(_Single):
    rel = "财政/财政供养人员名册.xlsx"
    table = "payroll"

    def columns(self):
        self._n = getattr(self, "_n", _seq())
        return [
            ("序号", None, self._n),
            ("姓名", "person_name", lambda r: r["person_name"]),
            ("身份证号", "person_id", lambda r: R.id_cell(r, "person_id")),
            ("单位名称", None, lambda r: r["employer"]),
            ("人员类别", None, lambda r: r["staff_category"]),
            ("参加工作日期", None, lambda r: R.date_text(r["start_date"], "serial")),
            ("离岗日期", None, lambda r: R.date_text(r["end_date"], "serial", "无")),
        ]

    def finish(self) -> None:
        pass


class Onecard:
    rel = "财政/一卡通发放明细_2024.csv"
    header = ["序号", "补贴项目", "发放年月", "乡镇", "村", "补贴对象姓名", "补贴对象身份证号", "户主姓名", "社保卡号",
              "账户户名", "开户银行", "发放金额（元）", "发放日期"]

    def __init__(self, sink: Sink, names: Names) -> None:
        self.sink, self.names = sink, names
        self.f = CFile(sink, self.rel, self.header, "gbk")

    def add(self, res) -> None:
        nm = self.names
        cols = [
            ("序号", None, _seq_from(self.f)),
            ("补贴项目", None, lambda r: r["item"]),
            ("发放年月", None, lambda r: R.month_text(r["pay_month"], "compact")),
            ("乡镇", None, lambda r: nm.town(r["village_code"])),
            ("村", None, lambda r: nm.village(r["village_code"], "村")),
            ("补贴对象姓名", "person_name", lambda r: r["person_name"]),
            ("补贴对象身份证号", "person_id", lambda r: R.id_cell(r, "person_id")),
            ("户主姓名", None, lambda r: r["head_name"]),
            ("社保卡号", None, lambda r: r["account_no"]),
            ("账户户名", None, lambda r: r["account_holder"]),
            ("开户银行", None, lambda r: r["bank"]),
            ("发放金额（元）", None, lambda r: R.amount_text(r["amount_yuan"], "comma")),
            ("发放日期", None, lambda r: R.date_text(r["pay_date"], "slash")),
        ]
        order = {"耕地地力保护补贴": 0, "农村低保": 1, "特困供养": 2, "高龄补贴": 3, "困难残疾人生活补贴": 4,
                 "重度残疾人护理补贴": 5, "退耕还林": 6, "农村危房改造": 7, "生态公益林补偿": 8}
        rows = sorted(res.tables["onecard_payments"],
                      key=lambda r: (r["village_code"], order.get(r["item"], 9), r["pay_month"]))
        write_rows(self.sink, self.rel, self.f, "onecard_payments", cols, rows)

    def close(self) -> None:
        self.f.close()


class Farmland:
    rel = "农业农村/耕地地力保护补贴发放清册2022-2024.xlsx"
    years = (2022, 2023, 2024)

    def __init__(self, sink: Sink, names: Names) -> None:
        self.sink, self.names, self.book = sink, names, XBook(sink, self.rel)
        self.sheets = {}
        self.sums = {y: [0.0, 0.0, 0.0] for y in self.years}

    def add(self, res) -> None:
        nm = self.names
        for y in self.years:
            cols = [
                ("序号", None, _seq_from_sheet(self, y)),
                ("年度", None, lambda r: r["year"]),
                ("乡镇", None, lambda r: nm.town(r["village_code"])),
                ("村", None, lambda r: nm.village(r["village_code"], "村委会")),
                ("组", None, lambda r: R.group_text(r["group_name"], "cn")),
                ("户主姓名", "head_name", lambda r: r["head_name"]),
                ("身份证号", "person_id", lambda r: R.id_cell(r, "person_id")),
                ("承包面积", None, lambda r: r["contract_area_mu"]),
                ("补贴面积", None, lambda r: r["subsidy_area_mu"]),
                ("补贴标准", None, lambda r: r["rate_yuan_per_mu"]),
                ("补贴金额", None, lambda r: r["amount_yuan"]),
                ("账号", None, lambda r: r["account_no"]),
            ]
            if y not in self.sheets:
                s = self.book.sheet(f"{y}年")
                self.sheets[y] = s
                _title(s, f"{nm.county}{y}年耕地地力保护补贴发放清册", len(cols))
                _header2(s, [c[0] for c in cols], {7: "（亩）", 8: "（亩）", 9: "（元/亩）", 10: "（元）"})
            rows = [r for r in res.tables["farmland_subsidy"] if r["year"] == y]
            write_rows(self.sink, self.rel, self.sheets[y], "farmland_subsidy", cols, rows)
            for r in rows:
                self.sums[y][0] += r["contract_area_mu"] or 0
                self.sums[y][1] += r["subsidy_area_mu"]
                self.sums[y][2] += r["amount_yuan"]

    def close(self) -> None:
        for y, s in self.sheets.items():
            a, b, c = self.sums[y]
            s.row(["合计", None, None, None, None, None, None, round(a, 2), round(b, 2), None, round(c, 2), None])
            s.row(["填表人：王丽    审核人：农经站    日期：" + f"{y}年6月"])
        self.book.close()


def _seq_from_sheet(w, key):
    def g(_r):
        s = w.sheets[key]
        return s.n - 2
    return g


class Land(_Single):
    rel = "农业农村/农村土地承包经营权确权登记汇总表.xlsx"
    title = "示例县农村土地承包经营权确权登记汇总表"
    table = "land_contracts"

    def columns(self):
        nm = self.names
        self._n = getattr(self, "_n", _seq())
        return [
            ("序号", None, self._n),
            ("乡镇", None, lambda r: nm.town(r["village_code"])),
            ("村", None, lambda r: nm.village(r["village_code"], "村村委会")),
            ("组", None, lambda r: R.group_text(r["group_name"], "long")),
            ("承包方代表姓名", "contractor_name", lambda r: r["contractor_name"]),
            ("身份证号", "person_id", lambda r: R.id_cell(r, "person_id")),
            ("承包地块数", None, lambda r: r["plot_count"]),
            ("确权面积（亩）", None, lambda r: r["contract_area_mu"]),
        ]


class Ledger:
    """Town 1: one workbook per village (a sheet per year); other towns: one CSV export per town."""

    header = ["单位名称", "凭证日期", "凭证号", "摘要", "科目编码", "科目名称", "借方金额", "贷方金额", "结算方式",
              "往来单位(收款人)", "附件张数", "票据类型"]

    def __init__(self, sink: Sink, names: Names) -> None:
        self.sink, self.names = sink, names

    def add(self, res) -> None:
        rows = res.tables["village_ledger"]
        by_v = defaultdict(list)
        for r in rows:
            by_v[r["village_code"]].append(r)
        if res.town.index == 0:
            for code, vr in by_v.items():
                self._workbook(code, vr)
        else:
            self._csv(res, rows)

    def _cols(self, unit: str, date_style: str, amount) -> list[tuple]:
        return [
            ("单位名称", None, lambda r: unit),
            ("凭证日期", None, lambda r: R.date_text(r["voucher_date"], date_style)),
            ("凭证号", None, lambda r: r["voucher_no"]),
            ("摘要", None, lambda r: r["summary"]),
            ("科目编码", None, lambda r: r["subject_code"]),
            ("科目名称", None, lambda r: r["subject_name"]),
            ("借方金额", None, lambda r: amount(r, "debit_yuan")),
            ("贷方金额", None, lambda r: amount(r, "credit_yuan")),
            ("结算方式", None, lambda r: r["settlement_method"]),
            ("往来单位(收款人)", None, lambda r: r["payee"] or ("-" if date_style != "cell" else None)),
            ("附件张数", None, lambda r: r["attachment_count"]),
            ("票据类型", None, lambda r: r["receipt_type"]),
        ]

    def _workbook(self, code: str, rows: list[dict]) -> None:
        base, town = self.names.v[code]
        rel = f"农业农村/村级财务/{town}{base}村财务明细账2022-2024.xlsx"
        book = XBook(self.sink, rel)
        unit = R.village_text(base, town, "合作社")

        def amount(r, col):
            x = r[col]
            if x is None:
                return None
            if x < 0:
                return R.amount_text(x, "comma")
            return R.amount_text(x, "comma") if int(r["voucher_no"][-3:]) % 7 == 0 else x
        cols = self._cols(unit, "cell", amount)
        for y in (2022, 2023, 2024):
            s = book.sheet(f"{y}年")
            _title(s, f"账套名称：{unit}    会计期间：{y}年1月—{y}年12月", len(cols))
            s.row([c[0] for c in cols])
            yr = [r for r in rows if r["voucher_date"].year == y]
            write_rows(self.sink, rel, s, "village_ledger", cols, yr)
            s.row(["本年合计", None, None, None, None, None, round(sum(r["debit_yuan"] or 0 for r in yr), 2),
                   round(sum(r["credit_yuan"] or 0 for r in yr), 2)])
            s.row(["会计：" + "报账员" + "    审核：镇农经站"])
        book.close()

    def _csv(self, res, rows: list[dict]) -> None:
        rel = f"农业农村/村级财务/{res.town.name}三资平台凭证导出2022-2024.csv"
        f = CFile(self.sink, rel, self.header, "utf-8-sig")
        style = "slash" if res.town.index % 2 else "dot"

        def amount(r, col):
            x = r[col]
            if x is None:
                return "-"
            if x < 0:
                return R.amount_text(x, "comma")
            return R.amount_text(x, "yuan" if int(r["voucher_no"][-3:]) % 3 == 0 else "comma")
        by_v = defaultdict(list)
        for r in rows:
            by_v[r["village_code"]].append(r)
        for code, vr in by_v.items():
            base, town = self.names.v[code]
            write_rows(self.sink, rel, f, "village_ledger", self._cols(R.village_text(base, town, "镇村委会"),
                                                                      style, amount), vr)
        f.row(["合计", "", "", "", "", "", R.amount_text(sum(r["debit_yuan"] or 0 for r in rows), "comma"),
               R.amount_text(sum(r["credit_yuan"] or 0 for r in rows), "comma"), "", "", "", ""])
        f.close()

    def close(self) -> None:
        pass


class Contracts(_Single):
    rel = "农业农村/集体资产资源合同台账.xlsx"
    title = "示例县村集体资产资源合同台账"
    table = "collective_contracts"

    def columns(self):
        nm = self.names
        self._n = getattr(self, "_n", _seq())
        return [
            ("序号", None, self._n),
            ("乡镇", None, lambda r: nm.town(r["village_code"])),
            ("村", None, lambda r: nm.village(r["village_code"], "村民委员会")),
            ("合同编号", None, lambda r: r["contract_no"]),
            ("资产资源名称", None, lambda r: r["asset_name"]),
            ("类别", None, lambda r: r["asset_kind"]),
            ("承包（租赁）方", None, lambda r: r["lessee_name"]),
            ("承包方身份证号", "lessee_id", lambda r: R.id_cell(r, "lessee_id") or "/"),
            ("面积（亩）", None, lambda r: r["area_mu"]),
            ("年租金（元）", None, lambda r: r["annual_rent_yuan"]),
            ("起始日期", None, lambda r: R.date_text(r["start_date"], "cn")),
            ("终止日期", None, lambda r: R.date_text(r["end_date"], "cn")),
            ("已收金额（元）", None, lambda r: r["received_yuan"]),
            ("欠缴金额（元）", None, lambda r: r["arrears_yuan"]),
        ]


class Compensation:
    rel = "农业农村/青苗及地上附着物补偿发放表.xlsx"

    def __init__(self, sink: Sink, names: Names) -> None:
        self.sink, self.names, self.book = sink, names, XBook(sink, self.rel)
        self.k = 0

    def add(self, res) -> None:
        nm = self.names
        by_p = defaultdict(list)
        for r in res.tables["compensation_roster"]:
            by_p[r["project_name"]].append(r)
        for project, rows in by_p.items():
            self.k += 1
            s = self.book.sheet(f"项目{self.k}")
            cols = [
                ("序号", None, _seq()),
                ("项目名称", None, lambda r: r["project_name"]),
                ("乡镇", None, lambda r: nm.town(r["village_code"])),
                ("村", None, lambda r: nm.village(r["village_code"], "镇村")),
                ("组", None, lambda r: R.group_text(r["group_name"], "num")),
                ("姓名", "person_name", lambda r: r["person_name"]),
                ("身份证号", "person_id", lambda r: R.id_cell(r, "person_id")),
                ("补偿面积（亩）", None, lambda r: r["area_mu"]),
                ("补偿金额（元）", None, lambda r: r["amount_yuan"]),
                ("发放日期", None, lambda r: R.date_text(r["pay_date"], "iso")),
                ("账号", None, lambda r: r["account_no"]),
            ]
            _title(s, f"{project}青苗及地上附着物补偿发放表", len(cols))
            s.row([c[0] for c in cols])
            write_rows(self.sink, self.rel, s, "compensation_roster", cols, rows)
            s.row(["合计", None, None, None, None, None, None, round(sum(r["area_mu"] for r in rows), 2),
                   round(sum(r["amount_yuan"] for r in rows), 2)])
            s.row(["发放单位（盖章）：" + res.town.name + "人民政府    经办人：赵敏"])

    def close(self) -> None:
        if not self.book.sheets:
            self.book.sheet("项目1")
        self.book.close()


class Basics:
    def __init__(self, sink: Sink, names: Names) -> None:
        self.sink, self.names = sink, names
        self.books = {y: XBook(sink, f"统计/村基本情况表{y}.xlsx") for y in (2023, 2024)}
        self.sheets = {}

    def add(self, res) -> None:
        nm = self.names
        for y, book in self.books.items():
            cols = [
                ("年度", None, lambda r: r["year"]),
                ("统计用区划代码", None, (lambda r: r["village_code"]) if y == 2024 else (lambda r: int(r["village_code"]))),
                ("县", None, lambda r: nm.county),
                ("乡镇", None, lambda r: nm.town(r["village_code"])),
                ("村(居)委会", None, lambda r: nm.village(r["village_code"], "村委会")),
                ("户籍户数", None, lambda r: r["households"]),
                ("户籍人口", None, lambda r: r["registered_population"]),
                ("常住人口", None, lambda r: r["resident_population"]),
                ("耕地面积（亩）", None, lambda r: r["farmland_mu"]),
                ("农村居民人均可支配收入（元）", None, lambda r: r["income_per_capita_yuan"]),
            ]
            if y not in self.sheets:
                s = book.sheet("村基本情况")
                self.sheets[y] = s
                _title(s, f"{nm.county}{y}年村基本情况表", len(cols))
                s.row([c[0] for c in cols])
            rows = [r for r in res.tables["village_basics"] if r["year"] == y]
            write_rows(self.sink, book.rel, self.sheets[y], "village_basics", cols, rows)

    def close(self) -> None:
        for y, book in self.books.items():
            self.sheets[y].row(["注：户籍人口、户籍户数来源于公安部门年末数据。"])
            book.close()


class Register:
    rel = "公安/户籍人口信息.csv"
    header = ["户号", "姓名", "公民身份号码", "性别", "出生日期", "与户主关系", "乡镇", "村", "组", "户籍状态", "注销日期"]

    def __init__(self, sink: Sink, names: Names) -> None:
        self.sink, self.names = sink, names
        self.f = CFile(sink, self.rel, self.header, "utf-8-sig")

    def add(self, res) -> None:
        nm = self.names
        cols = [
            ("户号", None, lambda r: r["household_no"]),
            ("姓名", "person_name", lambda r: r["person_name"]),
            ("公民身份号码", "person_id", lambda r: R.id_cell(r, "person_id")),
            ("性别", None, lambda r: r["sex"]),
            ("出生日期", None, lambda r: R.date_text(r["birth_date"], "iso")),
            ("与户主关系", None, lambda r: r["relation_to_head"]),
            ("乡镇", None, lambda r: nm.town(r["village_code"])),
            ("村", None, lambda r: nm.village(r["village_code"], "村")),
            ("组", None, lambda r: R.group_text(r["group_name"], "num")),
            ("户籍状态", None, lambda r: r["register_status"]),
            ("注销日期", None, lambda r: R.date_text(r["cancel_date"], "iso")),
        ]
        write_rows(self.sink, self.rel, self.f, "household_register", cols, res.tables["household_register"])

    def close(self) -> None:
        self.f.close()


WRITERS = (Roster, Disability, OldAge, Deaths, Cadres, Filings, Payroll, Onecard, Farmland, Land, Ledger,
           Contracts, Compensation, Basics, Register)
