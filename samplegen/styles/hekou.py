"""河口县 (style `hekou`): a county written without looking at the reading code.

- 低保花名册: households written as a head row followed by CONTINUATION rows: on the member rows after
  the household's first row the household cells (户主姓名, 户主身份证号, 保障类别, 保障人数, 月保障金（元）,
  审批日期) are left BLANK — not merged, just empty, as a clerk types it; a household cell is blank only
  when it repeats the first row's value. 审批日期 and 停保日期 written 2024年3月5日 (text).
- 残疾人两项补贴: one workbook per year (the year ONLY in the file name 河口县2024年残疾人两项补贴发放表.xlsx),
  one sheet per MONTH named 1月, 2月 … (the month only in the sheet name), no month column and no date in
  the title.
- 一卡通: a CSV exported in GB18030 with SEMICOLONS as delimiter; the header mixes Chinese with pinyin
  field codes of the 一卡通 system (XM 姓名, SFZH 身份证号, HZXM 户主姓名, KH 卡号, KHM 开户名, FFJE 发放金额);
  months written 2024-3 (no zero), pay dates as text 2024-3-5.
- 村级财务: a workbook per town (all villages and years in one sheet) with ONE amount column 金额 and a
  借贷方向 column (借/贷) instead of 借方/贷方 columns; dates 2024年3月5日 (text); units written
  河口县某镇某村村民委员会 under 核算单位.
- 集体资产资源合同: 年租金, 已收金额 and 欠缴金额 in 万元 (ten thousands of yuan, six decimals so exact),
  the unit only in the header (年租金（万元）).
- 村两委: extra 性别, 民族, 出生年月 (1975.03) and 政治面貌 columns; 任职/离任 dates 2021年1月5日.
- The remaining extracts keep the default layouts under file names of their own (county name 河口县).
"""

from __future__ import annotations

import csv
from collections import defaultdict
from typing import Any

from samplegen import layouts as L
from samplegen import render as R
from samplegen.backends import XBook, XSheet, write_rows
from samplegen.styles.common import seq, title

COUNTY = "河口县"
PERIODS: dict[str, str] = {}


def _cn_date(d, empty=None):
    return R.date_text(d, "cn", empty) if d is not None else empty


def _dash_date(d) -> str:
    return f"{d.year}-{d.month}-{d.day}" if d is not None else ""


# ---------------------------------------------------------------- 低保: continuation rows with blank household cells


class Roster:
    rel = "民政/河口县2024年城乡低保特困人员花名册.xlsx"
    HOUSEHOLD = ("head_name", "head_id", "programme", "household_size", "monthly_amount_yuan", "approval_date")

    def __init__(self, sink, names) -> None:
        self.sink, self.names, self.book = sink, names, XBook(sink, self.rel)
        self.s: XSheet | None = None
        self.k = 0
        self.first: dict | None = None

    def _blank(self, r: dict, col: str) -> bool:
        """The household cell is left empty on a continuation row when it repeats the first row's value."""
        f = self.first
        return f is not r and f is not None and f.get(col) == r.get(col) and f.get("_ids", {}).get(col) == \
            r.get("_ids", {}).get(col) and not (r.get("_q") and r["_q"][0] == col)

    def _h(self, col: str, fn):
        return lambda r: None if self._blank(r, col) else fn(r)

    def columns(self) -> list[tuple]:
        nm = self.names
        h = self._h
        return [
            ("序号", None, lambda r: self.k),
            ("乡镇", None, lambda r: nm.town(r["village_code"])),
            ("村（社区）", None, lambda r: nm.village(r["village_code"], "村")),
            ("户主姓名", "head_name", h("head_name", lambda r: r["head_name"])),
            ("户主身份证号", "head_id", h("head_id", lambda r: R.id_cell(r, "head_id"))),
            ("家庭成员姓名", "member_name", lambda r: r["member_name"]),
            ("成员身份证号", "member_id", lambda r: R.id_cell(r, "member_id")),
            ("与户主关系", None, lambda r: r["relation_to_head"]),
            ("保障类别", None, h("programme", lambda r: r["programme"])),
            ("保障人数", None, h("household_size", lambda r: r["household_size"])),
            ("月保障金（元）", None, h("monthly_amount_yuan", lambda r: r["monthly_amount_yuan"])),
            ("审批日期", None, h("approval_date", lambda r: _cn_date(r["approval_date"]))),
            ("状态", None, lambda r: r["status"]),
            ("停保日期", None, lambda r: _cn_date(r["stop_date"])),
        ]

    def add(self, res) -> None:
        cols = self.columns()
        if self.s is None:
            s = self.s = self.book.sheet("花名册")
            title(s, f"{COUNTY}2024年城乡最低生活保障和特困人员救助供养对象花名册", len(cols))
            s.row(["填报单位：河口县民政局（盖章）"] + [None] * (len(cols) - 1))
            s.row([c[0] for c in cols])
        rows = res.tables["assistance_roster"]
        order: dict[tuple, int] = {}
        for r in rows:
            order.setdefault((r["village_code"], r["head_id"], r["head_name"]), len(order))
        rows = sorted(rows, key=lambda r: order[(r["village_code"], r["head_id"], r["head_name"])])
        key = None
        for r in rows:
            k = (r["village_code"], r["head_id"], r["head_name"])
            if k != key:
                key, self.first = k, r
            self.k += 1
            write_rows(self.sink, self.rel, self.s, "assistance_roster", cols, [r])

    def close(self) -> None:
        s = self.s
        if s is None:
            s = self.s = self.book.sheet("花名册")
            s.row([c[0] for c in self.columns()])
        s.row([None])
        s.row(["填表人：杨秀兰    审核人：李国华    填表日期：2025年1月3日"])
        self.book.close()


