"""The Great Expectations adapter: our checks as a GX suite over one pandas batch, failures back.

Everything that knows GX is here: importing it lazily (~4 s of CPU), the two custom expectations
(valid resident IDs, village codes in the statistics list), translating a Target into an
expectation, and running a suite over a frame. Callers get, per target, the failing row positions
or the error GX raised.

Where GX runs: a process of its own (connectors/children.py: started by `xuncha run` before it
imports the pipeline when the inbox has new files, else by `preload()`, called by the ingest when it
has files to read), which imports GX on the other core while this process reads and transforms the
files (a thread here would mostly take turns with the reading: importing holds the interpreter);
`run_suite` then hands each batch to it (the frame, the targets, the village codes) and gets the
failures back. Without that process (unit tests that never ingest, single-core machines, a fork
server that cannot start, a process that died) the suite runs here, GX imported on first use. Same
suite, same batch, same results either way.

Three patches of GX internals are fenced in connectors/gx_patches.py (applied by `_gx()`): batches are
not fingerprinted, each expectation's configuration is built once per validation, and metric ids of
plain arguments are made without GX's slow conversion. None changes a result, only GX's speed;
pyproject caps GX's version for them. The GX process imports GX without SQLAlchemy (`warm`).
"""

from __future__ import annotations

import datetime as dt
import importlib
import logging
import os
import re
import sys
import threading
import types
from collections.abc import Callable
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl

from connectors import children, gx_patches
from connectors.checks import Check, Target
from connectors.handover import discard, handed_over, taken
from xuncha import idcard
from xuncha.pandas_fence import let_pandas_in
from xuncha.timeline import mark


@dataclass
class Failure:
    """A target's outcome on a batch: failing positions in the batch frame ([-1]: a column absent
    from the header), how many rows were evaluated, and GX's error when it could not evaluate."""

    positions: list[int]
    evaluated: int
    error: str | None = None


def gx_column(column: str) -> str:
    """The batch frame's name for a target column (derived `@name` columns are computed as `_name`)."""
    return "_" + column[1:] if column.startswith("@") else column


def run_suite(name: str, frame: pl.DataFrame, targets: list[tuple[Check, Target]], today: dt.date,
              reference: frozenset[str]) -> dict[Target, Failure]:
    """One GX validation of `targets` over `frame` (columns _sheet and _row are not handed to GX),
    in the GX process when preload() started one, else here."""
    return submit_suite(name, frame, targets, today, reference)()


def _run_handed_over(name: str, given: pl.DataFrame | Path, targets: list[tuple[Check, Target]], today: dt.date,
                     reference: frozenset[str]) -> dict[Target, Failure]:
    """_run_suite_here in the GX process, reading the frame from its file when it came as one."""
    return _run_suite_here(name, taken(given), targets, today, reference)


def submit_suite(name: str, frame: pl.DataFrame, targets: list[tuple[Check, Target]], today: dt.date,
                 reference: frozenset[str]) -> SuiteResult:
    """run_suite started now, its result asked for later: handed to the GX process at once (which
    validates while this process writes the previous files), or, without one, run here when asked."""
    pool = children.gx_pool()
    if pool is not None:
        given = handed_over(frame)
        try:
            future = pool.submit(_run_handed_over, name, given, targets, today, reference)
        except Exception:  # the process could not be started (no fork server here): validate here
            children.gx_lost()
            discard(given)
        else:
            def result() -> dict[Target, Failure]:
                try:
                    return future.result()  # GX's own errors are re-raised here, as if it had run here
                except BrokenProcessPool:  # the process died (killed, out of memory): validate here from now on
                    children.gx_lost()
                    discard(given)
                    return _run_suite_here(name, frame, targets, today, reference)
            return SuiteResult(result, future.done)
    return SuiteResult(lambda: _run_suite_here(name, frame, targets, today, reference), lambda: False)


@dataclass(frozen=True)
class SuiteResult:
    """A suite handed to GX: `get()` waits for (or, without a GX process, computes) its failures;
    `done()` says whether the GX process has finished it (never, when it runs here on `get()`)."""

    get: Callable[[], dict[Target, Failure]]
    done: Callable[[], bool]

    def __call__(self) -> dict[Target, Failure]:
        return self.get()


