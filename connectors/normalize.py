"""Turn what departments typed into canonical values: one normaliser per column kind.

Each scalar normaliser returns (value, problem); problem is a reason code (REASONS) or None, so the
caller can quarantine a row with a Chinese reason. The scalar functions are the reference; the hot
path (`normalise_series`) applies the same rules to whole polars columns, vectorised for ids, names,
text and codes, and through the scalar function on unique values only for dates and numbers.
Tests hold both to the same table of quirks.

Long because the scalar reference and its vectorised twin for each kind sit side by side, so a
quirk fixed in one is seen to need fixing in the other.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata

import polars as pl

from connectors.twodigit import bare_month, century, marked_month
from xuncha import idcard

# Reason codes -> Chinese message (the caller adds file, sheet, row, column and the raw value).
REASONS: dict[str, str] = {
    "list_mismatch": "同一格内列出的成员人数不一致（姓名、身份证号、关系个数不同），无法按位置对应，整行未拆分",
    "id_scientific": "身份证号为科学计数法（如6.10102E+17），后几位已丢失，无法恢复",
    "id_numeric": ("身份证号在文件中存为数字，文件里只保留了约15位有效数字（科学计数法或.xls中的浮点数），"
                   "后几位已丢失，无法恢复；请让报送单位将该列设为文本格式后重新导出"),
    "id_format": "身份证号格式错误（应为18位，最后一位可为X）",
    "id_checksum": "身份证号校验位错误",
    "id_birth_date": "身份证号中的出生日期不存在或晚于今天",
    "id_region": "身份证号前6位地区码不在全国行政区划代码表中（含历史代码和港澳台居民居住证810000/820000/830000）",
    "id_missing": "身份证号为空",
    "account_numeric": ("账号在文件中存为数字，文件里只保留了约15位有效数字（科学计数法或.xls中的浮点数），"
                        "后几位已丢失，无法恢复；请让报送单位将该列设为文本格式后重新导出"),
    "account_scientific": "账号为科学计数法（如6.217E+18），后几位已丢失，无法恢复",
    "missing_required": "必填项为空",
    "bad_date": "无法识别为日期",
    "ambiguous_date": ("日期写法有歧义，无法判断年、月、日的顺序（如6/5/2024可能是6月5日也可能是5月6日，6/5/24还可能是2006年），"
                       "请写成2024-06-05这样年在前的格式"),
    "formula_uncalculated": "公式未重新计算，请在Excel中重新计算后保存",
    "bad_amount": "无法识别为金额或数值",
    "bad_int": "无法识别为整数",
    "missing_column": "表中缺少此必需列",
    "direction_unknown": ("有金额但借贷方向既不是“借”也不是“贷”，无法确定记入借方还是贷方；"
                          "请报送单位核对该行的借贷方向"),
    "period_no_year": ("期间列表头只写了月份（或季度），标题、表名、文件名和文件夹名中都找不到唯一的年份，"
                       "无法确定发放年份；请在标题或表名中注明年份，或把表头写成“2024年1月”"),
}

# What the reader puts in a formula cell whose result is unknown (no cached value, or a cached value
# the writing program never calculated): never a value, always the reason "formula_uncalculated".
FORMULA_UNCALCULATED = "#公式未计算#"
# What a one-amount ledger's split (connectors/direction_amounts.py) writes, followed by the cells as
# written, in the amount cells of a row whose direction is neither 借 nor 贷: never a value, always the
# reason "direction_unknown", and the row is quarantined whatever the column (QUARANTINE_ALWAYS).
DIRECTION_UNKNOWN = "借贷方向不明："
# Reasons that quarantine the row in any column, required or not: the row cannot be read at all.
QUARANTINE_ALWAYS = frozenset({"direction_unknown"})

# Values that mean "nothing here" in Chinese spreadsheets.
EMPTY_MARKERS = frozenset(["", "无", "/", "-", "—", "——", "--", "－", "／", "\\", "null", "NULL", "None", "nan", "NaN",
                           "#N/A", "N/A"])

# Excel serial numbers we accept as dates: 1901-01-01 .. 2099-12-31.
SERIAL_MIN, SERIAL_MAX = 367, 73050
_EXCEL_EPOCH = dt.date(1899, 12, 30)
# Numbers at or above this cannot be exact 16+-digit identifiers once stored as Excel numbers.
LOSSY_NUMBER = 1e15

_WS = " \t\r\n\u3000\u00a0\u200b\ufeff"
_WS_RE = r"[\s\u3000\u00a0\u200b\ufeff]"
_FULLWIDTH_DIGITS = str.maketrans("０１２３４５６７８９Ｘｘ", "0123456789XX")
_DOTS = "•・.‧･∙⋅．"
_DOT_RE = "[" + re.escape(_DOTS) + "]"
# What a name never holds: white space and control characters (a name pasted from a terminal or an
# export that kept a stray \x01 is the same person's name without them)
_NAME_JUNK_RE = r"[\s\u3000\u00a0\u200b\ufeff\x00-\x1f\x7f]"


def _blank(s: str) -> bool:
    return s.strip(_WS) in EMPTY_MARKERS


# ---------------------------------------------------------------- ids


_ID_JUNK = re.compile(_WS_RE + r"|['‘’`\"“”=]")
_SCI = re.compile(r"^\d+(\.\d+)?E\+?\d+$")
_TRAILING_ZERO_FRACTION = re.compile(r"^(\d+)\.0+$")


def clean_id_text(raw: str) -> str:
    s = _ID_JUNK.sub("", raw.translate(_FULLWIDTH_DIGITS)).upper()
    return _TRAILING_ZERO_FRACTION.sub(r"\1", s)


def normalize_id(raw: object) -> tuple[str | None, str | None]:
    """A resident ID as 18 characters, or the reason it is unusable."""
    if raw is None:
        return None, "id_missing"
    if isinstance(raw, bool):
        return None, "id_format"
    if isinstance(raw, (int, float)):
        # Excel keeps 15 significant digits: any number this large has lost its last digits.
        if abs(raw) >= LOSSY_NUMBER:
            return None, "id_numeric"
        if isinstance(raw, float) and not raw.is_integer():
            return None, "id_format"
        raw = str(int(raw))
    s = clean_id_text(str(raw))
    if s in EMPTY_MARKERS:
        return None, "id_missing"
    if _SCI.match(s):
        return None, "id_scientific"
    if len(s) == 15 and s.isdigit():
        s = idcard.upgrade_15(s)
    code = idcard.problem(s)
    return (s, None) if code is None else (None, "id_" + code)


# ---------------------------------------------------------------- names and text


def normalize_name(raw: object) -> tuple[str | None, str | None]:
    if raw is None:
        return None, None
    s = re.sub(_NAME_JUNK_RE, "", str(raw))
    s = re.sub(_DOT_RE, "·", s)
    return (None, None) if s in EMPTY_MARKERS else (s, None)


def normalize_text(raw: object) -> tuple[str | None, str | None]:
    if raw is None:
        return None, None
    s = _number_text(raw).strip(_WS)
    return (None, None) if s in EMPTY_MARKERS else (s, None)


def normalize_code(raw: object) -> tuple[str | None, str | None]:
    """Digits kept as text (accounts, voucher numbers); a lossy number is reported, not kept."""
    if raw is None:
        return None, None
    if isinstance(raw, (int, float)) and not isinstance(raw, bool):
        if abs(raw) >= LOSSY_NUMBER:
            return None, "account_numeric"
    s = _number_text(raw)
    s = re.sub(_WS_RE, "", s).lstrip("'‘`").translate(_FULLWIDTH_DIGITS)
    if s in EMPTY_MARKERS:
        return None, None
    if _SCI.match(s.upper()):
        return None, "account_scientific"
    return _TRAILING_ZERO_FRACTION.sub(r"\1", s), None


def _number_text(raw: object) -> str:
    if isinstance(raw, float) and raw.is_integer() and abs(raw) < LOSSY_NUMBER:
        return str(int(raw))
    return str(raw)


# ---------------------------------------------------------------- dates


_YMD = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$")
_YMD_COMPACT = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
_YM = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*月?(?:份)?$")
_YM_COMPACT = re.compile(r"^(\d{4})(\d{2})$")
_SERIAL = re.compile(r"^\d{3,5}(\.\d+)?$")
# Two-digit years: year first, as Chinese dates are written (24.6.5, 24-06-05, 24年6月5日).
# One separator throughout (23.7-12 is a period, July to December: connectors/periods.py).
_YY_MD = re.compile(r"^(\d{2})\s*(?:([-.])|年)\s*(\d{1,2})\s*(?(2)\2|月)\s*(\d{1,2})\s*日?$")
# Day and month before a year (6/5/2024, 6/5/24): English-locale exports, order unknown.
_MD_Y = re.compile(r"^(\d{1,2})\s*[/.-]\s*(\d{1,2})\s*[/.-]\s*(\d{4}|\d{2})$")
# A date typed as the number 20200411 (a numeric cell, or its text "20200411.0").
COMPACT_MIN, COMPACT_MAX = 19000101, 21001231


def _from_serial(v: float) -> dt.date | None:
    if SERIAL_MIN <= v <= SERIAL_MAX:
        return _EXCEL_EPOCH + dt.timedelta(days=int(v))
    return None


def _from_compact(v: float) -> dt.date | None:
    if not (COMPACT_MIN <= v <= COMPACT_MAX and float(v).is_integer()):
        return None
    n = int(v)
    try:
        return dt.date(n // 10000, n // 100 % 100, n % 100)
    except ValueError:
        return None


_century = century  # the one two-digit-year rule (connectors/twodigit.py)


def _number_date(v: float) -> tuple[dt.date | None, str | None]:
    d = _from_compact(v) or _from_serial(v)
    return (d, None) if d else (None, "bad_date")


def normalize_date(raw: object) -> tuple[dt.date | None, str | None]:
    """A date from what departments write; rules documented in README (日期):

    2024-06-05, 2024/6/5, 2024.6.5, 2024年6月5日, 20240605 (text or number), Excel serial numbers
    (367..73050, as numbers or text), 2024-06 / 2024年6月 / 202406 (first of the month);
    two-digit years only year first (24.6.5, 24-06-05, 24年6月5日, 24年6月): 20yy up to this year, else 19yy;
    day and month before a four-digit year (6/5/2024) only where one of them is over 12 (or both are
    equal), else "ambiguous_date", as is any date with the year last in two digits (6/5/24).
    """
    if raw is None:
        return None, None
    if isinstance(raw, dt.datetime):
        return raw.date(), None
    if isinstance(raw, dt.date):
        return raw, None
    if isinstance(raw, (int, float)) and not isinstance(raw, bool):
        return _number_date(float(raw))
    s = unicodedata.normalize("NFKC", str(raw)).strip(_WS)
    if s in EMPTY_MARKERS:
        return None, None
    s = _TRAILING_ZERO_FRACTION.sub(r"\1", s)  # a numeric cell rendered as text: "20200411.0"
    try:
        for pattern, has_day in ((_YMD, True), (_YMD_COMPACT, True), (_YM, False), (_YM_COMPACT, False)):
            m = pattern.match(s)
            if m:
                y, mth = int(m.group(1)), int(m.group(2))
                day = int(m.group(3)) if has_day else 1
                if not 1900 <= y <= 2100:
                    return None, "bad_date"
                return dt.date(y, mth, day), None
        m = _YY_MD.match(s)
        if m:
            return dt.date(_century(int(m.group(1))), int(m.group(3)), int(m.group(4))), None
        marked = marked_month(s)  # 24年3月: the first of the month, as 2024年3月
        if marked is not None:
            return marked
        m = _MD_Y.match(s)
        if m:
            a, b, y = int(m.group(1)), int(m.group(2)), m.group(3)
            if len(y) == 2 or (a <= 12 and b <= 12 and a != b):
                return None, "ambiguous_date"  # 06/05/24: which part is the year, which the month?
            month, day = (b, a) if a > 12 else (a, b)
            return dt.date(int(y), month, day), None
    except ValueError:
        return None, "bad_date"
    if _SERIAL.match(s):
        v = float(s)
        # A bare 4-digit year is not a serial number, even though 2023 would be one.
        if not (1900 <= v <= 2100):
            d = _from_serial(v)
            if d:
                return d, None
    return None, "bad_date"


def normalize_month(raw: object) -> tuple[dt.date | None, str | None]:
    """A month: any date (its first day), and in a month column only 24.03 / 24-03 / 24/3 with a
    two-digit year first (12.03 is ambiguous: connectors/twodigit.py)."""
    d, problem = normalize_date(raw)
    if problem == "bad_date" and isinstance(raw, str):
        bare = bare_month(raw)
        if bare is not None:
            return bare
    return (d.replace(day=1) if d else None), problem


# ---------------------------------------------------------------- numbers


_AMOUNT_JUNK = re.compile(_WS_RE + r"|[,，¥￥$元亩]|RMB|人民币")
_WAN = re.compile(r"^(.*)万$")


def normalize_amount(raw: object) -> tuple[float | None, str | None]:
    """Yuan or mu: "1,234.50", "1234.5元", "(1,200.00)" -> -1200.0, "¥", full-width digits."""
    if raw is None:
        return None, None
    if isinstance(raw, bool):
        return None, "bad_amount"
    if isinstance(raw, (int, float)):
        return float(raw), None
    s = unicodedata.normalize("NFKC", str(raw)).strip(_WS)
    if s in EMPTY_MARKERS:
        return None, None
    s = _AMOUNT_JUNK.sub("", s)
    negative = False
    if len(s) >= 2 and s[0] == "(" and s[-1] == ")":
        negative, s = True, s[1:-1]
    scale = 1.0
    m = _WAN.match(s)
    if m:
        scale, s = 10000.0, m.group(1)
    try:
        v = float(s) * scale
    except ValueError:
        return None, "bad_amount"
    if v != v or v in (float("inf"), float("-inf")):
        return None, "bad_amount"
    return (-v if negative else v), None


_CN_DIGITS = {"零": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_INT_UNITS = re.compile(r"^第?(.+?)(?:级|人|张|块|个|户|岁|周岁|次|年)?$")


def _chinese_small_int(s: str) -> int | None:
    """一..九十九 (grades, counts)."""
    if s == "十":
        return 10
    if len(s) == 1 and s in _CN_DIGITS:
        return _CN_DIGITS[s]
    if len(s) == 2 and s[0] == "十" and s[1] in _CN_DIGITS:
        return 10 + _CN_DIGITS[s[1]]
    if len(s) in (2, 3) and s[0] in _CN_DIGITS and s[1] == "十":
        tail = s[2:]
        if not tail:
            return _CN_DIGITS[s[0]] * 10
        if tail in _CN_DIGITS:
            return _CN_DIGITS[s[0]] * 10 + _CN_DIGITS[tail]
    return None


def normalize_int(raw: object) -> tuple[int | None, str | None]:
    """Counts and grades: "3人" -> 3, "一级" -> 1, "3.0" -> 3."""
    if raw is None:
        return None, None
    if isinstance(raw, bool):
        return None, "bad_int"
    if isinstance(raw, (int, float)):
        return (int(raw), None) if float(raw).is_integer() else (None, "bad_int")
    s = unicodedata.normalize("NFKC", str(raw)).strip(_WS).replace(",", "")
    if s in EMPTY_MARKERS:
        return None, None
    m = _INT_UNITS.match(s)
    core = m.group(1) if m else s
    try:
        f = float(core)
        return (int(f), None) if f.is_integer() else (None, "bad_int")
    except ValueError:
        pass
    n = _chinese_small_int(core)
    return (n, None) if n is not None else (None, "bad_int")


SCALAR = {
    "id": normalize_id,
    "name": normalize_name,
    "text": normalize_text,
    "village": normalize_text,
    "code": normalize_code,
    "date": normalize_date,
    "month": normalize_month,
    "yuan": normalize_amount,
    "mu": normalize_amount,
    "int": normalize_int,
}

_DTYPES = {
    "id": pl.String, "name": pl.String, "text": pl.String, "village": pl.String, "code": pl.String,
    "date": pl.Date, "month": pl.Date, "yuan": pl.Float64, "mu": pl.Float64, "int": pl.Int32,
}


# ---------------------------------------------------------------- vectorised


def _empty_expr(e: pl.Expr) -> pl.Expr:
    return e.is_null() | e.str.strip_chars(_WS).is_in(list(EMPTY_MARKERS))




def _check_char_expr(body17: pl.Expr) -> pl.Expr:
    # Digits by integer arithmetic on the 17-digit number: ten times faster than 17 string slices.
    number = body17.str.to_integer(strict=False).cast(pl.Int64)
    total = pl.sum_horizontal(
        [((number // 10 ** (16 - i)) % 10) * w for i, w in enumerate(idcard.WEIGHTS)]
    )
    return (total % 11).replace_strict(list(range(11)), list("10X98765432"), return_dtype=pl.String, default=None)


_ID_PROBLEMS = {idcard.FORMAT: "id_format", idcard.REGION: "id_region", idcard.BIRTH_DATE: "id_birth_date",
                idcard.CHECKSUM: "id_checksum"}


def _id_codes(ids: pl.Series, today: dt.date) -> pl.Series:
    """idcard.problem_codes of a polars column (Int8; 0 = valid)."""
    return pl.Series(idcard.problem_codes(ids.to_arrow(compat_level=pl.CompatLevel.oldest()), today))


def _id_frame(s: pl.Series, lossy: pl.Series | None, today: dt.date, numeric: bool = True
              ) -> tuple[pl.Series, pl.Series, pl.Series]:
    """Vectorised normalize_id over a column of rendered cell texts plus a lossy-number mask.

    Returns (valid IDs, problem codes, the cleaned text before validation). Most cells are valid
    IDs as they stand: those are judged on their bytes at once (idcard.problem_codes), and only the
    others are cleaned, upgraded from 15 digits and judged again.
    """
    n = len(s)
    lossy = lossy if lossy is not None else pl.repeat(False, n, eager=True)
    codes = _id_codes(s, today)
    good = (codes == idcard.VALID) & ~lossy
    if good.all():
        return s, pl.repeat(None, n, dtype=pl.String, eager=True), s
    todo = ~good
    raw = s.filter(todo)
    # [0-9], not \d: Rust's \d is Unicode-aware and matches full-width digits (６１１…).
    c = (raw.str.replace_many(list("０１２３４５６７８９Ｘｘ"), list("0123456789XX"))
         .str.replace_all(_ID_JUNK.pattern, "").str.replace_all("x", "X", literal=True))
    if numeric:  # a 15-digit ID that was an Excel number arrives as "610102900101123.0"
        c = c.str.replace(_TRAILING_ZERO_FRACTION.pattern, "${1}")
    is15 = c.str.contains(r"^[0-9]{15}$").fill_null(False)
    v = c
    if is15.any():  # old 15-digit IDs: century added, check digit computed
        old = c.filter(is15)
        body = old.str.slice(0, 6) + "19" + old.str.slice(6, 9)
        v = c.clone().scatter(is15.arg_true(), pl.select(pl.lit(body) + _check_char_expr(pl.lit(body))).to_series())
    bad = pl.DataFrame({"c": c, "v": v, "code": _id_codes(v, today), "lossy": lossy.filter(todo)})
    c_ = pl.col("c")
    problem = (
        pl.when(c_.is_null() | c_.is_in(_EMPTY_LIST)).then(pl.lit("id_missing"))
        .when(pl.col("lossy")).then(pl.lit("id_numeric"))
        .when((pl.col("code") == idcard.FORMAT) & c_.str.contains("(?i)" + _SCI.pattern)).then(pl.lit("id_scientific"))
        .otherwise(pl.col("code").replace_strict(_ID_PROBLEMS, default=None, return_dtype=pl.String))
    )
    bad = bad.with_columns(problem.alias("p"))
    at = todo.arg_true()
    cleaned = s.clone().scatter(at, bad["v"])  # clones: scatter writes in place
    problems = pl.repeat(None, n, dtype=pl.String, eager=True).scatter(at, bad["p"])
    values = s.clone().scatter(at, bad.select(pl.when(pl.col("p").is_null()).then(pl.col("v")))["v"])
    return values, problems, cleaned


def _by_unique(s: pl.Series, fn, dtype, only: pl.Series | None = None) -> tuple[pl.Series, pl.Series]:
    """Apply a scalar normaliser once per distinct value (of `only`, if given): values repeat a lot."""
    uniq = (only if only is not None else s).unique().drop_nulls().to_list()
    pairs = [fn(u) for u in uniq]
    vals = pl.Series([p[0] for p in pairs], dtype=dtype)
    probs = pl.Series([p[1] for p in pairs], dtype=pl.String)
    keys = pl.Series(uniq, dtype=pl.String)
    value = s.replace_strict(keys, vals, default=None, return_dtype=dtype)
    problem = s.replace_strict(keys, probs, default=None, return_dtype=pl.String)
    return value, problem


_EMPTY_LIST = sorted(EMPTY_MARKERS)


def _null_if_empty(v: pl.Series) -> pl.Series:
    """v must already be trimmed."""
    return pl.select(pl.when(pl.lit(v).is_in(_EMPTY_LIST)).then(None).otherwise(pl.lit(v))).to_series()


def _only_where(s: pl.Series, where: pl.Series, fn) -> pl.Series:
    """fn applied to the values of s where `where` (null: no), the rest as they are: most cells of
    a column need no cleaning, and a pass over a few costs less than one over all."""
    where = where.fill_null(False)
    if not where.any():
        return s
    return s.clone().scatter(where.arg_true(), fn(s.filter(where)))  # a clone: scatter writes in place


def _code_series(s: pl.Series, lossy: pl.Series, numeric: bool) -> tuple[pl.Series, pl.Series]:
    v = (s.str.replace_all(_WS_RE, "").str.strip_chars_start("'‘`")
         .str.replace_many(list("０１２３４５６７８９"), list("0123456789")))
    if numeric:
        v = v.str.replace(_TRAILING_ZERO_FRACTION.pattern, "${1}")
    df = pl.DataFrame({"v": v, "lossy": lossy})
    out = df.select(
        pl.when(pl.col("lossy")).then(pl.lit("account_numeric"))
        .when(pl.col("v").str.contains("(?i)" + _SCI.pattern)).then(pl.lit("account_scientific"))
        .otherwise(None).alias("p"),
        pl.when(pl.col("v").is_in(_EMPTY_LIST)).then(None).otherwise(pl.col("v")).alias("v"),
    )
    value = out.select(pl.when(pl.col("p").is_null()).then(pl.col("v")))
    return value.to_series(), out["p"]


def normalise_series(s: pl.Series, kind: str, lossy: pl.Series | None = None,
                     today: dt.date | None = None, numeric: bool = True) -> tuple[pl.Series, pl.Series]:
    """Normalise a column of cell texts (numbers already rendered as text by the reader).

    `lossy` marks cells that were Excel numbers too large to be exact (>= 1e15); for ids and codes
    they become a problem instead of a value. `numeric=False` says no cell was a number, which
    skips undoing the reader's "3.0" rendering. Returns (values, problem codes or null).
    """
    s = s.cast(pl.String)
    # Cells a reader marked as no value (a formula never calculated, an amount of no direction): the
    # rest normalised as usual, these empty with their reason.
    for reason, marked in (("formula_uncalculated", s == FORMULA_UNCALCULATED),
                           ("direction_unknown", s.str.starts_with(DIRECTION_UNKNOWN))):
        marked = marked.fill_null(False)
        if marked.any():
            value, problem = normalise_series(s.zip_with(~marked, pl.repeat(None, len(s), dtype=pl.String, eager=True)),
                                              kind, lossy, today, numeric)
            return (value.zip_with(~marked, pl.repeat(None, len(s), dtype=value.dtype, eager=True)),
                    problem.zip_with(~marked, pl.repeat(reason, len(s), dtype=pl.String, eager=True)))
    n = len(s)
    no_problem = pl.repeat(None, n, dtype=pl.String, eager=True)
    if kind == "id":
        return _id_frame(s, lossy, today or dt.date.today(), numeric)[:2]
    if kind == "name":
        v = _only_where(s, s.str.contains(f"{_NAME_JUNK_RE}|{_DOT_RE}"), lambda sub: sub.str.replace_all(_NAME_JUNK_RE, "")
                        .str.replace_all(_DOT_RE, "·"))
        return _null_if_empty(v), no_problem
    if kind in ("text", "village"):
        # Default trimming covers Unicode white space, the full-width space included.
        v = s.str.strip_chars()
        if numeric:
            v = v.str.replace(r"^(-?\d+)\.0$", "${1}")
        return _null_if_empty(v), no_problem
    if kind == "code":
        # Digits only (account numbers, mostly): nothing to clean, only a lossy number to report
        plain = s.str.contains(r"^[0-9]+$").fill_null(False)
        lossy = lossy if lossy is not None else pl.repeat(False, n, eager=True)
        if plain.all():
            problem = pl.select(pl.when(pl.lit(lossy)).then(pl.lit("account_numeric"))).to_series()
            return s.zip_with(~lossy, pl.repeat(None, n, dtype=pl.String, eager=True)), problem
        return _code_series(s, lossy, numeric)
    if kind in ("yuan", "mu"):
        # Fast path: plain numbers cast directly; only the rest go through the scalar rules.
        # Thousands separators, currency and unit marks and (negative) brackets are common enough
        # to be handled here too; the rest (full-width digits, 万) go through the scalar rules.
        pre = s.str.strip_chars()
        if not numeric or pre.str.contains(r"[^\d.\-]").any():
            pre = (pre.str.replace_all(r"[,¥￥元亩\s]", "")
                   .str.replace(r"^[(（](.*)[)）]$", "-${1}"))
        fast = pre.cast(pl.Float64, strict=False).fill_nan(None)
        rest = s.filter(fast.is_null() & s.is_not_null())
        if rest.len() == 0:
            return fast, no_problem
        v2, p2 = _by_unique(s, normalize_amount, pl.Float64, only=rest)
        return fast.fill_null(v2), pl.select(pl.when(pl.lit(fast).is_null()).then(pl.lit(p2))).to_series()
    if kind in ("date", "month"):
        # ISO dates (most of them) parsed here; the rest, once per distinct text, by the scalar rules
        iso = s.str.strptime(pl.Date, "%Y-%m-%d", strict=False)
        iso = pl.select(pl.when(pl.lit(s).str.contains(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")
                                & pl.lit(iso).dt.year().is_between(1900, 2100)).then(pl.lit(iso))).to_series()
        if kind == "month":
            iso = iso.dt.truncate("1mo")
        rest = s.filter(iso.is_null() & s.is_not_null())
        if rest.len() == 0:
            return iso, no_problem
        v2, p2 = _by_unique(s, SCALAR[kind], pl.Date, only=rest)
        return iso.fill_null(v2), pl.select(pl.when(pl.lit(iso).is_null()).then(pl.lit(p2))).to_series()
    if kind == "int":
        return _by_unique(s, normalize_int, pl.Int32)
    raise ValueError(f"unknown column kind {kind}")


def normalise_column(s: pl.Series, kind: str, lossy: pl.Series | None = None,
                     today: dt.date | None = None, numeric: bool = True) -> tuple[pl.Series, pl.Series, pl.Series]:
    """normalise_series plus the cleaned text before validation (for quarantine: the 18-character ID
    whose check digit is wrong is evidence for rule A06). Of kinds other than IDs, the cells' text as
    read: only quarantined rows' are shown, and trimmed then (frames.quarantine_frame), not every row's."""
    s = s.cast(pl.String)
    if kind == "id" and not (s == FORMULA_UNCALCULATED).any():
        return _id_frame(s, lossy, today or dt.date.today(), numeric)
    value, problem = normalise_series(s, kind, lossy, today, numeric)
    return value, problem, s


def dtype_of(kind: str) -> pl.DataType:
    return _DTYPES[kind]