# ---------------------------------------------------------------- 残疾人两项补贴: a sheet per month, year in the file name


class Disability:
    def __init__(self, sink, names) -> None:
        self.sink, self.names = sink, names
        self.rows: list[dict] = []

    @staticmethod
    def rel_of(year: int) -> str:
        return f"民政/{COUNTY}{year}年残疾人两项补贴发放表.xlsx"

    rel = "民政/河口县2024年残疾人两项补贴发放表.xlsx"

    def add(self, res) -> None:
        self.rows += res.tables["disability_payments"]

    def close(self) -> None:
        nm = self.names
        by_year: dict[int, dict[int, list[dict]]] = defaultdict(lambda: defaultdict(list))
        for r in self.rows:
            by_year[r["pay_month"].year][r["pay_month"].month].append(r)
        if not by_year:
            by_year[2024][1] = []
        for year in sorted(by_year):
            rel = self.rel_of(year)
            book = XBook(self.sink, rel)
            for month in sorted(by_year[year]):
                s = book.sheet(f"{month}月")
                n = seq()
                cols = [
                    ("序号", None, n),
                    ("乡镇", None, lambda r: nm.town(r["village_code"])),
                    ("村", None, lambda r: nm.village(r["village_code"], "村委会")),
                    ("姓名", "person_name", lambda r: r["person_name"]),
                    ("身份证号", "person_id", lambda r: R.id_cell(r, "person_id")),
                    ("残疾证号", None, lambda r: r["disability_cert_no"]),
                    ("残疾类别", None, lambda r: r["disability_category"]),
                    ("残疾等级", None, lambda r: R.grade_text(r["disability_grade"])),
                    ("补贴类型", None, lambda r: r["subsidy_type"]),
                    ("发放金额（元）", None, lambda r: r["amount_yuan"]),
                ]
                title(s, "困难残疾人生活补贴和重度残疾人护理补贴发放表", len(cols))
                s.row([c[0] for c in cols])
                rows = sorted(by_year[year][month], key=lambda r: (r["village_code"], r["person_id"] or "",
                                                                   r["subsidy_type"]))
                write_rows(self.sink, rel, s, "disability_payments", cols, rows)
                s.row(["合计"] + [None] * 8 + [round(sum(r["amount_yuan"] for r in rows), 2)])
            book.close()


# ---------------------------------------------------------------- 村两委: extra personal columns


def _nation(name: str) -> str:
    return "维吾尔族" if "·" in (name or "") else "汉族"


