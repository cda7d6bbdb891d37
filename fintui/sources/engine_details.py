"""Engine API JSON → ContainerDetails: what the Details screen shows, from a container's
inspect document. Pure. Environment values stay here: the details carry the names only."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fintui.model import ContainerDetails
from fintui.model_ops import SWARM_SERVICE_ID
from fintui.sources.engine_disk import mounts_from_inspect
from fintui.sources.engine_health import health_from


def _cpus(host: Mapping[str, Any]) -> float | None:
    nano = host.get("NanoCpus") or 0
    quota, period = host.get("CpuQuota") or 0, host.get("CpuPeriod") or 0
    if nano:
        return float(nano) / 1e9
    return float(quota) / float(period) if quota and period else None


def _devices(host: Mapping[str, Any]) -> tuple[tuple[str, str], ...]:
    return tuple((str(r.get("Driver") or "gpu"),
                  ",".join(str(i) for i in r.get("DeviceIDs") or []) or f"count {r.get('Count')}")
                 for r in host.get("DeviceRequests") or [])


def _networks(data: Mapping[str, Any]) -> tuple[tuple[str, str, tuple[str, ...]], ...]:
    networks = (data.get("NetworkSettings") or {}).get("Networks") or {}
    return tuple((str(name), str(net.get("IPAddress") or ""),
                  tuple(str(a) for a in net.get("Aliases") or []))
                 for name, net in sorted(networks.items()))


def _instance_names(data: Mapping[str, Any]) -> tuple[str, ...]:
    names = {str(data.get("Id") or "")[:12], str(data.get("Name") or "").lstrip("/"),
             str((data.get("Config") or {}).get("Hostname") or "")}
    return tuple(sorted(names - {""}))


def deployed_from(data: Mapping[str, Any], service: Mapping[str, Any] | None
                  ) -> tuple[str, str]:
    """When what runs was deployed, and from what: the container's creation. A Swarm task's
    container is made when Swarm deploys that task (its service's last update may not have
    reached it yet, or came after it exited), so it says "task created"."""
    labels = (data.get("Config") or {}).get("Labels") or {}
    task = bool(service) or SWARM_SERVICE_ID in labels
    return str(data.get("Created") or ""), "task created" if task else "container created"


def details_from(data: Mapping[str, Any], image: Mapping[str, Any] | None = None,
                 service: Mapping[str, Any] | None = None) -> ContainerDetails:
    """A GET /containers/{id}/json document; with its image's (GET /images/{id}/json) and,
    for a Swarm task, its service's (GET /services/{id}) where they could be read."""
    config = data.get("Config") or {}
    host = data.get("HostConfig") or {}
    state = data.get("State") or {}
    policy = host.get("RestartPolicy") or {}
    started = str(state.get("StartedAt") or "")
    exit_code = state.get("ExitCode")
    deployed, deployed_how = deployed_from(data, service)
    return ContainerDetails(
        id=str(data.get("Id", "?")), image=str(config.get("Image", "?")),
        state=str(state.get("Status", "?")),
        exit_code=None if exit_code is None else int(exit_code),
        restarts=int(data.get("RestartCount") or 0),
        started="" if started.startswith("0001-") else started,
        user=str(config.get("User") or ""),
        command=tuple(str(p) for p in [*(config.get("Entrypoint") or []),
                                       *(config.get("Cmd") or [])]),
        env=tuple((key, bool(sep)) for key, sep, _value in
                  (str(item).partition("=") for item in config.get("Env") or [])),
        mounts=mounts_from_inspect(data),
        networks=_networks(data),
        labels=tuple(sorted((str(k), str(v)) for k, v in (config.get("Labels") or {}).items())),
        restart_policy=str(policy.get("Name") or "no"),
        restart_retries=int(policy.get("MaximumRetryCount") or 0),
        cpus=_cpus(host),
        memory_bytes=int(host.get("Memory") or 0),
        memory_reservation=int(host.get("MemoryReservation") or 0),
        pids_limit=int(host.get("PidsLimit") or 0),
        cpuset=str(host.get("CpusetCpus") or ""),
        devices=_devices(host),
        health=health_from(data),
        instance_names=_instance_names(data),
        image_id=str(data.get("Image") or ""),
        digests=tuple(str(d) for d in (image or {}).get("RepoDigests") or []),
        deployed=deployed, deployed_how=deployed_how,
    )
