"""东陵县 (style `dongling`): a third county, written without looking at the reading code.

- Years in folder names: 民政/2024年度/低保花名册.xlsx, 民政/2024年度/残疾人两项补贴发放表.xlsx,
  农业农村/耕地地力保护补贴/2022年度/补贴发放清册.xlsx (… 2023年度, 2024年度), 农业农村/村级财务/2022年度/
  城关镇.xlsx …, 财政/2024年度/一卡通发放明细.xlsx; the farmland files have no year in title or column.
- 低保花名册: one sheet for the county with a three-row header: 救助对象 over 户主 (姓名, 身份证号) and
  家庭成员情况 (姓名, 身份证号, 与户主关系), 保障情况 over 保障类别 / 保障人数 / 月保障金（元）; the town
  under 乡镇（街道）, villages written 东陵县某镇某村民委员会; a 小计 row after every village and a
  “合  计” row (with spaces) at the end.
- 残疾人两项补贴: a sheet per town, 残疾人信息 / 补贴信息 groups; the month a bare “3月” (the year only in
  the title); villages written without 村 (东岭) under 村别.
- 高龄补贴 (.xls): a sheet per town; 发放月份 202403; a town row at the bottom whose name cell is just the
  town's name with the summed amount (no word 合计); villages without 村.
- 死亡人员 (CSV, UTF-8): 死者姓名 / 死亡时间 (2022年3月5日) / 所属乡镇（街道）/ 所属村（居）.
- 村“两委”成员 and 近亲属备案: two-row headers (基本信息 / 任职情况; 申请人 / 关联村干部, 姓名 under both).
- 财政供养: 工作单位 / 人员身份 / 入职时间 / 减员时间 wordings, dates 2015年9月1日.
- 一卡通 (.xlsx): two-row header 补贴对象 (姓名, 身份证号, 户主) / 收款人信息 (姓名, 银行卡号, 开户行) /
  补贴信息 (项目, 所属期间, 发放金额（元）, 到账日期); periods 2024.03 for monthly items, 2024年上半年 /
  2024年下半年 and 2024年第二季度 / 第四季度 for the others (styles.get_style("dongling").periods).
- 耕地地力补贴: 承包方 / 面积（亩） groups, 小计 per village and “合  计”; villages written 某村民委员会.
- 土地确权: a three-row header 承包方 / 代表人 / 姓名, 证件号码; 承包地 / 地块数, 确权面积（亩）;
  villages written 东陵县某镇某村民委员会.
- 村级财务: a workbook per town per year folder, a sheet per village (the village only in the sheet name
  and the 核算单位 title line); the date split in 凭证日期 / 年, 月, 日 columns; vouchers written
  记字第017号 (numbering restarts every month); 金额 / 借方, 贷方; 本年合计 at the end.
- 集体合同: 发包方 (东陵县某镇某村民委员会) / 承包方 (姓名（名称）, 身份证号) / 合同期限 / 租金 groups.
- 青苗补偿: a sheet per town, 被补偿人 / 补偿情况 groups, 小计 per village and a town row (the town's
  name with the summed area and amount, no word 合计).
- 村基本情况: one workbook, sheets 2023 and 2024 (year in the title row only); villages without 村
  under 村（居）, a town row with the town's totals after each town, no year column.
- 户籍 (CSV, GBK): 户编号 / 人员状态 / 村民小组 (第三村民小组) wordings, birth dates 19800101.
"""

from __future__ import annotations

from collections import defaultdict
from itertools import groupby
from typing import Any

from samplegen import layouts as L
from samplegen import render as R
from samplegen.backends import CFile, LBook, XBook, write_rows
from samplegen.styles import periods as P
from samplegen.styles.common import seq, title, voucher_parts

PERIODS = {
    "耕地地力保护补贴": "half_cn", "生态公益林补偿": "half_cn", "退耕还林": "quarter", "农村危房改造": "quarter",
}
TOTAL = "合  计"


