"""Ingest benchmark: a generated 1300-village city, ingest vs. merely reading the files (the floor).

Run with `make bench` (pytest -m benchmark). Reports, does not assert: rows/s, wall time and peak
RSS of the ingest and of two floors (each in a fresh subprocess): this system's readers (polars for
CSV, python-calamine for workbooks, which keeps cell types) and the fastest readers (fastexcel for
workbooks, every cell as text); each ingest's CPU by process (main, reading processes, GX process);
a lower bound from what no ingest avoids (the fastest readers' CPU, the GX process's CPU, DuckDB's CPU
to store the same rows from Arrow) against the CPU the 2x target allows on this machine's cores; and
the per-reader speeds on the largest workbook. Targets: ingest wall <= 1.3 x floor one and <= 2 x
floor two, peak RSS < 4 GB.

The city comes from samplegen.generate(out_dir, villages, seed); set XUNCHA_BENCH_INBOX to an
existing inbox to benchmark that instead, XUNCHA_BENCH_VILLAGES to change the size.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.benchmark

VILLAGES = int(os.environ.get("XUNCHA_BENCH_VILLAGES", "1300"))
TARGET_RATIO = 1.3  # x this system's readers alone (floor one)
TARGET_FASTEST_RATIO = 2.0  # x the fastest readers (floor two): the speed issue's city target
TARGET_RSS_GB = 4.0
ROOT = Path(__file__).resolve().parent.parent

# Each child prints one JSON line: wall seconds, rows, and max RSS of itself and of its children
# (pool workers), in KiB as Linux reports ru_maxrss.

# The floors: every file of the inbox read by `rows_of(path)` (rows it holds), nothing else done.
_FLOOR_LOOP = """
inbox = Path(sys.argv[1])
t = time.perf_counter()
rows = 0
for p in inbox_files(inbox):
    try:
        rows += rows_of(p)
    except Exception:
        pass
wall = time.perf_counter() - t
usage = resource.getrusage(resource.RUSAGE_SELF)
print(json.dumps({"wall": wall, "rows": rows, "cpu": usage.ru_utime + usage.ru_stime,
                  "rss_self": usage.ru_maxrss,
                  "rss_children": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss}))
"""

# This system's readers (connectors.readers).
_FLOOR = textwrap.dedent("""
    import json, resource, sys, time
    from pathlib import Path
    from connectors.inbox import inbox_files
    from connectors.readers import read_file

    def rows_of(p):
        return sum(s.height for s in read_file(p))
""") + _FLOOR_LOOP

# The fastest readers there are, keeping nothing the connector needs: CSV by polars with ragged
# rows cut, workbooks by fastexcel (Rust, straight to Arrow) with every cell as text, so an ID
# stored as an Excel number cannot be told from a typed one (why the connector reads workbooks
# with python-calamine instead).
_FLOOR_FASTEST = textwrap.dedent("""
    import io, json, resource, sys, time
    from pathlib import Path
    import fastexcel
    import polars as pl
    from connectors.inbox import inbox_files

    def rows_of(p):
        data = p.read_bytes()
        if p.suffix.lower() == ".csv":
            try:
                text = data.decode("utf-8-sig")
            except UnicodeDecodeError:
                text = data.decode("gb18030")
            return pl.read_csv(io.BytesIO(text.encode()), has_header=False, infer_schema=False,
                               truncate_ragged_lines=True).height
        book = fastexcel.read_excel(data)
        return sum(book.load_sheet(name, header_row=None, dtypes="string").height for name in book.sheet_names)
