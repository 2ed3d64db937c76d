"""Validate every loaded file with Great Expectations before it is written (checks: expectations.toml).

One batch per file and table (all its sheets of that table together), never per row. Row-level
failures move rows from the sheet's data to its quarantine, naming the check; a table-level failure
(too large a share of a sheet's rows failing one check) keeps the whole file out of the warehouse:
all its rows go to the quarantine with the reason. The results of every check are returned as rows
of the `validation_results` table, from which the data-quality page is written.

Great Expectations takes ~3 s to import: it is imported once, lazily (or in the background by
`preload()` while files are being read), and only when there are rows to validate.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
import threading
import time
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import polars as pl

from connectors.catalog import Catalog, load_catalog
from connectors.normalize import REASONS
from connectors.schema import QUARANTINE_COLUMNS, TABLES, VILLAGE_KEYS, table_label
from xuncha import idcard

if TYPE_CHECKING:
    from connectors.transform import SheetResult

CHECKS_FILE = Path(__file__).with_name("expectations.toml")
REJECTED_CODE = "file_rejected"

# Columns of the validation_results table (DDL in schema.SYSTEM_TABLES), in order.
RESULT_SCHEMA: dict[str, pl.DataType] = {
    "source_file": pl.String, "file_hash": pl.String, "source_sheet": pl.String, "extract": pl.String,
    "validated_at": pl.Datetime("us"), "rows_read": pl.Int32, "rows_loaded": pl.Int32,
    "rows_quarantined": pl.Int32, "rows_skipped": pl.Int32, "check_name": pl.String,
    "expectation": pl.String, "column_name": pl.String, "label": pl.String, "action": pl.String,
    "evaluated": pl.Int32, "failed": pl.Int32, "failed_before": pl.Int32, "failed_share": pl.Float64,
    "reject_share": pl.Float64, "outcome": pl.String, "sample_rows": pl.String, "message": pl.String,
    "seconds": pl.Float64,
}

# outcome values (Chinese: the page and the office workbook show them as they are)
PASSED, QUARANTINED, WARNED, REJECTED, NOT_CHECKED = "通过", "已隔离", "提示", "整个文件未入库", "未检查"
ACTION_LABELS = {"quarantine": "不合格行隔离", "warn": "仅提示", "reject": "整表拒收"}


# ---------------------------------------------------------------- the declared checks


@dataclass(frozen=True)
class Target:
    """One expectation instance: a check applied to one column, pair or column list of a table."""

    check: str
    table: str
    columns: tuple[str, ...]  # 1 (column), 2 (pair) or more (compound)
    kwargs: tuple[tuple[str, Any], ...]

    @property
    def column(self) -> str:
        return self.columns[0]


@dataclass(frozen=True)
class Check:
    name: str
    expectation: str
    label: str
    action: str
    reject_share: float | None
    covers: frozenset[str]
    needs_reference: bool
    targets: tuple[Target, ...]


@dataclass(frozen=True)
class Checks:
    checks: tuple[Check, ...]
    reject_min_rows: int
    sample_rows: int

    def for_table(self, table: str) -> list[tuple[Check, Target]]:
        return [(c, t) for c in self.checks for t in c.targets if t.table == table]


class ChecksError(ValueError):
    """expectations.toml names something that does not exist."""


_KEYS = {"expectation", "label", "action", "columns", "exclude", "pairs", "column_lists", "kwargs", "override",
         "reject_share", "covers", "needs_reference"}


def _all_columns(table: str) -> list[str]:
    t = TABLES[table]
    return t.column_names + ([c.name for c in VILLAGE_KEYS] if t.has_village else [])


def _kind_of(table: str, column: str) -> str | None:
    for c in TABLES[table].columns + (VILLAGE_KEYS if TABLES[table].has_village else ()):
        if c.name == column:
            return c.kind
    return None


def _expand(selector: str, required: dict[str, frozenset[str]]) -> list[tuple[str, str]]:
    if selector == "@required":
        return [(t, c) for t in TABLES for c in sorted(required.get(t, ()))]
    if selector.startswith("@kind:"):
        kind = selector[6:]
        return [(t, c.name) for t in TABLES for c in TABLES[t].columns if c.kind == kind]
    table, _, column = selector.partition(".")
    if table == "*":
        return [(t, column) for t in TABLES if column in _all_columns(t)]
    if table not in TABLES:
        raise ChecksError(f"expectations.toml: unknown table in {selector!r}")
    if column.startswith("@"):
        if column[1:] not in DERIVED:
            raise ChecksError(f"expectations.toml: unknown derived column in {selector!r}")
    elif column not in _all_columns(table):
        raise ChecksError(f"expectations.toml: unknown column in {selector!r}")
    return [(table, column)]


def load_checks(catalog: Catalog) -> Checks:
    """The checks of expectations.toml, expanded to one target per table and column(s)."""
    raw = _raw_checks()
    required = {name: spec.required for name, spec in catalog.extracts.items()}
    settings = raw.get("settings", {})
    checks = []
    for name, sec in raw.get("checks", {}).items():
        unknown = set(sec) - _KEYS
        if unknown:
            raise ChecksError(f"expectations.toml [checks.{name}]: unknown keys {sorted(unknown)}")
        if sec.get("action") not in ("quarantine", "warn", "reject"):
            raise ChecksError(f"expectations.toml [checks.{name}]: action must be quarantine, warn or reject")
        excluded = {tuple(s.split(".", 1)) for s in sec.get("exclude", [])}
        base = dict(sec.get("kwargs", {}))
        override = sec.get("override", {})
        groups: list[tuple[str, tuple[str, ...]]] = []
        for sel in sec.get("columns", []):
            groups += [(t, (c,)) for t, c in _expand(sel, required) if (t, c) not in excluded]
        for cols in sec.get("pairs", []) + sec.get("column_lists", []):
            parts = [_expand(c, required)[0] for c in cols]
            if len({t for t, _ in parts}) != 1:
                raise ChecksError(f"expectations.toml [checks.{name}]: {cols} span several tables")
            groups.append((parts[0][0], tuple(c for _, c in parts)))
        targets = []
        for table, cols in dict.fromkeys(groups):
            kw = base | override.get(f"{table}.{cols[0]}", {})
            targets.append(Target(name, table, cols, tuple(sorted(kw.items()))))
        checks.append(Check(
            name=name, expectation=sec["expectation"], label=sec["label"], action=sec["action"],
            reject_share=sec.get("reject_share"), covers=frozenset(sec.get("covers", [])),
            needs_reference=bool(sec.get("needs_reference", False)), targets=tuple(targets),
        ))
    return Checks(tuple(checks), int(settings.get("reject_min_rows", 10)), int(settings.get("sample_rows", 5)))


@lru_cache(maxsize=1)
def _raw_checks() -> dict:
    return tomllib.loads(CHECKS_FILE.read_text(encoding="utf-8"))


# ---------------------------------------------------------------- helper columns (polars, vectorised)


def _birth_date_of_id(frame: pl.DataFrame, table: str) -> pl.Expr | None:
    if "person_id" not in frame.columns:
        return None
    return pl.col("person_id").str.slice(6, 8).str.strptime(pl.Date, "%Y%m%d", strict=False)


def _age_minus_id_age(frame: pl.DataFrame, table: str) -> pl.Expr | None:
    """Stated age minus the age from the ID on the last day of the pay month (today without one)."""
    if "age" not in frame.columns or "person_id" not in frame.columns:
        return None
    born = pl.col("person_id").str.slice(6, 8).str.strptime(pl.Date, "%Y%m%d", strict=False)
    on = (pl.col("pay_month").dt.month_end() if "pay_month" in frame.columns else pl.lit(None, pl.Date))
    on = on.fill_null(pl.lit(dt.date.today()))
    years = on.dt.year() - born.dt.year()
    before_birthday = (on.dt.month() < born.dt.month()) | (
        (on.dt.month() == born.dt.month()) & (on.dt.day() < born.dt.day()))
    return pl.col("age").cast(pl.Int32) - (years - before_birthday.cast(pl.Int32))


DERIVED = {"birth_date_of_id": _birth_date_of_id, "age_minus_id_age": _age_minus_id_age}


# ---------------------------------------------------------------- Great Expectations, lazily


_gx_lock = threading.Lock()
_gx_state: dict[str, Any] = {}


def preload() -> None:
    """Import Great Expectations in a background thread (it takes seconds) while files are read."""
    if "thread" not in _gx_state and "gx" not in _gx_state:
        t = threading.Thread(target=_gx, name="xuncha-gx-import", daemon=True)
        _gx_state["thread"] = t
        t.start()


def _gx() -> dict[str, Any]:
    """The GX modules, an ephemeral context (nothing written, no analytics) and our expectations."""
    with _gx_lock:
        if "gx" in _gx_state:
            return _gx_state
        import xuncha  # noqa: F401  (telemetry variables set before GX reads them)

        # GX logs its set-up at INFO ("temporary directory for ephemeral docs site"): not for users.
        logging.getLogger("great_expectations").setLevel(logging.WARNING)
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

        # GX fingerprints every in-memory batch by hashing the whole DataFrame (pandas_data_fingerprint,
        # a marker nothing here reads): ~2.5 µs a row, a quarter of the validation time at city scale.
        # Batches larger than HASH_THRESHOLD bytes are not hashed; make that all of them.
        from great_expectations.execution_engine import pandas_execution_engine

        pandas_execution_engine.HASH_THRESHOLD = 0
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


def _expectation(name: str, target: Target, today: dt.date, reference: frozenset[str], key: int,
                 days: bool = False):
    state = _gx()
    cls = state["classes"].get(name) or getattr(state["gxe"], name)
    kw = {k: _resolve(v, today) for k, v in target.kwargs}
    if days:
        kw = {k: _as_days(v) for k, v in kw.items()}
    cols = target.columns
    if name.startswith("ExpectColumnPair"):
        kw |= {"column_A": _col(cols[0]), "column_B": _col(cols[1])}
    elif name.startswith(("ExpectCompound", "ExpectMulticolumn", "ExpectSelectColumn")):
        kw |= {"column_list": [_col(c) for c in cols]}
    else:
        kw |= {"column": _col(cols[0])}
    # GX does not return results in suite order: each result is matched back by this key.
    return cls(**kw, meta={"xuncha_target": key})


def _col(column: str) -> str:
    return "_" + column[1:] if column.startswith("@") else column


_RELATIVE = re.compile(r"^today([+-]\d+)d$")


def _resolve(v: Any, today: dt.date) -> Any:
    if isinstance(v, str):
        m = _RELATIVE.match(v)
        if m:
            return dt.datetime.combine(today + dt.timedelta(days=int(m.group(1))), dt.time())
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", v):
            return dt.datetime.fromisoformat(v)
    return v


# ---------------------------------------------------------------- validating one file


@dataclass
class _Failure:
    positions: list[int]  # positions in the batch frame
    evaluated: int
    error: str | None = None


@dataclass
class _Batch:
    extract: str
    sheets: list[SheetResult]
    frame: pl.DataFrame  # the sheets' data rows, with _sheet (index into sheets) and _pos
    targets: list[tuple[Check, Target]] = field(default_factory=list)
    failures: dict[Target, _Failure] = field(default_factory=dict)
    seconds: float = 0.0


def validate_file(source_file: str, file_hash: str, sheets: list[SheetResult], catalog: Catalog | None = None,
                  reference: Iterable[str] = (), today: dt.date | None = None) -> pl.DataFrame:
    """Validate one file's sheets in place (rows may move to the quarantine, or the whole file is
    rejected) and return its rows of `validation_results`."""
    return validate_files([(source_file, file_hash, sheets)], catalog, reference, today)[source_file]


def validate_files(files: list[tuple[str, str, list[SheetResult]]], catalog: Catalog | None = None,
                   reference: Iterable[str] = (), today: dt.date | None = None) -> dict[str, pl.DataFrame]:
    """validate_file for several files at once: one GX batch per table across all of them (GX costs
    ~3 ms per expectation per batch whatever its size, so many small files are validated together).
    A file is rejected on its own sheets' failures only."""
    today = today or dt.date.today()
    checks = _checks(catalog)
    reference = frozenset(reference)
    validated_at = dt.datetime.now()
    file_of: dict[int, str] = {}
    todo: list[SheetResult] = []
    for source_file, _, sheets in files:
        for s in sheets:
            file_of[id(s)] = source_file
            if s.validation is None:  # else validated by an earlier write of this file
                todo.append(s)
    batches = [_batch(extract, group, checks, reference) for extract, group in _groups(todo).items()]
    for b in batches:
        _run(b, today, reference)
    reasons: dict[str, dict[tuple[str, str], str]] = {}
    rejections = _rejections(batches, checks)
    for r in rejections:  # one reason per sheet and column (a shifted column fails several checks)
        reasons.setdefault(file_of[id(r[0])], {}).setdefault((r[0].sheet, r[2].column), _rejection_text(r))
    rejected = {}
    for f, by_column in reasons.items():
        texts = list(by_column.values())
        more = f"等{len(texts)}处" if len(texts) > 3 else ""
        hint = "" if all(r[1].action == "reject" for r in rejections if file_of[id(r[0])] == f) else (
            "，疑似列错位、格式有误或导出错误")
        rejected[f] = "；".join(texts[:3]) + more + hint + "，请核对后重新报送"
    rows: list[dict] = []
    for b in batches:
        rows += _apply(b, checks, rejections, rejected, file_of)
    seen = {id(r["_sheet_obj"]) for r in rows}
    for s in todo:  # every sheet shows up on the page, validated or not
        if id(s) not in seen:
            rows.append(_row(s, None, None, NOT_CHECKED if s.extract else "未识别", message=s.message))
    by_sheet: dict[int, list[dict]] = {}
    for r in rows:
        by_sheet.setdefault(id(r.pop("_sheet_obj")), []).append(r)
    out: dict[str, pl.DataFrame] = {}
    for source_file, file_hash, sheets in files:
        for s in sheets:
            if s.validation is None:
                s.validation = pl.DataFrame([r | {
                    "source_file": source_file, "file_hash": file_hash, "source_sheet": s.sheet,
                    "extract": s.extract, "validated_at": validated_at, "rows_read": s.rows_read,
                    "rows_loaded": s.rows_loaded, "rows_quarantined": s.rows_quarantined,
                    "rows_skipped": s.rows_skipped} for r in by_sheet.get(id(s), [])], schema=RESULT_SCHEMA)
        frames = [s.validation for s in sheets]
        out[source_file] = pl.concat(frames) if frames else empty_results()
    return out