def multi_header(sheet, labels: list[str]) -> int:
    """Header rows from "组/子组/字段" paths: as many rows as the deepest path; a group cell is merged
    over the run of columns sharing it, a leaf cell is merged down to the last header row. Returns the
    number of header rows."""
    paths = [label.split("/") for label in labels]
    depth = max(len(p) for p in paths)
    grid: list[list[str | None]] = [[None] * len(paths) for _ in range(depth)]
    merges = []
    for c, p in enumerate(paths):
        last = len(p) - 1
        grid[last][c] = p[last]
        if last < depth - 1:
            merges.append((last, c, depth - 1, c))
        for lvl in range(last):
            if c == 0 or paths[c - 1][:lvl + 1] != p[:lvl + 1] or len(paths[c - 1]) - 1 <= lvl:
                end = c
                while (end + 1 < len(paths) and paths[end + 1][:lvl + 1] == p[:lvl + 1]
                       and len(paths[end + 1]) - 1 > lvl):
                    end += 1
                grid[lvl][c] = p[lvl]
                if end > c:
                    merges.append((lvl, c, lvl, end))
    first = 0
    for row in grid:
        n = sheet.row(row)
        first = first or n
    for r1, c1, r2, c2 in merges:
        sheet.merge(first + r1, c1 + 1, first + r2, c2 + 1)
    return depth


def full_village(nm, code: str) -> str:
    """东陵县城关镇东岭村民委员会."""
    base, town = nm.v[code]
    return f"{nm.county}{town}{base}村民委员会"


def short_village(nm, code: str) -> str:
    """东岭 (no 村)."""
    return nm.v[code][0]


def _local(nm, text):
    return text.replace(L.COUNTY_NAME, nm.county) if isinstance(text, str) else text


def _by_village(rows: list[dict]):
    return groupby(sorted(rows, key=lambda r: r["village_code"]), key=lambda r: r["village_code"])


def _blank(width: int, **cells) -> list:
    row: list = [None] * width
    for i, v in cells.items():
        row[int(i[1:])] = v
    return row


class Roster:
    rel = "民政/2024年度/低保花名册.xlsx"

    def __init__(self, sink, names) -> None:
        self.sink, self.names, self.book = sink, names, XBook(sink, self.rel)
        self.s: Any = None
        self._n = seq()
        self.people = 0
        self.money = 0.0

    def columns(self) -> list[tuple]:
        nm = self.names
        return [
            ("序号", None, self._n),
            ("乡镇（街道）", None, lambda r: nm.town(r["village_code"])),
            ("村（居）委会", None, lambda r: full_village(nm, r["village_code"])),
            ("救助对象/户主/姓名", "head_name", lambda r: r["head_name"]),
            ("救助对象/户主/身份证号", "head_id", lambda r: R.id_cell(r, "head_id")),
            ("救助对象/家庭成员情况/姓名", "member_name", lambda r: r["member_name"]),
            ("救助对象/家庭成员情况/身份证号", "member_id", lambda r: R.id_cell(r, "member_id")),
            ("救助对象/家庭成员情况/与户主关系", None, lambda r: r["relation_to_head"]),
            ("保障情况/保障类别", None, lambda r: r["programme"]),
            ("保障情况/保障人数", None, lambda r: r["household_size"]),
            ("保障情况/月保障金（元）", None, lambda r: r["monthly_amount_yuan"]),
            ("审批时间", None, lambda r: R.date_text(r["approval_date"], "dot")),
            ("保障状态", None, lambda r: r["status"]),
            ("停保时间", None, lambda r: R.date_text(r["stop_date"], "dot", "/")),
        ]

    def add(self, res) -> None:
        cols = self.columns()
        if self.s is None:
            self.s = self.book.sheet("花名册")
            title(self.s, f"{self.names.county}农村最低生活保障和特困供养对象花名册", len(cols))
            meta = _blank(len(cols), c0=f"填报单位：{self.names.county}民政局", c10="单位：元、人")
            self.s.row(meta)
            multi_header(self.s, [c[0] for c in cols])
        for code, vr in _by_village(res.tables["assistance_roster"]):
            vr = list(vr)
            write_rows(self.sink, self.rel, self.s, "assistance_roster", _leaf(cols), vr)
            self.s.row(_blank(len(cols), c0="小计", c2=full_village(self.names, code), c9=f"{len(vr)}人"))
            self.people += len(vr)

    def close(self) -> None:
        if self.s is None:
            self.s = self.book.sheet("花名册")
        self.s.row(_blank(14, c0=TOTAL, c9=f"{self.people}人"))
        self.s.row([L.NOTES])
        self.book.close()


