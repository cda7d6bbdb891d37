"""Autoscaling's arithmetic: a service's replicas in a snapshot, one reading of its metric,
consecutive readings past a threshold, and the decision. Pure: the runner
(fintui/watch/policies.py) feeds it snapshots and acts on what it says."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from fintui.core.metrics import (
    CONTAINER_METRICS,
    ContainerReading,
    GroupCpu,
    RestartCounts,
    unit_of,
)
from fintui.model import ClusterSnapshot, Container

LIVE = ("running", "paused")  # an isolated replica is paused, and Swarm counts it as running


@dataclass(frozen=True, slots=True)
class Thresholds:
    """What an autoscale policy decides with (its [[policies.autoscale]] numbers)."""

    metric: str
    scale_out_above: float
    scale_in_below: float
    samples: int
    step: int
    min: int
    max: int


@dataclass(frozen=True, slots=True)
class Replicas:
    """A service as the decision sees it on one endpoint."""

    swarm: bool  # a Swarm service (else compose project/service)
    own: int  # the count acted on: Swarm's desired, or compose's running, less isolated
    isolated: int  # its isolated replicas (kept, never counted, never removed)
    readable: tuple[Container, ...]  # the running replicas that are not isolated

    def desired(self, count: int) -> int:
        """What to ask `plan_scale` for so that `count` replicas serve: a Swarm service's
        desired count holds its isolated (paused) tasks too; compose's count already
        leaves them out."""
        return count + self.isolated if self.swarm else count


def members(containers: Iterable[Container], service: str, endpoint: str | None
            ) -> list[Container]:
    """A service's containers, any state: "project/service" is compose, else Swarm. `endpoint`
    None matches every container (one unnamed endpoint)."""
    project, _, name = service.rpartition("/")
    return [c for c in containers
            if (endpoint is None or c.endpoint == endpoint) and c.service == name
            and c.project == project]


def replicas(snap: ClusterSnapshot, service: str, endpoint: str | None,
             isolated: set[str]) -> Replicas | None:
    """The service's replicas now; None when it is not there (a Swarm service unknown to the
    snapshot, a compose service with no container)."""
    mine = members(snap.containers, service, endpoint)
    held = sum(1 for c in mine if c.id in isolated and c.state in LIVE)
    readable = tuple(c for c in mine if c.state == "running" and c.id not in isolated)
    if "/" in service:
        return Replicas(False, len(readable), held, readable) if mine else None
    swarm = next((s for s in snap.services if s.name == service and s.mode == "replicated"
                  and (endpoint is None or s.endpoint == endpoint)), None)
    if swarm is None or swarm.desired is None:
        return None
    return Replicas(True, max(0, swarm.desired - held), held, readable)


def reading(metric: str, replicas: Sequence[Container],
            restarts: RestartCounts | None = None) -> float | None:
    """The metric's mean over the replicas that have it: cpu (100 = one core), memory (% of
    its limit), or a container alert metric; None when none has a value."""
    values: list[float] = []
    group = GroupCpu()
    for c in replicas:
        if c.stats is not None and c.stats.cpu_percent is not None:
            group.total += c.stats.cpu_percent
            group.count += 1
    for c in replicas:
        value: float | None
        if metric == "cpu":
            value = None if c.stats is None else c.stats.cpu_percent
        elif metric == "memory":
            value = None if c.stats is None or not c.stats.mem_limit_bytes \
                else 100 * c.stats.mem_bytes / c.stats.mem_limit_bytes
        else:
            value = CONTAINER_METRICS[metric].read(
                ContainerReading(c, restarts or _NoRestarts(), group))
        if value is not None:
            values.append(value)
    return sum(values) / len(values) if values else None


class _NoRestarts:
    def increase(self, container_id: str) -> int:
        return 0


@dataclass(frozen=True, slots=True)
class Tally:
    """Consecutive readings over `scale_out_above` and under `scale_in_below`."""

    over: int = 0
    under: int = 0
    value: float | None = None  # the latest reading


def count(tally: Tally, value: float | None, t: Thresholds) -> Tally:
    """One more reading. One between the thresholds (or none: no data) restarts both."""
    if value is not None and value > t.scale_out_above:
        return Tally(tally.over + 1, 0, value)
    if value is not None and value < t.scale_in_below:
        return Tally(0, tally.under + 1, value)
    return Tally(0, 0, value)


@dataclass(frozen=True, slots=True)
class Verdict:
    target: int | None  # the replica count to scale to (Replicas.own's terms); None: no act
    why: str  # the act's reason, or why nothing is done
    held: bool = False  # an act is due and held (a Swarm scale-in with an isolated task)


def decide(tally: Tally, reps: Replicas, t: Thresholds) -> Verdict:
    """What the readings call for now (the cooldown is the runner's to apply)."""
    if tally.over >= t.samples:
        if reps.own >= t.max:
            return Verdict(None, f"at max {t.max}")
        target = min(t.max, reps.own + t.step)
        return Verdict(target, f"{tally.over} readings over {t.scale_out_above:g}")
    if tally.under >= t.samples:
        if reps.own <= t.min:
            return Verdict(None, f"at min {t.min}")
        if reps.swarm and reps.isolated:
            # Swarm picks the task a scale-in removes: it could take the isolated one.
            return Verdict(None, f"scale-in held: {reps.isolated} isolated task(s), and Swarm "
                           "chooses which task to remove", held=True)
        target = max(t.min, reps.own - t.step)
        return Verdict(target, f"{tally.under} readings under {t.scale_in_below:g}")
    return Verdict(None, "")


def _unit(t: Thresholds) -> str:
    unit = "%" if t.metric in ("cpu", "memory") else unit_of(t.metric)
    return unit if unit == "%" else f" {unit}"


def detail(tally: Tally, reps: Replicas | None, t: Thresholds) -> str:
    """The reading now and the count: "cpu 74% · 2 of 3 over 70 · 3 replicas". The count
    says at most `samples` (the run goes on while an act is held or cooling down)."""
    now = "no reading" if tally.value is None else f"{t.metric} {tally.value:.0f}{_unit(t)}"
    if tally.over:
        now += f" · {min(tally.over, t.samples)} of {t.samples} over {t.scale_out_above:g}"
    elif tally.under:
        now += f" · {min(tally.under, t.samples)} of {t.samples} under {t.scale_in_below:g}"
    if reps is not None:
        now += f" · {reps.own} replica(s)" + (f", {reps.isolated} isolated"
                                               if reps.isolated else "")
    return now


def upcoming(reps: Replicas | None, t: Thresholds) -> str:
    """What would happen next, in words: "scales out to 4 after 3 readings > 70% · scales
    in to 2 after 3 readings < 20%"."""
    if reps is None:
        return ""
    parts = []
    readings = f"{t.samples} reading{'s' if t.samples != 1 else ''}"
    if reps.own < t.max:
        parts.append(f"scales out to {min(t.max, reps.own + t.step)} after {readings} > "
                     f"{t.scale_out_above:g}{_unit(t)}")
    if reps.own > t.min:
        parts.append(f"scales in to {max(t.min, reps.own - t.step)} after {readings} < "
                     f"{t.scale_in_below:g}{_unit(t)}")
    return " · ".join(parts)


def until_text(until: datetime) -> str:
    return f"until {until:%H:%M:%S} UTC"
