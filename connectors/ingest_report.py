"""ingest_report.csv: one row per sheet (or per unreadable file) with its row accounting."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path

from connectors.extract import FileResult, same_rows_message
from connectors.inbox import Listing, duplicate_message
from connectors.set_aside import SET_ASIDE_PREFIX
from xuncha.files import atomic_write_bytes, csv_safe_text

SKIPPED_PREFIX = SET_ASIDE_PREFIX  # one prefix for files and sheets set aside

# The first seven are the published contract (tests/test_end_to_end.py); rows_skipped is appended,
# then recognition: the chosen kind's score and the best other kind with its score (headers.py).
REPORT_COLUMNS = ["file", "sheet", "extract", "rows_read", "rows_loaded", "rows_quarantined", "message", "rows_skipped",
                  "extract_score", "runner_up", "runner_up_score"]


@dataclass
class SheetReport:  # one row of ingest_report.csv
    file: str
    sheet: str
    extract: str | None
    rows_read: int
    rows_loaded: int
    rows_quarantined: int
    rows_skipped: int
    message: str  # Chinese
    score: float | None = None
    runner_up: str | None = None
    runner_up_score: float | None = None


def sheet_reports(result: FileResult) -> list[SheetReport]:
    if result.duplicate_of:
        return [SheetReport(result.source_file, "", None, 0, 0, 0, 0, SKIPPED_PREFIX + same_rows_message(result.duplicate_of))]
    if result.error:
        return [SheetReport(result.source_file, "", None, 0, 0, 0, 0, result.error)]
    return [
        SheetReport(result.source_file, s.sheet, s.extract, s.rows_read, s.rows_loaded, s.rows_quarantined,
                    s.rows_skipped, s.message, s.score, *(s.runner_up or (None, None)))
        for s in result.sheets
    ]


def set_aside_reports(listing: Listing) -> list[SheetReport]:
    """Rows for the inbox entries not read: skipped ones with their reason, duplicates naming the
    file read instead."""
    return ([SheetReport(name, "", None, 0, 0, 0, 0, SKIPPED_PREFIX + why) for name, why in listing.skipped]
            + [SheetReport(name, "", None, 0, 0, 0, 0, SKIPPED_PREFIX + duplicate_message(used))
               for name, used in listing.duplicates])


def write_ingest_report(reports: list[SheetReport], path: Path) -> None:
    """ingest_report.csv, UTF-8 with BOM so Excel and WPS show the Chinese correctly; written atomically."""
    buf = io.StringIO(newline="")
    w = csv.writer(buf)
    w.writerow(REPORT_COLUMNS)
    for r in reports:
        # file, sheet and message hold data (file names, header text): escaped against CSV formulas
        w.writerow([csv_safe_text(r.file), csv_safe_text(r.sheet), r.extract or "", r.rows_read, r.rows_loaded,
                    r.rows_quarantined, csv_safe_text(r.message), r.rows_skipped, _points(r.score), r.runner_up or "",
                    _points(r.runner_up_score)])
    atomic_write_bytes(path, buf.getvalue().encode("utf-8-sig"))


def _points(score: float | None) -> str:
    return "" if score is None else f"{score:g}"