def _leaf(cols: list[tuple]) -> list[tuple]:
    """The columns as expected_quarantine.csv names them: the field under its nearest group
    (家庭成员情况/身份证号), so that a repeated field name is unambiguous."""
    return [("/".join(c[0].split("/")[-2:]), c[1], c[2]) for c in cols]


class Disability:
    rel = "民政/2024年度/残疾人两项补贴发放表.xlsx"

    def __init__(self, sink, names) -> None:
        self.sink, self.names, self.book = sink, names, XBook(sink, self.rel)

    def add(self, res) -> None:
        nm, town = self.names, res.town.name
        s = self.book.sheet(town)
        cols = [
            ("序号", None, seq()),
            ("乡镇（街道）", None, lambda r: nm.town(r["village_code"])),
            ("村别", None, lambda r: short_village(nm, r["village_code"])),
            ("残疾人信息/姓名", "person_name", lambda r: r["person_name"]),
            ("残疾人信息/身份证号", "person_id", lambda r: R.id_cell(r, "person_id")),
            ("残疾人信息/残疾证号", None, lambda r: r["disability_cert_no"]),
            ("残疾人信息/残疾类别", None, lambda r: r["disability_category"]),
            ("残疾人信息/等级", None, lambda r: R.grade_text(r["disability_grade"])),
            ("补贴信息/补贴类别", None, lambda r: r["subsidy_type"]),
            ("补贴信息/月份", None, lambda r: f"{r['pay_month'].month}月"),
            ("补贴信息/金额（元）", None, lambda r: r["amount_yuan"]),
        ]
        years = sorted({r["pay_month"].year for r in res.tables["disability_payments"]}) or [2024]
        title(s, f"{nm.county}{'、'.join(map(str, years))}年困难残疾人生活补贴和重度残疾人护理补贴发放表", len(cols))
        multi_header(s, [c[0] for c in cols])
        rows = sorted(res.tables["disability_payments"], key=lambda r: (r["village_code"], r["pay_month"],
                                                                         r["subsidy_type"], r["person_id"]))
        write_rows(self.sink, self.rel, s, "disability_payments", _leaf(cols), rows)
        s.row(_blank(len(cols), c0=TOTAL, c10=round(sum(r["amount_yuan"] for r in rows), 2)))
        s.row(["制表：乡镇民政办    审核：县残联"])

    def close(self) -> None:
        self.book.close()


class OldAge:
    rel = "民政/2024年度/高龄补贴发放名册.xls"

    def __init__(self, sink, names) -> None:
        self.sink, self.names, self.book = sink, names, LBook(sink, self.rel)

    def add(self, res) -> None:
        nm, town = self.names, res.town.name
        s = self.book.sheet(town)
        cols = [
            ("序号", None, seq()),
            ("乡镇（街道）", None, lambda r: nm.town(r["village_code"])),
            ("村别", None, lambda r: short_village(nm, r["village_code"])),
            ("老人姓名", "person_name", lambda r: r["person_name"]),
            ("公民身份号码", "person_id", lambda r: R.id_cell(r, "person_id")),
            ("年龄", None, lambda r: r["age"]),
            ("补贴标准（元/人·月）", None, lambda r: r["standard_yuan"]),
            ("发放月份", None, lambda r: R.month_text(r["pay_month"], "compact")),
            ("发放金额（元）", None, lambda r: r["amount_yuan"]),
        ]
        title(s, f"{nm.county}高龄老人生活补贴发放名册", len(cols))
        s.row([c[0] for c in cols])
        rows = res.tables["old_age_payments"]
        write_rows(self.sink, self.rel, s, "old_age_payments", cols, rows)
        # the town's own row: its name and the summed amount, no word 合计
        s.row(_blank(len(cols), c1=town, c8=round(sum(r["amount_yuan"] for r in rows), 2)))
        s.row(["经办人：孙丽娟    复核：民政办    日期：2025年1月8日"])

    def close(self) -> None:
        self.book.close()


