"""Each pane is declared once (fintui.tui.panes.registry) and everything that names panes
reads the declaration: the tabs, the digit keys, the command palette, the help screen, the
keymap checker and `fintui keys`."""

from __future__ import annotations

from textual.binding import Binding
from textual.widgets import TabbedContent

from fintui.tui.app import FintuiApp
from fintui.tui.keys import binding_table, key_specs
from fintui.tui.palette import PALETTE_PANES
from fintui.tui.panes.registry import PANES
from fintui.tui.screens.help import HelpScreen
from tests.tui.helpers import make_app, screen_text, until_loaded, until_screen


def test_every_pane_has_its_digit_its_keymap_chain_and_its_palette_entry() -> None:
    digits = {b.id: b.key for b in FintuiApp.BINDINGS if isinstance(b, Binding)}
    _, chains = key_specs(FintuiApp)
    for spec in PANES:
        assert digits[f"app.pane.{spec.id}"] == spec.key
        assert chains[f"the {spec.title} pane"][-2:] == (spec.widget.__name__,
                                                          spec.table.__name__)
        assert PALETTE_PANES[spec.id] == (spec.title, spec.widget)
    assert [spec.key for spec in PANES] == [str(n) for n in range(1, len(PANES) + 1)]


def test_fintui_keys_names_each_panes_bindings_by_its_title() -> None:
    where = {ident: places for ident, _keys, places, _what in binding_table(FintuiApp, {})}
    for spec in PANES:
        for binding in spec.bindings:
            assert spec.title in where[str(binding.id)], binding.id


async def test_each_digit_shows_its_pane_with_its_tab_title_and_help() -> None:
    app = make_app()
    async with app.run_test(size=(160, 40)) as pilot:
        await until_loaded(pilot)
        text = screen_text(app)
        assert all(spec.tab_title in text for spec in PANES)
        titles = {c.title for c in app.get_system_commands(app.screen)}
        for spec in reversed(PANES):
            assert f"Show {spec.title}" in titles
            await pilot.press(spec.key)
            await pilot.pause()
            assert app.query_one("#panes", TabbedContent).active == spec.id
        await pilot.press("4", "question_mark")
        help_screen = await until_screen(pilot, HelpScreen)
        assert ("a", "Ack", "Alerts") in help_screen.rows
