"""Automatic isolation run by a paging watch over the demo cluster (Swarm service `pricing`,
three replicas): the first sick replica is isolated as policy:<rule>, the second within the
hour only proposed, also after the watch restarts; a standalone container is never isolated;
a watch that does not page does nothing."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from pathlib import Path

from fintui.core.policy_rows import ARMED, ELSEWHERE
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
    'scope = { service = "pricing" }', 'scope = { container = "*" }')


async def settle() -> None:
    """Until the isolator's background work has finished."""
    for _ in range(500):
        if not [t for t in asyncio.all_tasks() if t.get_name().startswith("watch-auto-")]:
            return
        await asyncio.sleep(0.01)
    raise AssertionError("the automatic isolation did not finish within 5 s")


async def sweep(watch: Watch, *sick: str, dead: tuple[str, ...] = ()) -> ClusterSnapshot:
    """One demo sweep with the named containers failing their healthcheck (those `dead`
    killed by Swarm for it, their last health status kept), then settled."""
    snap = await watch.parts.source.sweep()
    snap = replace(snap, containers=tuple(
        replace(c, health=Health.UNHEALTHY) if c.name in sick else
        replace(c, health=Health.UNHEALTHY, state="exited", status="Exited (137)",
                exit_code=137, oom_killed=True, stats=None) if c.name in dead else c
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
    assert sick.state == ARMED  # no cooldown: its next fault is proposed, as `next` says
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
    # Its first sweep does not fire on the isolated (paused) replica: not isolated again.
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


OOM = RULE.replace('name = "sick"', 'name = "oom"').replace(
    "container.unhealthy", "container.oom_killed")


async def test_an_alert_on_a_stopped_container_never_isolates_nor_proposes(
        tmp_path: Path) -> None:
    parts = demo_parts(tmp_path, RULE + OOM)
    watch = Watch(parts, parts.operations())
    await sweep(watch)
    # Swarm killed it (its health check failed) and started its own: the unhealthy rule does
    # not fire on it, and the oom rule, which does, neither isolates nor proposes.
    await sweep(watch, dead=("pricing.1.k3j9x2a1",))
    assert ("oom", "pricing.1.k3j9x2a1") in watch.alert_engine.active
    assert ("sick", "pricing.1.k3j9x2a1") not in watch.alert_engine.active
    assert isolations(parts) == []
    assert parts.source.pricing_replicas == 3  # type: ignore[attr-defined]
    assert row(watch, "oom").last == ""


async def test_a_fault_that_stopped_before_the_plan_is_not_isolated(tmp_path: Path) -> None:
    parts = demo_parts(tmp_path, RULE)
    watch = Watch(parts, parts.operations())
    await sweep(watch)
    cluster = parts.source
    snap = await cluster.sweep()
    snap = replace(snap, containers=tuple(
        replace(c, health=Health.UNHEALTHY) if c.name == "pricing.1.k3j9x2a1" else c
        for c in snap.containers))
    # Running when the alert fired, killed by Swarm before the plan read it.
    cluster.exited["pricing.1.k3j9x2a1"] = cluster.clock.now()  # type: ignore[attr-defined]
    watch.arrived(snap)
    await settle()
    assert isolations(parts) == []
    assert cluster.pricing_replicas == 3  # type: ignore[attr-defined]
