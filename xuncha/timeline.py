"""A developer's timeline of one run across its processes, for finding what is on the critical path.

With XUNCHA_TIMELINE=/some/file set, the run's processes (the command, the Great Expectations
process) append one line per event to that file: wall-clock time, process id, event. Unset (always,
for users), `mark` does nothing. `python -m xuncha.timeline FILE` prints the events in order, in
seconds from the first, one column letter per process. The README's developer section says how the
figures in it were measured with this.
"""

from __future__ import annotations

import os
import sys
import time

PATH = os.environ.get("XUNCHA_TIMELINE")


def mark(event: str) -> None:
    """Append `event` to the timeline file, when there is one."""
    if PATH:
        with open(PATH, "a", encoding="utf-8") as f:
            f.write(f"{time.time():.3f} {os.getpid()} {event}\n")


def show(path: str) -> list[str]:
    """The timeline's lines as `seconds process event`, processes lettered in order of appearance."""
    events: list[tuple[float, str, str]] = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            stamp, pid, event = line.rstrip("\n").split(" ", 2)
            events.append((float(stamp), pid, event))
    events.sort(key=lambda e: e[0])
    letters: dict[str, str] = {}
    start = events[0][0] if events else 0.0
    out = []
    for seconds, pid, what in events:
        letter = letters.setdefault(pid, chr(ord("A") + len(letters) % 26))
        out.append(f"{seconds - start:8.3f} {letter} {what}")
    return out


if __name__ == "__main__":
    print("\n".join(show(sys.argv[1])))
