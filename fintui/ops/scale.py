"""Scale in the operations layer: a Swarm service to N replicas (and wait for its tasks), or a
compose service by making, reviving or removing replicas."""

from __future__ import annotations

import asyncio
import time
from typing import Any

from fintui.core import scaling
from fintui.core.act_journal import Journal
from fintui.core.text_safety import one_line
from fintui.model_ops import ContainerFacts
from fintui.ops.guard import Decision
from fintui.ops.plan import BIG_CHANGE, Acting, Failed, Plan, Progress, Refused
from fintui.ops.replicas import Copying, compose_members, start_replica
from fintui.sources.base import NoSuchService, NotReplicated, NotSwarmManager
from fintui.sources.capabilities import ContainerReader, Scalable


def _name(container: ContainerFacts) -> str:
    """A container's name, for messages (untrusted: one line)."""
    return one_line(container.name)


async def plan_scale(ops: Acting, target: str, replicas: int) -> Plan:
    parameters = {"replicas": replicas}

    async def build(decision: Decision) -> Plan:
        limit = ops.settings.scale.max_replicas
        if not 0 <= replicas <= limit:
            raise Refused(f"replicas must be between 0 and {limit} (scale.max_replicas)")
        if "/" in target:
            return await _plan_compose_scale(ops, target, replicas, decision)
        return await _plan_swarm_scale(ops, target, replicas, decision)

    return await ops.planned("scale", target, parameters, build)


async def _plan_swarm_scale(ops: Acting, target: str, replicas: int,
                            decision: Decision) -> Plan:
    reader: ContainerReader = ops.actions
    swarm: Scalable = ops.actions
    try:
        service = await swarm.service(target)
    except (NoSuchService, NotSwarmManager) as exc:
        # A container's name is told apart either way: scaling it means nothing, Swarm or not.
        if any(c.name == target for c in await reader.containers({})):
            raise Refused(f"{target} is a standalone container: only Swarm services and "
                          "compose services (project/service) can be scaled") from None
        if isinstance(exc, NotSwarmManager):
            raise
        raise Refused(f"no Swarm service {target!r}; compose services are named "
                      "project/service") from None
    if not service.replicated:
        raise Refused(f"{target} is a global-mode service: it runs one task per node and "
                      "cannot be scaled")
    current = service.replicas

    async def run(note: Journal) -> dict[str, Any]:
        note.trying(f"setting desired replicas of {target} to {replicas}")
        await set_replicas(swarm, service.id, replicas)
        note.changed(f"service {target}: desired replicas {current} → {replicas}")
        return await _converge(ops, swarm, service.id, target, replicas, note)

    return Plan("scale", target, f"scale Swarm service {target} from {current} to {replicas}",
                [f"set desired replicas of {target}: {current} → {replicas}",
                 f"wait up to {ops.settings.scale.converge_timeout:g} s for tasks to run"],
                {"replicas": replicas, "from": current, "kind": "swarm"},
                double_confirm=bool(why_twice(target, current, replicas)),
                double_confirm_reason=why_twice(target, current, replicas),
                decision=decision, run=run)


def why_twice(target: str, current: int, replicas: int) -> str:
    """Why scaling asks twice ("" when it does not): to zero, or many instances at once."""
    if replicas == 0 and current:
        return f"this scales {target} to zero: all {current} of its instance(s) stop"
    if replicas == 0:
        return f"this scales {target} to zero"
    if abs(replicas - current) > BIG_CHANGE:
        return (f"this touches {abs(replicas - current)} instances of {target}, more than "
                f"{BIG_CHANGE}")
    return ""


async def set_replicas(swarm: Scalable, service_id: str, replicas: int | None = None,
                       delta: int = 0) -> int:
    """Set (or shift by delta) a service's replicas; the new count."""
    try:
        return await swarm.set_replicas(service_id, replicas, delta)
    except NotReplicated as exc:  # it was replicated when planned: the act stops here
        raise Failed(str(exc)) from None