def unreadable_file(source_file: str, file_hash: str, message: str) -> pl.DataFrame:
    """The validation_results row of a file that could not be opened at all."""
    return pl.DataFrame([{
        "source_file": source_file, "file_hash": file_hash, "source_sheet": "", "validated_at": dt.datetime.now(),
        "rows_read": 0, "rows_loaded": 0, "rows_quarantined": 0, "rows_skipped": 0, "outcome": "无法读取",
        "message": message,
    }], schema=RESULT_SCHEMA)


def empty_results() -> pl.DataFrame:
    return pl.DataFrame(schema=RESULT_SCHEMA)


def _checks(catalog: Catalog | None) -> Checks:
    # Required columns come from extracts.toml; a county's extra header wordings do not change them.
    return _default_checks() if catalog is None else load_checks(catalog)


@lru_cache(maxsize=1)
def _default_checks() -> Checks:
    return load_checks(load_catalog())


def _groups(sheets: list[SheetResult]) -> dict[str, list[SheetResult]]:
    groups: dict[str, list[SheetResult]] = {}
    for s in sheets:
        if s.extract and s.rows_read:
            groups.setdefault(s.extract, []).append(s)
    return groups


def _batch(extract: str, sheets: list[SheetResult], checks: Checks, reference: frozenset[str]) -> _Batch:
    found = set().union(*(s.columns_found for s in sheets))
    table = TABLES[extract]
    keep = [c for c in table.column_names if c in found]
    if table.has_village and {"village_raw", "village_code"} & found:
        keep.append("village_code")  # filled by village matching when only names were given
    frames = [
        s.data.select(*keep, pl.lit(i, dtype=pl.Int32).alias("_sheet"), pl.col("source_row").alias("_row"))
        if s.data is not None and s.data.height else None
        for i, s in enumerate(sheets)
    ]
    frames = [f for f in frames if f is not None]
    frame = (pl.concat(frames, how="vertical_relaxed") if frames
             else pl.DataFrame(schema={c: pl.String for c in keep} | {"_sheet": pl.Int32, "_row": pl.Int32}))
    b = _Batch(extract, sheets, frame)
    for check, target in checks.for_table(extract):
        if check.needs_reference and not reference:
            continue
        plain = [c for c in target.columns if not c.startswith("@")]
        if check.expectation == "ExpectColumnToExist":
            b.targets.append((check, target))  # judged on the header, so absent columns fail
        elif all(c in keep for c in plain):
            b.targets.append((check, target))
    derived = {c[1:] for _, t in b.targets for c in t.columns if c.startswith("@")}
    exprs = {name: DERIVED[name](frame, extract) for name in derived} if frame.height else {}
    b.targets = [(c, t) for c, t in b.targets if all(exprs.get(x[1:]) is not None for x in t.columns if x.startswith("@"))]
    if exprs:
        b.frame = frame.with_columns([e.alias("_" + n) for n, e in exprs.items() if e is not None])
    return b


