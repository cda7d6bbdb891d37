"""GPU processes to containers: /proc/<pid>/cgroup lines to a container id, and the join with
the containers fintui knows. Pure (the cgroup text is read elsewhere)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import replace

from fintui.model import Container, Gpu

# docker/<id> (cgroup v1 and cgroupfs v2), docker-<id>.scope (systemd), cri-containerd-<id>,
# containerd's /<namespace>/<id>, and libpod-<id> (podman).
_ID = re.compile(r"(?:docker[-/]|cri-containerd-|containerd[-/][^/]*/|libpod-|/moby/)"
                 r"([0-9a-f]{64})(?:\.scope)?(?=/|$)")


def container_id_from_cgroup(text: str) -> str:
    """The container id in a /proc/<pid>/cgroup file, or "" for a process outside one."""
    for line in text.splitlines():
        found = _ID.findall(line.split(":", 2)[-1])
        if found:
            return str(found[-1])  # the innermost: a daemon nested in a container sees that one
    return ""


def attach_containers(gpus: Iterable[Gpu], pid_containers: Mapping[int, str],
                      containers: Iterable[Container]) -> tuple[Gpu, ...]:
    """Name each GPU process's container (by id, full or short)."""
    known = {c.id: c for c in containers}
    out = []
    for gpu in gpus:
        processes = []
        for proc in gpu.processes:
            cid = pid_containers.get(proc.pid, "")
            owner = known.get(cid) or next((c for c in known.values() if cid and
                                            c.id.startswith(cid)), None)
            processes.append(replace(proc, container_id=cid,
                                     container_name=owner.name if owner else "",
                                     service=owner.group if owner else ""))
        out.append(replace(gpu, processes=tuple(processes)))
    return tuple(out)


def gpu_memory_by_container(gpus: Iterable[Gpu]) -> dict[str, int]:
    totals: dict[str, int] = {}
    for gpu in gpus:
        for proc in gpu.processes:
            if proc.container_id and proc.used_bytes:
                totals[proc.container_id] = totals.get(proc.container_id, 0) + proc.used_bytes
    return totals