class Cadres(L.Cadres):
    rel = "组织部/河口县村（社区）两委成员信息表.xlsx"
    title = "示例县村（社区）“两委”成员信息表"

    def columns(self):
        nm = self.names
        self._n = getattr(self, "_n", seq())
        return [
            ("序号", None, self._n),
            ("乡镇", None, lambda r: nm.town(r["village_code"])),
            ("村(社区)", None, lambda r: nm.village(r["village_code"], "村")),
            ("姓名", "person_name", lambda r: r["person_name"]),
            ("性别", None, lambda r: L._sex(r["person_id"])),
            ("民族", None, lambda r: _nation(r["person_name"])),
            ("出生年月", None, lambda r: f"{r['person_id'][6:10]}.{r['person_id'][10:12]}"
             if r.get("person_id") and len(r["person_id"]) == 18 else ""),
            ("政治面貌", None, lambda r: "中共党员"),
            ("身份证号", "person_id", lambda r: R.id_cell(r, "person_id")),
            ("职务", None, lambda r: r["position"]),
            ("任职时间", None, lambda r: _cn_date(r["term_start_date"], "")),
            ("离任时间", None, lambda r: _cn_date(r["term_end_date"], "")),
        ]


# ---------------------------------------------------------------- 一卡通: GB18030, semicolons, pinyin field codes


class Onecard:
    rel = "财政/河口县惠民惠农补贴一卡通发放数据（2024）.csv"

    def __init__(self, sink, names) -> None:
        self.sink, self.names = sink, names
        self.fh = open(sink.path(self.rel), "w", encoding="gb18030", newline="")
        self.w = csv.writer(self.fh, delimiter=";", lineterminator="\r\n")
        self.title = self.rel.rsplit("/", 1)[-1].rsplit(".", 1)[0]
        self.n = 0
        self.row([c[0] for c in self.columns()])

    def row(self, values: list) -> int:
        self.w.writerow(["" if v is None else v for v in values])
        self.n += 1
        return self.n

    def columns(self) -> list[tuple]:
        nm = self.names
        return [
            ("序号", None, lambda r: self.n),
            ("补贴项目", None, lambda r: r["item"]),
            ("发放年月", None, lambda r: f"{r['pay_month'].year}-{r['pay_month'].month}"),
            ("乡镇", None, lambda r: nm.town(r["village_code"])),
            ("村", None, lambda r: nm.village(r["village_code"], "村")),
            ("XM", "person_name", lambda r: r["person_name"]),
            ("SFZH", "person_id", lambda r: R.id_cell(r, "person_id")),
            ("HZXM", None, lambda r: r["head_name"]),
            ("KH", None, lambda r: r["account_no"]),
            ("KHM", None, lambda r: r["account_holder"]),
            ("开户银行", None, lambda r: (r["bank"] or "").replace(L.COUNTY_NAME, COUNTY)),
            ("FFJE", None, lambda r: f"{r['amount_yuan']:.2f}"),
            ("发放日期", None, lambda r: _dash_date(r["pay_date"])),
        ]

    def add(self, res) -> None:
        rows = sorted(res.tables["onecard_payments"],
                      key=lambda r: (r["village_code"], r["item"], r["pay_month"], r["person_id"] or ""))
        write_rows(self.sink, self.rel, self, "onecard_payments", self.columns(), rows)

    def close(self) -> None:
        self.fh.close()


# ---------------------------------------------------------------- 村级财务: one amount column with a direction


