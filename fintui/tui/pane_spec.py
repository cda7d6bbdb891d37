"""What one pane of the console is, said once: its digit, title, widget, the table whose keys
are live beside its own, what news redraws it and its extra palette entries. The app's tabs,
digit keys and redraws, the command palette, the help screen and the keymap checker (and so
`fintui keys`) all read these declarations (fintui.tui.panes.registry holds the list)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal, Protocol

from textual.app import SystemCommand
from textual.binding import Binding
from textual.dom import DOMNode
from textual.widget import Widget

if TYPE_CHECKING:
    from fintui.tui.app import FintuiApp

# What a pane may be redrawn for: a new snapshot, changed alerts, new forecasts, a theme
# change, an act of this console ended (done, failed or refused: each is audited), or being
# shown (a hidden pane is brought up to date only when shown).
News = Literal["snapshot", "alerts", "forecasts", "theme", "acted", "shown"]


class Pane(Protocol):
    """What the app asks of every pane widget."""

    def focus_table(self) -> None:
        """Give the keys to the pane's main table (or leave focus where it is)."""


@dataclass(frozen=True)
class PaneSpec:
    key: str  # the digit that shows it
    id: str  # its tab's id; the widget's is "<id>-pane"
    title: str
    widget: type[Widget]
    build: Callable[[FintuiApp, str], Widget]  # (app, widget id) -> the pane
    refresh: Callable[[FintuiApp, News], None]
    refreshed_by: frozenset[News]
    table: type[DOMNode]  # its table's class: movement keys live beside the pane's own
    hidden_too: bool = False  # redrawn even while another pane is shown
    palette_skip: frozenset[str] = frozenset()  # binding ids that make no sense there
    commands: Callable[[FintuiApp], Iterable[SystemCommand]] | None = None

    @property
    def tab_title(self) -> str:
        return f"{self.key} {self.title}"

    @property
    def widget_id(self) -> str:
        return f"{self.id}-pane"

    @property
    def bindings(self) -> list[Binding]:
        """The pane's own bindings (each with an id, so [keys] can move it)."""
        return [b for b in self.widget.__dict__.get("BINDINGS", []) if isinstance(b, Binding)]

    def app_binding(self) -> Binding:
        return Binding(self.key, f"pane('{self.id}')", self.title, show=False,
                       id=f"app.pane.{self.id}")
