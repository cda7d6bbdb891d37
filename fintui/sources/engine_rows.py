"""Engine API JSON → the rows a snapshot holds (Container, Service, Node). Pure."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fintui.core.swarm_nodes import placement_by_service, running_by_node, running_by_service
from fintui.model import Container, ContainerStats, Health, Node, Service
from fintui.sources.engine_disk import mounts_from_inspect
from fintui.sources.engine_gpu import requested_gpus
from fintui.sources.engine_nodes import node_from, tasks_from
from fintui.timeparse import parse_docker_time

SWARM_SERVICE = "com.docker.swarm.service.name"
COMPOSE_PROJECT = "com.docker.compose.project"
COMPOSE_SERVICE = "com.docker.compose.service"


def listed_from_inspect(data: Mapping[str, Any]) -> dict[str, Any]:
    """A /containers/json row made from inspect data, for a container an event named."""
    state = data.get("State") or {}
    config = data.get("Config") or {}
    status = str(state.get("Status") or "unknown")
    health = (state.get("Health") or {}).get("Status")
    text = {"running": "Up", "exited": f"Exited ({state.get('ExitCode', 0)})",
            "paused": "Up (Paused)", "restarting": "Restarting",
            "created": "Created"}.get(status, status.capitalize())
    return {"Id": data.get("Id"), "Names": [str(data.get("Name") or "")],
            "Image": config.get("Image") or data.get("Image") or "",
            "State": status, "Status": f"{text} ({health})" if health else text,
            "Labels": config.get("Labels") or {}, "Created": data.get("Created")}


def health_from(inspect: Mapping[str, Any] | None, status_text: str) -> Health:
    state = (inspect or {}).get("State") or {}
    value = (state.get("Health") or {}).get("Status")
    if not value:  # fall back on the list's status text, e.g. "Up 3 min (unhealthy)"
        lowered = status_text.lower()
        for candidate in ("unhealthy", "healthy", "starting"):
            if f"({candidate}" in lowered or f"health: {candidate}" in lowered:
                value = candidate
                break
    try:
        return Health(value) if value else Health.NONE
    except ValueError:
        return Health.NONE


def container_from(
    listed: Mapping[str, Any], inspect: Mapping[str, Any] | None, stats: ContainerStats | None,
    endpoint: str = "",
) -> Container:
    labels: dict[str, str] = dict(listed.get("Labels") or {})
    names = listed.get("Names") or []
    name = str(names[0]).lstrip("/") if names else str(listed["Id"])[:12]
    state = (inspect or {}).get("State") or {}
    service = labels.get(SWARM_SERVICE) or labels.get(COMPOSE_SERVICE) or ""
    return Container(
        id=str(listed["Id"]),
        name=name,
        image=str(listed.get("Image") or ""),
        state=str(listed.get("State") or state.get("Status") or "unknown"),
        status=str(listed.get("Status") or ""),
        health=health_from(inspect, str(listed.get("Status") or "")),
        created=parse_docker_time(listed.get("Created")),
        started_at=parse_docker_time(state.get("StartedAt")),
        restart_count=int((inspect or {}).get("RestartCount") or 0),
        service=service,
        project=labels.get(COMPOSE_PROJECT, "") if COMPOSE_SERVICE in labels else "",
        labels=tuple(sorted(labels.items())),
        stats=stats,
        mounts=mounts_from_inspect(inspect or {}),
        finished_at=parse_docker_time(state.get("FinishedAt")),
        exit_code=int(state["ExitCode"]) if "ExitCode" in state else None,
        gpu_request=requested_gpus(inspect or {}),
        oom_killed=bool(state.get("OOMKilled")),
        cpu_limit=cpu_limit((inspect or {}).get("HostConfig") or {}),
        endpoint=endpoint,
        image_id=str(listed.get("ImageID") or ""),
    )


def cpu_limit(host: Mapping[str, Any]) -> float | None:
    if host.get("NanoCpus"):
        return float(host["NanoCpus"]) / 1e9
    quota, period = host.get("CpuQuota") or 0, host.get("CpuPeriod") or 0
    return quota / period if quota > 0 and period > 0 else None


def compose_services(containers: tuple[Container, ...]) -> list[Service]:
    groups: dict[str, list[Container]] = {}
    for c in containers:
        if c.project:
            groups.setdefault(c.group, []).append(c)
    return [
        Service(id=key, name=key, mode="compose", desired=None,
                running=sum(1 for c in members if c.state == "running"),
                image=members[0].image)
        for key, members in sorted(groups.items())
    ]


def swarm_rows(services: list[dict[str, Any]], tasks: list[dict[str, Any]],
               nodes: list[dict[str, Any]]) -> tuple[list[Service], list[Node]]:
    """Services and nodes from /services, /tasks (desired running) and /nodes."""
    task_rows = tasks_from(tasks)
    per_node = running_by_node(task_rows)
    node_rows = sorted((node_from(n, per_node) for n in nodes),
                       key=lambda n: (n.role != "manager", n.hostname))
    placement = placement_by_service(task_rows, node_rows)
    running = running_by_service(task_rows)
    out = []
    for svc in services:
        spec = svc.get("Spec") or {}
        mode = spec.get("Mode") or {}
        replicated = "Replicated" in mode
        image = str(((spec.get("TaskTemplate") or {}).get("ContainerSpec") or {})
                    .get("Image", "")).split("@")[0]
        out.append(Service(
            id=str(svc["ID"]), name=str(spec.get("Name", svc["ID"])),
            mode="replicated" if replicated else "global",
            desired=int((mode.get("Replicated") or {}).get("Replicas", 0))
            if replicated else None,
            running=running.get(str(svc["ID"]), 0), image=image,
            placement=placement.get(str(svc["ID"]), ()),
            updated=parse_docker_time(svc.get("UpdatedAt")),
        ))
    return sorted(out, key=lambda s: s.name), node_rows
