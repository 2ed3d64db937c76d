"""莲花县 (style `lianhua`): a county written without looking at the reading code.

- The 民政 extracts delivered in ONE workbook, a 数据包 (莲花县民政局2024年民生数据包.xlsx), one sheet per
  extract named "表1 低保特困对象", "表2 残疾人两项补贴", "表3 高龄补贴", "表4 死亡人员", "表5 村两委干部";
  the other departments send separate files.
- 表1 低保特困对象 printed for paper: the header row repeated every 50 data rows (a page), each page closed
  by a "本页小计" row (人数 and 月保障金 of the page), a "合计" row at the end.
- 表3 高龄补贴: the person and the ID in ONE cell, "张三（611021193501011234）", headed 姓名（身份证号）.
- 表4 死亡人员: no names of places, only codes: the town as its 9-digit 乡镇（街道）区划代码 and the village
  as its 12-digit 村（居）区划代码 (the codes and names are in the statistics workbooks).
- 表5 村两委干部 as a card layout: each cadre a block of one-cell "label：value" rows (乡镇：…, 村（社区）：…,
  姓名：…, 身份证号：…, 职务：…, 任职时间：…, 离任时间：…), blocks separated by a blank row.
- 一卡通 (CSV, UTF-8 with BOM): four comment lines before the header (表名, 导出时间, 导出人, 说明), every
  line ending with a trailing comma (an empty last field); months written 2024-03.
- The remaining extracts keep the default layouts under file names of their own (county name 莲花县).
"""

from __future__ import annotations

import csv
from typing import Any

from samplegen import layouts as L
from samplegen import render as R
from samplegen.backends import XBook, write_rows
from samplegen.styles.common import title

COUNTY = "莲花县"
PERIODS: dict[str, str] = {}
PACK = "民政/莲花县民政局2024年民生数据包.xlsx"
PAGE = 50  # data rows per printed page of 表1


def _row(width: int, *cells) -> list:
    return list(cells) + [None] * (width - len(cells))


class _Pack:
    """The one workbook the 民政 extracts share; saved when the last of its writers closes."""

    def __init__(self, sink) -> None:
        self.book = XBook(sink, PACK)
        self.open = 0


def _pack(sink) -> _Pack:
    p = getattr(sink, "_lianhua_pack", None)
    if p is None:
        p = _Pack(sink)
        sink._lianhua_pack = p
    p.open += 1
    return p


class _InPack:
    rel = PACK
    sheet_name = ""

    def __init__(self, sink, names) -> None:
        self.sink, self.names = sink, names
        self.pack = _pack(sink)
        self.s = self.pack.book.sheet(self.sheet_name)
        self.start()

    def start(self) -> None:
        pass

    def finish(self) -> None:
        pass

    def close(self) -> None:
        self.finish()
        self.pack.open -= 1
        if self.pack.open == 0:
            self.pack.book.close()


# ---------------------------------------------------------------- 表1: pages with repeated header and 本页小计


class Roster(_InPack):
    sheet_name = "表1 低保特困对象"

    def columns(self) -> list[tuple]:
        nm = self.names
        return [
            ("序号", None, lambda r: self.k),
            ("乡镇", None, lambda r: nm.town(r["village_code"])),
            ("村（社区）", None, lambda r: nm.village(r["village_code"], "村")),
            ("户主姓名", "head_name", lambda r: r["head_name"]),
            ("户主身份证号", "head_id", lambda r: R.id_cell(r, "head_id")),
            ("成员姓名", "member_name", lambda r: r["member_name"]),
            ("成员身份证号", "member_id", lambda r: R.id_cell(r, "member_id")),
            ("与户主关系", None, lambda r: r["relation_to_head"]),
            ("保障类别", None, lambda r: r["programme"]),
            ("保障人数", None, lambda r: r["household_size"]),
            ("月保障金（元）", None, lambda r: r["monthly_amount_yuan"]),
            ("审批日期", None, lambda r: R.date_text(r["approval_date"], "iso")),
            ("状态", None, lambda r: r["status"]),
            ("停保日期", None, lambda r: R.date_text(r["stop_date"], "iso")),
        ]

    def start(self) -> None:
        self.k = 0
        self.on_page: list[dict] = []
        self.total: list[dict] = []
        cols = self.columns()
        title(self.s, f"{COUNTY}2024年农村最低生活保障和特困人员救助供养对象花名册", len(cols))
        self.s.row(_row(len(cols), "填报单位：莲花县民政局（盖章）", *[None] * 11, "统计截至：2024年12月31日"))
        self.s.row([c[0] for c in cols])

    def _subtotal(self, label: str, rows: list[dict]) -> None:
        w = len(self.columns())
        self.s.row(_row(w, label, None, None, None, None, f"{len(rows)}人", *[None] * 4,
                        round(sum(r["monthly_amount_yuan"] or 0 for r in rows), 2)))

    def add(self, res) -> None:
        cols = self.columns()
        for r in res.tables["assistance_roster"]:
            if len(self.on_page) == PAGE:
                self._subtotal("本页小计", self.on_page)
                self.s.row([c[0] for c in cols])  # the next printed page repeats the header
                self.on_page = []
            self.k += 1
            write_rows(self.sink, self.rel, self.s, "assistance_roster", cols, [r])
            self.on_page.append(r)
            self.total.append(r)

    def finish(self) -> None:
        if self.on_page:
            self._subtotal("本页小计", self.on_page)
        self._subtotal("合计", self.total)
        self.s.row(["填表人：钟丽萍    审核人：贺建华    填表日期：2025年1月4日"])