class Ledger:
    def __init__(self, sink, names) -> None:
        self.sink, self.names = sink, names

    @staticmethod
    def _direction(r: dict) -> str:
        return "借" if r["debit_yuan"] is not None else "贷"

    @staticmethod
    def _amount(r: dict):
        x = r["debit_yuan"] if r["debit_yuan"] is not None else r["credit_yuan"]
        return x

    def add(self, res) -> None:
        rel = f"农业农村/村级财务/{COUNTY}{res.town.name}村级财务凭证明细（2022-2024年）.xlsx"
        book = XBook(self.sink, rel)
        s = book.sheet("凭证明细")
        nm = self.names
        for r in res.tables["village_ledger"]:
            assert (r["debit_yuan"] is None) != (r["credit_yuan"] is None), r
        cols = [
            ("核算单位", None, lambda r: f"{COUNTY}{nm.village(r['village_code'], '镇村委会')}"),
            ("凭证日期", None, lambda r: _cn_date(r["voucher_date"], "")),
            ("凭证号", None, lambda r: r["voucher_no"]),
            ("摘要", None, lambda r: r["summary"]),
            ("科目编码", None, lambda r: r["subject_code"]),
            ("科目名称", None, lambda r: r["subject_name"]),
            ("借贷方向", None, self._direction),
            ("金额", None, self._amount),
            ("结算方式", None, lambda r: r["settlement_method"]),
            ("往来单位(收款人)", None, lambda r: r["payee"]),
            ("附件张数", None, lambda r: r["attachment_count"]),
            ("票据类型", None, lambda r: r["receipt_type"]),
        ]
        title(s, f"{COUNTY}{res.town.name}村级财务凭证明细（2022年1月—2024年12月）", len(cols))
        s.row([c[0] for c in cols])
        write_rows(self.sink, rel, s, "village_ledger", cols, res.tables["village_ledger"])
        s.row(["导出时间：2025-01-06    导出单位：河口县农村集体“三资”监管平台"])
        book.close()

    def close(self) -> None:
        pass


# ---------------------------------------------------------------- 集体合同: amounts in 万元


def _wan(x):
    return None if x is None else round(x / 10000, 6)


class Contracts(L.Contracts):
    rel = "农业农村/河口县农村集体资产资源承包租赁合同台账.xlsx"
    title = "示例县农村集体资产资源承包租赁合同台账（金额单位：万元）"

    def columns(self):
        nm = self.names
        self._n = getattr(self, "_n", seq())
        return [
            ("序号", None, self._n),
            ("乡镇", None, lambda r: nm.town(r["village_code"])),
            ("村", None, lambda r: nm.village(r["village_code"], "村委会")),
            ("合同编号", None, lambda r: r["contract_no"]),
            ("资产资源名称", None, lambda r: r["asset_name"]),
            ("类别", None, lambda r: r["asset_kind"]),
            ("承包（租赁）方", None, lambda r: r["lessee_name"]),
            ("承包方身份证号", "lessee_id", lambda r: R.id_cell(r, "lessee_id") or "/"),
            ("面积（亩）", None, lambda r: r["area_mu"]),
            ("年租金（万元）", None, lambda r: _wan(r["annual_rent_yuan"])),
            ("起始日期", None, lambda r: R.date_text(r["start_date"], "iso")),
            ("终止日期", None, lambda r: R.date_text(r["end_date"], "iso")),
            ("已收金额（万元）", None, lambda r: _wan(r["received_yuan"])),
            ("欠缴金额（万元）", None, lambda r: _wan(r["arrears_yuan"])),
        ]


# ---------------------------------------------------------------- the rest: default layouts, own file names


class OldAge(L.OldAge):
    rel = "民政/河口县2024年高龄津贴发放花名册.xls"


class Deaths(L.Deaths):
    rel = "民政/河口县死亡人员名单（公安推送）.csv"


class Filings(L.Filings):
    rel = "民政/河口县低保经办人员及村干部近亲属备案表.xlsx"


class Payroll(L.Payroll):
    rel = "财政/河口县财政供养人员信息.xlsx"


class Farmland(L.Farmland):
    rel = "农业农村/河口县耕地地力保护补贴发放清册（2022-2024）.xlsx"


class Land(L.Land):
    rel = "农业农村/河口县土地承包经营权确权登记台账.xlsx"


class Compensation(L.Compensation):
    rel = "农业农村/河口县征地青苗补偿发放表.xlsx"


class Register(L.Register):
    rel = "公安/河口县户籍人口信息.csv"


WRITERS: tuple[Any, ...] = (Roster, Disability, OldAge, Deaths, Cadres, Filings, Payroll, Onecard, Farmland, Land,
                            Ledger, Contracts, Compensation, L.Basics, Register)