def _run(b: _Batch, today: dt.date, reference: frozenset[str]) -> None:
    """One GX validation of the batch's suite; unexpected rows by position."""
    if not b.targets:
        return
    started = time.perf_counter()
    exist = [(c, t) for c, t in b.targets if c.expectation == "ExpectColumnToExist"]
    for _, t in exist:  # a column absent from every sheet's header
        present = all(t.column in s.columns_found for s in b.sheets)
        b.failures[t] = _Failure([] if present else [-1], 1)
    mapped = [(c, t) for c, t in b.targets if c.expectation != "ExpectColumnToExist"]
    if not mapped or b.frame.height == 0:
        # Nothing left to load: table-level judgement from the connector's own counts alone.
        for _, t in mapped:
            b.failures[t] = _Failure([], 0)
        b.seconds = time.perf_counter() - started
        return
    state = _gx()
    gx = state["gx"]
    suite = gx.ExpectationSuite(name=f"{b.extract}-{id(b)}")
    order: list[Target] = []
    # GX compares dates element by element in Python (pandas map: ~4 µs a value, most of the
    # validation time at city scale); as days since 1970 the same comparisons are vectorised. Int64,
    # not Int32: GX takes its vectorised path only for the dtypes equal to int and float.
    date_columns = {c for c, dtype in b.frame.schema.items() if dtype == pl.Date}
    for check, t in mapped:
        days = bool(date_columns) and all(_col(c) in date_columns for c in t.columns)
        suite.add_expectation(_expectation(check.expectation, t, today, reference, len(order), days))
        order.append(t)
    columns = [c for c in b.frame.columns if c not in ("_sheet", "_row")]
    # Integers as Int64 too: GX compares int32 columns element by element in Python as well.
    whole = {c for c, dtype in b.frame.schema.items() if dtype.is_integer()} | date_columns
    pdf = b.frame.select(
        [pl.col(c).cast(pl.Int64) if c in whole else pl.col(c) for c in columns]
    ).to_pandas()
    global _village_reference
    with _reference_lock:
        _village_reference = reference
        batch = state["batch_definition"].get_batch(batch_parameters={"dataframe": pdf})
        result = batch.validate(suite, result_format={"result_format": "COMPLETE", "partial_unexpected_count": 0,
                                                      "include_unexpected_rows": False})
    assert len(result.results) == len(order)
    for r in result.results:
        t = order[int(r.expectation_config.meta["xuncha_target"])]
        info = r.exception_info or {}
        if info.get("raised_exception"):
            b.failures[t] = _Failure([], 0, str(info.get("exception_message"))[:300])
            continue
        res = r.result or {}
        idx = res.get("unexpected_index_list") or []
        b.failures[t] = _Failure([int(i) for i in idx], int(res.get("element_count") or b.frame.height))
    b.seconds = time.perf_counter() - started


