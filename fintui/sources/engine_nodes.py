"""Engine API JSON → Swarm nodes and tasks: /nodes and /tasks documents as model rows. Pure."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from fintui.model import Node
from fintui.model_ops import TaskFacts
from fintui.sources.engine_facts import task_facts


def node_from(data: Mapping[str, Any], running: Mapping[str, int]) -> Node:
    """A /nodes document, with its number of running tasks from `running` (by node id)."""
    spec = data.get("Spec") or {}
    description = data.get("Description") or {}
    resources = description.get("Resources") or {}
    status = data.get("Status") or {}
    manager = data.get("ManagerStatus") or {}
    node_id = str(data.get("ID", ""))
    return Node(
        id=node_id,
        hostname=str(description.get("Hostname", "")),
        role=str(spec.get("Role", "")),
        availability=str(spec.get("Availability", "")),
        state=str(status.get("State", "unknown")),
        engine_version=str((description.get("Engine") or {}).get("EngineVersion", "")),
        cpus=int(resources.get("NanoCPUs") or 0) / 1e9,
        memory_bytes=int(resources.get("MemoryBytes") or 0),
        address=str(status.get("Addr", "")),
        leader=bool(manager.get("Leader")),
        tasks=running.get(node_id, 0),
    )


def tasks_from(data: Iterable[Mapping[str, Any]]) -> list[TaskFacts]:
    """/tasks documents; a task no node took yet has node id ""."""
    return [task_facts(t) for t in data]