def _run_suite_here(name: str, frame: pl.DataFrame, targets: list[tuple[Check, Target]], today: dt.date,
                    reference: frozenset[str]) -> dict[Target, Failure]:
    state = _gx()
    mark(f"suite {name}: {frame.height} rows, {len(targets)} expectations")
    gx = state["gx"]
    order: list[Target] = []
    expectations = []
    # GX compares dates element by element in Python (pandas map: ~4 µs a value, most of the
    # validation time at city scale); as days since 1970 the same comparisons are vectorised. Int64,
    # not Int32: GX takes its vectorised path only for the dtypes equal to int and float.
    date_columns = {c for c, dtype in frame.schema.items() if dtype == pl.Date}
    for check, t in targets:
        days = bool(date_columns) and all(gx_column(c) in date_columns for c in t.columns)
        expectations.append(_expectation(check.expectation, t, today, len(order), days))
        order.append(t)
    # Given to the suite at once, not by add_expectation: that compares each new expectation with every
    # one added before (a pydantic .dict() of both, ~8% of a county's validation time) to drop a
    # duplicate, which would also leave a target without its result (asserted below).
    suite = gx.ExpectationSuite(name=name, expectations=expectations)
    columns = [c for c in frame.columns if c not in ("_sheet", "_row")]
    # Integers as Int64 too: GX compares int32 columns element by element in Python as well.
    whole = {c for c, dtype in frame.schema.items() if dtype.is_integer()} | date_columns
    pdf = frame.select([pl.col(c).cast(pl.Int64) if c in whole else pl.col(c) for c in columns]).to_pandas()
    global _village_reference
    with _reference_lock:
        _village_reference = reference
        batch = state["batch_definition"].get_batch(batch_parameters={"dataframe": pdf})
        gx_patches.configurations = {}
        try:
            # COMPLETE for the failing rows' positions; not the values' sample, the rows themselves, or the
            # pandas query text that would select them (~6% of a county's validation time), none read here.
            # A copy: GX writes its defaults into the dict it is given (parse_result_format).
            result = batch.validate(suite, result_format=dict(RESULT_FORMAT))
        finally:
            gx_patches.configurations = None
    mark(f"suite {name} done")
    assert len(result.results) == len(order)
    failures: dict[Target, Failure] = {}
    for r in result.results:
        t = order[int(r.expectation_config.meta["xuncha_target"])]
        info = r.exception_info or {}
        if info.get("raised_exception"):
            failures[t] = Failure([], 0, str(info.get("exception_message"))[:300])
            continue
        res = r.result or {}
        idx = res.get("unexpected_index_list") or []
        failures[t] = Failure([int(i) for i in idx], int(res.get("element_count") or frame.height))
    return failures


_gx_lock = threading.Lock()


_gx_state: dict[str, Any] = {}


def preload() -> None:
    """Start importing Great Expectations (~4 s of CPU) while files are read: in a process of its own
    (connectors.children.start_gx), which then validates for this one; on a single core, in a
    background thread, where the import still overlaps the readers' native code (calamine, polars),
    which releases the interpreter."""
    if "gx" in _gx_state or children.start_gx():
        return
    if "thread" not in _gx_state:
        t = threading.Thread(target=_gx, name="xuncha-gx-import", daemon=True)
        _gx_state["thread"] = t
        t.start()


def warm() -> None:
    """Import GX and build its context (the GX process's first job, before any batch arrives).

    This process only validates pandas frames: GX is imported as where SQLAlchemy is not installed
    (its compatibility layer then skips the SQL data sources), ~0.3 s less on a first run's critical
    path. SQLAlchemy is importable again as soon as GX is (reports may need it)."""
    hidden = [name for name in SQL_ONLY_IMPORTS if name not in sys.modules]
    for name in hidden:
        sys.modules[name] = None  # type: ignore[assignment]  # `import sqlalchemy` raises ImportError
    try:
        _gx(without_spark=True)
    except Exception:  # noqa: BLE001 - whatever stopped it, GX is half imported
        # GX half imported cannot be imported again here (gx_patches.import_without_spark): this
        # process ends, and the command validates in its own (gx_adapter.submit_suite)
        mark("GX could not be imported without its Spark data sources: the GX process ends")
        os._exit(WARM_FAILED)
    else:
        mark("GX set up")
    finally:
        for name in hidden:
            if sys.modules.get(name, ...) is None:
                del sys.modules[name]


