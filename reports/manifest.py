"""What each village workbook of a report set was made from, so the next set can re-use it.

Every report set holds `manifest.json`: per village, a fingerprint of everything its workbook is
built from (the village's flags with their statuses and verdicts, its evidence records, score,
rank and class, basics; the county's sources, missing tables and rules not run; the workbook code
and the rule texts; whether and with which password it is encrypted) and the run that produced
the file. A village whose fingerprint equals the one in the previous set gets that set's file.

Left out on purpose, like the run stamp: the load times of the source files (数据最近入库 and each
table's 最近入库时间 on the cover). They would change every village's fingerprint whenever any file
is re-read. A re-used workbook keeps the times and the 生成批次 of the run that produced it: its
cover says truthfully when, and from which loads, its content was produced.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import pickle
import secrets
from dataclasses import dataclass
from pathlib import Path

import msoffcrypto
import openpyxl

from reports import signing
from reports.context import County, Village
from reports.village_workbook import change_rows, team_status_text

FILE_NAME = "manifest.json"
# Bump when a workbook changes in a way its sources do not show (they are fingerprinted as well).
FORMAT = 1

# The modules whose code shapes a village workbook.
_CODE = ("context.py", "evidence.py", "interview.py", "masking.py", "naming.py", "protect.py", "village_workbook.py",
         "working_paper.py", "xlsx.py", "xlsx_fast.py", "xlsx_frame.py", "xlsx_layout.py", "manifest.py", "signing.py")
# What of a flag its workbook shows or depends on; not first_seen / last_seen, which change every run.
# The status shows as village_workbook.team_status_text, fingerprinted as shown.
FLAG_FIELDS = ("flag_id", "rule_id", "rule_title", "category", "severity", "triage", "subject_key",
               "subject_name", "amount_yuan", "summary", "confidence", "facts_hash", "member_ids")
# Password hashing: slow on purpose, as the manifest sits beside the workbooks it protects.
_PASSWORD_ROUNDS = 200_000


@dataclass(frozen=True)
class Entry:
    path: str  # relative to the report set
    fingerprint: str
    produced: str  # run stamp of the run that built the file
    size: int
    sha256: str  # of the file, to notice a workbook edited in place after it was written


@dataclass(frozen=True)
class Manifest:
    root: Path
    run_stamp: str
    salt: str
    villages: dict[str, Entry]
    # county_digest of the set: what every fingerprint shares (None in sets written before it was kept)
    county: str | None = None
    # settings_digest of the run that wrote the set (None in sets written before it was kept)
    settings: str | None = None


def _digest(obj: object) -> str:
    buf = io.BytesIO()
    p = pickle.Pickler(buf, protocol=5)
    # no memo: equal values give equal bytes whether or not they are the same objects
    p.fast = True
    p.dump(obj)
    return hashlib.sha256(buf.getvalue()).hexdigest()


def file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _code_digest() -> str:
    from rules.catalog import RULES_BY_ID
    from rules.model import CATEGORIES

    here = Path(__file__).parent
    rules = sorted((r.id, r.title, r.verify, tuple((q.role, q.text) for q in r.questions))
                   for r in RULES_BY_ID.values())
    return _digest((
        FORMAT,
        [(name, (here / name).read_bytes()) for name in _CODE],
        rules,
        sorted(CATEGORIES.items()),
        openpyxl.__version__,
        getattr(msoffcrypto, "__version__", ""),
    ))


def password_digest(password: str | None, salt: str) -> str:
    """Whether and with what password team workbooks are encrypted, salted and slow to guess."""
    if password is None:
        return "plain"
    key = hashlib.pbkdf2_hmac("sha256", password.encode("utf-8"), bytes.fromhex(salt), _PASSWORD_ROUNDS)
    return key.hex()


def county_digest(county: County, password: str | None, salt: str) -> str:
    """What every village workbook shares, without the run stamp and the load times."""
    files = sorted((f.source_file, f.table_name or "") for f in county.files)
    return _digest((
        _code_digest(),
        county.name,
        county.village_count,
        county.has_status,
        county.missing_tables,
        [(n.rule_id, n.title, n.reason) for n in county.not_run],
        files,
        password_digest(password, salt),
        # a new signing key (feedback.key deleted) makes the workbooks signed with the old one unusable
        signing.signature(county.signing_key, "key-id", "") if county.signing_key else None,
    ))


def village_fingerprint(shared: str, county: County, village: Village) -> str:
    compared = county.previous_check is not None
    flags = [tuple(f.get(k) for k in FLAG_FIELDS) + (team_status_text(f, compared) if county.has_status else "",)
             for f in village.flags]
    changes = change_rows(county, village)
    if len(village.evidence_digests) != len(village.flags):
        raise ValueError(f"village {village.code}: evidence digests do not match its flags (context.villages_of)")
    return _digest((
        shared,
        village.code,
        village.name,
        village.town,
        sorted(village.score.items()),
        sorted(village.basics.items()),
        flags,
        village.evidence_digests,
        sorted((f.source_file, f.table_name or "") for f in village.sources),
        changes,
        # only a village with changes names the run it is compared with
        county.previous_check if changes else None,
        [sorted(r.items()) for r in village.ledger],
        sorted(village.portrait.items()),
        [sorted(r.items()) for r in village.indicators],
        village.indicators_missing,
        village.town_common,
    ))


def settings_digest(password: str | None, salt: str) -> str:
    """The settings that change the outputs without changing the data: whether and with which
    password team workbooks are encrypted (masking is not configurable: always on)."""
    return _digest(("settings", 1, password_digest(password, salt)))


def settings_current(reports_dir: Path, password: str | None) -> bool:
    """Whether the latest report set was written with these settings (the no-change shortcut of a
    run may keep it); False when there is none or it does not say."""
    latest = previous(reports_dir, "")
    return latest is not None and latest.settings == settings_digest(password, latest.salt)


def new_salt() -> str:
    return secrets.token_hex(16)


def read(root: Path) -> Manifest | None:
    try:
        raw = json.loads((root / FILE_NAME).read_text(encoding="utf-8"))
        return Manifest(
            root=root,
            run_stamp=raw["run_stamp"],
            salt=raw["salt"],
            county=raw.get("county"),
            settings=raw.get("settings"),
            villages={code: Entry(**e) for code, e in raw["villages"].items()},
        )
    except (OSError, ValueError, KeyError, TypeError):
        return None  # no manifest, or one this version cannot read: nothing is re-used


def previous(reports_dir: Path, run_stamp: str) -> Manifest | None:
    """The most recently written other report set with a readable manifest."""
    candidates = []
    if reports_dir.is_dir():
        for d in reports_dir.iterdir():
            if d.name.startswith(".") or d.name == run_stamp or not d.is_dir():
                continue
            try:
                mtime = (d / FILE_NAME).stat().st_mtime
            except OSError:
                continue
            candidates.append((mtime, d.name, d))
    for _, _, d in sorted(candidates, reverse=True):
        found = read(d)
        if found is not None:
            return found
    return None


def reusable(prev: Manifest | None, code: str, fingerprint: str) -> Entry | None:
    """The previous set's entry for this village when its file can stand for the new one."""
    if prev is None:
        return None
    entry = prev.villages.get(code)
    if entry is None or entry.fingerprint != fingerprint:
        return None
    path = prev.root / entry.path
    try:
        if path.stat().st_size != entry.size or file_sha256(path) != entry.sha256:
            return None  # changed since it was written (opened and saved in place?)
    except OSError:
        return None
    return entry


def write(root: Path, run_stamp: str, salt: str, villages: dict[str, Entry], county: str | None = None,
          settings: str | None = None) -> None:
    body = {
        "format": FORMAT,
        "run_stamp": run_stamp,
        "salt": salt,
        "county": county,
        "settings": settings,
        "villages": {code: vars(e) for code, e in sorted(villages.items())},
    }
    path = root / FILE_NAME
    with open(path, "w", encoding="utf-8") as f:
        json.dump(body, f, ensure_ascii=False, indent=1)
        f.flush()
        os.fsync(f.fileno())
