"""The developer's timeline (xuncha/timeline.py): off unless XUNCHA_TIMELINE names a file."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from xuncha import timeline


def test_marks_are_written_only_when_a_file_is_named(tmp_path, monkeypatch) -> None:
    path = tmp_path / "t.log"
    monkeypatch.setattr(timeline, "PATH", None)
    timeline.mark("nothing")
    assert not path.exists()
    monkeypatch.setattr(timeline, "PATH", str(path))
    timeline.mark("读取 a.xlsx")
    timeline.mark("done")
    lines = timeline.show(str(path))
    assert [line.split(None, 2)[1:] for line in lines] == [["A", "读取 a.xlsx"], ["A", "done"]]
    assert float(lines[0].split()[0]) == 0.0


def test_processes_started_with_the_variable_share_the_file(tmp_path, monkeypatch) -> None:
    """The variable is read when a process imports the module: a child started with it marks into the
    same file, under a letter of its own."""
    path = tmp_path / "t.log"
    monkeypatch.setattr(timeline, "PATH", str(path))
    timeline.mark("parent")
    env = {**os.environ, "XUNCHA_TIMELINE": str(path)}
    subprocess.run([sys.executable, "-c", "from xuncha.timeline import mark; mark('child')"], env=env, check=True,
                   cwd=Path(__file__).resolve().parent.parent, timeout=120)
    lines = timeline.show(str(path))
    assert [line.split(None, 2)[1:] for line in lines] == [["A", "parent"], ["B", "child"]]
