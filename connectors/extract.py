"""Extract one file: read its sheets, transform them to canonical frames, match their villages.

`extract_files` is pure (file bytes + catalogue -> frames): it touches neither the warehouse nor the
village reference, so reading processes (connectors/readahead.py) can run it. `assign_villages`
fills village codes from a reference given to it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from connectors.catalog import Catalog
from connectors.inbox import relative_name
from connectors.readers import ReadError, read_file
from connectors.schema import TABLES
from connectors.transform import SheetResult, transform_files
from connectors.villages import VillageIndex, assign, reassign
from connectors.warehouse import file_hash
from xuncha.config import ReadingLimits


@dataclass
class FileResult:
    source_file: str  # relative to the inbox, posix
    sha256: str
    sheets: list[SheetResult] = field(default_factory=list)
    error: str | None = None  # the file could not be read at all
    # Which village reference (a version counted by ingest_inbox) the villages were matched
    # against, and the spellings matched for the village_alias table; None: not matched yet.
    matched_with: int | None = None
    aliases: list[tuple[str, str, str]] = field(default_factory=list)
    # Another file of this inbox holds exactly these rows: this one is not written (ingest_inbox)
    duplicate_of: str | None = None

    @property
    def has_village_basics(self) -> bool:
        return any(s.extract == "village_basics" and s.rows_loaded for s in self.sheets)


def extract_file(path: Path, inbox: Path, catalog: Catalog, today: dt.date | None = None,
                 limits: ReadingLimits | None = None) -> FileResult:
    """Read and transform every sheet of one file. Pure: touches neither the warehouse nor villages."""
    return extract_files([path], inbox, catalog, today, limits)[0]


def extract_files(paths: list[Path], inbox: Path, catalog: Catalog, today: dt.date | None = None,
                  limits: ReadingLimits | None = None) -> list[FileResult]:
    """extract_file for several files, their sheets transformed together (connectors.transform_files)."""
    results: list[FileResult] = []
    readable: list[tuple[FileResult, list]] = []
    for path in paths:
        data = path.read_bytes()
        result = FileResult(relative_name(path, inbox), file_hash(data))
        results.append(result)
        try:
            readable.append((result, read_file(path, data, limits)))
        except ReadError as e:
            result.error = str(e)
    transformed = transform_files([(r.source_file, sheets) for r, sheets in readable], catalog, today)
    for (result, _), sheets in zip(readable, transformed, strict=True):
        result.sheets = sheets
        if not sheets:
            result.error = "工作簿中没有工作表"
    return results


def assign_villages(result: FileResult, index: VillageIndex, version: int) -> None:
    """Fill the village codes of the file's rows (and quarantined rows) from `index`. A result matched
    against an earlier reference is matched again (villages.reassign)."""
    match = assign if result.matched_with is None else reassign
    seen: list[tuple[str, str, str]] = []
    for s in result.sheets:
        if s.data is None or not s.extract or not TABLES[s.extract].has_village:
            continue
        if s.village_hint:
            _village_from_sheet_name(s, index)
        a = match(s.data, index)
        s.data = a.frame
        seen += a.seen
        unmatched, unverified = set(a.unmatched), set(a.town_unknown)
        if s.quarantine is not None and s.quarantine.height:
            q = match(s.quarantine, index)
            s.quarantine = q.frame
            unmatched |= set(q.unmatched)
            unverified |= set(q.town_unknown)
        s.messages = [m for m in s.messages if not m.startswith((UNMATCHED_PREFIX, TOWN_UNKNOWN_PREFIX))]
        if unmatched:
            s.messages.append(unmatched_message(sorted(unmatched)))
        if unverified:
            s.messages.append(_listed(TOWN_UNKNOWN_PREFIX + "（统计用区划代码表未列其乡镇，无法核对乡镇，请核实）：",
                                      sorted(unverified)))
    result.matched_with = version
    result.aliases = seen


def _village_from_sheet_name(s: SheetResult, index: VillageIndex) -> None:
    """A sheet per village named only by its sheet's name (东岭): the name is its rows' village when
    no row names one and the village list knows the name exactly (in the rows' one town, if any)."""
    data, hint = s.data, s.village_hint
    assert data is not None and hint is not None
    if not data.height or data["village_raw"].null_count() < data.height or data["village_code"].null_count() < data.height:
        return
    towns = data["town_raw"].drop_nulls().unique().to_list()
    if len(towns) > 1:
        return
    _, how = index.match(towns[0] if towns else None, hint, None)
    if how not in ("exact", "former"):
        return
    s.data = data.with_columns(pl.lit(hint, pl.String).alias("village_raw"))
    if s.quarantine is not None and "village_raw" in s.quarantine.columns:
        s.quarantine = s.quarantine.with_columns(
            pl.col("village_raw").fill_null(pl.lit(hint, pl.String)))
    s.context["village_raw"] = (hint, f"表名“{hint}”")
    s.messages.append(f"村取自表名“{hint}”（与统计用区划代码表中的村名相符）")
    s.village_hint = None


UNMATCHED_PREFIX = "以下村名未能匹配"
TOWN_UNKNOWN_PREFIX = "以下村名仅按村名匹配"


def _listed(lead: str, names: list[str]) -> str:
    return lead + "、".join(names[:20]) + (f"等{len(names)}个" if len(names) > 20 else "")


def unmatched_message(names: list[str]) -> str:
    shown = "、".join(names[:20]) + (f"等{len(names)}个" if len(names) > 20 else "")
    return f"{UNMATCHED_PREFIX}到统计用区划代码（村代码已留空，请在配置 connectors.village_aliases 中补充）：{shown}"


def same_rows_message(used: str) -> str:
    return f"与“{used}”的数据行完全相同（同一份数据的另一个文件），只读取了“{used}”，本文件未重复入库"


def content_fingerprint(result: FileResult) -> str | None:
    """What the file would load, whatever its format and layout: per table, its rows without
    provenance (file, sheet, row) and village matching, in any order. None: nothing to load."""
    import hashlib

    import polars as pl

    parts = []
    for s in result.sheets:
        if s.data is None or not s.extract or not s.data.height:
            continue
        cols = [c for c in s.data.columns if not c.startswith("source_") and c not in ("village_code", "village_match")]
        hashes = s.data.select(cols).hash_rows(seed=0).sort()
        parts.append((s.extract, s.rows_quarantined, hashes))
    if not parts:
        return None
    h = hashlib.sha256()
    for extract, quarantined, hashes in sorted(parts, key=lambda p: (p[0], p[1], p[2].len())):
        h.update(f"{extract}:{quarantined}:".encode())
        h.update(hashes.to_numpy().tobytes())
    del pl
    return h.hexdigest()
