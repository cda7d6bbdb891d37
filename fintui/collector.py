"""`fintui collect`: the history sampler without the console, for cron (`--once`) or a systemd
unit, so forecasts have data while nobody watches. A lost daemon is reported and retried."""

from __future__ import annotations

import asyncio
import contextlib
import signal
import sys
import time
from collections import deque
from typing import TYPE_CHECKING

from fintui.core.text_safety import one_line
from fintui.core.usage_samples import from_disk_reading, from_snapshot
from fintui.sources.base import SourceUnavailable
from fintui.store.db import StateUnavailable

# Sample rounds kept while the history database cannot be written (a day at 1 per minute).
HELD_ROUNDS = 1440

if TYPE_CHECKING:
    from fintui.model import UsageSample
    from fintui.wiring import Parts


async def collect(parts: Parts, interval: float | None, once: bool) -> int:
    from fintui.poller import make_poller, wait_event

    store = parts.open_history()
    every = interval or parts.settings.history.collect_interval
    poller = make_poller(parts)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, stop.set)
    disk_at = -float("inf")
    was_connected = True
    held: deque[tuple[float, list[UsageSample]]] = deque(maxlen=HELD_ROUNDS)
    store_fault = ""
    try:
        while not stop.is_set():
            snap = await poller.sweep_once()
            samples = from_snapshot(snap)
            connected = snap.source.connected
            if connected and time.monotonic() - disk_at >= parts.settings.history.disk_interval:
                disk_at = time.monotonic()
                # Each endpoint's storage, its series named name@endpoint when there are
                # several; one that is down is said and skipped.
                for e in parts.storages():
                    try:
                        samples += from_disk_reading(await e.source.disk_usage(), snap,
                                                     e.local, e.name)
                    except SourceUnavailable as exc:
                        _say(f"disk usage{f' of {e.name}' if e.name else ''} not read: {exc}")
            held.append((parts.clock.now().timestamp(), samples))
            try:
                await asyncio.to_thread(store.record_many, list(held))
            except StateUnavailable as exc:
                # Locked, full or damaged: said once per cause, held in memory, retried.
                if once:
                    _say(f"nothing recorded: {exc}")
                    return 1
                if exc.reason != store_fault:
                    _say(f"{exc}; holding up to {HELD_ROUNDS} rounds of samples and retrying")
                store_fault = exc.reason
            else:
                if store_fault:
                    _say(f"history written again ({len(held)} held rounds) in {store.path}")
                store_fault = ""
                held.clear()
            if connected != was_connected or (once and not connected):
                _say("connected again" if connected else
                     f"disconnected: {snap.source.error}; host samples go on, retrying")
                was_connected = connected
            if once:
                print(f"recorded {len(samples)} samples in {store.path}")
                return 0 if connected else 1
            delay = every if connected else min(every, poller.next_delay())
            await wait_event(stop, delay)
    finally:
        await parts.source.close()
        if parts.gpu is not None:
            await parts.gpu.close()
    return 0


def _say(message: str) -> None:
    print(f"fintui collect: {one_line(message)}", file=sys.stderr, flush=True)
