"""The demo cluster is deterministic; the poller turns a lost source into a visible state."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

from fintui.clock import FixedClock
from fintui.core.report import status_document
from fintui.model import Health
from fintui.poller import Poller
from fintui.sources.base import SourceUnavailable
from fintui.sources.demo import DEMO_START, DemoCluster, DemoHost
from tests.fakes import FlakyCluster


async def sweeps(seed: int, n: int) -> list[dict[str, Any]]:
    cluster = DemoCluster(seed, FixedClock(DEMO_START), 2.0)
    poller = Poller(cluster, DemoHost(cluster), cluster.clock, 2.0, 4.0)
    return [status_document(await poller.sweep_once()) for _ in range(n)]


async def test_same_seed_same_cluster_different_seed_different_numbers() -> None:
    first, again, other = await sweeps(7, 5), await sweeps(7, 5), await sweeps(8, 5)
    assert first == again
    assert [c["cpu_percent"] for c in first[-1]["containers"]] != [
        c["cpu_percent"] for c in other[-1]["containers"]]


async def test_demo_has_the_promised_cast_and_it_moves() -> None:
    docs = await sweeps(7, 4)
    last = docs[-1]
    by_name = {c["name"]: c for c in last["containers"]}
    assert by_name["fix-gateway"]["health"] == Health.UNHEALTHY.value
    assert by_name["recon-worker"]["restart_count"] > docs[0]["containers"][
        [c["name"] for c in docs[0]["containers"]].index("recon-worker")]["restart_count"]
    assert any(c["service"] == "pricing" for c in last["containers"])
    assert {s["name"] for s in last["services"]} >= {"pricing", "risk/var-batch",
                                                     "agents/llm-infer"}
    assert docs[0]["taken_at"] != last["taken_at"]  # the fixed clock moves one step a sweep
    assert last["host"]["filesystems"][0]["used_bytes"] > docs[0]["host"]["filesystems"][0][
        "used_bytes"]  # storage grows


async def test_outage_keeps_last_data_stale_and_backs_off_then_recovers() -> None:
    source = FlakyCluster(seed=1, step_seconds=1.0)
    poller = Poller(source, DemoHost(source), source.clock, interval=2.0, max_backoff=4.0)
    good = await poller.sweep_once()
    assert good.source.connected and not good.stale
    source.down = "connection refused by /var/run/docker.sock"
    delays = []
    for _ in range(5):
        bad = await poller.sweep_once()
        delays.append(poller.next_delay())
    assert not bad.source.connected and bad.stale
    assert bad.source.error == "connection refused by /var/run/docker.sock"
    assert bad.containers == good.containers and bad.taken_at == good.taken_at
    assert delays == [0.5, 1.0, 2.0, 4.0, 4.0]
    source.down = None
    back = await poller.sweep_once()
    assert back.source.connected and not back.stale and poller.next_delay() == 2.0


async def test_first_sweep_failing_has_no_stale_data() -> None:
    source = FlakyCluster(seed=1, step_seconds=1.0)
    source.down = "permission denied on /var/run/docker.sock"
    poller = Poller(source, DemoHost(source), source.clock, 2.0, 4.0)
    snap = await poller.sweep_once()
    assert not snap.stale and snap.containers == () and not snap.source.connected
    doc = status_document(snap)
    assert doc["source"]["connected"] is False
    assert doc["source"]["error"] == "permission denied on /var/run/docker.sock"
    assert doc["gpus"] == [] and doc["alerts"] == [] and doc["volumes"] == []


def test_bind_mount_sources_add_their_filesystem_once(tmp_path: Path) -> None:
    import os

    from fintui.sources.host import mount_points

    (tmp_path / "a").mkdir()
    (tmp_path / "b.conf").write_text("")
    found = mount_points((str(tmp_path / "a"), str(tmp_path / "b.conf"), "/proc/1",
                          str(tmp_path / "gone")), [])
    assert len(found) == 1  # one filesystem holds both; /proc and missing paths add nothing
    assert os.path.ismount(found[0]) and str(tmp_path).startswith(found[0].rstrip("/") + "/")
    assert mount_points((str(tmp_path / "a"),), [found[0]]) == []  # already listed


def test_the_backoff_stays_at_its_cap_however_long_the_outage() -> None:
    from fintui.core.backoff import retry_delay

    assert [retry_delay(n, 4.0) for n in (1, 2, 3, 4, 5)] == [0.5, 1.0, 2.0, 4.0, 4.0]
    for failures in (1025, 2000, 10**6):  # 2.0 ** 1024 overflowed
        assert retry_delay(failures, 4.0) == 4.0
        assert retry_delay(failures, 3600.0) == 3600.0


async def test_a_poller_after_thousands_of_failures_still_retries_at_its_cap() -> None:
    source = FlakyCluster(seed=1, step_seconds=1.0)
    source.down = "connection refused by /var/run/docker.sock"
    poller = Poller(source, DemoHost(source), source.clock, interval=2.0, max_backoff=4.0)
    poller.failures = 2000
    snap = await poller.sweep_once()
    assert not snap.source.connected and poller.next_delay() == 4.0


class EventfulCluster(FlakyCluster):
    """The demo cluster with an events stream the test feeds; it fails while `down`."""

    def __init__(self) -> None:
        super().__init__(seed=1, step_seconds=1.0)
        self.pushed: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self.subscriptions = 0

    async def events(self) -> AsyncIterator[dict[str, Any]]:
        self.subscriptions += 1
        if self.down is not None:
            raise SourceUnavailable(self.down)
        while True:
            yield await self.pushed.get()


async def test_an_event_in_the_pause_after_a_sweep_brings_the_next_sweep() -> None:
    """Events are what make a new container show at once: one that comes while the poller
    pauses between sweeps must not wait for the next refresh (30 s here)."""
    source = EventfulCluster()
    poller = Poller(source, DemoHost(source), source.clock, interval=30.0, max_backoff=4.0)
    loop = asyncio.get_running_loop()
    published: list[float] = []
    task = asyncio.ensure_future(poller.run(lambda _snap: published.append(loop.time())))
    try:
        while not published:
            await asyncio.sleep(0.01)
        await asyncio.sleep(0.1)  # within the pause after the sweep
        source.pushed.put_nowait({"Action": "create"})
        await asyncio.wait_for(until(lambda: len(published) >= 2), 3.0)
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def test_events_are_resubscribed_as_soon_as_the_daemon_answers_again() -> None:
    """After an outage the stream comes back with the daemon, not a grown backoff later
    (until it does, every change shows a refresh late)."""
    source = EventfulCluster()
    source.down = "connection refused by /var/run/docker.sock"
    poller = Poller(source, DemoHost(source), source.clock, interval=2.0, max_backoff=30.0)
    follower = asyncio.ensure_future(poller._follow_events())
    try:
        await asyncio.sleep(2.0)  # tried at 0, 0.5 and 1.5 s; the next one is due at 3.5 s
        assert source.subscriptions == 3
        source.down = None
        await poller.sweep_once()
        await asyncio.wait_for(until(lambda: source.subscriptions == 4), 0.5)
    finally:
        follower.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await follower


async def until(condition: Callable[[], bool]) -> None:
    while not condition():
        await asyncio.sleep(0.01)


async def test_a_slow_sweep_still_refreshes_at_the_interval() -> None:
    """At 500 containers a sweep takes a tenth of a second or more: the interval counts from
    a sweep's start, so the screen still refreshes at its rate (1 Hz), not interval + sweep."""
    source = DemoCluster(7, FixedClock(DEMO_START), 2.0)
    sweep = source.sweep

    async def slow() -> Any:
        await asyncio.sleep(0.3)
        return await sweep()

    source.sweep = slow  # type: ignore[method-assign]
    poller = Poller(source, DemoHost(source), source.clock, interval=1.0, max_backoff=4.0)
    loop = asyncio.get_running_loop()
    published: list[float] = []
    task = asyncio.ensure_future(poller.run(lambda _snap: published.append(loop.time())))
    try:
        await asyncio.wait_for(until(lambda: len(published) >= 4), 10.0)
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
    gaps = [b - a for a, b in itertools.pairwise(published)]
    assert sum(gaps) / len(gaps) < 1.15, gaps  # interval + sweep would be 1.3


async def test_a_poller_cancelled_as_an_event_wakes_it_stops() -> None:
    """An agent asked to stop just as an act's end woke its poller: the cancel must not be
    lost (asyncio.wait_for on Python 3.11 returned the wake-up and swallowed it, and the
    agent swept on for ever)."""
    source = DemoCluster(7, FixedClock(DEMO_START), 2.0)
    poller = Poller(source, DemoHost(source), source.clock, interval=30.0, max_backoff=4.0)
    published: list[int] = []
    task = asyncio.ensure_future(poller.run(lambda _snap: published.append(1)))
    await asyncio.wait_for(until(lambda: len(published) >= 1), 5.0)
    await asyncio.sleep(0.7)  # past the gap after the sweep: in the wait for the interval
    poller.wake()
    task.cancel()  # in the same step as the wake-up
    done, _ = await asyncio.wait({task}, timeout=3.0)
    assert done and task.cancelled(), "the poller swept on after it was cancelled"
