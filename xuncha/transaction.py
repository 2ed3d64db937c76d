"""One warehouse transaction: all of its statements or none (a kill or an error rolls it back).

Shared by every layer that writes several tables which must change together (connectors' loads,
the rules' flag history, the pipeline's output tables).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import duckdb


@contextmanager
def transaction(con: duckdb.DuckDBPyConnection) -> Iterator[None]:
    """BEGIN … COMMIT around the block; ROLLBACK and re-raise on any exception (KeyboardInterrupt too)."""
    con.execute("BEGIN TRANSACTION")
    try:
        yield
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
