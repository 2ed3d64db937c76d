"""File backends: streaming .xlsx (openpyxl write-only), legacy .xls (xlwt) and CSV (GBK / UTF-8 BOM).

Each sheet knows the row number Excel shows for the next row (1-based, counting title rows), or for
CSV the line number (header line = 1), so the expected quarantine list can point at real cells.
.xlsx files are made byte-stable: fixed zip timestamps and fixed document creation/modification dates.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
import zipfile
from collections import Counter
from pathlib import Path

import openpyxl
from openpyxl.utils import get_column_letter

FIXED_TIME = dt.datetime(2024, 12, 31, 9, 0, 0)
_ZIP_TIME = (2024, 12, 31, 9, 0, 0)


class Sink:
    """Where files go, with per-file data-row counts and expected quarantine positions."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.rows: Counter[str] = Counter()
        self.quarantine: list[dict] = []
        self.files: list[str] = []

    def path(self, rel: str) -> Path:
        p = self.root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        if rel not in self.files:
            self.files.append(rel)
        return p

    def record(self, rel: str, sheet: str, row_no: int, labels: list[str], cols: list[str | None], row: dict,
               table: str) -> None:
        self.rows[rel] += 1
        q = row.get("_q")
        if not q:
            return
        idx = cols.index(q[0])
        raw = q[2]
        self.quarantine.append(dict(
            file=rel, sheet=sheet, row=row_no, column=labels[idx], reason_code=q[1], table=table,
            canonical_column=q[0], raw_value=repr(raw) if isinstance(raw, float) else raw,
            cleaned_value=row.get(q[0]) if q[1] in ("id_checksum", "id_birth_date", "id_region") else "",
            village_code=row.get("village_code", "")))


class XSheet:
    def __init__(self, ws, title: str) -> None:
        self.ws = ws
        self.title = title
        self.n = 0

    def row(self, values: list) -> int:
        self.ws.append(list(values))
        self.n += 1
        return self.n

    def merge(self, r1: int, c1: int, r2: int, c2: int) -> None:
        self.ws.merged_cells.add(f"{get_column_letter(c1)}{r1}:{get_column_letter(c2)}{r2}")


class XBook:
    def __init__(self, sink: Sink, rel: str) -> None:
        self.sink, self.rel = sink, rel
        self.wb = openpyxl.Workbook(write_only=True)
        self.wb.properties.creator = "示例县"
        self.wb.properties.created = FIXED_TIME
        self.sheets: list[XSheet] = []

    def sheet(self, title: str) -> XSheet:
        s = XSheet(self.wb.create_sheet(title), title)
        self.sheets.append(s)
        return s

    def close(self) -> None:
        path = self.sink.path(self.rel)
        self.wb.save(path)
        stabilise_xlsx(path)


def stabilise_xlsx(path: Path) -> None:
    """Rewrite the zip with fixed timestamps and fixed core properties dates."""
    with zipfile.ZipFile(path) as z:
        entries = [(i.filename, z.read(i.filename)) for i in z.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in entries:
            if name == "docProps/core.xml":
                data = re.sub(rb"(<dcterms:(created|modified)[^>]*>)[^<]*(</dcterms:)",
                              rb"\g<1>2024-12-31T09:00:00Z\g<3>", data)
            info = zipfile.ZipInfo(name, date_time=_ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o600 << 16
            z.writestr(info, data)


class LSheet:
    """A legacy .xls sheet (xlwt)."""

    def __init__(self, ws, title: str) -> None:
        self.ws = ws
        self.title = title
        self.n = 0

    def row(self, values: list) -> int:
        for c, v in enumerate(values):
            if v is None or v == "":
                continue
            self.ws.write(self.n, c, v)
        self.n += 1
        return self.n

    def merge(self, r1: int, c1: int, r2: int, c2: int) -> None:
        self.ws.merge(r1 - 1, r2 - 1, c1 - 1, c2 - 1)


class LBook:
    def __init__(self, sink: Sink, rel: str) -> None:
        import xlwt

        self.sink, self.rel = sink, rel
        self.wb = xlwt.Workbook(encoding="utf-8")

    def sheet(self, title: str) -> LSheet:
        return LSheet(self.wb.add_sheet(title), title)

    def close(self) -> None:
        self.wb.save(str(self.sink.path(self.rel)))


class CFile:
    """A CSV export: header on line 1, one record per line, \\r\\n line ends."""

    def __init__(self, sink: Sink, rel: str, header: list[str], encoding: str) -> None:
        self.sink, self.rel = sink, rel
        self.title = Path(rel).stem  # readers name a CSV's only "sheet" after the file
        self.fh = open(sink.path(rel), "w", encoding=encoding, newline="")
        self.w = csv.writer(self.fh, lineterminator="\r\n")
        self.w.writerow(header)
        self.n = 1

    def row(self, values: list) -> int:
        self.w.writerow(["" if v is None else v for v in values])
        self.n += 1
        return self.n

    def close(self) -> None:
        self.fh.close()


def write_rows(sink: Sink, rel: str, sheet, table: str, columns: list[tuple], rows: list[dict]) -> None:
    """columns: (label, canonical column or None, getter(row) -> cell value)."""
    labels = [c[0] for c in columns]
    cols = [c[1] for c in columns]
    for r in rows:
        n = sheet.row([c[2](r) for c in columns])
        sink.record(rel, sheet.title, n, labels, cols, r, table)
