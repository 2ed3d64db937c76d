"""Scale curve: whole `xuncha run` commands on generated counties of 24, 300, 1,300 and 5,000 villages.

For each size it prints wall time, CPU time (user + system of the whole process tree: reading
processes, the Great Expectations process, a fork server's children, adopted as orphans) and peak
memory (the whole process tree, sampled every 0.1 s) of: the read floor (a fresh Python process
reading every file with the fastest readers: fastexcel, every cell as text, for workbooks; polars
for CSV; start-up included), the first run into a fresh workspace, a run where nothing changed, and
a run after one file changed (the last death dropped from the deaths register). Every run is a
fresh `xuncha run` process, without a Prefect server (the direct path), as a user at a terminal.
The project's modules are compiled to bytecode first (`compile_project`), as installing them does
(and as Python does on a first import, unless PYTHONDONTWRITEBYTECODE is set, as on some build
machines): otherwise every run would compile ~140 modules again (~0.5 s of CPU in each process).

Reports, does not assert (run with `make bench`, pytest -m benchmark). The machine may be shared:
the load average is printed before and after; CPU time is the steadier figure when it is high.

    XUNCHA_BENCH_SIZES=24,300    sizes to run (default 24,300,1300,5000)
    XUNCHA_BENCH_DATA=/some/dir  keep the generated counties there (v<N>/) and reuse them
"""

from __future__ import annotations

import importlib.util
import os
import resource
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.benchmark

ROOT = Path(__file__).resolve().parent.parent
SIZES = [int(s) for s in os.environ.get("XUNCHA_BENCH_SIZES", "24,300,1300,5000").split(",") if s.strip()]
XUNCHA = Path(sys.executable).with_name("xuncha")


def _floor_script() -> str:
    """The fastest-readers floor of bench_ingest.py (one definition for both benchmarks)."""
    spec = importlib.util.spec_from_file_location("bench_ingest", Path(__file__).with_name("bench_ingest.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module._FLOOR_FASTEST


def _tree_rss_kib(root: int) -> int:
    todo, total = [root], 0
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


def _subreaper() -> bool:
    """Make this process adopt the command's orphans (Linux): a fork server and the children forked
    from it (the Great Expectations process, report workers) are not waited for by the command, so
    their CPU would otherwise be missing from its rusage."""
    try:
        import ctypes

        return ctypes.CDLL(None, use_errno=True).prctl(36, 1, 0, 0, 0) == 0  # PR_SET_CHILD_SUBREAPER
    except (OSError, AttributeError):
        return False


SUBREAPER = sys.platform == "linux" and _subreaper()


def _reap_orphans(timeout: float = 20.0) -> None:
    """Wait for the descendants the command left (they exit just after it), adding their CPU."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            time.sleep(0.02)


def measure(args: list[str]) -> dict:
    """Wall, CPU (the whole process tree: the process, its children and, adopted, its orphans) and
    peak tree RSS of one command."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_API_URL", "XUNCHA_TEST_"))}
    env |= {"COLUMNS": "200", "PYTHONPATH": str(ROOT)}
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t = time.perf_counter()
    proc = subprocess.Popen(args, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    peak = [0]
    done = threading.Event()

    def sample() -> None:
        while not done.wait(0.1):
            peak[0] = max(peak[0], _tree_rss_kib(proc.pid))

    threading.Thread(target=sample, daemon=True).start()
    output = proc.stdout.read()
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t
    done.set()
    if SUBREAPER:
        _reap_orphans()
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
    else:
        cpu = usage.ru_utime + usage.ru_stime
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode:
        raise RuntimeError(output.decode(errors="replace")[-3000:])
    return {"wall": wall, "cpu": cpu,
            "rss_mb": max(peak[0], usage.ru_maxrss) / 1024, "output": output.decode(errors="replace")}


PACKAGES = ("connectors", "pipelines", "rules", "reports", "xuncha")


def compile_project() -> None:
    """The project's bytecode, as an installed copy has it (see the module's docstring)."""
    subprocess.run([sys.executable, "-m", "compileall", "-q", *PACKAGES], cwd=ROOT, check=True)


def county(villages: int, scratch: Path) -> Path:
    keep = os.environ.get("XUNCHA_BENCH_DATA")
    base = Path(keep) if keep else scratch
    path = base / f"v{villages}"
    if not path.exists():
        from samplegen import generate

        tmp = base / f"tmp-v{villages}"
        shutil.rmtree(tmp, ignore_errors=True)
        generate(tmp, villages=villages, seed=2024, verify=False)
        tmp.rename(path)
    return path


def drop_last_death(inbox: Path) -> None:
    deaths = next(p for p in sorted(inbox.rglob("*")) if "死亡" in p.name)
    data = deaths.read_bytes()
    deaths.write_bytes(data[: data.rfind(b"\n", 0, len(data) - 1) + 1])


def _load() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def test_scale_curve(tmp_path: Path) -> None:
    floor_script = _floor_script()
    compile_project()
    print(f"\n负载（1/5/15 分钟平均）开始时：{_load()}，CPU 核数 {os.cpu_count()}")
    header = (f"{'村数':>6} {'文件':>5} {'MB':>7} | {'读取下限':>17} | {'首次运行':>22} | "
              f"{'无变化':>17} | {'改一个文件':>17}")
    lines = []
    print(header)
    for villages in SIZES:
        data = county(villages, tmp_path)
        inbox = tmp_path / f"inbox{villages}"
        shutil.copytree(data, inbox)
        ws = tmp_path / f"ws{villages}"
        files = [p for p in inbox.rglob("*") if p.is_file()]
        mb = sum(p.stat().st_size for p in files) / 1e6
        run = [str(XUNCHA), "run", str(inbox), "--workspace", str(ws)]
        floor = measure([sys.executable, "-c", floor_script, str(inbox)])
        first = measure(run)
        same = measure(run)
        assert "数据与上次运行相同" in same["output"]
        drop_last_death(inbox)
        one = measure(run)

        def cell(m: dict) -> str:
            return f"{m['wall']:6.1f}s {m['cpu']:6.1f}cpu {m['rss_mb']:5.0f}MB"

        ratio = first["wall"] / floor["wall"]
        line = (f"{villages:>6} {len(files):>5} {mb:>7.1f} | {cell(floor)} | {cell(first)} x{ratio:<4.0f} | "
                f"{cell(same)} | {cell(one)}")
        lines.append(line)
        print(line, flush=True)
        shutil.rmtree(ws, ignore_errors=True)
        shutil.rmtree(inbox, ignore_errors=True)
    print(f"负载结束时：{_load()}")
    print("\n".join([header, *lines]))
