"""Flag lifecycle across runs (new / open / resolved) and the analysts' triage that survives re-runs.

A flag is identified by its stable flag_id (same rule, village, subject and detail → same id).
`flag_history` remembers every flag ever produced; `triage` holds the analysts' verdicts. A
verdict is tied to the facts it was given on (facts_hash): a dismissed (排除) flag stays
dismissed while its facts are unchanged, and comes back untriaged when they change.
"""

from __future__ import annotations

import datetime as dt
import getpass

import duckdb
import polars as pl

from xuncha.transaction import transaction

TRIAGE_STATUSES = ("已核实", "排除", "整改中", "已整改")

STATUS_NEW, STATUS_OPEN, STATUS_RESOLVED = "new", "open", "resolved"
STATUS_LABELS = {STATUS_NEW: "新增", STATUS_OPEN: "持续", STATUS_RESOLVED: "已消失"}

HISTORY_DDL = """
CREATE TABLE IF NOT EXISTS flag_history (
    flag_id VARCHAR PRIMARY KEY, rule_id VARCHAR, village_code VARCHAR, subject_key VARCHAR,
    subject_name VARCHAR, summary VARCHAR, facts_hash VARCHAR,
    first_seen TIMESTAMP, last_seen TIMESTAMP, resolved_at TIMESTAMP
)
"""
TRIAGE_DDL = """
CREATE TABLE IF NOT EXISTS triage (
    flag_id VARCHAR PRIMARY KEY, triage_status VARCHAR, note VARCHAR, facts_hash VARCHAR,
    triaged_by VARCHAR, triaged_at TIMESTAMP, origin VARCHAR
)
"""


# One row per run that tracked flags: when it ran and the run before it (NULL for the first, the
# baseline, where every flag is new because there was nothing to compare with).
RUNS_DDL = """
CREATE TABLE IF NOT EXISTS check_runs (run_time TIMESTAMP PRIMARY KEY, previous_run TIMESTAMP)
"""


class TriageError(Exception):
    """A triage request that cannot be applied; the message is Chinese."""