class Deaths:
    rel = "民政/殡葬火化及户籍注销人员名单.csv"
    header = ["编号", "死者姓名", "身份证号码", "性别", "死亡时间", "注销类型", "所属乡镇（街道）", "所属村（居）"]

    def __init__(self, sink, names) -> None:
        self.sink, self.names = sink, names
        self.f = CFile(sink, self.rel, self.header, "utf-8-sig")

    def add(self, res) -> None:
        nm, f = self.names, self.f
        cols = [
            ("编号", None, lambda r: f"SW{f.n:05d}"),
            ("死者姓名", "person_name", lambda r: r["person_name"]),
            ("身份证号码", "person_id", lambda r: R.id_cell(r, "person_id")),
            ("性别", None, lambda r: L._sex(r["person_id"])),
            ("死亡时间", None, lambda r: R.date_text(r["death_date"], "cn")),
            ("注销类型", None, lambda r: r["reason"]),
            ("所属乡镇（街道）", None, lambda r: nm.town(r["village_code"])),
            ("所属村（居）", None, lambda r: nm.village(r["village_code"], "村")),
        ]
        write_rows(self.sink, self.rel, f, "deaths", cols, res.tables["deaths"])

    def close(self) -> None:
        self.f.close()


class _Grouped(L._Single):
    """A single sheet with a multi-row header (paths "组/字段")."""

    sheet_name = "Sheet1"
    s: Any

    def add(self, res) -> None:
        cols = self.columns()
        if self.s is None:
            self.s = self.book.sheet(self.sheet_name)
            self.start(cols)
        write_rows(self.sink, self.rel, self.s, self.table, _leaf(cols), self.order(res.tables[self.table]))
        self.count += len(res.tables[self.table])

    def start(self, cols) -> None:
        title(self.s, self.title.replace(L.COUNTY_NAME, self.names.county), len(cols))
        multi_header(self.s, [c[0] for c in cols])

    def close(self) -> None:
        if self.s is None:
            self.s = self.book.sheet(self.sheet_name)
            self.start(self.columns())
        self.finish()
        self.book.close()


class Cadres(_Grouped):
    rel = "组织部/村（社区）“两委”班子成员花名册.xlsx"
    title = "示例县村（社区）“两委”班子成员花名册"
    table = "cadre_roster"
    sheet_name = "两委成员"

    def columns(self):
        nm = self.names
        self._n = getattr(self, "_n", seq())
        return [
            ("序号", None, self._n),
            ("乡镇（街道）", None, lambda r: nm.town(r["village_code"])),
            ("村（社区）", None, lambda r: short_village(nm, r["village_code"])),
            ("基本信息/姓名", "person_name", lambda r: r["person_name"]),
            ("基本信息/性别", None, lambda r: L._sex(r["person_id"])),
            ("基本信息/身份证号", "person_id", lambda r: R.id_cell(r, "person_id")),
            ("任职情况/现任职务", None, lambda r: r["position"]),
            ("任职情况/任职时间", None, lambda r: R.date_text(r["term_start_date"], "cn")),
            ("任职情况/离任时间", None, lambda r: R.date_text(r["term_end_date"], "cn", "在任")),
        ]


class Filings(_Grouped):
    rel = "民政/村干部及经办人员近亲属享受低保备案表.xlsx"
    title = "村干部及低保经办人员近亲属享受低保备案表"
    table = "relative_filings"
    sheet_name = "备案表"

    def columns(self):
        nm = self.names
        self._n = getattr(self, "_n", seq())
        return [
            ("序号", None, self._n),
            ("乡镇（街道）", None, lambda r: nm.town(r["village_code"])),
            ("村（居）委会", None, lambda r: full_village(nm, r["village_code"])),
            ("申请人/姓名", "applicant_name", lambda r: r["applicant_name"]),
            ("申请人/身份证号", "applicant_id", lambda r: R.id_cell(r, "applicant_id")),
            ("关联村干部（经办人）/姓名", None, lambda r: r["related_name"]),
            ("关联村干部（经办人）/职务", None, lambda r: r["related_position"]),
            ("关联村干部（经办人）/亲属关系", None, lambda r: r["relation"]),
            ("备案时间", None, lambda r: R.date_text(r["filing_date"], "cn")),
        ]


