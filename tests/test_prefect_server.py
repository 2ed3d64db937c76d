"""The nightly deployment on a real Prefect server on loopback: deploy, trigger, see the run complete.

Schedules do not fire on Prefect's ephemeral server, so production uses a resident server; this
test starts one on 127.0.0.1 (never any other address), registers the `nightly` deployment with
`xuncha serve`, triggers it and waits for the flow run to complete and write its outputs.
"""

from __future__ import annotations

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


def wait_healthy(url: str, server: subprocess.Popen, log: Path, timeout: float = 180) -> None:
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
        server = subprocess.Popen(
            [str(BIN / "prefect"), "server", "start", "--host", "127.0.0.1", "--port", str(port)],
            env=env, stdout=slog, stderr=subprocess.STDOUT,
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
        finally:
            for proc in (serve, server):
                if proc is not None and proc.poll() is None:
                    proc.terminate()
                    try:
                        proc.wait(timeout=20)
                    except subprocess.TimeoutExpired:
                        proc.kill()