""") + _FLOOR_LOOP

_INGEST = textwrap.dedent("""
    import functools, json, os, resource, sys, threading, time
    from pathlib import Path
    from connectors.ingest import default_workers, inbox_files, ingest_inbox
    from connectors.warehouse import open_warehouse
    from xuncha.config import WorkspaceConfig

    def tree_rss_kib() -> int:
        # this process and its children (reading processes), summed, from /proc
        todo, total = [os.getpid()], 0
        while todo:
            pid = todo.pop()
            try:
                with open(f"/proc/{pid}/status") as f:
                    total += next(int(line.split()[1]) for line in f if line.startswith("VmRSS"))
                for task in os.listdir(f"/proc/{pid}/task"):
                    with open(f"/proc/{pid}/task/{task}/children") as f:
                        todo += [int(c) for c in f.read().split()]
            except (OSError, StopIteration):
                pass
        return total

    def seconds(usage) -> float:
        return usage.ru_utime + usage.ru_stime

    def cpu_split() -> dict:
        # CPU seconds of this process (validating, writing), of its children that ended (the reading
        # processes, .xls readers), and of the Great Expectations process, which lives on (asked itself)
        from connectors import children
        split = {"main": seconds(resource.getrusage(resource.RUSAGE_SELF)),
                 "readers": seconds(resource.getrusage(resource.RUSAGE_CHILDREN))}
        pool = children.gx_pool()  # None: validated in this process (one core), its CPU is in "main"
        gx = pool.submit(functools.partial(resource.getrusage, resource.RUSAGE_SELF)).result() if pool else None
        split["gx"] = seconds(gx) if gx else 0.0
        return split

    def write_floor(con, path: Path) -> float:
        # CPU seconds DuckDB takes to store what the ingest loaded, given it ready in Arrow: one insert
        # per table into a new warehouse, on one thread as during the ingest, committed
        from connectors.schema import TABLES
        from connectors.warehouse import open_warehouse
        tables = {t: con.sql(f"SELECT * FROM {t}").to_arrow_table()
                  for t in [*TABLES, "quarantine", "validation_results"]}
        target = open_warehouse(path)
        target.execute("SET threads = 1")
        before = seconds(resource.getrusage(resource.RUSAGE_SELF))
        for name, table in tables.items():
            target.register("_floor", table)
            target.execute(f"INSERT INTO {name} SELECT * FROM _floor")
            target.unregister("_floor")
        target.execute("CHECKPOINT")
        spent = seconds(resource.getrusage(resource.RUSAGE_SELF)) - before
        target.close()
        return spent

    peak = [0]
    done = threading.Event()
    def sample() -> None:
        while not done.wait(0.1):
            peak[0] = max(peak[0], tree_rss_kib())
    inbox, db = Path(sys.argv[1]), Path(sys.argv[2])
    workers = default_workers(inbox_files(inbox)) if sys.argv[3] == "default" else int(sys.argv[3])
    con = open_warehouse(db)
    threading.Thread(target=sample, daemon=True).start()
    t = time.perf_counter()
    reports = ingest_inbox(inbox, con, WorkspaceConfig(), workers=workers)
    wall = time.perf_counter() - t
    done.set()
    cpu = cpu_split()
    if sys.argv[4:] == ["write-floor"]:
        cpu["write_floor"] = write_floor(con, db.with_name("write_floor.duckdb"))
    con.close()
    print(json.dumps({"wall": wall, "cpu": cpu, "rows": sum(r.rows_read + r.rows_skipped for r in reports),
                      "loaded": sum(r.rows_loaded for r in reports),
                      "quarantined": sum(r.rows_quarantined for r in reports),
                      "unrecognised": sum(1 for r in reports if r.extract is None),
                      "workers": workers, "rss_tree_peak": peak[0],
                      "rss_self": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
                      "rss_children": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss}))
