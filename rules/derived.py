"""Tables built once per check run and shared by rules: `kinship` (cadres and their close relatives).

Kinship comes from households: the household register (same 户号) and the assistance roster
(same 户主身份证号), reading each member's 与户主关系 and deriving how every member relates to
the cadre in the same household. Only the configured relations (config `kinship.relations`) are
kept; the cadre themself is always kept with relation 本人.
"""

from __future__ import annotations

import duckdb
import polars as pl

from rules import identity
from xuncha.config import WorkspaceConfig

# 与户主关系 as written → the member's role relative to the head.
ROLE_OF_RELATION = {
    "本人": "self", "户主": "self",
    "配偶": "spouse", "妻": "spouse", "妻子": "spouse", "夫": "spouse", "丈夫": "spouse",
    "子": "child", "女": "child", "儿子": "child", "女儿": "child", "长子": "child", "次子": "child",
    "三子": "child", "四子": "child", "长女": "child", "次女": "child", "三女": "child", "四女": "child",
    "独生子": "child", "独生女": "child", "养子": "child", "养女": "child", "继子": "child", "继女": "child",
    "子女": "child",
    "父亲": "parent", "母亲": "parent", "父": "parent", "母": "parent", "父母": "parent",
    "公公": "spouse_parent", "婆婆": "spouse_parent", "岳父": "spouse_parent", "岳母": "spouse_parent",
    "祖父": "grandparent", "祖母": "grandparent", "外祖父": "grandparent", "外祖母": "grandparent",
    "孙子": "grandchild", "孙女": "grandchild", "外孙子": "grandchild", "外孙女": "grandchild",
    "外孙": "grandchild", "孙子女": "grandchild",
    "儿媳": "child_spouse", "女婿": "child_spouse", "儿媳妇": "child_spouse",
    "兄": "sibling", "弟": "sibling", "姐": "sibling", "妹": "sibling", "哥哥": "sibling",
    "弟弟": "sibling", "姐姐": "sibling", "妹妹": "sibling", "兄弟姐妹": "sibling",
}

# (cadre's role, other member's role) → how the other member relates to the cadre. Pairs whose
# relation a household cannot tell (e.g. a child and the head's grandchild: own child or nephew?)
# are left out rather than guessed.
RELATION_TO_CADRE = {
    ("self", "spouse"): "配偶", ("self", "child"): "子女", ("self", "parent"): "父母",
    ("self", "grandparent"): "祖父母", ("self", "grandchild"): "孙子女",
    ("self", "child_spouse"): "子女的配偶", ("self", "sibling"): "兄弟姐妹",
    ("self", "spouse_parent"): "配偶的父母",
    ("spouse", "self"): "配偶", ("spouse", "child"): "子女", ("spouse", "spouse_parent"): "父母",
    ("spouse", "parent"): "配偶的父母", ("spouse", "grandchild"): "孙子女",
    ("spouse", "child_spouse"): "子女的配偶",
    ("child", "self"): "父母", ("child", "spouse"): "父母", ("child", "child"): "兄弟姐妹",
    ("child", "parent"): "祖父母", ("child", "spouse_parent"): "外祖父母",
    ("parent", "self"): "子女", ("parent", "spouse"): "子女的配偶", ("parent", "child"): "孙子女",
    ("parent", "parent"): "配偶", ("parent", "sibling"): "子女",
    ("spouse_parent", "spouse"): "子女", ("spouse_parent", "self"): "子女的配偶",
    ("spouse_parent", "spouse_parent"): "配偶",
    ("grandparent", "self"): "孙子女", ("grandparent", "sibling"): "孙子女",
    ("grandchild", "self"): "祖父母", ("grandchild", "spouse"): "祖父母",
    ("grandchild", "grandchild"): "兄弟姐妹",
    ("child_spouse", "self"): "配偶的父母", ("child_spouse", "spouse"): "配偶的父母",
    ("sibling", "self"): "兄弟姐妹", ("sibling", "sibling"): "兄弟姐妹", ("sibling", "parent"): "父母",
}

# Tables the kinship table is derived from.
KINSHIP_SOURCES = ("cadre_roster", "household_register", "assistance_roster")


def _mapping_frames() -> tuple[pl.DataFrame, pl.DataFrame]:
    roles = pl.DataFrame(
        {"relation_text": list(ROLE_OF_RELATION), "role": list(ROLE_OF_RELATION.values())}
    )
    pairs = pl.DataFrame(
        {
            "cadre_role": [k[0] for k in RELATION_TO_CADRE],
            "member_role": [k[1] for k in RELATION_TO_CADRE],
            "relation": list(RELATION_TO_CADRE.values()),
        }
    )
    return roles, pairs


def _count(con: duckdb.DuckDBPyConnection, table: str) -> int:
    try:
        return con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
    except duckdb.Error:
        return 0