class Payroll(L._Single):
    rel = "财政/财政供养人员信息表.xlsx"
    title = "示例县财政供养人员信息表"
    table = "payroll"
    s: Any

    def columns(self):
        self._n = getattr(self, "_n", seq())
        return [
            ("序号", None, self._n),
            ("姓名", "person_name", lambda r: r["person_name"]),
            ("公民身份号码", "person_id", lambda r: R.id_cell(r, "person_id")),
            ("工作单位", None, lambda r: _local(self.names, r["employer"])),
            ("人员身份", None, lambda r: r["staff_category"]),
            ("入职时间", None, lambda r: R.date_text(r["start_date"], "cn")),
            ("减员时间", None, lambda r: R.date_text(r["end_date"], "cn")),
        ]

    def finish(self) -> None:
        self.s.row([f"数据来源：{self.names.county}财政局工资统发系统"])


class Onecard:
    rel = "财政/2024年度/一卡通发放明细.xlsx"

    def __init__(self, sink, names) -> None:
        self.sink, self.names, self.book = sink, names, XBook(sink, self.rel)
        self.s: Any = None
        self._n = seq()

    def columns(self) -> list[tuple]:
        nm = self.names
        return [
            ("序号", None, self._n),
            ("乡镇（街道）", None, lambda r: nm.town(r["village_code"])),
            ("村（社区）", None, lambda r: nm.village(r["village_code"], "村")),
            ("补贴对象/姓名", "person_name", lambda r: r["person_name"]),
            ("补贴对象/身份证号", "person_id", lambda r: R.id_cell(r, "person_id")),
            ("补贴对象/户主", None, lambda r: r["head_name"]),
            ("收款人信息/姓名", None, lambda r: r["account_holder"]),
            ("收款人信息/银行卡号", None, lambda r: r["account_no"]),
            ("收款人信息/开户行", None, lambda r: _local(nm, r["bank"])),
            ("补贴信息/项目", None, lambda r: r["item"]),
            ("补贴信息/所属期间", None, lambda r: P.text(PERIODS.get(r["item"], "month_dot"), r["pay_month"])),
            ("补贴信息/发放金额（元）", None, lambda r: r["amount_yuan"]),
            ("补贴信息/到账日期", None, lambda r: R.date_text(r["pay_date"], "dot")),
        ]

    def add(self, res) -> None:
        cols = self.columns()
        if self.s is None:
            self.s = self.book.sheet("发放明细")
            title(self.s, f"{self.names.county}惠民惠农财政补贴资金“一卡通”发放明细表", len(cols))
            multi_header(self.s, [c[0] for c in cols])
        rows = sorted(res.tables["onecard_payments"], key=lambda r: (r["village_code"], r["pay_month"], r["item"]))
        write_rows(self.sink, self.rel, self.s, "onecard_payments", _leaf(cols), rows)

    def close(self) -> None:
        if self.s is None:
            self.s = self.book.sheet("发放明细")
        self.book.close()