""")


def _child(script: str, *args: str) -> dict:
    out = subprocess.run([sys.executable, "-c", script, *args], cwd=ROOT, capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def _inbox(tmp_path_factory) -> Path:
    given = os.environ.get("XUNCHA_BENCH_INBOX")
    if given:
        return Path(given)
    try:
        from samplegen import generate
    except ImportError:
        pytest.skip("samplegen.generate is not available yet; set XUNCHA_BENCH_INBOX to an inbox")
    out = tmp_path_factory.mktemp("city")
    t = time.perf_counter()
    generate(out, villages=VILLAGES, seed=2024)
    print(f"\n生成 {VILLAGES} 个村的样例数据：{time.perf_counter() - t:.1f} 秒")
    return out


def _reader_speeds(path: Path) -> dict[str, float]:
    """Seconds to read every cell of one workbook with each reader (best of 2)."""
    import openpyxl
    import python_calamine

    def calamine() -> None:
        wb = python_calamine.CalamineWorkbook.from_path(str(path))
        for name in wb.sheet_names:
            wb.get_sheet_by_name(name).to_python(skip_empty_area=False)

    def fastexcel_text() -> None:
        import fastexcel

        r = fastexcel.read_excel(str(path))
        for name in r.sheet_names:
            r.load_sheet(name, header_row=None, dtypes="string").to_polars()

    def openpyxl_read_only() -> None:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
        for ws in wb.worksheets:
            for _ in ws.iter_rows(values_only=True):
                pass
        wb.close()

    speeds = {}
    for name, fn in [("python-calamine", calamine), ("fastexcel（全部按文本，数字失真不可辨）", fastexcel_text),
                     ("openpyxl read_only", openpyxl_read_only)]:
        best = float("inf")
        for _ in range(1 if name.startswith("openpyxl") else 2):
            t = time.perf_counter()
            fn()
            best = min(best, time.perf_counter() - t)
        speeds[name] = best
    return speeds


def _cpu_text(cpu: dict) -> str:
    return (f"{sum(cpu[k] for k in ('main', 'readers', 'gx')):.1f} 秒（主进程 {cpu['main']:.1f}、读取进程 "
            f"{cpu['readers']:.1f}、数据检查进程 {cpu['gx']:.1f}）")


def _print_bound(fastest: dict, run: dict) -> None:
    """What the target leaves for this system's own work, from three costs no ingest can avoid: reading
    the files (the fastest readers), Great Expectations validating them (as it did in this run, set-up
    included) and DuckDB storing the rows (the write floor)."""
    cores = os.cpu_count() or 1
    cpu = run["cpu"]
    unavoidable = fastest["cpu"] + cpu["gx"] + cpu["write_floor"]
    budget = TARGET_FASTEST_RATIO * fastest["wall"] * cores
    spent = sum(cpu[k] for k in ("main", "readers", "gx"))
    print(f"下限估算（{cores} 核）：最快的读取器读一遍 CPU {fastest['cpu']:.1f} 秒、数据检查进程 {cpu['gx']:.1f} 秒"
          f"（含导入和准备 GX）、DuckDB 存入同样的行 {cpu['write_floor']:.1f} 秒（一个线程，数据已是 Arrow），合计 "
          f"{unavoidable:.1f} 秒：导入至少要 {unavoidable / cores:.1f} 秒，"
          f"即下限二的 {unavoidable / cores / fastest['wall']:.2f} 倍。"
          f"目标（下限二的 {TARGET_FASTEST_RATIO} 倍，{cores} 核全满）共有 CPU {budget:.1f} 秒，留给其余工作（表头识别、"
          f"规范化、行类别、村庄匹配、隔离、进程启动和导入模块等）{budget - unavoidable:.1f} 秒；"
          f"这次它们用了 {spent - unavoidable:.1f} 秒")


def test_ingest_city(tmp_path_factory) -> None:
    inbox = _inbox(tmp_path_factory)
    files = [p for p in inbox.rglob("*") if p.is_file()]
    size = sum(p.stat().st_size for p in files)
    print(f"\n输入：{inbox}，{len(files)} 个文件，{size / 1e6:.1f} MB")

    floor = _child(_FLOOR, str(inbox))
    fastest = _child(_FLOOR_FASTEST, str(inbox))
    # This machine's speed varies by a fifth from run to run: the default ingest runs twice.
    runs = [_child(_INGEST, str(inbox), str(tmp_path_factory.mktemp("wh") / "warehouse.duckdb"), "default",
                   *(["write-floor"] if i == 0 else [])) for i in range(2)]
    serial_db = tmp_path_factory.mktemp("wh1") / "warehouse.duckdb"
    serial = _child(_INGEST, str(inbox), str(serial_db), "0")

    def gb(kib: int) -> float:
        return kib / 1024 / 1024

    print(f"读取下限一（本系统的读取器：CSV 用 polars，工作簿用 python-calamine 并保留单元格类型，逐文件读取全部单元格）："
          f"{floor['wall']:.2f} 秒，{floor['rows'] / floor['wall']:,.0f} 行/秒，峰值内存 {gb(floor['rss_self']):.2f} GB")
    print(f"读取下限二（最快的读取器：CSV 用 polars，工作簿用 fastexcel 全部按文本读取，数字存储的身份证号无法辨认）："
          f"{fastest['wall']:.2f} 秒，{fastest['rows'] / fastest['wall']:,.0f} 行/秒，峰值内存 {gb(fastest['rss_self']):.2f} GB")
    for label, r in [*((f"导入（默认：主进程校验写入 + {r['workers']} 个读取进程，第{i}次）", r)
                       for i, r in enumerate(runs, 1)),
                     ("导入（单进程）", serial)]:
        print(f"{label}：{r['wall']:.2f} 秒，{r['rows'] / r['wall']:,.0f} 行/秒，"
              f"载入 {r['loaded']:,} 行，隔离 {r['quarantined']:,} 行，"
              f"未识别 {r['unrecognised']} 个表；全部进程合计峰值内存 {gb(r['rss_tree_peak']):.2f} GB"
              f"（每 0.1 秒采样；主进程峰值 {gb(r['rss_self']):.2f} GB，单个读取进程峰值 {gb(r['rss_children']):.2f} GB）；"
              f"为读取下限一的 {r['wall'] / floor['wall']:.2f} 倍（目标 ≤ {TARGET_RATIO}）、"
              f"下限二的 {r['wall'] / fastest['wall']:.2f} 倍（目标 ≤ {TARGET_FASTEST_RATIO}）；"
              f"CPU {_cpu_text(r['cpu'])}")
    _print_bound(fastest, runs[0])

    workbooks = sorted((p for p in files if p.suffix.lower() in (".xlsx", ".xlsm")), key=lambda p: p.stat().st_size)
    if workbooks:
        biggest = workbooks[-1]
        print(f"各读取器读取最大的工作簿 {biggest.name}（{biggest.stat().st_size / 1e6:.1f} MB）：")
        speeds = _reader_speeds(biggest)
        fastest = min(speeds.values())
        for name, sec in sorted(speeds.items(), key=lambda kv: kv[1]):
            print(f"  {name}: {sec:.2f} 秒（{sec / fastest:.1f} 倍）")