# ---------------------------------------------------------------- 表2: a plain list in the pack


class Disability(_InPack):
    sheet_name = "表2 残疾人两项补贴"

    def columns(self) -> list[tuple]:
        nm = self.names
        return [
            ("序号", None, lambda r: self.k),
            ("乡镇", None, lambda r: nm.town(r["village_code"])),
            ("村（社区）", None, lambda r: nm.village(r["village_code"], "村委会")),
            ("姓名", "person_name", lambda r: r["person_name"]),
            ("身份证号", "person_id", lambda r: R.id_cell(r, "person_id")),
            ("残疾证号", None, lambda r: r["disability_cert_no"]),
            ("残疾类别", None, lambda r: r["disability_category"]),
            ("残疾等级", None, lambda r: R.grade_text(r["disability_grade"])),
            ("补贴类型", None, lambda r: r["subsidy_type"]),
            ("发放月份", None, lambda r: R.month_text(r["pay_month"], "cn")),
            ("发放金额（元）", None, lambda r: r["amount_yuan"]),
        ]

    def start(self) -> None:
        self.k = 0
        cols = self.columns()
        title(self.s, f"{COUNTY}2024年困难残疾人生活补贴和重度残疾人护理补贴发放明细", len(cols))
        self.s.row([c[0] for c in cols])

    def add(self, res) -> None:
        rows = sorted(res.tables["disability_payments"],
                      key=lambda r: (r["village_code"], r["person_id"], r["subsidy_type"], r["pay_month"]))
        cols = self.columns()
        for r in rows:
            self.k += 1
            write_rows(self.sink, self.rel, self.s, "disability_payments", cols, [r])


# ---------------------------------------------------------------- 表3: name and ID in one cell


def name_with_id(r: dict) -> str:
    """"张三（611021193501011234）": the person and the ID as written in one cell (the ID as the row spells
    it, or the unusable value the quarantine lists)."""
    return f"{r['person_name']}（{R.id_cell(r, 'person_id')}）"


class OldAge(_InPack):
    sheet_name = "表3 高龄补贴"

    def columns(self) -> list[tuple]:
        nm = self.names
        return [
            ("序号", None, lambda r: self.k),
            ("乡镇", None, lambda r: nm.town(r["village_code"])),
            ("村（社区）", None, lambda r: nm.village(r["village_code"], "村")),
            ("姓名（身份证号）", "person_id", name_with_id),
            ("年龄", None, lambda r: r["age"]),
            ("补贴标准（元/月）", None, lambda r: r["standard_yuan"]),
            ("发放月份", None, lambda r: R.month_text(r["pay_month"], "cn")),
            ("发放金额（元）", None, lambda r: r["amount_yuan"]),
        ]

    def start(self) -> None:
        self.k = 0
        cols = self.columns()
        title(self.s, f"{COUNTY}2024年80周岁以上老年人高龄补贴发放花名册", len(cols))
        self.s.row([c[0] for c in cols])

    def add(self, res) -> None:
        cols = self.columns()
        for r in res.tables["old_age_payments"]:
            self.k += 1
            write_rows(self.sink, self.rel, self.s, "old_age_payments", cols, [r])


# ---------------------------------------------------------------- 表4: places only as statistical codes


class Deaths(_InPack):
    sheet_name = "表4 死亡人员"

    def columns(self) -> list[tuple]:
        return [
            ("序号", None, lambda r: self.k),
            ("姓名", "person_name", lambda r: r["person_name"]),
            ("公民身份号码", "person_id", lambda r: R.id_cell(r, "person_id")),
            ("性别", None, lambda r: L._sex(r["person_id"])),
            ("死亡日期", None, lambda r: R.date_text(r["death_date"], "iso")),
            ("注销原因", None, lambda r: r["reason"]),
            ("乡镇（街道）区划代码", None, lambda r: r["village_code"][:9]),
            ("村（居）区划代码", None, lambda r: r["village_code"]),
        ]

    def start(self) -> None:
        self.k = 0
        cols = self.columns()
        title(self.s, f"{COUNTY}死亡人员信息（公安户籍注销）", len(cols))
        self.s.row([c[0] for c in cols])

    def add(self, res) -> None:
        cols = self.columns()
        for r in res.tables["deaths"]:
            self.k += 1
            write_rows(self.sink, self.rel, self.s, "deaths", cols, [r])


