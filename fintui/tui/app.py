"""The fintui console: a shell of five panes over one poller. No Docker or NVML code here."""

from __future__ import annotations

import gc
import os
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import replace
from datetime import datetime, timedelta
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from textual import on, work
from textual.actions import parse as parse_action
from textual.app import App, ComposeResult, SystemCommand
from textual.binding import Binding
from textual.filter import LineFilter
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Footer, TabbedContent, TabPane
from textual.worker import Worker, WorkerState

from fintui.core.alerts import (
    Alert,
    AlertEngine,
    RestartWindow,
    alert_target,
    firing_counts,
    observe,
    rules_from,
    split_down_endpoints,
)
from fintui.core.console_glyphs import wants_console_glyphs
from fintui.core.container_rows import COLUMNS
from fintui.core.store_faults import StoreFaults, fault_line, worked_line
from fintui.core.theme_choice import ThemeChoice, choose_theme, scoped_css
from fintui.core.usage_samples import from_disk_reading, from_snapshot
from fintui.forecasting import TargetForecast, forecast_all, forecast_rules
from fintui.model import ClusterSnapshot, Container, DiskUsage, UsageSample
from fintui.notify.webhook import WebhookSender
from fintui.ops.clean import choose as choose_clean
from fintui.ops.operations import Operations, Plan, Refused
from fintui.poller import Poller
from fintui.sources.base import SourceUnavailable
from fintui.store.alert_state import AlertStateFile
from fintui.store.db import StateUnavailable
from fintui.store.history import HistoryStore
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

if TYPE_CHECKING:
    from fintui.cli import Parts

# Panes whose bindings are offered in the command palette, and bindings that make no sense
# there (escape clears a filter the palette cannot have opened).
PALETTE_PANES: dict[str, tuple[str, type[Widget]]] = {
    "containers": ("Containers", ContainersPane), "volumes": ("Volumes", VolumesPane),
    "alerts": ("Alerts", AlertsPane), "nodes": ("Nodes", NodesPane)}
PALETTE_SKIP = {"containers.clear_filter", "volumes.clear"}

