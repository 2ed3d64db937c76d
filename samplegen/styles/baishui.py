"""白水县 (style `baishui`): a county written without looking at the reading code.

- 低保特困 roster as the 低收入人口 platform exports it: ONE ROW PER HOUSEHOLD, the members in one cell
  (家庭成员: 张三、李四、王五, in the same order the relations 本人、配偶、长子 and the IDs, one ID per line
  of the cell 家庭成员证件号码). The status is only in the sheet name: sheet 在保家庭 lists the members
  still covered, sheet 已退出家庭 the members who left with their 退出日期 (a household whose members left
  on different days has one row per day). A member listed twice in a household is written twice.
- Dates and months with two-digit years, the century plain from context (all between 2000 and 2099):
  审批日期 16.04.01 and 退出日期 24.03.26 in the roster, 发放年月 24年3月 and 到账日期 24.03.15 in the
  一卡通 export, 死亡日期 22.03.05 in the deaths list.
- System exports with a row of field codes above the Chinese header (the Chinese row is the header):
  一卡通 (XH, BZXM, FFNY, XZ, CUN, XM, GMSFHM …), 户籍 (HH, XM, GMSFHM, XB, CSRQ …) and the deaths list
  (XH, XM, GMSFHM, XB, SWRQ …), all CSV.
- 村级统计 TRANSPOSED: a workbook per year, a sheet per town; indicators as rows (统计用区划代码, 户籍户数,
  户籍人口, 常住人口, 耕地面积, 农村居民人均可支配收入) with a 计量单位 column, one COLUMN per village
  (village names as column headers) and a 全镇合计 column at the right (no code, sums or —).
- 村级会计凭证: a workbook per town, all years in one sheet; vouchers numbered by word 收/付/转 (receipts,
  payments, transfers), each word numbered from 1 every month (付-5 and 收-5 in the same month are two
  vouchers), double entry with 借方金额 / 贷方金额 and 科目 库存现金 / 银行存款 on the money line.
- 村“两委”干部花名册 with the close family in one cell (主要家庭成员: 配偶：王芳；长子：李明；父亲：李国强),
  as 组织部 cadre forms write it, and no relatives table beside it (kinship still comes from the 户籍
  register; the cell lists the cadre's spouse, children and parents living in the cadre's household).
Other extracts keep the default layouts (county name 白水县).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from samplegen import layouts as L
from samplegen import render as R
from samplegen.backends import CFile, XBook, write_rows
from samplegen.styles.common import title

COUNTY = "白水县"
PERIODS: dict[str, str] = {}
SIGN = "制表人：何雪梅    审核人：屈建平    制表日期：{date}"


def yy_date(d: dt.date | None) -> str | None:
    """2024-03-05 -> "24.03.05" (every date these files carry is in 2000-2099)."""
    if d is None:
        return None
    assert 2000 <= d.year <= 2099, d
    return f"{d.year % 100:02d}.{d.month:02d}.{d.day:02d}"


def yy_month(d: dt.date) -> str:
    """2024-03 -> "24年3月"."""
    assert 2000 <= d.year <= 2099, d
    return f"{d.year % 100:02d}年{d.month}月"


def _row(width: int, *cells) -> list:
    return list(cells) + [None] * (width - len(cells))


# ---------------------------------------------------------------- roster: a household per row


class Roster:
    """Two sheets named by status; a row per household (and stop date), members in one cell."""

    rel = "民政/白水县低收入人口信息平台导出_低保特困家庭.xlsx"
    SHEETS = {"在保": "在保家庭", "停保": "已退出家庭"}

    def __init__(self, sink, names) -> None:
        self.sink, self.names, self.book = sink, names, XBook(sink, self.rel)
        self.sheets: dict[str, Any] = {}
        self.seq: dict[str, int] = {}

    def _labels(self, stopped: bool) -> list[tuple[str, str | None]]:
        out = [("序号", None), ("乡镇（街道）", None), ("村（社区）", None), ("户主姓名", "head_name"),
               ("户主身份证号", "head_id"), ("救助对象类别", None), ("保障人口数", None), ("月救助金额（元）", None),
               ("审批日期", None), ("家庭成员", "member_name"), ("家庭成员证件号码", "member_id"),
               ("与户主关系", None)]
        return out + [("退出日期", None)] if stopped else out

    def sheet(self, status: str):
        name = self.SHEETS[status]
        if name not in self.sheets:
            s = self.book.sheet(name)
            labels = self._labels(status != "在保")
            what = "在保" if status == "在保" else "已退出"
            title(s, f"{COUNTY}最低生活保障和特困人员救助供养{what}家庭名册", len(labels))
            s.row(_row(len(labels), f"导出单位：{COUNTY}民政局    数据截至：2024年12月31日"))
            s.row([lab for lab, _ in labels])
            self.sheets[name] = s
            self.seq[name] = 0
        return self.sheets[name]

    def add(self, res) -> None:
        nm = self.names
        # household (case) -> (status, stop date) -> its member rows, in roster order
        groups: dict[tuple, list[dict]] = {}
        order: dict[int, int] = {}
        for r in res.tables["assistance_roster"]:
            case = id(r.get("_case"))
            order.setdefault(case, len(order))
            groups.setdefault((r["village_code"], order[case], r["status"], r["stop_date"] or dt.date.min),
                              []).append(r)
        for key in sorted(groups, key=lambda k: (k[2] != "在保", k[0], k[1], k[3])):
            rows = groups[key]
            first = rows[0]
            s = self.sheet(first["status"])
            stopped = first["status"] != "在保"
            labels = self._labels(stopped)
            self.seq[s.title] += 1
            cells = [self.seq[s.title], nm.town(first["village_code"]), nm.village(first["village_code"], "村"),
                     first["head_name"], R.id_cell(first, "head_id"), first["programme"], first["household_size"],
                     first["monthly_amount_yuan"], yy_date(first["approval_date"]),
                     "、".join(r["member_name"] for r in rows),
                     "\n".join(str(R.id_cell(r, "member_id")) for r in rows),
                     "、".join(r["relation_to_head"] for r in rows)]
            if stopped:
                cells.append(yy_date(first["stop_date"]))
            n = s.row(cells)
            for r in rows:
                self.sink.record(self.rel, s.title, n, [lab for lab, _ in labels], [c for _, c in labels], r,
                                 "assistance_roster")

    def close(self) -> None:
        for s in self.sheets.values():
            s.row([SIGN.format(date="2025年1月3日")])
        self.book.close()


# ---------------------------------------------------------------- system exports with a field-code row


class _CodedCsv:
    """A CSV export whose first line holds the system's field codes; the Chinese header is line 2."""

    rel = ""
    codes: list[str] = []
    encoding = "gbk"

    def __init__(self, sink, names) -> None:
        self.sink, self.names = sink, names
        self.f = CFile(sink, self.rel, self.codes, self.encoding)
        self.f.row([c[0] for c in self.columns()])

    def columns(self) -> list[tuple]:
        raise NotImplementedError

    def close(self) -> None:
        self.f.close()


