"""The fintui console: a shell of five panes over one poller. No Docker or NVML code here."""

from __future__ import annotations

import gc
import os
from collections.abc import Callable, Iterable, Mapping, Sequence
from functools import partial
from typing import TYPE_CHECKING, Any

from textual import on, work
from textual.actions import parse as parse_action
from textual.app import App, ComposeResult, SystemCommand
from textual.binding import Binding
from textual.css.query import NoMatches
from textual.filter import LineFilter
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Footer, TabbedContent, TabPane
from textual.worker import Worker, WorkerState

from fintui.agent.attached import AttachedWatch
from fintui.agent.supervise import supervise
from fintui.core.alerts import (
    Alert,
    alert_target,
    firing_counts,
)
from fintui.core.console_glyphs import wants_console_glyphs
from fintui.core.container_rows import COLUMNS
from fintui.core.format import human_duration
from fintui.core.theme_choice import ThemeChoice, choose_theme, scoped_css
from fintui.model import ClusterSnapshot, Container
from fintui.ops.clean import choose as choose_clean
from fintui.ops.operations import Operations, Plan, Refused
from fintui.store.db import StateUnavailable
from fintui.store.preferences import Preferences
from fintui.store.state import ClusterState
from fintui.tui.console_filter import ConsoleGlyphs
from fintui.tui.keys import console_keymap
from fintui.tui.messages import SnapshotArrived
from fintui.tui.panes.alerts import AlertsPane
from fintui.tui.panes.containers import ContainersPane
from fintui.tui.panes.forecasts import ForecastsPane
from fintui.tui.panes.gpus import GpusPane
from fintui.tui.panes.nodes import NodesPane
from fintui.tui.panes.volumes import VolumesPane
from fintui.tui.screens.actions import ConfirmScreen, ProgressScreen, ScaleScreen
from fintui.tui.screens.cleanup import CleanupScreen
from fintui.tui.screens.details import DetailsScreen
from fintui.tui.screens.help import HelpScreen, binding_rows
from fintui.tui.screens.logs import LogScreen
from fintui.tui.screens.silence import SilenceScreen
from fintui.tui.screens.volume import VolumeScreen
from fintui.tui.theme_loader import ThemeFile, load_themes, stylesheet_path
from fintui.tui.widgets.safe import safe_line
from fintui.tui.widgets.status_bar import StatusBar
from fintui.watch.watch import Watch

if TYPE_CHECKING:
    from fintui.wiring import Parts

# Panes whose bindings are offered in the command palette, and bindings that make no sense
# there (escape clears a filter the palette cannot have opened).
PALETTE_PANES: dict[str, tuple[str, type[Widget]]] = {
    "containers": ("Containers", ContainersPane), "volumes": ("Volumes", VolumesPane),
    "alerts": ("Alerts", AlertsPane), "nodes": ("Nodes", NodesPane)}
PALETTE_SKIP = {"containers.clear_filter", "volumes.clear"}
GC_THRESHOLD = 10_000  # allocations between young-generation collections (default 700)


PANES = (
    ("containers", "1 Containers"),
    ("gpus", "2 GPUs"),
    ("volumes", "3 Volumes"),
    ("alerts", "4 Alerts"),
    ("forecasts", "5 Forecasts"),
    ("nodes", "6 Nodes"),
)


class UnknownTheme(Exception):
    def __init__(self, name: str, available: list[str], broken: list[str]) -> None:
        lines = [f"unknown theme {name!r}; available: {', '.join(available)}"]
        lines += [f"  unusable theme file: {line}" for line in broken]
        super().__init__("\n".join(lines))