USAGE_RECORD_EVERY = 30.0  # seconds between notes of which volumes and images are in use
GC_THRESHOLD = 10_000  # allocations between young-generation collections (default 700)
# What goes without while a state file fails, said with its fault.
STORE_USES = {
    "usage": "volume and image last-use times are not recorded",
    "isolations": "isolation marks are not read",
    "volume history": "a volume's history cannot be shown",
    "history": "metric samples and forecasts wait",
    "alerts": "acks and silences made here are held in memory",
}
STORE_NOTICE_GATHER = 1.0  # seconds: faults found together (at start) share one notice

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
        self.state = ClusterState(parts.settings.ui.sparkline_points)
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
        self.poller: Poller | None = None
        self._usage_recorded_at = 0.0
        alerts = parts.settings.alerts
        self.alert_rules = rules_from(alerts)
        self.alert_engine = AlertEngine(alerts.resolve_after)
        self.restarts = RestartWindow(timedelta(seconds=alerts.restart_window))
        self.alert_state = AlertStateFile(alerts.state_file)
        # The pane redraws when a receiver's delivery state moves (sent, failed, retried).
        self.webhooks = WebhookSender(
            alerts.receivers, alerts.webhook_timeout,
            on_change=lambda: self.call_next(self._show_alerts)) if alerts.receivers else None
        self.forecasts: list[TargetForecast] = []
        self.forecast_rounds = 0  # finished forecast computations (tests wait on it)
        self.history: HistoryStore | None = None
        self.history_error = ""
        self.store_faults = StoreFaults()  # state files failing now: each said once
        self._fault_news: list[str] = []  # faults to say, gathered into one notice
        self._history_disk_at = time.monotonic()  # the first reading waits one interval
        self._forecast_at = -float("inf")
        self._disks: dict[str, DiskUsage] = {}  # each endpoint's latest sizes, by name
        self._sampled_at = -float("inf")

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
        self._show_alerts()
        self._show_forecasts()

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
        try:
            self.history = self.parts.open_history()
        except StateUnavailable as exc:
            self.history_error = str(exc)
        if self.history is None:
            self._forecasts_ready([])
        self._status_bar().show(None, self.ops.role != "operator", self.parts.actor)
        self.main.query_one("#containers-table").focus()
        for problem in [*self.theme_errors, self.preferences.error]:
            if problem:
                self.notify(safe_line(problem), title="theme", severity="warning",
                            markup=False, timeout=10)
        if self.alert_state.fault is not None:
            self._store_failed(self.alert_state.fault, "alerts")
        self._theme_ready = True
        self.poll()

    def _store_failed(self, exc: StateUnavailable, use: str) -> None:
        """Say a state file's fault once (again only for a new reason): the console goes on
        without it, and every later use tries the file again. Faults found within a moment
        of each other (several broken files at start) share one notice, one line a file,
        each led by the file's name, so that a small screen shows every one of them."""
        if self.store_faults.failed(str(exc.path), use, exc.reason):
            if not self._fault_news:
                self.set_timer(STORE_NOTICE_GATHER, self._say_store_faults)
            self._fault_news.append(safe_line(fault_line(exc.path, str(exc), STORE_USES[use])))

    def _say_store_faults(self) -> None:
        news, self._fault_news = self._fault_news, []
        if news:
            self.notify("\n".join(news), title="state files" if len(news) > 1 else "state file",
                        severity="error", markup=False, timeout=15)

    def _store_worked(self, path: Path, use: str, extra: str = "") -> None:
        if self.store_faults.worked(str(path), use):
            self._say_store_faults()  # a fault still waiting to be said comes first
            self.notify(safe_line(worked_line(path, extra)), title="state file", markup=False)

    def _check_alert_state(self) -> None:
        """Each sweep: the alert state re-read when it changed on disk (one stat) and what is
        held here written once it can be; a fault said once, and its end."""
        held = self.alert_state.held
        try:
            self.alert_state.check(self.parts.clock.now())
        except StateUnavailable as exc:
            self._store_failed(exc, "alerts")
        else:
            self._store_worked(self.alert_state.path, "alerts",
                               "; held acks and silences saved" if held else "")

    @property
    def main(self) -> Screen[Any]:
        """The console's own screen: panes live there even while a modal screen is on top
        (App.query_one would search the modal and miss them)."""
        return self.screen_stack[0]

    def _status_bar(self) -> StatusBar:
        return self.main.query_one("#status", StatusBar)

    @work(exclusive=True, group="poller", exit_on_error=False)
    async def poll(self) -> None:
        from fintui.cli import make_poller

        self.poller = make_poller(self.parts)
        try:
            await self.poller.run(self._publish)
        finally:
            await self.parts.source.close()
            if self.parts.gpu is not None:
                await self.parts.gpu.close()  # NVML: initialised once, shut down on exit

    def _publish(self, snapshot: ClusterSnapshot) -> None:
        self.post_message(SnapshotArrived(snapshot))

    def _evaluate_alerts(self, snap: ClusterSnapshot) -> None:
        """One evaluation of every rule over the snapshot and the latest forecasts. Stale data
        never fires or resolves an alert."""
        if not snap.source.connected or (snap.stale and not snap.endpoints):
            return
        snap, unseen, held = split_down_endpoints(snap)
        self.restarts.note(snap.containers, snap.taken_at, held=unseen)
        changed = self.alert_engine.evaluate(
            observe(self.alert_rules, snap, self.restarts,
                    [t.forecast for t in self.forecasts]), snap.taken_at, held=held)
        if changed and self.webhooks is not None:
            silences = self.alert_state.silences
            marked = [replace(a, silenced_by=next((s.comment for s in silences
                                                   if s.matches(a, snap.taken_at)), ""))
                      for a in changed]
            # Queued here, sent beside the screen (a slow receiver never blocks it) by one
            # worker that retries until delivered and is cancelled on exit.
            self.webhooks.add(marked)
            if not any(w.group == "webhooks" and not w.is_finished for w in self.workers):
                self.run_worker(self.webhooks.run(), group="webhooks", exit_on_error=False)

    def on_snapshot_arrived(self, message: SnapshotArrived) -> None:
        snap = message.snapshot
        self._evaluate_alerts(snap)
        self._record_history(snap)
        self.state.update(message.snapshot)
        try:
            self.state.isolated = self.ops.isolations.active_ids()
        except StateUnavailable as exc:
            self._store_failed(exc, "isolations")  # the marks last read stay
        else:
            self._store_worked(self.ops.isolations.path, "isolations")
        self._check_alert_state()
        self.snapshots_seen += 1
        if message.snapshot.source.connected and (
                time.monotonic() - self._usage_recorded_at > USAGE_RECORD_EVERY) and not any(
                w.group == "usage" and w.is_running for w in self.workers):
            # "Last used" for volume and image TTLs: what fintui saw in use, and when (one
            # write at a time: a locked file must not gather threads waiting on it).
            self._usage_recorded_at = time.monotonic()
            self.record_usage(message.snapshot.containers, message.snapshot.taken_at)
        self.main.query_one(ContainersPane).refresh_rows()
        self._show_alerts()
        active = self._active_pane()
        if active == "volumes":
            self.main.query_one(VolumesPane).refresh_view()
        elif active == "gpus":
            self.main.query_one(GpusPane).refresh_view()
        elif active == "nodes":
            self.main.query_one(NodesPane).refresh_view()

    @work(thread=True, group="usage", exit_on_error=False)
    def record_usage(self, containers: Sequence[Container], at: datetime) -> None:
        """Off the event loop: a write waits for another process's lock (seconds), and the
        screen must not wait with it."""
        try:
            self.ops.usage.record(containers, at)
        except StateUnavailable as exc:
            self.call_from_thread(self._store_failed, exc, "usage")
        else:
            self.call_from_thread(self._store_worked, self.ops.usage.path, "usage")

    def _record_history(self, snap: ClusterSnapshot) -> None:
        """A raw sample every history.sample_interval; SQLite writes run off the event
        loop."""
        if self.history is None:
            return
        now = time.monotonic()
        sample = now - self._sampled_at >= self.parts.settings.history.sample_interval
        due = now - self._forecast_at >= self.parts.settings.forecast.interval
        if sample:
            self._sampled_at = now
        if due:
            self._forecast_at = now
        if sample or due:
            self.history_round(from_snapshot(snap) if sample else [],
                               self.parts.clock.now().timestamp(), due)
        if snap.source.connected and time.monotonic() - self._history_disk_at > \
                self.parts.settings.history.disk_interval:
            self._history_disk_at = time.monotonic()
            # Volume, image and cache sizes for their history, of every endpoint.
            self.refresh_disk_usage(every_endpoint=True)

    @work(thread=True, group="history", exit_on_error=False)
    def history_round(self, samples: list[UsageSample], at: float, forecast: bool) -> None:
        """Record, then (when due) fit every series, in that order and off the event loop,
        so a forecast always includes the sample that preceded it."""
        store = self.history
        if store is None:
            return
        try:
            if samples:
                store.record(samples, at)
            results = forecast_all(store, forecast_rules(self.parts.settings.forecast)) \
                if forecast else None
        except StateUnavailable as exc:
            self.call_from_thread(self._history_failed, exc, forecast)
            return
        self.call_from_thread(self._history_worked, store.path)
        if results is not None:
            self.call_from_thread(self._forecasts_ready, results)

    def _history_worked(self, path: Path) -> None:
        self.history_error = ""
        self._store_worked(path, "history")

    def _history_failed(self, exc: StateUnavailable, forecast: bool) -> None:
        """The last forecasts stay on screen, said to be waiting for the history."""
        self.history_error = str(exc)
        self._store_failed(exc, "history")
        if forecast:
            self._forecasts_ready(self.forecasts)

    def _forecasts_ready(self, results: list[TargetForecast]) -> None:
        self.forecasts = results
        self.forecast_rounds += 1
        snap = self.state.snapshot
        if snap is not None:
            self._evaluate_alerts(snap)
            self._show_alerts()
        self._show_forecasts()

    def _active_pane(self) -> str:
        return str(self.main.query_one("#panes", TabbedContent).active)

    def _show_forecasts(self) -> None:
        # A hidden pane is brought up to date when it is shown: redrawing it unseen would
        # still cost a layout pass and repaint the visible pane's scroll bars.
        if self._active_pane() != "forecasts":
            return
        theme = self.current_theme
        if self.history is None or (self.history_error and not self.forecasts):
            status = f"No metric history: {self.history_error}"
        elif self.history_error:
            status = (f"{len(self.forecasts)} series as last computed · {self.history_error}"
                      " · retrying")
        elif not self.forecasts:
            status = (f"No history yet in {self.history.path}: samples are recorded at every "
                      "refresh (and by `fintui collect`).")
        else:
            urgent = sum(1 for t in self.forecasts if t.forecast.severity)
            status = (f"{len(self.forecasts)} series from {self.history.path} · "
                      f"{urgent} need attention · horizon "
                      f"{self.parts.settings.forecast.horizon_days:g} days")
        self.main.query_one(ForecastsPane).show(self.forecasts, status,
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
        snap = self.state.snapshot
        now = snap.taken_at if snap else self.parts.clock.now()
        return self.alert_engine.shown(self.alert_state.silences, self.alert_state.acks, now)

    def _show_alerts(self) -> None:
        """The Alerts pane and the header's firing counts, from the same evaluation."""
        theme = self.current_theme
        snap = self.state.snapshot
        shown = self.shown_alerts()
        self._status_bar().show(snap, self.ops.role != "operator", self.parts.actor,
                                firing_counts(shown))
        if self._active_pane() != "alerts":
            return  # brought up to date when shown, as _show_forecasts
        self.main.query_one(AlertsPane).show(
            shown, self.webhooks.lines() if self.webhooks else [],
            list(self.alert_engine.history), snap.taken_at if snap else self.parts.clock.now(),
            f"bold {theme.error or 'red'}", theme.warning or "yellow")

    @on(AlertsPane.Ack)
    def _ack(self, message: AlertsPane.Ack) -> None:
        alert = message.alert
        try:
            self.ops.record("ack", alert.target, {"rule": alert.rule})
        except Refused as exc:
            self.notify(safe_line(str(exc)), severity="error", markup=False)
            return
        saved = self._save_alert_state(partial(self.alert_state.ack, alert.rule, alert.target,
                                               self.parts.actor, self.parts.clock.now()))
        self.notify(safe_line(f"acknowledged {alert.rule} on {alert.target}{saved}"),
                    markup=False)
        self._show_alerts()

    def _save_alert_state(self, change: Callable[[], None]) -> str:
        """Make an ack or silence; "" when it was saved, else words saying it holds only in
        this console (the fault itself is said once, naming the file)."""
        try:
            change()
        except StateUnavailable as exc:
            self._store_failed(exc, "alerts")
            return " (not saved yet: held until the file works)"
        self._store_worked(self.alert_state.path, "alerts")
        return ""

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
            self.ops.record("silence", silence.target, {
                "rule": silence.rule, "until": silence.until.isoformat(),
                "comment": silence.comment})
        except Refused as exc:
            self.notify(safe_line(str(exc)), severity="error", markup=False)
            return
        saved = self._save_alert_state(partial(self.alert_state.silence, silence,
                                               self.parts.clock.now()))
        self.notify(safe_line(f"silenced {silence.rule} on {silence.target} until "
                              f"{silence.until:%Y-%m-%d %H:%M} UTC{saved}"), markup=False)
        self._show_alerts()

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
            self._show_alerts()
        if event.pane.id == "forecasts":
            self._show_forecasts()
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
        self.state.disk = self._disks.get(message.endpoint)
        pane.usage_error = ""
        pane.refresh_view()
        self._refresh_disk_usage_if_old()

    def _refresh_disk_usage_if_old(self) -> None:
        disk = self.state.disk
        interval = self.parts.settings.cleanup.disk_usage_interval
        if disk is None or (self.parts.clock.now() - disk.taken_at).total_seconds() > interval:
            self.refresh_disk_usage()

    @work(exclusive=True, group="disk-usage", exit_on_error=False)
    async def refresh_disk_usage(self, every_endpoint: bool = False) -> None:
        """`/system/df` in the background: slow on big hosts, so cached, with its age shown.
        The shown endpoint's, or (for the history) each endpoint's in turn."""
        pane = self.main.query_one(VolumesPane)
        storages = [e for e in self.parts.storages() if every_endpoint or e.name == pane.endpoint]
        pane.computing = True
        pane.refresh_view()
        try:
            for e in storages:
                try:
                    disk = await e.source.disk_usage()
                except SourceUnavailable as exc:
                    if e.name == pane.endpoint:
                        pane.usage_error = str(exc)
                    continue
                self._disks[e.name] = disk
                if e.name == pane.endpoint:
                    self.state.disk = disk
                    pane.usage_error = ""
                self._record_disk(disk, e.name, e.local)
        finally:
            pane.computing = False
            pane.refresh_view()

    def _record_disk(self, disk: DiskUsage, endpoint: str, local: bool) -> None:
        if self.history is None:
            return
        samples = from_disk_reading(disk, self.state.snapshot, local, endpoint)
        self.history_round(samples, self.parts.clock.now().timestamp(), False)

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
            self._store_failed(exc, "volume history")
            history = []  # the volume's sizes and mounts are still worth showing
        else:
            self._store_worked(self.ops.usage.path, "volume history")
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
        if self.poller is not None:
            self.poller.wake()

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
