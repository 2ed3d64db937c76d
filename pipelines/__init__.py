"""Pipelines: the command line and the Prefect flows, thin wrappers over connectors, rules and reports."""
import xuncha  # noqa: F401  (switches telemetry off before Prefect or GX can be imported)
