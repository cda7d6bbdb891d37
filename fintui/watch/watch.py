"""The watch: one headless owner of everything that must happen whether or not anyone looks.

It polls, keeps the cluster state, evaluates alerts (with the restart window), delivers
webhooks, samples the metric history, computes forecasts, records what storage is in use and
reads disk usage, and tells its subscribers. A console is one subscriber; `fintui agent`
runs a watch with nobody subscribed but its socket. No Textual here."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Coroutine, Iterable, Sequence
from dataclasses import replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from fintui.core.alerts import (
    Alert,
    AlertEngine,
    RestartWindow,
    Silence,
    observe,
    one_look,
    rules_from,
    split_down_endpoints,
)
from fintui.core.policy_rows import ApprovalRow, PolicyRow
from fintui.core.usage_samples import from_disk_reading, from_snapshot
from fintui.core.webhook_outbox import DeliveryLine
from fintui.model import ClusterSnapshot, Container, DiskUsage, UsageSample
from fintui.notify.webhook import WebhookSender
from fintui.poller import make_poller
from fintui.store.alert_state import AlertStateFile
from fintui.store.db import StateUnavailable
from fintui.store.history import HistoryStore
from fintui.store.paged import PagedFile
from fintui.watch.auto_isolate import AutoIsolator
from fintui.watch.forecasting import TargetForecast, forecast_all, forecast_rules
from fintui.watch.listener import WatchListener, read_disks
from fintui.watch.policies import PolicyRunner
from fintui.watch.reads import SourceReads
from fintui.watch.state import ClusterState
from fintui.watch.store_notices import StoreNotices

if TYPE_CHECKING:
    from fintui.ops.operations import Operations
    from fintui.poller import Poller
    from fintui.wiring import EndpointParts, Parts

log = logging.getLogger("fintui.watch")

USAGE_RECORD_EVERY = 30.0  # seconds between notes of which volumes and images are in use


class Watch(StoreNotices, SourceReads):
    def __init__(self, parts: Parts, ops: Operations, deliver: bool = True,
                 state: ClusterState | None = None) -> None:
        super().__init__()
        self.parts = parts
        self.ops = ops  # the first endpoint's: isolation marks and storage use are its stores
        # A console hands its own: the panes keep reading it when one watch replaces another.
        self.state = state or ClusterState(parts.settings.ui.sparkline_points)
        self.deliver = deliver
        self.started_at = parts.clock.now()
        self.sweeps = 0
        self.poller: Poller | None = None
        self.listeners: list[WatchListener] = []
        alerts = parts.settings.alerts
        self.alert_rules = rules_from(alerts)
        self.alert_engine = AlertEngine(alerts.resolve_after)
        self.restarts = RestartWindow(timedelta(seconds=alerts.restart_window))
        self.alert_state = AlertStateFile(alerts.state_file)
        # Only a watch that delivers pages; one that does not says so where it shows alerts.
        self.webhooks = WebhookSender(alerts.receivers, alerts.webhook_timeout,
                                      on_change=self._alerts_changed) \
            if deliver and alerts.receivers else None
        # What this watch has paged as firing survives its restart (a paging watch only).
        self.paged = PagedFile(parts.settings.paths.state_dir / "paged.json") \
            if self.webhooks is not None else None
        self._seeded = False  # the first sweep seeds the restart window from one look
        self.forecasts: list[TargetForecast] = []
        self.forecast_rounds = 0  # finished forecast computations (tests wait on it)
        self.history: HistoryStore | None = None
        self.history_error = ""
        self.disks: dict[str, DiskUsage] = {}  # each endpoint's latest sizes, by name
        self._tasks: set[asyncio.Task[Any]] = set()
        self._busy: set[str] = set()  # kinds of background work running now
        self._usage_recorded_at = 0.0
        self._history_disk_at = time.monotonic()  # the first reading waits one interval
        self._forecast_at = -float("inf")
        self._sampled_at = -float("inf")
        # Policies act only in a watch that pages (the agent, or a console with no agent).
        self.policies = PolicyRunner(self)
        self.isolator = AutoIsolator(self)

    def subscribe(self, listener: WatchListener) -> Callable[[], None]:
        self.listeners.append(listener)
        return lambda: self.listeners.remove(listener) if listener in self.listeners else None

    # -- running -------------------------------------------------------------------------

    def open_history(self) -> None:
        if self.paged is not None:  # ongoing incidents stay firing: not paged again
            self.alert_engine.active.update({a.key: a for a in self.paged.load()})
        try:
            self.history = self.parts.open_history()
        except StateUnavailable as exc:
            self.history_error = str(exc)
        if self.history is None:
            self._forecasts_ready([])
        if self.alert_state.fault is not None:
            self.store_failed(self.alert_state.fault, "alerts")

    async def run(self, close: bool = True) -> None:
        """Poll until cancelled; then stop the background work and (unless the sources
        outlive this watch: a console that attaches to an agent later) close the sources."""
        self.poller = make_poller(self.parts)
        # What the state shows already (the agent's, before it went) stays, marked stale,
        # while this watch cannot reach the daemon: an account without Docker access keeps
        # its last view instead of an empty table.
        self.poller.last_good = self.state.snapshot
        try:
            await self.poller.run(self.arrived)
        finally:
            for task in list(self._tasks):
                task.cancel()
            # An agent started later (a console attaches to it) runs the policies from now.
            self.policies.lock.release()
            if close:
                await self.parts.source.close()
                if self.parts.gpu is not None:
                    await self.parts.gpu.close()  # NVML: initialised once, shut down at exit

    def wake(self) -> None:
        """Sweep now (after an act): the change shows at once."""
        if self.poller is not None:
            self.poller.wake()

    def spawn(self, kind: str, work: Coroutine[Any, Any, None], single: bool = False) -> None:
        """Background work on the watch's loop; `single` work of a kind never overlaps (a
        locked file must not gather threads waiting on it). A failure is said, never raised."""
        if single and kind in self._busy:
            work.close()
            return
        self._busy.add(kind)
        task = asyncio.get_running_loop().create_task(work, name=f"watch-{kind}")
        self._tasks.add(task)
        task.add_done_callback(lambda t: self._finished(kind, t))

    def _finished(self, kind: str, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        if not any(t.get_name() == task.get_name() for t in self._tasks):
            self._busy.discard(kind)
        if not task.cancelled() and task.exception() is not None:
            error = task.exception()
            log.error("%s: %s: %s", kind, type(error).__name__, error)
            self._notice(f"{kind}: {type(error).__name__}: {error}", "internal error", True)

    def arrived(self, snap: ClusterSnapshot) -> None:
        """One sweep: alerts, history, state, marks, usage; then every subscriber."""
        self.sweeps += 1
        self.evaluate_alerts(snap)
        self._record_history(snap)
        self.state.update(snap)
        try:
            self.state.isolated = self.ops.isolations.active_ids()
        except StateUnavailable as exc:
            self.store_failed(exc, "isolations")  # the marks last read stay
        else:
            self.store_worked(self.ops.isolations.path, "isolations")
        self._check_alert_state()
        self.policies.sweep(snap)
        if snap.source.connected and (
                time.monotonic() - self._usage_recorded_at > USAGE_RECORD_EVERY):
            # "Last used" for volume and image TTLs: what fintui saw in use, and when.
            self._usage_recorded_at = time.monotonic()
            self.spawn("usage", self._record_usage(snap.containers, snap.taken_at), single=True)
        for listener in list(self.listeners):
            listener.snapshot(snap)

    # -- alerts --------------------------------------------------------------------------

    def evaluate_alerts(self, snap: ClusterSnapshot) -> None:
        """One evaluation of every rule over the snapshot and the latest forecasts. Stale data
        never fires or resolves an alert."""
        if not snap.source.connected or (snap.stale and not snap.endpoints):
            return
        snap, unseen, held = split_down_endpoints(snap)
        if not self._seeded:  # a crash loop under way shows now, not after three restarts
            self._seeded = True
            self.restarts = one_look(snap.containers, snap.taken_at, self.restarts.window)
        self.restarts.note(snap.containers, snap.taken_at, held=unseen)
        changed = self.alert_engine.evaluate(
            observe(self.alert_rules, snap, self.restarts,
                    [t.forecast for t in self.forecasts]), snap.taken_at, held=held)
        if changed:
            self._alerts_changed()
            self.isolator.alerts_changed(changed, snap)
        if changed and self.webhooks is not None:
            silences = self.alert_state.silences
            marked = [replace(a, silenced_by=next((s.comment for s in silences
                                                   if s.matches(a, snap.taken_at)), ""))
                      for a in changed]
            # Queued here and sent beside the sweep (a slow receiver never blocks it) by one
            # task that retries until delivered and is cancelled when the watch stops.
            self.webhooks.add(marked)
            self.spawn("webhooks", self.webhooks.run(), single=True)
            if self.paged is not None:
                self.paged.save(self.alert_engine.active.values())

    def policy_rows(self) -> list[PolicyRow]:
        """Each policy's state (the Policies pane, `fintui policies`)."""
        return [*self.policies.rows(), *self.isolator.rows()]

    def approval_rows(self) -> list[ApprovalRow]:
        """Requests waiting for a second operator, and those decided lately."""
        return self.ops.approval_rows()

    def alert_history(self) -> list[Alert]:
        return list(self.alert_engine.history)

    def delivery_lines(self) -> list[DeliveryLine]:
        return self.webhooks.lines() if self.webhooks else []

    def forecast_status(self) -> str:
        """The Forecasts pane's line: where the series come from, or why there are none."""
        forecasts, history, error = self.forecasts, self.history, self.history_error
        if history is None or (error and not forecasts):
            return f"No metric history: {error}"
        if error:
            return f"{len(forecasts)} series as last computed · {error} · retrying"
        if not forecasts:
            return (f"No history yet in {history.path}: samples are recorded at every "
                    "refresh (and by `fintui agent`).")
        urgent = sum(1 for t in forecasts if t.forecast.severity)
        return (f"{len(forecasts)} series from {history.path} · {urgent} need attention · "
                f"horizon {self.parts.settings.forecast.horizon_days:g} days")

    def shown_alerts(self) -> list[Alert]:
        snap = self.state.snapshot
        now = snap.taken_at if snap else self.parts.clock.now()
        return self.alert_engine.shown(self.alert_state.silences, self.alert_state.acks, now)

    def _alerts_changed(self) -> None:
        for listener in list(self.listeners):
            listener.alerts_changed()

    async def ack(self, ops: Operations, rule: str, target: str, actor: str) -> str:
        """Audit, then keep, an ack; the message to show. Refused (raised) for a viewer."""
        ops.record("ack", target, {"rule": rule})
        saved = self._save_alert_state(lambda: self.alert_state.ack(
            rule, target, actor, self.parts.clock.now()))
        self._alerts_changed()
        return f"acknowledged {rule} on {target}{saved}"

    async def silence(self, ops: Operations, silence: Silence) -> str:
        """Audit, then keep, a silence; the message to show. Refused (raised) for a viewer."""
        ops.record("silence", silence.target, {
            "rule": silence.rule, "until": silence.until.isoformat(),
            "comment": silence.comment})
        saved = self._save_alert_state(lambda: self.alert_state.silence(
            silence, self.parts.clock.now()))
        self._alerts_changed()
        return (f"silenced {silence.rule} on {silence.target} until "
                f"{silence.until:%Y-%m-%d %H:%M} UTC{saved}")

    def _save_alert_state(self, change: Callable[[], None]) -> str:
        """"" when saved, else words saying it holds only here (the fault is said once)."""
        try:
            change()
        except StateUnavailable as exc:
            self.store_failed(exc, "alerts")
            return " (not saved yet: held until the file works)"
        self.store_worked(self.alert_state.path, "alerts")
        return ""

    def _check_alert_state(self) -> None:
        """Each sweep: the alert state re-read when it changed on disk (one stat) and what is
        held here written once it can be; a fault said once, and its end."""
        held = self.alert_state.held
        try:
            self.alert_state.check(self.parts.clock.now())
        except StateUnavailable as exc:
            self.store_failed(exc, "alerts")
        else:
            self.store_worked(self.alert_state.path, "alerts",
                              "; held acks and silences saved" if held else "")

    # -- history, forecasts, storage -----------------------------------------------------

    async def _record_usage(self, containers: Sequence[Container], at: datetime) -> None:
        """Off the event loop: a write waits for another process's lock (seconds)."""
        try:
            await asyncio.to_thread(self.ops.usage.record, containers, at)
        except StateUnavailable as exc:
            self.store_failed(exc, "usage")
        else:
            self.store_worked(self.ops.usage.path, "usage")

    def _record_history(self, snap: ClusterSnapshot) -> None:
        """A raw sample every history.sample_interval, forecasts every forecast.interval,
        storage sizes every history.disk_interval; SQLite work runs off the event loop."""
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
        if snap.source.connected and now - self._history_disk_at > \
                self.parts.settings.history.disk_interval:
            self._history_disk_at = now
            # Volume, image and cache sizes for their history, of every endpoint.
            self.spawn("disk-usage", self._read_all_disks(), single=True)

    async def _read_all_disks(self) -> None:
        await self.read_disks([e.name for e in self.parts.storages()])

    def history_round(self, samples: list[UsageSample], at: float, forecast: bool) -> None:
        self.spawn("history", self._history_round(samples, at, forecast))

    async def _history_round(self, samples: list[UsageSample], at: float,
                             forecast: bool) -> None:
        """Record, then (when due) fit every series, in that order and off the event loop,
        so a forecast always includes the sample that preceded it."""
        store = self.history
        if store is None:
            return

        def work() -> list[TargetForecast] | None:
            if samples:
                store.record(samples, at)
            return forecast_all(store, forecast_rules(self.parts.settings.forecast)) \
                if forecast else None

        try:
            results = await asyncio.to_thread(work)
        except StateUnavailable as exc:
            self.history_error = str(exc)  # the last forecasts stay, said to be waiting
            self.store_failed(exc, "history")
            if forecast:
                self._forecasts_ready(self.forecasts)
            return
        self.history_error = ""
        self.store_worked(store.path, "history")
        if results is not None:
            self._forecasts_ready(results)

    def _forecasts_ready(self, results: list[TargetForecast]) -> None:
        self.forecasts = results
        self.forecast_rounds += 1
        snap = self.state.snapshot
        if snap is not None:
            self.evaluate_alerts(snap)
            self._alerts_changed()
        for listener in list(self.listeners):
            listener.forecasts_changed()

    async def read_disks(self, endpoints: Iterable[str]) -> dict[str, str]:
        """`/system/df` of each named endpoint, kept, recorded in the history and told;
        returns the endpoints that failed, with why."""
        return await read_disks(self.parts, endpoints, self.disks, self.listeners,
                                self._record_disk)

    def _record_disk(self, endpoint: EndpointParts, disk: DiskUsage) -> None:
        if self.history is not None:
            self.history_round(from_disk_reading(disk, self.state.snapshot, endpoint.local,
                                                 endpoint.name),
                               self.parts.clock.now().timestamp(), False)
