"""A developer's check that a change to reading or transforming leaves every sheet's result as it was.

Speed work replaces how files are read and transformed, never what comes out. Before the change,
`python -m connectors.sheet_digests save before.json INBOX...` records, for every sheet of every file of
the inboxes (read and transformed as the ingest does, in its batches, with a fixed `today`): its
table, its rows loaded, quarantined and skipped, its messages, and a digest of its data rows and of
its quarantined rows. After it, `python -m connectors.sheet_digests compare before.json INBOX...` does the
same with the code as it is now and lists every sheet whose record differs, and what differs; it
exits with status 1 when one does. Villages are not matched (that is the warehouse's reference).

A row digest is polars' `hash_rows` of the frame with its schema: the same for the same values in
the same order with the same polars; compare on one machine, with one environment. The record holds
the sheets' messages, which quote cells (names, IDs): keep it beside the data, never in the repository.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import sys
from pathlib import Path

import polars as pl

from connectors.catalog import load_catalog
from connectors.extract import extract_files
from connectors.inbox import list_inbox
from connectors.ingest import catalog_settings
from connectors.readahead import batch_jobs
from xuncha.config import WorkspaceConfig

# The date the transform is given (ages, dates in the future): the same on both sides of a comparison
TODAY = dt.date(2026, 1, 1)


def frame_digest(frame: pl.DataFrame | None) -> str | None:
    """The frame's schema and rows, as a short hex digest; None for no frame."""
    if frame is None:
        return None
    h = hashlib.sha256(repr(list(frame.schema.items())).encode("utf-8"))
    if frame.height:
        h.update(frame.hash_rows(seed=0).to_numpy().tobytes())
    return h.hexdigest()[:20]


def sheet_records(inboxes: list[Path]) -> dict[str, dict]:
    """`inbox | file | sheet` -> what the transform made of that sheet (see the module's doc)."""
    catalog = load_catalog(**catalog_settings(WorkspaceConfig().connectors))
    records: dict[str, dict] = {}
    for inbox in inboxes:
        for job in batch_jobs(list_inbox(inbox).files):
            for result in extract_files(job, inbox, catalog, today=TODAY):
                if result.error:
                    records[f"{inbox} | {result.source_file} | "] = {"error": result.error}
                for s in result.sheets:
                    records[f"{inbox} | {result.source_file} | {s.sheet}"] = {
                        "extract": s.extract, "rows_read": s.rows_read, "rows_loaded": s.rows_loaded,
                        "rows_quarantined": s.rows_quarantined, "rows_skipped": s.rows_skipped,
                        "messages": list(s.messages), "data": frame_digest(s.data),
                        "quarantine": frame_digest(s.quarantine),
                    }
    return records


def differences(before: dict[str, dict], after: dict[str, dict]) -> list[str]:
    """One line per sheet whose record differs, or that is on one side only."""
    lines = []
    for key in sorted(before.keys() | after.keys()):
        old, new = before.get(key), after.get(key)
        if old is None or new is None:
            lines.append(f"{key}：{'只在改动后出现' if old is None else '改动后没有了'}")
        elif old != new:
            fields = [f for f in sorted(old.keys() | new.keys()) if old.get(f) != new.get(f)]
            lines.append(f"{key}：{'、'.join(fields)} 不同")
    return lines


def main(argv: list[str]) -> int:
    if len(argv) < 3 or argv[0] not in ("save", "compare"):
        print("用法：python -m connectors.sheet_digests save|compare 记录文件.json 收件箱目录…", file=sys.stderr)
        return 2
    what, record, inboxes = argv[0], Path(argv[1]), [Path(p) for p in argv[2:]]
    now = sheet_records(inboxes)
    if what == "save":
        record.write_text(json.dumps(now, ensure_ascii=False, indent=0), encoding="utf-8")
        print(f"已记录 {len(now)} 张表：{record}")
        return 0
    lines = differences(json.loads(record.read_text(encoding="utf-8")), now)
    print("\n".join(lines) if lines else f"{len(now)} 张表与记录完全相同")
    return 1 if lines else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
