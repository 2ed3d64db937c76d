"""Keep pandas out of the command's process while a run's body runs (without_pandas).

DuckDB imports pandas (with numpy, 0.3-0.5 s) on its first query that binds a parameter or scans a
Python object, only to ask whether that object is a pandas one. A run's own process hands DuckDB
Arrow and polars frames only; pandas is for Great Expectations, which validates in a process of its
own (connectors/children.py). Kept out, the import leaves a county's critical path.

The fence is an import finder that answers `import pandas` with ModuleNotFoundError, the answer of
a machine without pandas: optional users (DuckDB, pyarrow) take it as "not installed" and ask again
on their next use, so nothing stays without pandas once the fence is lifted. Whatever needs pandas
in this process lifts it first (let_pandas_in: Great Expectations validating here, when it has no
process of its own).
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager


class _PandasFence:
    def find_spec(self, fullname: str, path: object = None, target: object = None) -> None:
        if fullname == "pandas" or fullname.startswith("pandas."):
            raise ModuleNotFoundError("pandas is kept out of this process while it runs (xuncha.pandas_fence); "
                                      "let_pandas_in() lifts the fence", name=fullname)


@contextmanager
def without_pandas() -> Iterator[None]:
    """Within: `import pandas` fails in this process, unless pandas is imported already."""
    if "pandas" in sys.modules:
        yield
        return
    sys.meta_path.insert(0, _PandasFence())  # type: ignore[arg-type]
    try:
        yield
    finally:
        let_pandas_in()


def let_pandas_in() -> None:
    """Lift the fence: pandas imports again."""
    sys.meta_path[:] = [f for f in sys.meta_path if not isinstance(f, _PandasFence)]
