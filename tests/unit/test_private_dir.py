"""The state folder, forensics bundles and the small state files are owner-only (0700 folders,
0600 bundle files) whatever the umask of whoever runs fintui."""

from __future__ import annotations

import json
import os
import stat
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest

from fintui.clock import FixedClock
from fintui.config import load_settings
from fintui.ops.operations import Operations
from fintui.private_files import private_dir, write_private
from fintui.sources.demo import DEMO_START, DemoCluster
from fintui.sources.demo_actions import DemoActions
from fintui.store.alert_state import AlertStateFile
from fintui.store.isolations import IsolationStore
from fintui.tui.preferences import Preferences


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture(params=[0o000, 0o022], ids=["umask000", "umask022"])
def umask(request: pytest.FixtureRequest) -> Iterator[int]:
    old = os.umask(request.param)
    yield request.param
    os.umask(old)


def test_creates_every_missing_level_0700(tmp_path: Path, umask: int) -> None:
    os.chmod(tmp_path, 0o755)
    target = tmp_path / "state" / "fintui" / "forensics"
    assert private_dir(target) == target
    assert [mode(p) for p in (target, target.parent, target.parent.parent)] == [0o700] * 3
    assert mode(tmp_path) == 0o755  # a folder it did not make is not its to change


def test_an_existing_0755_folder_is_tightened(tmp_path: Path, umask: int) -> None:
    old = tmp_path / "state"
    old.mkdir()
    os.chmod(old, 0o755)
    (old / "audit.jsonl").write_text("{}\n")
    private_dir(old, tighten=True)
    assert mode(old) == 0o700
    assert (old / "audit.jsonl").read_text() == "{}\n"  # contents untouched


def test_an_owner_only_folder_keeps_its_mode(tmp_path: Path) -> None:
    narrow = tmp_path / "narrow"
    narrow.mkdir(mode=0o500)
    os.chmod(narrow, 0o500)
    private_dir(narrow, tighten=True)
    assert mode(narrow) == 0o500  # tightened only, never loosened


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root to hand a folder to another user")
def test_a_folder_owned_by_someone_else_is_left_alone(tmp_path: Path) -> None:
    theirs = tmp_path / "theirs"
    theirs.mkdir()
    os.chmod(theirs, 0o755)
    os.chown(theirs, 65534, 65534)
    private_dir(theirs, tighten=True)
    assert mode(theirs) == 0o755


def test_the_folder_of_a_configured_file_is_not_tightened(tmp_path: Path) -> None:
    """history.path = "~/history.sqlite" must not make the home folder owner-only."""
    home = tmp_path / "home"
    home.mkdir()
    os.chmod(home, 0o755)
    IsolationStore(home / "history.sqlite")
    AlertStateFile(home / "alerts.toml").save(datetime(2026, 3, 2, tzinfo=UTC))
    assert mode(home) == 0o755


def test_a_file_in_the_way_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "state").write_text("not a folder")
    with pytest.raises(NotADirectoryError):
        private_dir(tmp_path / "state")


def test_write_private_is_0600_and_never_overwrites(tmp_path: Path, umask: int) -> None:
    path = tmp_path / "inspect.json"
    write_private(path, b"secret")
    assert mode(path) == 0o600 and path.read_bytes() == b"secret"
    with pytest.raises(FileExistsError):
        write_private(path, b"other")
    assert path.read_bytes() == b"secret"


def test_state_stores_make_their_folders_private(tmp_path: Path, umask: int) -> None:
    IsolationStore(tmp_path / "state" / "state.sqlite")
    AlertStateFile(tmp_path / "alerts" / "alerts.toml").save(datetime(2026, 3, 2, tzinfo=UTC))
    assert Preferences(tmp_path / "config" / "preferences.toml").save_theme("nord")
    assert [mode(tmp_path / d) for d in ("state", "alerts", "config")] == [0o700] * 3


async def test_a_demo_isolate_leaves_an_owner_only_bundle(tmp_path: Path, umask: int) -> None:
    settings = load_settings(None)
    state = tmp_path / "state"
    settings = replace(settings, paths=replace(settings.paths, state_dir=state),
                       audit=replace(settings.audit, path=state / "audit.jsonl"),
                       scale=replace(settings.scale, converge_timeout=2.0))
    clock = FixedClock(DEMO_START)
    ops = Operations(DemoActions(DemoCluster(7, clock, 2.0)), settings, "alice", False, clock)
    outcome = await ops.execute(await ops.plan_isolate("risk-var-batch-1"))
    bundle = Path(outcome.result["bundle"])
    assert bundle.parent == state / "forensics"
    assert (mode(state), mode(bundle.parent), mode(bundle)) == (0o700, 0o700, 0o700)
    names = sorted(p.name for p in bundle.iterdir())
    assert names == sorted([*json.loads((bundle / "manifest.json").read_text())["files"],
                            "manifest.json"])
    assert {p.name: mode(p) for p in bundle.iterdir()} == dict.fromkeys(names, 0o600)