class Onecard(_CodedCsv):
    rel = "财政/惠民惠农一卡通系统_发放明细导出（2024年）.csv"
    codes = ["XH", "BZXM", "FFNY", "XZ", "CUN", "XM", "GMSFHM", "HZXM", "SBKH", "CKRXM", "KHYH", "FFJE", "DZRQ"]

    def columns(self) -> list[tuple]:
        nm = self.names
        return [
            ("序号", None, lambda r: self.f.n - 1),
            ("补助项目", None, lambda r: r["item"]),
            ("发放年月", None, lambda r: yy_month(r["pay_month"])),
            ("乡镇（街道）", None, lambda r: nm.town(r["village_code"])),
            ("村（社区）", None, lambda r: nm.village(r["village_code"], "村")),
            ("姓名", "person_name", lambda r: r["person_name"]),
            ("公民身份号码", "person_id", lambda r: R.id_cell(r, "person_id")),
            ("户主姓名", None, lambda r: r["head_name"]),
            ("社会保障卡号", None, lambda r: r["account_no"]),
            ("持卡人姓名", None, lambda r: r["account_holder"]),
            ("开户银行", None, lambda r: (r["bank"] or "").replace(L.COUNTY_NAME, COUNTY)),
            ("发放金额", None, lambda r: r["amount_yuan"]),
            ("到账日期", None, lambda r: yy_date(r["pay_date"])),
        ]

    def add(self, res) -> None:
        rows = sorted(res.tables["onecard_payments"],
                      key=lambda r: (r["village_code"], r["item"], r["pay_month"], r["person_id"]))
        write_rows(self.sink, self.rel, self.f, "onecard_payments", self.columns(), rows)