def _per_sheet(b: _Batch, positions: list[int], t: Target | None = None) -> dict[int, list[int]]:
    """Batch positions -> {sheet index: [positions]}, for sheets that have the target's columns."""
    positions = [p for p in positions if p >= 0]
    if not positions:
        return {}
    sheet_of = b.frame["_sheet"].gather(positions).to_list()
    out: dict[int, list[int]] = {}
    for p, s in zip(positions, sheet_of, strict=True):
        out.setdefault(s, []).append(p)
    if t is not None:
        out = {i: ps for i, ps in out.items() if _sheet_has(b.sheets[i], t)}
    return out


def _sheet_has(s: SheetResult, t: Target) -> bool:
    """Whether the sheet's header had the target's columns (village_code: names or codes)."""
    found = set(s.columns_found)
    if {"village_raw", "village_code"} & found:
        found.add("village_code")
    return all(c in found for c in t.columns if not c.startswith("@"))


def _failed_before(s: SheetResult, check: Check, target: Target) -> int:
    if not check.covers:
        return 0
    counts = s.problems.get(target.column, {})
    return sum(v for code, v in counts.items() if code in check.covers)


def _rejections(batches: list[_Batch], checks: Checks) -> list[tuple[SheetResult, Check, Target, float, int]]:
    """Table-level failures: (sheet, check, target, share of the sheet's rows, failing rows)."""
    out = []
    for b in batches:
        for check, t in b.targets:
            f = b.failures.get(t)
            if f is None:
                continue
            if check.action == "reject":
                if f.positions:
                    for s in b.sheets:
                        if t.column not in s.columns_found:
                            out.append((s, check, t, 1.0, s.rows_read))
                continue
            if check.reject_share is None:
                continue
            by_sheet = _per_sheet(b, f.positions, t)
            for i, s in enumerate(b.sheets):
                failing = len(by_sheet.get(i, [])) + _failed_before(s, check, t)
                share = failing / s.rows_read if s.rows_read else 0.0
                if share > check.reject_share and failing >= checks.reject_min_rows:
                    out.append((s, check, t, share, failing))
    return out


