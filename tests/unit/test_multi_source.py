"""Several endpoints behind one source: each fails, backs off and recovers on its own, and a
slow one never holds the others' rows back."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import pytest

from fintui.clock import FixedClock
from fintui.model import ClusterSnapshot, Container, Node, Service, SourceStatus
from fintui.sources.base import ContainerGone, SourceUnavailable
from fintui.sources.multi_source import Member, MultiSource

NOW = datetime(2026, 11, 23, 9, 15, tzinfo=UTC)


class FakeEndpoint:
    """A daemon that answers with its containers, or is down, or hangs."""

    def __init__(self, name: str, containers: list[str], daemon_id: str = "") -> None:
        self.endpoint = f"unix:///run/{name}.sock"
        self.name = name
        self.containers = containers
        self.daemon_id = daemon_id or name
        self.services: list[Service] = []
        self.nodes: list[Node] = []
        self.down = ""
        self.hang = False
        self.sweeps = 0
        self.closed = False

    async def sweep(self) -> ClusterSnapshot:
        self.sweeps += 1
        if self.hang:
            await asyncio.sleep(3600)
        if self.down:
            raise SourceUnavailable(self.down)
        return ClusterSnapshot(
            taken_at=NOW, source=SourceStatus(endpoint=self.endpoint, connected=True,
                                              engine_version="27.1", name=self.name),
            containers=tuple(Container(id=f"{self.daemon_id}-{n}", name=n, image="img",
                                       state="running", status="Up", endpoint=self.name)
                             for n in self.containers),
            services=tuple(replace(s, endpoint=self.name) for s in self.services),
            nodes=tuple(replace(n, endpoint=self.name) for n in self.nodes))

    async def details(self, container_id: str) -> Any:
        if not container_id.startswith(self.daemon_id):
            raise ContainerGone(container_id)
        return {"Id": container_id, "From": self.name}

    def events(self) -> AsyncIterator[dict[str, Any]]:
        return self._events()

    async def _events(self) -> AsyncIterator[dict[str, Any]]:
        yield {"Action": "start", "from": self.name}
        if self.down:
            raise SourceUnavailable(self.down)
        await asyncio.sleep(3600)

    async def disk_usage(self) -> Any:
        return self.name

    def logs(self, container_id: str, tail: int, follow: bool) -> AsyncIterator[str]:
        raise NotImplementedError

    async def close(self) -> None:
        self.closed = True


def multi(*endpoints: FakeEndpoint, wait: float | None = 0.2) -> MultiSource:
    return MultiSource([Member(e.name, e, local=True) for e in endpoints],
                       FixedClock(NOW), max_backoff=1.0, wait_limit=wait)


def states(snap: ClusterSnapshot) -> list[tuple[str, bool, str]]:
    return [(e.name, e.connected, e.error) for e in snap.endpoints]


async def test_rows_of_every_endpoint_each_marked_with_its_endpoint() -> None:
    a, b = FakeEndpoint("desk-a", ["risk", "pricer"]), FakeEndpoint("desk-b", ["risk"])
    snap = await multi(a, b).sweep()
    assert sorted((c.endpoint, c.name) for c in snap.containers) == [
        ("desk-a", "pricer"), ("desk-a", "risk"), ("desk-b", "risk")]
    assert states(snap) == [("desk-a", True, ""), ("desk-b", True, "")]
    assert snap.source.connected and not snap.stale
    assert [e.endpoint for e in snap.endpoints] == [a.endpoint, b.endpoint]


async def test_a_down_endpoint_keeps_its_last_rows_marked_while_the_other_goes_on() -> None:
    a, b = FakeEndpoint("desk-a", ["risk"]), FakeEndpoint("desk-b", ["ledger"])
    source = multi(a, b)
    await source.sweep()
    b.down = "connection refused by /run/desk-b.sock"
    a.containers = ["risk", "risk-2"]
    snap = await source.sweep()
    assert states(snap) == [("desk-a", True, ""),
                            ("desk-b", False, "connection refused by /run/desk-b.sock")]
    assert snap.endpoints[1].since == NOW  # when its rows were last fresh
    assert snap.source.connected and snap.stale  # the console is live; some rows are old
    assert snap.source.error == "desk-b: connection refused by /run/desk-b.sock"
    assert sorted(c.name for c in snap.containers) == ["ledger", "risk", "risk-2"]
    b.down = ""
    b.containers = []
    await asyncio.sleep(0.6)  # past its first backoff
    snap = await source.sweep()
    assert states(snap) == [("desk-a", True, ""), ("desk-b", True, "")]
    assert snap.endpoints[1].since is None and not snap.stale
    assert sorted(c.name for c in snap.containers) == ["risk", "risk-2"]


async def test_two_endpoints_to_one_daemon_show_its_rows_once_from_a_live_one() -> None:
    # The socket and a tcp:// URL to the same host: the same containers, by id.
    a = FakeEndpoint("desk-a", ["risk"], daemon_id="D1")
    b = FakeEndpoint("desk-a-tcp", ["risk"], daemon_id="D1")
    c = FakeEndpoint("desk-b", ["risk"])
    source = multi(a, b, c)
    snap = await source.sweep()
    assert sorted((c.endpoint, c.name) for c in snap.containers) == [
        ("desk-a", "risk"), ("desk-b", "risk")]
    assert [(e.name, e.same_as) for e in snap.endpoints] == [
        ("desk-a", ""), ("desk-a-tcp", "desk-a"), ("desk-b", "")]
    a.down = "socket gone"
    snap = await source.sweep()
    # The live way in shows the rows now, fresh, not the down one's old copy.
    assert sorted((c.endpoint, c.name) for c in snap.containers) == [
        ("desk-a-tcp", "risk"), ("desk-b", "risk")]
    assert [(e.name, e.connected, e.same_as) for e in snap.endpoints] == [
        ("desk-a", False, "desk-a-tcp"), ("desk-a-tcp", True, ""), ("desk-b", True, "")]
    assert not snap.stale  # no old row is shown


async def test_two_managers_of_one_swarm_list_each_service_and_node_once() -> None:
    a, b = FakeEndpoint("mgr-1", []), FakeEndpoint("mgr-2", [])
    pricer = Service(id="svc-pricer", name="pricer", mode="replicated", desired=3, running=3)
    nodes = [Node(id=f"node-{n}", hostname=f"trade-0{n}", role="manager", availability="active",
                  state="ready") for n in (1, 2)]
    for e in (a, b):
        e.services, e.nodes = [pricer], nodes
    # A compose project is each daemon's own, even with the same name.
    a.services = [*a.services, Service(id="risk/var", name="risk/var", mode="compose",
                                       desired=None, running=2)]
    b.services = [*b.services, Service(id="risk/var", name="risk/var", mode="compose",
                                       desired=None, running=1)]
    source = multi(a, b)
    snap = await source.sweep()
    assert sorted((s.name, s.endpoint, s.running) for s in snap.services) == [
        ("pricer", "mgr-1", 3), ("risk/var", "mgr-1", 2), ("risk/var", "mgr-2", 1)]
    assert sorted((n.hostname, n.endpoint) for n in snap.nodes) == [
        ("trade-01", "mgr-1"), ("trade-02", "mgr-1")]
    a.down = "no route to host"
    b.services = [replace(pricer, running=2), *b.services[1:]]
    snap = await source.sweep()
    # The down manager's old count gives way to the live one's.
    assert ("pricer", "mgr-2", 2) in {(s.name, s.endpoint, s.running) for s in snap.services}
    assert sorted(n.endpoint for n in snap.nodes) == ["mgr-2", "mgr-2"]


async def test_a_failing_endpoint_backs_off_on_its_own() -> None:
    a, b = FakeEndpoint("desk-a", ["risk"]), FakeEndpoint("desk-b", [])
    b.down = "no Docker daemon socket at /run/desk-b.sock"
    source = multi(a, b)
    for _ in range(4):
        await source.sweep()
    assert a.sweeps == 4
    assert b.sweeps == 1, "retried only after its backoff, not on every sweep"


async def test_a_hanging_endpoint_does_not_hold_the_others_back() -> None:
    a, b = FakeEndpoint("desk-a", ["risk"]), FakeEndpoint("desk-b", ["ledger"])
    b.hang = True
    source = multi(a, b, wait=0.2)
    loop = asyncio.get_running_loop()
    started = loop.time()
    snap = await source.sweep()
    assert loop.time() - started < 1.0
    assert [c.name for c in snap.containers] == ["risk"]
    assert states(snap) == [("desk-a", True, ""), ("desk-b", False, "connecting…")]
    snap = await source.sweep()  # still hanging: one request in flight, not a pile
    assert b.sweeps == 1
    await source.close()
    assert a.closed and b.closed


async def test_status_waits_for_every_endpoint() -> None:
    a, b = FakeEndpoint("desk-a", ["risk"]), FakeEndpoint("desk-b", ["ledger"])
    snap = await multi(a, b, wait=None).sweep()
    assert len(snap.containers) == 2


async def test_an_unexpected_error_downs_only_its_endpoint() -> None:
    a, b = FakeEndpoint("desk-a", ["risk"]), FakeEndpoint("desk-b", ["ledger"])

    async def broken() -> ClusterSnapshot:
        raise KeyError("Id")

    b.sweep = broken  # type: ignore[method-assign]
    snap = await multi(a, b).sweep()
    assert states(snap) == [("desk-a", True, ""), ("desk-b", False, "KeyError: 'Id'")]


async def test_details_and_disk_usage_go_to_the_right_endpoint() -> None:
    a, b = FakeEndpoint("desk-a", ["risk"]), FakeEndpoint("desk-b", ["ledger"])
    source = multi(a, b)
    await source.sweep()
    assert (await source.details("desk-b-ledger"))["From"] == "desk-b"
    assert (await source.details("desk-a-risk"))["From"] == "desk-a"
    assert (await source.details("desk-b-typed-by-hand"))["From"] == "desk-b"  # asks each
    with pytest.raises(ContainerGone):
        await source.details("nowhere")
    assert await source.disk_usage() == "desk-a"  # the Volumes pane's endpoint: the first


async def test_events_of_every_endpoint_arrive_and_an_ended_stream_wakes() -> None:
    a, b = FakeEndpoint("desk-a", []), FakeEndpoint("desk-b", [])
    b.down = "gone"
    source = multi(a, b)
    seen: list[dict[str, Any]] = []

    async def collect() -> None:
        async for event in source.events():
            seen.append(event)
            if len(seen) >= 3:
                return

    await asyncio.wait_for(collect(), 5)
    assert {e.get("from") for e in seen if e} == {"desk-a", "desk-b"}
    assert {} in seen  # desk-b's stream ended: the poller sweeps at once
