"""How `xuncha run` runs: directly (no Prefect imported) unless a Prefect server on this machine
answers, and a run where nothing changed answered from the last run's record without loading the
warehouse, the data libraries or the checks. (The run through a real Prefect server:
test_prefect_server.py.)"""

from __future__ import annotations

import http.server
import json
import os
import shutil
import socket
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from pipelines import interactive, steps
from pipelines import run as run_path
from pipelines.unchanged import RECORD_FILE

# (pydantic is not listed: typer itself imports it.)
HEAVY = ("prefect", "great_expectations", "duckdb", "polars", "pyarrow", "openpyxl", "rules", "reports")

# Runs the command line in a fresh interpreter and reports which heavy packages it imported.
_CLI = """
import json, sys
from typer.testing import CliRunner
from pipelines.cli import app
result = CliRunner().invoke(app, sys.argv[1:])
loaded = sorted({m.split('.')[0] for m in sys.modules} & set(%r))
print(json.dumps({"code": result.exit_code, "output": result.output, "loaded": loaded}))
""" % (HEAVY,)


def cli(*args: str) -> dict:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("XUNCHA_TEST_", "XUNCHA_WITHOUT", "PREFECT_"))} | {"COLUMNS": "500"}
    out = subprocess.run([sys.executable, "-c", _CLI, *args], env=env, capture_output=True, text=True,
                         timeout=600, cwd=Path(__file__).resolve().parent.parent)
    assert out.returncode == 0, out.stderr[-3000:]
    result = json.loads(out.stdout.strip().splitlines()[-1])
    assert result["code"] == 0, result["output"][-3000:]
    return result


@pytest.fixture(scope="module")
def inbox(sample_inbox) -> Path:
    return sample_inbox(12, 11)  # one town: flags to record verdicts on (shared: read only)


@pytest.mark.slow
def test_direct_run_and_the_no_change_answer(inbox: Path, tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    first = cli("run", str(inbox), "--workspace", str(ws))
    assert "prefect" not in first["loaded"], "a run without a Prefect server imported Prefect"
    assert {"duckdb", "polars", "rules", "reports"} <= set(first["loaded"])  # the check means something
    if (os.cpu_count() or 1) >= 2:  # Great Expectations validated in a process of its own (gx_adapter.preload)
        assert "great_expectations" not in first["loaded"]
    import duckdb

    with duckdb.connect(str(ws / "warehouse.duckdb"), read_only=True) as con:  # ... and did validate
        assert con.execute("SELECT count(*) FROM validation_results WHERE expectation = "
                           "'expect_column_values_to_not_be_null' AND evaluated > 0").fetchone()[0] > 0
    assert (ws / RECORD_FILE).exists() and any((ws / "reports").iterdir())
    assert not (ws / ".prefect").exists()  # no Prefect state, no ephemeral server

    # Nothing changed: answered from the record; none of the heavy packages is even imported.
    flags_before = (ws / "flags.csv").read_bytes()
    same = cli("run", str(inbox), "--workspace", str(ws))
    assert run_path.NOTHING_CHANGED in same["output"]
    assert same["loaded"] == [], same["loaded"]
    assert (ws / "flags.csv").read_bytes() == flags_before
    audit = [json.loads(line) for line in (ws / "audit.log").read_text(encoding="utf-8").splitlines()]
    assert [r["event"] for r in audit[-2:]] == ["start", "end"] and audit[-1]["status"] == "ok"

    # A verdict recorded since (it writes the warehouse): the run sees it and refreshes the outputs.
    flag_id = (ws / "flags.csv").read_text(encoding="utf-8-sig").splitlines()[1].split(",")[0]
    cli("triage", flag_id, "--status", "已核实", "--workspace", str(ws))
    triaged = cli("run", str(inbox), "--workspace", str(ws))
    assert "有新的核查结论" in triaged["output"] and "duckdb" in triaged["loaded"]
    assert "已核实" in (ws / "flags.csv").read_text(encoding="utf-8-sig")

    # The configuration file edited (here only a comment): the long way, which finds nothing to redo.
    (ws / "xuncha.toml").write_text("# 备注\n", encoding="utf-8")
    edited = cli("run", str(inbox), "--workspace", str(ws))
    assert run_path.NOTHING_CHANGED in edited["output"] and "duckdb" in edited["loaded"]
    assert cli("run", str(inbox), "--workspace", str(ws))["loaded"] == []  # and the record is back

    # A reading setting changed (how files are read): every file is read again, and the run says why.
    (ws / "xuncha.toml").write_text("[connectors]\nvillage_match_threshold = 89.0\n", encoding="utf-8")
    reread = cli("run", str(inbox), "--workspace", str(ws))
    assert steps.READING_CHANGED in reread["output"]
    assert "个有变化的文件，0 个未变化" in reread["output"]
    assert run_path.NOTHING_CHANGED in cli("run", str(inbox), "--workspace", str(ws))["output"]

    # A file changed: read again, and no record until the run completes.
    victim = next(p for p in sorted(inbox.rglob("*")) if "死亡" in p.name)  # the deaths register
    changed_inbox = tmp_path / "inbox2"
    shutil.copytree(inbox, changed_inbox)
    cli("run", str(changed_inbox), "--workspace", str(tmp_path / "ws2"))
    target = changed_inbox / victim.relative_to(inbox)
    target.write_bytes(target.read_bytes() + b"\n")
    again = cli("run", str(changed_inbox), "--workspace", str(tmp_path / "ws2"))
    assert run_path.NOTHING_CHANGED not in again["output"] and "duckdb" in again["loaded"]


@pytest.mark.slow
def test_the_console_script_ends_at_once_leaving_nothing_behind(inbox: Path, tmp_path: Path) -> None:
    """`xuncha run` as installed (pipelines.cli:main) ends without the interpreter's teardown: with
    everything written, exit code 0, nothing on stderr (no leaked-resource warnings), and no process
    of its own left (the Great Expectations process, the fork server)."""
    script = Path(sys.executable).with_name("xuncha")
    if not script.exists():
        pytest.skip("the xuncha console script is not installed beside this Python")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("XUNCHA_TEST_", "PREFECT_"))}
    ws = tmp_path / "ws"
    proc = subprocess.Popen([str(script), "run", str(inbox), "--workspace", str(ws)], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)
    out, errors = proc.communicate(timeout=600)  # EOF on both pipes: no descendant still holds them
    assert proc.returncode == 0, errors[-3000:]
    assert errors == ""
    assert "报告目录" in out and (ws / "flags.csv").exists() and (ws / RECORD_FILE).exists()
    audit = [json.loads(line) for line in (ws / "audit.log").read_text(encoding="utf-8").splitlines()]
    assert audit[-1]["event"] == "end" and audit[-1]["status"] == "ok"
    # the fork server and its resource tracker end on their own once the command's pipes to them close
    import time

    deadline = time.monotonic() + 30
    while (left := [p for p in Path("/proc").iterdir() if p.name.isdigit() and _session_of(p) == proc.pid]) \
            and time.monotonic() < deadline:
        time.sleep(0.2)
    assert left == []


