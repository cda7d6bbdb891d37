"""State files that fail under a running console: a database locked by another process, one
with garbage in it, a read-only folder for the alert state, an alert state broken or mended
by hand. The console says each fault once, led by the file's name and with the reason, keeps
running, finds on its own when the file works again, and says so."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import TabbedContent

import fintui.watch.watch as watch_module
from fintui.cli import build_parser
from fintui.config import load_settings
from fintui.core.alerts import Alert
from fintui.store.usage import UsageStore
from fintui.tui.app import FintuiApp
from fintui.tui.panes.alerts import AlertsPane
from fintui.wiring import build_parts
from tests.tui.helpers import FAST_CONFIG, screen_text


def demo_app(tmp_path: Path, extra: str = "", before_start: bytes | None = None,
             files: Mapping[str, bytes] | None = None) -> tuple[FintuiApp, list[str]]:
    """The demo console, its state in tmp_path/demo; `before_start` is written into its
    state.sqlite, and each of `files` into its state folder, before the console opens them.
    Returns the app and every notice it shows."""
    config = tmp_path / "c.toml"
    config.write_text(FAST_CONFIG.read_text().replace(
        'state_dir = "/tmp/fintui-test-state"', f'state_dir = "{tmp_path}"') + extra)
    args = build_parser().parse_args(["--demo", "--as", "ops", "--config", str(config)])
    parts = build_parts(args, load_settings(args.config))
    if before_start is not None:
        (parts.settings.paths.state_dir / "state.sqlite").write_bytes(before_start)
    for name, content in (files or {}).items():
        (parts.settings.paths.state_dir / name).write_bytes(content)
    app = FintuiApp(parts)
    said: list[str] = []
    notify = app.notify

    def spy(message: str, *args: Any, **kwargs: Any) -> None:
        said.append(message)
        notify(message, *args, **kwargs)

    app.notify = spy  # type: ignore[method-assign]
    return app, said


def about(said: list[str], path: Path) -> list[str]:
    return [line for line in said if str(path) in line]


async def until(pilot: Pilot[Any], check: Any, seconds: float, what: str) -> None:
    start = time.monotonic()
    while not check():
        assert time.monotonic() - start < seconds, f"not within {seconds}s: {what}"
        await pilot.pause(0.05)


async def test_a_locked_state_database_is_said_once_and_the_screen_never_waits(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(watch_module, "USAGE_RECORD_EVERY", 0.5)  # a note at every sweep
    monkeypatch.setattr(UsageStore, "BUSY_TIMEOUT", 3.0)  # 10 s in use: the same, sooner
    app, said = demo_app(tmp_path)
    path = app.ops.usage.path
    other = sqlite3.connect(path, isolation_level=None)  # another fintui, mid-write
    other.execute("BEGIN EXCLUSIVE")
    async with app.run_test(size=(160, 40)) as pilot:
        await until(pilot, lambda: app.snapshots_seen >= 1, 10, "first sweep")
        # While the note waits for the lock, keys and sweeps go on.
        asked = time.monotonic()
        await pilot.press("3")
        await until(pilot, lambda: app.query_one("#panes", TabbedContent).active == "volumes",
                    1.0, "the Volumes pane shown while a write waits for the lock")
        assert time.monotonic() - asked < 1.0
        seen = app.snapshots_seen
        await until(pilot, lambda: about(said, path), 8, "the lock said")
        assert app.snapshots_seen > seen
        assert "database is locked" in about(said, path)[0]
        # Notes go on failing at every sweep; it is said once.
        await pilot.pause(4.0)
        assert len(about(said, path)) == 1, said
        other.execute("ROLLBACK")
        other.close()
        await until(pilot, lambda: len(about(said, path)) == 2, 8, "recovery said")
        assert about(said, path)[1] == f"state.sqlite works again ({path})"
        assert app.is_running
    with sqlite3.connect(path) as db:
        assert db.execute("SELECT COUNT(*) FROM image_use").fetchone()[0] > 0


async def test_a_corrupt_state_database_at_start_is_said_and_the_console_runs(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(watch_module, "USAGE_RECORD_EVERY", 0.5)  # retried within a sweep
    app, said = demo_app(tmp_path, before_start=b"this is no database\n" * 400)
    path = app.ops.usage.path
    async with app.run_test(size=(160, 40)) as pilot:
        await until(pilot, lambda: app.snapshots_seen >= 4, 10, "sweeps go on")
        notices = about(said, path)
        assert len(notices) == 1, said  # usage notes and isolation marks: one file, one notice
        assert notices[0].startswith("state.sqlite: cannot open the state database: "
                                     "file is not a database."), notices
        path.unlink()  # the operator moves the damaged file away
        await until(pilot, lambda: len(about(said, path)) == 2, 5, "recovery said")
        assert about(said, path)[1] == f"state.sqlite works again ({path})"
    with sqlite3.connect(path) as db:  # made afresh, with every table
        tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master")}
    assert {"isolations", "volume_use", "image_use"} <= tables


def firing(app: FintuiApp) -> Alert:
    """What the Alerts pane's `a` acknowledges: the demo's unhealthy gateway."""
    return Alert("unhealthy", "fix-gateway", "warning", "firing", 1.0, app.parts.clock.now())


def make_read_only(folder: Path) -> None:
    """A folder nobody may add to or rename in, root included (as on a read-only mount)."""
    try:
        subprocess.run(["chattr", "+i", str(folder)], check=True, capture_output=True)
    except (OSError, subprocess.CalledProcessError) as exc:
        pytest.skip(f"cannot make {folder} immutable here: {exc}")


def make_writable(folder: Path) -> None:
    subprocess.run(["chattr", "-i", str(folder)], check=True)


async def test_acks_in_a_read_only_folder_are_kept_and_said_once(tmp_path: Path) -> None:
    folder = tmp_path / "alerts"
    folder.mkdir()
    state = folder / "state.toml"
    app, said = demo_app(tmp_path, f'\n[alerts]\nstate_file = "{state}"\n')
    async with app.run_test(size=(160, 40)) as pilot:
        await until(pilot, lambda: app.snapshots_seen >= 1, 10, "first sweep")
        alert = firing(app)
        make_read_only(folder)
        try:
            for _ in range(2):  # an ack, and another: the fault is said once
                app.post_message(AlertsPane.Ack(alert))
                await pilot.pause(0.1)
            await until(pilot, lambda: about(said, state), 5, "the fault said")
            await pilot.pause(1.0)
            assert app.is_running
            notices = about(said, state)
            assert len(notices) == 1, said
            assert notices[0].startswith("state.toml: cannot save: Operation not permitted.")
            assert said.count(f"acknowledged {alert.rule} on {alert.target} "
                              "(not saved yet: held until the file works)") == 2
            assert app.watcher.alert_state.acks  # the ack holds in this console
        finally:
            make_writable(folder)
        app.post_message(AlertsPane.Ack(alert))
        await pilot.pause(0.1)
        assert about(said, state)[1:] == [f"state.toml works again ({state})"]
    assert f'rule = "{alert.rule}"' in state.read_text()


async def test_an_unreadable_alert_state_is_said_and_never_overwritten(tmp_path: Path) -> None:
    state = tmp_path / "state.toml"
    state.write_text('[[silences]]\nrule = "crash-loop"\ntarget = "recon-*\n')  # cut short
    app, said = demo_app(tmp_path, f'\n[alerts]\nstate_file = "{state}"\n')
    async with app.run_test(size=(160, 40)) as pilot:
        await until(pilot, lambda: about(said, state), 10, "the fault said")
        notices = about(said, state)
        assert len(notices) == 1 and notices[0].startswith("state.toml: cannot read: "), said
        app.post_message(AlertsPane.Ack(firing(app)))
        await pilot.pause(0.1)
        assert len(about(said, state)) == 1
    assert state.read_text().endswith('target = "recon-*\n'), "the damaged file is kept"


async def test_a_read_only_state_folder_is_said_once_and_the_console_runs(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(watch_module, "USAGE_RECORD_EVERY", 0.5)  # retried within a sweep
    app, said = demo_app(tmp_path)
    path = app.ops.usage.path
    path.unlink()  # made by the stores; gone, it cannot be made again in a read-only folder
    make_read_only(path.parent)  # before the first sweep, which would make the file again
    try:
        async with app.run_test(size=(160, 40)) as pilot:
            await until(pilot, lambda: app.snapshots_seen >= 4, 10, "sweeps go on")
            notices = about(said, path)
            assert len(notices) == 1, said
            assert notices[0].startswith("state.sqlite: cannot "), notices
            assert "the state database: unable to open database file" in notices[0]
            make_writable(path.parent)
            await until(pilot, lambda: len(about(said, path)) == 2, 5, "recovery said")
            assert about(said, path)[1] == f"state.sqlite works again ({path})"
    finally:
        make_writable(path.parent)


GARBAGE = b"this is no database\n" * 400
SILENCE = ('[[silences]]\nrule = "crash-loop"\ntarget = "recon-*"\n'
           'until = 2099-01-01T00:00:00Z\ncomment = "known"\nauthor = "ops"\n')


async def test_three_broken_state_files_at_80x24_each_show_their_name(tmp_path: Path) -> None:
    app, said = demo_app(tmp_path, before_start=GARBAGE, files={
        "history.sqlite": GARBAGE, "alerts.toml": SILENCE.replace('author = "ops"\n', "").encode()})
    folder = app.parts.settings.paths.state_dir
    names = ("state.sqlite", "history.sqlite", "alerts.toml")
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await until(pilot, lambda: all(about(said, folder / n) for n in names), 10,
                    "every fault said")
        await pilot.pause(0.3)
        text = screen_text(app)
        for name in names:
            assert f"{name}: cannot" in text, text  # each fault led by its file, on screen
        alerts = about(said, folder / "alerts.toml")[0]
        assert "alerts.toml: cannot read: silence 1: missing key 'author'; not overwritten." \
            in alerts, alerts
        assert app.is_running


async def test_a_mended_alert_state_is_read_again_without_an_ack(tmp_path: Path) -> None:
    state = tmp_path / "state.toml"
    state.write_text(SILENCE.replace('"known"', '"known'))  # a syntax error
    app, said = demo_app(tmp_path, f'\n[alerts]\nstate_file = "{state}"\n')
    async with app.run_test(size=(160, 40)) as pilot:
        await until(pilot, lambda: app.snapshots_seen >= 1, 10, "first sweep")
        alert = firing(app)
        app.post_message(AlertsPane.Ack(alert))  # held: the file is not written over
        await until(pilot, lambda: about(said, state), 5, "the fault said")
        assert '"known\n' in state.read_text()
        state.write_text(SILENCE)  # the operator mends it; no key is pressed after
        await until(pilot, lambda: len(about(said, state)) == 2, 5, "recovery said")
        assert about(said, state)[1] == \
            f"state.toml works again; held acks and silences saved ({state})"
    saved = state.read_text()
    assert f'rule = "{alert.rule}"' in saved and 'comment = "known"' in saved


async def test_an_alert_state_broken_while_running_is_said_and_kept(tmp_path: Path) -> None:
    state = tmp_path / "state.toml"
    state.write_text(SILENCE)
    app, said = demo_app(tmp_path, f'\n[alerts]\nstate_file = "{state}"\n')
    async with app.run_test(size=(160, 40)) as pilot:
        await until(pilot, lambda: app.snapshots_seen >= 1, 10, "first sweep")
        garbage = os.urandom(300)
        state.write_bytes(garbage)
        await until(pilot, lambda: about(said, state), 5, "the damage said, no key pressed")
        assert about(said, state)[0].startswith("state.toml: cannot read: "), said
        app.post_message(AlertsPane.Ack(firing(app)))
        await pilot.pause(1.5)
        assert len(about(said, state)) == 1, said
        assert (firing(app).rule, firing(app).target) in app.watcher.alert_state.acks  # held
    assert state.read_bytes() == garbage, "the damaged file is kept"
