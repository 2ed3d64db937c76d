"""What one village workbook needs, cut from ReportData so it can be sent to a worker process.

`County` holds what every village shares (sources, rules not run); `Village` holds one village's
score, basics, flags and evidence.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace

from connectors.schema import TABLES
from reports.evidence import NO_EVIDENCE, Evidence, EvidenceRow
from reports.inputs import LoadedFile, ReportData
from rules.catalog import RULES_BY_ID

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


def villages_of(data: ReportData, evidence: Evidence) -> list[Village]:
    """Every village in rank order, with digests of its evidence but not the rows (with_evidence)."""
    digests = evidence.digests()
    by_village: dict[str, list[dict]] = {}
    if not data.flags.is_empty():
        for f in data.flags.drop("evidence_list", strict=False).iter_rows(named=True):
            # dismissed by the analysts on unchanged facts: not sent to the team (nor scored)
            if f.get("triage") == DISMISSED:
                continue
            by_village.setdefault(f["village_code"], []).append(f)
    resolved: dict[str, list[dict]] = {}
    if data.compared and not data.resolved.is_empty():
        for f in data.resolved.sort("rule_id", "flag_id").iter_rows(named=True):
            if f.get("triage") != DISMISSED:
                resolved.setdefault(f["village_code"], []).append(f)
    out = []
    for v in data.villages.iter_rows(named=True):
        flags = tuple(by_village.get(v["village_code"], ()))
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
                evidence_digests=tuple(digests.get(f["flag_id"], NO_EVIDENCE) for f in flags),
            )
        )
    return out


def with_evidence(villages: list[Village], evidence: Evidence) -> list[Village]:
    """The villages with their flags' evidence rows, for building their workbooks."""
    rows = evidence.rows([f["flag_id"] for v in villages for f in v.flags])
    return [replace(v, evidence={f["flag_id"]: rows.get(f["flag_id"], []) for f in v.flags}) for v in villages]
