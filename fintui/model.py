"""The shared vocabulary: frozen snapshots that sources produce and everything else reads."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


class Health(StrEnum):
    NONE = "none"
    STARTING = "starting"
    HEALTHY = "healthy"
    UNHEALTHY = "unhealthy"


@dataclass(frozen=True, slots=True)
class ContainerStats:
    """One stats sample, already reduced to the numbers `docker stats` shows."""

    cpu_percent: float | None  # None until two samples exist
    mem_bytes: int
    mem_limit_bytes: int
    net_rx_bytes: int
    net_tx_bytes: int
    blk_read_bytes: int
    blk_write_bytes: int
    pids: int = 0


@dataclass(frozen=True, slots=True)
class Container:
    id: str
    name: str
    image: str
    state: str  # running, exited, restarting, paused, created, dead, removing
    status: str  # the daemon's human text, e.g. "Up 5 minutes (healthy)"
    health: Health = Health.NONE
    created: datetime | None = None
    started_at: datetime | None = None
    restart_count: int = 0
    service: str = ""  # Swarm service or compose service, "" when standalone
    project: str = ""  # compose project
    labels: tuple[tuple[str, str], ...] = ()
    stats: ContainerStats | None = None

    @property
    def short_id(self) -> str:
        return self.id[:12]

    @property
    def group(self) -> str:
        """What the pane groups by: `project/service`, the Swarm service, or the name."""
        if self.project and self.service:
            return f"{self.project}/{self.service}"
        return self.service or ""


@dataclass(frozen=True, slots=True)
class Service:
    id: str
    name: str
    mode: str  # replicated, global, compose
    desired: int | None
    running: int
    image: str = ""


@dataclass(frozen=True, slots=True)
class Filesystem:
    path: str
    total_bytes: int
    used_bytes: int

    @property
    def percent(self) -> float:
        return 100.0 * self.used_bytes / self.total_bytes if self.total_bytes else 0.0


@dataclass(frozen=True, slots=True)
class HostStats:
    hostname: str
    cpu_percent: float
    cpu_count: int
    mem_used_bytes: int
    mem_total_bytes: int
    load: tuple[float, float, float]
    filesystems: tuple[Filesystem, ...] = ()
    error: str = ""


@dataclass(frozen=True, slots=True)
class SourceStatus:
    """Where the data came from and whether it is live."""

    endpoint: str
    connected: bool
    error: str = ""
    engine_version: str = ""
    api_version: str = ""
    data_root: str = ""


@dataclass(frozen=True, slots=True)
class ClusterSnapshot:
    taken_at: datetime
    source: SourceStatus
    containers: tuple[Container, ...] = ()
    services: tuple[Service, ...] = ()
    host: HostStats | None = None
    stale: bool = False  # true when this is the last good data kept through an outage
