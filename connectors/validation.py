"""Validate every loaded file with Great Expectations before it is written, and apply the results.

One batch per file and table (all its sheets of that table together), never per row. Row-level
failures move rows from the sheet's data to its quarantine, naming the check. When more than a
check's reject_share of a sheet's rows fail, the sheet gets a prominent warning (MANY_FAILED) but
its good rows still load; only a sheet that cannot be read against its header at all (every row
failing a check, a required column missing) keeps the whole file out of the warehouse: all its rows
go to the quarantine with the reason. The results of every check are returned as rows
of the `validation_results` table, from which the data-quality page is written.

Read with: connectors/checks.py (what is checked, from expectations.toml), gx_adapter.py (running
the checks in Great Expectations, imported lazily), quarantine_moves.py (moving rows).
"""

from __future__ import annotations

import datetime as dt
import json
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import polars as pl

from connectors.catalog import Catalog
from connectors.checks import DERIVED, REJECTED_CODE, Check, Checks, Target, checks_for, load_checks, reason_label
from connectors.gx_adapter import Failure, SuiteResult, gx_column, gx_name, preload, submit_suite
from connectors.normalize import REASONS
from connectors.quarantine_moves import cell_text, column_label, move_all, move_failed, rows_text, target_label
from connectors.schema import TABLES, table_label
from connectors.set_aside import SET_ASIDE_PREFIX

if TYPE_CHECKING:
    from connectors.transform import SheetResult


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
SET_ASIDE = "已跳过（不是数据）"  # a sheet of instructions or a summary (connectors/set_aside.py)
MANY_FAILED = "【注意：大量行未通过检查】"
ACTION_LABELS = {"quarantine": "不合格行隔离", "warn": "仅提示", "reject": "整表拒收"}


@dataclass
class _Batch:
    extract: str
    sheets: list[SheetResult]
    frame: pl.DataFrame  # the sheets' data rows, with _sheet (index into sheets) and _pos
    targets: list[tuple[Check, Target]] = field(default_factory=list)
    failures: dict[Target, Failure] = field(default_factory=dict)
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
    return finish_validation(start_validation(files, catalog, reference, today))


@dataclass
class Validation:
    """Files whose batches are being validated (start_validation), to be applied by finish_validation."""

    files: list[tuple[str, str, list[SheetResult]]]
    checks: Checks
    validated_at: dt.datetime
    file_of: dict[int, str]
    todo: list[SheetResult]
    batches: list[_Batch]
    pending: list[tuple[_Batch, SuiteResult, float]]

    def validated(self) -> bool:
        """Whether the GX process has finished every batch (False while any runs, or would run here)."""
        return all(result.done() for _, result, _ in self.pending)


def start_validation(files: list[tuple[str, str, list[SheetResult]]], catalog: Catalog | None = None,
                     reference: Iterable[str] = (), today: dt.date | None = None) -> Validation:
    """The first half of validate_files: the batches handed to Great Expectations (in its own process
    they are validated while this one goes on, e.g. writing the files validated before)."""
    today = today or dt.date.today()
    checks = checks_for(catalog)
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
    pending = [(b, *started) for b in batches if (started := _start(b, today, reference)) is not None]
    return Validation(files, checks, validated_at, file_of, todo, batches, pending)


def finish_validation(v: Validation) -> dict[str, pl.DataFrame]:
    """The second half of validate_files: GX's answers applied, the files' validation results."""
    files, checks, validated_at, file_of, todo, batches = (v.files, v.checks, v.validated_at, v.file_of,
                                                           v.todo, v.batches)
    for b, result, started in v.pending:
        b.failures.update(result())
        b.seconds = time.perf_counter() - started
    reasons: dict[str, dict[tuple[str, str], str]] = {}
    # Row-level judgment: a file is kept out whole only when a sheet cannot be read against its
    # header at all (every row fails a check: columns shifted throughout, a required column
    # missing). Over reject_share but not every row: the good rows load, the failing ones are
    # quarantined (or warned about) row by row, and the sheet carries a prominent warning.
    many = []
    rejections = []
    for r in _rejections(batches, checks):
        (rejections if r[1].action == "reject" or r[3] >= 1.0 else many).append(r)
    for r in many:
        text = _rejection_text(r).replace("允许不超过", "超过提示线")
        if not any(m.startswith(MANY_FAILED) and text in m for m in r[0].messages):
            r[0].messages.insert(0, f"{MANY_FAILED}{text}；这些行已逐行隔离或提示，其余行已入库，请核对后重新报送")
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
            outcome = NOT_CHECKED if s.extract else SET_ASIDE if s.message.startswith(SET_ASIDE_PREFIX) else "未识别"
            rows.append(_row(s, None, None, outcome, message=s.message))
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


