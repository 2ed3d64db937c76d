"""Sample counties in every style, generated once per test session and shared by the style tests
(tests/test_sample_styles.py, tests/test_styles_end_to_end.py), plus readers for what they wrote."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import openpyxl
import xlrd
from conftest import built_once

# Two full towns: the smallest county that has every injection and villages of the same name in two towns.
VILLAGES = 24
SEED = 7


def styled_county(tmp_path_factory, style: str) -> tuple[Path, dict]:
    """(inbox, summary facts) of the style's county; generation fails loudly when the oracle disagrees."""

    def build(path: Path) -> None:
        from samplegen import generate

        summary = generate(path / "inbox", villages=VILLAGES, seed=SEED, style=style)
        facts = {"files": summary.files, "rows": summary.rows, "per_rule": summary.per_rule,
                 "oracle_mismatches": [list(map(str, m)) for m in summary.oracle_mismatches]}
        (path / "summary.json").write_text(json.dumps(facts, ensure_ascii=False), encoding="utf-8")

    root = built_once(tmp_path_factory, f"sample-style-{style}-{VILLAGES}-{SEED}", build)
    return root / "inbox", json.loads((root / "summary.json").read_text(encoding="utf-8"))


def read_csv_rows(path: Path, delimiter: str = ",") -> list[list[str]]:
    data = path.read_bytes()
    for enc in ("utf-8-sig", "gbk"):
        try:
            text = data.decode(enc)
        except UnicodeDecodeError:
            continue
        first = text.split("\n", 1)[0]
        if delimiter == "," and ";" in first and "," not in first:  # a semicolon-separated export (hekou)
            delimiter = ";"
        try:
            return list(csv.reader(text.splitlines(), delimiter=delimiter))
        except UnicodeDecodeError:
            continue
    raise AssertionError(f"{path} is neither UTF-8 nor GBK")


def read_dict_csv(path: Path) -> list[dict]:
    with open(path, encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))


def sheets(path: Path) -> dict[str, list[list]]:
    """Every sheet of a workbook (or the one "sheet" of a CSV, named after the file) as rows of values,
    all rows padded to the sheet's width."""
    if path.suffix == ".csv":
        return {path.stem: _padded(read_csv_rows(path))}
    if path.suffix == ".txt":  # a tab-separated system export
        return {path.stem: _padded(read_csv_rows(path, "\t"))}
    if path.suffix == ".xls":
        book = xlrd.open_workbook(path)
        return {sh.name: _padded([sh.row_values(i) for i in range(sh.nrows)]) for sh in book.sheets()}
    wb = openpyxl.load_workbook(path, read_only=True)
    return {ws.title: _padded([list(r) for r in ws.iter_rows(values_only=True)]) for ws in wb.worksheets}


def _padded(rows: list[list]) -> list[list]:
    width = max((len(r) for r in rows), default=0)
    return [r + [None] * (width - len(r)) for r in rows]


def header_paths(rows: list[list], max_rows: int = 8) -> list[tuple[int, dict[str, int]]]:
    """Candidate header rows as (row index, {label: column}); for a row followed by a row of children,
    also "group/child" labels (group cells carried right over the merged run, as a reader sees them)."""
    out = []
    for i, row in enumerate(rows[:max_rows]):
        labels = {str(v): c for c, v in enumerate(row) if v not in (None, "")}
        if i + 1 < len(rows):
            group = None
            below = rows[i + 1]
            for c, v in enumerate(row):
                group = v if v not in (None, "") else group
                child = below[c] if c < len(below) else None
                if group not in (None, "") and child not in (None, ""):
                    labels[f"{group}/{child}"] = c
        out.append((i, labels))
    return out


def column_of(rows: list[list], label: str) -> int:
    for _, labels in header_paths(rows):
        if label in labels:
            return labels[label]
    raise AssertionError(f"no header {label!r}")
