"""Snapshot deltas: applied to the snapshot before, a delta gives exactly what the new
snapshot sent whole would; one that does not fit its base is refused, never half applied."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import timedelta
from itertools import pairwise
from typing import Any

import pytest

from fintui.clock import FixedClock
from fintui.core.snapshot_delta import DeltaError, apply_delta, snapshot_delta
from fintui.core.wire import decode, encode
from fintui.model import ClusterSnapshot, Container, ContainerStats, Health, Node, SourceStatus
from fintui.poller import Poller
from fintui.sources.demo import DEMO_START, DemoCluster, DemoGpus, DemoHost


def through_json(value: Any) -> Any:
    return json.loads(json.dumps(value, allow_nan=False))


def whole(snap: ClusterSnapshot) -> ClusterSnapshot:
    """What a console gets from the snapshot sent whole."""
    back: ClusterSnapshot = decode(ClusterSnapshot, through_json(encode(snap)))
    return back


async def demo_sweeps(n: int) -> list[ClusterSnapshot]:
    cluster = DemoCluster(7, FixedClock(DEMO_START), 2.0)
    poller = Poller(cluster, DemoHost(cluster), cluster.clock, 2.0, 4.0, True,
                    DemoGpus(cluster))
    snaps = []
    for _ in range(n):
        snaps.append(await poller.sweep_once())
        cluster.clock.advance(2)
    return snaps


def newcomer(template: Container, n: int) -> Container:
    return replace(template, id=f"{n:064x}", name=f"newcomer-{n}", health=Health.STARTING,
                   stats=None, labels=(("team", "desk"),))


def scripted(snaps: list[ClusterSnapshot]) -> list[ClusterSnapshot]:
    """The demo's sweeps, with what a real cluster also does between two of them."""
    out = [snaps[0]]
    for i, snap in enumerate(snaps[1:], 1):
        containers = list(snap.containers)
        if i == 2:  # one goes (it is back in the next sweep)
            containers.pop(0)
        if i >= 2:  # one comes, in the middle rather than at the end
            containers.insert(3, newcomer(containers[0], 1))
        if i == 3:  # the pane's order changes: same ids, another order
            containers.reverse()
        if i == 4:  # a restart: health, started_at and count change, stats drop
            first = containers[0]
            containers[0] = replace(first, health=Health.UNHEALTHY, stats=None,
                                    restart_count=first.restart_count + 1,
                                    started_at=snap.taken_at)
        if i == 5:  # a node drains, the endpoint goes stale, GPUs vanish
            nodes = (replace(snap.nodes[0], availability="drain"), *snap.nodes[1:])
            snap = replace(snap, nodes=nodes, stale=True, gpus=(),
                           gpu_error="NVML: driver not loaded",
                           source=replace(snap.source, connected=False, error="refused"))
        if i == 6:  # every container gone (all back in the next sweep)
            containers = []
        out.append(replace(snap, containers=tuple(containers)))
    return out


async def test_a_sequence_of_sweeps_comes_back_as_each_was_sent_whole() -> None:
    snaps = scripted(await demo_sweeps(8))
    # The script must exercise what matters, or the round trip proves little.
    assert snaps[1].host != snaps[2].host and snaps[1].gpus != snaps[2].gpus
    assert snaps[0].nodes and snaps[0].services
    console = whole(snaps[0])
    for before, after in pairwise(snaps):
        delta = through_json(snapshot_delta(before, after))
        assert "containers" not in delta.get("fields", {})  # by id, not the whole list
        console = apply_delta(console, delta)
        assert console == whole(after)
        assert encode(console) == encode(whole(after))  # the same wire form, order included
        assert [c.id for c in console.containers] == [c.id for c in after.containers]


async def test_a_delta_says_only_what_changed() -> None:
    snap = (await demo_sweeps(1))[0]
    assert snapshot_delta(snap, snap) == {}
    target = snap.containers[2]
    stats = target.stats or ContainerStats(None, 0, 0, 0, 0, 0, 0)
    busier = replace(target, stats=replace(stats, cpu_percent=93.5))
    after = replace(snap, containers=(*snap.containers[:2], busier, *snap.containers[3:]),
                    taken_at=snap.taken_at + timedelta(seconds=1))
    delta = snapshot_delta(snap, after)
    assert delta == {"fields": {"taken_at": encode(after.taken_at)},
                     "changed": {target.id: {"stats": encode(busier.stats)}}}
    applied = apply_delta(snap, through_json(delta))
    assert applied == after
    # Unchanged rows stay the very objects the console had: nothing decoded for them.
    assert all(a is b for a, b in zip(applied.containers, snap.containers, strict=True)
               if a.id != target.id)


async def test_a_delta_on_the_wrong_base_is_refused() -> None:
    snaps = await demo_sweeps(3)
    first, second = snaps[0], snaps[1]
    gone = replace(second, containers=second.containers[1:])
    delta = through_json(snapshot_delta(first, gone))
    # Applied twice: the container it removes is no longer there.
    with pytest.raises(DeltaError, match="removed"):
        apply_delta(apply_delta(first, delta), delta)
    came = replace(second, containers=(*second.containers, newcomer(first.containers[0], 9)))
    added = through_json(snapshot_delta(first, came))
    with pytest.raises(DeltaError, match="added"):
        apply_delta(came, added)
    # A base missing a container the delta changes.
    changed = through_json(snapshot_delta(first, second))
    assert changed.get("changed")
    with pytest.raises(DeltaError, match="changed"):
        apply_delta(replace(first, containers=()), changed)
    with pytest.raises(DeltaError, match="order"):
        apply_delta(first, {"order": [c.id for c in first.containers[1:]]})
    with pytest.raises(DeltaError, match="no order"):
        apply_delta(first, {"removed": [first.containers[0].id]})


def test_containers_sharing_an_id_travel_whole() -> None:
    at = DEMO_START
    one = Container("a" * 64, "web", "nginx", "running", "Up", endpoint="east")
    twin = replace(one, endpoint="west", status="Up 2 minutes")
    before = ClusterSnapshot(at, SourceStatus("unix:///x", True), containers=(one,))
    after = replace(before, containers=(one, twin), taken_at=at + timedelta(seconds=1),
                    nodes=(Node("n1", "box", "manager", "active", "ready"),))
    delta = through_json(snapshot_delta(before, after))
    assert "containers" in delta["fields"]
    assert apply_delta(before, delta) == after
    back = through_json(snapshot_delta(after, before))
    assert apply_delta(after, back) == before


def test_fields_a_newer_agent_adds_are_ignored() -> None:
    snap = ClusterSnapshot(DEMO_START, SourceStatus("unix:///x", True),
                           containers=(Container("b" * 64, "db", "pg", "running", "Up"),))
    delta = {"fields": {"stale": True, "weather": "fine"},
             "changed": {"b" * 64: {"state": "paused", "mood": "calm"}}}
    applied = apply_delta(snap, delta)
    assert applied.stale and applied.containers[0].state == "paused"
