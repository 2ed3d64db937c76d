"""Columns understood by what they hold: value profiles and the meaning of header words.

A header wording the catalogue has never seen can still be mapped when two independent readings
agree: the words of the header say what kind of thing the column is about (an account, a village, a
relative, a payee, a party to a contract ...) and the values look like it (16-19 digit account
numbers, 18-character IDs, names ending in 村/社区 ...). When the two disagree nothing is mapped.
Profiles also score recognition (connectors/headers.py): typed columns whose values look right add
to an extract kind's score, columns whose values look wrong take from it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from connectors.header_layout import NUMBER_ROWS, column_numbers
from connectors.headertext import scale_or_unit_qualified
from connectors.list_cells import profile_items
from connectors.values import open_end_columns, open_end_words
from connectors.village_codes import code_shapes, village_code_by_values
from connectors.villages import VILLAGE_SUFFIXES
from xuncha.idcard import check_char

_ID = re.compile(r"^\d{17}[\dXx]$")
_ACCOUNT = re.compile(r"^\d{16,19}$")
_DATE = re.compile(r"^(?:19|20)\d{2}\s*[-/.年]\s*\d{1,2}(?:\s*[-/.月]\s*\d{1,2}\s*日?)?(?:[ T].*)?$|^(?:19|20)\d{6}$")
_PERIOD = re.compile(r"^(?:19|20)\d{2}\s*(?:年度?|年?第?[一二三四1-4]季度?|年?[上下]半年|[.\-/年]\s*\d{1,2}\s*月?"
                     r"|年\d{1,2}\s*[-至]\s*\d{1,2}月|\d{2})$")
_NUMBER = re.compile(r"^-?\d+(?:\.\d+)?$")
_NAME = re.compile(r"^[\u4e00-\u9fff·]{2,5}$")
# A village's name, its committee's or its collective's (东岭村, 东岭村民委员会, 东岭村股份经济合作社), with
# county and town before it or not: the endings village matching strips (connectors/villages.py).
_VILLAGE = re.compile(r"^[\u4e00-\u9fff]{1,16}(?:" + "|".join(VILLAGE_SUFFIXES) + ")$")
_TOWN = re.compile(r"^[\u4e00-\u9fff]{1,10}(?:镇|乡|街道|街道办事处)$")
# A place written short, without its 村 (东岭, 石门): a few Chinese characters, nothing else.
_PLACE = re.compile(r"^[\u4e00-\u9fff]{2,6}$")
_SETTLEMENT = re.compile(r"现金|转账|支票|网银|汇款|电汇|公务卡|银行|对公|扫码|微信|支付宝")
RELATION_WORDS = {"本人", "户主", "配偶", "妻", "夫", "妻子", "丈夫", "子", "女", "儿子", "女儿", "长子", "次子", "长女",
                  "次女", "父亲", "母亲", "父", "母", "孙子", "孙女", "兄", "弟", "姐", "妹", "儿媳", "女婿", "祖父",
                  "祖母", "外孙", "外孙女", "兄弟", "姐妹", "岳父", "岳母", "公公", "婆婆", "其他"}

# What header words say a column is about -> the value shape that must agree.
MEANINGS: dict[str, tuple[tuple[str, ...], str]] = {
    # how a payment was settled (收付方式, 结算方式): values say 现金, 转账, 支票 ...
    "settlement": (("方式",), "settlement"),
    # money owed and not paid (应收未收, 欠缴): before "amount", whose words (金额) it may contain
    "arrears": (("欠缴", "欠款", "拖欠", "未收", "未缴", "欠租"), "number"),
    "account": (("账号", "帐号", "账户", "帐户", "卡号", "银行卡", "一卡通", "存折", "社保卡", "折号"), "account"),
    "id": (("身份证", "证件号", "身份号", "公民号"), "id"),
    "village": (("村", "社区", "居委"), "village"),
    "town": (("乡镇", "镇", "乡", "街道"), "town"),
    "relation": (("关系", "称谓"), "relation"),
    "payee": (("收款", "领款", "户名", "领取人", "收款人", "开户名", "开户人", "代领", "持卡人"), "name"),
    "party": (("承包方", "承租方", "租赁方", "乙方", "承包人", "承租人", "发包对象", "承包户"), "name"),
    "relative": (("亲属", "关联人", "近亲", "亲戚"), "name"),
    # the person a row is about (享受对象, 救助对象, 发放对象, 受益人): only as the header's last words
    # (ENDING_MEANINGS): 救助对象类型 is a programme, not a person
    "beneficiary": (("对象", "对象姓名", "享受人", "受益人", "受助人"), "name"),
    # when something ended or began: more specific than a plain date (减员时间, 停发时间, 入职时间)
    "end": (("离任", "离职", "离岗", "减员", "停发", "停保", "退保", "终止", "截止", "到期", "结束", "调离", "卸任",
             "退出"), "date"),
    # (任现职时间, 上任时间: when a post began, never a death or an end)
    "start": (("入职", "到岗", "任职", "任现职", "任本职", "现职", "上任", "到任", "就任", "就职", "当选", "任命",
               "起始", "开始", "参加工作", "参工", "聘用", "录用"), "date"),
    # when a file was filed or approved (备案时间, 审批日期): its own date, never a death date; no target:
    # only the catalogue's wordings name it (two of them, 登记备案时间 and 变更备案时间, are no guess)
    "record": (("备案", "审批", "批准", "审核", "受理"), "date"),
    # when someone was born (出生日期 beside a generic date column): a birth date, never a death date
    "birth": (("出生", "生日"), "date"),
    "period": (("月份", "年月", "期间", "所属期", "批次", "期次", "发放期"), "period"),
    "date": (("日期", "时间"), "date"),
    "amount": (("金额", "元", "款", "补贴额", "发放额"), "number"),
}

# Which canonical columns a meaning can name, by column name (first present and unmapped wins).
TARGETS: dict[str, tuple[str, ...]] = {
    "account": ("account_no",),
    "village": ("village_raw",),
    "town": ("town_raw",),
    "relation": ("relation_to_head", "relation"),
    "payee": ("account_holder", "payee"),
    "party": ("lessee_name", "contractor_name"),
    "relative": ("related_name",),
    # the one person of a row (person_name); never a roster's member_name: whether a 救助对象 there is
    # the head or each member is for the roles and the person-name pairing to say, or the county
    "beneficiary": ("person_name",),
    "period": ("pay_month",),
    "end": ("end_date", "term_end_date", "stop_date"),
    "settlement": ("settlement_method",),
    "arrears": ("arrears_yuan",),
    "start": ("start_date", "term_start_date"),
    "birth": ("birth_date",),
}
# Meanings whose words must end the header (what it names is the person, not something of theirs).
ENDING_MEANINGS = {"beneficiary"}
# Meanings whose target is the one unmapped column of a kind (when exactly one is left).
BY_KIND = {"id": "id", "date": "date", "amount": "yuan"}

AGREE, DISAGREE, MIN_VALUES = 0.8, 0.3, 3
# Excel serial numbers read as dates where a column's words or kind say date: 1949-01-01 .. 2099-12-31
SERIAL_DATES = (17899, 73050)
# Meanings whose words are specific enough that a column filled on few rows (an end date: few people
# leave) is judged on the values it has, as long as they all agree.
FEW_VALUES = {"end": 1, "start": 1}


def _shape(value: object) -> frozenset[str]:
    """The shapes a cell's value has (several at once: 东岭村 is a village and a name)."""
    try:
        return _shape_of(value)
    except TypeError:  # unhashable: not memoised
        return _shape_of.__wrapped__(value)


