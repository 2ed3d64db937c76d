"""Which files under an inbox are department data, and in what order to read them.

Office's lock files and a `.xunchaignore` file's patterns are left out; statistics-looking files
come first so that the village list is known before other files' villages are matched.
"""

from __future__ import annotations

from pathlib import Path

from connectors.readers import SUFFIXES

# Files Office leaves behind while a workbook is open: not data.
_IGNORED_PREFIXES = ("~$", ".~", ".")


def relative_name(path: Path, inbox: Path) -> str:
    try:
        return path.resolve().relative_to(inbox.resolve()).as_posix()
    except ValueError:
        return path.name


IGNORE_FILE = ".xunchaignore"


def _ignored_patterns(inbox: Path) -> list[str]:
    """Glob patterns (one per line, relative to the inbox) of files that are not department data,
    e.g. the answer keys beside a generated sample, or an analyst's own notes."""
    path = inbox / IGNORE_FILE
    if not path.exists():
        return []
    lines = path.read_text(encoding="utf-8").splitlines()
    return [ln.strip() for ln in lines if ln.strip() and not ln.lstrip().startswith("#")]


def looks_like_statistics(path: Path) -> bool:
    """Only an ordering hint (statistics' village list first, so villages need no re-matching);
    recognition itself never uses names."""
    return any(w in path.name for w in ("统计", "基本情况", "区划"))


def inbox_files(inbox: Path) -> list[Path]:
    """Data files under the inbox: statistics-looking ones first (small first), then the rest,
    largest first, so that reading processes finish together rather than wait on one big file."""
    ignored = _ignored_patterns(inbox)
    files = [p for p in inbox.rglob("*") if p.is_file() and p.suffix.lower() in SUFFIXES
             and not p.name.startswith(_IGNORED_PREFIXES)
             and not any(p.relative_to(inbox).match(pat) for pat in ignored)]
    sizes = {p: p.stat().st_size for p in files}
    return sorted(files, key=lambda p: (not looks_like_statistics(p),
                                        sizes[p] if looks_like_statistics(p) else -sizes[p], p.as_posix()))
