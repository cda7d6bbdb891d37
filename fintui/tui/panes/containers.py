"""The Containers pane: one row per container, updated in place, sortable, filterable, grouped."""

from __future__ import annotations

from collections.abc import Callable

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import Input, Static

from fintui.core import container_groups as groups
from fintui.core.container_groups import GROUP_PREFIX
from fintui.core.container_rows import (
    COLUMNS,
    SINGLE_ENDPOINT,
    SORTABLE,
    cells,
    column_widths,
    fit_columns,
    header_title,
    matches,
    next_sort,
    ordered,
    sort_arrow,
    tone,
    widest_cells,
)
from fintui.core.gpu_join import gpu_memory_by_container
from fintui.model import ClusterSnapshot, Container
from fintui.tui.key_order import hold_keys_for
from fintui.tui.panes.container_keys import ACT_BINDINGS, ActKeys
from fintui.tui.widgets.row_feed import Palette
from fintui.tui.widgets.row_table import RowTable, TableColumn
from fintui.tui.widgets.safe import safe, safe_line
from fintui.tui.widgets.typed_input import TypedInput
from fintui.watch.state import ClusterState


class ContainersTable(RowTable):
    """The table: renders only the rows on screen. Enter opens details; a mouse click only
    moves the cursor."""

    # Enter on the table opens a container's details, or folds a group from its header.
    BINDINGS = [Binding("enter", "select_cursor", "Details / fold group", show=False)]

    class Activated(Message):
        pass

    def action_select_cursor(self) -> None:
        self.post_message(self.Activated())