class FintuiApp(App[int]):
    TITLE = "fintui"
    CSS_PATH = str(stylesheet_path())
    BINDINGS = [
        Binding("q", "quit", "Quit", id="app.quit"),
        Binding("question_mark", "help", "Help", id="app.help"),
        *(Binding(str(n), f"pane('{pane}')", title.split(" ", 1)[1], show=False,
                  id=f"app.pane.{pane}") for n, (pane, title) in enumerate(PANES, start=1)),
    ]

    def __init__(self, parts: Parts, theme: str | None = None,
                 env: Mapping[str, str] | None = None) -> None:
        super().__init__()
        self.parts = parts
        self.snapshots_seen = 0
        self.preferences = Preferences()
        self._theme_ready = False  # set once running: later changes are the operator's
        environment = os.environ if env is None else env
        self.theme_choice = self._use_themes(theme, environment)
        self.console_glyphs = ConsoleGlyphs(enabled=wants_console_glyphs(
            parts.settings.ui.glyphs, environment.get("TERM", "")))
        # [keys] is checked against every binding before anything starts: a clash is an error.
        self.keymap = console_keymap(type(self), parts.settings.keys)
        self.set_keymap(self.keymap)
        self._endpoint_ops = {e.name: parts.operations(e.name) for e in parts.endpoints}
        # The first endpoint's: storage, cleanup, acks and the role shown.
        self.ops = next(iter(self._endpoint_ops.values()), None) or parts.operations()
        # The panes read this state; whichever watch runs (own or the agent's) keeps it.
        self.state = ClusterState(parts.settings.ui.sparkline_points)
        self.watcher: Watch | AttachedWatch = Watch(parts, self.ops, state=self.state)
        self._unsubscribe: Callable[[], None] | None = None

    def _use_themes(self, cli: str | None, env: Mapping[str, str]) -> ThemeChoice:
        """Only fintui's themes (shipped and the user's own) are offered: each keeps the
        contract that every state has a word or symbol besides its colour."""
        files, self.theme_errors = load_themes()
        self.theme_files: dict[str, ThemeFile] = files
        for item in files.values():
            self.register_theme(item.theme)
        choice = choose_theme(cli, self.preferences.theme(), self.parts.settings.ui.theme,
                              env, set(files))
        if choice.name not in files:
            raise UnknownTheme(choice.name, sorted(files), self.theme_errors)
        self.theme = choice.name
        for name in list(self.available_themes):
            if name not in files:
                self.unregister_theme(name)
        # Each theme's own rules, active only while that theme is.
        for name, item in files.items():
            if item.css:
                self.stylesheet.add_source(scoped_css(name, item.css),
                                           read_from=(str(item.path.with_suffix(".tcss")), ""))
        return choice

    def get_line_filters(self) -> Sequence[LineFilter]:
        return [*super().get_line_filters(), *([self.console_glyphs]
                                               if self.console_glyphs.enabled else [])]

    def watch_theme(self, old: str, new: str) -> None:
        if not self._theme_ready or old == new:
            return
        if not self.preferences.save_theme(new):
            self.notify(safe_line(self.preferences.error), title="theme not saved",
                        severity="warning", markup=False)
        self.main.query_one(ContainersPane).refresh_rows()  # cell colours come from the theme
        self.show_alerts()
        self.show_forecasts()

    def compose(self) -> ComposeResult:
        yield StatusBar(id="status")
        with TabbedContent(id="panes", initial="containers"):
            with TabPane(PANES[0][1], id="containers"):
                yield ContainersPane(self.state, group=self.parts.settings.ui.group_by_service,
                                     spark_width=10, may_act=self.ops.role == "operator",
                                     id="containers-pane",
                                     several_endpoints=len(self.parts.endpoints) > 1)
            with TabPane(PANES[1][1], id="gpus"):
                yield GpusPane(self.state, id="gpus-pane")
            with TabPane(PANES[2][1], id="volumes"):
                switch = self.keymap.get("volumes.endpoint", "e").split(",")[0]
                yield VolumesPane(self.state, self.parts.settings.cleanup,
                                  may_act=self.ops.role == "operator", id="volumes-pane",
                                  endpoints=tuple(e.name for e in self.parts.endpoints),
                                  endpoint_key=self.get_key_display(Binding(switch, "")))
            with TabPane(PANES[3][1], id="alerts"):
                isolate = self.keymap.get("alerts.isolate", "i").split(",")[0]
                yield AlertsPane(isolate_key=self.get_key_display(Binding(isolate, "")),
                                 id="alerts-pane")
            with TabPane(PANES[4][1], id="forecasts"):
                yield ForecastsPane(id="forecasts-pane")
            with TabPane(PANES[5][1], id="nodes"):
                drain = self.keymap.get("nodes.drain", "d").split(",")[0]
                yield NodesPane(self.state, drain_key=self.get_key_display(Binding(drain, "")),
                                id="nodes-pane")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.set_interval(self.parts.settings.cleanup.disk_usage_interval, self._usage_tick)
        self._status_bar().show(None, self.ops.role != "operator", self.parts.actor)
        self.main.query_one("#containers-table").focus()
        for problem in [*self.theme_errors, self.preferences.error]:
            if problem:
                self.notify(safe_line(problem), title="theme", severity="warning",
                            markup=False, timeout=10)
        self._theme_ready = True
        self.poll()

    @property
    def main(self) -> Screen[Any]:
        """The console's own screen: panes live there even while a modal screen is on top
        (App.query_one would search the modal and miss them)."""
        return self.screen_stack[0]

    def _status_bar(self) -> StatusBar:
        return self.main.query_one("#status", StatusBar)

    @work(exclusive=True, group="poller", exit_on_error=False)
    async def poll(self) -> None:
        first = self.watcher if isinstance(self.watcher, Watch) else Watch(
            self.parts, self.ops, state=self.state)
        await supervise(self.parts, self.ops, first, self.use_watch, self._say)

    def use_watch(self, watch: Watch | AttachedWatch) -> None:
        """Show this watch from now on: the agent's, or the console's own."""
        if self._unsubscribe is not None:
            self._unsubscribe()
        self.watcher = watch
        self._unsubscribe = watch.subscribe(ConsoleListener(self))
        watch.open_history()
        self.show_alerts()
        self.show_forecasts()

    def _say(self, text: str, warning: bool) -> None:
        self.notify(safe_line(text), title="agent", severity="warning" if warning else
                    "information", markup=False, timeout=10)

    def _via(self) -> tuple[str, str] | str:
        """The header's word on the agent: attached (with its age), or pages not going out."""
        watch = self.watcher
        if isinstance(watch, AttachedWatch):
            since = watch.up_since
            age = human_duration((self.parts.clock.now() - since).total_seconds()) \
                if since else "?"
            return (f"  via agent {age}", "bold $accent")
        if self.parts.agent is not None and self.parts.settings.alerts.receivers:
            return ("  NO AGENT: no pages", "bold $warning")
        return ""

    def on_snapshot_arrived(self, message: SnapshotArrived) -> None:
        self.snapshots_seen += 1
        try:
            self._redraw()
        except NoMatches:  # a sweep that lands while the console closes: nothing to draw
            if self.is_running and not self._exit:
                raise

    def _redraw(self) -> None:
        self.main.query_one(ContainersPane).refresh_rows()
        self.show_alerts()
        active = self._active_pane()
        if active == "volumes":
            self.main.query_one(VolumesPane).refresh_view()
        elif active == "gpus":
            self.main.query_one(GpusPane).refresh_view()
        elif active == "nodes":
            self.main.query_one(NodesPane).refresh_view()

    def _active_pane(self) -> str:
        return str(self.main.query_one("#panes", TabbedContent).active)

    def show_forecasts(self) -> None:
        if not self.screen_stack:  # news that lands while the console closes
            return
        # A hidden pane is brought up to date when it is shown: redrawing it unseen would
        # still cost a layout pass and repaint the visible pane's scroll bars.
        if self._active_pane() != "forecasts":
            return
        theme = self.current_theme
        self.main.query_one(ForecastsPane).show(self.watcher.forecasts,
                                                self.watcher.forecast_status(),
                                                theme.warning or "yellow",
                                                f"bold {theme.error or 'red'}")

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """Every worker's failure becomes a message on screen, never a crash."""
        if event.state is WorkerState.ERROR and event.worker.error is not None:
            error = event.worker.error
            self.notify(safe_line(f"{event.worker.name}: {type(error).__name__}: {error}"),
                        title="internal error", severity="error", markup=False, timeout=10)
            if event.worker.group == "poller":
                self.set_timer(2.0, self.poll)  # the console must keep polling

    def shown_alerts(self) -> list[Alert]:
        return self.watcher.shown_alerts()

    def show_alerts(self) -> None:
        """The Alerts pane and the header's firing counts, from the same evaluation."""
        if not self.screen_stack:  # news that lands while the console closes
            return
        theme = self.current_theme
        snap = self.state.snapshot
        shown = self.shown_alerts()
        self._status_bar().show(snap, self.ops.role != "operator", self.parts.actor,
                                firing_counts(shown), self._via())
        if self._active_pane() != "alerts":
            return  # brought up to date when shown, as show_forecasts
        self.main.query_one(AlertsPane).show(
            shown, self.watcher.delivery_lines(), self.watcher.alert_history(),
            snap.taken_at if snap else self.parts.clock.now(),
            f"bold {theme.error or 'red'}", theme.warning or "yellow")

    @on(AlertsPane.Ack)
    def _ack(self, message: AlertsPane.Ack) -> None:
        self.ack_flow(message.alert)

    @work(group="ack", exit_on_error=False)
    async def ack_flow(self, alert: Alert) -> None:
        try:
            said = await self.watcher.ack(self.ops, alert.rule, alert.target, self.parts.actor)
        except Refused as exc:
            self.notify(safe_line(str(exc)), severity="error", markup=False)
            return
        self.notify(safe_line(said), markup=False)

    @on(AlertsPane.Silence)
    def _silence(self, message: AlertsPane.Silence) -> None:
        self.silence_flow(message.alert)

    @work(exclusive=True, group="action-flow", exit_on_error=False)
    async def silence_flow(self, alert: Alert) -> None:
        if not self.ops.may("silence").allowed:  # say no before a comment is typed in vain
            try:
                self.ops.record("silence", alert.target, {"rule": alert.rule})
            except Refused as exc:  # always, for a viewer: the refusal is audited
                self.notify(safe_line(str(exc)), severity="error", markup=False)
            return
        silence = await self.push_screen_wait(SilenceScreen(alert, self.parts.actor,
                                                            self.parts.clock.now()))
        if silence is None:
            return
        try:
            said = await self.watcher.silence(self.ops, silence)
        except Refused as exc:
            self.notify(safe_line(str(exc)), severity="error", markup=False)
            return
        self.notify(safe_line(said), markup=False)

    @on(AlertsPane.Isolate)
    def _isolate_from_alert(self, message: AlertsPane.Isolate) -> None:
        snap = self.state.snapshot
        target = next((c for c in (snap.containers if snap else ())
                       if alert_target(c) == message.alert.target), None)
        if target is None:
            self.notify(safe_line(f"{message.alert.target} is no longer there"), markup=False)
            return
        self.action_flow("isolate", target)

    def action_pane(self, pane: str) -> None:
        # Drop focus first: TabbedContent follows focus, and a table left focused in the pane
        # we leave would pull the tabs straight back to it.
        self.main.set_focus(None)
        self.main.query_one("#panes", TabbedContent).active = pane
        if pane == "containers":
            self.main.query_one("#containers-table").focus()
        elif pane == "volumes":
            self.main.query_one(VolumesPane).focus_table()
        elif pane == "alerts":
            self.main.query_one("#alerts-active").focus()
        elif pane == "forecasts":
            self.main.query_one(ForecastsPane).focus_table()
        elif pane == "nodes":
            self.main.query_one(NodesPane).focus_table()

    @on(TabbedContent.TabActivated, "#panes")
    def _pane_shown(self, event: TabbedContent.TabActivated) -> None:
        if event.pane.id == "alerts":
            self.show_alerts()
        if event.pane.id == "forecasts":
            self.show_forecasts()
        if event.pane.id == "gpus":
            self.main.query_one(GpusPane).refresh_view()
        if event.pane.id == "nodes":
            self.main.query_one(NodesPane).refresh_view()
        if event.pane.id == "volumes":
            self.main.query_one(VolumesPane).refresh_view()
            self._refresh_disk_usage_if_old()

    def _usage_tick(self) -> None:
        if self._active_pane() == "volumes":
            self.refresh_disk_usage()

    @on(VolumesPane.RefreshUsage)
    def _refresh_usage(self) -> None:
        self.refresh_disk_usage()

    @on(VolumesPane.EndpointChosen)
    def _storage_endpoint(self, message: VolumesPane.EndpointChosen) -> None:
        """Show the chosen endpoint's sizes at once if known, and read them when old."""
        pane = self.main.query_one(VolumesPane)
        self.state.disk = self.watcher.disks.get(message.endpoint)
        pane.usage_error = ""
        pane.refresh_view()
        self._refresh_disk_usage_if_old()

    def _refresh_disk_usage_if_old(self) -> None:
        disk = self.state.disk
        interval = self.parts.settings.cleanup.disk_usage_interval
        if disk is None or (self.parts.clock.now() - disk.taken_at).total_seconds() > interval:
            self.refresh_disk_usage()

    @work(exclusive=True, group="disk-usage", exit_on_error=False)
    async def refresh_disk_usage(self) -> None:
        """The shown endpoint's `/system/df`, in the background: slow on big hosts, so cached,
        with its age shown (the watch keeps it and records it in the history)."""
        pane = self.main.query_one(VolumesPane)
        pane.computing = True
        pane.refresh_view()
        try:
            errors = await self.watcher.read_disks([pane.endpoint])
            if pane.endpoint in errors:
                pane.usage_error = errors[pane.endpoint]
        finally:
            pane.computing = False
            pane.refresh_view()

    def disk_read(self, endpoint: str) -> None:
        """New sizes of an endpoint: shown when the pane shows that endpoint."""
        if not self.screen_stack:  # news that lands while the console closes
            return
        pane = self.main.query_one(VolumesPane)
        if endpoint == pane.endpoint:
            self.state.disk = self.watcher.disks[endpoint]
            pane.usage_error = ""
            pane.refresh_view()

    @on(VolumesPane.Clean)
    def _clean(self) -> None:
        self.clean_flow()

    @work(exclusive=True, group="action-flow", exit_on_error=False)
    async def clean_flow(self) -> None:
        # The endpoint whose storage the pane shows: its daemon plans and removes.
        ops = self.ops_for(self.main.query_one(VolumesPane).endpoint)
        try:
            plan = await ops.plan_clean(snapshot=self.state.snapshot, disk=self.state.disk)
        except Refused as exc:
            self.notify(safe_line(str(exc)), title="clean refused", severity="error",
                        markup=False, timeout=8)
            return
        if plan.cleanup is None or not plan.cleanup.candidates:
            self.notify("nothing to clean: every object is in use, protected or too young",
                        markup=False)
            return
        selected = await self.push_screen_wait(CleanupScreen(plan))
        if selected is None:
            self.notify("cancelled: nothing changed", markup=False)
            return
        choose_clean(plan, selected)
        await self.push_screen_wait(ProgressScreen(ops, plan))
        self.refresh_disk_usage()

    @on(VolumesPane.VolumeDetails)
    def _volume_details(self, message: VolumesPane.VolumeDetails) -> None:
        endpoint = self.main.query_one(VolumesPane).endpoint
        try:
            history = self.ops.usage.volume_history(message.volume, endpoint)
        except StateUnavailable as exc:
            self.watcher.store_failed(exc, "volume history")
            history = []  # the volume's sizes and mounts are still worth showing
        else:
            self.watcher.store_worked(self.ops.usage.path, "volume history")
        self.push_screen(VolumeScreen(message.volume, self.state, history, endpoint))

    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        """Every fintui action in the command palette, beside Textual's own."""
        yield from super().get_system_commands(screen)
        for pane, title in PANES:
            yield SystemCommand(f"Show {title.split(' ', 1)[1]}", f"Switch to the {title} pane",
                                partial(self.action_pane, pane))
        # Every pane action, from the panes' own bindings: a new binding gets its entry too.
        for pane, (title, cls) in PALETTE_PANES.items():
            for binding in cls.BINDINGS:
                if isinstance(binding, Binding) and binding.id not in PALETTE_SKIP:
                    key = self.keymap.get(str(binding.id), binding.key).split(",")[0]
                    yield SystemCommand(
                        f"{title}: {binding.description}",
                        f"{self.get_key_display(Binding(key, ''))} in the {title} pane",
                        partial(self._palette_action, pane, cls, binding.action))
        containers = self.main.query_one(ContainersPane)
        for col in COLUMNS:
            if col.key in containers.sortable:
                yield SystemCommand(f"Containers: sort by {col.title}",
                                    "Sort the Containers pane", partial(containers.sort_by,
                                                                        col.key))
        yield SystemCommand("Keys", "Every key that works here (?)", self.action_help)

    def _palette_action(self, pane: str, cls: type[Widget], action: str) -> None:
        """Run a pane's action as its key would, on that pane's selected row. Dispatched
        directly: a viewer's greyed-out action still reaches the guard, which refuses it."""
        self.action_pane(pane)
        _, name, params = parse_action(action)
        self.call_after_refresh(getattr(self.main.query_one(cls), f"action_{name}"), *params)

    def action_help(self) -> None:
        key_display = {key: self.get_key_display(item.binding)
                       for key, item in self.screen.active_bindings.items()}
        self.push_screen(HelpScreen(binding_rows(self.screen.active_bindings, key_display)))

    def ops_for(self, endpoint: str) -> Operations:
        """The operations layer over the endpoint a row came from."""
        return self._endpoint_ops.get(endpoint, self.ops)

    @on(ContainersPane.OpenDetails)
    def _open_details(self, message: ContainersPane.OpenDetails) -> None:
        self.push_screen(DetailsScreen(self.parts.source, message.container))

    @on(ContainersPane.Act)
    def _act(self, message: ContainersPane.Act) -> None:
        self.action_flow(message.action, message.container)

    @work(exclusive=True, group="action-flow", exit_on_error=False)
    async def action_flow(self, action: str, container: Container) -> None:
        """Ask → plan (the guard speaks here) → confirm → run with progress → refresh."""
        ops = self.ops_for(container.endpoint)
        try:
            if action == "scale":
                target, current = scale_target(container, self.state)
                if not ops.may("scale").allowed:  # refuse (and audit) before asking
                    await ops.plan_scale(target, current)
                replicas = await self.push_screen_wait(ScaleScreen(target, current))
                if replicas is None:
                    return
                plan = await ops.plan_scale(target, replicas)
            elif action == "isolate":
                plan = await ops.plan_isolate(container.id)
            else:
                plan = await ops.plan_release(container.id)
        except Refused as exc:
            self.notify(safe_line(str(exc)), title=f"{action} refused", severity="error",
                        markup=False, timeout=8)
            return
        await self._confirm_and_run(plan, ops)

    async def _confirm_and_run(self, plan: Plan, ops: Operations) -> None:
        """Confirm (twice where the plan says so) → run with progress → refresh at once."""
        if not await self.push_screen_wait(ConfirmScreen(plan)):
            self.notify("cancelled: nothing changed", markup=False)
            return
        await self.push_screen_wait(ProgressScreen(ops, plan))
        self.watcher.wake()

    @on(NodesPane.Availability)
    def _node_availability(self, message: NodesPane.Availability) -> None:
        self.node_flow(message.node.hostname, message.availability, message.node.endpoint)

    @work(exclusive=True, group="action-flow", exit_on_error=False)
    async def node_flow(self, node: str, availability: str, endpoint: str = "") -> None:
        """Plan (the guard speaks here) → confirm → run with progress → refresh."""
        ops = self.ops_for(endpoint)
        try:
            plan = await ops.plan_node(node, availability)
        except Refused as exc:
            self.notify(safe_line(str(exc)), title="drain refused", severity="error",
                        markup=False, timeout=8)
            return
        await self._confirm_and_run(plan, ops)

    @on(ContainersPane.OpenLogs)
    def _open_logs(self, message: ContainersPane.OpenLogs) -> None:
        self.push_screen(LogScreen(self.parts.source, message.container,
                                   self.parts.settings.ui.log_tail_lines))


