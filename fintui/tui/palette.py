"""The command palette's fintui entries: every pane, every pane action, every sort."""

from __future__ import annotations

from collections.abc import Iterable
from functools import partial
from typing import TYPE_CHECKING, Any

from textual.actions import parse as parse_action
from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.command import CommandPalette, SearchIcon
from textual.widget import Widget

from fintui.tui.panes.registry import PANES

if TYPE_CHECKING:
    from fintui.tui.app import FintuiApp

# Every pane whose bindings are offered, and bindings that make no sense in the palette: both
# from the panes' declarations.
PALETTE_PANES: dict[str, tuple[str, type[Widget]]] = {
    spec.id: (spec.title, spec.widget) for spec in PANES}
PALETTE_SKIP = frozenset(ident for spec in PANES for ident in spec.palette_skip)


SEARCH_GLYPH = ">"  # Textual's is an emoji magnifying glass: two cells, a box on console fonts


class FintuiPalette(CommandPalette):
    """Textual's command palette, its search icon a plain glyph."""

    def on_mount(self) -> None:
        self.query_one(SearchIcon).icon = SEARCH_GLYPH


def open_palette(app: App[Any]) -> None:
    """What App.action_command_palette does, with fintui's palette."""
    if app.use_command_palette and not CommandPalette.is_open(app):
        app.push_screen(FintuiPalette(id="--command-palette"))


def palette_commands(app: FintuiApp) -> Iterable[SystemCommand]:
    for spec in PANES:
        yield SystemCommand(f"Show {spec.title}", f"Switch to the {spec.tab_title} pane",
                            partial(app.action_pane, spec.id))
    # Every pane action, from the panes' own bindings: a new binding gets its entry too.
    for spec in PANES:
        for binding in spec.bindings:
            if binding.id not in PALETTE_SKIP:
                key = app.keymap.get(str(binding.id), binding.key).split(",")[0]
                yield SystemCommand(
                    f"{spec.title}: {binding.description}",
                    f"{app.get_key_display(Binding(key, ''))} in the {spec.title} pane",
                    partial(_palette_action, app, spec.id, spec.widget, binding.action))
    for spec in PANES:
        if spec.commands is not None:
            yield from spec.commands(app)


def _palette_action(app: FintuiApp, pane: str, cls: type[Widget], action: str) -> None:
    """Run a pane's action as its key would, on that pane's selected row. Dispatched
    directly: a viewer's greyed-out action still reaches the guard, which refuses it."""
    app.action_pane(pane)
    _, name, params = parse_action(action)
    app.call_after_refresh(getattr(app.main.query_one(cls), f"action_{name}"), *params)