def _column_label(extract: str, column: str, sheet: SheetResult | None = None) -> str:
    """The column's header as the sheet wrote it, else its canonical label."""
    if sheet is not None and column in sheet.columns_found:
        return sheet.columns_found[column]
    if column.startswith("@"):
        column = column[1:]
        return {"birth_date_of_id": "身份证号推算的出生日期", "age_minus_id_age": "年龄"}.get(column, column)
    try:
        return TABLES[extract].column(column).label
    except KeyError:
        return next((c.label for c in VILLAGE_KEYS if c.name == column), column)


def _target_label(extract: str, t: Target, sheet: SheetResult | None = None) -> str:
    return ("、".join(_column_label(extract, c, sheet) for c in t.columns if not c.startswith("@"))
            or _column_label(extract, t.column, sheet))


def _rows_text(rows: list[int], limit: int = 5) -> str:
    shown = "、".join(str(r) for r in rows[:limit])
    return shown + (f"等{len(rows)}行" if len(rows) > limit else "")


def _apply(b: _Batch, checks: Checks, rejections, rejected: dict[str, str], file_of: dict[int, str]) -> list[dict]:
    """Move failing rows to the quarantine (or all rows, when the file is rejected); result rows."""
    rows: list[dict] = []
    # Which rows each sheet loses, and why (first failing quarantine check wins, in declared order).
    lost: dict[int, dict[int, tuple[Check, Target]]] = {}
    for check, t in b.targets:
        f = b.failures.get(t)
        if f is None or check.action != "quarantine" or not f.positions or f.positions == [-1]:
            continue
        for i, ps in _per_sheet(b, f.positions, t).items():
            for p in ps:
                lost.setdefault(i, {}).setdefault(p, (check, t))
    for i, s in enumerate(b.sheets):
        sheet_rejections = [r for r in rejections if r[0] is s]
        evaluated = s.data.height if s.data is not None else 0
        for check, t in b.targets:
            f = b.failures.get(t)
            if f is None or (check.action != "reject" and not _sheet_has(s, t)):
                continue
            mine = _per_sheet(b, f.positions, t).get(i, [])
            before = _failed_before(s, check, t)
            if check.action == "reject":
                failed = s.rows_read if t.column not in s.columns_found else 0
                mine_rows: list[int] = []
            else:
                failed = len(mine)
                mine_rows = b.frame["_row"].gather(mine).to_list() if mine else []
            share = (failed + before) / s.rows_read if s.rows_read else 0.0
            if f.error:
                outcome = NOT_CHECKED
            elif any(r[1] is check and r[2] == t for r in sheet_rejections):
                outcome = REJECTED
            elif failed == 0:
                outcome = PASSED
            else:
                outcome = QUARANTINED if check.action == "quarantine" else WARNED
            rows.append(_row(
                s, check, t, outcome, evaluated=evaluated,
                failed=failed, failed_before=before, share=share,
                samples=_samples(b, mine[: checks.sample_rows], t), message=f.error or "",
                seconds=b.seconds, expectation=_gx_name(check.expectation),
            ))
            if outcome == WARNED:
                s.messages.append(f"数据检查提示：“{_target_label(b.extract, t, s)}”{check.label}{failed}行"
                                  f"（第{_rows_text(mine_rows)}行），已入库，请核实")
        source_file = file_of[id(s)]
        if source_file in rejected:
            s.messages.append(f"整个文件未入库：{rejected[source_file]}")
        if s.data is None or s.data.height == 0:
            continue
        if source_file in rejected:
            _move_all(s, b.extract, source_file, rejected[source_file])
        elif i in lost:
            _move_failed(s, b, lost[i], source_file)
    return rows


