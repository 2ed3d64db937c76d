import shutil
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from filelock import FileLock

# Test helpers (rule_fixtures.py …) live beside the tests.
sys.path.insert(0, str(Path(__file__).parent))

# The slow tier: whole runs in subprocesses, sample counties, big files. `make check` leaves these
# out (`-m "not slow"`); `make test` runs everything. A test elsewhere can be marked slow itself.
SLOW_MODULES = {
    "test_crash_safety.py", "test_offline.py", "test_prefect_server.py", "test_nightly.py", "test_end_to_end.py",
    "test_sample_generator.py", "test_lifecycle.py", "test_reports_county.py", "test_reports_workbooks.py",
    "test_reports_evidence.py", "test_reports_incremental.py", "test_reports_protect.py", "test_reports_overview.py",
    "test_bad_inputs.py", "test_connectors_ingest.py", "test_validation.py", "test_hostile_run.py",
}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if item.path.name in SLOW_MODULES:
            item.add_marker(pytest.mark.slow)


def built_once(tmp_path_factory: pytest.TempPathFactory, name: str, build: Callable[[Path], None]) -> Path:
    """`name`'s directory, built by `build(path)` once per test session, whichever xdist worker asks
    first; the others wait for it and share it. Tests must treat it as read-only (copy to change it)."""
    base = tmp_path_factory.getbasetemp()
    if base.name.startswith("popen-gw"):  # an xdist worker: its parent is the session's, shared
        base = base.parent
    root = base / "built-once"
    root.mkdir(exist_ok=True)
    path = root / name
    done = root / f"{name}.done"
    with FileLock(str(root / f"{name}.lock")):
        if not done.exists():
            if path.exists():
                shutil.rmtree(path)  # a build that failed half-way
            build(path)
            done.touch()
    return path


@pytest.fixture(scope="session")
def sample_inbox(tmp_path_factory) -> Callable[[int, int], Path]:
    """sample_inbox(villages, seed): a generated sample county, generated once per session."""

    def make(villages: int, seed: int) -> Path:
        from samplegen import generate

        return built_once(tmp_path_factory, f"sample-{villages}-{seed}",
                          lambda path: generate(path, villages=villages, seed=seed))

    return make
