"""Engine API JSON → typed storage: `/system/df` as DiskUsage, and a container's mounts from
its inspect document. Pure."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from fintui.model import (
    BuildCacheEntry,
    DiskUsage,
    ImageInfo,
    Mount,
    StoppedContainer,
    VolumeInfo,
)
from fintui.timeparse import parse_docker_time


def _labels(raw: Mapping[str, Any] | None) -> tuple[tuple[str, str], ...]:
    return tuple(sorted((str(k), str(v)) for k, v in (raw or {}).items()))


def parse_df(raw: Mapping[str, Any], taken_at: datetime, storage_driver: str = "",
             data_root: str = "") -> DiskUsage:
    volumes = tuple(
        VolumeInfo(name=str(v["Name"]), driver=str(v.get("Driver", "")),
                   mountpoint=str(v.get("Mountpoint", "")),
                   created=parse_docker_time(v.get("CreatedAt")), labels=_labels(v.get("Labels")),
                   size_bytes=None if (v.get("UsageData") or {}).get("Size", -1) < 0
                   else int(v["UsageData"]["Size"]),
                   ref_count=int((v.get("UsageData") or {}).get("RefCount", 0)))
        for v in raw.get("Volumes") or [])
    images = tuple(
        ImageInfo(id=str(i["Id"]), tags=tuple(t for t in i.get("RepoTags") or []
                                               if t != "<none>:<none>"),
                  size_bytes=int(i.get("Size") or 0), shared_bytes=int(i.get("SharedSize") or 0),
                  containers=int(i.get("Containers", -1)),
                  created=parse_docker_time(i.get("Created")), labels=_labels(i.get("Labels")))
        for i in raw.get("Images") or [])
    containers = tuple(
        StoppedContainer(id=str(c["Id"]), name=str((c.get("Names") or ["/?"])[0]).lstrip("/"),
                         image=str(c.get("Image", "")), state=str(c.get("State", "")),
                         size_rw=int(c.get("SizeRw") or 0), labels=_labels(c.get("Labels")))
        for c in raw.get("Containers") or [])
    cache = tuple(
        BuildCacheEntry(id=str(b["ID"]), kind=str(b.get("Type", "")),
                        size_bytes=int(b.get("Size") or 0), in_use=bool(b.get("InUse")),
                        shared=bool(b.get("Shared")), created=parse_docker_time(b.get("CreatedAt")),
                        last_used=parse_docker_time(b.get("LastUsedAt")),
                        description=str(b.get("Description", "")))
        for b in raw.get("BuildCache") or [])
    return DiskUsage(taken_at=taken_at, layers_size=int(raw.get("LayersSize") or 0),
                     volumes=volumes, images=images, containers=containers, build_cache=cache,
                     storage_driver=storage_driver, data_root=data_root)


def mounts_from_inspect(inspect: Mapping[str, Any]) -> tuple[Mount, ...]:
    return tuple(Mount(type=str(m.get("Type", "")), name=str(m.get("Name") or ""),
                       source=str(m.get("Source", "")), destination=str(m.get("Destination", "")),
                       rw=bool(m.get("RW", True)))
                 for m in inspect.get("Mounts") or [])
