"""Nothing leaves the machine: the pipeline runs with the network cut, and makes no attempt to call out.

Two tests: `xuncha run` (through Prefect, as users run it) inside a network namespace of its own
(`unshare -rn`: only a loopback interface, which Prefect's local server needs); and the steps run
in this process with every socket connection to a non-local address recorded and refused.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import pytest

import xuncha  # noqa: F401
from xuncha.offline import TELEMETRY_OFF

XUNCHA = Path(sys.executable).with_name("xuncha")


@pytest.fixture(scope="module")
def small_inbox(sample_inbox) -> Path:
    return sample_inbox(4, 5)  # read only


def _unshare_works() -> str | None:
    if not shutil.which("unshare"):
        return "unshare 不可用（需要 util-linux）"
    for args in (["unshare", "-n", "true"], ["unshare", "-rn", "true"]):
        if subprocess.run(args, capture_output=True).returncode == 0:
            return None
    return "本机不允许创建网络命名空间（unshare -n / -rn 均失败，可能缺少权限或被容器禁止）"


def test_telemetry_switches_are_set_before_libraries_load() -> None:
    for key, value in TELEMETRY_OFF.items():
        assert os.environ.get(key) == value, key


def test_run_with_the_network_cut(small_inbox, tmp_path) -> None:
    why = _unshare_works()
    if why:
        pytest.skip(why)
    flag = "-n" if subprocess.run(["unshare", "-n", "true"], capture_output=True).returncode == 0 else "-rn"
    ws = tmp_path / "ws"
    probe = f"{sys.executable} -c \"import socket; s = socket.socket(); s.settimeout(3); print('egress', s.connect_ex(('1.1.1.1', 443)))\""
    # Loopback up (if `ip` is there) so Prefect's local API server can listen; nothing else exists.
    script = (f"ip link set lo up 2>/dev/null; {probe}; "
              f"exec {XUNCHA} run {small_inbox} --workspace {ws}")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("XUNCHA_TEST_", "XUNCHA_WITHOUT"))}
    env["COLUMNS"] = "500"
    r = subprocess.run(["unshare", flag, "sh", "-c", script], env=env, capture_output=True, text=True, timeout=600)
    out = r.stdout + r.stderr
    assert "egress 0" not in out, "the namespace still reaches the internet: the test proves nothing"
    assert r.returncode == 0, out[-4000:]
    assert "Traceback" not in out
    for name in ("flags.csv", "villages.csv", "ingest_report.csv", "data_quality.html"):
        assert (ws / name).exists(), name
    assert any((ws / "reports").iterdir())


def test_no_connection_is_attempted(small_inbox, tmp_path, monkeypatch) -> None:
    """The same steps in this process: any connect() to a non-local address fails the test."""
    attempts: list[object] = []
    real_connect = socket.socket.connect
    real_connect_ex = socket.socket.connect_ex

    def local(address) -> bool:
        if isinstance(address, (str, bytes)):  # unix socket
            return True
        host = str(address[0])
        return host in ("127.0.0.1", "::1", "localhost") or host.startswith("127.")

    def guarded(self, address):
        if not local(address):
            attempts.append(address)
            raise OSError("network disabled by test")
        return real_connect(self, address)

    def guarded_ex(self, address):
        if not local(address):
            attempts.append(address)
            return 101
        return real_connect_ex(self, address)

    monkeypatch.setattr(socket.socket, "connect", guarded)
    monkeypatch.setattr(socket.socket, "connect_ex", guarded_ex)
    real_getaddrinfo = socket.getaddrinfo

    def no_dns(host, *args, **kwargs):
        if host not in (None, "localhost", "127.0.0.1", "::1"):
            attempts.append(("dns", host))
        return real_getaddrinfo(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", no_dns)

    from pipelines import steps

    ws = steps.Workspace(tmp_path / "ws")
    con = ws.connect()
    config = ws.config()
    steps.ingest(small_inbox, ws, con, config)
    steps.check(ws, con, config)
    steps.report(ws, con, config, steps.run_stamp())
    con.close()
    assert attempts == []


def test_run_with_no_network_at_all(small_inbox, tmp_path) -> None:
    """Loopback down too: the interactive run needs no Prefect server, nor any network at all."""
    why = _unshare_works()
    if why:
        pytest.skip(why)
    flag = "-n" if subprocess.run(["unshare", "-n", "true"], capture_output=True).returncode == 0 else "-rn"
    ws = tmp_path / "ws"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("XUNCHA_TEST_", "XUNCHA_WITHOUT"))}
    env["COLUMNS"] = "500"
    r = subprocess.run(["unshare", flag, "sh", "-c", f"ip link set lo down 2>/dev/null; exec {XUNCHA} run {small_inbox} "
                        f"--workspace {ws}"], env=env, capture_output=True, text=True, timeout=600)
    out = r.stdout + r.stderr
    assert r.returncode == 0, out[-4000:]
    assert "Traceback" not in out
    assert (ws / "flags.csv").exists() and any((ws / "reports").iterdir())
