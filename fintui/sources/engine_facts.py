"""Engine API JSON → the facts ops acts on (fintui.model_ops). Pure; the only place the
Engine's container, service and task documents are taken apart for the operations layer."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from fintui.model_ops import (
    ContainerFacts,
    NetworkAttachment,
    RestartPolicy,
    ServiceFacts,
    TaskFacts,
)


def own_aliases(aliases: Iterable[str] | None, inspect: Mapping[str, Any]) -> tuple[str, ...]:
    """Aliases a copy should get: the service's, not the ones naming this one instance."""
    instance = {str(inspect.get("Id", ""))[:12],
                str((inspect.get("Config") or {}).get("Hostname", "")),
                str(inspect.get("Name", "")).lstrip("/")}
    return tuple(a for a in aliases or [] if a not in instance)


def attachments(inspect: Mapping[str, Any]) -> tuple[NetworkAttachment, ...]:
    """Each network the container is on, with what is needed to put it back."""
    networks = (inspect.get("NetworkSettings") or {}).get("Networks") or {}
    out = []
    for name, net in sorted(networks.items()):
        ipam = (net or {}).get("IPAMConfig") or {}
        out.append(NetworkAttachment(str(name), own_aliases((net or {}).get("Aliases"), inspect),
                                     str(ipam.get("IPv4Address") or ""),
                                     str(ipam.get("IPv6Address") or "")))
    return tuple(out)


def endpoint_config(attachment: NetworkAttachment) -> dict[str, Any]:
    """The EndpointConfig that puts a container on a network as the attachment says."""
    config: dict[str, Any] = {"Aliases": list(attachment.aliases)}
    ipam = {key: value for key, value in (("IPv4Address", attachment.ipv4),
                                          ("IPv6Address", attachment.ipv6)) if value}
    if ipam:
        config["IPAMConfig"] = ipam
    return config


def restart_policy(inspect: Mapping[str, Any]) -> RestartPolicy:
    return RestartPolicy.from_record((inspect.get("HostConfig") or {}).get("RestartPolicy"))


def container_facts(inspect: Mapping[str, Any]) -> ContainerFacts:
    """From GET /containers/{id}/json."""
    state = inspect.get("State") or {}
    config = inspect.get("Config") or {}
    return ContainerFacts(
        id=str(inspect["Id"]), name=str(inspect.get("Name", "")).lstrip("/"),
        state=str(state.get("Status") or "") if isinstance(state, Mapping) else str(state),
        image=str(config.get("Image") or ""), labels=dict(config.get("Labels") or {}),
        networks=attachments(inspect), restart_policy=restart_policy(inspect),
        workload=inspect, restarts=int(inspect.get("RestartCount") or 0), **_ending(state))


def _ending(state: Any) -> dict[str, Any]:
    """Health and last exit code, from an inspect's State."""
    if not isinstance(state, Mapping):
        return {}
    finished = str(state.get("FinishedAt") or "")
    never = not finished or finished.startswith("0001-")  # the Engine's zero time
    code = state.get("ExitCode")
    return {"health": str((state.get("Health") or {}).get("Status") or ""),
            "exit_code": code if isinstance(code, int) and not never else None}


def listed_facts(entry: Mapping[str, Any]) -> ContainerFacts:
    """From an entry of GET /containers/json (no networks, no restart policy)."""
    return ContainerFacts(
        id=str(entry["Id"]), name=str((entry.get("Names") or ["?"])[0]).lstrip("/"),
        state=str(entry.get("State") or ""), image=str(entry.get("Image") or ""),
        labels=dict(entry.get("Labels") or {}))


def service_facts(service: Mapping[str, Any]) -> ServiceFacts:
    """From GET /services/{id}."""
    spec = service.get("Spec") or {}
    mode = spec.get("Mode") or {}
    replicated = "Replicated" in mode
    grace = ((spec.get("TaskTemplate") or {}).get("ContainerSpec") or {}).get(
        "StopGracePeriod")  # nanoseconds; absent: Docker's 10 s
    return ServiceFacts(str(service["ID"]), str(spec.get("Name", "")), replicated,
                        int((mode.get("Replicated") or {}).get("Replicas", 0))
                        if replicated else 0,
                        grace / 1e9 if isinstance(grace, int) else 10.0)


def task_facts(task: Mapping[str, Any]) -> TaskFacts:
    """From an entry of GET /tasks."""
    status = task.get("Status") or {}
    return TaskFacts(str(task.get("ID", "")), str(status.get("State") or ""),
                     str(task.get("DesiredState") or ""), str(status.get("Err") or ""),
                     str(task.get("NodeID") or ""), str(task.get("ServiceID") or ""))
