"""Pipeline benchmark on a generated 1300-village city: every rule's time, and nightly re-runs.

Prints (does not assert): the first full run by stage; each rule's seconds and the total
(target: all rules < 30 s on 2 cores); a re-run with nothing changed (target < 5 s) and a
re-run after one file changed (target < 20 s), both without Prefect's own start-up.

    make bench                                   # generates the city (about 3 minutes) first
    XUNCHA_BENCH_INBOX=/path/to/city make bench  # reuse an existing one
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

pytestmark = pytest.mark.benchmark

VILLAGES = int(os.environ.get("XUNCHA_BENCH_VILLAGES", "1300"))
ROOT = Path(__file__).resolve().parent.parent

# Each run in a fresh process, as the nightly job would be; prints one JSON line.
_RUN = textwrap.dedent("""
    import json, resource, sys, time
    from pathlib import Path
    from pipelines.run import run_pipeline
    t = time.perf_counter()
    s = run_pipeline(Path(sys.argv[1]), Path(sys.argv[2]))
    print(json.dumps({"wall": time.perf_counter() - t, "seconds": s.seconds, "files_read": s.files_read,
                      "rules": s.rules_rerun, "flags": s.flags, "nothing_changed": s.nothing_changed,
                      "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
""")

_RULES = textwrap.dedent("""
    import json, sys, time
    import duckdb
    from rules.engine import run_rules
    from xuncha.config import WorkspaceConfig
    con = duckdb.connect(sys.argv[1])
    t = time.perf_counter()
    r = run_rules(con, WorkspaceConfig())
    total = time.perf_counter() - t
    print(json.dumps({"total": total, "rules": [(o.rule_id, o.status, o.flags, o.seconds) for o in r.coverage]}))
""")


def _child(script: str, *args: str) -> dict:
    out = subprocess.run([sys.executable, "-c", script, *args], cwd=ROOT, capture_output=True, text=True)
    if out.returncode:
        raise RuntimeError(out.stderr[-3000:])
    return json.loads(out.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def city(tmp_path_factory) -> Path:
    given = os.environ.get("XUNCHA_BENCH_INBOX")
    if given:
        return Path(given)
    from samplegen import generate

    out = tmp_path_factory.mktemp("city")
    generate(out, villages=VILLAGES, seed=2024, verify=False)
    return out


def test_rules_and_reruns(city: Path, tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    shutil.copytree(city, inbox)
    ws = tmp_path / "ws"

    first = _child(_RUN, str(inbox), str(ws))
    print(f"\n[first run] {first['files_read']} files, {first['flags']} flags, wall {first['wall']:.1f} s, "
          f"peak RSS {first['rss_mb']:.0f} MB; by stage: {first['seconds']}")

    # Rules alone, on a copy of the warehouse (the run above holds the figures with its lifecycle).
    shutil.copy(ws / "warehouse.duckdb", tmp_path / "rules.duckdb")
    rules = _child(_RULES, str(tmp_path / "rules.duckdb"))
    print(f"[rules] all {len(rules['rules'])} rules: {rules['total']:.1f} s (target < 30 s)")
    for rule_id, status, flags, seconds in sorted(rules["rules"], key=lambda r: -r[3]):
        print(f"    {rule_id} {status:8s} {flags:6d} flags {seconds:6.2f} s")

    same = _child(_RUN, str(inbox), str(ws))
    print(f"[no change] wall {same['wall']:.2f} s (target < 5 s); nothing_changed={same['nothing_changed']}, "
          f"files read {same['files_read']}; by stage: {same['seconds']}")

    deaths = next(p for p in inbox.rglob("*") if "死亡" in p.name)
    data = deaths.read_bytes()
    deaths.write_bytes(data[: data.rfind(b"\n", 0, len(data) - 1) + 1])  # drop the last death
    one = _child(_RUN, str(inbox), str(ws))
    print(f"[one file changed] wall {one['wall']:.2f} s (target < 20 s); files read {one['files_read']}, "
          f"rules re-run {one['rules']}; by stage: {one['seconds']}")