class ContainersPane(ActKeys, Vertical):
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
        Binding("space", "fold", "Fold group", show=False, id="containers.fold"),
        Binding("l", "logs", "Logs", id="containers.logs"),
        Binding("s", "act('scale')", "Scale", id="containers.scale"),
        Binding("i", "act('isolate')", "Isolate", id="containers.isolate"),
        Binding("u", "act('release')", "Release", id="containers.release"),
        *ACT_BINDINGS,  # r x p K D E: restart, stop/start, pause, kill, remove, shell
        # Releases of a service, from any of its rows or its group header (release_flows.py).
        Binding("R", "act('rollout')", "Roll out", show=False, id="containers.rollout"),
        Binding("B", "act('rollback')", "Roll back", show=False, id="containers.rollback"),
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
        self.endpoint = ""  # the console's endpoint view: "" is every endpoint
        self.spark_width = spark_width
        self._by_id: dict[str, Container] = {}
        self.folded: set[str] = set()  # group keys whose rows are hidden under their header
        self._groups: dict[str, Container] = {}  # header key -> a member (what `s` scales)
        self._visible: tuple[str, ...] = ()
        self._widths: dict[str, int] = {}
        self._widest: dict[str, int] = {}
        self._header: tuple[object, ...] = ()  # what the header was drawn from
        self._summary = ""
        self.marks: dict[str, str] = {}  # group key -> its release's mark (release_flows.py)
        self.releases_said = ""  # those releases, for the summary line (release_flows.py)

    def compose(self) -> ComposeResult:
        yield TypedInput(placeholder="filter: words in name, service, image, state… "
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
        if self._layout():
            self._set_header()
            self.refresh_rows()

    def _layout(self) -> bool:
        """The columns that fit and their widths; True when they changed."""
        available = max(self.size.width - 2, 20)
        padding = self.table.cell_padding
        visible = fit_columns(available, padding, self.skip)
        widths = column_widths(available, padding, visible, self.state.history_points,
                               self._widest)
        if (visible, widths) == (self._visible, self._widths):
            return False
        self._visible, self._widths = visible, widths
        self.spark_width = widths.get("cpu_spark", self.spark_width)
        return True

    def _set_header(self) -> None:
        """The columns shown, the sort column's title with its arrow; redrawn on a change."""
        header = (self._visible, tuple(self._widths.items()), self.sort_key, self.reverse)
        if header == self._header or not self._visible:
            return
        self._header = header
        self.table.set_columns([
            TableColumn(col.key, header_title(col.key, self.sort_key, self.reverse),
                        self._widths.get(col.key, col.width))
            for col in COLUMNS if col.key in self._visible])

    def refresh_rows(self) -> None:
        """Bring the table in line with the state. Sorting and filtering see every row; cells
        are made only for the rows on screen, when the table asks for them."""
        snap = self.state.snapshot
        if snap is None or not self._visible:
            return
        widest = widest_cells(snap.containers)
        if widest != self._widest:  # a longer image name came: give it room if there is
            self._widest = widest
            self._layout()
        self._set_header()
        # With several endpoints only the rows of a down one are old, and they say so.
        self.set_class(snap.stale and (not snap.source.connected or not snap.endpoints),
                       "-stale")
        down = {e.name for e in snap.down_endpoints}
        shown = [c for c in snap.containers if matches(c, self.filter_text)
                 and (not self.endpoint or c.endpoint == self.endpoint)]
        rows = ordered(shown, snap.taken_at, self.sort_key, self.reverse, self.grouped)
        self._by_id = {c.id: c for c in rows}
        headers: dict[str, dict[str, Text]] = {}
        self._groups = {}
        if self.grouped:
            keys, made = groups.grouped_rows(rows, self.folded)
            # The group's name has the name column to itself (cut at 80 columns otherwise);
            # its count sits beside it, in the state column.
            # A header's state: a release under way, else Swarm's running of desired, else
            # the count of its rows; what runs in the image and up columns.
            release = groups.release_cells(rows, snap.services, snap.taken_at)
            for key, g in made.items():
                group = key.removeprefix(groups.GROUP_PREFIX)
                said = release.get(group, {})
                state = self.marks.get(group) or said.get("state") or g.count
                headers[key] = {**{k: safe(v) for k, v in said.items()},
                                "name": safe(g.name, style="bold"),
                                "state": safe(state, style="bold")}
            self._groups = {key: g.member for key, g in made.items()}
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
        title = next(col.title for col in COLUMNS if col.key == self.sort_key)
        text = groups.summary_line(snap, shown, title, sort_arrow(self.sort_key, self.reverse),
                            self.grouped, self.filter_text, self.endpoint)
        if self.releases_said:  # rows keep their own state; the release is said here
            text = f"{text}  ·  {self.releases_said}"
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
        hold_keys_for(self, ready=lambda: filter_input.has_focus)  # `/pricing` typed at once

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
        self.table.move_cursor(groups.biggest_row(self.row_keys(), self._by_id, key))

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

    def selected_group(self) -> str | None:
        """The header key under the cursor, or None on a container's row."""
        key = self.selected_key()
        return key if key and key.startswith(GROUP_PREFIX) else None

    def action_details(self) -> None:
        if self.selected_group():  # a header has no details: enter opens or folds its group
            return self.action_fold()
        container = self.selected()
        if container is not None:
            self.post_message(self.OpenDetails(container))

    def action_fold(self) -> None:
        """Fold the group under the cursor (from its header or any of its rows), or open it."""
        if not self.grouped:
            self.app.notify("not grouped: b groups the rows by service", markup=False)
            return
        container = self.selected()
        key = self.selected_group() or (container and GROUP_PREFIX + container.group_key)
        if not key:
            return
        self.folded ^= {key}
        self.refresh_rows()
        if key in self.row_keys():  # folded from a member's row: the cursor goes to its header
            self.table.move_cursor(self.row_keys().index(key))

    def _header_says(self, what: str) -> None:
        name = (self.selected_group() or "").removeprefix(GROUP_PREFIX) or "standalone"
        self.app.notify(safe_line(f"{what}: select a container, this row is the group "
                                  f"{name} (enter folds or opens it)"), markup=False)

    def action_act(self, action: str) -> None:
        group = self.selected_group()
        if group is not None:
            member = self._groups.get(group)
            if action not in ("scale", "rollout", "rollback"):  # a service's acts
                self._header_says(f"{action.capitalize()} works on one container")
            elif member is None or (not member.service and action == "scale"):
                self.app.notify("standalone containers belong to no service: nothing to "
                                "scale", markup=False)
            else:  # a header stands for its service: s scales it, as on any member's row
                hold_keys_for(self)
                self.post_message(self.Act(action, member))
            return
        container = self.selected()
        if container is not None:
            hold_keys_for(self)
            self.post_message(self.Act(action, container))

    def action_logs(self) -> None:
        if self.selected_group() is not None:
            return self._header_says("Logs are one container's")
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