def ensure_tables(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(HISTORY_DDL)
    con.execute(TRIAGE_DDL)
    con.execute(RUNS_DDL)


def last_check(con: duckdb.DuckDBPyConnection) -> tuple[dt.datetime, dt.datetime | None] | None:
    """(time of the latest run that tracked flags, time of the run before it or None for the
    baseline); None when no run has tracked flags."""
    ensure_tables(con)
    row = con.execute("SELECT run_time, previous_run FROM check_runs ORDER BY run_time DESC LIMIT 1").fetchone()
    return (row[0], row[1]) if row else None


def apply_lifecycle(con: duckdb.DuckDBPyConnection, flags: pl.DataFrame, run_time: dt.datetime) -> pl.DataFrame:
    """Record this run's flags in flag_history; return them plus resolved ones, with status columns.

    Returned columns added: status, first_seen, last_seen, triage, triage_note.
    """
    ensure_tables(con)
    current = flags.select("flag_id", "rule_id", "village_code", "subject_key", "subject_name", "summary", "facts_hash")  # noqa: F841
    previous_open = set(
        r[0] for r in con.execute("SELECT flag_id FROM flag_history WHERE resolved_at IS NULL").fetchall()
    )
    # The run before this one; warehouses older than check_runs know it from the flags' history.
    previous_run = con.execute(
        """SELECT coalesce((SELECT max(run_time) FROM check_runs WHERE run_time < $t),
                           (SELECT max(last_seen) FROM flag_history WHERE last_seen < $t))""",
        {"t": run_time},
    ).fetchone()[0]
    with transaction(con):
        con.execute("INSERT OR REPLACE INTO check_runs VALUES ($t, $p)", {"t": run_time, "p": previous_run})
        # Flags produced again keep their first_seen; a flag that had been resolved and is back
        # starts a new life (first_seen = now), so "new" means new since the last run.
        con.execute(
            """
            INSERT INTO flag_history
            SELECT flag_id, rule_id, village_code, subject_key, subject_name, summary, facts_hash,
                   $t, $t, NULL FROM current
            ON CONFLICT (flag_id) DO UPDATE SET
                first_seen = CASE WHEN flag_history.resolved_at IS NULL THEN flag_history.first_seen ELSE $t END,
                last_seen = $t, resolved_at = NULL,
                facts_hash = excluded.facts_hash, summary = excluded.summary,
                subject_name = excluded.subject_name
            """,
            {"t": run_time},
        )
        con.execute(
            """
            UPDATE flag_history SET resolved_at = $t
            WHERE resolved_at IS NULL AND flag_id NOT IN (SELECT flag_id FROM current)
            """,
            {"t": run_time},
        )
    history = con.execute("SELECT flag_id, first_seen, last_seen, resolved_at FROM flag_history").pl()
    now_current = flags.join(history.drop("resolved_at"), on="flag_id", how="left", maintain_order="left").with_columns(
        pl.when(pl.col("flag_id").is_in(list(previous_open)))
        .then(pl.lit(STATUS_OPEN))
        .otherwise(pl.lit(STATUS_NEW))
        .alias("status")
    )
    just_resolved = con.execute(
        """
        SELECT flag_id, rule_id, village_code, subject_key, subject_name, summary, facts_hash,
               first_seen, last_seen FROM flag_history WHERE resolved_at = $t ORDER BY flag_id
        """,
        {"t": run_time},
    ).pl().with_columns(pl.lit(STATUS_RESOLVED).alias("status"))
    combined = pl.concat([now_current, just_resolved], how="diagonal_relaxed")
    return with_triage(con, combined)


def with_triage(con: duckdb.DuckDBPyConnection, flags: pl.DataFrame) -> pl.DataFrame:
    """Attach the triage verdicts that still hold (same facts as when they were given)."""
    ensure_tables(con)
    verdicts = con.execute("SELECT flag_id, triage_status, note, facts_hash AS triaged_facts FROM triage").pl()
    joined = flags.drop("triage", "triage_note", strict=False).join(verdicts, on="flag_id", how="left",
                                                                       maintain_order="left")
    holds = pl.col("triage_status").is_not_null() & (pl.col("triaged_facts") == pl.col("facts_hash"))
    return joined.with_columns(
        pl.when(holds).then(pl.col("triage_status")).otherwise(pl.lit("")).alias("triage"),
        pl.when(holds).then(pl.col("note")).otherwise(pl.lit("")).alias("triage_note"),
    ).drop("triage_status", "note", "triaged_facts")


def set_triage(
    con: duckdb.DuckDBPyConnection,
    flag_id: str,
    status: str,
    note: str = "",
    origin: str = "命令行",
    when: dt.datetime | None = None,
) -> None:
    """Record an analyst's verdict on a flag, against the facts the flag has now."""
    ensure_tables(con)
    if status not in TRIAGE_STATUSES:
        raise TriageError(f"核查状态“{status}”无效，只能是：{'、'.join(TRIAGE_STATUSES)}")
    if status == "排除" and not note.strip():
        raise TriageError("标记为“排除”时必须写明理由（--note）")
    row = con.execute("SELECT facts_hash FROM flag_history WHERE flag_id = ?", [flag_id]).fetchone()
    if row is None:
        raise TriageError(f"找不到疑点编号“{flag_id}”（请从 flags.csv 或村级工作簿中复制完整编号）")
    con.execute(
        """
        INSERT INTO triage VALUES (?, ?, ?, ?, ?, ?, ?)
        ON CONFLICT (flag_id) DO UPDATE SET triage_status = excluded.triage_status, note = excluded.note,
            facts_hash = excluded.facts_hash, triaged_by = excluded.triaged_by,
            triaged_at = excluded.triaged_at, origin = excluded.origin
        """,
        [flag_id, status, note, row[0], getpass.getuser(), when or dt.datetime.now(), origin],
    )
