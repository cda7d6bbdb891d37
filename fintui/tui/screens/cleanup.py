"""The cleanup plan: every candidate with the rule that chose it (space toggles), what is
spared and why, the total, and a confirmation."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import DataTable, Static

from fintui.core.format import human_bytes, human_duration
from fintui.ops.operations import BIG_CHANGE, Plan
from fintui.tui.screens.actions import MODAL_CSS
from fintui.tui.widgets.navigation import NavTable
from fintui.tui.widgets.safe import safe


class CleanupScreen(ModalScreen[set[str] | None]):
    """Returns the ids to remove, or None when cancelled."""

    BINDINGS = [
        Binding("space", "tick", "Tick/untick", id="cleanup.toggle"),
        Binding("y", "yes", "Remove ticked", id="cleanup.yes"),
        Binding("n,escape", "no", "Cancel", id="cleanup.no"),
    ]
    DEFAULT_CSS = MODAL_CSS.format(name="CleanupScreen") + """
    CleanupScreen > Vertical { width: 120; }
    CleanupScreen #candidates { height: auto; max-height: 14; }
    CleanupScreen #spared { height: auto; max-height: 8; }
    """

    def __init__(self, plan: Plan) -> None:
        super().__init__()
        assert plan.cleanup is not None
        self.plan = plan
        self.items = plan.cleanup.candidates
        self.ticked = {item.id for item in self.items}
        self.asked = 0

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(safe("Clean stale storage"), classes="title")
            table: DataTable[Text] = NavTable(id="candidates", cursor_type="row")
            table.add_columns("", "Kind", "Name", "Size", "Age", "Rule")
            for item in self.items:
                table.add_row(*self._cells(item.id), key=item.id)
            yield table
            yield Static(id="total")
            spared = self.plan.cleanup.spared if self.plan.cleanup else []
            yield Static(safe(f"Spared: {len(spared)}"), classes="keys")
            spared_table: DataTable[Text] = NavTable(id="spared", cursor_type="none")
            spared_table.add_columns("Kind", "Name", "Why")
            for item in spared:
                spared_table.add_row(safe(item.kind), safe(item.name, limit=40),
                                     safe(item.reason, limit=60))
            yield spared_table
            yield Static(id="second", classes="danger")
            yield Static(safe("space: tick/untick   y: remove the ticked   n / escape: cancel"),
                         classes="keys")

    def _cells(self, item_id: str) -> tuple[Text, ...]:
        item = next(i for i in self.items if i.id == item_id)
        age = "-" if item.age_seconds is None else human_duration(item.age_seconds)
        return (safe("[x]" if item_id in self.ticked else "[ ]"), safe(item.kind),
                safe(item.name, limit=40), safe(human_bytes(item.bytes)), safe(age),
                safe(item.reason, limit=50))

    def on_mount(self) -> None:
        self._total()
        self.query_one("#candidates", DataTable).focus()

    def _total(self) -> None:
        chosen = [i for i in self.items if i.id in self.ticked]
        self.query_one("#total", Static).update(safe(
            f"{len(chosen)} of {len(self.items)} ticked, "
            f"{human_bytes(sum(i.bytes for i in chosen))} to free"))

    def action_tick(self) -> None:
        table = self.query_one("#candidates", DataTable)
        if not table.row_count:
            return
        key = str(table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value)
        self.ticked ^= {key}
        self.asked = 0
        self.query_one("#second", Static).update("")
        table.update_cell(key, table.ordered_columns[0].key, self._cells(key)[0])
        self._total()

    def action_yes(self) -> None:
        if not self.ticked:
            self.notify("nothing ticked", severity="warning", markup=False)
            return
        self.asked += 1
        if len(self.ticked) > BIG_CHANGE and self.asked == 1:
            self.query_one("#second", Static).update(safe(
                f"This removes {len(self.ticked)} objects. Press y again to confirm."))
            return
        self.dismiss(set(self.ticked))

    def action_no(self) -> None:
        self.dismiss(None)
