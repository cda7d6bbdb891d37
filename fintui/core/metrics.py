"""The alert metrics: one table of every metric a rule may name, with its unit and how it is
read. The alert engine and the config's validation both look metrics up here, so a new metric is
one entry below (and its test). Pure: readers take model objects and return a float, or None
where the number is not known (no data never fires or resolves anything)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, Protocol, TypeVar

from fintui.model import Container, Forecast, Gpu, Health, HostStats

T = TypeVar("T")

PINNED = 0.95  # share of its CPU limit that counts as pinned
IDLE_SIBLINGS = 20.0  # siblings' mean CPU% below which they count as idle
SEVERITY_LEVEL = {"": 0.0, "warning": 1.0, "critical": 2.0}


class RestartCounts(Protocol):
    def increase(self, container_id: str) -> int: ...


@dataclass(slots=True)
class GroupCpu:
    """CPU% of a service's running replicas, summed once per evaluation so each replica's
    comparison with the others costs nothing (services can have hundreds)."""

    total: float = 0.0
    count: int = 0


@dataclass(frozen=True, slots=True)
class ContainerReading:
    """What a container metric may look at: the container, its restart history and its
    service's CPU."""

    container: Container
    restarts: RestartCounts
    group: GroupCpu | None


@dataclass(frozen=True, slots=True)
class Metric(Generic[T]):
    name: str  # "<kind>.<what>": the kind says which objects it is read from
    unit: str  # for display: "%", "restarts", "days", "°C", "bool", "bytes/day", ...
    help: str  # one line
    read: Callable[[T], float | None]

    @property
    def kind(self) -> str:
        return self.name.split(".", 1)[0]


# A stop signal's exit (SIGKILL, SIGTERM) that Swarm gives the tasks it replaces: an update, a
# scale down, a drain. Its task history keeps their containers; none of them is a fault.
_STOPPED_BY_SIGNAL = (137, 143)
_SWARM_TASK = "com.docker.swarm.task.id"


def _exited_nonzero(c: Container) -> bool:
    if c.state not in ("exited", "dead") or not c.exit_code:
        return False
    planned = (c.exit_code in _STOPPED_BY_SIGNAL and not c.oom_killed
               and any(key == _SWARM_TASK for key, _ in c.labels))
    return not planned


def _flag(value: bool) -> float:
    return 1.0 if value else 0.0


def _unhealthy(r: ContainerReading) -> float:
    # Docker keeps the last health status of a container that stopped: a dead one is not
    # failing a check (and must not fire again after every restart of the agent).
    c = r.container
    return _flag(c.state == "running" and c.health is Health.UNHEALTHY)


def _pinned(r: ContainerReading) -> float | None:
    """1 when at its CPU limit while the other replicas of its service idle, else 0."""
    c, group = r.container, r.group
    if c.cpu_limit is None or c.stats is None or c.stats.cpu_percent is None or group is None:
        return None
    own = c.stats.cpu_percent if c.state == "running" else None
    others = group.count - (own is not None)
    if others <= 0:
        return None  # no siblings to compare with
    at_limit = c.stats.cpu_percent >= PINNED * c.cpu_limit * 100
    return 1.0 if at_limit and (group.total - (own or 0.0)) / others < IDLE_SIBLINGS else 0.0


def _mem_percent(r: ContainerReading) -> float | None:
    s = r.container.stats
    return None if s is None or not s.mem_limit_bytes else 100 * s.mem_bytes / s.mem_limit_bytes


def _gpu_mem_percent(g: Gpu) -> float | None:
    if g.mem_used_bytes is None or not g.mem_total_bytes:
        return None
    return 100 * g.mem_used_bytes / g.mem_total_bytes


CONTAINER: tuple[Metric[ContainerReading], ...] = (
    Metric("container.cpu_percent", "%", "CPU use, 100 per core",
           lambda r: None if r.container.stats is None else r.container.stats.cpu_percent),
    Metric("container.mem_percent", "%", "memory use as a share of its limit", _mem_percent),
    Metric("container.restarts_in_window", "restarts", "restarts within alerts.restart_window",
           lambda r: float(r.restarts.increase(r.container.id))),
    Metric("container.unhealthy", "bool", "1 while it runs and its healthcheck fails",
           _unhealthy),
    Metric("container.exited_nonzero", "bool", "1 when it stopped with a non-zero exit code "
           "(not a Swarm task Swarm itself stopped)",
           lambda r: _flag(_exited_nonzero(r.container))),
    Metric("container.oom_killed", "bool", "1 when it was killed for memory",
           lambda r: _flag(r.container.oom_killed)),
    Metric("container.cpu_pinned", "bool",
           "1 when at its CPU limit while its service's other replicas idle", _pinned),
)
HOST: tuple[Metric[HostStats], ...] = (
    Metric("host.cpu_percent", "%", "the host's CPU use", lambda h: h.cpu_percent),
    Metric("host.mem_percent", "%", "the host's memory use",
           lambda h: 100 * h.mem_used_bytes / h.mem_total_bytes if h.mem_total_bytes else None),
    Metric("host.fs_percent", "%", "the fullest filesystem's use",
           lambda h: max((f.percent for f in h.filesystems), default=None)),
)
GPU: tuple[Metric[Gpu], ...] = (
    Metric("gpu.temperature", "°C", "the device's temperature", lambda g: g.temperature_c),
    Metric("gpu.mem_percent", "%", "device memory use", _gpu_mem_percent),
    Metric("gpu.power_percent", "%", "power draw as a share of its limit (at 100 it throttles)",
           lambda g: None if g.power_watts is None or not g.power_limit_watts
           else 100 * g.power_watts / g.power_limit_watts),
    Metric("gpu.ecc_errors", "errors", "ECC errors, uncorrected plus corrected",
           lambda g: None if g.ecc_uncorrected is None
           else float(g.ecc_uncorrected + (g.ecc_corrected or 0))),
)
FORECAST: tuple[Metric[Forecast], ...] = (
    Metric("forecast.days_to_full", "days", "days until the target is full",
           lambda f: f.days_to_full),
    Metric("forecast.severity", "level", "1 warning, 2 critical",
           lambda f: SEVERITY_LEVEL.get(f.severity, 0.0)),
    Metric("forecast.expand", "bool", "1 when expansion is recommended",
           lambda f: _flag(f.expand)),
    Metric("forecast.growth_per_day", "bytes/day", "growth per day",
           lambda f: f.growth_per_day),
)


def _by_name(*metrics: Metric[T]) -> dict[str, Metric[T]]:
    return {m.name: m for m in metrics}


METRICS: tuple[Metric[Any], ...] = (*CONTAINER, *HOST, *GPU, *FORECAST)
CONTAINER_METRICS = _by_name(*CONTAINER)
HOST_METRICS = _by_name(*HOST)
GPU_METRICS = _by_name(*GPU)
FORECAST_METRICS = _by_name(*FORECAST)
METRIC_NAMES: tuple[str, ...] = (*CONTAINER_METRICS, *HOST_METRICS, *GPU_METRICS,
                                 *FORECAST_METRICS)


def unit_of(metric: str) -> str:
    """The unit a metric's value is in ("" for an unknown name), for showing a value."""
    for table in (CONTAINER_METRICS, HOST_METRICS, GPU_METRICS, FORECAST_METRICS):
        if metric in table:
            return table[metric].unit
    return ""
