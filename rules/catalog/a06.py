"""A06 身份信息异常: IDs that fail their check digit, birth date or region code; one ID with several names."""

from __future__ import annotations

import json
import re
from typing import Any

import duckdb
import polars as pl

from connectors.schema import TABLES
from rules.model import Question, Rule
from rules.sqlparts import clean_name

# Where a person's ID stands beside their name: (table, id column, name column).
ID_NAME_COLUMNS = (
    ("assistance_roster", "head_id", "head_name"),
    ("assistance_roster", "member_id", "member_name"),
    ("disability_payments", "person_id", "person_name"),
    ("old_age_payments", "person_id", "person_name"),
    ("deaths", "person_id", "person_name"),
    ("cadre_roster", "person_id", "person_name"),
    ("relative_filings", "applicant_id", "applicant_name"),
    ("payroll", "person_id", "person_name"),
    ("onecard_payments", "person_id", "person_name"),
    ("farmland_subsidy", "person_id", "head_name"),
    ("land_contracts", "person_id", "contractor_name"),
    ("collective_contracts", "lessee_id", "lessee_name"),
    ("household_register", "person_id", "person_name"),
    ("compensation_roster", "person_id", "person_name"),
)

ID_REASONS = ("id_checksum", "id_birth_date", "id_region")
REASON_TEXT = {"id_checksum": "校验码错误", "id_birth_date": "出生日期不存在", "id_region": "地区码不存在"}



def _union_sql(columns: str, where: str = "") -> str:
    """One SELECT per (table, ID column, name column); `columns` may use {id}, {name}, {village}, {table}."""
    parts = []
    for table, id_col, name_col in ID_NAME_COLUMNS:
        village = "village_code" if TABLES[table].has_village else "NULL::VARCHAR"
        cols = columns.format(id=id_col, name=name_col, village=village, table=table)
        cond = where.format(id=id_col, name=name_col, village=village, table=table)
        parts.append(
            f"SELECT {cols} FROM {table} "
            f"WHERE {id_col} IS NOT NULL AND coalesce(trim({name_col}), '') <> '' {cond}"
        )
    return "\nUNION ALL\n".join(parts)


# Header words that say "a name" / "an ID"; what is left of a header without them is its group
# (户主, 成员, 家庭成员/ …), so a member's ID is paired with the member's name, not the head's.
_NAME_WORDS = re.compile(r"姓名|名字|name", re.IGNORECASE)
_ID_WORDS = re.compile(r"公民身份号码|身份证号码|身份证号|身份证|证件号码|证件号|id", re.IGNORECASE)
_DEDUP_SUFFIX = re.compile(r"#\d+$")  # connectors make repeated headers unique as 姓名#5


def _group(header: str) -> str:
    return re.sub(r"[\s/_\-（）()：:]+", "", _ID_WORDS.sub("", _NAME_WORDS.sub("", _DEDUP_SUFFIX.sub("", header))))


def name_beside_id(raw: dict[str, Any], cleaned_id: str) -> str | None:
    """The name of the person whose ID is `cleaned_id`, from a quarantined row's raw cells (keyed by
    header, in column order): the name column of the ID column's group (户主/成员…), else the nearest
    name column before it, else after it. None when the row has no name column."""
    keys = list(raw)
    norm = {k: re.sub(r"\s", "", str(raw[k] or "")).upper() for k in keys}
    id_pos = next((i for i, k in enumerate(keys) if norm[k] and norm[k] == cleaned_id.upper()), None)
    if id_pos is None:
        id_pos = next((i for i, k in enumerate(keys) if cleaned_id.upper() in norm[k]), None)
    names = [i for i, k in enumerate(keys) if _NAME_WORDS.search(k) and str(raw[k] or "").strip()]
    if not names:
        return None
    if id_pos is None:
        return str(raw[keys[names[0]]]).strip()
    id_group = _group(keys[id_pos])

    def rank(i: int) -> tuple[bool, float]:
        distance = id_pos - i if i < id_pos else i - id_pos + 0.5  # the name before the ID first
        return (_group(keys[i]) != id_group, distance)

    return str(raw[keys[min(names, key=rank)]]).strip()


