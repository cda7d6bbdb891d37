"""Swarm nodes and tasks: where a service's tasks run, the Nodes pane's rows, and what
draining a node means. Pure (the Engine's JSON is read in sources/engine_nodes.py)."""

from __future__ import annotations

from collections.abc import Iterable

from fintui.core.table_rows import Header, Row, headers, plain_row, stretch
from fintui.model import Node, Service
from fintui.model_ops import TaskFacts

AVAILABILITIES = ("active", "pause", "drain")


def running_by_node(tasks: Iterable[TaskFacts]) -> dict[str, int]:
    """Node id -> its running tasks."""
    out: dict[str, int] = {}
    for task in tasks:
        if task.state == "running":
            out[task.node_id] = out.get(task.node_id, 0) + 1
    return out


def running_by_service(tasks: Iterable[TaskFacts]) -> dict[str, int]:
    """Service id -> its running tasks."""
    out: dict[str, int] = {}
    for task in tasks:
        if task.state == "running":
            out[task.service_id] = out.get(task.service_id, 0) + 1
    return out


def placement_by_service(tasks: Iterable[TaskFacts], nodes: Iterable[Node]
                         ) -> dict[str, tuple[tuple[str, str, int], ...]]:
    """Service id -> (node hostname, task state, count) of its tasks meant to run, so one
    console shows a service spread over the cluster. A task no node took yet is `unassigned`."""
    names = {n.id: n.hostname for n in nodes}
    counts: dict[str, dict[tuple[str, str], int]] = {}
    for task in tasks:
        node = names.get(task.node_id, task.node_id[:12]) if task.node_id else "unassigned"
        state = task.state or "unknown"
        per = counts.setdefault(task.service_id, {})
        per[(node, state)] = per.get((node, state), 0) + 1
    return {sid: tuple((node, state, n) for (node, state), n in sorted(per.items()))
            for sid, per in counts.items()}


def placement_text(placement: Iterable[tuple[str, str, int]]) -> str:
    """`node-a ●2  node-b ●1  node-c pending 1`: running tasks by a symbol, others by word."""
    return "  ".join(f"{node} ●{n}" if state == "running" else f"{node} {state} {n}"
                     for node, state, n in placement) or "-"


def service_rows(services: Iterable[Service]) -> list[tuple[str, ...]]:
    """The Nodes pane's service cells: Swarm services only (compose ones live on one host)."""
    rows: list[tuple[str, ...]] = []
    for s in services:
        if s.mode == "compose":
            continue
        desired = "global" if s.desired is None else str(s.desired)
        name = f"{s.name} @{s.endpoint}" if s.endpoint else s.name
        rows.append((name, s.mode, f"{s.running}/{desired}", placement_text(s.placement)))
    return rows


def find_node(nodes: Iterable[Node], name: str) -> Node | None:
    """By hostname, full id or an id prefix of at least 6 characters; None if not exactly one."""
    nodes = list(nodes)
    exact = [n for n in nodes if name in (n.hostname, n.id)]
    if len(exact) == 1:
        return exact[0]
    prefixed = [n for n in nodes if len(name) >= 6 and n.id.startswith(name)]
    return prefixed[0] if len(prefixed) == 1 else None


def drain_warnings(nodes: Iterable[Node], target: Node, availability: str) -> list[str]:
    """What an operator must know before changing a node's availability."""
    if availability != "drain":
        return []
    others = [n for n in nodes if n.id != target.id and n.availability == "active"
              and n.state == "ready"]
    warnings = []
    if not others:
        warnings.append(f"{target.hostname} is the only active node: its {target.tasks} "
                        "task(s) stop and have nowhere to go until a node is activated")
    if target.role == "manager":
        warnings.append(f"{target.hostname} is a manager: it keeps managing the cluster, "
                        "but runs no tasks")
    return warnings


def node_rows(nodes: Iterable[Node]) -> list[tuple[str, ...]]:
    """The Nodes pane's cells, as plain text; every state also as a word."""
    from fintui.core.format import human_bytes

    # With several endpoints a node also names the manager that reported it.
    return [(f"{n.hostname} @{n.endpoint}" if n.endpoint else n.hostname,
             f"{n.role}{' (leader)' if n.leader else ''}",
             {"active": "● active", "pause": "‖ pause", "drain": "↓ drain"}.get(
                 n.availability, n.availability),
             f"{'✓' if n.state == 'ready' else '✗'} {n.state}", str(n.tasks),
             f"{n.cpus:g}", human_bytes(n.memory_bytes), n.engine_version, n.address)
            for n in nodes]


# Where a node is (its address) outlasts its engine version; a service's tasks are cut (…)
# rather than dropped.
NODE_HEADERS = headers("Node", "Role", "Availability", "State", "Tasks", "CPUs", "Memory",
                       Header("Engine", "Engine", 8), Header("Address", "Address", 7))
SERVICE_HEADERS = headers("Service", "Mode", "Running", stretch("Tasks by node", 16))


def node_table(nodes: Iterable[Node]) -> list[Row]:
    """The Nodes pane's node table, a row a node (keyed by endpoint and node id)."""
    nodes = list(nodes)
    return [plain_row(f"{n.endpoint}/{n.id}", NODE_HEADERS, cells)
            for n, cells in zip(nodes, node_rows(nodes), strict=True)]


def service_table(services: Iterable[Service]) -> list[Row]:
    """The Nodes pane's Swarm services, a row a service (keyed by endpoint and service id)."""
    swarm = [s for s in services if s.mode != "compose"]
    return [plain_row(f"{s.endpoint}/{s.id}", SERVICE_HEADERS, cells)
            for s, cells in zip(swarm, service_rows(swarm), strict=True)]