def _gx_name(class_name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", class_name).lower()


def _rejection_text(r) -> str:
    s, check, t, share, failing = r
    extract = s.extract or ""
    if check.action == "reject":
        return f"工作表“{s.sheet}”缺少必需列“{_target_label(extract, t, s)}”"
    # Say what was wrong in the words of the connector when it found most of the failures.
    counts = {c: n for c, n in s.problems.get(t.column, {}).items() if c in check.covers}
    what = check.label
    if sum(counts.values()) * 2 >= failing and counts:
        what = "、".join(REASONS.get(c, c) for c, _ in sorted(counts.items(), key=lambda kv: -kv[1])[:2])
    return (f"工作表“{s.sheet}”的“{_target_label(extract, t, s)}”列有{failing}行（占{share:.0%}，"
            f"允许不超过{check.reject_share:.0%}）{what}")


def _samples(b: _Batch, positions: list[int], t: Target) -> str | None:
    if not positions:
        return None
    cols = [_col(c) for c in t.columns]
    sub = b.frame[positions].select(["_row", *cols])
    out = [{"行": r[0], **{_column_label(b.extract, c): _text(v) for c, v in zip(t.columns, r[1:], strict=True)}}
           for r in sub.iter_rows()]
    return json.dumps(out, ensure_ascii=False)


def _text(v: Any) -> str | None:
    if v is None:
        return None
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v)


