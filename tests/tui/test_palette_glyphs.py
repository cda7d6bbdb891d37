"""The command palette (and the theme picker it opens) shows no emoji: Textual's magnifying
glass is replaced by a plain glyph."""

from __future__ import annotations

from textual.command import CommandPalette, SearchIcon

from fintui.tui.palette import SEARCH_GLYPH
from tests.tui.helpers import make_app, screen_text, until_loaded
from tests.unit.test_no_emoji import is_emoji


async def test_the_palettes_show_a_plain_glyph_not_an_emoji() -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await until_loaded(pilot)
        await pilot.press("ctrl+p")
        await pilot.pause(0.3)
        assert isinstance(app.screen, CommandPalette)
        shown = screen_text(app)
        assert [c for c in shown if is_emoji(c)] == []
        assert app.screen.query_one(SearchIcon).icon == SEARCH_GLYPH
        assert f"{SEARCH_GLYPH}  Search for commands" in shown
        await pilot.press(*"theme", "enter")  # Textual's theme picker: a palette of its own
        await pilot.pause(0.3)
        assert isinstance(app.screen, CommandPalette)
        assert "Search for themes" in screen_text(app)
        assert [c for c in screen_text(app) if is_emoji(c)] == []
        assert app.screen.query_one(SearchIcon).icon == SEARCH_GLYPH