class Farmland:
    years = (2022, 2023, 2024)

    def __init__(self, sink, names) -> None:
        self.sink, self.names = sink, names
        self.books = {y: XBook(sink, f"农业农村/耕地地力保护补贴/{y}年度/补贴发放清册.xlsx") for y in self.years}
        self.sheets: dict[int, Any] = {}
        self.seqs = {y: seq() for y in self.years}
        self.sums = {y: [0.0, 0.0] for y in self.years}

    def add(self, res) -> None:
        nm = self.names
        for y, book in self.books.items():
            cols = [
                ("序号", None, self.seqs[y]),
                ("乡镇（街道）", None, lambda r: nm.town(r["village_code"])),
                ("村", None, lambda r: nm.village(r["village_code"], "村民委员会")),
                ("组别", None, lambda r: R.group_text(r["group_name"], "num")),
                ("承包方/户主姓名", "head_name", lambda r: r["head_name"]),
                ("承包方/身份证号", "person_id", lambda r: R.id_cell(r, "person_id")),
                ("面积（亩）/承包面积", None, lambda r: r["contract_area_mu"]),
                ("面积（亩）/计补面积", None, lambda r: r["subsidy_area_mu"]),
                ("补贴标准（元/亩）", None, lambda r: r["rate_yuan_per_mu"]),
                ("补贴金额（元）", None, lambda r: r["amount_yuan"]),
                ("一卡通账号", None, lambda r: r["account_no"]),
            ]
            if y not in self.sheets:
                s = book.sheet("清册")
                self.sheets[y] = s
                title(s, f"{nm.county}耕地地力保护补贴发放清册", len(cols))
                s.row(_blank(len(cols), c0="填报单位：县农业农村局", c8="面积单位：亩    金额单位：元"))
                multi_header(s, [c[0] for c in cols])
            s = self.sheets[y]
            rows = [r for r in res.tables["farmland_subsidy"] if r["year"] == y]
            for code, vr in _by_village(rows):
                vr = list(vr)
                write_rows(self.sink, book.rel, s, "farmland_subsidy", _leaf(cols), vr)
                area = round(sum(r["subsidy_area_mu"] for r in vr), 2)
                money = round(sum(r["amount_yuan"] for r in vr), 2)
                s.row(_blank(len(cols), c0="小计", c2=nm.village(code, "村民委员会"), c7=area, c9=money))
                self.sums[y][0] += area
                self.sums[y][1] += money

    def close(self) -> None:
        for y, book in self.books.items():
            if y in self.sheets:
                a, m = self.sums[y]
                self.sheets[y].row(_blank(11, c0=TOTAL, c7=round(a, 2), c9=round(m, 2)))
                self.sheets[y].row(["制表：乡镇农业综合服务站    审核：县农经站"])
            else:
                book.sheet("清册")
            book.close()


class Land(_Grouped):
    rel = "农业农村/土地承包经营权确权登记台账.xlsx"
    title = "示例县农村土地承包经营权确权登记台账"
    table = "land_contracts"
    sheet_name = "确权台账"

    def columns(self):
        nm = self.names
        self._n = getattr(self, "_n", seq())
        return [
            ("序号", None, self._n),
            ("乡镇（街道）", None, lambda r: nm.town(r["village_code"])),
            ("发包方", None, lambda r: full_village(nm, r["village_code"])),
            ("村民小组", None, lambda r: R.group_text(r["group_name"], "cn")),
            ("承包方/代表人/姓名", "contractor_name", lambda r: r["contractor_name"]),
            ("承包方/代表人/证件号码", "person_id", lambda r: R.id_cell(r, "person_id")),
            ("承包地/地块数（块）", None, lambda r: r["plot_count"]),
            ("承包地/确权面积（亩）", None, lambda r: r["contract_area_mu"]),
        ]


class Ledger:
    """Per year folder, a workbook per town and a sheet per village; 年/月/日 columns; 记字第017号."""

    years = (2022, 2023, 2024)

    def __init__(self, sink, names) -> None:
        self.sink, self.names = sink, names

    def add(self, res) -> None:
        nm, town = self.names, res.town.name
        by_year = defaultdict(list)
        for r in res.tables["village_ledger"]:
            by_year[r["voucher_date"].year].append(r)
        cols = [
            ("凭证日期/年", None, lambda r: r["voucher_date"].year),
            ("凭证日期/月", None, lambda r: r["voucher_date"].month),
            ("凭证日期/日", None, lambda r: r["voucher_date"].day),
            ("凭证字号", None, lambda r: "{}字第{:03d}号".format(*voucher_parts(r["voucher_no"])[::2])),
            ("摘要", None, lambda r: _local(nm, r["summary"])),
            ("会计科目/编码", None, lambda r: r["subject_code"]),
            ("会计科目/名称", None, lambda r: r["subject_name"]),
            ("金额/借方", None, lambda r: r["debit_yuan"]),
            ("金额/贷方", None, lambda r: r["credit_yuan"]),
            ("结算方式", None, lambda r: r["settlement_method"]),
            ("收款单位（人）", None, lambda r: _local(nm, r["payee"])),
            ("附件（张）", None, lambda r: r["attachment_count"]),
            ("票据类型", None, lambda r: r["receipt_type"]),
        ]
        for y in sorted(by_year):
            rel = f"农业农村/村级财务/{y}年度/{town}.xlsx"
            book = XBook(self.sink, rel)
            for code, vr in _by_village(by_year[y]):
                vr = sorted(vr, key=lambda r: (r["voucher_date"], r["voucher_no"]))
                base = nm.v[code][0]
                s = book.sheet(f"{base}村")
                title(s, f"核算单位：{nm.county}{town}{base}村股份经济合作社", len(cols))
                multi_header(s, [c[0] for c in cols])
                write_rows(self.sink, rel, s, "village_ledger", _leaf(cols), vr)
                s.row(_blank(len(cols), c4="本年合计", c7=round(sum(r["debit_yuan"] or 0 for r in vr), 2),
                             c8=round(sum(r["credit_yuan"] or 0 for r in vr), 2)))
                s.row(["主管会计：镇农经站    记账：村报账员"])
            book.close()

    def close(self) -> None:
        pass