class Register(_CodedCsv):
    rel = "公安/人口管理信息系统_户籍人口导出.csv"
    codes = ["HH", "XM", "GMSFHM", "XB", "CSRQ", "YHZGX", "SSXZ", "SSC", "SSZ", "HJZT", "ZXRQ"]
    encoding = "utf-8-sig"

    def columns(self) -> list[tuple]:
        nm = self.names
        return [
            ("户号", None, lambda r: r["household_no"]),
            ("姓名", "person_name", lambda r: r["person_name"]),
            ("公民身份号码", "person_id", lambda r: R.id_cell(r, "person_id")),
            ("性别", None, lambda r: r["sex"]),
            ("出生日期", None, lambda r: R.date_text(r["birth_date"], "compact")),
            ("与户主关系", None, lambda r: r["relation_to_head"]),
            ("所属乡镇", None, lambda r: nm.town(r["village_code"])),
            ("所属村", None, lambda r: nm.village(r["village_code"], "村")),
            ("所属组", None, lambda r: R.group_text(r["group_name"], "num")),
            ("户籍状态", None, lambda r: r["register_status"]),
            ("注销日期", None, lambda r: R.date_text(r["cancel_date"], "compact")),
        ]

    def add(self, res) -> None:
        write_rows(self.sink, self.rel, self.f, "household_register", self.columns(),
                   res.tables["household_register"])


class Deaths(_CodedCsv):
    rel = "民政/公安推送_死亡注销人员名单.csv"
    codes = ["XH", "XM", "GMSFHM", "XB", "SWRQ", "ZXYY", "SSXZ", "SSC"]

    def columns(self) -> list[tuple]:
        nm = self.names
        return [
            ("序号", None, lambda r: self.f.n - 1),
            ("姓名", "person_name", lambda r: r["person_name"]),
            ("公民身份号码", "person_id", lambda r: R.id_cell(r, "person_id")),
            ("性别", None, lambda r: L._sex(r["person_id"])),
            ("死亡日期", None, lambda r: yy_date(r["death_date"])),
            ("注销原因", None, lambda r: r["reason"]),
            ("所属乡镇", None, lambda r: nm.town(r["village_code"])),
            ("所属村", None, lambda r: nm.village(r["village_code"], "村委会")),
        ]

    def add(self, res) -> None:
        write_rows(self.sink, self.rel, self.f, "deaths", self.columns(), res.tables["deaths"])


# ---------------------------------------------------------------- statistics, transposed


INDICATORS = (  # (indicator, unit, canonical column, summed in the town column)
    ("统计用区划代码", "—", "village_code", False),
    ("户籍户数", "户", "households", True),
    ("户籍人口", "人", "registered_population", True),
    ("常住人口", "人", "resident_population", True),
    ("耕地面积", "亩", "farmland_mu", True),
    ("农村居民人均可支配收入", "元", "income_per_capita_yuan", False),
)


class Basics:
    """A workbook per year, a sheet per town: an indicator per row, a village per column."""

    def __init__(self, sink, names) -> None:
        self.sink, self.names = sink, names
        self.books = {y: XBook(sink, f"统计/{COUNTY}{y}年村级基本情况统计年报.xlsx") for y in (2023, 2024)}

    def add(self, res) -> None:
        nm = self.names
        for y, book in self.books.items():
            rows = sorted((r for r in res.tables["village_basics"] if r["year"] == y), key=lambda r: r["village_code"])
            s = book.sheet(res.town.name)
            width = 2 + len(rows) + 1
            title(s, f"{COUNTY}{y}年村级基本情况统计表（{res.town.name}）", width)
            s.row(_row(width, f"填报单位：{res.town.name}统计站", *[None] * (width - 2), "单位：见计量单位栏"))
            header = ["指标名称", "计量单位"] + [nm.village(r["village_code"], "村") for r in rows] + ["全镇合计"]
            s.row(header)
            for label, unit, col, summed in INDICATORS:
                values = [r[col] for r in rows]
                total = (round(sum(values), 1) if col == "farmland_mu" else sum(values)) if summed else "—"
                s.row([label, unit] + values + [total])
            for r in rows:  # counts the village's record (no quarantine in statistics)
                self.sink.record(book.rel, s.title, 0, header, [None] * len(header), r, "village_basics")
            s.row(_row(width, "注：户籍户数、户籍人口为公安部门年末数；耕地面积为年末实有耕地面积。"))

    def close(self) -> None:
        for book in self.books.values():
            book.close()


# ---------------------------------------------------------------- ledger: vouchers by word


