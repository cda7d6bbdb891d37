"""Turns sources into a steady flow of snapshots: sweeps on a timer and on events, keeps the
last good data through an outage (marked stale), and reconnects with backoff."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from dataclasses import replace
from typing import TYPE_CHECKING

from fintui.clock import Clock
from fintui.core.backoff import retry_delay
from fintui.core.gpu_join import attach_containers
from fintui.core.stats import with_io_rates
from fintui.model import ClusterSnapshot, HostStats, SourceStatus
from fintui.sources.base import ClusterSource, GpuSource, HostSource, SourceUnavailable

if TYPE_CHECKING:
    from fintui.wiring import Parts

# Events can arrive in bursts (a compose up); never sweep more often than this.
MIN_SWEEP_GAP = 0.5


class Poller:
    def __init__(self, source: ClusterSource, host: HostSource, clock: Clock,
                 interval: float, max_backoff: float, local_host: bool = True,
                 gpu: GpuSource | None = None) -> None:
        self.source = source
        self.host = host
        self.gpu = gpu
        self.clock = clock
        self.interval = interval
        self.max_backoff = max_backoff
        self.local_host = local_host  # only then is the daemon's data root on our disks
        self.failures = 0
        self.last_good: ClusterSnapshot | None = None
        self._wake = asyncio.Event()
        self._answering = asyncio.Event()  # set by each sweep that gets through

    def wake(self) -> None:
        """Sweep now rather than at the next tick (after an action, or an event)."""
        self._wake.set()

    async def sweep_once(self) -> ClusterSnapshot:
        """One sweep that never raises: a lost daemon gives a disconnected snapshot."""
        try:
            # Network and block I/O as rates since the last good sweep (as CPU% is).
            snapshot = with_io_rates(self.last_good, await self.source.sweep())
            self._answering.set()  # a lost events stream may come back now, not at backoff
            self.failures = 0
            self.last_good = snapshot
        except SourceUnavailable as exc:
            self.failures += 1
            last = self.last_good
            snapshot = ClusterSnapshot(
                taken_at=last.taken_at if last else self.clock.now(),
                source=SourceStatus(endpoint=self.source.endpoint, connected=False,
                                    error=str(exc)),
                containers=last.containers if last else (),
                services=last.services if last else (),
                stale=last is not None,
            )
        data_root = snapshot.source.data_root if self.local_host else ""
        # Bind-mount sources are paths on the daemon's host: only ours when it is local.
        binds = tuple(sorted({m.source for c in snapshot.containers for m in c.mounts
                              if m.type == "bind" and m.source})) if self.local_host else ()
        try:
            host = await self.host.sample(data_root, binds)
        except Exception as exc:  # host metrics must never take the console down
            host = HostStats(hostname="?", cpu_percent=0.0, cpu_count=0, mem_used_bytes=0,
                             mem_total_bytes=0, load=(0.0, 0.0, 0.0), error=str(exc))
        snapshot = replace(snapshot, host=host)
        if self.gpu is not None:
            try:
                reading = await self.gpu.sample()
            except Exception as exc:  # GPU trouble must never take the containers with it
                return replace(snapshot, gpu_error=f"GPU sampling failed: {exc}")
            gpus = attach_containers(reading.gpus, dict(reading.pid_containers),
                                     snapshot.containers)
            snapshot = replace(snapshot, gpus=gpus, gpu_error=reading.error)
        return snapshot

    def next_delay(self) -> float:
        if not self.failures:
            return self.interval
        return retry_delay(self.failures, self.max_backoff)

    async def run(self, publish: Callable[[ClusterSnapshot], None]) -> None:
        """Sweep forever, handing each snapshot to `publish`. Cancel to stop."""
        events = asyncio.create_task(self._follow_events())
        loop = asyncio.get_running_loop()
        try:
            while True:
                # Cleared before the sweep, not after the gap: an event that comes during
                # either is news the sweep may have missed, and must bring the next one.
                self._wake.clear()
                started = loop.time()
                publish(await self.sweep_once())
                await asyncio.sleep(MIN_SWEEP_GAP)
                # The interval runs from a sweep's start, so 500 containers that take 0.1 s
                # still refresh every second; a backoff runs from the failure's end.
                spent = loop.time() - started if not self.failures else MIN_SWEEP_GAP
                await wait_event(self._wake, max(self.next_delay() - spent, 0))
        finally:
            events.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await events

    async def _follow_events(self) -> None:
        """Wake a sweep on every container event. When the stream ends (it can end without
        an error when the daemon dies) sweep at once, so the outage shows, and resubscribe:
        after a backoff, or as soon as a sweep gets through again (the stream resumes from
        its last event, and until it does every sweep relists)."""
        backoff = 0.5
        while True:
            self._answering.clear()
            try:
                async for _event in self.source.events():
                    backoff = 0.5
                    self._wake.set()
            except SourceUnavailable:
                pass
            self._wake.set()
            await wait_event(self._answering, backoff)
            backoff = min(backoff * 2, self.max_backoff)


async def wait_event(event: asyncio.Event, seconds: float) -> None:
    """Until `event` is set or `seconds` pass. Not asyncio.wait_for: on Python 3.11 a cancel
    that lands as the event is set is lost there, and a cancelled poller (an agent asked to
    stop just as an act woke it) would sweep on for ever."""
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(seconds):
            await event.wait()


def make_poller(parts: Parts) -> Poller:
    """The poller of the parts' sources, at the configured interval and backoff."""
    return Poller(parts.source, parts.host, parts.clock, parts.settings.ui.refresh_interval,
                  parts.settings.docker.reconnect_max_backoff, parts.local_host, parts.gpu)
