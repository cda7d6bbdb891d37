"""The fintui console: a shell of the declared panes over one watch. No Docker or NVML code here."""

from __future__ import annotations

import gc
import os
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, cast

from textual import on, work
from textual.app import ComposeResult, SystemCommand
from textual.binding import Binding
from textual.css.query import NoMatches
from textual.filter import LineFilter
from textual.screen import Screen
from textual.theme import ThemeProvider
from textual.widgets import Footer, TabbedContent, TabPane
from textual.worker import Worker, WorkerState

from fintui.agent.attached import AttachedWatch
from fintui.agent.supervise import supervise
from fintui.core.alerts import Alert, firing_counts
from fintui.core.console_glyphs import wants_console_glyphs
from fintui.core.endpoint_view import next_view
from fintui.core.format import human_duration
from fintui.core.theme_choice import ThemeChoice, choose_theme, scoped_css
from fintui.tui.colourless import COLOURLESS, is_colourless
from fintui.tui.console_filter import ConsoleGlyphs
from fintui.tui.console_listener import ConsoleListener
from fintui.tui.keys import console_keymap
from fintui.tui.messages import SnapshotArrived
from fintui.tui.palette import FintuiPalette, open_palette, palette_commands
from fintui.tui.pane_spec import News, Pane, PaneSpec
from fintui.tui.panes.alerts import AlertsPane
from fintui.tui.panes.containers import ContainersPane
from fintui.tui.panes.nodes import NodesPane
from fintui.tui.panes.registry import PANE_BY_ID, PANES
from fintui.tui.panes.volumes import VolumesPane
from fintui.tui.preferences import Preferences
from fintui.tui.screens.details import DetailsScreen
from fintui.tui.screens.help import HelpScreen, binding_rows
from fintui.tui.screens.logs import LogScreen
from fintui.tui.storage_flows import StorageFlows
from fintui.tui.theme_loader import ThemeFile, load_themes, stylesheet_path
from fintui.tui.widgets.safe import safe_line
from fintui.tui.widgets.status_bar import StatusBar
from fintui.watch.state import ClusterState
from fintui.watch.watch import Watch

if TYPE_CHECKING:
    from fintui.wiring import Parts

GC_THRESHOLD = 10_000  # allocations between young-generation collections (default 700)


class UnknownTheme(Exception):
    def __init__(self, name: str, available: list[str], broken: list[str]) -> None:
        lines = [f"unknown theme {name!r}; available: {', '.join(available)}"]
        lines += [f"  unusable theme file: {line}" for line in broken]
        super().__init__("\n".join(lines))


