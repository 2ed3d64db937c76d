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
    # Great Expectations: 1.0-1.2x sent PostHog events unless this is false. 1.24 (pinned) has no
    # analytics code left and its only outbound call (a PyPI version check) is never invoked; the
    # variable stays for the older 1.x versions pyproject.toml still allows.
    "GX_ANALYTICS_ENABLED": "false",
    # OpenTelemetry (pulled in by Prefect) exports nothing unless configured; make sure of it.
    "OTEL_SDK_DISABLED": "true",
    "OTEL_TRACES_EXPORTER": "none",
    "OTEL_METRICS_EXPORTER": "none",
    "OTEL_LOGS_EXPORTER": "none",
    # Hugging Face style hubs (pulled in by no dependency we know of; belt and braces).
    "HF_HUB_OFFLINE": "1",
}


# DuckDB reads no environment variable for this: its connections get these settings instead
# (connectors/warehouse.py). Auto-install would download an extension from extensions.duckdb.org
# the first time a query needs one; the ones we use (json, parquet, icu) are built in.
DUCKDB_CONFIG = {"autoinstall_known_extensions": False}


def disable_telemetry() -> None:
    for key, value in TELEMETRY_OFF.items():
        os.environ.setdefault(key, value)
