"""Flag statuses across three runs, and triage that survives re-runs unless the facts change."""

from __future__ import annotations

import datetime as dt

import duckdb
import polars as pl
import pytest

from rules.lifecycle import TriageError, apply_lifecycle, set_triage

T1, T2, T3 = (dt.datetime(2026, 11, d, 2, 30) for d in (1, 2, 3))


def flags(*rows: tuple[str, str]) -> pl.DataFrame:
    """rows: (flag_id, facts_hash)"""
    return pl.DataFrame(
        {
            "flag_id": [r[0] for r in rows],
            "rule_id": ["A01"] * len(rows),
            "village_code": ["611021100201"] * len(rows),
            "subject_key": [r[0] for r in rows],
            "subject_name": ["张三"] * len(rows),
            "summary": ["…"] * len(rows),
            "facts_hash": [r[1] for r in rows],
        }
    )


def status_of(frame: pl.DataFrame) -> dict[str, str]:
    return dict(zip(frame["flag_id"], frame["status"], strict=True))


def test_statuses_across_three_runs() -> None:
    con = duckdb.connect()
    run1 = apply_lifecycle(con, flags(("a", "1"), ("b", "1")), T1)
    assert status_of(run1) == {"a": "new", "b": "new"}
    run2 = apply_lifecycle(con, flags(("a", "1"), ("c", "1")), T2)
    assert status_of(run2) == {"a": "open", "c": "new", "b": "resolved"}
    a = run2.filter(pl.col("flag_id") == "a").row(0, named=True)
    assert a["first_seen"] == T1 and a["last_seen"] == T2
    run3 = apply_lifecycle(con, flags(("a", "1"), ("b", "1")), T3)
    # b came back after being resolved: new again; c disappeared; a still open
    assert status_of(run3) == {"a": "open", "b": "new", "c": "resolved"}
    assert run3.filter(pl.col("flag_id") == "b")["first_seen"][0] == T3


def test_triage_survives_reruns_and_lapses_when_facts_change() -> None:
    con = duckdb.connect()
    apply_lifecycle(con, flags(("a", "1"), ("b", "1")), T1)
    set_triage(con, "a", "排除", "已核实为同名不同人")
    set_triage(con, "b", "整改中")
    run2 = apply_lifecycle(con, flags(("a", "1"), ("b", "1")), T2)
    assert dict(zip(run2["flag_id"], run2["triage"], strict=True)) == {"a": "排除", "b": "整改中"}
    run3 = apply_lifecycle(con, flags(("a", "2"), ("b", "1")), T3)
    # a's facts changed: the dismissal no longer holds
    assert dict(zip(run3["flag_id"], run3["triage"], strict=True)) == {"a": "", "b": "整改中"}


def test_triage_rejects_bad_input() -> None:
    con = duckdb.connect()
    apply_lifecycle(con, flags(("a", "1")), T1)
    with pytest.raises(TriageError, match="理由"):
        set_triage(con, "a", "排除", "")
    with pytest.raises(TriageError, match="无效"):
        set_triage(con, "a", "不知道")
    with pytest.raises(TriageError, match="找不到"):
        set_triage(con, "zzz", "已核实")
