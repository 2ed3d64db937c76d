"""整改销号: a rectification record per flag, its audit trail, and the ledger's stage of every flag.

The verdict (核查结果) stays in rules.lifecycle's `triage` table, tied to the facts it was given on;
the other eight fields live in `rectification`. Every change of any of the nine fields, from the
command line or a returned workbook, is one row of `rectification_audit` (when, who, from where,
old and new value). Nothing here signs a flag off by itself: 销号 needs a person's 销号依据.

Stages (what the ledger counts), decided in this order:
  已销号      a person entered 销号日期 and 销号依据;
  暂无数据    the flag is no longer produced, but a file it came from is not loaded this run (or its
              rule did not run): nothing is known, the flag stays open;
  待销号确认  the flag is no longer produced and its sources are all there: the facts changed, a
              person confirms and signs off;
  otherwise   the verdict: 已核实 / 排除 / 整改中 / 已整改, or 未核查.
"""

from __future__ import annotations

import datetime as dt
import getpass

import duckdb
import polars as pl

from rules.lifecycle import TRIAGE_STATUSES, TriageError, ensure_tables, set_triage
from rules.problems import siblings
from rules.queries import scalar
from xuncha.transaction import transaction

# field -> (Chinese label, kind); 核查结果 is stored in `triage`, the rest in `rectification`.
VERDICT = "verify_result"
FIELDS: dict[str, tuple[str, str]] = {
    VERDICT: ("核查结果", "verdict"),
    "verified_by": ("核查人", "text"),
    "verified_on": ("核查日期", "date"),
    "measures": ("整改措施", "text"),
    "deadline": ("整改时限", "date"),
    "responsible": ("责任人", "text"),
    "completed_on": ("完成日期", "date"),
    "closed_on": ("销号日期", "date"),
    "close_basis": ("销号依据", "text"),
}
LABELS = {f: label for f, (label, _) in FIELDS.items()}
RECORD_FIELDS = [f for f in FIELDS if f != VERDICT]

UNCHECKED, CLOSED, TO_CONFIRM, NO_DATA = "未核查", "已销号", "待销号确认", "暂无数据"
# Ledger columns, in the order the office reads them.
STAGES = (UNCHECKED, "已核实", "整改中", "已整改", TO_CONFIRM, NO_DATA, CLOSED, "排除")
# Stages with nothing left to do: not overdue whatever the deadline says.
SETTLED = ("已整改", CLOSED, "排除")

RECTIFICATION_DDL = """
CREATE TABLE IF NOT EXISTS rectification (
    flag_id VARCHAR PRIMARY KEY, verified_by VARCHAR, verified_on DATE, measures VARCHAR, deadline DATE,
    responsible VARCHAR, completed_on DATE, closed_on DATE, close_basis VARCHAR,
    updated_at TIMESTAMP, updated_by VARCHAR
)
"""
AUDIT_DDL = """
CREATE TABLE IF NOT EXISTS rectification_audit (
    changed_at TIMESTAMP, changed_by VARCHAR, origin VARCHAR, flag_id VARCHAR, field VARCHAR,
    old_value VARCHAR, new_value VARCHAR
)
"""
# The files each flag was last produced from: what tells 暂无数据 from 待销号确认 once it is gone.
SOURCES_DDL = "CREATE TABLE IF NOT EXISTS flag_sources (flag_id VARCHAR, table_name VARCHAR, source_file VARCHAR)"
LEDGER_TABLE = "rectification_ledger"


def ensure_rectification_tables(con: duckdb.DuckDBPyConnection) -> None:
    ensure_tables(con)
    con.execute(RECTIFICATION_DDL)
    con.execute(AUDIT_DDL)
    con.execute(SOURCES_DDL)


def parse_date(value: object, label: str) -> dt.date | None:
    """A date from the command line or a workbook cell: 2026-12-03, 2026/12/3, 2026年12月3日, 20261203."""
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = str(value).strip().replace("年", "-").replace("月", "-").replace("日", "").replace("/", "-").replace(".", "-")
    for fmt in ("%Y-%m-%d", "%Y%m%d"):
        try:
            return dt.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise TriageError(f"“{label}”的值“{value}”不是日期，请写成 2026-12-03 的形式")


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value).strip()


def current_record(con: duckdb.DuckDBPyConnection, flag_id: str) -> dict[str, object]:
    """The nine fields as stored now (verdict as given, whether or not its facts still hold)."""
    ensure_rectification_tables(con)
    row = con.execute(f"SELECT {', '.join(RECORD_FIELDS)} FROM rectification WHERE flag_id = ?", [flag_id]).fetchone()
    out: dict[str, object] = dict(zip(RECORD_FIELDS, row, strict=True)) if row else dict.fromkeys(RECORD_FIELDS)
    verdict = con.execute("SELECT triage_status, note FROM triage WHERE flag_id = ?", [flag_id]).fetchone()
    out[VERDICT] = verdict[0] if verdict else None
    out["_note"] = verdict[1] if verdict else ""
    return out