class FintuiApp(StorageFlows):
    TITLE = "fintui"
    CSS_PATH = str(stylesheet_path())
    # Below 86 columns the tabs sit closer (fintui.tcss): all eight fit in 80, none cut.
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (86, "-wide")]
    BINDINGS = [
        Binding("q", "quit", "Quit", id="app.quit"),
        Binding("question_mark", "help", "Help", id="app.help"),
        # With several endpoints: all of them, or one (every pane; storage is one at a time).
        Binding("e", "next_endpoint", "Next endpoint", id="app.endpoint"),
        *(spec.app_binding() for spec in PANES),
    ]

    def __init__(self, parts: Parts, theme: str | None = None,
                 env: Mapping[str, str] | None = None) -> None:
        super().__init__()
        self.parts = parts
        self.snapshots_seen = 0
        self.closing = False  # exit was asked for: a late sweep finds panes gone
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
        self.endpoint_view = ""  # "" shows every endpoint

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
        return [*super().get_line_filters(), *([COLOURLESS] if is_colourless(self) else []),
                *([self.console_glyphs] if self.console_glyphs.enabled else [])]

    def watch_theme(self, old: str, new: str) -> None:
        if not self._theme_ready or old == new:
            return
        if not self.preferences.save_theme(new):
            self.notify(safe_line(self.preferences.error), title="theme not saved",
                        severity="warning", markup=False)
        self.show_status()
        self.refresh_panes("theme")  # cell colours come from the theme

    def bound_key(self, binding_id: str, default: str) -> str:
        """How the (first) key of a binding is shown, as [keys] set it: hints name it."""
        key = self.keymap.get(binding_id, default).split(",")[0]
        return self.get_key_display(Binding(key, ""))

    def compose(self) -> ComposeResult:
        yield StatusBar(id="status")
        with TabbedContent(id="panes", initial=PANES[0].id):
            for spec in PANES:
                with TabPane(spec.tab_title, id=spec.id):
                    yield spec.build(self, spec.widget_id)
        yield Footer(compact=True)

    def pane(self, spec: PaneSpec) -> Pane:
        return cast(Pane, self.main.query_one(f"#{spec.widget_id}", spec.widget))

    def refresh_panes(self, news: News, only: str | None = None) -> None:
        """Redraw the panes this news concerns: the one shown, and those redrawn unseen."""
        if not self.screen_stack:  # news that lands while the console closes
            return
        # A hidden pane is brought up to date when it is shown: redrawing it unseen would
        # still cost a layout pass and repaint the visible pane's scroll bars.
        active = self.active_pane()
        for spec in PANES:
            if news in spec.refreshed_by and only in (None, spec.id) and (
                    spec.hidden_too or spec.id == active):
                spec.refresh(self, news)

    def on_mount(self) -> None:
        self.set_interval(self.parts.settings.cleanup.disk_usage_interval, self.usage_tick)
        self._status_bar().show(None, self.role != "operator", self.parts.actor)
        self.pane(PANES[0]).focus_table()
        for problem in [*self.theme_errors, self.preferences.error]:
            if problem:
                self.notify(safe_line(problem), title="theme", severity="warning",
                            markup=False, timeout=10)
        self._theme_ready = True
        self.poll()

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
        self.agent_role = None  # until the agent says what this account may do
        if isinstance(watch, AttachedWatch):
            self.ask_role(watch)
        self.role_changed()
        self.show_alerts()
        self.show_forecasts()

    def role_changed(self) -> None:
        may_act = self.role == "operator"
        self.main.query_one(ContainersPane).may_act = may_act
        self.main.query_one(VolumesPane).may_act = may_act
        self.refresh_bindings()

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
            if self.is_running and not self.closing:
                raise

    def exit(self, result: int | None = None, return_code: int = 0,
             message: Any = None) -> None:
        self.closing = True
        super().exit(result, return_code, message)

    def _redraw(self) -> None:
        self.show_status()
        self.refresh_panes("snapshot")

    def active_pane(self) -> str:
        return str(self.main.query_one("#panes", TabbedContent).active)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "next_endpoint":
            return len(self.parts.endpoints) > 1  # one endpoint: no key to show
        return True

    def action_next_endpoint(self) -> None:
        names = [e.name for e in self.parts.endpoints]
        volumes = self.main.query_one(VolumesPane)
        on_storage = self.active_pane() == "volumes"
        self.endpoint_view = next_view(volumes.endpoint if on_storage else self.endpoint_view,
                                       names, with_all=not on_storage)
        self.main.query_one(ContainersPane).endpoint = self.endpoint_view
        self.main.query_one(NodesPane).endpoint = self.endpoint_view
        if self.endpoint_view and self.endpoint_view != volumes.endpoint:
            volumes.endpoint = self.endpoint_view
            self.show_endpoint_storage(self.endpoint_view)
        self.notify(f"showing endpoint {self.endpoint_view} only" if self.endpoint_view
                    else "showing every endpoint", markup=False, timeout=3)
        self.refresh_panes("snapshot")

    def show_forecasts(self) -> None:
        self.refresh_panes("forecasts")

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
        """The header's firing counts and the Alerts pane."""
        self.show_status()
        self.refresh_panes("alerts")

    def show_status(self) -> None:
        if not self.screen_stack:  # news that lands while the console closes
            return
        self._status_bar().show(self.state.snapshot, self.role != "operator",
                                self.parts.actor, firing_counts(self.shown_alerts()),
                                self._via())

    @on(AlertsPane.Ack)
    def _ack(self, message: AlertsPane.Ack) -> None:
        self.ack_flow(message.alert)

    @on(AlertsPane.Silence)
    def _silence(self, message: AlertsPane.Silence) -> None:
        self.silence_flow(message.alert)

    @on(AlertsPane.Isolate)
    def _isolate_from_alert(self, message: AlertsPane.Isolate) -> None:
        self.isolate_alert_target(message.alert)

    def action_pane(self, pane: str) -> None:
        # Drop focus first: TabbedContent follows focus, and a table left focused in the pane
        # we leave would pull the tabs straight back to it.
        self.main.set_focus(None)
        self.main.query_one("#panes", TabbedContent).active = pane
        self.pane(PANE_BY_ID[pane]).focus_table()

    @on(TabbedContent.TabActivated, "#panes")
    def _pane_shown(self, event: TabbedContent.TabActivated) -> None:
        self.refresh_panes("shown", only=event.pane.id)

    @on(VolumesPane.RefreshUsage)
    def _refresh_usage(self) -> None:
        self.refresh_disk_usage()

    @on(VolumesPane.Clean)
    def _clean(self) -> None:
        self.clean_flow()

    @on(VolumesPane.VolumeDetails)
    def _volume_details(self, message: VolumesPane.VolumeDetails) -> None:
        self.volume_details(message.volume)

    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        """Every fintui action in the command palette, beside Textual's own."""
        yield from super().get_system_commands(screen)
        yield from palette_commands(self)
        yield SystemCommand("Keys", "Every key that works here (?)", self.action_help)

    # Textual's palettes, each with a plain glyph for its emoji search icon.
    def action_command_palette(self) -> None:
        open_palette(self)

    def search_themes(self) -> None:
        self.push_screen(FintuiPalette(providers=[ThemeProvider],
                                       placeholder="Search for themes…"))

    def action_help(self) -> None:
        key_display = {key: self.get_key_display(item.binding)
                       for key, item in self.screen.active_bindings.items()}
        self.push_screen(HelpScreen(binding_rows(self.screen.active_bindings, key_display)))

    @on(ContainersPane.OpenDetails)
    def _open_details(self, message: ContainersPane.OpenDetails) -> None:
        self.push_screen(DetailsScreen(self.watcher, message.container))

    @on(ContainersPane.Act)
    def _act(self, message: ContainersPane.Act) -> None:
        if message.action == "shell":  # its own worker: no later key may cancel it
            self.shell_worker(message.container)
        else:
            self.action_flow(message.action, message.container)

    @on(NodesPane.Availability)
    def _node_availability(self, message: NodesPane.Availability) -> None:
        self.node_flow(message.node.hostname, message.availability, message.node.endpoint)

    @on(ContainersPane.OpenLogs)
    def _open_logs(self, message: ContainersPane.OpenLogs) -> None:
        self.push_screen(LogScreen(self.watcher, message.container,
                                   self.parts.settings.ui.log_tail_lines))


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