class Ledger:
    """A workbook per town, all years in one sheet; voucher numbers 付-5 (word and number within the month)."""

    def __init__(self, sink, names) -> None:
        self.sink, self.names = sink, names

    def add(self, res) -> None:
        nm = self.names
        rel = f"农业农村/村级财务/{COUNTY}{res.town.name}村级会计凭证明细（2022-2024年）.xlsx"
        book = XBook(self.sink, rel)
        s = book.sheet("凭证明细")

        def voucher(r):
            word, _period, number = r["voucher_no"].split("-")
            return f"{word}-{int(number)}"
        cols = [
            ("核算单位", None, lambda r: nm.village(r["village_code"], "合作社")),
            ("凭证日期", None, lambda r: r["voucher_date"]),
            ("凭证字号", None, voucher),
            ("摘要", None, lambda r: r["summary"]),
            ("科目编码", None, lambda r: r["subject_code"]),
            ("科目名称", None, lambda r: r["subject_name"]),
            ("借方金额", None, lambda r: r["debit_yuan"]),
            ("贷方金额", None, lambda r: r["credit_yuan"]),
            ("结算方式", None, lambda r: r["settlement_method"]),
            ("往来单位", None, lambda r: r["payee"] and r["payee"].replace(L.COUNTY_NAME, COUNTY)),
            ("附件张数", None, lambda r: r["attachment_count"]),
            ("票据类型", None, lambda r: r["receipt_type"]),
        ]
        title(s, f"{COUNTY}{res.town.name}农村集体经济组织会计凭证明细表（2022年1月—2024年12月）", len(cols))
        s.row(_row(len(cols), "凭证字：收—收款凭证  付—付款凭证  转—转账凭证；每月按凭证字分别编号"))
        s.row([c[0] for c in cols])
        rows = res.tables["village_ledger"]
        write_rows(self.sink, rel, s, "village_ledger", cols, rows)
        s.row(_row(len(cols), "合计", None, None, None, None, None,
                   round(sum(r["debit_yuan"] or 0 for r in rows), 2), round(sum(r["credit_yuan"] or 0 for r in rows), 2)))
        s.row(["主办会计：屈丽    审核：镇农村经营管理站"])
        book.close()

    def close(self) -> None:
        pass


# ---------------------------------------------------------------- cadres, with their family in one cell


def family_cell(p) -> str:
    """配偶：王芳；长子：李明；父亲：李国强 — the cadre's spouse, children and parents who live in the
    cadre's household (as the register records it), in the words a cadre form uses."""
    parts = []
    for m in p.hh.members:
        if m is p or m.status != "正常" or m.death is not None:
            continue
        rel = None
        if p.role == "self":
            rel = {"spouse": "配偶", "child": m.rel if m.rel in ("长子", "次子", "长女", "次女") else
                   ("儿子" if m.male else "女儿"), "parent": "父亲" if m.male else "母亲"}.get(m.role)
        elif p.role == "spouse":
            rel = {"self": "配偶", "child": "儿子" if m.male else "女儿"}.get(m.role)
        elif p.role == "child":
            rel = {"self": "父亲" if m.male else "母亲", "spouse": "父亲" if m.male else "母亲"}.get(m.role)
        if rel:
            parts.append(f"{rel}：{m.name}")
    return "；".join(parts) if parts else "无"


class Cadres:
    rel = "组织部/白水县村（社区）“两委”干部花名册.xlsx"

    def __init__(self, sink, names) -> None:
        self.sink, self.names, self.book = sink, names, XBook(sink, self.rel)
        self.s = self.book.sheet("两委干部")
        self.n = 0
        self.cols = [
            ("序号", None, lambda r: self.n),
            ("乡镇", None, lambda r: self.names.town(r["village_code"])),
            ("村（社区）", None, lambda r: self.names.village(r["village_code"], "村")),
            ("姓名", "person_name", lambda r: r["person_name"]),
            ("性别", None, lambda r: L._sex(r["person_id"])),
            ("身份证号码", "person_id", lambda r: R.id_cell(r, "person_id")),
            ("现任职务", None, lambda r: r["position"]),
            ("任现职时间", None, lambda r: R.date_text(r["term_start_date"], "cn")),
            ("主要家庭成员", None, lambda r: family_cell(r["_p"])),
        ]
        title(self.s, f"{COUNTY}村（社区）“两委”干部花名册", len(self.cols))
        self.s.row([c[0] for c in self.cols])

    def add(self, res) -> None:
        for r in res.tables["cadre_roster"]:
            self.n += 1
            write_rows(self.sink, self.rel, self.s, "cadre_roster", self.cols, [r])

    def close(self) -> None:
        self.s.row([])
        self.s.row(["说明：主要家庭成员填写与本人共同生活的配偶、子女和父母。"])
        self.book.close()


# ---------------------------------------------------------------- default layouts


WRITERS = (Roster, L.Disability, L.OldAge, Deaths, Cadres, L.Filings, L.Payroll, Onecard, L.Farmland, L.Land,
           Ledger, L.Contracts, L.Compensation, Basics, Register)