def build_kinship(con: duckdb.DuckDBPyConnection, relations: list[str]) -> None:
    roles, pairs = _mapping_frames()  # noqa: F841  (read by DuckDB by name)
    wanted = pl.DataFrame({"relation": relations})  # noqa: F841
    con.execute("CREATE OR REPLACE TEMP TABLE _kin_roles AS SELECT * FROM roles")
    con.execute("CREATE OR REPLACE TEMP TABLE _kin_pairs AS SELECT * FROM pairs")
    con.execute("CREATE OR REPLACE TEMP TABLE _kin_wanted AS SELECT * FROM wanted")
    con.execute(
        """
        CREATE OR REPLACE TABLE kinship AS
        WITH members AS (
            -- 户号 like "001" repeat across villages: a household is a 户号 within a village
            SELECT 'H:' || coalesce(village_code, '?') || '/' || household_no AS household_key,
                   person_id, person_name,
                   coalesce(r.role, 'other') AS role, village_code,
                   'household_register' AS table_name, source_file, source_sheet, source_row
            FROM household_register h LEFT JOIN _kin_roles r ON r.relation_text = trim(h.relation_to_head)
            WHERE household_no IS NOT NULL AND person_id IS NOT NULL
            UNION ALL
            SELECT 'R:' || head_id, member_id, member_name,
                   CASE WHEN member_id = head_id THEN 'self' ELSE coalesce(r.role, 'other') END,
                   village_code, 'assistance_roster', source_file, source_sheet, source_row
            FROM assistance_roster a LEFT JOIN _kin_roles r ON r.relation_text = trim(a.relation_to_head)
            WHERE head_id IS NOT NULL AND member_id IS NOT NULL
        ),
        cadres AS (
            SELECT person_id AS cadre_id, person_name AS cadre_name, position AS cadre_position,
                   village_code, source_file, source_sheet, source_row
            FROM cadre_roster WHERE person_id IS NOT NULL
        ),
        relatives AS (
            SELECT c.cadre_id, c.cadre_name, c.cadre_position, c.village_code,
                   o.person_id AS relative_id, o.person_name AS relative_name, p.relation,
                   o.village_code AS relative_village_code,
                   [{'table_name': 'cadre_roster', 'source_file': c.source_file,
                     'source_sheet': c.source_sheet, 'source_row': c.source_row},
                    {'table_name': m.table_name, 'source_file': m.source_file,
                     'source_sheet': m.source_sheet, 'source_row': m.source_row},
                    {'table_name': o.table_name, 'source_file': o.source_file,
                     'source_sheet': o.source_sheet, 'source_row': o.source_row}] AS evidence
            FROM cadres c
            JOIN members m ON m.person_id = c.cadre_id
            JOIN members o ON o.household_key = m.household_key AND o.person_id <> m.person_id
            JOIN _kin_pairs p ON p.cadre_role = m.role AND p.member_role = o.role
            WHERE p.relation IN (SELECT relation FROM _kin_wanted)
        )
        SELECT cadre_id, cadre_name, cadre_position, village_code,
               cadre_id AS relative_id, cadre_name AS relative_name,
               '本人' AS relation, village_code AS relative_village_code,
               [{'table_name': 'cadre_roster', 'source_file': source_file,
                 'source_sheet': source_sheet, 'source_row': source_row}] AS evidence
        FROM cadres
        UNION ALL
        -- The same relative can be found through the register and the roster: keep one row with
        -- both sources' evidence (a DISTINCT ON would pick one at random and flags would flicker).
        SELECT cadre_id, min(cadre_name), min(cadre_position), village_code, relative_id,
               min(relative_name), relation, min(relative_village_code),
               list_distinct(flatten(list(evidence)))
        FROM relatives GROUP BY cadre_id, village_code, relative_id, relation
        """
    )


KINSHIP_EMPTY = """
CREATE OR REPLACE TABLE kinship (
    cadre_id VARCHAR, cadre_name VARCHAR, cadre_position VARCHAR, village_code VARCHAR,
    relative_id VARCHAR, relative_name VARCHAR, relation VARCHAR, relative_village_code VARCHAR,
    evidence STRUCT(table_name VARCHAR, source_file VARCHAR, source_sheet VARCHAR, source_row INTEGER)[]
)
"""


def build_all(con: duckdb.DuckDBPyConnection, config: WorkspaceConfig, needed: set[str]) -> None:
    """Build the derived tables. `kinship` always exists afterwards (empty when it cannot be built),
    so a rule that only partly depends on it (D10) can still run its other checks."""
    identity.register(con)
    if "kinship" in needed and not missing_inputs(con, ("kinship",)):
        build_kinship(con, list(config.kinship.relations))
    else:
        con.execute(KINSHIP_EMPTY)


def missing_inputs(con: duckdb.DuckDBPyConnection, derived: tuple[str, ...] | set[str]) -> list[str]:
    """What a derived table lacks, as Chinese source names (empty when it can be built)."""
    missing: list[str] = []
    if "kinship" in derived:
        if _count(con, "cadre_roster") == 0:
            missing.append("村(居)民委员会成员名册（cadre_roster，用于推导干部近亲属）")
        if _count(con, "household_register") == 0 and _count(con, "assistance_roster") == 0:
            missing.append("户籍人口信息（household_register，用于推导近亲属）")
    return missing
