"""`?`: every key that works where you were, generated from the bindings themselves."""

from __future__ import annotations

from rich.text import Text
from textual.app import App, ComposeResult
from textual.binding import ActiveBinding, Binding
from textual.dom import DOMNode
from textual.screen import ModalScreen
from textual.widgets import DataTable, Static

from fintui.tui.panes.registry import PANES
from fintui.tui.widgets.navigation import NavTable
from fintui.tui.widgets.safe import safe

_PANE_TITLES: dict[type[DOMNode], str] = {spec.widget: spec.title for spec in PANES}


def binding_rows(active: dict[str, ActiveBinding], key_display: dict[str, str]
                 ) -> list[tuple[str, str, str]]:
    """(key, what it does, where) for each active binding, grouped by where it applies."""
    rows = []
    for key, item in active.items():
        description = item.binding.description or item.binding.action.replace("_", " ")
        if isinstance(item.node, App):
            where = "everywhere"
        elif type(item.node) in _PANE_TITLES:
            where = _PANE_TITLES[type(item.node)]
        else:
            name = type(item.node).__name__
            for suffix in ("Pane", "Screen", "Table"):
                name = name.removesuffix(suffix)
            where = name or "here"
        rows.append((key_display.get(key, key), description, where))
    return sorted(rows, key=lambda r: (r[2] != "everywhere", r[2], r[0]))


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
