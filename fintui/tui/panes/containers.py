"""The Containers pane: one row per container, updated in place, sortable, filterable, grouped."""

from __future__ import annotations

from collections.abc import Callable

from rich.text import Text
from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import Input, Static

from fintui.core.container_rows import (
    COLUMNS,
    SINGLE_ENDPOINT,
    SORTABLE,
    cells,
    fit_columns,
    group_counts,
    header_title,
    matches,
    next_sort,
    ordered,
    sort_arrow,
    spark_width,
    tone,
)
from fintui.core.gpu_join import gpu_memory_by_container
from fintui.core.text_safety import one_line
from fintui.model import ClusterSnapshot, Container
from fintui.tui.widgets.navigation import bound_id
from fintui.tui.widgets.row_feed import Palette
from fintui.tui.widgets.row_table import RowTable, TableColumn
from fintui.tui.widgets.safe import safe
from fintui.watch.state import ClusterState

GROUP_PREFIX = "group:"


class ContainersTable(RowTable):
    """The table: renders only the rows on screen. Enter opens details; a mouse click only
    moves the cursor."""

    class Activated(Message):
        pass

    def action_select_cursor(self) -> None:
        self.post_message(self.Activated())


class ContainersPane(Vertical):
    BINDINGS = [
        Binding("slash", "filter", "Filter", id="containers.filter"),
        Binding("o", "sort_next", "Sort", id="containers.sort_next"),
        Binding("O", "sort_reverse", "Reverse sort", show=False, id="containers.sort_reverse"),
        # htop's M and P: straight to the biggest user, the cursor on it.
        Binding("M", "sort_biggest('mem')", "Sort by memory", show=False,
                id="containers.sort_mem"),
        Binding("P", "sort_biggest('cpu')", "Sort by CPU", show=False,
                id="containers.sort_cpu"),
        Binding("b", "group", "Group", id="containers.group"),
        Binding("enter", "details", "Details", id="containers.details"),
        Binding("l", "logs", "Logs", id="containers.logs"),
        Binding("s", "act('scale')", "Scale", id="containers.scale"),
        Binding("i", "act('isolate')", "Isolate", id="containers.isolate"),
        Binding("u", "act('release')", "Release", id="containers.release"),
        Binding("escape", "clear_filter", "Clear filter", show=False,
                id="containers.clear_filter"),
    ]

    DEFAULT_CSS = """
    ContainersPane { height: 1fr; }
    ContainersPane #filter { display: none; height: 3; }
    ContainersPane.-filtering #filter { display: block; }
    ContainersPane #summary { height: 1; color: $text-muted; padding: 0 1; }
    ContainersPane.-stale ContainersTable { opacity: 60%; }
    ContainersTable { height: 1fr; }
    """

    class OpenDetails(Message):
        def __init__(self, container: Container) -> None:
            super().__init__()
            self.container = container

    class Act(Message):
        """The operator asked for an action on the selected container."""

        def __init__(self, action: str, container: Container) -> None:
            super().__init__()
            self.action = action
            self.container = container

    class OpenLogs(Message):
        def __init__(self, container: Container) -> None:
            super().__init__()
            self.container = container

    def __init__(self, state: ClusterState, group: bool = False, spark_width: int = 10,
                 may_act: bool = True, id: str | None = None,
                 several_endpoints: bool = False) -> None:
        super().__init__(id=id)
        self.state = state
        self.skip = frozenset() if several_endpoints else SINGLE_ENDPOINT
        self.may_act = may_act  # viewers see the action keys greyed out
        self.sort_key = "name"
        self.reverse = False
        self.grouped = group
        self.filter_text = ""
        self.spark_width = spark_width
        self._by_id: dict[str, Container] = {}
        self._visible: tuple[str, ...] = ()
        self._header: tuple[object, ...] = ()  # what the header was drawn from
        self._summary = ""

    def compose(self) -> ComposeResult:
        yield Input(placeholder="filter: words in name, service, image, state… "
                    "(@name: one endpoint)" if self.skip != SINGLE_ENDPOINT else
                    "filter: words in name, service, image, state…", id="filter")
        yield ContainersTable(id="containers-table", cell_segments=False)
        yield Static(id="summary")

    @property
    def table(self) -> ContainersTable:
        return self.query_one(ContainersTable)

    def palette(self) -> Palette:
        return Palette.of(self.app.current_theme)

    # ---- rendering -------------------------------------------------------------------

    def focus_table(self) -> None:
        self.table.focus()

    def row_keys(self) -> list[str]:
        """The rows in the order shown (container ids, and group headers' keys)."""
        return self.table.row_keys()

    def on_resize(self) -> None:
        table = self.table
        available = max(self.size.width - 2, 20)
        visible = fit_columns(available, table.cell_padding, self.skip)
        trend = spark_width(available, table.cell_padding, visible, self.state.history_points)
        if (visible, trend) == (self._visible, self.spark_width):
            return
        self._visible, self.spark_width = visible, trend
        self._set_header()
        self.refresh_rows()

    def _set_header(self) -> None:
        """The columns shown, the sort column's title with its arrow; redrawn on a change."""
        header = (self._visible, self.spark_width, self.sort_key, self.reverse)
        if header == self._header or not self._visible:
            return
        self._header = header
        self.table.set_columns([
            TableColumn(col.key, header_title(col.key, self.sort_key, self.reverse),
                        self.spark_width if col.key == "cpu_spark" else col.width)
            for col in COLUMNS if col.key in self._visible])

    def refresh_rows(self) -> None:
        """Bring the table in line with the state. Sorting and filtering see every row; cells
        are made only for the rows on screen, when the table asks for them."""
        snap = self.state.snapshot
        if snap is None or not self._visible:
            return
        self._set_header()
        # With several endpoints only the rows of a down one are old, and they say so.
        self.set_class(snap.stale and (not snap.source.connected or not snap.endpoints),
                       "-stale")
        down = {e.name for e in snap.down_endpoints}
        shown = [c for c in snap.containers if matches(c, self.filter_text)]
        rows = ordered(shown, snap.taken_at, self.sort_key, self.reverse, self.grouped)
        self._by_id = {c.id: c for c in rows}
        keys: list[str] = []
        headers: dict[str, dict[str, Text]] = {}
        if self.grouped:
            counts = group_counts(shown)
            last_group: str | None = None
            for c in rows:
                if c.group_key != last_group:
                    last_group = c.group_key
                    running, total = counts[last_group]
                    key = GROUP_PREFIX + last_group
                    # The group's name has the name column to itself (cut at 80 columns
                    # otherwise); its count sits beside it, in the state column.
                    headers[key] = {"name": safe(f"▾ {last_group or 'standalone'}",
                                                 style="bold"),
                                    "state": safe(f"{running}/{total} running", style="bold")}
                    keys.append(key)
                keys.append(c.id)
        else:
            keys = [c.id for c in rows]
        self.table.set_rows(keys, self._cell_maker(snap, down, headers))
        self._show_summary(snap, len(shown))

    def _cell_maker(self, snap: ClusterSnapshot, down: set[str],
                    headers: dict[str, dict[str, Text]]) -> Callable[[str], dict[str, Text]]:
        """One row's cells on demand, each made once per refresh."""
        palette = self.palette()
        gpu_memory = gpu_memory_by_container(snap.gpus)
        made: dict[str, dict[str, Text]] = dict(headers)
        by_id = self._by_id
        isolated_ids = self.state.isolated

        def row(key: str) -> dict[str, Text]:
            found = made.get(key)
            if found is not None:
                return found
            c = by_id[key]
            isolated = c.id in isolated_ids
            gone = c.endpoint in down
            plain = cells(c, snap.taken_at, self.state.cpu_history(c.id), self.spark_width,
                          isolated, gpu_memory.get(c.id, 0), gone)
            made[key] = {k: safe(v, palette.style(tone(k, c, isolated, gone, snap.taken_at)))
                         for k, v in plain.items()}
            return made[key]

        return row

    def _show_summary(self, snap: ClusterSnapshot, shown: int) -> None:
        running = sum(c.state == "running" for c in snap.containers)
        title = next(col.title for col in COLUMNS if col.key == self.sort_key)
        parts = [f"{shown} of {len(snap.containers)} containers, {running} running",
                 f"sort: {title} {sort_arrow(self.sort_key, self.reverse)}"]
        if self.grouped:
            parts.append("grouped by service")
        if self.filter_text:
            parts.append(f"filter: {one_line(self.filter_text, 30)}")
        down = snap.down_endpoints
        if down:
            parts.append("STALE rows of " + ", ".join(
                f"{one_line(e.name)} (down since {e.since:%H:%M:%S})" if e.since
                else one_line(e.name) for e in down))
        elif snap.stale:
            parts.append(f"STALE: last data {snap.taken_at:%H:%M:%S}")
        text = "  ·  ".join(parts)
        if text != self._summary:  # Static.update repaints even when nothing changed
            self._summary = text
            # A fixed one-line footer: re-laying out the screen for it cost ~50 ms a refresh.
            self.query_one("#summary", Static).update(safe(text), layout=False)

    # ---- selection -------------------------------------------------------------------

    def selected_key(self) -> str | None:
        return self.table.selected_key()

    def selected(self) -> Container | None:
        key = self.selected_key()
        return self._by_id.get(key) if key else None

    # ---- actions ---------------------------------------------------------------------

    def action_filter(self) -> None:
        self.add_class("-filtering")
        filter_input = self.query_one("#filter", Input)
        filter_input.cursor_blink = False  # a steady screen over slow SSH
        filter_input.focus()

    def action_clear_filter(self) -> None:
        filter_input = self.query_one("#filter", Input)
        filter_input.value = ""
        self.filter_text = ""
        self.remove_class("-filtering")
        self.table.focus()
        self.refresh_rows()

    @on(Input.Changed, "#filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        self.filter_text = event.value
        self.refresh_rows()

    @on(Input.Submitted, "#filter")
    def _filter_done(self, event: Input.Submitted) -> None:
        if not event.value:
            self.remove_class("-filtering")
        self.table.focus()

    @property
    def sortable(self) -> tuple[str, ...]:
        return tuple(key for key in SORTABLE if key not in self.skip)

    def action_sort_next(self) -> None:
        """The next column on screen: a hidden one would sort by what cannot be seen."""
        shown = tuple(key for key in self.sortable if key in self._visible)
        self.sort_key = next_sort(self.sort_key, shown or self.sortable)
        self.refresh_rows()

    def action_sort_biggest(self, key: str) -> None:
        """Biggest first, the cursor on it; pressed again it stays so (as htop's M and P)."""
        self.sort_by(key)
        keys = self.row_keys()  # grouped: the first container, not its group's header
        first = next((i for i, k in enumerate(keys) if not k.startswith(GROUP_PREFIX)), 0)
        self.table.move_cursor(first)

    def sort_by(self, key: str) -> None:
        self.sort_key, self.reverse = key, False
        self.refresh_rows()

    def action_sort_reverse(self) -> None:
        self.reverse = not self.reverse
        self.refresh_rows()

    @on(RowTable.HeaderSelected)
    def _header_clicked(self, event: RowTable.HeaderSelected) -> None:
        key = event.column_key
        if key not in self.sortable:
            return
        if key == self.sort_key:
            self.action_sort_reverse()
        else:
            self.sort_by(key)

    def action_group(self) -> None:
        self.grouped = not self.grouped
        self.refresh_rows()

    def action_details(self) -> None:
        container = self.selected()
        if container is not None:
            self.post_message(self.OpenDetails(container))

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "act" and not self.may_act:
            return None  # shown, but disabled: a viewer may look, not touch
        return True

    _ACTIONS = {"containers.scale": "scale", "containers.isolate": "isolate",
                "containers.release": "release"}

    def on_key(self, event: events.Key) -> None:
        # A viewer's disabled key still reaches the guard, which refuses it on screen and in
        # the audit log: an attempt is worth recording. Keys come from the live (remapped)
        # bindings, so [keys] moves this too.
        action = self._ACTIONS.get(bound_id(self, event.key) or "")
        if action and not self.may_act:
            event.stop()
            self.action_act(action)

    def action_act(self, action: str) -> None:
        container = self.selected()
        if container is not None:
            self.post_message(self.Act(action, container))

    def action_logs(self) -> None:
        container = self.selected()
        if container is not None:
            self.post_message(self.OpenLogs(container))

    @on(ContainersTable.Activated)
    def _row_activated(self, event: ContainersTable.Activated) -> None:
        event.stop()
        self.action_details()

    def cell_text(self, row_key: str, column: str) -> str:
        """What one cell says (tests use it); a group header row has a name and a count."""
        return self.table.cell_text(row_key, column) if column in self._visible else ""
