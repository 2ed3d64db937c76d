"""Values a sheet states outside its columns: year, period, town, village and project.

When a sheet has no column for one of these, it is looked for, in this order, in the lines above the
header (title, 填报单位：…, 所属乡镇：…), the sheet name, the file name and the folder names. Every
value found records where it came from, and the sheet's message says so (年份取自表名“2024年…”).
Sources that disagree are reported and nothing is filled: a guess here would put a whole sheet
in the wrong year or village.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from pathlib import PurePosixPath

from connectors.periods import parse_period
from connectors.villages import town_core, village_core

# The fields a sheet may state outside its columns, and how they are named in messages.
FIELDS = {"year": "年份", "period": "期间", "town_raw": "乡镇", "village_raw": "村", "project_name": "项目名称",
          "status": "保障状态"}
# A roster's status said only by its sheet's name or title (在保家庭 / 已退出家庭, 正常享受 / 停保人员):
# the words, and the status value they mean (the one the rules read: 在保, 停保, 退保).
_STATUS_WORDS = (
    (re.compile(r"退保"), "退保"),
    (re.compile(r"已?退出|停保|停发|停止享受|取消|终止|注销|减员|清退"), "停保"),
    (re.compile(r"在保|正常享受|享受中|正常保障|在册|正常发放"), "在保"),
)

# Lines that carry a date which is not the data's: when the form was filled, printed, reported.
_FILL_DATE = re.compile(r"(?:填表|填报|制表|报送|打印|导出|审核|统计)(?:日期|时间)")
_YEAR = re.compile(r"(?<![\d.])((?:19|20)\d{2})(?:\s*年(?:度)?)?(?![\d])")
# A name covering several whole years (…（2023-2024）, 2022至2024年, 2022年度-2024年度): no single year,
# and not a period either; a year ending in a month (2023.11-2024.02, 2023年11月-…) is no such range.
_YEAR_RANGE = re.compile(r"(?<![\d.])((?:19|20)\d{2})\s*(?:年度?)?\s*(?:-|—|–|~|至|到)\s*((?:19|20)\d{2})"
                         r"(?!\d)(?!\s*年?\s*\d)(?!\s*[.\-/]\s*\d)(?:\s*年度?)?")
_PERIOD = re.compile(
    r"(?:19|20)\d{2}\s*(?:年\s*(?:度|第?\s*[一二三四1-4]\s*季度?|[上下]半年|\d{1,2}\s*月?\s*(?:-|~|至|到)\s*\d{1,2}\s*月"
    r"|\d{1,2}\s*月)|[.\-/]\s*\d{1,2}(?!\d)|\s*[Qq][1-4])")
_KEYED = {
    "town_raw": re.compile(r"(?:所属乡镇|乡镇\(街道\)|乡镇|镇街|所属街道|街道)\s*[:：]\s*(\S+)"),
    "village_raw": re.compile(r"(?:所属村|村\(社区\)|村\(居\)|村\(居\)委会|村名|村居|行政村|村别|村委会|村)\s*[:：]\s*(\S+)"),
}
# A unit line names the body the sheet is of: a town, a village, or its collective (核算单位：…村股份经济合作社).
_UNIT = re.compile(r"(?:填报单位|报送单位|制表单位|申报单位|编制单位|单位名称|核算单位|被审计单位|账套名称|账套|"
                   r"集体经济组织|经济组织|单位)\s*[:：]\s*(\S+)")
# A unit is a village only if it is the village's body (…村, …社区, …村民委员会, …股份经济合作社), not a
# town's office (城关镇人民政府, 城关镇农业综合服务站: a town, no village); a seal note after it is dropped.
_VILLAGE_BODY = re.compile(r"(?:村|社区|委会|委员会|合作社|联合社|经济组织)$")
# A department as a unit (县农业农村局, 民政局, 组织部; not 城关镇人民政府, whose 人民政府 holds 民政).
_DEPARTMENT_UNIT = re.compile(r"(?:农业农村|农经|民政|财政|统计|公安|组织|信访|纪|人社|人力资源和社会保障|医保|医疗保障|"
                              r"自然资源|残联|乡村振兴|审计|住建|住房和城乡建设|林业|水利|教育|卫健|卫生健康)"
                              r"(?:局|部|委|办|站|所|中心|厅|委员会|服务中心)")
_SEAL = re.compile(r"[(（][^)）]*[)）]$")
_TOWN_IN = re.compile(r"^(?:.{0,12}?[县区市])?(.{1,8}?(?:镇|乡|街道))")
_VILLAGE_IN = re.compile(r"(?:镇|乡|街道)?([^镇乡道]{1,10}?(?:村|社区))(?:民委员会|委会|居委会|居民委员会|委员会)?")
# A title naming the works a roster is for ("S202线城关镇段改扩建工程青苗补偿兑付表"): up to its 工程/项目.
_PROJECT_IN = re.compile(r"^(.{2,40}?(?:工程|项目))(?!.*(?:工程|项目))")
# A line that names its project (项目名称：…工程  实施单位：…), even beside a unit
_PROJECT_KEYED = re.compile(r"(?:项目名称|工程名称|项目)\s*[:：]\s*(\S+)")
_NEXT_LABEL = re.compile(r"(?:实施|施工|主管|填报|报送|发放)?(?:单位|负责人|联系人|联系电话|日期|时间|地点|乡镇|金额)[:：]")
# Department names that read like places (农业农村 ends in 村): never a town or village.
_DEPARTMENT = re.compile(r"农业农村|农经|民政|财政|统计|公安|组织部|信访|纪委|人社|医保|自然资源")
_TOWN_NAME = re.compile(r"^(.{1,8}?(?:镇|乡|街道))$")
# A sheet, file or folder named after a village, maybe with its county and town before it and the
# name of its committee or collective after it (城关镇东岭村, 东岭村民委员会, 东岭村股份经济合作社).
_VILLAGE_NAME = re.compile(r"^(?:.{1,8}?(?:县|区|旗))?(?P<town>.{1,8}?(?:镇|乡|街道))?(?P<village>.{1,10}?(?:村|社区))"
                           r"(?:委会|民委员会|居委会|居民委员会|村民委员会|股份经济合作社|经济股份合作社|股份合作社|"
                           r"经济合作社|经济联合社|集体经济组织)?$")


@dataclass(frozen=True)
class Found:
    value: str
    source: str  # Chinese: 表名“2024年…”


@dataclass(frozen=True)
class Context:
    values: dict[str, Found]  # field -> the value all sources agree on
    conflicts: dict[str, list[Found]]  # field -> the disagreeing values, for the message
    # sources naming several whole years (文件名“…(2023-2024)”), said when no single year is known
    year_ranges: tuple[Found, ...] = ()

    def messages(self, fields: set[str]) -> list[str]:
        out = []
        for f in sorted(fields & set(self.values), key=list(FIELDS).index):
            out.append(f"{FIELDS[f]}取自{self.values[f].source}")
        if "year" in fields and self.year_ranges and not {"year"} & (self.values.keys() | self.conflicts.keys()):
            seen = "、".join(f"{x.source}为{x.value}" for x in self.year_ranges)
            out.append(f"年份跨多年（{seen}），未填写年份，请在表中增加年份列或在表名、标题中注明年份")
        for f in sorted(fields & set(self.conflicts), key=list(FIELDS).index):
            seen = "、".join(f"{x.source}为{x.value}" for x in self.conflicts[f])
            out.append(f"{FIELDS[f]}来源不一致（{seen}），未填写{FIELDS[f]}，请在表中增加{FIELDS[f]}列或核对")
        return out


def _clean(v: object) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", str(v))) if v is not None else ""


def _short(text: str, limit: int = 16) -> str:
    return text if len(text) <= limit else text[:limit] + "…"


def _lines(rows: list[list]) -> list[str]:
    """The lines above the header as texts; a key cell ending in ：is joined with the next cell."""
    out = []
    for row in rows:
        cells = [_clean(v) for v in row if v is not None and _clean(v)]
        joined: list[str] = []
        for c in cells:
            if joined and joined[-1].endswith((":", "：")):
                joined[-1] += c
            else:
                joined.append(c)
        out += joined
    return out


def _years(text: str) -> set[str]:
    return set(_YEAR.findall(text))


def _year_ranges(text: str) -> tuple[list[tuple[int, int]], str]:
    """The ranges of whole years a text names (2023-2024 -> (2023, 2024)), and the text without them;
    a "range" of one year (2024-2024) is left in the text as that year."""
    ranges: list[tuple[int, int]] = []

    def cut(m: re.Match) -> str:
        lo, hi = int(m.group(1)), int(m.group(2))
        if lo == hi:
            return m.group(1) + "年"
        if lo > hi:
            return m.group(0)  # read as two years, which disagree: reported, not guessed
        ranges.append((lo, hi))
        return " "

    return ranges, _YEAR_RANGE.sub(cut, text)


def sheet_context(above_header: list[list], sheet: str, source_file: str) -> Context:
    """What the lines above the header, the sheet name, file name and folders say."""
    path = PurePosixPath(source_file)
    sources: list[tuple[str, str]] = [(line, f"表头上方“{_short(line)}”") for line in _lines(above_header)]
    sources.append((_clean(sheet), f"表名“{_short(_clean(sheet))}”"))
    sources.append((_clean(path.stem), f"文件名“{_short(_clean(path.name))}”"))
    sources += [(_clean(p), f"文件夹名“{_short(_clean(p))}”") for p in reversed(path.parent.parts)]
    found: dict[str, list[Found]] = {f: [] for f in FIELDS}
    ranges: list[tuple[int, int, Found]] = []  # sources naming several years: (first, last, source)
    sheet_at = len(sources) - 2 - len(path.parent.parts)  # the sheet name's place among the sources
    month: Found | None = None  # a sheet named after a month alone (3月, 三月份): a year must come from elsewhere
    for i, (text, where) in enumerate(sources):
        if not text or _FILL_DATE.search(text):
            continue
        if i == sheet_at and (m := _MONTH_ONLY.match(text)):
            month = Found(str(_MONTH_NUMBERS.get(m.group(1)) or int(m.group(1))), where)
        spans, text = _year_ranges(text)
        for lo, hi in spans:
            ranges.append((lo, hi, Found(f"{lo}-{hi}", where)))
        for y in sorted(_years(text)):
            found["year"].append(Found(y, where))
        for p in _PERIOD.findall(text):
            if parse_period(p) is not None:
                found["period"].append(Found(_clean(p), where))
        is_line = i < len(sources) - 2 - len(path.parent.parts)
        for f, pattern in _KEYED.items():
            m = pattern.search(text) if is_line else None
            if m:
                found[f].append(Found(m.group(1), where))
        named = _PROJECT_KEYED.search(text) if is_line else None
        project = (_PROJECT_IN.search(named.group(1)) if named else
                   _PROJECT_IN.search(text) if is_line and not _UNIT.search(text) else None)
        if project:
            found["project_name"].append(Found(project.group(1), where))
        elif named:  # 项目名称：… without 工程/项目 in it: the value up to the next label
            found["project_name"].append(Found(_NEXT_LABEL.split(named.group(1))[0], where))
        unit = _UNIT.search(text) if is_line else None
        body = _SEAL.sub("", unit.group(1)) if unit else ""
        if body and not _DEPARTMENT_UNIT.search(body):  # 填报单位：县农业农村局(盖章) names no place
            t = _TOWN_IN.search(body)
            v = _VILLAGE_IN.search(body) if _VILLAGE_BODY.search(body) else None
            if t:
                found["town_raw"].append(Found(t.group(1), where))
            if v:
                found["village_raw"].append(Found(v.group(1), where))
        # a status by the sheet's name or a title line (not a 说明：… or 单位：… line, nor the file's name)
        if i == len(sources) - 2 - len(path.parent.parts) or is_line and not re.search(r"[:：]", text):
            said = _status_of(text)
            if said is not None:
                found["status"].append(Found(said, where))
        if not is_line and not _DEPARTMENT.search(text):  # a sheet, file or folder named after a town or village
            t, v = _TOWN_NAME.match(text), _VILLAGE_NAME.match(text)
            if t:
                found["town_raw"].append(Found(t.group(1), where))
            elif v:
                found["village_raw"].append(Found(v.group("village"), where))
                if v.group("town"):
                    found["town_raw"].append(Found(v.group("town"), where))
    values: dict[str, Found] = {}
    conflicts: dict[str, list[Found]] = {}
    for f, xs in found.items():
        # compared by what they mean: 2024年3月 and 2024.03 agree, so do 东岭村 (the sheet's name) and
        # 东岭村股份经济合作社 (its 核算单位 line), or 城关镇 and 城关; the first source's wording is kept
        distinct: set[object] = {_meaning(f, x.value) for x in xs}
        if len(distinct) == 1:
            values[f] = xs[0]
        elif len(distinct) > 1:
            first: dict[object, Found] = {}
            for x in xs:
                first.setdefault(_meaning(f, x.value), x)
            conflicts[f] = list(first.values())
    # A range (the file of 2023-2024) agrees with any year within it and gives none by itself; a
    # year outside it disagrees with it.
    if "year" in values:
        outside = [r for lo, hi, r in ranges if not lo <= int(values["year"].value) <= hi]
        if outside:
            conflicts["year"] = [values.pop("year"), *outside]
    elif "year" in conflicts:
        conflicts["year"] += [r for _, _, r in ranges]
    if "period" in values and "year" in conflicts:
        pass  # a period spanning two years (2023.11-2024.02) says which months; the year stays unset
    elif "period" in values and "year" in values:
        period = parse_period(values["period"].value)
        assert period is not None  # only parsed periods are found
        start, end = period
        if str(start.year) != values["year"].value and str(end.year) != values["year"].value:
            conflicts["period"] = [values.pop("period"), values.pop("year")]
    # One sheet per month of a year (表名“3月”, the year in the file's name or a title): together they are
    # the sheet's period, as 2024年3月 written in one place would be. Without one agreed year, none.
    if month is not None and "year" in values and not {"period"} & (values.keys() | conflicts.keys()):
        values["period"] = Found(f"{values['year'].value}年{month.value}月", f"{month.source}与{values['year'].source}")
    return Context(values, conflicts, tuple(r for _, _, r in ranges))


# A sheet name that is a month and nothing else.
_MONTH_ONLY = re.compile(r"^(1[0-2]|0?[1-9]|十[一二]?|[一二三四五六七八九])月份?$")
_MONTH_NUMBERS = {"一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9, "十": 10, "十一": 11,
                  "十二": 12}


def _status_of(text: str) -> str | None:
    """The status a sheet's name or title states (在保家庭 -> 在保), or None; a text naming two (在保和退出)
    states none."""
    said = {value for pattern, value in _STATUS_WORDS if pattern.search(text)}
    return said.pop() if len(said) == 1 else None


# A sheet name that could be a village's without saying so (东岭, no 村): only Chinese characters, not
# a list's own name (…表, …册, 明细, 汇总) nor a town's or county's. Used only if the village list
# knows it exactly (connectors/extract.assign_villages): never a guess.
_HINT = re.compile(r"^[\u4e00-\u9fff]{2,6}$")
_NOT_A_VILLAGE = re.compile(r"(?:表|册|账|单|簿|细|总|计|据|录|页|稿|版|镇|乡|街道|县|区|市|省|局|办|所|站|部|厅|年|月|季度)$|"
                            r"^(?:明细|汇总|数据|清单|名单|花名|台账|发放|合计|说明|附件|原始|备注)")


def village_hint(sheet: str) -> str | None:
    """A sheet's name as a possible village name the sheet states nowhere else, or None."""
    name = _clean(sheet)
    return name if _HINT.match(name) and not _NOT_A_VILLAGE.search(name) else None


