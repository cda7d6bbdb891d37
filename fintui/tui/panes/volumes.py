"""The Volumes pane: where the disk goes (volumes, images, stopped containers, build cache,
bind mounts), with the totals `docker system df` reports, and the way into cleanup."""

from __future__ import annotations

from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import Input, Static, TabbedContent, TabPane

from fintui.config_tree import CleanupSettings
from fintui.core.disk_usage import totals
from fintui.core.format import human_bytes, human_duration
from fintui.core.storage_rows import SECTIONS, section_rows, table_row, totals_line
from fintui.core.table_rows import headers
from fintui.tui.key_order import hold_keys_for
from fintui.tui.widgets.navigation import bound_id
from fintui.tui.widgets.row_feed import Palette, feed, fitted_columns
from fintui.tui.widgets.row_table import RowTable
from fintui.tui.widgets.safe import safe, safe_block
from fintui.tui.widgets.typed_input import TypedInput
from fintui.watch.state import ClusterState


class VolumesPane(Vertical):
    BINDINGS = [
        Binding("c", "clean", "Clean", id="volumes.clean"),
        Binding("r", "refresh_usage", "Refresh sizes", id="volumes.refresh"),
        Binding("slash", "filter", "Filter", id="volumes.filter"),
        Binding("o", "sort", "Sort size/name", id="volumes.sort"),
        Binding("escape", "clear_filter", "Clear filter", show=False, id="volumes.clear"),
        Binding("enter", "details", "Details", id="volumes.details"),
        # lazydocker's keys for the tabs of a panel: the sections are this pane's tabs.
        Binding("right_square_bracket", "section(1)", "Next list", id="volumes.next_section"),
        Binding("left_square_bracket", "section(-1)", "Previous list", show=False,
                id="volumes.previous_section"),
    ]
    DEFAULT_CSS = """
    VolumesPane { height: 1fr; }
    VolumesPane #usage-state { height: 1; padding: 0 1; }
    VolumesPane #usage-totals { height: auto; padding: 0 1; }
    VolumesPane #usage-totals { color: $text-muted; }
    VolumesPane #storage-filter { display: none; height: 3; }
    VolumesPane.-filtering #storage-filter { display: block; }
    VolumesPane TabbedContent { height: 1fr; }
    VolumesPane RowTable { height: 1fr; }
    """

    class Clean(Message):
        pass

    class RefreshUsage(Message):
        pass

    class VolumeDetails(Message):
        def __init__(self, volume: str) -> None:
            super().__init__()
            self.volume = volume

    def __init__(self, state: ClusterState, policy: CleanupSettings, may_act: bool = True,
                 id: str | None = None, endpoints: tuple[str, ...] = (),
                 endpoint_key: str = "e") -> None:
        super().__init__(id=id)
        self.state = state
        # With several endpoints the pane shows one daemon's storage at a time: /system/df,
        # "in use" and cleanup are each one daemon's business.
        self.endpoints = endpoints
        self.endpoint = endpoints[0] if len(endpoints) > 1 else ""
        self.endpoint_key = endpoint_key  # as [keys] set it: the hint must name the real key
        self.policy = policy
        self.may_act = may_act
        self.filter_text = ""
        self.computing = False
        self.usage_error = ""
        self.by_name = False  # rows largest first, or by name

    def compose(self) -> ComposeResult:
        yield Static(id="usage-state")
        yield Static(id="usage-totals")
        yield TypedInput(placeholder="filter: words in names, users, labels…", id="storage-filter")
        with TabbedContent(id="storage-sections"):
            for key, title, _columns in SECTIONS:
                with TabPane(title, id=f"section-{key}"):
                    yield RowTable(id=f"table-{key}")

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "clean" and not self.may_act:
            return None
        return True

    def refresh_view(self) -> None:
        snap, df = self.state.snapshot, self.state.disk
        self._show_state()
        containers = snap.containers_of(self.endpoint) if snap else ()
        now = snap.taken_at if snap else (df.taken_at if df else None)
        if now is None:
            return
        words = self.filter_text.lower().split()
        palette = Palette.of(self.app.current_theme)
        for key, _title, columns in SECTIONS:
            rows = [r for r in section_rows(key, df, containers, self.policy, now)
                    if all(w in r.search for w in words)]
            if self.by_name:
                rows.sort(key=lambda r: r.cells[0].lower())
            shown = [table_row(r, columns) for r in rows]
            feed(self.query_one(f"#table-{key}", RowTable),
                 fitted_columns(headers(*columns), shown), shown, palette)

    def _show_state(self) -> None:
        df = self.state.disk
        snap = self.state.snapshot
        parts = [f"endpoint {self.endpoint} ({self.endpoints.index(self.endpoint) + 1} of "
                 f"{len(self.endpoints)}, {self.endpoint_key}: next)"] if self.endpoint else []
        if df is not None:
            age = (snap.taken_at - df.taken_at).total_seconds() if snap else 0.0
            fs = next((f for f in (snap.host.filesystems if snap and snap.host else ())
                       if f.path == df.data_root), None)
            root = f"{df.data_root} {fs.percent:.0f}% used" if fs else df.data_root
            parts.append(f"storage driver {df.storage_driver or '?'} · data root {root} · "
                         f"sizes as of {df.taken_at:%H:%M:%S} ({human_duration(age)} old)")
            reclaim = sum(t.reclaimable for t in totals(df))
            parts.append(f"docker counts {human_bytes(reclaim)} reclaimable")
        else:
            parts.append("no disk usage yet")
        if self.computing:
            parts.append("computing sizes… (this can take a while on big hosts)")
        if self.usage_error:
            parts.append(f"last attempt failed: {self.usage_error}")
        self.query_one("#usage-state", Static).update(safe("  ·  ".join(parts)))
        self.query_one("#usage-totals", Static).update(
            safe_block(totals_line(totals(df)) if df else ""))

    def on_key(self, event: events.Key) -> None:
        # A viewer's disabled `c` still reaches the guard, which refuses it and audits it.
        if bound_id(self, event.key) == "volumes.clean" and not self.may_act:
            event.stop()
            self.action_clean()

    def action_sort(self) -> None:
        self.by_name = not self.by_name
        self.refresh_view()

    def action_clean(self) -> None:
        hold_keys_for(self)
        self.post_message(self.Clean())

    def action_refresh_usage(self) -> None:
        self.post_message(self.RefreshUsage())

    def action_filter(self) -> None:
        self.add_class("-filtering")
        box = self.query_one("#storage-filter", Input)
        box.cursor_blink = False
        box.focus()
        hold_keys_for(self, ready=lambda: box.has_focus)  # `/name` typed at once

    def action_section(self, step: int) -> None:
        """The next (or previous) of Volumes, Images, Stopped, Build cache, Bind mounts."""
        sections = self.query_one("#storage-sections", TabbedContent)
        keys = [f"section-{key}" for key, _title, _columns in SECTIONS]
        sections.active = keys[(keys.index(sections.active) + step) % len(keys)]
        self.call_after_refresh(self.focus_table)  # once the section's table is shown

    def focus_table(self) -> None:
        """Keys go to the visible section's table (not a hidden filter box)."""
        active = self.query_one("#storage-sections", TabbedContent).active
        self.query_one(f"#table-{active.removeprefix('section-')}", RowTable).focus()

    def action_clear_filter(self) -> None:
        self.query_one("#storage-filter", Input).value = ""
        self.filter_text = ""
        self.remove_class("-filtering")
        self.refresh_view()
        self.focus_table()

    @on(Input.Changed, "#storage-filter")
    def _filter(self, event: Input.Changed) -> None:
        self.filter_text = event.value
        self.refresh_view()

    @on(Input.Submitted, "#storage-filter")
    def _filter_done(self) -> None:
        self.focus_table()

    @on(RowTable.Selected, "#table-volumes")
    def _volume_chosen(self, event: RowTable.Selected) -> None:
        event.stop()
        key = event.table.selected_key()
        if key:
            self.post_message(self.VolumeDetails(key))

    def action_details(self) -> None:
        sections = self.query_one("#storage-sections", TabbedContent)
        if sections.active != "section-volumes":
            return
        key = self.query_one("#table-volumes", RowTable).selected_key()
        if key:
            self.post_message(self.VolumeDetails(key))