def _quarantine_flags(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    rows = con.execute(
        f"""
        SELECT village_code, cleaned_value, reason_code, raw_json, source_file, source_sheet, source_row,
               coalesce(table_name, 'quarantine') AS table_name
        FROM quarantine
        WHERE reason_code IN {ID_REASONS} AND coalesce(cleaned_value, '') <> ''
        """
    ).pl()
    names = []
    for raw_json, cleaned in zip(rows["raw_json"], rows["cleaned_value"], strict=True):
        try:
            raw = json.loads(raw_json) if raw_json else {}
        except json.JSONDecodeError:
            raw = {}
        names.append(name_beside_id(raw, cleaned) if isinstance(raw, dict) else None)
    named = rows.with_columns(pl.Series("person_name", names, dtype=pl.String))  # noqa: F841 (read by DuckDB)
    reasons = ", ".join(f"('{k}', '{v}')" for k, v in REASON_TEXT.items())
    return con.execute(
        f"""
        WITH q AS (
            SELECT q.*, coalesce(r.text, q.reason_code) AS what,
                   q.source_file || '/' || q.source_sheet || '第' || q.source_row || '行' AS place
            FROM named q LEFT JOIN (VALUES {reasons}) r(code, text) ON r.code = q.reason_code
        )
        SELECT village_code, cleaned_value AS subject_key,
               coalesce(min(person_name), '') AS subject_name, 0.0 AS amount_yuan,
               coalesce(min(person_name) || '的', '') || '身份证号' || cleaned_value
                 || '无效（' || string_agg(DISTINCT what, '、' ORDER BY what) || '），见于'
                 || string_agg(DISTINCT place, '、' ORDER BY place)
                 || '，可能是录入错误，也可能是虚构人员' AS summary,
               min(reason_code) AS detail_key,
               list({{'table_name': table_name, 'source_file': source_file,
                      'source_sheet': source_sheet, 'source_row': source_row}}
                    ORDER BY source_file, source_sheet, source_row) AS evidence,
               NULL AS severity, NULL AS confidence
        FROM q GROUP BY village_code, cleaned_value
        """
    ).pl()


def _name_flags(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    labels = ", ".join(f"('{t}', '{TABLES[t].label}')" for t in dict.fromkeys(t for t, _, _ in ID_NAME_COLUMNS))
    # Distinct raw spellings first (cheap on millions of payment rows); only IDs with more than one
    # raw spelling are cleaned, and only those still differing go through the (Python) homophone key.
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE _a06_ids AS
        WITH raw AS (
            SELECT DISTINCT person_id, person_name
            FROM ({_union_sql("{id} AS person_id, {name} AS person_name")})
        ),
        several AS (
            SELECT person_id, {clean_name('person_name')} AS clean
            FROM raw WHERE person_id IN (SELECT person_id FROM raw GROUP BY person_id HAVING count(*) > 1)
        ),
        spelled AS (SELECT DISTINCT person_id, clean FROM several),
        candidates AS (SELECT person_id FROM spelled GROUP BY person_id HAVING count(*) > 1),
        keyed AS (
            SELECT s.person_id, name_key(s.clean) AS key
            FROM spelled s SEMI JOIN candidates c ON c.person_id = s.person_id
        )
        SELECT person_id FROM keyed GROUP BY person_id HAVING count(DISTINCT key) > 1
        """
    )
    if con.execute("SELECT count(*) FROM _a06_ids").fetchone()[0] == 0:
        return pl.DataFrame()
    rows = _union_sql(
        "{id} AS person_id, {name} AS person_name, {village} AS village_code, '{table}' AS table_name, "
        "source_file, source_sheet, source_row",
        "AND {id} IN (SELECT person_id FROM _a06_ids)",
    )
    return con.execute(
        f"""
        WITH r AS (
            -- a roster row names the same person as head and as member: count it once
            SELECT DISTINCT r.*, {clean_name('r.person_name')} AS clean, l.label
            FROM ({rows}) r
            JOIN (VALUES {labels}) l(table_name, label) ON l.table_name = r.table_name
        ),
        by_name AS (
            SELECT person_id, clean, count(*) AS n,
                   string_agg(label || cnt || '条', '、' ORDER BY label) AS where_seen
            FROM (SELECT person_id, clean, label, count(*) AS cnt FROM r GROUP BY ALL)
            GROUP BY person_id, clean
        ),
        names AS (
            -- ties broken as the names are listed (arg_max picks any of them: a run could name
            -- the person differently from the last with nothing changed)
            SELECT person_id, first(clean ORDER BY n DESC, clean) AS main_name,
                   string_agg(clean || '（' || where_seen || '）', '；' ORDER BY n DESC, clean) AS names_text
            FROM by_name GROUP BY person_id
        ),
        village AS (
            -- the village where the ID appears most often
            SELECT person_id, first(village_code ORDER BY cnt DESC, village_code) AS village_code
            FROM (SELECT person_id, village_code, count(*) AS cnt FROM r
                  WHERE village_code IS NOT NULL GROUP BY ALL)
            GROUP BY person_id
        )
        SELECT v.village_code, r.person_id AS subject_key, any_value(n.main_name) AS subject_name,
               0.0 AS amount_yuan,
               '身份证号' || r.person_id || '在不同数据源中登记的姓名不一致：' || any_value(n.names_text)
                 AS summary,
               'names' AS detail_key,
               list({{'table_name': r.table_name, 'source_file': r.source_file,
                      'source_sheet': r.source_sheet, 'source_row': r.source_row}}
                    ORDER BY r.table_name, r.source_file, r.source_sheet, r.source_row) AS evidence,
               NULL AS severity, NULL AS confidence
        FROM r JOIN names n USING (person_id) LEFT JOIN village v USING (person_id)
        GROUP BY v.village_code, r.person_id
        """
    ).pl()


def run(con: duckdb.DuckDBPyConnection, params: dict[str, Any]) -> pl.DataFrame:
    frames = [f for f in (_quarantine_flags(con), _name_flags(con)) if not f.is_empty()]
    if not frames:
        return _quarantine_flags(con).clear()
    return pl.concat(frames, how="vertical_relaxed")


RULE = Rule(
    id="A06",
    title="身份信息异常",
    severity="中",
    semantics=(
        "(a) quarantined rows whose reason_code is id_checksum, id_birth_date or id_region (subject = the "
        "cleaned 18-character string as quarantined, village = the row's matched village); (b) one valid "
        'ID carrying names that differ (see "Names are the same") across any tables. Near misses: '
        "homophone variants, inner spaces, middle-dot variants, 15-digit IDs, lower-case x, full-width "
        "digits. IDs unrecoverable by format (scientific notation, numeric cells, wrong length) are "
        "data-quality errors, not A06 flags."
    ),
    tables=(),
    # invalid IDs come from the quarantine, differing names from any register with IDs and names
    any_tables=("quarantine", *dict.fromkeys(t for t, _, _ in ID_NAME_COLUMNS)),
    why="身份证号是各部门数据比对的唯一依据。号码校验码错误、出生日期或地区码不存在，"
    "可能只是录入错误，也可能是虚构的“空挂户”“假身份”；同一身份证号在不同部门登记为不同姓名，"
    "可能是冒名顶替领取补贴。虚报冒领往往从身份信息异常开始。",
    methodology="（一）数据导入时校验每个身份证号（GB 11643 校验码、出生日期、地区码），未通过而被隔离的记录，"
    "按号码和所在村各生成一条疑点；（二）同一有效身份证号在低保特困花名册、各类补贴发放名册、户籍、"
    "财政供养、干部名册等所有数据源中出现的姓名，去除空格、统一间隔号后仍不同，且读音（不计声调的拼音）也不同的，"
    "生成一条疑点，归属该号码出现最多的村（次数相同时取村代码在前的）；疑点上显示的姓名取出现次数最多的写法"
    "（次数相同时按疑点说明中列出的顺序取第一个），同样的数据每次运行结果相同。",
    exclusions=(
        "同音异写（如王丽/王莉，不同部门录入常见）视为同名，不计。",
        "姓名中间多余空格（如“王  伟”）视为同名，不计。",
        "少数民族姓名间隔号写法不同（·、•、・、.）或省略间隔号的，视为同名，不计。",
        "15 位旧身份证号、小写 x、全角数字等格式差异在导入时已统一，同一人不计。",
        "科学计数法、数值单元格、位数不对等无法恢复的号码属于数据质量问题，在导入报告中列出，不作本规则疑点。",
    ),
    assumptions=(
        "各数据源的身份证号已在导入时规范化为 18 位；隔离记录保留了清洗后的号码和所在村。",
        "同一号码的姓名差异可能来自录入错误或改名，需核实后再下结论。",
    ),
    verify="调取户籍信息核对该身份证号的真实姓名和户籍状态；到户见人，核实领取补贴的是否本人；"
    "号码无效的，查原始申请材料上的身份证复印件，确认是录入错误还是虚构人员，并查该号码名下的补贴去向。",
    questions=(
        Question("民政协理员", "{subject_name}的身份证号为何与户籍登记不一致（或无效）？录入时是否核对过身份证原件？"),
        Question("报账员", "补贴发放名册中{subject_name}的信息由谁提供、谁录入？发放前是否与户籍信息比对？"),
        Question("当事户", "请出示本人身份证和社保卡（一卡通）。这些补贴是否由您本人领取？"),
    ),
    run=run,
)
