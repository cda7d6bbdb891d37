"""The command palette's fintui entries: every pane, every pane action, every sort."""

from __future__ import annotations

from collections.abc import Iterable
from functools import partial
from typing import TYPE_CHECKING

from textual.actions import parse as parse_action
from textual.app import SystemCommand
from textual.binding import Binding
from textual.widget import Widget

from fintui.core.container_rows import COLUMNS
from fintui.tui.panes.alerts import AlertsPane
from fintui.tui.panes.containers import ContainersPane
from fintui.tui.panes.nodes import NodesPane
from fintui.tui.panes.volumes import VolumesPane

if TYPE_CHECKING:
    from fintui.tui.app import FintuiApp

# Panes whose bindings are offered, and bindings that make no sense in the palette (escape
# clears a filter the palette cannot have opened).
PALETTE_PANES: dict[str, tuple[str, type[Widget]]] = {
    "containers": ("Containers", ContainersPane), "volumes": ("Volumes", VolumesPane),
    "alerts": ("Alerts", AlertsPane), "nodes": ("Nodes", NodesPane)}
PALETTE_SKIP = {"containers.clear_filter", "volumes.clear"}


def palette_commands(app: FintuiApp, panes: Iterable[tuple[str, str]]
                     ) -> Iterable[SystemCommand]:
    for pane, title in panes:
        yield SystemCommand(f"Show {title.split(' ', 1)[1]}", f"Switch to the {title} pane",
                            partial(app.action_pane, pane))
    # Every pane action, from the panes' own bindings: a new binding gets its entry too.
    for pane, (title, cls) in PALETTE_PANES.items():
        for binding in cls.BINDINGS:
            if isinstance(binding, Binding) and binding.id not in PALETTE_SKIP:
                key = app.keymap.get(str(binding.id), binding.key).split(",")[0]
                yield SystemCommand(
                    f"{title}: {binding.description}",
                    f"{app.get_key_display(Binding(key, ''))} in the {title} pane",
                    partial(_palette_action, app, pane, cls, binding.action))
    containers = app.main.query_one(ContainersPane)
    for col in COLUMNS:
        if col.key in containers.sortable:
            yield SystemCommand(f"Containers: sort by {col.title}", "Sort the Containers pane",
                                partial(containers.sort_by, col.key))


def _palette_action(app: FintuiApp, pane: str, cls: type[Widget], action: str) -> None:
    """Run a pane's action as its key would, on that pane's selected row. Dispatched
    directly: a viewer's greyed-out action still reaches the guard, which refuses it."""
    app.action_pane(pane)
    _, name, params = parse_action(action)
    app.call_after_refresh(getattr(app.main.query_one(cls), f"action_{name}"), *params)
