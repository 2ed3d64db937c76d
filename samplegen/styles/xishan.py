"""西山县 (style `xishan`): a third county, written without looking at the reading code.

- Most workbooks open with several title/meta lines (表名, 填报单位：…（盖章）, 统计时间：…, a blank
  row) and close with a footer block (制表人 / 审核人 / 联系电话 / 填报日期, then 备注：…).
- Header cells carry units and line breaks (保障金额\\n（元/月）, 确权面积\\n（亩）) and wordings of
  their own (户主\\n身份证号码, 所在村（居）, 身份证件号码, 一卡通账号, 实发金额（元）, 户籍户数\\n（户）…).
- Dates are mixed within one column: 2024/3/5, 2024.03.05, 20240305 (text), Excel serial numbers
  (integers, .xlsx only) and 2024年3月5日.
- Amounts as text with thousands separators ("1,234.50", negatives "(1,200.00)") in the one-card CSV,
  the ledger and the contracts; some numbers as text cells (保障人数, 补贴标准, 确权面积).
- Valid IDs sometimes with trailing spaces or a lower-case x check digit (besides the world's own
  spellings); unusable IDs are written exactly as the expected quarantine lists them.
- 残疾人两项补贴, 村两委, 耕地地力补贴 and 征地补偿: one sheet per town (sheet name = town), no town column.
- 土地确权: one workbook per town, one sheet per village; the village appears ONLY in the sheet name.
- 一卡通 (CSV, GBK): columns in another order with irrelevant ones (序号, 联系电话, 开户行, 备注);
  periods 2024年3月 for monthly items, 2024年度 (生态公益林补偿) and 2024年7-12月 (退耕还林).
- 死亡人员: village only inside 户籍地址 (西山县某镇某村).
- 村级财务: a workbook per town from the 三资平台 (folder 三资平台), all years in one sheet, 会计期间
  (2024年03期) beside 凭证字号 记-17 numbered per month; units written 某村股份经济合作社.
- 村基本情况: one workbook, a sheet per year (2023年报, 2024年报), the year only in the title and sheet
  name; a 小计 row after each town and a 合计 row at the end; codes as text.
- 户籍: an .xlsx system export (no title) with 民族 and 出生日期 as 19800101.
"""

from __future__ import annotations

import zlib
from collections import defaultdict
from typing import Any

from samplegen import layouts as L
from samplegen import render as R
from samplegen.backends import CFile, XBook, write_rows
from samplegen.styles import periods as P
from samplegen.styles.common import seq, title

COUNTY = "西山县"
PERIODS = {"生态公益林补偿": "year", "退耕还林": "half"}
FOOTER = "制表人：李秀芳    审核人：杨国庆    联系电话：0914-5321168    填报日期：{date}"
REMARK = "备注：{text}"


def _c(text: str) -> str:
    return text.replace(L.COUNTY_NAME, COUNTY)


def xid(row: dict, col: str):
    """An ID cell: an unusable raw value exactly as the quarantine lists it; a world spelling; otherwise
    now and then a trailing space pad or a lower-case x (still valid IDs)."""
    q = row.get("_q")
    if q and q[0] == col:
        return q[2]
    pid = row.get(col)
    if not pid:
        return None
    style = row.get("_ids", {}).get(col)
    if style:
        return R.id_text(pid, style)
    k = zlib.crc32(pid.encode()) % 10
    if pid.endswith("X") and k < 5:
        return pid[:-1] + "x"
    if k == 7:
        return pid + "  "
    return pid