class Contracts(_Grouped):
    rel = "农业农村/村集体经济合同管理台账.xlsx"
    title = "示例县村集体经济合同管理台账"
    table = "collective_contracts"
    sheet_name = "合同台账"

    def columns(self):
        nm = self.names
        self._n = getattr(self, "_n", seq())
        return [
            ("序号", None, self._n),
            ("乡镇（街道）", None, lambda r: nm.town(r["village_code"])),
            ("发包方", None, lambda r: full_village(nm, r["village_code"])),
            ("合同编号", None, lambda r: r["contract_no"]),
            ("标的物/名称", None, lambda r: r["asset_name"]),
            ("标的物/类型", None, lambda r: r["asset_kind"]),
            ("标的物/面积（亩）", None, lambda r: r["area_mu"]),
            ("承包方/姓名（名称）", None, lambda r: r["lessee_name"]),
            ("承包方/身份证号", "lessee_id", lambda r: R.id_cell(r, "lessee_id") or "无"),
            ("合同期限/起", None, lambda r: R.date_text(r["start_date"], "dot")),
            ("合同期限/止", None, lambda r: R.date_text(r["end_date"], "dot")),
            ("租金（元）/年租金", None, lambda r: r["annual_rent_yuan"]),
            ("租金（元）/已收", None, lambda r: r["received_yuan"]),
            ("租金（元）/欠缴", None, lambda r: r["arrears_yuan"]),
        ]


class Compensation:
    rel = "农业农村/征地青苗补偿费发放花名册.xlsx"

    def __init__(self, sink, names) -> None:
        self.sink, self.names, self.book = sink, names, XBook(sink, self.rel)

    def add(self, res) -> None:
        nm, town = self.names, res.town.name
        rows = res.tables["compensation_roster"]
        if not rows:
            return
        s = self.book.sheet(town)
        cols = [
            ("序号", None, seq()),
            ("项目名称", None, lambda r: _local(nm, r["project_name"])),
            ("乡镇（街道）", None, lambda r: nm.town(r["village_code"])),
            ("村", None, lambda r: short_village(nm, r["village_code"])),
            ("组", None, lambda r: R.group_text(r["group_name"], "cn")),
            ("被补偿人/姓名", "person_name", lambda r: r["person_name"]),
            ("被补偿人/身份证号", "person_id", lambda r: R.id_cell(r, "person_id")),
            ("被补偿人/银行账号", None, lambda r: r["account_no"]),
            ("补偿情况/面积（亩）", None, lambda r: r["area_mu"]),
            ("补偿情况/金额（元）", None, lambda r: r["amount_yuan"]),
            ("补偿情况/发放时间", None, lambda r: R.date_text(r["pay_date"], "cn")),
        ]
        title(s, f"{nm.county}{town}征地青苗及地上附着物补偿费发放花名册", len(cols))
        multi_header(s, [c[0] for c in cols])
        for code, vr in _by_village(rows):
            vr = list(vr)
            write_rows(self.sink, self.rel, s, "compensation_roster", _leaf(cols), vr)
            s.row(_blank(len(cols), c0="小计", c3=short_village(nm, code), c8=round(sum(r["area_mu"] for r in vr), 2),
                         c9=round(sum(r["amount_yuan"] for r in vr), 2)))
        # the town's row: its name and the sums, no word 合计
        s.row(_blank(len(cols), c2=town, c8=round(sum(r["area_mu"] for r in rows), 2),
                     c9=round(sum(r["amount_yuan"] for r in rows), 2)))
        s.row([f"发放单位（盖章）：{town}人民政府    经办人：周红"])

    def close(self) -> None:
        if not self.book.sheets:
            self.book.sheet("Sheet1")
        self.book.close()


