"""Themes and keys as an operator meets them: NO_COLOR, a theme picked in the palette and
remembered, a user's own theme file, rebound keys and vim movement."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from textual.binding import Binding

from fintui.tui.palette import PALETTE_PANES, PALETTE_SKIP
from fintui.tui.panes.containers import ContainersPane
from fintui.tui.preferences import Preferences
from fintui.tui.screens.actions import ConfirmScreen
from fintui.tui.screens.help import HelpScreen
from fintui.tui.widgets.status_bar import StatusBar
from tests.tui.helpers import (
    SNAPSHOT_CONFIG,
    make_app,
    screen_text,
    until_loaded,
    until_screen,
    wait_for,
)


def keyed_config(tmp_path: Path, keys: str) -> Path:
    path = tmp_path / "keys.toml"
    path.write_text(SNAPSHOT_CONFIG.read_text() + "\n[keys]\n" + keys)
    return path


async def select(pilot: Any, name: str) -> None:
    pane = pilot.app.query_one(ContainersPane)
    index = [pane.cell_text(k, "name") for k in pane.row_keys()].index(name)
    pane.table.move_cursor(row=index)
    await pilot.pause()


async def test_no_color_starts_in_mono_and_a_flag_still_wins(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    app = make_app()
    async with app.run_test(size=(120, 30)) as pilot:
        await until_loaded(pilot)
        assert app.theme == "mono"
        assert app.theme_choice.reason == "NO_COLOR is set"
        assert "fix-gateway" in screen_text(app)
    assert make_app("--theme", "fintui-light").theme == "fintui-light"


async def test_a_theme_picked_in_the_palette_is_saved_and_restored() -> None:
    app = make_app()
    async with app.run_test(size=(120, 30)) as pilot:
        await until_loaded(pilot)
        assert app.theme == "fintui-dark"
        await pilot.press("ctrl+p")
        await pilot.press(*"theme", "enter")
        await pilot.pause(0.2)
        await pilot.press(*"trading", "enter")
        await pilot.pause(0.2)
        assert app.theme == "trading-floor"
        await pilot.pause(0.3)  # restyling runs after the theme is set
        # Only fintui's themes are offered: each keeps state readable without colour.
        assert set(app.available_themes) == {"fintui-dark", "fintui-light", "trading-floor",
                                             "mono"}
        # The wall-screen theme's own stylesheet applies: a taller, bolder header (a blank
        # line above and below), folded at 120 columns onto two lines like the default one.
        assert app.query_one(StatusBar).outer_size.height == 2 + 2
    assert Preferences().theme() == "trading-floor"
    again = make_app()
    assert again.theme == "trading-floor"
    assert again.theme_choice.reason == "chosen in the console earlier"


async def test_a_users_own_theme_file_is_selectable() -> None:
    folder = Path(os.environ["XDG_CONFIG_HOME"]) / "fintui" / "themes"
    folder.mkdir(parents=True)
    (folder / "desk.toml").write_text('name = "desk"\nprimary = "#AA5500"\n'
                                      'background = "#101010"\n')
    (folder / "desk.tcss").write_text("StatusBar { height: 2; }\n")
    app = make_app("--theme", "desk")
    async with app.run_test(size=(200, 30)) as pilot:  # the default header: one line
        await until_loaded(pilot)
        assert app.current_theme.primary == "#AA5500"
        assert app.query_one(StatusBar).size.height == 2
        app.theme = "fintui-dark"  # the user theme's rules leave with it
        await pilot.pause(0.3)
        assert app.query_one(StatusBar).size.height == 1


async def test_rebound_keys_act_and_the_old_keys_do_not(tmp_path: Path) -> None:
    # z: a key no binding has (x now stops a container)
    config = keyed_config(tmp_path, '"containers.isolate" = "z"\n"app.help" = "f1"\n'
                                    '"move.down" = "ctrl+n"\n')
    app = make_app(config=config)
    async with app.run_test(size=(160, 40)) as pilot:
        await until_loaded(pilot)
        await select(pilot, "fix-gateway")
        await pilot.press("i")
        await pilot.pause(0.2)
        assert not isinstance(app.screen, ConfirmScreen)
        await pilot.press("z")
        await wait_for(pilot, "fix-gateway")
        await until_screen(pilot, ConfirmScreen)
        await pilot.press("n")  # cancel the isolation: nothing changes
        await pilot.pause(0.2)
        table = app.query_one(ContainersPane).table
        row = table.cursor_row
        await pilot.press("ctrl+n")
        assert table.cursor_row == row + 1
        await pilot.press("f1")
        await pilot.pause(0.1)
        assert isinstance(app.screen, HelpScreen)
        await wait_for(pilot, "Where")
        # The help lists what the keys are now, generated from the live bindings.
        rows = app.screen.rows
        assert ("z", "Isolate", "Containers") in rows
        assert ("f1", "Help", "everywhere") in rows
        assert not any(row[1] == "Isolate" and row[0] == "i" for row in rows)


async def test_a_viewers_rebound_action_key_is_still_refused_on_record(tmp_path: Path) -> None:
    app = make_app("--read-only", config=keyed_config(tmp_path, '"containers.isolate" = "z"\n'))
    async with app.run_test(size=(160, 40), notifications=True) as pilot:
        await until_loaded(pilot)
        await select(pilot, "fix-gateway")
        await pilot.press("z")
        await wait_for(pilot, "role 'viewer' may not isolate")
        assert [r["outcome"] for r in app.ops.audit.records()] == ["refused"]


async def test_vim_keys_move_the_cursor_like_the_arrows() -> None:
    app = make_app()
    async with app.run_test(size=(160, 40)) as pilot:
        await until_loaded(pilot)
        table = app.query_one(ContainersPane).table
        await pilot.press("g")
        assert table.cursor_row == 0
        await pilot.press("j", "j")
        assert table.cursor_row == 2
        await pilot.press("k")
        assert table.cursor_row == 1
        await pilot.press("G")
        assert table.cursor_row == table.row_count - 1 > 2
        await pilot.press("4")  # the same keys in the Alerts pane's table
        await pilot.press("g", "j")
        assert app.query_one("#alerts-active").cursor_row == 1


def test_a_clashing_key_configuration_stops_the_start_with_a_clear_error(
        tmp_path: Path) -> None:
    config = keyed_config(tmp_path, '"containers.isolate" = "s"\n"app.quit" = "ctrl+"\n')
    result = subprocess.run([sys.executable, "-m", "fintui", "--demo", "--config", str(config)],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert result.stdout == ""  # the console never started
    lines = result.stderr.splitlines()
    assert lines == [
        f"fintui: config error: {config}: [keys] app.quit = 'ctrl+': 'ctrl+' is not a key name "
        "(examples: x, X, ctrl+x, f5, /, slash, question_mark)",
        f"fintui: config error: {config}: [keys] 's' is bound to both containers.isolate "
        "(Isolate) and containers.scale (Scale) in the Containers pane"]


def test_config_check_reports_a_key_clash(tmp_path: Path) -> None:
    config = keyed_config(tmp_path, '"alerts.ack" = "S"\n')
    result = subprocess.run([sys.executable, "-m", "fintui", "config", "check", str(config)],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert "[keys] 'S' is bound to both alerts.ack (Ack) and alerts.silence (Silence) in the " \
        "Alerts pane" in result.stderr


def test_fintui_keys_lists_every_binding_with_the_configured_key(tmp_path: Path) -> None:
    config = keyed_config(tmp_path, '"containers.isolate" = "X"\n')
    result = subprocess.run([sys.executable, "-m", "fintui", "--config", str(config), "keys"],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    rows = {line.split()[0]: line.split()[1] for line in result.stdout.splitlines()[1:]}
    assert rows["containers.isolate"] == "X"
    assert rows["containers.scale"] == "s"
    assert rows["move.down"] == "j"




async def test_the_alerts_hint_names_the_rebound_isolate_key(tmp_path: Path) -> None:
    app = make_app(config=keyed_config(tmp_path, '"alerts.isolate" = "ctrl+y"\n'))
    async with app.run_test(size=(160, 40)) as pilot:
        await until_loaded(pilot)
        await pilot.press("4")
        await wait_for(pilot, "fault: ^y to isolate")


async def test_every_pane_action_is_in_the_command_palette_and_runs_from_there() -> None:
    app = make_app()
    async with app.run_test(size=(160, 40)) as pilot:
        await until_loaded(pilot)
        titles = {c.title for c in app.get_system_commands(app.screen)}
        for pane, (title, cls) in PALETTE_PANES.items():
            for binding in cls.BINDINGS:
                assert isinstance(binding, Binding)
                if binding.id not in PALETTE_SKIP:
                    assert f"{title}: {binding.description}" in titles, (pane, binding.id)
        assert {"Theme", "Quit", "Keys"} <= titles  # Textual's own, and the help
        await select(pilot, "fix-gateway")
        await pilot.press("ctrl+p")
        await pilot.press(*"Containers: Isolate")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await until_screen(pilot, ConfirmScreen)
        assert "fix-gateway" in screen_text(app)