def _gx(without_spark: bool = False) -> dict[str, Any]:
    """The GX modules, an ephemeral context (nothing written, no analytics) and our expectations.
    without_spark: GX imported without its Spark data sources (gx_patches.import_without_spark)."""
    with _gx_lock:
        if "gx" in _gx_state:
            return _gx_state
        let_pandas_in()  # GX validates pandas frames: here too, now (xuncha.pandas_fence)
        import xuncha  # noqa: F401  (telemetry variables set before GX reads them)

        # GX logs its set-up at INFO ("temporary directory for ephemeral docs site"): not for users.
        logging.getLogger("great_expectations").setLevel(logging.WARNING)
        _defer_unused_imports()
        if without_spark:
            gx = gx_patches.import_without_spark()
        else:
            import great_expectations as gx
        import great_expectations.expectations as gxe
        from great_expectations.data_context.types.base import ProgressBarsConfig
        from great_expectations.execution_engine import PandasExecutionEngine
        from great_expectations.expectations.expectation import ColumnMapExpectation
        from great_expectations.expectations.metrics import ColumnMapMetricProvider, column_condition_partial

        # Importing GX sets its loggers up again: quiet them once more, children included.
        for name in list(logging.root.manager.loggerDict):
            if name.startswith("great_expectations"):
                logging.getLogger(name).setLevel(logging.WARNING)

        class ColumnValuesValidResidentId(ColumnMapMetricProvider):
            condition_metric_name = "column_values.xuncha_valid_resident_id"

            @column_condition_partial(engine=PandasExecutionEngine)
            def _pandas(cls, column, **kwargs):
                return valid_resident_ids(column)

        class ExpectColumnValuesToBeValidResidentId(ColumnMapExpectation):
            """Expect 18-character resident IDs (GB 11643): 17 digits, an ISO 7064 MOD 11-2 check character."""

            map_metric = "column_values.xuncha_valid_resident_id"
            success_keys = ("mostly",)

        gx_patches.apply()

        class ColumnValuesInVillageReference(ColumnMapMetricProvider):
            condition_metric_name = "column_values.xuncha_in_village_reference"

            @column_condition_partial(engine=PandasExecutionEngine)
            def _pandas(cls, column, **kwargs):
                return column.isin(_village_reference)

        class ExpectColumnValuesToBeInVillageReference(ColumnMapExpectation):
            """Expect 12-digit village codes from the statistics' village list (village_basics).

            ExpectColumnValuesToBeInSet would carry the ~1300 codes in its configuration, which GX
            copies dozens of times per validation (3-6 s per city ingest); the list is held here."""

            map_metric = "column_values.xuncha_in_village_reference"
            success_keys = ("mostly",)

        context = gx.get_context(mode="ephemeral")
        # No tqdm bars on the user's console; analytics stay off (GX_ANALYTICS_ENABLED in xuncha.offline).
        context.variables.progress_bars = ProgressBarsConfig(globally=False, metric_calculations=False)
        batch_definition = (context.data_sources.add_pandas("xuncha")
                            .add_dataframe_asset("extract").add_batch_definition_whole_dataframe("file"))
        _gx_state.update(
            gx=gx, context=context, batch_definition=batch_definition, suites={},
            classes={"ExpectColumnValuesToBeValidResidentId": ExpectColumnValuesToBeValidResidentId,
                     "ExpectColumnValuesToBeInVillageReference": ExpectColumnValuesToBeInVillageReference},
            gxe=gxe,
        )
        return _gx_state


