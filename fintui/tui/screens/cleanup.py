"""The cleanup plan: every candidate with the rule that chose it (space toggles), what is
spared and why, the total, and a confirmation."""

from __future__ import annotations

from collections.abc import Iterable

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import DataTable, Footer, Static

from fintui.core.format import human_bytes, human_duration
from fintui.model import CleanupItem
from fintui.ops.clean import why_twice
from fintui.ops.operations import Plan
from fintui.ops.plan import capitalised
from fintui.tui.screens.actions import MODAL_CSS
from fintui.tui.widgets.navigation import NavTable
from fintui.tui.widgets.safe import safe


class CleanupScreen(ModalScreen[set[str] | None]):
    """Returns the ids to remove, or None when cancelled."""

    BINDINGS = [
        Binding("space", "tick", "Tick/untick", id="cleanup.toggle"),
        Binding("y", "yes", "Remove", id="cleanup.yes"),
        Binding("n,escape", "no", "Cancel", id="cleanup.no"),
    ]
    DEFAULT_CSS = MODAL_CSS.format(name="CleanupScreen") + """
    CleanupScreen > Vertical { width: 120; }
    CleanupScreen #candidates { height: auto; max-height: 14; }
    CleanupScreen #spared { height: auto; max-height: 8; }
    CleanupScreen #second { height: 1; }
    """
    # Rows the dialog needs besides its two lists: border, title, total, "Spared", the second
    # confirmation and the keys. The lists get what the terminal has left, and scroll.
    FIXED_ROWS = 10
    NARROW_NAME_LIMIT = 16
    WHY_LIMIT = 60

    def __init__(self, plan: Plan) -> None:
        super().__init__()
        assert plan.cleanup is not None
        self.plan = plan
        self.items = plan.cleanup.candidates
        self.ticked = {item.id for item in self.items}
        self.asked = 0
        self.narrow = False  # a terminal too narrow for every column in full

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(safe("Clean stale storage"), classes="title")
            table: DataTable[Text] = NavTable(id="candidates", cursor_type="row")
            spared = self.plan.cleanup.spared if self.plan.cleanup else []
            inner = min(120, self.app.size.width * 95 // 100) - 4  # border and padding
            kind = self._widest(len(i.kind) for i in [*self.items, *spared])
            size = self._widest(len(human_bytes(i.bytes)) for i in self.items)
            # Too narrow for every column in full: name and rule wrap in their columns, without
            # the age (the rule says it). Names are never cut here: two volumes that differ
            # only at the end must not look alike in a dialog that deletes them.
            self.narrow = 3 + kind + self._names(self.items) + size + self._widest(
                len(self._age(i)) for i in self.items) + self._widest(
                len(i.reason) for i in self.items) + self._gaps(6, self.items) > inner
            if self.narrow:
                name_w, rule_w = self._split(
                    inner - (3 + kind + size + self._gaps(5, self.items)), self.items)
                table.add_columns("", "Kind")
                table.add_column("Name", width=name_w)
                table.add_column("Size")
                table.add_column("Rule", width=rule_w)
            else:
                table.add_columns("", "Kind", "Name", "Size", "Age", "Rule")
            for item in self.items:
                table.add_row(*self._cells(item.id), key=item.id,
                              height=None if self.narrow else 1)
            yield table
            yield Static(id="total")
            yield Static(safe(f"Spared: {len(spared)}"), classes="keys")
            spared_table: DataTable[Text] = NavTable(id="spared", cursor_type="none")
            wrap = kind + self._names(spared) + self._widest(
                min(self.WHY_LIMIT, len(i.reason)) for i in spared) + self._gaps(3, spared) > inner
            if wrap:  # the same on a narrow terminal: name and why it is spared, in full
                name_w, why_w = self._split(inner - (kind + self._gaps(3, spared)), spared)
                spared_table.add_columns("Kind")
                spared_table.add_column("Name", width=name_w)
                spared_table.add_column("Why", width=why_w)
            else:
                spared_table.add_columns("Kind", "Name", "Why")
            for item in spared:
                why = self._wrapped(item.reason, wrap, self.WHY_LIMIT)
                spared_table.add_row(safe(item.kind), self._wrapped(item.name, wrap),
                                     why, height=None if wrap else 1)
            yield spared_table
            yield Static(id="second", classes="danger")
            yield Static(safe("space: tick/untick   y: remove the ticked   n / escape: cancel"),
                         classes="keys")
        yield Footer(compact=True)  # the dialog's own keys, not the pane's

    @staticmethod
    def _widest(lengths: Iterable[int]) -> int:
        return max(lengths, default=4)

    def _names(self, items: list[CleanupItem]) -> int:
        return self._widest(len(i.name) for i in items)

    def _split(self, room: int, items: list[CleanupItem]) -> tuple[int, int]:
        """Widths for a wrapped name and the wrapped text beside it: the name gets up to half
        the room (at least NARROW_NAME_LIMIT), the text the rest (at least 12)."""
        name = min(self._widest(len(i.name) for i in items),
                   max(self.NARROW_NAME_LIMIT, room // 2))
        return name, max(12, room - name)

    @staticmethod
    def _wrapped(text: str, wrap: bool, limit: int = 0) -> Text:
        """Whole and wrapped in its column on a narrow terminal; else one line, cut at limit."""
        cell = safe(text, limit=0 if wrap else limit)
        cell.no_wrap = not wrap
        return cell

    @staticmethod
    def _gaps(columns: int, rows: list[CleanupItem]) -> int:
        """Cell padding, and a scrollbar where the list is long enough to have one."""
        return 2 * columns + (2 if len(rows) > 7 else 0)

    @staticmethod
    def _age(item: CleanupItem) -> str:
        return "-" if item.age_seconds is None else human_duration(item.age_seconds)

    def _cells(self, item_id: str) -> tuple[Text, ...]:
        item = next(i for i in self.items if i.id == item_id)
        tick = safe("[x]" if item_id in self.ticked else "[ ]")
        rule = self._wrapped(item.reason, self.narrow)  # narrow: wrapped, never cut
        if self.narrow:
            return (tick, safe(item.kind), self._wrapped(item.name, True),
                    safe(human_bytes(item.bytes)), rule)
        return (tick, safe(item.kind), safe(item.name),
                safe(human_bytes(item.bytes)), safe(self._age(item)), rule)

    def on_mount(self) -> None:
        self._total()
        self._fit()
        self.query_one("#candidates", DataTable).focus()

    def on_resize(self) -> None:
        self._fit()

    def _fit(self) -> None:
        """Share the rows the terminal has between the two lists: the keys and the second
        confirmation always stay on screen, and a long list scrolls."""
        # The dialog gets 90% of what the footer (a row) leaves.
        room = max(4, (self.app.size.height - 1) * 9 // 10 - self.FIXED_ROWS)
        candidates = self.query_one("#candidates", DataTable)
        spared = self.query_one("#spared", DataTable)
        want_spared = min(8, spared.row_count + 1)
        want_candidates = 14
        if want_spared + want_candidates > room:
            want_spared = min(want_spared, max(2, room // 3))
            want_candidates = room - want_spared
        candidates.styles.max_height = want_candidates
        spared.styles.max_height = want_spared

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
        reason = why_twice(len(self.ticked))  # what the plan says (ops/clean.py)
        if reason and self.asked == 1:
            self.query_one("#second", Static).update(safe(
                f"{capitalised(reason)} Press y again to confirm."))
            return
        self.dismiss(set(self.ticked))

    def action_no(self) -> None:
        self.dismiss(None)