class ConsoleListener:
    """The console's ear on its watch: each piece of news redraws what it concerns."""

    def __init__(self, app: FintuiApp) -> None:
        self.app = app

    def snapshot(self, snap: ClusterSnapshot) -> None:
        # A message, not a call: the screen redraws between sweeps, never inside one.
        self.app.post_message(SnapshotArrived(snap))

    def alerts_changed(self) -> None:
        self.app.call_next(self.app.show_alerts)

    def forecasts_changed(self) -> None:
        self.app.show_forecasts()

    def disk_changed(self, endpoint: str) -> None:
        self.app.disk_read(endpoint)

    def notice(self, text: str, title: str, error: bool) -> None:
        # One line a file: each made safe on its own, the breaks between them kept.
        lines = "\n".join(safe_line(line) for line in text.split("\n"))
        self.app.notify(lines, title=title, severity="error" if error else "information",
                        markup=False, timeout=15 if error else 5)


def scale_target(container: Container, state: ClusterState) -> tuple[str, int]:
    """What `s` scales for a row: its compose project/service or Swarm service, and how many
    are running now. A standalone container is passed as it is; the guard refuses it."""
    if not container.service:
        return container.name, 1
    target = container.group
    snap = state.snapshot
    members = [c for c in (snap.containers if snap else ()) if c.group == target
               and c.endpoint == container.endpoint and c.state == "running"
               and c.id not in state.isolated]
    return target, len(members)


def run_app(parts: Parts, theme: str | None = None, **run_options: Any) -> int:
    app = FintuiApp(parts, theme=theme)
    # A sweep of hundreds of containers allocates tens of thousands of objects, nearly all
    # freed by reference counting; at the default threshold (700) the cycle collector still
    # ran ten times a sweep over everything imported (a sixth of a sweep's CPU). What exists
    # now lives as long as the process: leave it out of collections.
    gc.freeze()
    gc.set_threshold(GC_THRESHOLD, *gc.get_threshold()[1:])
    app.run(**run_options)
    return app.return_code or 0
