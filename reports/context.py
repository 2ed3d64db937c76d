"""What one village workbook needs, cut from ReportData so it can be sent to a worker process.

`County` holds what every village shares (sources, rules not run); `Village` holds one village's
score, basics, flags and evidence.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace

import duckdb
import polars as pl

from connectors.schema import TABLES
from reports.evidence import NO_EVIDENCE, Evidence, EvidenceRow
from reports.inputs import LoadedFile, ReportData
from rules.catalog import RULES_BY_ID
from rules.problems import with_problems
from rules.rectification import open_items

# The analysts' triage verdict that takes a flag out of the team's list (rules.lifecycle).
DISMISSED = "排除"


@dataclass(frozen=True)
class NotRun:
    rule_id: str
    title: str
    reason: str


@dataclass(frozen=True)
class County:
    name: str
    run_stamp: str
    village_count: int
    files: tuple[LoadedFile, ...]
    missing_tables: tuple[str, ...]  # Chinese labels of canonical tables nothing was loaded into
    not_run: tuple[NotRun, ...]
    latest_load: dt.datetime | None
    has_status: bool
    # the run this one is compared with (None: first run, nothing to compare); only a village with
    # changes shows it, so it is not part of what every workbook shares (manifest.county_digest)
    previous_check: dt.datetime | None = None
    # the workspace's key for the team workbooks' signatures (reports.signing); None: not signed
    signing_key: bytes | None = None


@dataclass(frozen=True)
class Village:
    code: str
    name: str
    town: str
    score: dict  # the village_scores row
    basics: dict  # the latest village_basics row ({} when absent)
    flags: tuple[dict, ...]  # flag rows in report order (without evidence_list)
    # flag_id -> evidence rows; None until fetched for a workbook that is built (with_evidence)
    evidence: dict[str, list[EvidenceRow]] | None
    # flags of this village the previous run had and this one has not (not those the analysts dismissed)
    resolved: tuple[dict, ...] = ()
    # per flag, in flag order, a digest of its evidence rows (Evidence.digests): what fingerprints hold
    evidence_digests: tuple[str, ...] = ()
    # the source files that hold this village's rows, and those of county-wide tables (no village
    # column): what its cover lists as its sources
    sources: tuple[LoadedFile, ...] = ()
    # 整改销号 items the team carries (rules.rectification.open_items), with what was entered so far
    ledger: tuple[dict, ...] = ()
    # 村情画像 row (rules.portrait), {} when the run has none
    portrait: dict = field(default_factory=dict)
    # 纵向对比 rows of this village (rules.yearly), and the indicators the county could not compute
    indicators: tuple[dict, ...] = ()
    indicators_missing: tuple[str, ...] = ()
    # 本镇共性问题: (rule id, "B03 title（本镇 3/5 个村）") of the rules common in the village's town
    town_common: tuple[tuple[str, str], ...] = ()


def county_of(data: ReportData, run_stamp: str) -> County:
    not_run = []
    if not data.coverage.is_empty():
        for r in data.coverage.filter(data.coverage["status"] != "ran").sort("rule_id").iter_rows(named=True):
            rule = RULES_BY_ID.get(r["rule_id"])
            not_run.append(NotRun(r["rule_id"], rule.title if rule else "", r["reason"] or ""))
    loaded = data.loaded_tables
    missing = tuple(t.label for name, t in TABLES.items() if name not in loaded) if data.files else ()
    return County(
        name=data.county,
        run_stamp=run_stamp,
        village_count=data.villages.height,
        files=tuple(data.files),
        missing_tables=missing,
        not_run=tuple(not_run),
        latest_load=data.latest_load,
        has_status=data.has_status,
        previous_check=data.previous_check if data.compared else None,
    )


def _place(v: dict) -> tuple[str, str, str]:
    """(code, town, name) of a village_scores row, as reports name the village."""
    return v["village_code"], v["town"] or "", v["village_name"] or v["village_code"]


def village_places(data: ReportData) -> list[tuple[str, str, str]]:
    """(code, town, name) of every village in rank order: what Village.code, .town and .name hold."""
    return [_place(v) for v in data.villages.iter_rows(named=True)]


def village_files(con: duckdb.DuckDBPyConnection) -> dict[str, set[str]]:
    """village code -> the source files holding rows of that village, over every canonical table
    with a village column; "" -> the files of tables without one (county-wide: every village's)."""
    present = {r[0] for r in con.execute(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()").fetchall()}
    parts = []
    for name, table in TABLES.items():
        if name not in present:
            continue
        if table.has_village:
            parts.append(f"SELECT DISTINCT village_code, source_file FROM {name} WHERE village_code IS NOT NULL")
        else:
            parts.append(f"SELECT DISTINCT '' AS village_code, source_file FROM {name}")
    out: dict[str, set[str]] = {}
    if parts:
        for code, file in con.execute(" UNION ".join(parts)).fetchall():
            if file:
                out.setdefault(code, set()).add(file)
    return out


def own_sources(data: ReportData, files: dict[str, set[str]], code: str) -> tuple[LoadedFile, ...]:
    """The loaded files this village's cover lists: those holding its rows, and county-wide ones."""
    mine = files.get(code, set()) | files.get("", set())
    return tuple(f for f in data.files if f.source_file in mine)


def villages_of(data: ReportData, evidence: Evidence, files: dict[str, set[str]] | None = None) -> list[Village]:
    """Every village in rank order, with digests of its evidence but not the rows (with_evidence).
    `files`: village_files of the warehouse (None: no village lists any source)."""
    digests = evidence.digests()
    by_village: dict[str, list[dict]] = {}
    folded: set[str] = set()  # flags of a several-year problem other than its lead (rules.problems)
    if not data.flags.is_empty():
        kept = data.flags.drop("evidence_list", strict=False)
        if "triage" in kept.columns:
            # dismissed by the analysts on unchanged facts: not sent to the team (nor scored)
            kept = kept.filter(pl.col("triage").fill_null("") != DISMISSED)
        for f in problem_rows(kept, folded):
            by_village.setdefault(f["village_code"], []).append(f)
    resolved: dict[str, list[dict]] = {}
    if data.compared and not data.resolved.is_empty():
        for f in data.resolved.sort("rule_id", "flag_id").iter_rows(named=True):
            if f.get("triage") != DISMISSED:
                resolved.setdefault(f["village_code"], []).append(f)
    ledger: dict[str, list[dict]] = {}
    if not data.ledger.is_empty():
        # last_seen moves every run: not part of what a workbook shows, nor of its fingerprint
        for r in open_items(data.ledger).drop("last_seen").iter_rows(named=True):
            if r["flag_id"] not in folded:
                ledger.setdefault(r["village_code"], []).append(r)
    portraits = {p["village_code"]: p for p in data.portrait.iter_rows(named=True)} if not data.portrait.is_empty() else {}
    indicators: dict[str, list[dict]] = {}
    for r in data.indicators.iter_rows(named=True) if not data.indicators.is_empty() else []:
        indicators.setdefault(r["village_code"], []).append(r)
    common = town_common_rules(data)
    out = []
    for v in data.villages.iter_rows(named=True):
        flags = tuple(mark_common(by_village.get(v["village_code"], ()), common.get(v["town"] or "", {})))
        code, town, name = _place(v)
        out.append(
            Village(
                code=code,
                name=name,
                town=town,
                score=v,
                basics=data.basics.get(v["village_code"], {}),
                flags=flags,
                evidence=None,
                resolved=tuple(resolved.get(v["village_code"], ())),
                evidence_digests=tuple("|".join(digests.get(m, NO_EVIDENCE) for m in members(f)) for f in flags),
                sources=own_sources(data, files or {}, code),
                ledger=tuple(ledger.get(v["village_code"], ())),
                portrait=portraits.get(v["village_code"], {}),
                indicators=tuple(indicators.get(v["village_code"], ())),
                indicators_missing=tuple(data.indicators_missing),
                town_common=tuple(sorted(common.get(v["town"] or "", {}).items())),
            )
        )
    return out


def with_evidence(villages: list[Village], evidence: Evidence) -> list[Village]:
    """The villages with their flags' evidence rows, for building their workbooks."""
    rows = evidence.rows([m for v in villages for f in v.flags for m in members(f)])
    return [replace(v, evidence={f["flag_id"]: [r for m in members(f) for r in rows.get(m, [])] for f in v.flags})
            for v in villages]


COMMON_MARK = "【本镇共性问题】"


def town_common_rules(data: ReportData) -> dict[str, dict[str, str]]:
    """town -> rule id -> description, from the town_common table (rules.scoring)."""
    out: dict[str, dict[str, str]] = {}
    for r in data.town_common.iter_rows(named=True) if not data.town_common.is_empty() else []:
        out.setdefault(r["town"] or "", {})[r["rule_id"]] = (
            f"{r['rule_id']} {r['rule_title'] or ''}（本镇 {r['villages_flagged']}/{r['villages_in_town']} 个村）")
    return out


def mark_common(flags, common: dict[str, str]) -> list[dict]:
    """The flags, those of a rule common in the town with 【本镇共性问题】 before their summary."""
    return [{**f, "summary": COMMON_MARK + (f.get("summary") or "")} if f["rule_id"] in common else f for f in flags]


def members(flag: dict) -> list[str]:
    """The flags a listed flag stands for: itself, or every year of its problem (latest first)."""
    return flag.get("member_ids") or [flag["flag_id"]]


def problem_rows(flags: pl.DataFrame, folded: set[str]) -> list[dict]:
    """Flag rows in their order, one per problem: a problem found in several years is listed once, by
    its latest year's flag, with its years and total amount (rules.problems); the ids of the other
    years' flags are added to `folded`."""
    if "detail_key" not in flags.columns:
        return list(flags.iter_rows(named=True))
    grouped = with_problems(flags)
    member_ids: dict[str, list[str]] = {}
    for r in grouped.filter(pl.col("problem_size") > 1).sort("detail_key", descending=True).iter_rows(named=True):
        member_ids.setdefault(r["problem_id"], []).append(r["flag_id"])
    out = []
    for f in grouped.iter_rows(named=True):
        if (f["problem_size"] or 1) <= 1:
            out.append({k: v for k, v in f.items() if not k.startswith("problem_")})
            continue
        if not f["problem_lead"]:
            folded.add(f["flag_id"])
            continue
        ids = member_ids[f["problem_id"]]
        summary = (f"【{f['problem_years']}年连续出现，共{len(ids)}年，合计{f['problem_amount']:,.2f}元】"
                   f"{f.get('summary') or ''}")
        out.append({**{k: v for k, v in f.items() if not k.startswith("problem_")}, "summary": summary,
                    "amount_yuan": f["problem_amount"], "member_ids": ids, "years": f["problem_years"]})
    return out
