"""Shared fixtures: the production app factory for Pilot and snapshot tests, and the snapshot
folder (<repo>/snapshots/<test module>) instead of tests/__snapshots__."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
import pytest_textual_snapshot
from syrupy.location import PyTestLocation

REPO = Path(__file__).resolve().parent.parent
SAMPLE_CONFIGS = Path(__file__).resolve().parent / "sample-configs"


class RepoSnapshots(pytest_textual_snapshot.SVGImageExtension):  # type: ignore[misc]
    @classmethod
    def dirname(cls, *, test_location: PyTestLocation) -> str:
        return str(REPO / "snapshots" / Path(test_location.filepath).stem)


# The plugin's fixture looks the class up by name at call time.
pytest_textual_snapshot.SVGImageExtension = RepoSnapshots

# The sample configs keep the demo's state in one fixed folder (its paths are on screen in the
# snapshots, and the demo empties it at start), so two test sessions on one machine would
# empty each other's audit logs mid-test: a second session waits for the first.
SHARED_STATE_LOCK = Path("/tmp/fintui-test-state.lock")


def pytest_configure(config: pytest.Config) -> None:
    import fcntl
    import sys

    handle = SHARED_STATE_LOCK.open("a")
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        print(f"waiting for another fintui test session ({SHARED_STATE_LOCK})", file=sys.stderr)
        fcntl.flock(handle, fcntl.LOCK_EX)
    config.stash[_LOCK] = handle  # held until this process ends


_LOCK = pytest.StashKey[object]()


@pytest.fixture(autouse=True)
def _isolated_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Never read the engineer's own config or write into their state directory."""
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    monkeypatch.delenv("NO_COLOR", raising=False)


@pytest.fixture
def short_dir() -> Iterator[Path]:
    """A folder for unix sockets: their paths must stay under 108 bytes, and pytest's
    temporary folders can be longer."""
    path = Path(tempfile.mkdtemp(prefix="fti-", dir="/tmp"))
    yield path
    shutil.rmtree(path, ignore_errors=True)
