"""The shared vocabulary: frozen snapshots that sources produce and everything else reads."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from fintui.model_health import HealthCheck


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
    # Bytes a second since the sample before (fintui.core.stats.with_io_rates); None until
    # two samples exist, or when a counter went back (a restart).
    net_rx_rate: float | None = None
    net_tx_rate: float | None = None
    blk_read_rate: float | None = None
    blk_write_rate: float | None = None


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
    mounts: tuple[Mount, ...] = ()
    finished_at: datetime | None = None
    exit_code: int | None = None
    gpu_request: str = ""  # GPUs asked for: "all", "0,1", "2 GPU(s)"; "" for none
    oom_killed: bool = False  # the kernel's OOM killer ended its last run
    cpu_limit: float | None = None  # CPUs it may use (--cpus or quota/period); None: no limit
    endpoint: str = ""  # the configured endpoint's name; "" with a single unnamed endpoint
    image_id: str = ""  # sha256:… of the image it runs (the daemon's list says it)

    @property
    def short_id(self) -> str:
        return self.id[:12]

    @property
    def group(self) -> str:
        """What the pane groups by: `project/service`, the Swarm service, or the name."""
        if self.project and self.service:
            return f"{self.project}/{self.service}"
        return self.service or ""

    @property
    def group_key(self) -> str:
        """The group with its endpoint: two daemons' same-named services are two groups, with
        their own counts and CPU (only a group's own endpoint is scaled)."""
        group = self.group
        return f"{group} @{self.endpoint}" if group and self.endpoint else group


@dataclass(frozen=True, slots=True)
class Service:
    id: str
    name: str
    mode: str  # replicated, global, compose
    desired: int | None
    running: int
    image: str = ""
    endpoint: str = ""
    # Swarm: where its tasks meant to run are, as (node hostname, task state, count).
    placement: tuple[tuple[str, str, int], ...] = ()
    updated: datetime | None = None  # Swarm: its spec's last change (a rollout's time)


@dataclass(frozen=True, slots=True)
class Node:
    """A Swarm node as its manager reports it."""

    id: str
    hostname: str
    role: str  # manager, worker
    availability: str  # active, pause, drain
    state: str  # ready, down, unknown, disconnected
    engine_version: str = ""
    cpus: float = 0.0
    memory_bytes: int = 0
    address: str = ""
    leader: bool = False
    tasks: int = 0  # running tasks on it
    endpoint: str = ""  # the manager endpoint that reported it


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
    name: str = ""  # the endpoint's configured name
    since: datetime | None = None  # when it was last seen live (set while it is down)
    same_as: str = ""  # the endpoint whose rows show this one's daemon (it reaches it too)
    # Connected, but its events stream is not flowing: the list comes from relists alone,
    # so a new container or a restart shows a refresh late.
    events_behind: bool = False


@dataclass(frozen=True, slots=True)
class ClusterSnapshot:
    taken_at: datetime
    source: SourceStatus
    containers: tuple[Container, ...] = ()
    services: tuple[Service, ...] = ()
    host: HostStats | None = None
    stale: bool = False  # true when this is the last good data kept through an outage
    gpus: tuple[Gpu, ...] = ()
    gpu_error: str = ""  # why there are no GPU numbers (no driver, NVML failed), "" if fine
    nodes: tuple[Node, ...] = ()  # Swarm nodes, when the endpoint is a manager
    # Each configured endpoint's own state when there are several; empty with one.
    endpoints: tuple[SourceStatus, ...] = ()

    @property
    def down_endpoints(self) -> tuple[SourceStatus, ...]:
        """The endpoints not answering now (their rows are the last ones seen)."""
        return tuple(e for e in self.endpoints if not e.connected)

    def containers_of(self, endpoint: str) -> tuple[Container, ...]:
        """One endpoint's containers (the users of its storage); every one for ""."""
        if not endpoint:
            return self.containers
        return tuple(c for c in self.containers if c.endpoint == endpoint)


@dataclass(frozen=True, slots=True)
class Mount:
    type: str  # volume, bind, tmpfs
    name: str  # volume name; "" for binds
    source: str  # host path
    destination: str
    rw: bool


@dataclass(frozen=True, slots=True)
class ContainerDetails:
    """What an on-call engineer reads first about one container (the Details screen).
    Environment variables by name only: their values often hold credentials."""

    id: str
    image: str
    state: str
    exit_code: int | None
    restarts: int
    started: str  # as the daemon said it; "" if it never started
    user: str  # "" for the image's default
    command: tuple[str, ...]  # entrypoint, then arguments
    env: tuple[tuple[str, bool], ...]  # (name, whether it has a value)
    mounts: tuple[Mount, ...]
    networks: tuple[tuple[str, str, tuple[str, ...]], ...]  # (network, ip, aliases)
    labels: tuple[tuple[str, str], ...]
    restart_policy: str  # no, always, on-failure, unless-stopped
    restart_retries: int
    cpus: float | None  # None: unlimited
    memory_bytes: int  # 0: unlimited
    memory_reservation: int = 0
    pids_limit: int = 0
    cpuset: str = ""
    devices: tuple[tuple[str, str], ...] = ()  # (driver, device ids or "count N")
    health: HealthCheck | None = None  # None: no health check configured
    # Aliases Docker gives this one instance on every network by itself (its name, short id,
    # hostname), sorted: shown apart, since a reconnect need not (and does not) ask for them.
    instance_names: tuple[str, ...] = ()
    # What is running: the image's local id, the registry digests the daemon knows of it
    # (`repo@sha256:…`; none for an image built or loaded here), and when it was deployed
    # (ISO text; `deployed_how` says from what: "task created", "container created").
    image_id: str = ""
    digests: tuple[str, ...] = ()
    deployed: str = ""
    deployed_how: str = ""


@dataclass(frozen=True, slots=True)
class VolumeInfo:
    name: str
    driver: str
    mountpoint: str
    created: datetime | None
    labels: tuple[tuple[str, str], ...]
    size_bytes: int | None  # None when the daemon did not compute it (-1)
    ref_count: int

    @property
    def anonymous(self) -> bool:
        """Docker names anonymous volumes with 64 hex characters."""
        return len(self.name) == 64 and all(c in "0123456789abcdef" for c in self.name)


@dataclass(frozen=True, slots=True)
class ImageInfo:
    id: str
    tags: tuple[str, ...]  # empty: dangling
    size_bytes: int
    shared_bytes: int
    containers: int  # how many containers use it (-1: unknown)
    created: datetime | None
    labels: tuple[tuple[str, str], ...]

    @property
    def dangling(self) -> bool:
        return not self.tags or all(t == "<none>:<none>" for t in self.tags)


@dataclass(frozen=True, slots=True)
class StoppedContainer:
    id: str
    name: str
    image: str
    state: str
    size_rw: int
    labels: tuple[tuple[str, str], ...]
    exit_code: int | None = None
    finished_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class BuildCacheEntry:
    id: str
    kind: str
    size_bytes: int
    in_use: bool
    shared: bool
    created: datetime | None
    last_used: datetime | None
    description: str = ""


@dataclass(frozen=True, slots=True)
class DiskUsage:
    """One reading of `/system/df`, plus who mounts what (from the containers' inspect)."""

    taken_at: datetime
    layers_size: int
    volumes: tuple[VolumeInfo, ...]
    images: tuple[ImageInfo, ...]
    containers: tuple[StoppedContainer, ...]  # every container, with its writable-layer size
    build_cache: tuple[BuildCacheEntry, ...]
    storage_driver: str = ""
    data_root: str = ""


@dataclass(frozen=True, slots=True)
class CleanupItem:
    kind: str  # volume, container, image, build-cache
    name: str
    id: str
    bytes: int
    reason: str  # the rule that selected it, or why it was spared
    age_seconds: float | None = None


@dataclass(frozen=True, slots=True)
class GpuProcess:
    pid: int
    used_bytes: int | None
    command: str
    kind: str  # compute, graphics
    container_id: str = ""  # "" when the process is not in a container (or not ours to see)
    container_name: str = ""
    service: str = ""


@dataclass(frozen=True, slots=True)
class Gpu:
    """One device. Any field NVML does not support on it is None (shown as n/a)."""

    index: int
    name: str
    uuid: str
    util_percent: float | None = None
    mem_util_percent: float | None = None
    mem_used_bytes: int | None = None
    mem_total_bytes: int | None = None
    temperature_c: float | None = None
    power_watts: float | None = None
    power_limit_watts: float | None = None
    fan_percent: float | None = None
    sm_clock_mhz: int | None = None
    mem_clock_mhz: int | None = None
    throttle_reasons: tuple[str, ...] | None = None
    ecc_corrected: int | None = None
    ecc_uncorrected: int | None = None
    mig_mode: str | None = None
    processes: tuple[GpuProcess, ...] = ()


@dataclass(frozen=True, slots=True)
class GpuReading:
    """One NVML sample: the devices, why there are none (error), and which container each
    GPU process runs in (pid -> container id, from /proc/<pid>/cgroup)."""

    gpus: tuple[Gpu, ...]
    error: str = ""
    pid_containers: tuple[tuple[int, str], ...] = ()


@dataclass(frozen=True, slots=True)
class AlertRule:
    name: str
    metric: str
    op: str
    threshold: float
    for_seconds: float
    severity: str
    scope: tuple[tuple[str, str], ...] = ()  # service=, container=, label=k=v, gpu=, host=
    runbook: str = ""
    faulty: bool = False  # a fault signature: the remedy is to isolate the instance
    action: str = ""  # "isolate": the watch isolates a firing target itself (a policy)
    max_per_hour: int = 1  # automatic isolations per service in an hour; more are proposed
    max_fraction: float = 0.5  # of a service's replicas, the most isolated at once


@dataclass(frozen=True, slots=True)
class Forecast:
    """Where one series is heading. Bytes throughout; days from the time of the forecast."""

    target: str  # what the operator reads: "fs /var/lib/docker", "volume ledger-data"
    kind: str  # filesystem, volume, images, build-cache, host-memory, container-memory, gpu-memory
    used_bytes: float
    capacity_bytes: float | None  # None: not known (a remote daemon's disk)
    status: str  # ok, too-short, flat, shrinking, full
    message: str  # the status in words, for the pane and the CLI
    model: str  # linear, holt; "" when nothing was fitted
    growth_per_day: float | None
    days_to_full: float | None  # None: not growing, no capacity, or beyond ten years
    days_to_full_low: float | None  # the band: earliest plausible
    days_to_full_high: float | None  # latest plausible; None: it may never fill
    projections: tuple[tuple[int, float], ...]  # (days ahead, bytes)
    severity: str  # "", warning, critical
    expand: bool  # over a threshold for several samples running: add capacity
    recommended_capacity: float | None  # daily writes x retention x redundancy
    path: tuple[tuple[float, float, float, float], ...]  # (epoch s, mid, low, high) ahead


@dataclass(frozen=True, slots=True)
class UsageSample:
    """One point of a usage series, as the history stores it."""

    kind: str  # filesystem, volume, images, build-cache, host-memory, container-memory, ...
    name: str
    value: float  # bytes in use
    capacity: float | None  # bytes it can grow to, when known
