"""Swarm node availability in the operations layer: drain a node (its tasks move to the
others) or make it active again, through the manager, guarded and audited as "drain"."""

from __future__ import annotations

import asyncio
import time
from typing import TYPE_CHECKING, Any

from fintui.core.swarm_nodes import AVAILABILITIES, drain_warnings, find_node, node_from
from fintui.sources.base import ActionFailed

if TYPE_CHECKING:
    from fintui.core.act_journal import Journal
    from fintui.ops.guard import Decision
    from fintui.ops.operations import Operations, Plan

UPDATE_RETRIES = 5


async def plan_node(ops: Operations, name: str, availability: str) -> Plan:
    from fintui.ops.operations import Plan, Refused

    parameters = {"availability": availability}

    async def build(decision: Decision) -> Plan:
        if availability not in AVAILABILITIES:
            raise Refused(f"availability must be one of {', '.join(AVAILABILITIES)}")
        raw = await ops.actions.nodes()
        tasks: dict[str, int] = {}
        for node_json in raw:
            node_id = str(node_json.get("ID"))
            tasks[node_id] = len(await ops.actions.node_tasks(node_id))
        nodes = [node_from(n, tasks) for n in raw]
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
            steps.append(f"wait up to {ops.settings.ops.converge_timeout:g} s for its "
                         f"{node.tasks} task(s) to leave it")

        async def run(note: Journal) -> dict[str, Any]:
            note.trying(f"setting node {node.hostname} {availability}")
            await _set_availability(ops, node.id, availability)
            note.changed(f"node {node.hostname}: availability {node.availability} → {availability}")
            left = await _wait_empty(ops, node.id, node.hostname, note) \
                if availability == "drain" else node.tasks
            return {"node": node.hostname, "availability": availability,
                    "tasks_left": left}

        return Plan("drain", node.hostname, f"{verb} Swarm node {node.hostname} "
                    f"({node.role}, {node.tasks} task(s))", steps,
                    {**parameters, "from": node.availability, "node_id": node.id},
                    double_confirm=availability == "drain" and node.tasks > 0,
                    warnings=drain_warnings(nodes, node, availability), decision=decision,
                    run=run)

    return await ops._planned("drain", name, parameters, build)


async def _set_availability(ops: Operations, node_id: str, availability: str) -> None:
    """Update with the node's version index, again when another writer got there first."""
    for attempt in range(UPDATE_RETRIES):
        current = next((n for n in await ops.actions.nodes() if n.get("ID") == node_id), None)
        if current is None:
            raise ActionFailed(f"node {node_id[:12]} has left the cluster", 404)
        spec = dict(current.get("Spec") or {})
        spec["Availability"] = availability
        try:
            await ops.actions.update_node(node_id, int(current["Version"]["Index"]), spec)
            return
        except ActionFailed as exc:
            if "out of sequence" not in str(exc) or attempt == UPDATE_RETRIES - 1:
                raise
            await asyncio.sleep(0.2 * (attempt + 1))


async def _wait_empty(ops: Operations, node_id: str, hostname: str, note: Journal) -> int:
    """Until no task is running on the node (they moved, or stopped with nowhere to go)."""
    deadline = time.monotonic() + ops.settings.ops.converge_timeout
    last = -1
    while True:
        running = sum(1 for t in await ops.actions.node_tasks(node_id)
                      if (t.get("Status") or {}).get("State") == "running")
        if running != last:
            last = running
            note(f"{hostname}: {running} task(s) still running")
        if running == 0 or time.monotonic() > deadline:
            return running
        await asyncio.sleep(0.5)
