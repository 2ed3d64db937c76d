"""Small helpers for reading the warehouse."""

from __future__ import annotations

from typing import Any

import duckdb


def scalar(result: duckdb.DuckDBPyConnection) -> Any:
    """The one value a query returns (its first column of its first row, None without rows)."""
    row = result.fetchone()
    return row[0] if row else None
