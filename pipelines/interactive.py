"""How `xuncha run` at a terminal runs: through Prefect when a Prefect server on this machine is
configured (PREFECT_API_URL) and answers, so the run is recorded there; otherwise the same flow
body (pipelines.run.run_pipeline) directly, without importing Prefect, whose ephemeral server
would take 5-8 s to start on every run. Apart from pipelines.run so that pipelines.flows (which
imports pipelines.run) is imported only from here, and only when a server answers.
"""

from __future__ import annotations

import os
from pathlib import Path

from pipelines.run import RunSummary, run_pipeline

# Set to 1 to run directly even when a Prefect server is configured (tests, debugging).
WITHOUT_PREFECT_ENV = "XUNCHA_WITHOUT_PREFECT"


def prefect_environment(workspace: Path) -> None:
    """Keep Prefect's own state in the workspace and its logs quiet, before it is imported."""
    home = (workspace / ".prefect").resolve()
    home.mkdir(parents=True, exist_ok=True)  # Prefect does not create missing parents
    os.environ.setdefault("PREFECT_HOME", str(home))
    os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")


def is_loopback(url: str) -> bool:
    import urllib.parse

    host = urllib.parse.urlsplit(url).hostname or ""
    return host in ("localhost", "::1") or host.startswith("127.")


def prefect_server(timeout: float = 2.0) -> tuple[str | None, str | None]:
    """(the API URL of a running Prefect server on this machine, or None; a note for the user, or None).

    Only PREFECT_API_URL in the environment counts, only on loopback (nothing leaves the machine),
    and only if its health check answers within `timeout` seconds."""
    import urllib.request

    url = os.environ.get("PREFECT_API_URL", "").strip().rstrip("/")
    if not url or os.environ.get(WITHOUT_PREFECT_ENV, "") in ("1", "true"):
        return None, None
    if not is_loopback(url):
        return None, (f"PREFECT_API_URL（{url}）不是本机地址：本程序不联网，本次不向它报告，直接运行。"
                      "需要在 Prefect 中查看运行记录时，请使用本机的 Prefect 服务器。")
    try:
        with urllib.request.urlopen(url + "/health", timeout=timeout) as response:  # loopback only
            if response.status == 200:
                return url, None
    except (OSError, ValueError):
        pass
    return None, (f"Prefect 服务器（{url}）没有响应：本次直接运行，不在 Prefect 中记录。"
                  "如需记录，请先在另一个终端运行 xuncha server 启动它。")


def run_interactive(inbox: Path, workspace: Path, full: bool = False) -> RunSummary:
    """`xuncha run`: through Prefect when a server is there to report to, else the same body directly."""
    url, note = prefect_server()
    if url is None:
        from xuncha.pandas_fence import without_pandas

        with without_pandas():
            summary = run_pipeline(inbox, workspace, full=full)
    else:
        prefect_environment(workspace)
        from pipelines import flows

        summary = RunSummary(**flows.run_flow(str(inbox), str(workspace), full))
        note = f"本次运行已记录在 Prefect 服务器（{url}）。"
    if note:
        summary.messages.insert(0, note)
    return summary