def _meaning(field: str, value: str) -> object:
    if field == "period":
        return parse_period(value)
    if field == "village_raw":
        return village_core(value)[1]
    if field == "town_raw":
        return town_core(value)
    return value


def wanted_fields(table_columns: list[str], has_village: bool, mapped: set[str], reference: bool = False) -> set[str]:
    """The context fields a table needs that the sheet's header did not give. reference: the village
    list (village_basics), whose villages' towns are wanted beside their codes: other files' village
    names are matched against it by town and name (a statistics sheet per town, 城关镇, names its town
    only in its sheet name or title)."""
    out = set()
    if "year" in table_columns and "year" not in mapped:
        out.add("year")
    if "period_start" in table_columns and not mapped & {"pay_month"}:
        out.add("period")
    if "project_name" in table_columns and "project_name" not in mapped:
        out.add("project_name")
    if "status" in table_columns and "stop_date" in table_columns and "status" not in mapped:
        out.add("status")  # an enrolment status (在保/停保), not a petition's 办理状态
    if has_village and not mapped & {"village_code", "village_raw"}:
        out.add("village_raw")
    if has_village and not mapped & {"village_code", "town_raw"}:
        out.add("town_raw")
    if reference and has_village and "town_raw" not in mapped:
        out.add("town_raw")
    return out


def context_values(contexts: list[Context], fields: set[str], sheet_of) -> dict:
    """Per-row columns (polars Series, by each row's sheet: `sheet_of` indexes `contexts`) for the
    fields some sheet states; rows of sheets that state none stay empty."""
    import polars as pl

    out: dict[str, pl.Series] = {}
    k = list(range(len(contexts)))

    def column(values: list, dtype) -> pl.Series:
        return sheet_of.replace_strict(k, values, default=None, return_dtype=dtype)

    for f in fields & {"year", "town_raw", "village_raw", "project_name", "status"}:
        vals = [c.values[f].value if f in c.values else None for c in contexts]
        if any(v is not None for v in vals):
            out[f] = column([int(v) if f == "year" and v is not None else v for v in vals],
                            pl.Int32 if f == "year" else pl.String)
    if "period" in fields:
        periods = [parse_period(c.values["period"].value) if "period" in c.values else None for c in contexts]
        if any(p is not None for p in periods):
            out["period_start"] = column([p[0] if p else None for p in periods], pl.Date)
            out["period_end"] = column([p[1] if p else None for p in periods], pl.Date)
            out["pay_month"] = column([p[0] if p and p[0] == p[1] else None for p in periods], pl.Date)
    return out
