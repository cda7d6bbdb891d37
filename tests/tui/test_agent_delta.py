"""The agent's update stream: a whole snapshot first, then a delta a sweep; a console that
applies them shows each sweep exactly as the agent holds it, a reader that fell behind starts
over from a whole snapshot, and a delta that does not fit is never shown."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from fintui.agent.attached import AgentGone, AttachedWatch
from fintui.agent.server import AgentServer
from fintui.agent.service import UPDATES_KEPT, WatchBackend
from fintui.core.wire import decode, encode
from fintui.model import ClusterSnapshot
from fintui.poller import make_poller
from fintui.watch.state import ClusterState
from fintui.watch.watch import Watch
from tests.tui.helpers import paging_demo_parts
from tests.unit.test_snapshot_delta import scripted


class Shown:
    """A console's ear: each snapshot it was told to show."""

    def __init__(self) -> None:
        self.snapshots: list[ClusterSnapshot] = []

    def snapshot(self, snap: ClusterSnapshot) -> None:
        self.snapshots.append(snap)

    def alerts_changed(self) -> None: ...

    def forecasts_changed(self) -> None: ...

    def disk_changed(self, endpoint: str) -> None: ...

    def notice(self, text: str, title: str, error: bool) -> None: ...


def whole(snap: ClusterSnapshot | None) -> ClusterSnapshot:
    back: ClusterSnapshot = decode(ClusterSnapshot, json.loads(json.dumps(encode(snap))))
    return back


async def agent_side(tmp: Path) -> tuple[Watch, WatchBackend, list[dict[str, Any]]]:
    parts = paging_demo_parts(tmp / "agent")
    watch = Watch(parts, parts.operations(), deliver=False)
    watch.open_history()
    backend = WatchBackend(watch, tmp / "agent.sock")
    published: list[dict[str, Any]] = []
    publish = backend.publish

    def recorded(item: dict[str, Any]) -> None:
        published.append(item)
        publish(item)

    backend.publish = recorded  # type: ignore[method-assign]
    return watch, backend, published


def console_side(tmp: Path, socket: Path) -> tuple[AttachedWatch, Shown]:
    parts = paging_demo_parts(tmp / "console")
    attached = AttachedWatch(parts, parts.operations(), socket, ClusterState(10))
    shown = Shown()
    attached.subscribe(shown)
    return attached, shown


async def sweeps(watch: Watch, n: int) -> list[ClusterSnapshot]:
    """Demo sweeps with containers coming, going, reordered, and nodes and GPUs changing."""
    poller = make_poller(watch.parts)
    return scripted([await poller.sweep_once() for _ in range(n)])


async def until_shown(shown: Shown, n: int, seconds: float = 5.0) -> None:
    start = time.monotonic()
    while len(shown.snapshots) < n:
        assert time.monotonic() - start < seconds, f"sweep {n} not shown within {seconds}s"
        await asyncio.sleep(0.01)
    assert len(shown.snapshots) == n


def wire(item: dict[str, Any]) -> dict[str, Any]:
    line: dict[str, Any] = json.loads(json.dumps(item))  # as the socket carries it
    return line


async def test_a_console_shows_each_sweep_as_the_agent_holds_it(short_dir: Path) -> None:
    watch, backend, published = await agent_side(short_dir)
    snaps = await sweeps(watch, 8)
    watch.arrived(snaps[0])  # before the console comes: it gets this one whole
    server = AgentServer(backend, backend.socket, keepalive=0.5)
    await server.start()
    attached, shown = console_side(short_dir, backend.socket)
    following = asyncio.create_task(attached.run())
    try:
        await until_shown(shown, 1)
        assert shown.snapshots[0] == whole(snaps[0])
        for n, snap in enumerate(snaps[1:], 2):
            watch.arrived(snap)
            await until_shown(shown, n)
            assert shown.snapshots[-1] == whole(watch.state.snapshot)
            assert attached.state.snapshot is shown.snapshots[-1]
            assert [c.id for c in shown.snapshots[-1].containers] == \
                [c.id for c in snap.containers]
        # After the first, every sweep went out as changes, computed once for the console.
        kinds = [i["kind"] for i in published if i["kind"] in ("snapshot", "delta")]
        assert kinds == ["delta"] * (len(snaps) - 1)
        assert all(len(json.dumps(i)) < len(json.dumps(encode(snaps[-1])))
                   for i in published if i["kind"] == "delta")
    finally:
        following.cancel()
        await server.stop()
        for task in list(watch._tasks):
            task.cancel()


async def test_a_reader_that_fell_behind_starts_over_whole(short_dir: Path) -> None:
    watch, backend, _ = await agent_side(short_dir)
    snaps = await sweeps(watch, 3)
    watch.arrived(snaps[0])
    stream = backend.updates()
    attached, shown = console_side(short_dir, backend.socket)
    for _ in range(3):  # snapshot, alerts, forecasts
        attached._take(wire(await anext(stream)))
    assert len(shown.snapshots) == 1
    # It reads nothing while the agent sweeps on: more news than it may keep waiting.
    for i in range(UPDATES_KEPT + 5):
        watch.arrived(snaps[1 + i % 2])
    (queue,) = backend.readers
    items = [await anext(stream) for _ in range(queue.qsize())]
    # What it missed is gone; it starts over from a whole snapshot, then deltas on that.
    assert items[0]["kind"] == "snapshot" and len(items) < UPDATES_KEPT
    assert [i["base"] for i in items if i["kind"] == "delta"] == \
        list(range(items[0]["seq"], backend.seq))
    for item in items:
        attached._take(wire(item))
    assert shown.snapshots[-1] == whole(watch.state.snapshot)
    # And the deltas that follow apply to that fresh start.
    watch.arrived(snaps[0])
    attached._take(wire(await anext(stream)))
    assert shown.snapshots[-1] == whole(snaps[0])
    await stream.aclose()  # type: ignore[attr-defined]
    assert not backend.readers


async def test_a_delta_that_does_not_fit_is_never_shown(short_dir: Path) -> None:
    watch, backend, published = await agent_side(short_dir)
    snaps = await sweeps(watch, 4)
    stream: AsyncIterator[dict[str, Any]] = backend.updates()
    attached, shown = console_side(short_dir, backend.socket)
    for _ in range(2):  # no sweep yet: alerts, forecasts
        attached._take(wire(await anext(stream)))
    for snap in snaps[:3]:
        watch.arrived(snap)
    first, _, gap = (i for i in published if i["kind"] in ("snapshot", "delta"))
    assert first["kind"] == "snapshot"  # the agent's first sweep goes out whole
    attached._take(wire(first))
    with pytest.raises(AgentGone, match="attaching again"):
        attached._take(wire(gap))  # the one between was lost
    assert shown.snapshots == [whole(snaps[0])]
    assert attached.state.snapshot == whole(snaps[0])
    await stream.aclose()  # type: ignore[attr-defined]
