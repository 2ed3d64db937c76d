"""江口县 (style `jiangkou`): a county written without looking at the reading code.

- Folders by department and year, as the office files them on receipt: 民政局/2024年/…, 财政局/2024年/…,
  农业农村局/…, 农业农村局/2024年/…, 统计局/…, 公安局/…, 组织部/…; file names abbreviated the way
  clerks name them (江口县2024年低保特困花名册（12月）.xlsx, 江口县2024年一卡通发放台账.xlsx …).
- 低保特困花名册: the household-level cells (户序号, 家庭编号, 村, 户主姓名, 户主身份证号码, 救助对象类型,
  保障人口, 月保障金额, 批准享受时间) are merged VERTICALLY over the member rows of the household (the
  value only in the household's first row); each member row has its own 保障成员姓名 / 成员身份证号 /
  与户主关系 / 享受状态 / 停保时间. A member row whose ID is unusable is never inside a merged run.
- Workbooks that open with a sheet that is not data: the roster and the 高龄补贴 workbook begin with a
  填表说明 sheet (numbered instructions), the 一卡通 and 残疾人两项补贴 workbooks with a 汇总 sheet
  (per-village totals: 乡镇, 村, 人数, 笔数, 金额) before the data sheets. No hidden sheet anywhere.
- 一卡通 as a WIDE table: one row per person, item and card, month columns 1月 … 12月 with the amounts
  and a 合计 column (the year only in the sheet name 2024年 and the title). A second payment of the same
  person, item and month goes to a second row of that person. No pay date (a wide table has none).
- Names written for alignment with a full-width space (王　芳) or with spaces between all characters
  (李 小 明) in the roster and the 高龄补贴 table; in the 高龄补贴 table a few rows write the ID with
  full-width digits or with spaces (the same person's other months are written plainly).
- Amounts as text "1,350.00元" (月保障金额 in the roster; 补贴标准 and 发放金额 in the 高龄补贴 table).
- Villages written three ways: 江口县某镇某村 (roster), bare 某某 without 村 (一卡通 and its 汇总),
  某村委会 (高龄补贴); 残疾人两项补贴 writes 某村.
- Header wordings of their own (救助对象类型, 批准享受时间, 保障成员姓名, 享受状态, 补助项目, 享受对象,
  开户名, 社会保障卡号, 享受月份, 发放金额（元）…).
Other extracts keep the default layouts (county name 江口县), renamed into the department-year folders.
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path
from typing import Any

from samplegen import layouts as L
from samplegen import render as R
from samplegen.backends import Sink, XBook, write_rows
from samplegen.styles.common import title

COUNTY = "江口县"
PERIODS: dict[str, str] = {}
SIGN = "填表人：杨晓梅    审核人：龙建国    填表日期：{date}"
FW_SPACE = "\u3000"


def _row(width: int, *cells) -> list:
    return list(cells) + [None] * (width - len(cells))


def spaced_name(name: str | None) -> str | None:
    """A clerk's alignment: some two-character names get a full-width space (王　芳), some three-character
    names a space between every character (李 小 明). Chosen by the name itself, so a person is written the
    same way in every row of a file. Names already spaced or with a middle dot stay as they are."""
    if not name or any(ch.isspace() for ch in name) or not all("\u4e00" <= ch <= "\u9fff" for ch in name):
        return name
    k = sum(map(ord, name))
    if len(name) == 2 and k % 6 == 0:
        return name[0] + FW_SPACE + name[1]
    if len(name) == 3 and k % 9 == 0:
        return " ".join(name)
    return name


def yuan_text(x: float | None) -> str | None:
    """1350.0 -> "1,350.00元"."""
    if x is None:
        return None
    if x < 0:
        raise ValueError(f"negative amount {x} has no 元-text form here")
    return f"{x:,.2f}元"


def id_with_slips(row: dict, col: str, salt: int):
    """The ID cell, with a few rows of a plain valid ID typed with full-width digits or spaces."""
    if row.get("_q") or row.get("_ids", {}).get(col) or not row.get(col):
        return R.id_cell(row, col)
    pid = row[col]
    k = (sum(int(ch) for ch in pid[:17]) + salt) % 41
    if k == 0:
        return R.id_text(pid, "fullwidth")
    if k == 1:
        return R.id_text(pid, "spaces")
    return pid


def instructions(book, lines: list[str], head: str) -> None:
    s = book.sheet("填表说明")
    s.row([head])
    s.row([])
    for i, line in enumerate(lines, 1):
        s.row([f"{i}．{line}"])


def put_merged(sink, rel: str, s, table: str, cols: list[tuple], rows: list[dict], merged: set[int],
               group) -> None:
    """Write rows; the columns in `merged` are merged vertically over each run of consecutive rows of the
    same group (group(row) -> key) whose merged cells are equal, the value only in the run's first row.
    A row whose unusable value sits in a merged column stands alone."""
    labels = [c[0] for c in cols]
    canon = [c[1] for c in cols]
    run: list | None = None  # [first row, last row, key]

    def close() -> None:
        if run is not None and run[1] > run[0]:
            for j in sorted(merged):
                s.merge(run[0], j + 1, run[1], j + 1)
    for r in rows:
        vals = [c[2](r) for c in cols]
        q = r.get("_q")
        alone = q is not None and q[0] in {canon[j] for j in merged}
        key = None if alone else (group(r), tuple(vals[j] for j in sorted(merged)))
        same = run is not None and key is not None and run[2] == key
        if same:
            for j in merged:
                vals[j] = None
        else:
            close()
        n = s.row(vals)
        if same:
            assert run is not None
            run[1] = n
        else:
            run = [n, n, key]
        sink.record(rel, s.title, n, labels, canon, r, table)
    close()


class Roster:
    """Instructions sheet, then a sheet per town; household cells merged down over the member rows."""

    rel = "民政局/2024年/江口县2024年低保特困花名册（12月）.xlsx"

    def __init__(self, sink, names) -> None:
        self.sink, self.names, self.book = sink, names, XBook(sink, self.rel)
        instructions(self.book, [
            "本表按户填写，户主信息（户序号、家庭编号、村、户主姓名、户主身份证号码、救助对象类型、保障人口、"
            "月保障金额、批准享受时间）合并单元格填写，家庭成员逐人一行。",
            "保障成员含户主本人，与户主关系填写本人、配偶、子、女等。",
            "救助对象类型填写城市低保、农村低保、特困供养或A类、B类、C类。",
            "月保障金额为全户每月保障金额，单位为元。",
            "享受状态填写在保、停保；停保的须填写停保时间。",
            "各乡镇一个工作表，数据截至2024年12月31日。",
        ], f"{COUNTY}2024年城乡低保、特困供养对象花名册填表说明")
        self.family: dict[int, str] = {}

    def family_no(self, r: dict) -> str:
        key = id(r.get("_case"))
        if key not in self.family:
            self.family[key] = f"JK{r['village_code'][6:]}{len(self.family) + 1:04d}"
        return self.family[key]

    def add(self, res) -> None:
        nm = self.names
        s = self.book.sheet(res.town.name)
        hh: dict[int, int] = {}

        def household_seq(r):
            return hh.setdefault(id(r.get("_case")), len(hh) + 1)
        cols = [
            ("户序号", None, household_seq),
            ("家庭编号", None, self.family_no),
            ("村（居）", None, lambda r: nm.village(r["village_code"], "县镇村")),
            ("户主姓名", "head_name", lambda r: spaced_name(r["head_name"])),
            ("户主身份证号码", "head_id", lambda r: R.id_cell(r, "head_id")),
            ("救助对象类型", None, lambda r: r["programme"]),
            ("保障人口", None, lambda r: r["household_size"]),
            ("月保障金额", None, lambda r: yuan_text(r["monthly_amount_yuan"])),
            ("批准享受时间", None, lambda r: r["approval_date"]),
            ("保障成员姓名", "member_name", lambda r: spaced_name(r["member_name"])),
            ("成员身份证号", "member_id", lambda r: R.id_cell(r, "member_id")),
            ("与户主关系", None, lambda r: r["relation_to_head"]),
            ("享受状态", None, lambda r: r["status"]),
            ("停保时间", None, lambda r: r["stop_date"]),
        ]
        w = len(cols)
        title(s, f"{COUNTY}2024年城乡低保、特困供养对象花名册", w)
        s.row(_row(w, f"填报单位：{res.town.name}人民政府（盖章）", None, None, None, None, None, None, None,
                   "截至2024年12月31日"))
        s.row([c[0] for c in cols])
        rows = res.tables["assistance_roster"]
        order: dict[int, int] = {}
        for r in rows:
            order.setdefault(id(r.get("_case")), len(order))
        rows = sorted(rows, key=lambda r: (r["village_code"], order[id(r.get("_case"))]))
        put_merged(self.sink, self.rel, s, "assistance_roster", cols, rows, set(range(9)),
                   lambda r: id(r.get("_case")))
        s.row(_row(w, "合计", None, None, None, None, None, None, None, None, f"{len(rows)}人"))
        s.row([SIGN.format(date="2025年1月6日")])

    def close(self) -> None:
        self.book.close()


class Disability:
    """A 汇总 sheet first (per-village totals), then a sheet per town."""

    rel = "民政局/2024年/江口县2024年残疾人两项补贴发放表.xlsx"

    def __init__(self, sink, names) -> None:
        self.sink, self.names, self.book = sink, names, XBook(sink, self.rel)
        self.summary = self.book.sheet("汇总")
        title(self.summary, f"{COUNTY}2024年残疾人两项补贴发放汇总表", 6)
        self.summary.row(["序号", "乡镇", "村", "享受人数", "发放笔数", "发放金额（元）"])
        self.k = 0
        self.total = [0, 0, 0.0]

    def add(self, res) -> None:
        nm = self.names
        s = self.book.sheet(res.town.name)
        n = [0]

        def seq(_r):
            n[0] += 1
            return n[0]
        cols = [
            ("序号", None, seq),
            ("乡镇", None, lambda r: nm.town(r["village_code"])),
            ("村", None, lambda r: nm.village(r["village_code"], "村")),
            ("姓名", "person_name", lambda r: r["person_name"]),
            ("身份证号", "person_id", lambda r: R.id_cell(r, "person_id")),
            ("残疾证号", None, lambda r: r["disability_cert_no"]),
            ("残疾类别", None, lambda r: r["disability_category"]),
            ("残疾等级", None, lambda r: R.grade_text(r["disability_grade"])),
            ("补贴类别", None, lambda r: r["subsidy_type"]),
            ("享受月份", None, lambda r: f"{r['pay_month'].year}年{r['pay_month'].month}月"),
            ("发放金额（元）", None, lambda r: r["amount_yuan"]),
        ]
        title(s, f"{COUNTY}2024年困难残疾人生活补贴和重度残疾人护理补贴发放表（{res.town.name}）", len(cols))
        s.row([c[0] for c in cols])
        rows = sorted(res.tables["disability_payments"], key=lambda r: (r["village_code"], r["person_id"],
                                                                         r["subsidy_type"], r["pay_month"]))
        write_rows(self.sink, self.rel, s, "disability_payments", cols, rows)
        s.row(_row(len(cols), "合计", None, None, None, None, None, None, None, None, None,
                   round(sum(r["amount_yuan"] for r in rows), 2)))
        by_v: dict[str, list[dict]] = defaultdict(list)
        for r in rows:
            by_v[r["village_code"]].append(r)
        for code in sorted(by_v):
            vr = by_v[code]
            self.k += 1
            people = len({r["person_id"] for r in vr})
            amount = round(sum(r["amount_yuan"] for r in vr), 2)
            self.summary.row([self.k, nm.town(code), nm.village(code, "村"), people, len(vr), amount])
            self.total[0] += people
            self.total[1] += len(vr)
            self.total[2] += amount

    def close(self) -> None:
        self.summary.row(["合计", None, None, self.total[0], self.total[1], round(self.total[2], 2)])
        self.book.close()


class OldAge:
    """Instructions sheet, then a sheet per town; villages 某村委会, amounts as 元-text, spaced names, a
    few IDs in full-width digits or with spaces."""

    rel = "民政局/2024年/江口县2024年高龄补贴发放表.xlsx"

    def __init__(self, sink, names) -> None:
        self.sink, self.names, self.book = sink, names, XBook(sink, self.rel)
        instructions(self.book, [
            "发放对象为具有本县户籍、年满80周岁的老年人，按月发放。",
            "80-89周岁每人每月100元，90-99周岁每人每月200元，100周岁以上每人每月500元（以县民政局文件为准）。",
            "周岁按发放月份计算；身份证号码须填写18位。",
            "各乡镇一个工作表，村名填写村委会全称。",
        ], f"{COUNTY}2024年高龄补贴发放表填表说明")

    def add(self, res) -> None:
        nm = self.names
        s = self.book.sheet(res.town.name)
        n = [0]

        def seq(_r):
            n[0] += 1
            return n[0]
        cols = [
            ("序号", None, seq),
            ("乡镇", None, lambda r: nm.town(r["village_code"])),
            ("村委会", None, lambda r: nm.village(r["village_code"], "村委会")),
            ("老人姓名", "person_name", lambda r: spaced_name(r["person_name"])),
            ("身份证号码", "person_id", lambda r: id_with_slips(r, "person_id", r["pay_month"].month)),
            ("周岁", None, lambda r: r["age"]),
            ("补贴标准", None, lambda r: yuan_text(r["standard_yuan"])),
            ("享受月份", None, lambda r: f"{r['pay_month'].year}年{r['pay_month'].month}月"),
            ("发放金额", None, lambda r: yuan_text(r["amount_yuan"])),
        ]
        title(s, f"{COUNTY}2024年八十周岁以上老年人高龄补贴发放表（{res.town.name}）", len(cols))
        s.row([c[0] for c in cols])
        rows = res.tables["old_age_payments"]
        write_rows(self.sink, self.rel, s, "old_age_payments", cols, rows)
        s.row(_row(len(cols), "合计", None, None, None, None, None, None, None,
                   yuan_text(round(sum(r["amount_yuan"] for r in rows), 2))))
        s.row([SIGN.format(date="2025年1月8日")])

    def close(self) -> None:
        self.book.close()


ITEM_ORDER = {"耕地地力保护补贴": 0, "农村低保": 1, "特困供养": 2, "高龄补贴": 3, "困难残疾人生活补贴": 4,
              "重度残疾人护理补贴": 5, "退耕还林": 6, "农村危房改造": 7, "生态公益林补偿": 8}


class Onecard:
    """A 汇总 sheet first, then a sheet per year: one row per person, item and card, month columns."""

    rel = "财政局/2024年/江口县2024年一卡通发放台账.xlsx"
    fixed = ["序号", "乡镇", "村", "补助项目", "享受对象", "身份证号码", "户主姓名", "开户名", "社会保障卡号",
             "开户银行"]
    months = [f"{m}月" for m in range(1, 13)]

    def __init__(self, sink, names) -> None:
        self.sink, self.names, self.book = sink, names, XBook(sink, self.rel)
        self.summary = self.book.sheet("汇总")
        title(self.summary, f"{COUNTY}惠民惠农财政补贴资金“一卡通”发放汇总表", 6)
        self.summary.row(["序号", "乡镇", "村", "享受人数", "发放笔数", "发放金额（元）"])
        self.k = 0
        self.sheets: dict[int, Any] = {}
        self.seq: dict[int, int] = {}
        self.totals: dict[int, list[float]] = {}

    def sheet(self, year: int):
        if year not in self.sheets:
            s = self.book.sheet(f"{year}年")
            width = len(self.fixed) + 13
            title(s, f"{COUNTY}{year}年度惠民惠农财政补贴资金“一卡通”发放台账", width)
            s.row(_row(width, "填报单位：江口县财政局（盖章）", None, None, None, None, None, None, None, None, None,
                       "单位：元"))
            s.row(self.fixed + self.months + ["合计"])
            self.sheets[year] = s
            self.seq[year] = 0
            self.totals[year] = [0.0] * 13
        return self.sheets[year]

    def add(self, res) -> None:
        nm = self.names
        labels = self.fixed + self.months + ["合计"]
        canon: list[str | None] = [None] * len(labels)
        canon[4], canon[5] = "person_name", "person_id"
        # (year, village, item, person, card ...) -> month -> payments in that month
        groups: dict[tuple, dict[int, list[dict]]] = {}
        for r in res.tables["onecard_payments"]:
            if r.get("_q"):
                raise ValueError("the wide one-card layout has no place for a quarantined payment row")
            key = (r["pay_month"].year, r["village_code"], ITEM_ORDER.get(r["item"], 9), r["item"], r["person_id"],
                   R.id_cell(r, "person_id"), r["person_name"], r["head_name"], r["account_holder"],
                   r["account_no"], r["bank"] or "")
            groups.setdefault(key, defaultdict(list))[r["pay_month"].month].append(r)
        by_v: dict[str, list] = defaultdict(lambda: [set(), 0, 0.0])
        for key in sorted(groups):
            year, code, _o, item, pid, id_cell, name, head, holder, account, bank = key
            s = self.sheet(year)
            months = groups[key]
            depth = max(len(v) for v in months.values())
            for k in range(depth):  # a second payment for the same month goes to a second row
                self.seq[year] += 1
                cells = [self.seq[year], nm.town(code), nm.v[code][0], item, name, id_cell, head, holder, account,
                         bank.replace(L.COUNTY_NAME, COUNTY)]
                amounts = [months[m][k]["amount_yuan"] if len(months.get(m, ())) > k else None for m in range(1, 13)]
                total = round(sum(a for a in amounts if a is not None), 2)
                n = s.row(cells + amounts + [total])
                for m in range(1, 13):
                    if len(months.get(m, ())) > k:
                        r = months[m][k]
                        self.sink.record(self.rel, s.title, n, labels, canon, r, "onecard_payments")
                        by_v[code][0].add(pid)
                        by_v[code][1] += 1
                        by_v[code][2] += r["amount_yuan"]
                        self.totals[year][m - 1] += r["amount_yuan"]
                        self.totals[year][12] += r["amount_yuan"]
        for code in sorted(by_v):
            people, count, amount = by_v[code]
            self.k += 1
            self.summary.row([self.k, nm.town(code), nm.v[code][0], len(people), count, round(amount, 2)])

    def close(self) -> None:
        for year, s in self.sheets.items():
            s.row(["合计"] + [None] * (len(self.fixed) - 1) + [round(x, 2) for x in self.totals[year]])
            s.row([SIGN.format(date="2025年1月10日")])
        self.book.close()


# ---------------------------------------------------------------- default layouts, filed by department and year


class Deaths(L.Deaths):
    rel = "民政局/江口县死亡人员信息（公安推送）.csv"


class Cadres(L.Cadres):
    rel = "组织部/江口县村（社区）两委成员名册.xlsx"


class Filings(L.Filings):
    rel = "民政局/2024年/江口县低保近亲属备案台账.xlsx"


class Payroll(L.Payroll):
    rel = "财政局/2024年/江口县财政供养人员名册.xlsx"


class Farmland(L.Farmland):
    rel = "农业农村局/江口县耕地地力补贴清册（2022-2024）.xlsx"


class Land(L.Land):
    rel = "农业农村局/江口县土地确权登记汇总表.xlsx"


class Contracts(L.Contracts):
    rel = "农业农村局/江口县村集体资产资源合同台账.xlsx"


class Compensation(L.Compensation):
    rel = "农业农村局/2024年/江口县青苗补偿发放表.xlsx"


class Register(L.Register):
    rel = "公安局/江口县户籍人口信息导出.csv"


class _Refiled(Sink):
    """A sink that files the default writers' own paths under this county's department folders (the
    counts and quarantine positions go to the real sink, under the new paths)."""

    MOVES = (("农业农村/", "农业农村局/"), ("统计/", "统计局/"))

    def __init__(self, sink: Sink) -> None:  # shares the real sink's state instead of its own
        self._sink = sink

    def _move(self, rel: str) -> str:
        for old, new in self.MOVES:
            if rel.startswith(old):
                return new + rel[len(old):]
        return rel

    def path(self, rel: str) -> Path:
        return self._sink.path(self._move(rel))

    def record(self, rel: str, *args) -> None:
        self._sink.record(self._move(rel), *args)


class Ledger(L.Ledger):
    def __init__(self, sink, names) -> None:
        super().__init__(_Refiled(sink), names)


class Basics(L.Basics):
    def __init__(self, sink, names) -> None:
        super().__init__(_Refiled(sink), names)


WRITERS = (Roster, Disability, OldAge, Deaths, Cadres, Filings, Payroll, Onecard, Farmland, Land, Ledger,
           Contracts, Compensation, Basics, Register)
