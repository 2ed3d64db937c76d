"""xuncha core: what every layer shares (configuration, resident-ID arithmetic, offline switches)."""

from xuncha.offline import disable_telemetry

disable_telemetry()

__version__ = "0.1.0"
