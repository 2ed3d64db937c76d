"""The nightly deployment on a real Prefect server on loopback: deploy, trigger, see the run complete.

Schedules do not fire on Prefect's ephemeral server, so production uses a resident server; this
test starts one on 127.0.0.1 (never any other address), registers the `nightly` deployment with
`xuncha serve`, triggers it and waits for the flow run to complete and write its outputs; then an
interactive `xuncha run` with the server configured, which must report there too.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from samplegen import generate
from xuncha.offline import TELEMETRY_OFF

BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_healthy(url: str, server: subprocess.Popen, log: Path, timeout: float = 300) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"Prefect server exited early:\n{log.read_text(errors='replace')[-3000:]}")
        try:
            with urllib.request.urlopen(url, timeout=2) as r:  # loopback only
                if r.status == 200:
                    return
        except OSError:
            time.sleep(1)
    pytest.fail(f"Prefect server not healthy after {timeout} s:\n{log.read_text(errors='replace')[-3000:]}")


def api_post(port: int, path: str, body: dict | None = None) -> list:
    request = urllib.request.Request(f"http://127.0.0.1:{port}/api{path}", data=json.dumps(body or {}).encode(),
                                     headers={"Content-Type": "application/json"}, method="POST")
    with urllib.request.urlopen(request, timeout=30) as r:  # loopback only
        return json.loads(r.read())


def test_nightly_deployment_runs_on_a_real_server(tmp_path: Path) -> None:
    if not (BIN / "prefect").exists() or not (BIN / "xuncha").exists():
        pytest.skip("prefect/xuncha 命令不在当前环境中（请用 make test 运行）")
    inbox, ws, home = tmp_path / "inbox", tmp_path / "ws", tmp_path / "prefect-home"
    home.mkdir()
    generate(inbox, villages=12, seed=5)
    port = free_port()
    env = {
        **os.environ,
        **TELEMETRY_OFF,
        "PREFECT_HOME": str(home),
        "PREFECT_API_URL": f"http://127.0.0.1:{port}/api",
        "PREFECT_LOGGING_LEVEL": "WARNING",
    }
    server_log = tmp_path / "server.log"
    serve_log = tmp_path / "serve.log"
    with server_log.open("wb") as slog, serve_log.open("wb") as rlog:
        # `xuncha server`: prefect server start on loopback with telemetry off (not TELEMETRY_OFF from env)
        server_env = {k: v for k, v in env.items() if k not in TELEMETRY_OFF}
        server = subprocess.Popen(
            [str(BIN / "xuncha"), "server", "--port", str(port), "--no-ui"],
            env=server_env, stdout=slog, stderr=subprocess.STDOUT,
        )
        serve = None
        try:
            wait_healthy(f"http://127.0.0.1:{port}/api/health", server, server_log)
            serve = subprocess.Popen(
                [str(BIN / "xuncha"), "serve", "--workspace", str(ws), "--inbox", str(inbox)],
                env=env, stdout=rlog, stderr=subprocess.STDOUT,
            )
            deadline = time.monotonic() + 120
            while True:  # the deployment exists once `xuncha serve` has registered it
                run = subprocess.run(
                    [str(BIN / "prefect"), "deployment", "run", "xuncha-run/nightly",
                     "--watch", "--watch-timeout", "300"],
                    env=env, capture_output=True, text=True, timeout=400,
                )
                if run.returncode == 0 or time.monotonic() > deadline or serve.poll() is not None:
                    break
                time.sleep(2)
            detail = f"{run.stdout[-2000:]}\n{run.stderr[-2000:]}\nserve log:\n{serve_log.read_text(errors='replace')[-2000:]}"
            assert run.returncode == 0, detail
            assert "Completed" in run.stdout + run.stderr, detail
            assert (ws / "flags.csv").exists() and (ws / "villages.csv").exists(), detail
            assert any((ws / "reports").iterdir()), detail
            # the run's summary is an artifact the UI shows
            artifacts = api_post(port, "/artifacts/filter", {"artifacts": {"key": {"any_": ["xuncha-run-summary"]}}})
            assert artifacts and artifacts[0]["type"] == "markdown", artifacts
            text = artifacts[0]["data"]
            for needle in ("当前疑点", "其中本次新增", "已消失", "隔离行数", "未运行的规则", "报告目录", str(ws)):
                assert needle in text, (needle, text)
            # An interactive `xuncha run` with this server configured goes through Prefect: the same
            # flow, its stages as tasks, recorded on the server beside the nightly run.
            interactive = subprocess.run(
                [str(BIN / "xuncha"), "run", str(inbox), "--workspace", str(tmp_path / "ws2")],
                env={k: v for k, v in env.items() if k != "XUNCHA_WITHOUT_PREFECT"} | {"COLUMNS": "500"},
                capture_output=True, text=True, timeout=600,
            )
            detail = interactive.stdout[-3000:] + interactive.stderr[-3000:]
            assert interactive.returncode == 0, detail
            assert "已记录在 Prefect 服务器" in interactive.stdout, detail
            flow_runs = api_post(port, "/flow_runs/filter")
            # the nightly one triggered above and this one (the schedule's future runs wait as SCHEDULED)
            assert [r["state_type"] for r in flow_runs].count("COMPLETED") == 2, flow_runs
            task_names = {r["name"].rsplit("-", 1)[0] for r in api_post(port, "/task_runs/filter")}
            assert {"discover", "finish-ingest", "check", "score", "report"} <= task_names, task_names
            # the server goes away: serve notices, says so and exits instead of hanging
            server.terminate()
            server.wait(timeout=60)
            code = serve.wait(timeout=180)
            log = serve_log.read_text(errors="replace")
            # one Chinese sentence: no traceback, neither serve's own nor that of Prefect's background
            # services (the runner's pollers print theirs), no warning about what they left behind
            assert code == 2 and "已停止" in log, log[-3000:]
            for noise in ("Traceback", "Exception ignored", "Warning", "Failed the last"):
                assert noise not in log, log[-6000:]
        finally:
            for proc in (serve, server):
                if proc is not None and proc.poll() is None:
                    proc.terminate()
                    try:
                        proc.wait(timeout=20)
                    except subprocess.TimeoutExpired:
                        proc.kill()