# Sheets repeat their values (village names, relations, months, amounts): each distinct value is
# shaped once per run, not once per sampled cell and candidate header row.
@lru_cache(maxsize=65536, typed=True)
def _shape_of(value: object) -> frozenset[str]:
    if value is None:
        return frozenset()
    s = str(value).strip()
    if not s:
        return frozenset()
    if s.endswith(".0") and s[:-2].isdigit():
        s = s[:-2]
    out = set()
    if _ID.match(s):
        out.add("id" if check_char(s[:17]) == s[17].upper() else "id_like")
    if _ACCOUNT.match(s):
        out.add("account")
    if _DATE.match(s) or hasattr(value, "year"):
        out.add("date")
    if _PERIOD.match(s) or hasattr(value, "year"):
        out.add("period")
    if isinstance(value, (int, float)) and not isinstance(value, bool) or _NUMBER.match(s.replace(",", "")):
        out.add("number")
        if isinstance(value, (int, float)) and SERIAL_DATES[0] <= value <= SERIAL_DATES[1] and float(value).is_integer():
            out.add("serial_date")  # an Excel date written without a date format (42185 = 2015-06-30)
    if _NAME.match(s):
        out.add("name")
    if _VILLAGE.match(s):
        out.add("village")
    if _TOWN.match(s):
        out.add("town")
    if _PLACE.match(s):
        out.add("place")
    if s in RELATION_WORDS:
        out.add("relation")
    out |= code_shapes(s)
    if _SETTLEMENT.search(s) and len(s) <= 8:
        out.add("settlement")
    if re.sub(r"\s", "", s) in open_end_words():
        out.add("open_end")  # 在任, 至今: an end not reached, read as no date in an end column
    return frozenset(out)


