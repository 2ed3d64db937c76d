"""One warehouse transaction: all of its statements or none (a kill or an error rolls it back).

Shared by every layer that writes several tables which must change together (connectors' loads,
the rules' flag history, the pipeline's output tables).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import duckdb

# Connections (by id) inside a transaction() block, with its depth: an inner block joins the outer
# transaction (DuckDB has no nested transactions), which commits or rolls back everything.
_open: dict[int, int] = {}


@contextmanager
def transaction(con: duckdb.DuckDBPyConnection) -> Iterator[None]:
    """BEGIN … COMMIT around the block; ROLLBACK and re-raise on any exception (KeyboardInterrupt too).
    Inside another transaction() on the same connection, the block is part of the outer one."""
    key = id(con)
    if key in _open:
        _open[key] += 1
        try:
            yield
        finally:
            _open[key] -= 1
        return
    con.execute("BEGIN TRANSACTION")
    _open[key] = 1
    try:
        yield
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    finally:
        del _open[key]
