"""Automatic isolation run by a paging watch over the demo cluster (Swarm service `pricing`,
three replicas): the first sick replica is isolated as policy:<rule>, the second within the
hour only proposed, also after the watch restarts; a standalone container is never isolated;
a watch that does not page does nothing."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from pathlib import Path

from fintui.core.policy_rows import ARMED, COOLING, ELSEWHERE
from fintui.model import ClusterSnapshot, Health
from fintui.watch.watch import Watch
from tests.unit.policy_demo import audit, demo_parts, row

RULE = """
[[alerts.rules]]
name = "sick"
metric = "container.unhealthy"
op = "=="
threshold = 1
for = "0s"
severity = "warning"
action = "isolate"
max_per_hour = 1
max_fraction = 1.0
scope = { service = "pricing" }
"""
ANYWHERE = RULE.replace('name = "sick"', 'name = "any-sick"').replace(
    'scope = { service = "pricing" }', "")


async def settle() -> None:
    """Until the isolator's background work has finished."""
    for _ in range(500):
        if not [t for t in asyncio.all_tasks() if t.get_name().startswith("watch-auto-")]:
            return
        await asyncio.sleep(0.01)
    raise AssertionError("the automatic isolation did not finish within 5 s")


async def sweep(watch: Watch, *sick: str) -> ClusterSnapshot:
    """One demo sweep with the named containers failing their healthcheck, then settled."""
    snap = await watch.parts.source.sweep()
    snap = replace(snap, containers=tuple(
        replace(c, health=Health.UNHEALTHY) if c.name in sick else c
        for c in snap.containers))
    watch.arrived(snap)
    await settle()
    return snap


def isolations(parts: object) -> list[tuple[str, str, str]]:
    return [(r["actor"], r["target"], r["outcome"])
            for r in audit(parts) if r["action"] == "isolate"]  # type: ignore[arg-type]


async def test_the_first_fault_is_isolated_the_second_in_the_hour_only_proposed(
        tmp_path: Path) -> None:
    parts = demo_parts(tmp_path, RULE)
    watch = Watch(parts, parts.operations())
    await sweep(watch)
    assert row(watch, "sick").state == ARMED
    assert row(watch, "sick").next == "isolates the next fault of pricing; 0 of 1 this hour"
    await sweep(watch, "pricing.1.k3j9x2a1")
    assert isolations(parts) == [("policy:sick", "pricing.1.k3j9x2a1", "started"),
                                 ("policy:sick", "pricing.1.k3j9x2a1", "ok")]
    ok = [r for r in audit(parts) if r["outcome"] == "ok"][-1]
    assert "1 of 1 this hour for pricing" in ok["parameters"]["why"]
    assert watch.ops.isolations.active(ok["result"]["container"]) is not None
    sick = row(watch, "sick")
    assert sick.state == COOLING
    assert sick.last.startswith("pricing.1.k3j9x2a1: done: isolate") and "bundle" in sick.last
    assert sick.next == "proposes the next fault of pricing; 1 of 1 this hour"

    # The alert stays firing: the same fault is never acted on twice.
    await sweep(watch, "pricing.1.k3j9x2a1")
    assert len(isolations(parts)) == 2

    await sweep(watch, "pricing.1.k3j9x2a1", "pricing.2.p8d0s7q4")
    assert isolations(parts)[2:] == [("policy:sick", "pricing.2.p8d0s7q4", "proposed")]
    assert "max_per_hour is 1" in row(watch, "sick").last

    # A restarted watch counts this hour's isolation too (the state database keeps it).
    watch.policies.lock.release()  # as the old process's end would
    again = Watch(parts, parts.operations())
    # Its first sweep fires again on the isolated replica: it is not isolated a second time.
    await sweep(again, "pricing.1.k3j9x2a1")
    assert len(isolations(parts)) == 3
    await sweep(again, "pricing.1.k3j9x2a1", "pricing.3.x1m2n3b4")
    assert isolations(parts)[3:] == [("policy:sick", "pricing.3.x1m2n3b4", "proposed")]


async def test_a_container_of_no_service_is_never_isolated_nor_proposed(
        tmp_path: Path) -> None:
    parts = demo_parts(tmp_path, ANYWHERE)
    watch = Watch(parts, parts.operations())
    await sweep(watch)
    await sweep(watch, "fix-gateway")
    records = [r for r in audit(parts) if r["action"] == "isolate"]
    assert [(r["actor"], r["outcome"]) for r in records] == [("policy:any-sick", "refused")]
    assert "its own last running replica" in records[0]["error"]
    assert "not even proposed" in row(watch, "any-sick").last


async def test_a_watch_that_does_not_page_isolates_nothing(tmp_path: Path) -> None:
    parts = demo_parts(tmp_path, RULE)
    watch = Watch(parts, parts.operations(), deliver=False)
    await sweep(watch)
    await sweep(watch, "pricing.1.k3j9x2a1")
    assert isolations(parts) == []
    assert row(watch, "sick").state == ELSEWHERE