@dataclass(frozen=True)
class Profile:
    """Share of a column's sampled non-empty values of each shape."""

    count: int
    shares: dict[str, float]
    distinct: float = 1.0  # distinct values among the sampled non-empty ones

    def share(self, shape: str) -> float:
        return self.shares.get(shape, 0.0)

    def share_like(self, shape: str) -> float:
        """The shape's share, Excel serial numbers counted as dates where a date is expected."""
        return self.share(shape) + (self.share("serial_date") if shape == "date" else 0.0)


def profile(values: list) -> Profile:
    shapes = [_shape(v) for v in values]
    shapes = [s for s, v in zip(shapes, values, strict=True) if v is not None and str(v).strip()]
    n = len(shapes)
    counts: dict[str, int] = {}
    for s in shapes:
        for x in s:
            counts[x] = counts.get(x, 0) + 1
    texts = {str(v).strip() for v in values if v is not None and str(v).strip()}
    return Profile(n, {k: v / n for k, v in counts.items()} if n else {}, len(texts) / n if n else 1.0)


# The shape a column kind's values should have, for scoring (kinds not listed are not judged).
KIND_SHAPES = {"id": "id", "date": "date", "month": "period", "yuan": "number", "mu": "number", "int": "number",
               "village": "village"}


def agreement(kind: str, column: str, p: Profile) -> int:
    """+1: the values look like the column's kind; -1: they clearly do not; 0: not enough to say."""
    shape = "account" if column == "account_no" else KIND_SHAPES.get(kind)
    if shape is None or p.count < MIN_VALUES:
        return 0
    share = p.share_like(shape) + (p.share("id_like") if shape == "id" else 0.0) + (
        p.share("open_end") if shape == "date" and column in open_end_columns() else 0.0)
    if share >= AGREE:
        return 1
    return -1 if share < DISAGREE else 0


# Place columns of free text whose values still have a shape of their own: 河口镇, 沙坪村.
PLACE_SHAPES = {"town_raw": "town", "village_raw": "village"}


def confirms(kind: str, column: str, p: Profile) -> float | None:
    """The share of values shaped as the column's kind expects (a place column's as a place), when enough
    agree (AGREE); None when they do not or the column has no shape to judge by (free text): for a header
    that alone says too little."""
    shape = "account" if column == "account_no" else (
        KIND_SHAPES.get(kind) or PLACE_SHAPES.get(column) or ("name" if kind == "name" else None))
    if shape is None or p.count < MIN_VALUES:
        return None
    share = p.share_like(shape) + (p.share("id_like") if shape == "id" else 0.0)
    return share if share >= AGREE else None


@dataclass(frozen=True)
class Inferred:
    column: str  # canonical column
    meaning: str  # the header words' meaning (MEANINGS key)
    confidence: float  # share of values of the expected shape
    how: str = ""  # how the values decided, when not by the header words' usual shape

    def describe(self, header: str, label: str) -> str:
        if self.meaning == "abbreviation":  # connectors/abbreviations.py: the how says it all
            return f"“{header}”→{label}（按拼音首字母与内容识别：{self.how}）"
        if self.how:
            return f"“{header}”→{label}（按内容识别：{self.how}，置信度{self.confidence:.0%}）"
        return f"“{header}”→{label}（按表头词义与内容识别，{self.confidence:.0%}的值相符）"