async def _converge(ops: Acting, swarm: Scalable, service_id: str, name: str, replicas: int,
                    note: Progress) -> dict[str, Any]:
    deadline = time.monotonic() + ops.settings.scale.converge_timeout
    running = -1
    failures: dict[str, str] = {}
    while True:
        tasks = await swarm.service_tasks(service_id)
        live = [t for t in tasks if t.desired_state == "running"]
        now_running = sum(1 for t in live if t.state == "running")
        for task in tasks:
            if task.state in ("failed", "rejected") and task.error:
                failures[task.id[:12]] = task.error
        if now_running != running:
            running = now_running
            note(f"{name}: {running}/{replicas} tasks running")
        if running == replicas and len(live) == replicas:
            return {"running": running, "desired": replicas, "failed_tasks": failures}
        if time.monotonic() > deadline:
            detail = "; ".join(f"task {k}: {v}" for k, v in list(failures.items())[:3])
            raise Failed(f"{name}: only {running}/{replicas} tasks running after "
                         f"{ops.settings.scale.converge_timeout:g} s"
                         + (f" ({detail})" if detail else ""))
        await asyncio.sleep(0.5)


async def _plan_compose_scale(ops: Acting, target: str, replicas: int,
                              decision: Decision) -> Plan:
    members = await compose_members(ops.actions, target)
    isolated = ops.isolations.active_ids()
    # What runs counts, not what exists: a replica left created (or exited) by an act cut
    # short is brought back before any new one is made.
    live, leftovers = scaling.compose_count(members, isolated)
    current = len(live)
    # The template is a replica that runs (else the newest that exists): never a
    # leftover that never ran, which this same plan may remove.
    newest = live[-1] if live else members[-1]
    revive: list[ContainerFacts] = []
    new_numbers: list[int] = []
    victims: list[ContainerFacts] = []
    steps: list[str] = []
    if replicas > current:
        revive = leftovers[:replicas - current]
        first = scaling.next_number(members)
        new_numbers = list(range(first, first + replicas - current - len(revive)))
        for c in revive:
            how = ("start" if scaling.revive_by_starting(c) else
                   "remove and re-create (it never ran: it may be half-made)")
            steps.append(f"{how} {_name(c)}: {c.state}, not counted as running")
        if new_numbers:
            steps.append(f"create {len(new_numbers)} replica(s) of {target} from "
                         f"{_name(newest)} ({one_line(newest.image)}), "
                         f"numbers {new_numbers}")
    elif replicas < current:
        victims = scaling.scale_down_victims(live, replicas, isolated)
        steps = [f"stop and remove {_name(v)}" for v in victims]
    else:
        steps = [f"nothing to do: {current} replica(s) already running"]
    isolated_here = sum(1 for c in members if c.id in isolated)
    warnings = [f"{isolated_here} isolated replica(s) are kept and not counted"
                ] if isolated_here else []
    idle = [c for c in leftovers if all(c.id != r.id for r in revive)]
    if idle:
        warnings.append("not running, not counted, left as they are: " + ", ".join(
            f"{_name(c)} ({c.state})" for c in idle))

    async def run(note: Journal) -> dict[str, Any]:
        actions: Copying = ops.actions
        made: list[str] = []
        removed: list[str] = []
        note.partial.update(created=made, removed=removed, **{"from": current,
                                                              "to": replicas})
        template = await ops.actions.container(newest.id) if revive or new_numbers else None
        for leftover in revive:
            assert template is not None
            made.append(await _revive(actions, leftover, template, note))
        for number in new_numbers:
            assert template is not None
            made.append(await start_replica(actions, template, number, note))
        for victim in victims:
            name = _name(victim)
            note(f"stopping {name}")
            note.trying(f"stopping and removing {name}")
            await actions.stop_and_remove(victim.id)
            removed.append(name)
            note.changed(f"removed {name}")
        return {"created": made, "removed": removed, "from": current, "to": replicas}

    return Plan("scale", target, f"scale compose service {target} from {current} "
                f"running to {replicas}", steps,
                {"replicas": replicas, "from": current, "kind": "compose"},
                double_confirm=bool(why_twice(target, current, replicas)),
                double_confirm_reason=why_twice(target, current, replicas),
                warnings=warnings, decision=decision, run=run)


async def _revive(actions: Copying, leftover: ContainerFacts, template: ContainerFacts,
                  note: Journal) -> str:
    """Bring back a replica that exists and does not run: start one that ran before,
    make one that never ran anew under its number (its create may have been cut short)."""
    name = _name(leftover)
    if scaling.revive_by_starting(leftover):
        note.trying(f"starting {name}")
        await actions.start(leftover.id)
        note.changed(f"started {name} (was {leftover.state})")
        return name
    note.trying(f"removing {name} ({leftover.state}, never ran)")
    await actions.stop_and_remove(leftover.id)
    note.changed(f"removed {name} ({leftover.state}, never ran)")
    return await start_replica(actions, template, leftover.compose_number, note)
