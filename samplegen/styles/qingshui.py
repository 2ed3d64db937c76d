"""清水县 (style `qingshui`): a county written without looking at the reading code.

- Legacy .xls workbooks from two departments (低保花名册 and 高龄补贴, written with xlwt) and a
  tab-separated .txt export from the 公安 population system (户籍, GBK).
- A 栏次 row under the header (甲 乙 1 2 3 … or 1 2 3 4 …) in most workbooks, and header cells
  numbered “1.户主姓名” or “（2）公民身份号码”.
- Data cells merged vertically: the town and village cells are merged down over all rows of that
  village in the 低保花名册, 高龄补贴, 残疾人两项补贴, 村两委 and 耕地地力补贴 workbooks.
- Two or more blocks stacked in one sheet: the 低保花名册 has one block per town (its own small title
  line 某镇人民政府, a repeated header and 栏次 row), separated by two blank rows; the 青苗补偿 sheet has
  one block per project.
- Villages written 某村村委会 or 某行政村; the first village of every town is a residents' committee
  written 某社区居委会 (某社区 where a file writes bare names) in every file; the town as 某镇人民政府 in
  a 填报单位 meta line.
- 村级综合统计年报: 农村居民人均可支配收入（万元）, the yuan amount / 10000 with 4 decimals (exact: the
  incomes are whole tens of yuan).
- Months written 2024年03月; dates as text 2024-3-5 0:00:00.
- 一卡通 (CSV, UTF-8 BOM): 发放月份 2024年03月 for monthly items, 2024年度 (生态公益林补偿) and
  2024年下半年 (退耕还林).
"""

from __future__ import annotations

import csv
from collections import defaultdict
from typing import Any

from samplegen import layouts as L
from samplegen import render as R
from samplegen.backends import CFile, LBook, XBook
from samplegen.styles import periods as P
from samplegen.styles.common import seq, title

COUNTY = "清水县"
PERIODS = {"生态公益林补偿": "year", "退耕还林": "half_cn"}
SIGN = "制表：周红梅    审核：孙立新    日期：{date}"


def _c(text):
    return text.replace(L.COUNTY_NAME, COUNTY) if isinstance(text, str) else text


def dtext(d, empty=None):
    """2024-3-5 0:00:00 (a date cell pasted as text from a system export)."""
    return empty if d is None else f"{d.year}-{d.month}-{d.day} 0:00:00"


def mtext(d) -> str:
    return f"{d.year}年{d.month:02d}月"


class Vn:
    """Village spellings of 清水县: the first village of each town is a 社区."""

    def __init__(self, nm) -> None:
        self.nm = nm
        self._first: dict[str, str] | None = None

    def community(self, code: str) -> bool:
        if self._first is None or self.nm.v[code][1] not in self._first:
            first: dict[str, str] = {}
            for c, (_base, town) in self.nm.v.items():
                first.setdefault(town, c)
            self._first = first
        return self._first[self.nm.v[code][1]] == code

    def __call__(self, code: str, form: str) -> str:
        base = self.nm.v[code][0]
        if self.community(code):
            return f"{base}社区" if form == "bare" else f"{base}社区居委会"
        return {"村委会": f"{base}村村委会", "行政村": f"{base}行政村", "bare": f"{base}村"}[form]


def numbered(labels: list[str], form: str, skip: int = 0) -> list[str]:
    """Header cells numbered 1.姓名 (form "dot") or （1）姓名 (form "paren"); the first `skip` columns
    (序号, 乡镇, 村) keep their bare labels."""
    out = []
    for i, label in enumerate(labels):
        if i < skip:
            out.append(label)
        else:
            k = i - skip + 1
            out.append(f"{k}.{label}" if form == "dot" else f"（{k}）{label}")
    return out


def lanci(width: int, letters: int) -> list:
    """栏次 row: 甲 乙 … for the first `letters` columns, then 1 2 3 …"""
    cn = "甲乙丙丁"
    return [cn[i] if i < letters else i - letters + 1 for i in range(width)]


def relabel(cols: list[tuple], form: str, skip: int) -> list[tuple]:
    labels = numbered([c[0] for c in cols], form, skip)
    return [(lab, c[1], c[2]) for lab, c in zip(labels, cols, strict=True)]


