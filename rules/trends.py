"""Village scores and classes kept per run, so the overview can show each village's trend."""

from __future__ import annotations

import duckdb
import polars as pl

from rules.queries import scalar

HISTORY_DDL = """
CREATE TABLE IF NOT EXISTS village_score_history (
    run_time TIMESTAMP, village_code VARCHAR, score DOUBLE, rank BIGINT, class VARCHAR,
    PRIMARY KEY (run_time, village_code)
)
"""


def remember_scores(con: duckdb.DuckDBPyConnection, scored: pl.DataFrame) -> None:
    """Keep this run's scores under the run's time (rules.lifecycle's check_runs); a run scored
    again (only triage changed) replaces its own row."""
    con.execute(HISTORY_DDL)
    row = con.execute("SELECT max(run_time) FROM check_runs").fetchone() if _has(con, "check_runs") else None
    if row is None or row[0] is None or scored.is_empty():
        return
    frame = scored.select("village_code", "score", "rank", "class")  # noqa: F841  (read by DuckDB by name)
    con.execute("DELETE FROM village_score_history WHERE run_time = ?", [row[0]])
    con.execute("INSERT INTO village_score_history SELECT ?, village_code, score, rank, class FROM frame", [row[0]])


def score_trends(con: duckdb.DuckDBPyConnection, runs: int = 5) -> dict[str, list[tuple]]:
    """village code -> [(run_time, score, rank, class), ...] of the last `runs` runs, oldest first."""
    if not _has(con, "village_score_history"):
        return {}
    rows = con.execute(
        """SELECT village_code, run_time, score, rank, class FROM village_score_history
           WHERE run_time IN (SELECT DISTINCT run_time FROM village_score_history ORDER BY run_time DESC LIMIT ?)
           ORDER BY village_code, run_time""", [runs]).fetchall()
    out: dict[str, list[tuple]] = {}
    for code, *rest in rows:
        out.setdefault(code, []).append(tuple(rest))
    return out


def trend_text(history: list[tuple]) -> str:
    """e.g. 32.0 → 28.5 → 12.0（下降）; empty for a village seen in one run only."""
    if len(history) < 2:
        return ""
    scores = [h[1] for h in history]
    arrow = "上升" if scores[-1] > scores[-2] else ("下降" if scores[-1] < scores[-2] else "持平")
    return " → ".join(f"{s:.1f}" for s in scores) + f"（{arrow}）"


def _has(con: duckdb.DuckDBPyConnection, table: str) -> bool:
    return bool(scalar(con.execute("SELECT count(*) FROM information_schema.tables WHERE table_name = ?", [table])))

