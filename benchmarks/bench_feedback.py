"""`import-feedback` speed on a returned team workbook of many rows (issue 13: 300,000 rows).

A 12-village county is run once; its largest village workbook's 问题清单 rows are repeated to
XUNCHA_BENCH_FEEDBACK_ROWS rows (default 300,000) with 核查结果 filled, signed as that village's,
and imported in a fresh process. Prints rows a second and peak memory (does not assert).

    /work/main/.venv/bin/python -m pytest -q -s -m benchmark benchmarks/bench_feedback.py
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

pytestmark = pytest.mark.benchmark

ROWS = int(os.environ.get("XUNCHA_BENCH_FEEDBACK_ROWS", "300000"))
ROOT = Path(__file__).resolve().parent.parent

_IMPORT = textwrap.dedent("""
    import json, resource, sys, time
    from pathlib import Path
    from pipelines import steps
    from reports import feedback, signing
    ws = Path(sys.argv[1])
    con = steps.Workspace(ws).connect()
    t = time.perf_counter()
    r = feedback.import_files(con, [Path(sys.argv[2])], signing.workspace_key(ws))
    wall = time.perf_counter() - t
    con.close()
    print(json.dumps({"wall": wall, "imported": r.imported, "messages": len(r.messages),
                      "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
""")


def returned_workbook(ws: Path, rows: int, out: Path) -> None:
    import openpyxl

    from reports import feedback, signing, xlsx

    src = max((ws / "reports").rglob("*巡察风险清单.xlsx"), key=lambda p: p.stat().st_size)
    key = signing.workspace_key(ws)
    wb = openpyxl.load_workbook(src, read_only=True)
    village = signing.signed_village(wb, key)
    sheet = [list(r) for r in wb[feedback.SHEET].iter_rows(values_only=True)]
    wb.close()
    assert village is not None
    at = next(i for i, r in enumerate(sheet) if feedback.ID_HEADER in r)
    header, data = sheet[at], [r for r in sheet[at + 1:] if r[sheet[at].index(feedback.ID_HEADER)]]
    result = header.index(feedback.RESULT_HEADER)
    words = ["已核实：属实", "排除：不属实，已核对原始凭证", "整改中", "看不懂"]

    def body():
        for i in range(rows):
            r = ["" if v is None else v for v in data[i % len(data)]]
            r[result] = words[i % len(words)]
            yield r

    book = xlsx.new_workbook()
    xlsx.table_sheet(book, feedback.SHEET, [xlsx.Col(str(h), 12) for h in header], body(), header_text="清单",
                     caption="交回的清单")
    signing.sign(book, key, "20241201-093000", village)
    out.write_bytes(xlsx.to_bytes(book))


def test_import_feedback_rows_per_second(tmp_path: Path) -> None:
    from pipelines.run import run_pipeline
    from samplegen import generate

    inbox, ws = tmp_path / "inbox", tmp_path / "ws"
    generate(inbox, villages=12, seed=11)
    run_pipeline(inbox, ws)
    path = tmp_path / "returned.xlsx"
    returned_workbook(ws, ROWS, path)
    env = os.environ | {"PYTHONPATH": str(ROOT)}
    out = subprocess.run([sys.executable, "-c", _IMPORT, str(ws), str(path)], env=env, capture_output=True,
                         text=True, timeout=3600, check=True)
    got = json.loads(out.stdout.strip().splitlines()[-1])
    print(f"\nimport-feedback: {ROWS:,} rows ({path.stat().st_size / 1e6:.0f} MB) in {got['wall']:.1f} s = "
          f"{ROWS / got['wall']:,.0f} rows/s; peak {got['rss_mb']:.0f} MB; {got['imported']} flags updated")
