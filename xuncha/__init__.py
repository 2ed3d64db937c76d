"""xuncha core: what every layer shares (configuration, resident-ID arithmetic, offline switches)."""

from xuncha.offline import disable_telemetry
from xuncha.permissions import owner_only_process

disable_telemetry()
owner_only_process()  # everything written is owner-only (0700 folders, 0600 files)

__version__ = "0.1.0"