def record(
    con: duckdb.DuckDBPyConnection,
    flag_id: str,
    changes: dict[str, object],
    *,
    origin: str = "命令行",
    note: str = "",
    user: str | None = None,
    when: dt.datetime | None = None,
) -> list[str]:
    """Apply the given fields (empty values are left alone) and audit each one that changes; the
    same goes to the other flags of its problem (rules.problems: one problem over several years).
    Returns the Chinese labels of the fields changed. Raises TriageError (Chinese) on bad input."""
    changed = _record_one(con, flag_id, changes, origin=origin, note=note, user=user, when=when)
    for sibling in siblings(con, flag_id):
        for label in _record_one(con, sibling, changes, origin=origin, note=note, user=user, when=when):
            if label not in changed:
                changed.append(label)
    return changed


def _record_one(
    con: duckdb.DuckDBPyConnection,
    flag_id: str,
    changes: dict[str, object],
    *,
    origin: str,
    note: str,
    user: str | None,
    when: dt.datetime | None,
) -> list[str]:
    ensure_rectification_tables(con)
    unknown = set(changes) - set(FIELDS)
    if unknown:
        raise TriageError(f"未知的整改字段：{'、'.join(sorted(unknown))}")
    if con.execute("SELECT 1 FROM flag_history WHERE flag_id = ?", [flag_id]).fetchone() is None:
        raise TriageError(f"找不到疑点编号“{flag_id}”（请从 flags.csv 或村级工作簿中复制完整编号）")
    new: dict[str, object] = {}
    for field, value in changes.items():
        if value is None or (isinstance(value, str) and not value.strip()):
            continue
        label, kind = FIELDS[field]
        if kind == "date":
            new[field] = parse_date(value, label)
        elif kind == "verdict":
            if value not in TRIAGE_STATUSES:
                raise TriageError(f"核查结果“{value}”无效，只能是：{'、'.join(TRIAGE_STATUSES)}")
            new[field] = value
        else:
            new[field] = str(value).strip()
    old = current_record(con, flag_id)
    merged = {**old, **new}
    if new.get("closed_on") and not merged.get("close_basis"):
        raise TriageError("销号须写明销号依据（--close-basis），例如整改报告文号或复核意见")
    if new.get("close_basis") and not merged.get("closed_on"):
        new["closed_on"] = merged["closed_on"] = (when or dt.datetime.now()).date()
    changed = [f for f in FIELDS if f in new and _text(new[f]) != _text(old.get(f))]
    if not changed:
        return []
    user = user or getpass.getuser()
    when = when or dt.datetime.now()
    with transaction(con):
        if VERDICT in changed:
            set_triage(con, flag_id, str(new[VERDICT]), note or str(old.get("_note") or ""), origin=origin, when=when)
        if any(f != VERDICT for f in changed):
            values = [merged.get(f) for f in RECORD_FIELDS]
            con.execute(
                f"""INSERT INTO rectification VALUES (?, {', '.join('?' for _ in RECORD_FIELDS)}, ?, ?)
                    ON CONFLICT (flag_id) DO UPDATE SET
                    {', '.join(f'{f} = excluded.{f}' for f in RECORD_FIELDS)},
                    updated_at = excluded.updated_at, updated_by = excluded.updated_by""",
                [flag_id, *values, when, user],
            )
        con.executemany(
            "INSERT INTO rectification_audit VALUES (?, ?, ?, ?, ?, ?, ?)",
            [[when, user, origin, flag_id, LABELS[f], _text(old.get(f)), _text(new[f])] for f in changed],
        )
    return [LABELS[f] for f in changed]


def latest_change(con: duckdb.DuckDBPyConnection) -> dt.datetime | None:
    ensure_rectification_tables(con)
    return scalar(con.execute("SELECT max(changed_at) FROM rectification_audit"))


def remember_sources(con: duckdb.DuckDBPyConnection, flags: pl.DataFrame) -> None:
    """Keep the files this run's flags came from (replacing what those flags had before)."""
    ensure_rectification_tables(con)
    if flags.is_empty() or "evidence_list" not in flags.columns:
        return
    sources = (  # noqa: F841  (read by DuckDB by name)
        flags.select("flag_id", "evidence_list").explode("evidence_list").drop_nulls("evidence_list")
        .unnest("evidence_list").select("flag_id", "table_name", "source_file").unique()
    )
    ids = flags.select("flag_id")  # noqa: F841
    con.execute("DELETE FROM flag_sources WHERE flag_id IN (SELECT flag_id FROM ids)")
    con.execute("INSERT INTO flag_sources SELECT flag_id, table_name, source_file FROM sources")


def _loaded_files(con: duckdb.DuckDBPyConnection) -> set[str]:
    """Files whose latest load is not a retirement (they left the inbox)."""
    try:
        rows = con.execute(
            "SELECT source_file FROM load_log QUALIFY row_number() OVER (PARTITION BY source_file "
            "ORDER BY loaded_at DESC) = 1 AND coalesce(file_hash, '') <> '__retired__'"
        ).fetchall()
    except duckdb.CatalogException:
        return set()
    return {r[0] for r in rows}