def _row(s: SheetResult, check: Check | None, t: Target | None, outcome: str, *, evaluated: int = 0,
         failed: int = 0, failed_before: int = 0, share: float = 0.0, samples: str | None = None,
         message: str = "", seconds: float = 0.0, expectation: str | None = None) -> dict:
    return {
        "_sheet_obj": s, "check_name": check.name if check else None, "expectation": expectation,
        "column_name": ",".join(t.columns) if t else None, "label": check.label if check else None,
        "action": ACTION_LABELS.get(check.action) if check else None, "evaluated": evaluated, "failed": failed,
        "failed_before": failed_before, "failed_share": share,
        "reject_share": check.reject_share if check else None, "outcome": outcome, "sample_rows": samples,
        "message": message, "seconds": seconds,
    }


# ---------------------------------------------------------------- moving rows to the quarantine


def _quarantine_from_data(data: pl.DataFrame, extract: str, source_file: str, sheet: str, column: pl.Series,
                          code: pl.Series, reason: pl.Series, cleaned: pl.Series) -> pl.DataFrame:
    """Quarantine rows built from loaded (canonical) rows: the raw cells are no longer at hand, so
    raw_json holds the row's cleaned values keyed by their Chinese labels."""
    table = TABLES[extract]
    labelled = [c for c in table.column_names if c in data.columns]
    as_text = data.select([pl.col(c).cast(pl.String).alias(table.column(c).label) for c in labelled])
    raw_json = as_text.select(pl.struct(pl.all()).struct.json_encode()).to_series() if labelled else pl.repeat(
        "{}", data.height, eager=True)
    k = data.height
    village = {c: (data[c].cast(pl.String) if c in data.columns else pl.repeat(None, k, dtype=pl.String, eager=True))
               for c in ("village_code", "town_raw", "village_raw")}
    return pl.DataFrame({
        "source_file": pl.Series([source_file] * k, dtype=pl.String),
        "source_sheet": pl.Series([sheet] * k, dtype=pl.String),
        "source_row": data["source_row"].cast(pl.Int32),
        "extract": pl.Series([extract] * k, dtype=pl.String),
        "table_name": pl.Series([extract] * k, dtype=pl.String),
        "column_name": column, "reason_code": code, "reason": reason, "raw_json": raw_json,
        "cleaned_value": cleaned, "village_code": village["village_code"],
    }).select(QUARANTINE_COLUMNS).with_columns(town_raw=village["town_raw"], village_raw=village["village_raw"],
                                               **({"village_match": data["village_match"]} if "village_match" in data.columns else {}))


