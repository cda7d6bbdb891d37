"""Swarm node availability in the operations layer: drain a node (its tasks move to the
others) or make it active again, through the manager, guarded and audited as "drain"."""

from __future__ import annotations

import asyncio
import time
from typing import Any

from fintui.core.act_journal import Journal
from fintui.core.swarm_nodes import AVAILABILITIES, drain_warnings, find_node
from fintui.ops.guard import Decision
from fintui.ops.plan import Acting, Plan, Refused
from fintui.sources.capabilities import NodeMaintainer


async def plan_node(ops: Acting, name: str, availability: str) -> Plan:
    parameters = {"availability": availability}
    swarm: NodeMaintainer = ops.actions

    async def build(decision: Decision) -> Plan:
        if availability not in AVAILABILITIES:
            raise Refused(f"availability must be one of {', '.join(AVAILABILITIES)}")
        nodes = await swarm.nodes()
        node = find_node(nodes, name)
        if node is None:
            known = ", ".join(sorted(n.hostname for n in nodes))
            raise Refused(f"no single Swarm node {name!r}; nodes: {known}")
        if node.availability == availability:
            raise Refused(f"{node.hostname} is already {availability}: nothing to change")
        verb = "drain" if availability == "drain" else f"set {availability}"
        steps = [f"set availability of node {node.hostname}: {node.availability} → "
                 f"{availability}"]
        if availability == "drain":
            steps.append(f"wait up to {ops.settings.scale.converge_timeout:g} s for its "
                         f"{node.tasks} task(s) to leave it")

        async def run(note: Journal) -> dict[str, Any]:
            note.trying(f"setting node {node.hostname} {availability}")
            await swarm.set_availability(node.id, availability)
            note.changed(f"node {node.hostname}: availability {node.availability} → {availability}")
            left = await _wait_empty(ops, swarm, node.id, node.hostname, note) \
                if availability == "drain" else node.tasks
            return {"node": node.hostname, "availability": availability,
                    "tasks_left": left}

        return Plan("drain", node.hostname, f"{verb} Swarm node {node.hostname} "
                    f"({node.role}, {node.tasks} task(s))", steps,
                    {**parameters, "from": node.availability, "node_id": node.id},
                    double_confirm=availability == "drain" and node.tasks > 0,
                    double_confirm_reason=(
                        f"this drains node {node.hostname} with {node.tasks} running task(s): "
                        "they move to other nodes (or stop if none can take them)"
                        if availability == "drain" and node.tasks > 0 else ""),
                    warnings=drain_warnings(nodes, node, availability), decision=decision,
                    run=run)

    return await ops.planned("drain", name, parameters, build)


async def _wait_empty(ops: Acting, swarm: NodeMaintainer, node_id: str, hostname: str,
                      note: Journal) -> int:
    """Until no task is running on the node (they moved, or stopped with nowhere to go)."""
    deadline = time.monotonic() + ops.settings.scale.converge_timeout
    last = -1
    while True:
        running = sum(1 for t in await swarm.node_tasks(node_id) if t.state == "running")
        if running != last:
            last = running
            note(f"{hostname}: {running} task(s) still running")
        if running == 0 or time.monotonic() > deadline:
            return running
        await asyncio.sleep(0.5)