# ---------------------------------------------------------------- 表5: a card per cadre


class Cadres(_InPack):
    sheet_name = "表5 村两委干部"
    LABELS = ("乡镇", "村（社区）", "姓名", "身份证号", "职务", "任职时间", "离任时间")

    def start(self) -> None:
        self.s.row([f"{COUNTY}村（社区）“两委”干部信息卡"])
        self.s.row([])

    def add(self, res) -> None:
        nm = self.names
        for r in res.tables["cadre_roster"]:
            values = (nm.town(r["village_code"]), nm.village(r["village_code"], "村"), r["person_name"],
                      R.id_cell(r, "person_id"), r["position"], R.date_text(r["term_start_date"], "cn"),
                      R.date_text(r["term_end_date"], "cn", "—"))
            id_row = 0
            for label, value in zip(self.LABELS, values, strict=True):
                n = self.s.row([f"{label}：{value}"])
                if label == "身份证号":
                    id_row = n
            self.s.row([])
            assert not r.get("_q"), "a cadre card has no column to point a quarantine row at"
            self.sink.record(self.rel, self.s.title, id_row, ["身份证号"], ["person_id"], r, "cadre_roster")


# ---------------------------------------------------------------- 一卡通: comment lines, BOM, trailing commas


class Onecard:
    rel = "财政/莲花县惠民惠农补贴一卡通发放明细（2024年度）.csv"
    COMMENTS = ("莲花县惠民惠农财政补贴资金“一卡通”发放明细", "导出时间：2025-01-05 10:21:33",
                "导出人：县财政局社保股 刘红", "说明：金额单位为元；本表由一卡通管理平台导出，未经加工")

    def __init__(self, sink, names) -> None:
        self.sink, self.names = sink, names
        self.fh = open(sink.path(self.rel), "w", encoding="utf-8-sig", newline="")
        self.w = csv.writer(self.fh, lineterminator="\r\n")
        self.title = self.rel.rsplit("/", 1)[-1].rsplit(".", 1)[0]
        self.n = 0
        for c in self.COMMENTS:
            self.row([c])
        self.row([c[0] for c in self.columns()])

    def row(self, values: list) -> int:
        self.w.writerow(["" if v is None else v for v in values] + [""])  # the trailing comma
        self.n += 1
        return self.n

    def columns(self) -> list[tuple]:
        nm = self.names
        return [
            ("序号", None, lambda r: self.n - len(self.COMMENTS)),
            ("补贴项目名称", None, lambda r: r["item"]),
            ("所属年月", None, lambda r: R.month_text(r["pay_month"], "ym")),
            ("乡镇", None, lambda r: nm.town(r["village_code"])),
            ("村", None, lambda r: nm.village(r["village_code"], "村")),
            ("领取人姓名", "person_name", lambda r: r["person_name"]),
            ("领取人身份证号", "person_id", lambda r: R.id_cell(r, "person_id")),
            ("户主姓名", None, lambda r: r["head_name"]),
            ("一卡通账号", None, lambda r: r["account_no"]),
            ("账户名", None, lambda r: r["account_holder"]),
            ("开户银行", None, lambda r: (r["bank"] or "").replace(L.COUNTY_NAME, COUNTY)),
            ("发放金额", None, lambda r: r["amount_yuan"]),
            ("发放日期", None, lambda r: R.date_text(r["pay_date"], "iso")),
        ]

    def add(self, res) -> None:
        rows = sorted(res.tables["onecard_payments"],
                      key=lambda r: (r["village_code"], r["item"], r["pay_month"], r["person_id"]))
        write_rows(self.sink, self.rel, self, "onecard_payments", self.columns(), rows)

    def close(self) -> None:
        self.fh.close()


# ---------------------------------------------------------------- the rest: default layouts, own file names


class Filings(L.Filings):
    rel = "组织部/莲花县村干部近亲属备案登记表.xlsx"


class Payroll(L.Payroll):
    rel = "财政/莲花县财政供养人员花名册.xlsx"


class Farmland(L.Farmland):
    rel = "农业农村/莲花县耕地地力保护补贴发放清册（2022-2024年）.xlsx"


class Land(L.Land):
    rel = "农业农村/莲花县农村土地承包经营权确权登记汇总.xlsx"


class Contracts(L.Contracts):
    rel = "农业农村/莲花县村集体资产资源合同台账.xlsx"


class Compensation(L.Compensation):
    rel = "农业农村/莲花县青苗补偿发放表.xlsx"


class Register(L.Register):
    rel = "公安/莲花县户籍人口信息导出.csv"


WRITERS: tuple[Any, ...] = (Roster, Disability, OldAge, Deaths, Cadres, Filings, Payroll, Onecard, Farmland, Land,
                            L.Ledger, Contracts, Compensation, L.Basics, Register)
