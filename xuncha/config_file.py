"""Where the workspace configuration lives and the error a bad one raises: the part of
xuncha.config that commands need before (or without) parsing it, free of pydantic, so a run that
finds nothing changed does not load the configuration model."""

from __future__ import annotations

CONFIG_FILE_NAME = "xuncha.toml"
# The report password from the environment (reports.protect); here so that the no-change check
# (pipelines.unchanged) reads it without loading the configuration model.
PASSWORD_ENV = "XUNCHA_REPORT_PASSWORD"


class ConfigError(Exception):
    """A configuration problem, with a message in Chinese for the user."""