@lru_cache(maxsize=8192)  # asked per candidate header row and extract kind: the same headers again and again
def meaning_of(header: str) -> str | None:
    """The first meaning whose words the header contains (more specific meanings are listed first)."""
    for meaning, (words, _) in MEANINGS.items():
        if meaning in ENDING_MEANINGS:
            if any(header.rstrip().endswith(w) for w in words):
                return meaning
        elif any(w in header for w in words):
            return meaning
    return None


# Village names written short (东岭) under a village header repeat row after row (a list sorted by
# village); people's names do not: at most this share of the sampled values may be distinct.
PLACE_DISTINCT = 0.5


def _village_by_values(meaning: str | None, p: Profile, free: list[tuple[str, str]]) -> Inferred | None:
    """The village column told by its values, whatever its header says, unless the header's words
    mean something else: values shaped like village names (…村, …社区, …村民委员会, with or without
    county and town before them: 发包方 on a contract list is the village collective), or, under a
    header whose words mean a village (村别), short place names repeated row after row (东岭)."""
    if meaning not in (None, "village") or "village_raw" not in [c for c, _ in free]:
        return None
    if p.share("village") >= AGREE:
        how = "" if meaning else f"{p.share('village'):.0%}的值形如村名（…村、…社区、…村民委员会）"
        return Inferred("village_raw", "village", p.share("village"), how)
    if meaning == "village" and p.share("place") >= AGREE and p.distinct <= PLACE_DISTINCT:
        return Inferred("village_raw", "village", p.share("place"),
                        f"表头词义为村，{p.share('place'):.0%}的值为简短地名且逐行重复（不同值仅占{p.distinct:.0%}）")
    return None


def infer(header: str, p: Profile, free: list[tuple[str, str]]) -> Inferred | None:
    """A canonical column for an unmapped header when its words and its values agree. `free`: the
    extract's unmapped (column, kind) pairs, in declared order."""
    if scale_or_unit_qualified(header):
        return None  # 欠缴金额（万元）: its numbers are not the 元 of any column; left unused and reported
    meaning = meaning_of(header)
    if p.count < (FEW_VALUES.get(meaning, MIN_VALUES) if meaning else MIN_VALUES):
        return None
    coded = village_code_by_values(meaning, p.share("village_code"), free, AGREE)
    if coded is not None:
        return Inferred(coded[0], "village", coded[1], coded[2])
    village = _village_by_values(meaning, p, free)
    if village is not None or meaning is None:
        return village
    shape = MEANINGS[meaning][1]
    share = p.share_like(shape)
    if meaning == "end":  # 离职时间 holding 在任 beside a few dates: an end date, mostly not reached
        share += p.share("open_end")
    if share < AGREE:
        return None  # the words say one thing, the values another: not mapped
    names = [c for c, _ in free]
    if meaning in TARGETS:
        target = next((c for c in TARGETS[meaning] if c in names), None)
    else:
        same_kind = [c for c, k in free if k == BY_KIND.get(meaning)]
        target = same_kind[0] if len(same_kind) == 1 else None
    return Inferred(target, meaning, share) if target else None


# Sampled rows under a header for value profiles (recognition score, columns mapped by content).
PROFILE_ROWS = 30
# How far below the header values are looked for: a column filled on few rows (减员时间 on a payroll,
# 停保时间 on a roster) still gets PROFILE_ROWS values to be judged by. Callers pass this many rows.
PROFILE_DEPTH = 300


def column_profiles(rows: list[list], last_header_row: int, width: int) -> list[Profile]:
    """The value profile of each column under a header ending on `last_header_row` (whatever row
    it starts on: 户主/姓名 on rows 3-4 and 姓名 alone on row 4 have the same values under them)."""
    start = last_header_row + 1
    while start < min(len(rows), last_header_row + 1 + NUMBER_ROWS) and column_numbers(rows[start]):
        start += 1  # a 栏次 row's 6 is no value of the column: 2 dates under 停发时间 are not 2 of 3
    block = rows[start:start + PROFILE_DEPTH]
    out = []
    for c in range(width):
        values: list = []
        for r in block:
            v = r[c] if c < len(r) else None
            if v is not None and v != "":
                values.append(v)
                if len(values) == PROFILE_ROWS:
                    break
        out.append(profile(profile_items(values)))  # a cell listing persons counts as its persons
    return out
