"""Turn off every library's telemetry before any of them is imported: nothing may call out."""

import os

# Each variable is read by a library we use (or one of theirs) at import or start-up.
TELEMETRY_OFF = {
    "DO_NOT_TRACK": "1",
    # Prefect: server analytics and the client's own usage pings.
    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    "PREFECT_CLOUD_ENABLE_ORCHESTRATION_TELEMETRY": "false",
    "PREFECT_UI_ENABLED": "false",
    "PREFECT_SERVER_UI_ENABLED": "false",
    # Great Expectations: anonymous usage statistics (1.x reads this variable).
    "GX_ANALYTICS_ENABLED": "false",
    # DuckDB extensions must never be auto-downloaded from the internet.
    "DUCKDB_NO_AUTOINSTALL": "1",
    # Hugging Face style hubs (pulled in by no dependency we know of; belt and braces).
    "HF_HUB_OFFLINE": "1",
}


def disable_telemetry() -> None:
    for key, value in TELEMETRY_OFF.items():
        os.environ.setdefault(key, value)
