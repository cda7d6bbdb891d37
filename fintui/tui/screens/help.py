"""`?`: every key that works where you were, generated from the bindings themselves."""

from __future__ import annotations

from rich.text import Text
from textual.app import App, ComposeResult
from textual.binding import ActiveBinding, Binding
from textual.dom import DOMNode
from textual.screen import ModalScreen, Screen
from textual.widgets import DataTable, Static

from fintui.tui.panes.registry import PANES
from fintui.tui.widgets.navigation import NavTable
from fintui.tui.widgets.safe import safe

_PANE_TITLES: dict[type[DOMNode], str] = {spec.widget: spec.title for spec in PANES}

# Where a key works, in an operator's words (by class name: the screens import this module).
PLACES = {
    "DetailsScreen": "container details", "NavTree": "container details",
    "LogScreen": "log viewer", "NavLog": "log viewer",
    "CleanupScreen": "cleanup preview", "ConfirmScreen": "confirmation",
    "ProgressScreen": "progress", "ScaleScreen": "scale prompt",
    "SilenceScreen": "silence form", "VolumeScreen": "volume details",
    "SignalScreen": "signal prompt", "RejectScreen": "reject form",
    "RolloutScreen": "rollout form", "ReleaseProgressScreen": "release progress",
    "HelpScreen": "this help", "NavTable": "lists", "RowTable": "lists",
}


def place(node: type[DOMNode]) -> str:
    """A class's place in words: a pane's title, a screen's name, "everywhere" for the app."""
    if issubclass(node, App) or node is Screen:
        return "everywhere"  # the app's keys, and the main screen's (tab moves the focus)
    if node in _PANE_TITLES:
        return _PANE_TITLES[node]
    if any(node is spec.table for spec in PANES):
        return "lists"
    return PLACES.get(node.__name__, "here")


def _ours(item: ActiveBinding) -> bool:
    """Whether fintui declared this binding (not a Textual base class it inherits from)."""
    return any(item.binding in vars(cls).get("BINDINGS", ())
               for cls in type(item.node).__mro__ if cls.__module__.startswith("fintui."))


def binding_rows(active: dict[str, ActiveBinding], key_display: dict[str, str]
                 ) -> list[tuple[str, str, str]]:
    """(key, what it does, where) for each active binding, grouped by where it applies."""
    rows = []
    for key, item in active.items():
        if not (item.binding.id or item.binding.show or _ours(item)):
            continue  # the toolkit's own plumbing (scroll left, focus next, copy)
        description = item.binding.description or item.binding.action.replace("_", " ")
        rows.append((key_display.get(key, key), description, place(type(item.node))))
    # Where you are first (the pane's or screen's own keys), then lists, then everywhere.
    return sorted(rows, key=lambda r: (r[2] == "everywhere", r[2] == "lists", r[2], r[0]))


class HelpScreen(ModalScreen[None]):
    BINDINGS = [Binding("escape,q,question_mark", "dismiss", "Close", id="help.close")]
    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    HelpScreen > #box { width: 72; height: 80%; border: round $primary; background: $surface; }
    HelpScreen #help-title { height: 1; padding: 0 1; text-style: bold; }
    HelpScreen DataTable { height: 1fr; }
    """

    def __init__(self, rows: list[tuple[str, str, str]]) -> None:
        super().__init__()
        self.rows = rows

    def compose(self) -> ComposeResult:
        from textual.containers import Vertical

        with Vertical(id="box"):
            yield Static(safe("Keys  (escape to close; ctrl+p for the command palette)"),
                         id="help-title")
            table: DataTable[Text] = NavTable(cursor_type="row", id="help-table")
            table.add_columns("Key", "Action", "Where")
            for key, description, where in self.rows:
                table.add_row(safe(key, "bold"), safe(description), safe(where, "dim"))
            yield table
