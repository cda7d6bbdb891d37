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