def _rules_not_run(con: duckdb.DuckDBPyConnection) -> set[str]:
    try:
        return {r[0] for r in con.execute("SELECT rule_id FROM rule_coverage WHERE status <> 'ran'").fetchall()}
    except duckdb.CatalogException:
        return set()


def build_ledger(con: duckdb.DuckDBPyConnection, current_ids: set[str], today: dt.date | None = None) -> pl.DataFrame:
    """Every flag ever produced, with its stage, verdict (as it holds on today's facts), the eight
    record fields, and why a gone flag is gone. Stored as `rectification_ledger`."""
    ensure_rectification_tables(con)
    today = today or dt.date.today()
    frame = con.execute(
        f"""
        SELECT h.flag_id, h.rule_id, h.village_code, h.subject_key, h.subject_name, h.summary,
               h.first_seen, h.last_seen, h.resolved_at,
               CASE WHEN t.facts_hash = h.facts_hash THEN t.triage_status END AS verify_result,
               t.triage_status AS given_verdict, t.note AS verdict_note,
               {', '.join('r.' + f for f in RECORD_FIELDS)}
        FROM flag_history h LEFT JOIN triage t USING (flag_id) LEFT JOIN rectification r USING (flag_id)
        """
    ).pl()
    loaded, not_run = _loaded_files(con), _rules_not_run(con)
    sources = con.execute("SELECT flag_id, list(DISTINCT source_file) AS files FROM flag_sources GROUP BY flag_id").fetchall()
    files = {fid: [f for f in fs if f] for fid, fs in sources}
    stages, reasons = [], []
    for r in frame.iter_rows(named=True):
        fid = r["flag_id"]
        gone = fid not in current_ids
        missing = [f for f in files.get(fid, []) if f not in loaded] if gone else []
        reason = ""
        if gone:
            if missing:
                reason = "来源文件本次未报送：" + "、".join(sorted(missing)[:3]) + ("等" if len(missing) > 3 else "")
            elif r["rule_id"] in not_run:
                reason = f"规则 {r['rule_id']} 本次未运行（缺少数据）"
            else:
                reason = "数据中已不再出现（事实已变化）"
        if r["closed_on"] is not None:
            stage = CLOSED
        elif gone and (missing or r["rule_id"] in not_run):
            stage = NO_DATA
        elif gone:
            stage = TO_CONFIRM
        else:
            # a verdict given on other facts does not hold: the flag is checked again
            stage = r["verify_result"] or UNCHECKED
        stages.append(stage)
        reasons.append(reason)
    out = frame.with_columns(
        pl.Series("stage", stages, dtype=pl.String),
        pl.Series("gone_reason", reasons, dtype=pl.String),
        pl.Series("is_current", [r in current_ids for r in frame["flag_id"].to_list()], dtype=pl.Boolean),
    )
    return out.with_columns(
        (pl.col("deadline").is_not_null() & (pl.col("deadline") < pl.lit(today))
         & ~pl.col("stage").is_in(list(SETTLED))).alias("overdue")
    )


def store_ledger(con: duckdb.DuckDBPyConnection, ledger: pl.DataFrame) -> None:
    con.execute(f"CREATE OR REPLACE TABLE {LEDGER_TABLE} AS SELECT * FROM ledger")


def open_items(ledger: pl.DataFrame) -> pl.DataFrame:
    """Flags a team still carries: current ones neither dismissed (排除, as in 问题清单) nor signed off,
    and gone ones not yet signed off (暂无数据, 待销号确认)."""
    if ledger.is_empty():
        return ledger
    return ledger.filter((pl.col("is_current") & ~pl.col("stage").is_in(["排除", CLOSED]))
                         | pl.col("stage").is_in([NO_DATA, TO_CONFIRM]))


def counts(ledger: pl.DataFrame, by: list[str]) -> pl.DataFrame:
    """Per group: the count of each stage, all flags, overdue ones."""
    schema_cols = [*by, *STAGES, "合计", "逾期"]
    if ledger.is_empty():
        return pl.DataFrame(schema={c: (pl.String if c in by else pl.Int64) for c in schema_cols})
    return (
        ledger.group_by(by)
        .agg(*[(pl.col("stage") == s).sum().cast(pl.Int64).alias(s) for s in STAGES],
             pl.len().cast(pl.Int64).alias("合计"), pl.col("overdue").sum().cast(pl.Int64).alias("逾期"))
        .sort(by)
        .select(schema_cols)
    )


def track(con: duckdb.DuckDBPyConnection, flags: pl.DataFrame, current_ids: set[str]) -> pl.DataFrame:
    """After a check: remember this run's flags' source files, then build and store the ledger."""
    remember_sources(con, flags)
    ledger = build_ledger(con, current_ids)
    store_ledger(con, ledger)
    return ledger