class Basics:
    rel = "统计/村级基本情况统计表.xlsx"
    years = (2023, 2024)
    SUMS = ("households", "registered_population", "resident_population", "farmland_mu")

    def __init__(self, sink, names) -> None:
        self.sink, self.names, self.book = sink, names, XBook(sink, self.rel)
        self.sheets: dict[int, Any] = {}

    def add(self, res) -> None:
        nm, town = self.names, res.town.name
        cols = [
            ("区划代码", None, lambda r: r["village_code"]),
            ("乡镇（街道）", None, lambda r: nm.town(r["village_code"])),
            ("村（居）", None, lambda r: short_village(nm, r["village_code"])),
            ("户籍户数（户）", None, lambda r: r["households"]),
            ("户籍人口（人）", None, lambda r: r["registered_population"]),
            ("常住人口（人）", None, lambda r: r["resident_population"]),
            ("耕地面积（亩）", None, lambda r: r["farmland_mu"]),
            ("农村常住居民人均可支配收入（元）", None, lambda r: r["income_per_capita_yuan"]),
        ]
        for y in self.years:
            if y not in self.sheets:
                s = self.book.sheet(str(y))
                self.sheets[y] = s
                title(s, f"{nm.county}{y}年村级基本情况统计表", len(cols))
                s.row([c[0] for c in cols])
            s = self.sheets[y]
            rows = [r for r in res.tables["village_basics"] if r["year"] == y]
            write_rows(self.sink, self.rel, s, "village_basics", cols, rows)
            sums = [round(sum(r[k] for r in rows), 1) for k in self.SUMS]
            s.row([None, town, None, int(sums[0]), int(sums[1]), int(sums[2]), sums[3], None])

    def close(self) -> None:
        for s in self.sheets.values():
            s.row(["说明：户籍户数、户籍人口为公安部门年末数；各乡镇行为该乡镇所辖村合计。"])
        self.book.close()


class Register:
    rel = "公安/常住人口登记信息.csv"
    header = ["户编号", "姓名", "身份证号码", "性别", "出生日期", "与户主关系", "乡镇（街道）", "村（居）委会",
              "村民小组", "人员状态", "注销时间"]

    def __init__(self, sink, names) -> None:
        self.sink, self.names = sink, names
        self.f = CFile(sink, self.rel, self.header, "gbk")

    def add(self, res) -> None:
        nm = self.names
        cols = [
            ("户编号", None, lambda r: r["household_no"]),
            ("姓名", "person_name", lambda r: r["person_name"]),
            ("身份证号码", "person_id", lambda r: R.id_cell(r, "person_id")),
            ("性别", None, lambda r: r["sex"]),
            ("出生日期", None, lambda r: R.date_text(r["birth_date"], "compact")),
            ("与户主关系", None, lambda r: r["relation_to_head"]),
            ("乡镇（街道）", None, lambda r: nm.town(r["village_code"])),
            ("村（居）委会", None, lambda r: nm.village(r["village_code"], "村委会")),
            ("村民小组", None, lambda r: R.group_text(r["group_name"], "long")),
            ("人员状态", None, lambda r: r["register_status"]),
            ("注销时间", None, lambda r: R.date_text(r["cancel_date"], "compact")),
        ]
        write_rows(self.sink, self.rel, self.f, "household_register", cols, res.tables["household_register"])

    def close(self) -> None:
        self.f.close()


WRITERS = (Roster, Disability, OldAge, Deaths, Cadres, Filings, Payroll, Onecard, Farmland, Land, Ledger,
           Contracts, Compensation, Basics, Register)