class Dates:
    """One column's dates in the mixed forms a clerk's copy-and-paste leaves behind."""

    def __init__(self, serial: bool = True) -> None:
        self.forms = ("slash", "dot0", "compact", "serial", "cn") if serial else ("slash", "dot0", "compact", "cn")
        self.n = 0

    def __call__(self, d, empty=None):
        if d is None:
            return empty
        self.n += 1
        form = self.forms[(self.n * 3 + self.n // 7) % len(self.forms)]
        if form == "dot0":
            return f"{d.year}.{d.month:02d}.{d.day:02d}"
        return R.date_text(d, form)


def _money(x, empty=None):
    return empty if x is None else R.amount_text(x, "comma")


def _text_num(x, digits: int = 2):
    return None if x is None else f"{x:.{digits}f}"


def _phone(pid: str) -> str:
    return f"1{35 + int(pid[-4]) % 5}{pid[10:14]}{pid[-5:-1]}"


def _head(s, text: str, metas: list[str], labels: list[str]) -> None:
    w = len(labels)
    title(s, text, w)
    for m in metas:
        s.row([m] + [None] * (w - 1))
    s.row([None])
    s.row(labels)


def _foot(s, date: str, remark: str) -> None:
    s.row([None])
    s.row([FOOTER.format(date=date)])
    s.row([REMARK.format(text=remark)])


class Roster:
    rel = "民政/西山县2024年农村低保特困对象花名册.xlsx"

    def __init__(self, sink, names) -> None:
        self.sink, self.names, self.book = sink, names, XBook(sink, self.rel)
        self.s: Any = None
        self._n = seq()
        self.dates, self.stops = Dates(), Dates()
        self.count = 0

    def columns(self):
        nm = self.names
        return [
            ("序号", None, self._n),
            ("乡镇（街道）", None, lambda r: nm.town(r["village_code"])),
            ("所在村（居）", None, lambda r: nm.v[r["village_code"]][0] + "村"),
            ("户主\n姓名", "head_name", lambda r: r["head_name"]),
            ("户主\n身份证号码", "head_id", lambda r: xid(r, "head_id")),
            ("家庭成员\n姓名", "member_name", lambda r: r["member_name"]),
            ("家庭成员\n身份证号码", "member_id", lambda r: xid(r, "member_id")),
            ("与户主\n关系", None, lambda r: r["relation_to_head"]),
            ("救助\n类别", None, lambda r: r["programme"]),
            ("保障人数\n（人）", None, lambda r: str(r["household_size"])),
            ("保障金额\n（元/月）", None, lambda r: r["monthly_amount_yuan"]),
            ("批准\n时间", None, lambda r: self.dates(r["approval_date"])),
            ("保障\n状态", None, lambda r: r["status"]),
            ("停发\n时间", None, lambda r: self.stops(r["stop_date"])),
        ]

    def add(self, res) -> None:
        cols = self.columns()
        if self.s is None:
            self.s = self.book.sheet("在册对象")
            _head(self.s, "西山县2024年农村低保、特困供养对象花名册",
                  ["填报单位：西山县民政局（盖章）", "统计时间：2024年12月"], [c[0] for c in cols])
        rows = res.tables["assistance_roster"]
        write_rows(self.sink, self.rel, self.s, "assistance_roster", cols, rows)
        self.count += len(rows)

    def close(self) -> None:
        if self.s is None:
            self.s = self.book.sheet("在册对象")
        self.s.row(["合计", None, None, None, None, f"共{self.count}人"])
        _foot(self.s, "2025年1月8日", "保障金额为家庭月保障金；停发时间为空的对象本月正常发放。")
        self.book.close()


class Disability:
    rel = "民政/西山县2024年度残疾人两项补贴发放明细表.xlsx"

    def __init__(self, sink, names) -> None:
        self.sink, self.names, self.book = sink, names, XBook(sink, self.rel)

    def add(self, res) -> None:
        nm, town = self.names, res.town.name
        s = self.book.sheet(town)
        cols = [
            ("序号", None, seq()),
            ("村（社区）", None, lambda r: nm.v[r["village_code"]][0] + "村"),
            ("姓名", "person_name", lambda r: r["person_name"]),
            ("公民身份号码", "person_id", lambda r: xid(r, "person_id")),
            ("残疾人证号", None, lambda r: r["disability_cert_no"]),
            ("残疾\n类别", None, lambda r: r["disability_category"]),
            ("残疾\n等级", None, lambda r: R.grade_text(r["disability_grade"])),
            ("补贴\n项目", None, lambda r: r["subsidy_type"]),
            ("发放\n年月", None, lambda r: f"{r['pay_month'].year}年{r['pay_month'].month:02d}月"),
            ("发放金额\n（元）", None, lambda r: r["amount_yuan"]),
            ("备注", None, lambda r: None),
        ]
        _head(s, "西山县2024年度困难残疾人生活补贴和重度残疾人护理补贴发放明细表",
              ["填报单位：西山县残疾人联合会（盖章）", "统计时间：2024年1月—12月"], [c[0] for c in cols])
        rows = sorted(res.tables["disability_payments"],
                      key=lambda r: (r["village_code"], r["person_id"], r["subsidy_type"], r["pay_month"]))
        write_rows(self.sink, self.rel, s, "disability_payments", cols, rows)
        s.row(["合计"] + [None] * 8 + [round(sum(r["amount_yuan"] for r in rows), 2)])
        _foot(s, "2025年1月10日", "残疾人证号为身份证号加残疾类别、等级代码。")

    def close(self) -> None:
        self.book.close()


class OldAge:
    rel = "民政/高龄老人生活补贴发放表（2024年）.xlsx"

    def __init__(self, sink, names) -> None:
        self.sink, self.names, self.book = sink, names, XBook(sink, self.rel)
        self.s: Any = None
        self._n = seq()
        self.total = 0.0

    def columns(self):
        nm = self.names
        return [
            ("序号", None, self._n),
            ("乡镇", None, lambda r: nm.town(r["village_code"])),
            ("村（居）委会", None, lambda r: nm.v[r["village_code"]][0] + "村村委会"),
            ("老人姓名", "person_name", lambda r: r["person_name"]),
            ("身份证号码", "person_id", lambda r: xid(r, "person_id")),
            ("年龄\n（周岁）", None, lambda r: r["age"]),
            ("补贴标准\n（元/月）", None, lambda r: _text_num(r["standard_yuan"])),
            ("发放年月", None, lambda r: f"{r['pay_month'].year}.{r['pay_month'].month:02d}"),
            ("实发金额（元）", None, lambda r: r["amount_yuan"]),
        ]

    def add(self, res) -> None:
        cols = self.columns()
        if self.s is None:
            self.s = self.book.sheet("发放表")
            _head(self.s, "西山县2024年高龄老人生活补贴发放表",
                  ["填报单位：西山县民政局（盖章）", "统计时间：2024年12月"], [c[0] for c in cols])
        rows = res.tables["old_age_payments"]
        write_rows(self.sink, self.rel, self.s, "old_age_payments", cols, rows)
        self.total += sum(r["amount_yuan"] for r in rows)

    def close(self) -> None:
        if self.s is None:
            self.s = self.book.sheet("发放表")
        self.s.row(["合计"] + [None] * 7 + [round(self.total, 2)])
        _foot(self.s, "2025年1月6日", "80-89周岁每人每月100元，90-99周岁200元，100周岁以上500元。")
        self.book.close()


class Deaths:
    rel = "民政/2022-2024年死亡人员名单（公安推送）.xlsx"

    def __init__(self, sink, names) -> None:
        self.sink, self.names, self.book = sink, names, XBook(sink, self.rel)
        self.s: Any = None
        self._n = seq()
        self.dates = Dates()

    def columns(self):
        nm = self.names
        return [
            ("序号", None, self._n),
            ("姓名", "person_name", lambda r: r["person_name"]),
            ("性别", None, lambda r: L._sex(r["person_id"])),
            ("身份证件号码", "person_id", lambda r: xid(r, "person_id")),
            ("死亡时间", None, lambda r: self.dates(r["death_date"])),
            ("注销原因", None, lambda r: r["reason"]),
            ("户籍地址", None, lambda r: f"{COUNTY}{nm.town(r['village_code'])}{nm.v[r['village_code']][0]}村"),
        ]

    def add(self, res) -> None:
        cols = self.columns()
        if self.s is None:
            self.s = self.book.sheet("死亡人员")
            _head(self.s, "2022年以来死亡人员名单", ["数据来源：西山县公安局户政大队（户籍注销）",
                                              "统计时间：2022年1月1日至2024年12月31日"], [c[0] for c in cols])
        write_rows(self.sink, self.rel, self.s, "deaths", cols, res.tables["deaths"])

    def close(self) -> None:
        if self.s is None:
            self.s = self.book.sheet("死亡人员")
        _foot(self.s, "2025年1月3日", "本名单仅用于民政待遇核查，不得外传。")
        self.book.close()


class Cadres:
    rel = "组织部/西山县村（社区）两委成员信息表.xlsx"

    def __init__(self, sink, names) -> None:
        self.sink, self.names, self.book = sink, names, XBook(sink, self.rel)

    def add(self, res) -> None:
        nm, town = self.names, res.town.name
        s = self.book.sheet(town)
        starts, ends = Dates(), Dates()
        cols = [
            ("序号", None, seq()),
            ("村（社区）", None, lambda r: nm.v[r["village_code"]][0] + "村"),
            ("姓名", "person_name", lambda r: r["person_name"]),
            ("性别", None, lambda r: L._sex(r["person_id"])),
            ("公民身份号码", "person_id", lambda r: xid(r, "person_id")),
            ("现任职务", None, lambda r: r["position"]),
            ("任现职时间", None, lambda r: starts(r["term_start_date"])),
            ("离任时间", None, lambda r: ends(r["term_end_date"])),
            ("联系电话", None, lambda r: _phone(r["person_id"])),
        ]
        _head(s, f"{town}村（社区）“两委”成员信息表", ["填报单位：中共西山县委组织部（盖章）",
                                                  "统计时间：2024年12月31日"], [c[0] for c in cols])
        write_rows(self.sink, self.rel, s, "cadre_roster", cols, res.tables["cadre_roster"])
        _foot(s, "2024年12月31日", "含村党组织书记、委员，村委会主任、委员，村务监督委员会成员及村民小组长。")

    def close(self) -> None:
        self.book.close()


class Filings:
    rel = "民政/村干部近亲属享受低保备案登记表.xlsx"

    def __init__(self, sink, names) -> None:
        self.sink, self.names, self.book = sink, names, XBook(sink, self.rel)
        self.s: Any = None
        self._n = seq()
        self.dates = Dates()

    def columns(self):
        nm = self.names
        return [
            ("序号", None, self._n),
            ("乡镇（街道）", None, lambda r: nm.town(r["village_code"])),
            ("所在村（居）", None, lambda r: nm.v[r["village_code"]][0] + "村"),
            ("享受对象姓名", "applicant_name", lambda r: r["applicant_name"]),
            ("享受对象\n身份证号码", "applicant_id", lambda r: xid(r, "applicant_id")),
            ("近亲属姓名", None, lambda r: r["related_name"]),
            ("近亲属\n职务", None, lambda r: r["related_position"]),
            ("亲属关系", None, lambda r: r["relation"]),
            ("备案时间", None, lambda r: self.dates(r["filing_date"])),
        ]

    def add(self, res) -> None:
        cols = self.columns()
        if self.s is None:
            self.s = self.book.sheet("备案登记")
            _head(self.s, "西山县低保经办人员和村干部近亲属享受低保备案登记表",
                  ["填报单位：西山县民政局（盖章）", "统计时间：2024年12月"], [c[0] for c in cols])
        write_rows(self.sink, self.rel, self.s, "relative_filings", cols, res.tables["relative_filings"])

    def close(self) -> None:
        if self.s is None:
            self.s = self.book.sheet("备案登记")
        _foot(self.s, "2025年1月8日", "近亲属指配偶、父母、子女、兄弟姐妹等。")
        self.book.close()


class Payroll:
    rel = "财政/西山县财政供养人员信息表（2024年12月）.xlsx"

    def __init__(self, sink, names) -> None:
        self.sink, self.names, self.book = sink, names, XBook(sink, self.rel)
        self.s: Any = None
        self._n = seq()
        self.starts, self.ends = Dates(), Dates()

    def columns(self):
        return [
            ("序号", None, self._n),
            ("工作单位", None, lambda r: _c(r["employer"])),
            ("姓名", "person_name", lambda r: r["person_name"]),
            ("身份证号码", "person_id", lambda r: xid(r, "person_id")),
            ("人员性质", None, lambda r: r["staff_category"]),
            ("参加工作时间", None, lambda r: self.starts(r["start_date"])),
            ("减员时间", None, lambda r: self.ends(r["end_date"])),
        ]

    def add(self, res) -> None:
        cols = self.columns()
        if self.s is None:
            self.s = self.book.sheet("供养人员")
            _head(self.s, "西山县财政供养人员信息表", ["填报单位：西山县财政局（盖章）", "统计时间：2024年12月"],
                  [c[0] for c in cols])
        write_rows(self.sink, self.rel, self.s, "payroll", cols, res.tables["payroll"])

    def close(self) -> None:
        if self.s is None:
            self.s = self.book.sheet("供养人员")
        _foot(self.s, "2025年1月5日", "人员性质：行政、事业、离退休、编外。")
        self.book.close()


class Onecard:
    rel = "财政/西山县惠民惠农补贴一卡通发放数据.csv"
    header = ["序号", "所属乡镇", "所属村", "姓名", "公民身份号码", "联系电话", "补贴项目", "发放期间", "发放金额（元）",
              "一卡通账号", "账户名称", "开户行", "户主", "发放时间", "备注"]

    def __init__(self, sink, names) -> None:
        self.sink, self.names = sink, names
        self.f = CFile(sink, self.rel, self.header, "gbk")
        self.dates = Dates(serial=False)

    def add(self, res) -> None:
        nm, f = self.names, self.f
        cols = [
            ("序号", None, lambda r: f.n),
            ("所属乡镇", None, lambda r: nm.town(r["village_code"])),
            ("所属村", None, lambda r: nm.v[r["village_code"]][0] + "村"),
            ("姓名", "person_name", lambda r: r["person_name"]),
            ("公民身份号码", "person_id", lambda r: xid(r, "person_id")),
            ("联系电话", None, lambda r: _phone(r["person_id"]) if r.get("person_id") else ""),
            ("补贴项目", None, lambda r: r["item"]),
            ("发放期间", None, lambda r: P.text(PERIODS.get(r["item"], "month_cn"), r["pay_month"])),
            ("发放金额（元）", None, lambda r: _money(r["amount_yuan"], "")),
            ("一卡通账号", None, lambda r: r["account_no"]),
            ("账户名称", None, lambda r: r["account_holder"]),
            ("开户行", None, lambda r: _c(r["bank"] or "")),
            ("户主", None, lambda r: r["head_name"]),
            ("发放时间", None, lambda r: self.dates(r["pay_date"], "")),
            ("备注", None, lambda r: "代发" if r["account_holder"] != r["person_name"] else ""),
        ]
        rows = sorted(res.tables["onecard_payments"], key=lambda r: (r["item"], r["pay_month"], r["village_code"]))
        write_rows(self.sink, self.rel, f, "onecard_payments", cols, rows)

    def close(self) -> None:
        self.f.close()


class Farmland:
    rel = "农业农村/耕地地力保护补贴发放花名册（2022-2024年）.xlsx"
    years = (2022, 2023, 2024)

    def __init__(self, sink, names) -> None:
        self.sink, self.names, self.book = sink, names, XBook(sink, self.rel)

    def add(self, res) -> None:
        nm, town = self.names, res.town.name
        s = self.book.sheet(town)
        cols = [
            ("序号", None, seq()),
            ("补贴\n年度", None, lambda r: f"{r['year']}年"),
            ("行政村", None, lambda r: nm.v[r["village_code"]][0] + "村委会"),
            ("村民\n小组", None, lambda r: R.group_text(r["group_name"], "num")),
            ("户主\n姓名", "head_name", lambda r: r["head_name"]),
            ("身份证号码", "person_id", lambda r: xid(r, "person_id")),
            ("承包面积\n（亩）", None, lambda r: r["contract_area_mu"]),
            ("补贴面积\n（亩）", None, lambda r: r["subsidy_area_mu"]),
            ("补贴标准\n（元/亩）", None, lambda r: _text_num(r["rate_yuan_per_mu"])),
            ("补贴金额\n（元）", None, lambda r: r["amount_yuan"]),
            ("一卡通账号", None, lambda r: r["account_no"]),
            ("备注", None, lambda r: None),
        ]
        _head(s, f"{town}2022-2024年耕地地力保护补贴发放花名册",
              [f"填报单位：{town}农业综合服务中心（盖章）", "统计时间：2024年6月"], [c[0] for c in cols])
        rows = sorted(res.tables["farmland_subsidy"], key=lambda r: r["year"])
        write_rows(self.sink, self.rel, s, "farmland_subsidy", cols, rows)
        _foot(s, "2024年6月20日", "补贴面积以二轮承包面积为基础，剔除已改变用途的耕地。")

    def close(self) -> None:
        self.book.close()


class Land:
    """One workbook per town, one sheet per village; the village only in the sheet name."""

    def __init__(self, sink, names) -> None:
        self.sink, self.names = sink, names

    def add(self, res) -> None:
        nm, town = self.names, res.town.name
        rel = f"农业农村/土地确权/{town}农村土地承包经营权确权登记台账.xlsx"
        book = XBook(self.sink, rel)
        by_v = defaultdict(list)
        for r in res.tables["land_contracts"]:
            by_v[r["village_code"]].append(r)
        for v in res.town.villages:
            rows = by_v.get(v.code, [])
            s = book.sheet(nm.v[v.code][0] + "村")
            cols = [
                ("序号", None, seq()),
                ("村民小组", None, lambda r: R.group_text(r["group_name"], "long")),
                ("承包方代表", "contractor_name", lambda r: r["contractor_name"]),
                ("代表证件号码", "person_id", lambda r: xid(r, "person_id")),
                ("承包地块\n总数（块）", None, lambda r: r["plot_count"]),
                ("确权面积\n（亩）", None, lambda r: _text_num(r["contract_area_mu"])),
                ("备注", None, lambda r: None),
            ]
            _head(s, f"{COUNTY}{town}农村土地承包经营权确权登记台账",
                  [f"填报单位：{town}人民政府（盖章）", "统计时间：2024年12月"], [c[0] for c in cols])
            write_rows(self.sink, rel, s, "land_contracts", cols, rows)
            s.row(["合计", None, None, None, sum(r["plot_count"] or 0 for r in rows),
                   _text_num(sum(r["contract_area_mu"] or 0 for r in rows))])
            _foot(s, "2024年12月20日", "确权面积以颁发的土地承包经营权证为准。")
        book.close()

    def close(self) -> None:
        pass


class Ledger:
    """A workbook per town exported from the 三资 platform: all years in one sheet, 会计期间 beside a
    voucher number that restarts every month."""

    def __init__(self, sink, names) -> None:
        self.sink, self.names = sink, names

    def add(self, res) -> None:
        nm, town = self.names, res.town.name
        rel = f"农业农村/三资平台/{town}农村集体经济组织记账凭证导出（2022-2024）.xlsx"
        book = XBook(self.sink, rel)
        dates = Dates()

        def word_no(r):
            word, period, number = r["voucher_no"].split("-")
            return f"{word}-{int(number)}"
        cols = [
            ("账套名称", None, lambda r: nm.v[r["village_code"]][0] + "村股份经济合作社"),
            ("会计期间", None, lambda r: f"{r['voucher_date'].year}年{r['voucher_date'].month:02d}期"),
            ("凭证日期", None, lambda r: dates(r["voucher_date"])),
            ("凭证字号", None, word_no),
            ("摘要", None, lambda r: _c(r["summary"])),
            ("科目代码", None, lambda r: r["subject_code"]),
            ("科目名称", None, lambda r: r["subject_name"]),
            ("借方金额（元）", None, lambda r: _money(r["debit_yuan"])),
            ("贷方金额（元）", None, lambda r: _money(r["credit_yuan"])),
            ("结算方式", None, lambda r: r["settlement_method"]),
            ("对方单位", None, lambda r: _c(r["payee"]) if r["payee"] else None),
            ("附件\n（张）", None, lambda r: r["attachment_count"]),
            ("原始凭证类型", None, lambda r: r["receipt_type"]),
        ]
        s = book.sheet("凭证明细")
        _head(s, f"{town}农村集体经济组织记账凭证明细", ["导出单位：西山县农村集体“三资”管理平台",
                                                "会计期间：2022年01期—2024年12期"], [c[0] for c in cols])
        rows = sorted(res.tables["village_ledger"], key=lambda r: (r["village_code"], r["voucher_date"], r["voucher_no"]))
        write_rows(self.sink, rel, s, "village_ledger", cols, rows)
        book.close()

    def close(self) -> None:
        pass


class Contracts:
    rel = "农业农村/西山县农村集体资产资源合同台账.xlsx"

    def __init__(self, sink, names) -> None:
        self.sink, self.names, self.book = sink, names, XBook(sink, self.rel)
        self.s: Any = None
        self._n = seq()
        self.starts, self.ends = Dates(), Dates()

    def columns(self):
        nm = self.names
        return [
            ("序号", None, self._n),
            ("乡镇", None, lambda r: nm.town(r["village_code"])),
            ("发包方", None, lambda r: nm.v[r["village_code"]][0] + "村股份经济合作社"),
            ("合同编码", None, lambda r: r["contract_no"]),
            ("标的物名称", None, lambda r: r["asset_name"]),
            ("资源类别", None, lambda r: r["asset_kind"]),
            ("承包方（乙方）", None, lambda r: r["lessee_name"]),
            ("乙方证件号码", "lessee_id", lambda r: xid(r, "lessee_id")),
            ("面积\n（亩）", None, lambda r: r["area_mu"]),
            ("年租金\n（元）", None, lambda r: _money(r["annual_rent_yuan"])),
            ("合同起始日期", None, lambda r: self.starts(r["start_date"])),
            ("合同终止日期", None, lambda r: self.ends(r["end_date"])),
            ("累计已收\n（元）", None, lambda r: _money(r["received_yuan"])),
            ("欠缴金额\n（元）", None, lambda r: _money(r["arrears_yuan"])),
        ]

    def add(self, res) -> None:
        cols = self.columns()
        if self.s is None:
            self.s = self.book.sheet("合同台账")
            _head(self.s, "西山县农村集体资产资源合同台账",
                  ["填报单位：西山县农业农村局（盖章）", "统计时间：2024年12月"], [c[0] for c in cols])
        write_rows(self.sink, self.rel, self.s, "collective_contracts", cols, res.tables["collective_contracts"])

    def close(self) -> None:
        if self.s is None:
            self.s = self.book.sheet("合同台账")
        _foot(self.s, "2025年1月9日", "承包方为合作社或企业的，证件号码不填。")
        self.book.close()


class Compensation:
    rel = "农业农村/征地青苗及地上附着物补偿款发放花名册.xlsx"

    def __init__(self, sink, names) -> None:
        self.sink, self.names, self.book = sink, names, XBook(sink, self.rel)

    def add(self, res) -> None:
        nm, town = self.names, res.town.name
        rows = res.tables["compensation_roster"]
        if not rows:
            return
        s = self.book.sheet(town)
        dates = Dates()
        cols = [
            ("序号", None, seq()),
            ("项目名称", None, lambda r: _c(r["project_name"])),
            ("所在村（居）", None, lambda r: nm.v[r["village_code"]][0] + "村"),
            ("村民\n小组", None, lambda r: R.group_text(r["group_name"], "cn")),
            ("领款人", "person_name", lambda r: r["person_name"]),
            ("身份证号码", "person_id", lambda r: xid(r, "person_id")),
            ("征收面积\n（亩）", None, lambda r: r["area_mu"]),
            ("补偿金额\n（元）", None, lambda r: r["amount_yuan"]),
            ("领款时间", None, lambda r: dates(r["pay_date"])),
            ("一卡通账号", None, lambda r: r["account_no"]),
            ("领款人签字", None, lambda r: None),
        ]
        _head(s, f"{town}征地青苗及地上附着物补偿款发放花名册",
              [f"填报单位：{town}人民政府（盖章）", "统计时间：2024年8月"], [c[0] for c in cols])
        write_rows(self.sink, self.rel, s, "compensation_roster", cols, rows)
        s.row(["合计"] + [None] * 5 + [round(sum(r["area_mu"] for r in rows), 2),
                                       round(sum(r["amount_yuan"] for r in rows), 2)])
        _foot(s, "2024年8月28日", "补偿标准：青苗及地上附着物每亩1850元。")

    def close(self) -> None:
        if not self.book.sheets:
            self.book.sheet("Sheet1")
        self.book.close()


class Basics:
    rel = "统计/西山县村级基本情况统计表.xlsx"
    years = (2023, 2024)
    SUMS = ("households", "registered_population", "resident_population", "farmland_mu")

    def __init__(self, sink, names) -> None:
        self.sink, self.names, self.book = sink, names, XBook(sink, self.rel)
        self.sheets: dict[int, Any] = {}
        self.totals = {y: [0, 0, 0, 0.0] for y in self.years}

    def add(self, res) -> None:
        nm, town = self.names, res.town.name
        cols = [
            ("统计用区划代码", None, lambda r: r["village_code"]),
            ("乡镇（街道）", None, lambda r: nm.town(r["village_code"])),
            ("村（居）委会", None, lambda r: nm.v[r["village_code"]][0] + "村委会"),
            ("户籍户数\n（户）", None, lambda r: r["households"]),
            ("户籍人口\n（人）", None, lambda r: r["registered_population"]),
            ("常住人口\n（人）", None, lambda r: r["resident_population"]),
            ("耕地面积\n（亩）", None, lambda r: r["farmland_mu"]),
            ("农村居民人均\n可支配收入（元）", None, lambda r: r["income_per_capita_yuan"]),
        ]
        for y in self.years:
            if y not in self.sheets:
                s = self.book.sheet(f"{y}年报")
                self.sheets[y] = s
                _head(s, f"西山县{y}年村级基本情况统计表",
                      ["填报单位：西山县统计局（盖章）", f"统计时间：{y}年12月31日"], [c[0] for c in cols])
            s = self.sheets[y]
            rows = [r for r in res.tables["village_basics"] if r["year"] == y]
            write_rows(self.sink, self.rel, s, "village_basics", cols, rows)
            sums = [sum(r[k] for r in rows) for k in self.SUMS]
            sums[3] = round(sums[3], 1)
            s.row([None, town, "小计"] + sums)
            self.totals[y] = [a + b for a, b in zip(self.totals[y], sums, strict=True)]

    def close(self) -> None:
        for y, s in self.sheets.items():
            t = self.totals[y]
            s.row([None, "合计", None, t[0], t[1], t[2], round(t[3], 1)])
            _foot(s, f"{y + 1}年2月", "户籍户数、户籍人口来源于公安部门年末数据；常住人口为抽样推算数。")
        self.book.close()


class Register:
    rel = "公安/西山县户籍人口信息导出.xlsx"

    def __init__(self, sink, names) -> None:
        self.sink, self.names, self.book = sink, names, XBook(sink, self.rel)
        self.s: Any = None
        self.cancels = Dates()

    def columns(self):
        nm = self.names
        return [
            ("户号", None, lambda r: r["household_no"]),
            ("姓名", "person_name", lambda r: r["person_name"]),
            ("性别", None, lambda r: r["sex"]),
            ("民族", None, lambda r: "维吾尔族" if "·" in r["person_name"] else "汉族"),
            ("出生日期", None, lambda r: R.date_text(r["birth_date"], "compact")),
            ("公民身份号码", "person_id", lambda r: xid(r, "person_id")),
            ("与户主关系", None, lambda r: r["relation_to_head"]),
            ("乡镇（街道）", None, lambda r: nm.town(r["village_code"])),
            ("村（居）委会", None, lambda r: nm.v[r["village_code"]][0] + "村委会"),
            ("村民小组", None, lambda r: R.group_text(r["group_name"], "cn")),
            ("人员状态", None, lambda r: r["register_status"]),
            ("注销日期", None, lambda r: self.cancels(r["cancel_date"])),
        ]

    def add(self, res) -> None:
        cols = self.columns()
        if self.s is None:
            self.s = self.book.sheet("户籍人口")
            self.s.row([c[0] for c in cols])
        write_rows(self.sink, self.rel, self.s, "household_register", cols, res.tables["household_register"])

    def close(self) -> None:
        if self.s is None:
            self.s = self.book.sheet("户籍人口")
        self.book.close()


WRITERS = (Roster, Disability, OldAge, Deaths, Cadres, Filings, Payroll, Onecard, Farmland, Land, Ledger,
           Contracts, Compensation, Basics, Register)
