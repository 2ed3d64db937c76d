"""`xuncha inspect`: what a run would make of an inbox, without loading anything.

The onboarding step for a new county: every file is read and transformed exactly as `ingest` would
(connectors/extract.py), villages are matched against the statistics list (the workspace's, and the
statistics files in the inbox), and per sheet the findings are gathered: extract kind with score and
runner-up, header rows, column -> field map with header paths, values taken from titles and names,
villages matched and unmatched with candidates, rows that would be quarantined and why (by the
reader and by the data checks, connectors/validation.py, exactly as a run would). Nothing
is written to a warehouse. connectors/inspect_output.py shows them (terminal, HTML) and proposes
the xuncha.toml lines for everything uncertain.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import polars as pl

from connectors.catalog import catalog_settings, load_catalog
from connectors.checks import reason_label
from connectors.context import FIELDS
from connectors.extract import FileResult, assign_villages, extract_files
from connectors.inbox import inbox_files
from connectors.readahead import batch_jobs
from connectors.schema import TABLES, table_label
from connectors.validation import validate_files
from connectors.villages import VillageIndex, load_index
from xuncha.config import WorkspaceConfig


@dataclass
class SheetFindings:
    file: str
    sheet: str
    extract: str | None
    label: str
    score: float | None
    runner_up: tuple[str, float] | None
    header_rows: tuple[int, ...]
    columns: list[tuple[str, str, str]]  # (header as written, incl. path, canonical column, its label)
    inferred: dict[str, str]
    context: dict[str, tuple[str, str]]  # field label -> (value, source)
    rows_read: int
    rows_loaded: int
    rows_quarantined: int
    quarantine_reasons: list[tuple[str, int]]  # (reason, rows)
    villages_matched: list[tuple[str, str, str]] = field(default_factory=list)  # (name, code, how)
    villages_unmatched: list[str] = field(default_factory=list)  # name with its nearest candidates
    villages_unverified: list[str] = field(default_factory=list)  # matched by name, town unknown
    unmatched_names: list[str] = field(default_factory=list)  # the names alone, for aliases
    message: str = ""
    config_lines: list[str] = field(default_factory=list)


def _reference(results: list[FileResult], held: VillageIndex | None, config: WorkspaceConfig) -> VillageIndex:
    """The workspace's village list plus the statistics files in the inbox."""
    frames = [s.data.select([c for c in ("town_raw", "village_raw", "village_code", "county", "former_names")
                             if c in s.data.columns]).cast(pl.String)
              for r in results for s in r.sheets if s.extract == "village_basics" and s.data is not None]
    if held is not None and held.names:
        frames.append(pl.DataFrame([(t, v, code) for code, (t, v) in held.names.items()],
                                   schema=["town_raw", "village_raw", "village_code"], orient="row"))
    c = config.connectors
    if not frames:
        return VillageIndex.build(pl.DataFrame(schema={k: pl.String for k in ("town_raw", "village_raw", "village_code")}),
                                  c.village_aliases, c.village_match_threshold, config.county.name)
    ref = pl.concat(frames, how="diagonal_relaxed").filter(pl.col("village_code").is_not_null())
    ref = ref.unique("village_code", keep="first", maintain_order=True).sort("village_code")
    return VillageIndex.build(ref, c.village_aliases, c.village_match_threshold, config.county.name)


def _villages(frame: pl.DataFrame, index: VillageIndex, out: SheetFindings) -> None:
    if "village_match" in frame.columns:  # matched already (inspect_inbox): the code as the file wrote it
        written = pl.when(pl.col("village_match") == "code").then(pl.col("village_code")).otherwise(None)
        frame = frame.with_columns(written.alias("village_code"))
    pairs = frame.select([c if c in frame.columns else pl.lit(None, pl.String).alias(c)
                          for c in ("town_raw", "village_raw", "village_code")]).unique()
    for town, village, code in pairs.iter_rows():
        got, how = index.match(town, village, code)
        shown = (town or "") + (village or "") if town and village and not str(village).startswith(town) else (village or "")
        if how is None:
            continue
        if how == "unmatched":
            out.villages_unmatched.append(index.describe(town, village))
            out.unmatched_names.append(shown)
        elif how == "town_unknown":
            out.villages_unverified.append(shown)
        else:
            out.villages_matched.append((shown or (code or ""), got or "", how))


def findings_of(result: FileResult, index: VillageIndex) -> list[SheetFindings]:
    if result.error:
        return [SheetFindings(result.source_file, "", None, "", None, None, (), [], {}, {}, 0, 0, 0, [],
                              message=result.error)]
    out = []
    for s in result.sheets:
        spec_table = TABLES.get(s.extract) if s.extract else None
        columns = []
        for canon, header in s.columns_found.items():
            label = next((c.label for c in (spec_table.columns if spec_table else ()) if c.name == canon), canon)
            if canon in ("town_raw", "village_raw", "village_code"):
                label = {"town_raw": "乡镇", "village_raw": "村", "village_code": "村代码"}[canon]
            columns.append((header, canon, label))
        reasons: Counter[str] = Counter()
        if s.quarantine is not None and s.quarantine.height:
            for code in s.quarantine["reason_code"].to_list():
                reasons[reason_label(code)] += 1
        f = SheetFindings(
            result.source_file, s.sheet, s.extract, table_label(s.extract) if s.extract else "未识别", s.score,
            s.runner_up, s.header_rows, columns, dict(s.inferred),
            {FIELDS[k]: v for k, v in s.context.items()}, s.rows_read, s.rows_loaded, s.rows_quarantined,
            reasons.most_common(), message=s.message, config_lines=list(s.config_lines))
        if spec_table is not None and spec_table.has_village:
            frames = [x for x in (s.data, s.quarantine) if x is not None and x.height]
            if frames:
                _villages(pl.concat([x.select([c for c in ("town_raw", "village_raw", "village_code", "village_match")
                                               if c in x.columns])
                                     for x in frames], how="diagonal_relaxed"), index, f)
        out.append(f)
    return out


def inspect_inbox(inbox: Path, config: WorkspaceConfig, held: VillageIndex | None = None) -> list[SheetFindings]:
    """Findings for every sheet of every data file under `inbox`; loads nothing."""
    catalog = load_catalog(**catalog_settings(config.connectors))
    files = inbox_files(inbox)
    results = [r for job in batch_jobs(files) for r in extract_files(job, inbox, catalog)]
    index = _reference(results, held, config)
    # the run's own steps after reading (connectors/ingest.py _write_many): villages, then the data
    # checks, so that the rows they would quarantine are counted here too
    readable = [r for r in results if not r.error]
    for r in readable:
        assign_villages(r, index, 0)
    validate_files([(r.source_file, r.sha256, r.sheets) for r in readable], catalog, reference=index.names)
    return [f for r in results for f in findings_of(r, index)]


def inspect_with_warehouse(inbox: Path, config: WorkspaceConfig, warehouse: Path | None) -> list[SheetFindings]:
    """inspect_inbox with the village list of a workspace's warehouse, opened read-only (nothing is
    locked or changed; a warehouse in use by a run is skipped, and the inbox's own list is used)."""
    held = None
    if warehouse is not None and Path(warehouse).exists():
        try:
            con = duckdb.connect(str(warehouse), read_only=True)
        except duckdb.Error:
            con = None
        if con is not None:
            try:
                c = config.connectors
                held = load_index(con, c.village_aliases, c.village_match_threshold)
            except duckdb.Error:
                held = None
            finally:
                con.close()
    return inspect_inbox(inbox, config, held)