def put(sink, rel: str, s, table: str, cols: list[tuple], rows: list[dict], merge: tuple[int, ...] = ()) -> None:
    """Write rows; the columns in `merge` (outermost first, e.g. town then village) are merged vertically
    over each run of equal values, the value only in the run's first cell."""
    labels = [c[0] for c in cols]
    canon = [c[1] for c in cols]
    runs: dict[int, list] = {}  # column -> [first row, last row, key]

    def close(j: int) -> None:
        run = runs.pop(j, None)
        if run is not None and run[1] > run[0]:
            s.merge(run[0], j + 1, run[1], j + 1)
    for r in rows:
        vals = [c[2](r) for c in cols]
        keys = [tuple(vals[m] for m in merge[:d + 1]) for d in range(len(merge))]
        same = [j in runs and runs[j][2] == keys[d] for d, j in enumerate(merge)]
        for d, j in enumerate(merge):
            if same[d]:
                vals[j] = None
            else:
                close(j)
        n = s.row(vals)
        for d, j in enumerate(merge):
            if same[d]:
                runs[j][1] = n
            else:
                runs[j] = [n, n, keys[d]]
        sink.record(rel, s.title, n, labels, canon, r, table)
    for j in list(runs):
        close(j)


class TFile(CFile):
    """A tab-separated .txt export (header on line 1)."""

    def __init__(self, sink, rel: str, header: list[str], encoding: str) -> None:
        self.sink, self.rel = sink, rel
        from pathlib import Path

        self.title = Path(rel).stem
        self.fh = open(sink.path(rel), "w", encoding=encoding, newline="")
        self.w = csv.writer(self.fh, delimiter="\t", lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
        self.w.writerow(header)
        self.n = 1


def _by_village(rows: list[dict]) -> list[dict]:
    return sorted(rows, key=lambda r: r["village_code"])


def _row(width: int, *cells) -> list:
    return list(cells) + [None] * (width - len(cells))


class Roster:
    """.xls, one sheet, a block per town (small title, meta line, numbered header, 栏次 row)."""

    rel = "民政/清水县城乡低保对象花名册（2024年12月）.xls"

    def __init__(self, sink, names) -> None:
        self.sink, self.names, self.book = sink, names, LBook(sink, self.rel)
        self.vn = Vn(names)
        self.s: Any = None

    def add(self, res) -> None:
        nm, vn, town = self.names, self.vn, res.town.name
        cols = relabel([
            ("乡镇", None, lambda r: nm.town(r["village_code"])),
            ("村（社区）", None, lambda r: vn(r["village_code"], "村委会")),
            ("户主姓名", "head_name", lambda r: r["head_name"]),
            ("户主身份证号", "head_id", lambda r: R.id_cell(r, "head_id")),
            ("家庭成员姓名", "member_name", lambda r: r["member_name"]),
            ("成员身份证号", "member_id", lambda r: R.id_cell(r, "member_id")),
            ("与户主关系", None, lambda r: r["relation_to_head"]),
            ("救助类型", None, lambda r: r["programme"]),
            ("家庭人口", None, lambda r: r["household_size"]),
            ("月救助金", None, lambda r: r["monthly_amount_yuan"]),
            ("审批时间", None, lambda r: dtext(r["approval_date"])),
            ("在保状态", None, lambda r: r["status"]),
            ("停保时间", None, lambda r: dtext(r["stop_date"])),
        ], "dot", 2)
        w = len(cols)
        if self.s is None:
            self.s = self.book.sheet("花名册")
            title(self.s, f"{COUNTY}城乡最低生活保障及特困供养对象花名册", w)
        else:
            self.s.row([])
            self.s.row([])
        s = self.s
        title(s, f"{town}人民政府", w)
        s.row(_row(w, f"填报单位：{town}人民政府", None, None, None, None, None, None, None, "单位：人、元"))
        s.row([c[0] for c in cols])
        s.row(lanci(w, 2))
        rows = _by_village(res.tables["assistance_roster"])
        put(self.sink, self.rel, s, "assistance_roster", cols, rows, (0, 1))
        s.row(_row(w, "本镇合计", None, f"{len(rows)}人"))

    def close(self) -> None:
        if self.s is None:
            self.book.sheet("花名册")
        else:
            self.s.row([])
            self.s.row([SIGN.format(date="2025-1-6")])
        self.book.close()


class Disability:
    rel = "民政/残疾人两项补贴发放明细（2024年度）.xlsx"

    def __init__(self, sink, names) -> None:
        self.sink, self.names, self.book = sink, names, XBook(sink, self.rel)
        self.vn = Vn(names)

    def add(self, res) -> None:
        vn, town = self.vn, res.town.name
        s = self.book.sheet(town)
        cols = relabel([
            ("村（居）委会", None, lambda r: vn(r["village_code"], "村委会")),
            ("姓名", "person_name", lambda r: r["person_name"]),
            ("公民身份号码", "person_id", lambda r: R.id_cell(r, "person_id")),
            ("残疾证编号", None, lambda r: r["disability_cert_no"]),
            ("残疾种类", None, lambda r: r["disability_category"]),
            ("残疾级别", None, lambda r: R.grade_text(r["disability_grade"])),
            ("补贴种类", None, lambda r: r["subsidy_type"]),
            ("所属月份", None, lambda r: mtext(r["pay_month"])),
            ("发放金额（元）", None, lambda r: r["amount_yuan"]),
        ], "paren", 0)
        w = len(cols)
        title(s, f"{COUNTY}2024年度困难残疾人生活补贴和重度残疾人护理补贴发放明细", w)
        s.row(_row(w, f"填报单位：{town}人民政府", None, None, None, None, None, "金额单位：元"))
        s.row([c[0] for c in cols])
        s.row(lanci(w, 0))
        rows = sorted(res.tables["disability_payments"],
                      key=lambda r: (r["village_code"], r["person_id"], r["subsidy_type"], r["pay_month"]))
        put(self.sink, self.rel, s, "disability_payments", cols, rows, (0,))
        s.row(_row(w, "合计", None, None, None, None, None, None, None, round(sum(r["amount_yuan"] for r in rows), 2)))
        s.row([SIGN.format(date="2025-1-10")])

    def close(self) -> None:
        self.book.close()


class OldAge:
    """.xls, one sheet for the county; town and village merged down; villages 某行政村."""

    rel = "民政/八十周岁以上老年人高龄补贴发放汇总（2024）.xls"

    def __init__(self, sink, names) -> None:
        self.sink, self.names, self.book = sink, names, LBook(sink, self.rel)
        self.vn = Vn(names)
        self.s: Any = None
        self.total = 0.0

    def columns(self):
        nm, vn = self.names, self.vn
        return relabel([
            ("乡（镇）", None, lambda r: nm.town(r["village_code"])),
            ("行政村（社区）", None, lambda r: vn(r["village_code"], "行政村")),
            ("老人姓名", "person_name", lambda r: r["person_name"]),
            ("身份证号", "person_id", lambda r: R.id_cell(r, "person_id")),
            ("周岁", None, lambda r: r["age"]),
            ("月标准（元）", None, lambda r: r["standard_yuan"]),
            ("补贴月份", None, lambda r: mtext(r["pay_month"])),
            ("发放额（元）", None, lambda r: r["amount_yuan"]),
        ], "paren", 2)

    def add(self, res) -> None:
        cols = self.columns()
        w = len(cols)
        if self.s is None:
            self.s = self.book.sheet("2024年")
            title(self.s, f"{COUNTY}2024年八十周岁以上老年人高龄补贴发放汇总表", w)
            self.s.row(_row(w, "填报单位：清水县民政局", None, None, None, None, None, "单位：元"))
            self.s.row([c[0] for c in cols])
            self.s.row(lanci(w, 2))
        rows = res.tables["old_age_payments"]
        # keep each village's rows together (duplicates stay next to their original)
        order = {c: i for i, c in enumerate(dict.fromkeys(r["village_code"] for r in rows))}
        rows = sorted(rows, key=lambda r: order[r["village_code"]])
        put(self.sink, self.rel, self.s, "old_age_payments", cols, rows, (0, 1))
        self.total += sum(r["amount_yuan"] for r in rows)

    def close(self) -> None:
        if self.s is None:
            self.s = self.book.sheet("2024年")
        self.s.row(["总计", None, None, None, None, None, None, round(self.total, 2)])
        self.s.row([SIGN.format(date="2025-1-6")])
        self.book.close()


class Deaths:
    rel = "民政/公安推送死亡注销人员名单.xlsx"

    def __init__(self, sink, names) -> None:
        self.sink, self.names, self.book = sink, names, XBook(sink, self.rel)
        self.vn = Vn(names)
        self.s: Any = None
        self._n = seq()

    def columns(self):
        nm, vn = self.names, self.vn
        return [
            ("顺序号", None, self._n),
            ("（1）姓名", "person_name", lambda r: r["person_name"]),
            ("（2）公民身份号码", "person_id", lambda r: R.id_cell(r, "person_id")),
            ("（3）性别", None, lambda r: L._sex(r["person_id"])),
            ("（4）死亡日期", None, lambda r: dtext(r["death_date"])),
            ("（5）注销类别", None, lambda r: r["reason"]),
            ("（6）户籍所在乡镇", None, lambda r: nm.town(r["village_code"])),
            ("（7）户籍所在村居", None, lambda r: vn(r["village_code"], "村委会")),
        ]

    def add(self, res) -> None:
        cols = self.columns()
        if self.s is None:
            self.s = self.book.sheet("注销名单")
            title(self.s, "2022年1月以来死亡注销人员名单", len(cols))
            self.s.row([c[0] for c in cols])
        put(self.sink, self.rel, self.s, "deaths", cols, res.tables["deaths"])

    def close(self) -> None:
        if self.s is None:
            self.s = self.book.sheet("注销名单")
        self.book.close()


class Cadres:
    """A sheet per town, 某镇人民政府 in a meta line, the village merged down over its cadres."""

    rel = "组织部/清水县村（社区）两委干部花名册.xlsx"

    def __init__(self, sink, names) -> None:
        self.sink, self.names, self.book = sink, names, XBook(sink, self.rel)
        self.vn = Vn(names)

    def add(self, res) -> None:
        vn, town = self.vn, res.town.name
        s = self.book.sheet(town)
        cols = relabel([
            ("序号", None, seq()),
            ("村（社区）名称", None, lambda r: vn(r["village_code"], "村委会")),
            ("干部姓名", "person_name", lambda r: r["person_name"]),
            ("性别", None, lambda r: L._sex(r["person_id"])),
            ("身份证号码", "person_id", lambda r: R.id_cell(r, "person_id")),
            ("担任职务", None, lambda r: r["position"]),
            ("任职起始时间", None, lambda r: dtext(r["term_start_date"])),
            ("离职时间", None, lambda r: dtext(r["term_end_date"])),
        ], "dot", 2)
        w = len(cols)
        title(s, "村（社区）“两委”干部花名册", w)
        s.row(_row(w, f"填报单位：{town}人民政府", None, None, None, None, "截至2024年12月31日"))
        s.row([c[0] for c in cols])
        s.row(lanci(w, 2))
        put(self.sink, self.rel, s, "cadre_roster", cols, _by_village(res.tables["cadre_roster"]), (1,))

    def close(self) -> None:
        self.book.close()


class _One:
    """One sheet for the county, title, meta line, a numbered header and a 栏次 row."""

    rel = ""
    table = ""
    sheet = "Sheet1"
    head = ""
    meta = ""
    form = "dot"
    skip = 1
    letters = 1

    def __init__(self, sink, names) -> None:
        self.sink, self.names, self.book = sink, names, XBook(sink, self.rel)
        self.vn = Vn(names)
        self.s: Any = None
        self._n = seq()

    def columns(self) -> list[tuple]:
        raise NotImplementedError

    def order(self, rows):
        return rows

    def add(self, res) -> None:
        cols = relabel(self.columns(), self.form, self.skip)
        if self.s is None:
            self.s = self.book.sheet(self.sheet)
            title(self.s, self.head, len(cols))
            if self.meta:
                self.s.row([self.meta])
            self.s.row([c[0] for c in cols])
            self.s.row(lanci(len(cols), self.letters))
        put(self.sink, self.rel, self.s, self.table, cols, self.order(res.tables[self.table]))

    def close(self) -> None:
        if self.s is None:
            self.s = self.book.sheet(self.sheet)
        self.s.row([])
        self.s.row([SIGN.format(date="2025-1-8")])
        self.book.close()


class Filings(_One):
    rel = "民政/村干部和经办人员近亲属享受低保备案登记表.xlsx"
    table = "relative_filings"
    sheet = "备案登记"
    head = "清水县村干部和低保经办人员近亲属享受低保备案登记表"
    meta = "填报单位：清水县民政局"
    skip, letters = 3, 3

    def columns(self):
        nm, vn = self.names, self.vn
        return [
            ("序号", None, self._n),
            ("乡镇", None, lambda r: nm.town(r["village_code"])),
            ("村（居）", None, lambda r: vn(r["village_code"], "村委会")),
            ("备案对象姓名", "applicant_name", lambda r: r["applicant_name"]),
            ("备案对象身份证号", "applicant_id", lambda r: R.id_cell(r, "applicant_id")),
            ("近亲属（干部）姓名", None, lambda r: r["related_name"]),
            ("近亲属现任职务", None, lambda r: r["related_position"]),
            ("与备案对象关系", None, lambda r: r["relation"]),
            ("登记备案时间", None, lambda r: dtext(r["filing_date"])),
        ]


class Payroll(_One):
    rel = "财政/清水县财政供养人员工资统发名册.xlsx"
    table = "payroll"
    sheet = "统发人员"
    head = "清水县财政供养人员工资统发名册（2024年12月）"
    meta = "填报单位：清水县财政局国库支付中心"
    form = "paren"

    def columns(self):
        return [
            ("序号", None, self._n),
            ("姓名", "person_name", lambda r: r["person_name"]),
            ("身份证号", "person_id", lambda r: R.id_cell(r, "person_id")),
            ("所在单位", None, lambda r: _c(r["employer"])),
            ("编制类型", None, lambda r: r["staff_category"]),
            ("参工时间", None, lambda r: dtext(r["start_date"])),
            ("停发时间", None, lambda r: dtext(r["end_date"])),
        ]


class Onecard:
    rel = "财政/一卡通系统发放数据导出2024.csv"
    header = ["乡镇名称", "村（社区）名称", "项目名称", "发放月份", "领取人姓名", "领取人身份证号", "户主姓名",
              "银行账号", "账户名", "代发银行", "发放金额", "入账时间"]

    def __init__(self, sink, names) -> None:
        self.sink, self.names = sink, names
        self.vn = Vn(names)
        self.f = CFile(sink, self.rel, self.header, "utf-8-sig")

    def add(self, res) -> None:
        nm, vn = self.names, self.vn
        cols = [
            ("乡镇名称", None, lambda r: nm.town(r["village_code"])),
            ("村（社区）名称", None, lambda r: vn(r["village_code"], "bare")),
            ("项目名称", None, lambda r: r["item"]),
            ("发放月份", None, lambda r: P.text(PERIODS[r["item"]], r["pay_month"]) if r["item"] in PERIODS
             else mtext(r["pay_month"])),
            ("领取人姓名", "person_name", lambda r: r["person_name"]),
            ("领取人身份证号", "person_id", lambda r: R.id_cell(r, "person_id")),
            ("户主姓名", None, lambda r: r["head_name"]),
            ("银行账号", None, lambda r: r["account_no"]),
            ("账户名", None, lambda r: r["account_holder"]),
            ("代发银行", None, lambda r: _c(r["bank"] or "")),
            ("发放金额", None, lambda r: R.amount_text(r["amount_yuan"], "plain")),
            ("入账时间", None, lambda r: dtext(r["pay_date"], "")),
        ]
        rows = sorted(res.tables["onecard_payments"], key=lambda r: (r["village_code"], r["item"], r["pay_month"]))
        put(self.sink, self.rel, self.f, "onecard_payments", cols, rows)

    def close(self) -> None:
        self.f.close()


class Farmland:
    """A sheet per year; town and village merged down; 栏次 row."""

    rel = "农业农村/耕地地力保护补贴资金兑付清册（2022-2024年）.xlsx"
    years = (2022, 2023, 2024)

    def __init__(self, sink, names) -> None:
        self.sink, self.names, self.book = sink, names, XBook(sink, self.rel)
        self.vn = Vn(names)
        self.sheets: dict[int, Any] = {}

    def add(self, res) -> None:
        nm, vn = self.names, self.vn
        cols = relabel([
            ("乡镇", None, lambda r: nm.town(r["village_code"])),
            ("行政村", None, lambda r: vn(r["village_code"], "行政村")),
            ("村民小组", None, lambda r: R.group_text(r["group_name"], "numlong")),
            ("农户姓名", "head_name", lambda r: r["head_name"]),
            ("农户身份证号", "person_id", lambda r: R.id_cell(r, "person_id")),
            ("二轮承包面积（亩）", None, lambda r: r["contract_area_mu"]),
            ("计补面积（亩）", None, lambda r: r["subsidy_area_mu"]),
            ("每亩补贴（元）", None, lambda r: r["rate_yuan_per_mu"]),
            ("应发金额（元）", None, lambda r: r["amount_yuan"]),
            ("惠农卡号", None, lambda r: r["account_no"]),
        ], "paren", 2)
        for y in self.years:
            if y not in self.sheets:
                s = self.book.sheet(f"{y}年度")
                self.sheets[y] = s
                title(s, f"{COUNTY}{y}年度耕地地力保护补贴资金兑付清册", len(cols))
                s.row(_row(len(cols), "填报单位：清水县农业农村局", None, None, None, None, None, None, None,
                           f"补贴年度：{y}年"))
                s.row([c[0] for c in cols])
                s.row(lanci(len(cols), 2))
            rows = _by_village([r for r in res.tables["farmland_subsidy"] if r["year"] == y])
            put(self.sink, self.rel, self.sheets[y], "farmland_subsidy", cols, rows, (0, 1))

    def close(self) -> None:
        for s in self.sheets.values():
            s.row([SIGN.format(date="2024-6-20")])
        self.book.close()


class Land(_One):
    rel = "农业农村/农村土地承包经营权确权登记颁证台账.xlsx"
    table = "land_contracts"
    sheet = "确权台账"
    head = "清水县农村土地承包经营权确权登记颁证台账"
    meta = "填报单位：清水县农村经营管理站"
    skip, letters = 2, 2

    def columns(self):
        nm, vn = self.names, self.vn
        return [
            ("乡镇", None, lambda r: nm.town(r["village_code"])),
            ("行政村", None, lambda r: vn(r["village_code"], "行政村")),
            ("村民小组", None, lambda r: R.group_text(r["group_name"], "cn")),
            ("承包户主", "contractor_name", lambda r: r["contractor_name"]),
            ("户主身份证号", "person_id", lambda r: R.id_cell(r, "person_id")),
            ("地块数（块）", None, lambda r: r["plot_count"]),
            ("合同面积（亩）", None, lambda r: r["contract_area_mu"]),
        ]


class Ledger:
    """A workbook per town, one sheet, 核算单位 某村村委会 merged down over its vouchers."""

    def __init__(self, sink, names) -> None:
        self.sink, self.names = sink, names
        self.vn = Vn(names)

    def add(self, res) -> None:
        vn, town = self.vn, res.town.name
        rel = f"农业农村/村级会计委托代理/{town}村级会计凭证汇总2022-2024.xlsx"
        book = XBook(self.sink, rel)
        cols = relabel([
            ("核算单位", None, lambda r: vn(r["village_code"], "村委会")),
            ("记账日期", None, lambda r: dtext(r["voucher_date"])),
            ("凭证编号", None, lambda r: r["voucher_no"]),
            ("摘要", None, lambda r: _c(r["summary"])),
            ("科目编号", None, lambda r: r["subject_code"]),
            ("会计科目", None, lambda r: r["subject_name"]),
            ("借方", None, lambda r: r["debit_yuan"]),
            ("贷方", None, lambda r: r["credit_yuan"]),
            ("收付方式", None, lambda r: r["settlement_method"]),
            ("收款单位（人）", None, lambda r: _c(r["payee"]) if r["payee"] else None),
            ("附单据数", None, lambda r: r["attachment_count"]),
            ("单据类型", None, lambda r: r["receipt_type"]),
        ], "dot", 1)
        s = book.sheet("凭证汇总")
        title(s, f"{town}村级会计委托代理服务中心凭证汇总表", len(cols))
        s.row(_row(len(cols), f"填报单位：{town}人民政府", None, None, None, None, None, "金额单位：元"))
        s.row([c[0] for c in cols])
        s.row(lanci(len(cols), 1))
        rows = sorted(res.tables["village_ledger"], key=lambda r: (r["village_code"], r["voucher_date"], r["voucher_no"]))
        put(self.sink, rel, s, "village_ledger", cols, rows, (0,))
        book.close()

    def close(self) -> None:
        pass


class Contracts(_One):
    rel = "农业农村/村集体资产资源发包租赁合同台账.xlsx"
    table = "collective_contracts"
    sheet = "合同台账"
    head = "清水县村集体资产资源发包租赁合同台账"
    meta = "填报单位：清水县农业农村局    金额单位：元"
    form = "paren"
    skip, letters = 2, 2

    def columns(self):
        nm, vn = self.names, self.vn
        return [
            ("乡镇", None, lambda r: nm.town(r["village_code"])),
            ("发包单位", None, lambda r: vn(r["village_code"], "村委会")),
            ("合同号", None, lambda r: r["contract_no"]),
            ("发包标的", None, lambda r: r["asset_name"]),
            ("资产类型", None, lambda r: r["asset_kind"]),
            ("承租方", None, lambda r: r["lessee_name"]),
            ("承租方身份证号", "lessee_id", lambda r: R.id_cell(r, "lessee_id")),
            ("发包面积（亩）", None, lambda r: r["area_mu"]),
            ("年承包费", None, lambda r: r["annual_rent_yuan"]),
            ("合同开始时间", None, lambda r: dtext(r["start_date"])),
            ("合同到期时间", None, lambda r: dtext(r["end_date"])),
            ("已收款", None, lambda r: r["received_yuan"]),
            ("应收未收", None, lambda r: r["arrears_yuan"]),
        ]


class Compensation:
    """One sheet, a block per project (title line, header, 栏次 row), blocks separated by blank rows."""

    rel = "农业农村/征地青苗补偿费发放花名册（2024年）.xlsx"

    def __init__(self, sink, names) -> None:
        self.sink, self.names, self.book = sink, names, XBook(sink, self.rel)
        self.vn = Vn(names)
        self.s: Any = None

    def add(self, res) -> None:
        nm, vn = self.names, self.vn
        by_p = defaultdict(list)
        for r in res.tables["compensation_roster"]:
            by_p[r["project_name"]].append(r)
        cols = relabel([
            ("乡镇", None, lambda r: nm.town(r["village_code"])),
            ("村（社区）", None, lambda r: vn(r["village_code"], "村委会")),
            ("组别", None, lambda r: R.group_text(r["group_name"], "num")),
            ("被补偿人", "person_name", lambda r: r["person_name"]),
            ("身份证号", "person_id", lambda r: R.id_cell(r, "person_id")),
            ("占地面积（亩）", None, lambda r: r["area_mu"]),
            ("补偿款（元）", None, lambda r: r["amount_yuan"]),
            ("发放时间", None, lambda r: dtext(r["pay_date"])),
            ("收款账号", None, lambda r: r["account_no"]),
        ], "dot", 2)
        w = len(cols)
        for project, rows in by_p.items():
            if self.s is None:
                self.s = self.book.sheet("补偿花名册")
                title(self.s, f"{COUNTY}2024年征地青苗补偿费发放花名册", w)
            else:
                self.s.row([])
                self.s.row([])
            s = self.s
            s.row([f"项目名称：{_c(project)}    实施单位：{res.town.name}人民政府"])
            s.row([c[0] for c in cols])
            s.row(lanci(w, 2))
            put(self.sink, self.rel, s, "compensation_roster", cols, _by_village(rows), (0, 1))
            s.row(_row(w, "小计", None, None, None, None, round(sum(r["area_mu"] for r in rows), 2),
                       round(sum(r["amount_yuan"] for r in rows), 2)))

    def close(self) -> None:
        if self.s is None:
            self.s = self.book.sheet("补偿花名册")
        self.book.close()


def wan(yuan: float) -> float:
    """A yuan amount in 万元 with 4 decimals; only used where that is exact."""
    w = round(yuan / 10000, 4)
    if round(w * 10000, 2) != round(yuan, 2):
        raise ValueError(f"{yuan} yuan is not exact in 万元 with 4 decimals")
    return w


class Basics:
    rel = "统计/清水县村级综合统计年报（2023-2024）.xlsx"
    years = (2023, 2024)

    def __init__(self, sink, names) -> None:
        self.sink, self.names, self.book = sink, names, XBook(sink, self.rel)
        self.vn = Vn(names)
        self.sheets: dict[int, Any] = {}

    def add(self, res) -> None:
        nm, vn = self.names, self.vn
        cols = [
            ("区划代码", None, lambda r: r["village_code"]),
            ("乡镇", None, lambda r: nm.town(r["village_code"])),
            ("村（居）委会", None, lambda r: vn(r["village_code"], "村委会")),
            ("1.户数（户）", None, lambda r: r["households"]),
            ("2.户籍人口（人）", None, lambda r: r["registered_population"]),
            ("3.常住人口（人）", None, lambda r: r["resident_population"]),
            ("4.耕地面积（亩）", None, lambda r: r["farmland_mu"]),
            ("5.农村居民人均可支配收入（万元）", None, lambda r: wan(r["income_per_capita_yuan"])),
        ]
        for y in self.years:
            if y not in self.sheets:
                s = self.book.sheet(f"{y}年")
                self.sheets[y] = s
                title(s, f"{COUNTY}{y}年村级综合统计年报", len(cols))
                s.row(_row(len(cols), "填报单位：清水县统计局", None, None, None, None, None, f"报告期：{y}年"))
                s.row([c[0] for c in cols])
                s.row(lanci(len(cols), 3))
            rows = [r for r in res.tables["village_basics"] if r["year"] == y]
            put(self.sink, self.rel, self.sheets[y], "village_basics", cols, rows)

    def close(self) -> None:
        for s in self.sheets.values():
            s.row([])
            s.row(["说明：户数、户籍人口为公安年末数；收入单位为万元。"])
        self.book.close()


class Register:
    rel = "公安/人口信息管理系统导出_户籍人口.txt"
    header = ["户号", "姓名", "身份证号", "性别", "出生日期", "与户主关系", "乡镇街道", "村居委会", "村民组", "人口状态",
              "注销时间"]

    def __init__(self, sink, names) -> None:
        self.sink, self.names = sink, names
        self.vn = Vn(names)
        self.f = TFile(sink, self.rel, self.header, "gbk")

    def add(self, res) -> None:
        nm, vn = self.names, self.vn
        cols = [
            ("户号", None, lambda r: r["household_no"]),
            ("姓名", "person_name", lambda r: r["person_name"]),
            ("身份证号", "person_id", lambda r: R.id_cell(r, "person_id")),
            ("性别", None, lambda r: r["sex"]),
            ("出生日期", None, lambda r: dtext(r["birth_date"], "")),
            ("与户主关系", None, lambda r: r["relation_to_head"]),
            ("乡镇街道", None, lambda r: nm.town(r["village_code"])),
            ("村居委会", None, lambda r: vn(r["village_code"], "村委会")),
            ("村民组", None, lambda r: R.group_text(r["group_name"], "cn")),
            ("人口状态", None, lambda r: r["register_status"]),
            ("注销时间", None, lambda r: dtext(r["cancel_date"], "")),
        ]
        put(self.sink, self.rel, self.f, "household_register", cols, res.tables["household_register"])

    def close(self) -> None:
        self.f.close()


WRITERS = (Roster, Disability, OldAge, Deaths, Cadres, Filings, Payroll, Onecard, Farmland, Land, Ledger,
           Contracts, Compensation, Basics, Register)
