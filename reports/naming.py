"""File and folder names of a report set, safe on Windows, Linux and in zip files."""

from __future__ import annotations

import re

VILLAGE_DIR = "村级清单"
VILLAGE_SUFFIX = "_巡察风险清单.xlsx"

_UNSAFE = re.compile(r'[\\/:*?"<>|\x00-\x1f]+')


def safe(part: str, fallback: str) -> str:
    cleaned = _UNSAFE.sub("_", (part or "").strip()).strip(". ")
    return cleaned or fallback


def village_paths(villages: list[tuple[str, str, str]]) -> dict[str, str]:
    """village code -> path relative to the report folder: 村级清单/<镇>/<镇>_<村>_巡察风险清单.xlsx.

    Two villages with the same town and name (it happens after mergers) get their code appended.
    """
    out: dict[str, str] = {}
    taken: set[str] = set()
    for code, town, village in villages:
        t = safe(town, "未知乡镇")
        v = safe(village, code)
        path = f"{VILLAGE_DIR}/{t}/{t}_{v}{VILLAGE_SUFFIX}"
        if path.lower() in taken:
            path = f"{VILLAGE_DIR}/{t}/{t}_{v}_{code}{VILLAGE_SUFFIX}"
        taken.add(path.lower())
        out[code] = path
    return out