def _session_of(proc_dir: Path) -> int | None:
    try:
        return int((proc_dir / "stat").read_text().rsplit(")", 1)[1].split()[3])  # field 6: session id
    except (OSError, ValueError, IndexError):
        return None


class _Health(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802  (http.server's name)
        self.send_response(200 if self.path == "/api/health" else 404)
        self.end_headers()
        self.wfile.write(b"true")

    def log_message(self, *args) -> None:
        pass


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_prefect_only_with_a_server_on_this_machine(monkeypatch) -> None:
    monkeypatch.delenv(interactive.WITHOUT_PREFECT_ENV, raising=False)
    monkeypatch.delenv("PREFECT_API_URL", raising=False)
    assert interactive.prefect_server() == (None, None)

    # Not on this machine: no connection is even tried.
    def no_network(*args, **kwargs):
        raise AssertionError("connected to a non-local Prefect server")

    monkeypatch.setattr("urllib.request.urlopen", no_network)
    monkeypatch.setenv("PREFECT_API_URL", "http://10.20.30.40:4200/api")
    url, note = interactive.prefect_server()
    assert url is None and "不是本机地址" in note
    monkeypatch.undo()

    # Configured on loopback but nothing listening: direct, with a note; no ephemeral server.
    monkeypatch.setenv("PREFECT_API_URL", f"http://127.0.0.1:{_free_port()}/api")
    url, note = interactive.prefect_server(timeout=1)
    assert url is None and "没有响应" in note

    # A server that answers its health check: the run goes through Prefect.
    server = http.server.HTTPServer(("127.0.0.1", 0), _Health)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        live = f"http://127.0.0.1:{server.server_address[1]}/api"
        monkeypatch.setenv("PREFECT_API_URL", live + "/")
        assert interactive.prefect_server() == (live, None)
        monkeypatch.setenv(interactive.WITHOUT_PREFECT_ENV, "1")  # forced direct
        assert interactive.prefect_server() == (None, None)
    finally:
        server.shutdown()