# What each validation returns: the failing rows' positions (unexpected_index_list) and counts.
RESULT_FORMAT = {"result_format": "COMPLETE", "partial_unexpected_count": 0, "include_unexpected_rows": False,
                 "return_unexpected_index_query": False}


# Libraries GX imports only for SQL data sources (hidden while the GX process imports GX: warm()).
SQL_ONLY_IMPORTS = ("sqlalchemy",)
# The GX process's exit status when GX could not be set up there (warm)
WARM_FAILED = 70


# Libraries GX imports when it is imported, only for expectations we never use: scipy.stats and
# altair, by expect_column_kl_divergence_to_be_less_than (its statistics and its chart), ~1 s of the
# ~2.5 s GX import on the critical path of a first run. They are imported when first used.
DEFERRED_IMPORTS = ("scipy.stats", "altair")


class _DeferredModule(types.ModuleType):
    """Stands in sys.modules for a module not imported yet: the first attribute asked of it imports
    the real module (replacing this one in sys.modules) and answers from it. `import altair as alt`
    and `from scipy import stats` bind this object, so later uses (alt.Chart, stats.entropy) still
    reach the real module. importlib.util.LazyLoader would not do: on Python 3.11 an import
    statement reads the module's __spec__, which loads it at once."""

    def __getattr__(self, attribute: str) -> Any:
        if attribute.startswith("__"):  # the import system's own questions (__path__, __file__ ...)
            raise AttributeError(attribute)
        with _deferred_lock:
            if sys.modules.get(self.__name__) is self:
                del sys.modules[self.__name__]
            real = importlib.import_module(self.__name__)
        return getattr(real, attribute)


_deferred_lock = threading.RLock()


def _defer_unused_imports() -> None:
    for name in DEFERRED_IMPORTS:
        if name not in sys.modules:  # never in place of a module already imported
            sys.modules[name] = _DeferredModule(name)




# The village codes ExpectColumnValuesToBeInVillageReference checks against, set for each
# validation under _reference_lock.
_village_reference: frozenset[str] = frozenset()


_reference_lock = threading.Lock()


def valid_resident_ids(column) -> Any:
    """Vectorised format + check character test over a pandas Series of strings (True = valid)."""
    import pandas as pd
    import pyarrow as pa

    if column.dtype == object:
        ids = pa.array(column.where(column.notna(), None), type=pa.large_string(), from_pandas=True)
    else:
        ids = pa.array(column)
    return pd.Series(idcard.well_formed_and_checked(ids), index=column.index)


_EPOCH = dt.datetime(1970, 1, 1)


def _as_days(v: Any) -> Any:
    """A date bound as days since 1970, to compare with a date column handed to GX as days."""
    if isinstance(v, dt.datetime):
        return (v - _EPOCH).days
    if isinstance(v, dt.date):
        return (v - _EPOCH.date()).days
    return v


def _expectation(name: str, target: Target, today: dt.date, key: int, days: bool = False):
    state = _gx()
    cls = state["classes"].get(name) or getattr(state["gxe"], name)
    kw = {k: _resolve(v, today) for k, v in target.kwargs}
    if days:
        kw = {k: _as_days(v) for k, v in kw.items()}
    cols = target.columns
    if name.startswith("ExpectColumnPair"):
        kw |= {"column_A": gx_column(cols[0]), "column_B": gx_column(cols[1])}
    elif name.startswith(("ExpectCompound", "ExpectMulticolumn", "ExpectSelectColumn")):
        kw |= {"column_list": [gx_column(c) for c in cols]}
    else:
        kw |= {"column": gx_column(cols[0])}
    # GX does not return results in suite order: each result is matched back by this key.
    return cls(**kw, meta={"xuncha_target": key})


_RELATIVE = re.compile(r"^today([+-]\d+)d$")


def _resolve(v: Any, today: dt.date) -> Any:
    if isinstance(v, str):
        m = _RELATIVE.match(v)
        if m:
            return dt.datetime.combine(today + dt.timedelta(days=int(m.group(1))), dt.time())
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", v):
            return dt.datetime.fromisoformat(v)
    return v


def gx_name(class_name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", class_name).lower()