def _append_quarantine(s: SheetResult, frame: pl.DataFrame) -> None:
    if s.quarantine is not None and s.quarantine.height:
        # The connector's rows may carry more columns (village_match, once villages were matched).
        frame = pl.concat([s.quarantine, frame], how="diagonal_relaxed")
    s.quarantine = frame


def _move_all(s: SheetResult, extract: str, source_file: str, reason: str) -> None:
    data = s.data
    k = data.height
    rows = data["source_row"].cast(pl.String)
    text = pl.concat_str([pl.lit("第"), pl.lit(rows), pl.lit(f"行：整个文件未入库（{reason}）")], separator="")
    frame = _quarantine_from_data(
        data, extract, source_file, s.sheet, pl.Series([None] * k, dtype=pl.String),
        pl.Series([REJECTED_CODE] * k, dtype=pl.String), pl.select(text).to_series(),
        pl.Series([None] * k, dtype=pl.String))
    _append_quarantine(s, frame)
    s.rows_quarantined += k
    s.rows_loaded -= k
    s.data = data.head(0)


def _move_failed(s: SheetResult, b: _Batch, lost: dict[int, tuple[Check, Target]], source_file: str) -> None:
    # Batch positions -> this sheet's data rows, by source_row (unique within a sheet).
    by_row: dict[int, tuple[Check, Target]] = {}
    rows = b.frame["_row"].gather(list(lost)).to_list()
    for r, (p, why) in zip(rows, lost.items(), strict=True):
        by_row[r] = why
    data = s.data
    mask = data["source_row"].is_in(list(by_row))
    gone = data.filter(mask)
    columns, codes, reasons, cleaned = [], [], [], []
    counts: dict[str, int] = {}
    for row in gone.iter_rows(named=True):
        check, t = by_row[row["source_row"]]
        value = _text(row.get(t.column)) if not t.column.startswith("@") else None
        label = _target_label(b.extract, t, s)
        shown = "、".join(f"{_column_label(b.extract, c, s)}：{_text(row.get(c))}" for c in t.columns
                         if not c.startswith("@")) if len(t.columns) > 1 else value
        columns.append(t.column if not t.column.startswith("@") else None)
        codes.append(check.name)
        reasons.append(f"第{row['source_row']}行“{label}”列：{check.label}" + (f"（原值：{shown}）" if shown else ""))
        cleaned.append(value)
        counts[check.label] = counts.get(check.label, 0) + 1
    frame = _quarantine_from_data(
        gone, b.extract, source_file, s.sheet, pl.Series(columns, dtype=pl.String), pl.Series(codes, dtype=pl.String),
        pl.Series(reasons, dtype=pl.String), pl.Series(cleaned, dtype=pl.String))
    _append_quarantine(s, frame)
    n = gone.height
    s.data = data.filter(~mask)
    s.rows_quarantined += n
    s.rows_loaded -= n
    parts = "、".join(f"{k}{v}行" for k, v in sorted(counts.items(), key=lambda kv: -kv[1]))
    s.messages.append(f"数据检查隔离{n}行（{parts}；第{_rows_text(sorted(by_row))}行）")


def reason_label(code: str) -> str:
    """Chinese for a quarantine reason code: the connector's, a check's, or a rejected file."""
    if code == REJECTED_CODE:
        return "整个文件未入库"
    if code in REASONS:
        return REASONS[code]
    sec = _raw_checks().get("checks", {}).get(code)
    return sec["label"] if sec else code


__all__ = ["validate_file", "unreadable_file", "empty_results", "preload", "load_checks", "reason_label",
           "RESULT_SCHEMA", "REJECTED_CODE", "table_label"]
