"""The console on the terminals the on-call engineer meets: xterm-256color, tmux's
screen-256color and the Linux text console, whose font has only CP437's 256 glyphs."""

from __future__ import annotations

import unicodedata
from pathlib import Path

import pytest

from fintui.core.console_glyphs import CONSOLE_SAFE
from fintui.tui.widgets.row_table import RowTable
from tests.tui.helpers import SNAPSHOT_CONFIG, make_app, screen_text, until_loaded

PANES = ["1", "2", "3", "4", "5"]


async def every_screen(size: tuple[int, int] = (120, 36)) -> dict[str, str]:
    """What each pane and the help screen show, as text."""
    app = make_app()
    shown: dict[str, str] = {}
    async with app.run_test(size=size) as pilot:
        await until_loaded(pilot)
        for key in PANES:
            await pilot.press(key)
            await pilot.pause(0.2)
            shown[key] = screen_text(app)
        await pilot.press("question_mark")
        await pilot.pause(0.2)
        shown["help"] = screen_text(app)
    return shown


def is_emoji(char: str) -> bool:
    return (unicodedata.east_asian_width(char) in ("W", "F") or ord(char) >= 0x1F000
            or char == "\ufe0f")


@pytest.mark.parametrize("term", ["xterm-256color", "screen-256color"])
async def test_no_emoji_anywhere(monkeypatch: pytest.MonkeyPatch, term: str) -> None:
    monkeypatch.setenv("TERM", term)
    for where, text in (await every_screen()).items():
        assert not [c for c in text if is_emoji(c)], where
        assert "fintui" in text


async def test_the_linux_console_gets_only_glyphs_its_font_has(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TERM", "xterm-256color")
    rich = await every_screen()
    # Without the mapping the screens use glyphs the console lacks (braille chart, ●, ━):
    assert {c for text in rich.values() for c in text} - CONSOLE_SAFE - {"\n"}
    monkeypatch.setenv("TERM", "linux")
    plain = await every_screen()
    for where, text in plain.items():
        outside = {c for c in text if c not in CONSOLE_SAFE and c != "\n"}
        assert not outside, f"{where}: {sorted(outside)}"
        # Same layout, cell for cell: only glyphs change.
        assert [len(line) for line in text.splitlines()] == \
            [len(line) for line in rich[where].splitlines()]
    assert "• running" in plain["1"] and "√ healthy" in plain["1"]
    assert "▲ 2 critical" in plain["1"]


def test_the_glyphs_setting_forces_the_console_set(tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TERM", "xterm-256color")
    assert not make_app().console_glyphs.enabled
    config = tmp_path / "glyphs.toml"
    config.write_text(SNAPSHOT_CONFIG.read_text().replace(
        "[ui]\n", '[ui]\nglyphs = "console"\n'))
    assert make_app(config=config).console_glyphs.enabled


@pytest.mark.parametrize("width", [80, 120, 200])
async def test_the_alerts_table_never_needs_sideways_scrolling(width: int) -> None:
    app = make_app()
    async with app.run_test(size=(width, 24)) as pilot:
        await until_loaded(pilot)
        await pilot.press("4")
        await pilot.pause(0.2)
        table = app.query_one("#alerts-active", RowTable)
        assert table.virtual_size.width <= table.scrollable_content_region.width
        shown = [c.title for c in table.columns]
        assert shown[:1] == ["Severity"] and "Target" in shown  # kept longest
        assert ("Runbook" in shown) == (width >= 120)