def _start(b: _Batch, today: dt.date, reference: frozenset[str]
           ) -> tuple[SuiteResult, float] | None:
    """The batch's suite handed to GX (its answer, and when it was asked); None when the header
    alone decides (the failures are set now)."""
    if not b.targets:
        return None
    started = time.perf_counter()
    exist = [(c, t) for c, t in b.targets if c.expectation == "ExpectColumnToExist"]
    for _, t in exist:  # a column absent from every sheet's header
        present = all(t.column in s.columns_found for s in b.sheets)
        b.failures[t] = Failure([] if present else [-1], 1)
    mapped = [(c, t) for c, t in b.targets if c.expectation != "ExpectColumnToExist"]
    if not mapped or b.frame.height == 0:
        # Nothing left to load: table-level judgement from the connector's own counts alone.
        for _, t in mapped:
            b.failures[t] = Failure([], 0)
        b.seconds = time.perf_counter() - started
        return None
    # Only the columns the expectations read go to GX: the frame is copied to its process and made a
    # pandas frame there (a city's 3 million payment rows: hundreds of MB fewer in both processes).
    read = {gx_column(c) for _, t in mapped for c in t.columns}
    frame = b.frame.select([c for c in b.frame.columns if c in read])
    return submit_suite(f"{b.extract}-{id(b)}", frame, mapped, today, reference), started


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
                seconds=b.seconds, expectation=gx_name(check.expectation),
            ))
            if outcome == WARNED:
                s.messages.append(f"数据检查提示：“{target_label(b.extract, t, s)}”{check.label}{failed}行"
                                  f"（第{rows_text(mine_rows)}行），已入库，请核实")
        source_file = file_of[id(s)]
        if source_file in rejected:
            s.messages.append(f"整个文件未入库：{rejected[source_file]}")
        if s.data is None or s.data.height == 0:
            continue
        if source_file in rejected:
            move_all(s, b.extract, source_file, rejected[source_file])
        elif i in lost:
            # Batch positions -> this sheet's data rows, by source_row (unique within a sheet).
            source_rows = b.frame["_row"].gather(list(lost[i])).to_list()
            move_failed(s, b.extract, dict(zip(source_rows, lost[i].values(), strict=True)), source_file)
    return rows


def _rejection_text(r) -> str:
    s, check, t, share, failing = r
    extract = s.extract or ""
    if check.action == "reject":
        return f"工作表“{s.sheet}”缺少必需列“{target_label(extract, t, s)}”"
    # Say what was wrong in the words of the connector when it found most of the failures.
    counts = {c: n for c, n in s.problems.get(t.column, {}).items() if c in check.covers}
    what = check.label
    if sum(counts.values()) * 2 >= failing and counts:
        what = "、".join(REASONS.get(c, c) for c, _ in sorted(counts.items(), key=lambda kv: -kv[1])[:2])
    return (f"工作表“{s.sheet}”的“{target_label(extract, t, s)}”列有{failing}行（占{share:.0%}，"
            f"允许不超过{check.reject_share:.0%}）{what}")


def _samples(b: _Batch, positions: list[int], t: Target) -> str | None:
    if not positions:
        return None
    cols = [gx_column(c) for c in t.columns]
    sub = b.frame[positions].select(["_row", *cols])
    out = [{"行": r[0], **{column_label(b.extract, c): cell_text(v) for c, v in zip(t.columns, r[1:], strict=True)}}
           for r in sub.iter_rows()]
    return json.dumps(out, ensure_ascii=False)


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


# Callers import these from here (connectors/ingest.py, pipelines, reports/data_quality.py, tests).
__all__ = ["validate_file", "validate_files", "unreadable_file", "empty_results", "preload", "load_checks",
           "reason_label", "RESULT_SCHEMA", "REJECTED_CODE", "table_label"]
