"""Alert rules and their lifecycle: pending → firing → resolved, keyed by rule and target so the
same problem is one alert, with `for` durations and a resolve delay against flapping. Pure: the
time and the observations come in."""

from __future__ import annotations

import fnmatch
import operator
from collections import deque
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from fintui.config_tree import AlertSettings
from fintui.core.metrics import (
    CONTAINER_METRICS,
    FORECAST_METRICS,
    GPU_METRICS,
    HOST_METRICS,
    ContainerReading,
    GroupCpu,
)
from fintui.model import AlertRule as Rule  # the rule's shape is shared vocabulary (config)
from fintui.model import ClusterSnapshot, Container, Forecast

SEVERITY_ORDER = {"critical": 0, "warning": 1, "info": 2}
OPS: dict[str, Callable[[float, float], bool]] = {
    ">": operator.gt, ">=": operator.ge, "<": operator.lt, "<=": operator.le,
    "==": operator.eq, "!=": operator.ne,
}


# Built-in fault signatures: recognise a faulty instance by what it does.
SIGNATURES = (
    Rule("crash-loop", "container.restarts_in_window", ">=", 3, 0, "critical",
         runbook="Crash loop: isolate it to keep the evidence, then read its last logs.",
         faulty=True),
    Rule("unhealthy", "container.unhealthy", "==", 1, 30, "warning",
         runbook="Healthcheck failing: check its dependencies; isolate if it serves traffic.",
         faulty=True),
    Rule("exited-nonzero", "container.exited_nonzero", "==", 1, 0, "warning",
         runbook="The container stopped with an error: read its logs."),
    Rule("oom-killed", "container.oom_killed", "==", 1, 0, "critical",
         runbook="Killed for memory: raise its limit or find the leak; isolate to keep it.",
         faulty=True),
    Rule("cpu-pinned", "container.cpu_pinned", "==", 1, 60, "warning",
         runbook="At its CPU limit while its siblings idle: a stuck loop or a hot shard.",
         faulty=True),
)
# Capacity: from the forecasts (`forecast.severity` is 1 for warning, 2 for critical).
CAPACITY = (
    Rule("capacity-critical", "forecast.severity", "==", 2, 0, "critical",
         runbook="Full within days: clean stale storage (3, then c) or add capacity now."),
    Rule("capacity-warning", "forecast.severity", "==", 1, 0, "warning",
         runbook="Free space will not cover the forecast growth: plan the expansion (5)."),
)
# The built-in capacity rules' runbooks for what is not storage (the rules' own are for
# storage): cleaning disks frees no memory. By forecast kind, then by rule.
CAPACITY_RUNBOOKS: dict[str, dict[str, str]] = {
    # The remedy first: a narrow Alerts pane shows the runbook's first words only.
    "host-memory": {
        "capacity-critical": "Find the growing container (1, then M): fix its leak, limit it "
                             "or add a host before memory runs out.",
        "capacity-warning": "Memory will not cover the forecast growth: plan more memory or "
                            "another host (5).",
    },
    "container-memory": {
        "capacity-critical": "Raise its memory limit or find the leak: it reaches the limit "
                             "(an OOM kill) within days.",
        "capacity-warning": "Its memory grows toward its limit: plan a higher limit or look "
                            "for a leak (5).",
    },
    "gpu-memory": {
        "capacity-critical": "Find the GPU process growing (2): restart or move it, or add a "
                             "GPU, before its memory runs out.",
        "capacity-warning": "GPU memory will not cover the forecast growth: plan another "
                            "GPU (5).",
    },
}


def capacity_runbook(rule: Rule, kind: str) -> str:
    """The runbook for a forecast of this kind: a built-in capacity rule's fits the resource;
    an operator's own rule keeps the runbook it was given."""
    if rule not in CAPACITY:
        return rule.runbook
    return CAPACITY_RUNBOOKS.get(kind, {}).get(rule.name, rule.runbook)


@dataclass(frozen=True, slots=True)
class Observation:
    rule: Rule
    target: str  # container name, "host", "gpu0", ...
    value: float
    days_to_full: float | None = None  # a forecast's, whatever the rule's metric
    runbook: str = ""  # for this target, when not the rule's (a forecast's resource)

    @property
    def breached(self) -> bool:
        return OPS[self.rule.op](self.value, self.rule.threshold)


@dataclass
class Alert:
    rule: str
    target: str
    severity: str
    state: str  # pending, firing, resolved
    value: float
    started: datetime  # when the condition began to hold
    fired: datetime | None = None
    resolved: datetime | None = None
    clear_since: datetime | None = None  # condition false since, while still firing
    runbook: str = ""
    faulty: bool = False
    acked_by: str = ""
    acked_at: datetime | None = None
    silenced_by: str = ""  # the silence's comment, when one matches
    metric: str = ""  # the rule's metric: its unit says what `value` is
    days_to_full: float | None = None  # a capacity alert's forecast, when it has one

    @property
    def key(self) -> tuple[str, str]:
        return self.rule, self.target



MAX_SILENCE = 365 * 86400.0  # seconds: a page muted for longer is a rule to change, not a silence


def silence_problem(seconds: float | None) -> str:
    """Why a silence of this many seconds cannot be (for the form, the verb and the agent to
    say in one line), or "" when it can."""
    if seconds is None or seconds != seconds or seconds <= 0:
        return "write it like 30m, 2h or 1d"
    if seconds > MAX_SILENCE:
        return "at most 365d (a page muted for longer is a rule to change)"
    return ""

@dataclass(frozen=True, slots=True)
class Silence:
    rule: str  # glob
    target: str  # glob
    until: datetime
    comment: str
    author: str

    def matches(self, alert: Alert, now: datetime) -> bool:
        return now < self.until and fnmatch.fnmatchcase(alert.rule, self.rule) and \
            fnmatch.fnmatchcase(alert.target, self.target)


@dataclass
class RestartWindow:
    """Restart counts seen per container over time, to count restarts within a window. Only
    changes are kept (a count and when it was first seen): hundreds of containers sampled
    every second would otherwise keep hundreds of thousands of repeats."""

    window: timedelta
    seen: dict[str, deque[tuple[datetime, int]]] = field(default_factory=dict)

    def note(self, containers: Iterable[Container], now: datetime,
             held: Iterable[str] = ()) -> None:
        """Note each container's count. `held`: ids not in this sweep whose history is kept
        (their endpoint is down: they are not gone, and a crash loop must still count when it
        answers again)."""
        alive = set(held)
        start = now - self.window
        for c in containers:
            alive.add(c.id)
            ring = self.seen.get(c.id)
            if ring is None:
                ring = self.seen[c.id] = deque()
            if not ring or ring[-1][1] != c.restart_count:
                ring.append((now, c.restart_count))
            # The count in force when the window opens is the last change at or before it.
            while len(ring) > 1 and ring[1][0] <= start:
                ring.popleft()
        for gone in set(self.seen) - alive:
            del self.seen[gone]

    def increase(self, container_id: str) -> int:
        ring = self.seen.get(container_id)
        if not ring:
            return 0
        return max(0, ring[-1][1] - min(count for _, count in ring))


def one_look(containers: Iterable[Container], now: datetime, window: timedelta
             ) -> RestartWindow:
    """Restart history as far as one sweep can tell it (`status` and `alerts` with no agent):
    a container created within the window made every one of its restarts in it, and one
    restarting right now is looping on all of them. Others show no increase."""
    seen = RestartWindow(window)
    for c in containers:
        young = c.created is not None and now - c.created <= window
        if c.restart_count and (young or c.state == "restarting"):
            seen.seen[c.id] = deque([(now - window, 0), (now, c.restart_count)])
        else:
            seen.seen[c.id] = deque([(now, c.restart_count)])
    return seen


def split_down_endpoints(snap: ClusterSnapshot
                         ) -> tuple[ClusterSnapshot, list[str], tuple[str, ...]]:
    """With several endpoints, one that is down holds its alerts as they were while the live
    ones go on: its old rows neither fire nor resolve anything. Returns the snapshot of the
    live endpoints' rows, the ids whose restart history is kept meanwhile, and the target
    suffixes (`@name`) whose alerts are held."""
    down = {e.name for e in snap.down_endpoints}
    if not down:
        return snap, [], ()
    unseen = [c.id for c in snap.containers if c.endpoint in down]
    live = replace(snap, containers=tuple(c for c in snap.containers if c.endpoint not in down))
    return live, unseen, tuple(f"@{name}" for name in sorted(down))


def rules_from(settings: AlertSettings) -> list[Rule]:
    """Built-in signatures (with the configured thresholds) plus the operator's own rules."""
    return [*signatures(settings.crash_loop_restarts, settings.unhealthy_for), *CAPACITY,
            *settings.rules]


def signatures(crash_loop_restarts: int = 3, unhealthy_for: float = 30) -> tuple[Rule, ...]:
    """The built-in signatures with the operator's thresholds."""
    crash, unhealthy, *rest = SIGNATURES
    return (replace(crash, threshold=crash_loop_restarts),
            replace(unhealthy, for_seconds=unhealthy_for), *rest)


def in_scope(rule: Rule, c: Container) -> bool:
    for key, value in rule.scope:
        if key == "service" and c.service != value and c.group != value:
            return False
        if key == "container" and not fnmatch.fnmatchcase(c.name, value):
            return False
        if key == "label":
            name, _, wanted = value.partition("=")
            if dict(c.labels).get(name) != wanted:
                return False
    return True


def alert_target(c: Container) -> str:
    """How an alert names a container: with its endpoint when there are several, since two
    daemons may each run a container of the same name."""
    return f"{c.name}@{c.endpoint}" if c.endpoint else c.name


def observe(rules: Iterable[Rule], snap: ClusterSnapshot, restarts: RestartWindow,
            forecasts: Iterable[Forecast] = ()) -> list[Observation]:
    """Every (rule, target, value) the snapshot offers. No data, no observation: a stale or
    missing number never fires or resolves anything."""
    out: list[Observation] = []
    groups: dict[str, GroupCpu] = {}
    for c in snap.containers:
        name = c.group_key
        if name and c.state == "running":
            group = groups.get(name)
            if group is None:
                group = groups[name] = GroupCpu()
            if c.stats is not None and c.stats.cpu_percent is not None:
                group.total += c.stats.cpu_percent
                group.count += 1
    # Once per container, not once per rule and container: hundreds of each a second.
    each = [(ContainerReading(c, restarts, groups.get(c.group_key)), alert_target(c))
            for c in snap.containers]
    host = snap.host if snap.host is not None and not snap.host.error else None
    forecasts = list(forecasts)
    for rule in rules:
        # Each kind of metric is read from its own objects; the table says how.
        if (metric := CONTAINER_METRICS.get(rule.metric)) is not None:
            for reading, target in each:
                if not rule.scope or in_scope(rule, reading.container):
                    _add(out, rule, target, metric.read(reading))
        elif (on_host := HOST_METRICS.get(rule.metric)) is not None and host is not None:
            _add(out, rule, host.hostname, on_host.read(host))
        elif (on_forecast := FORECAST_METRICS.get(rule.metric)) is not None:
            for f in forecasts:
                _add(out, rule, f.target, on_forecast.read(f), f.days_to_full,
                     capacity_runbook(rule, f.kind))
        elif (on_gpu := GPU_METRICS.get(rule.metric)) is not None:
            for g in snap.gpus:
                _add(out, rule, f"gpu{g.index}", on_gpu.read(g))
    return out


def _add(out: list[Observation], rule: Rule, target: str, value: float | None,
         days_to_full: float | None = None, runbook: str = "") -> None:
    if value is not None:
        out.append(Observation(rule, target, value, days_to_full, runbook))


class AlertEngine:
    """Keeps every alert by (rule, target) across evaluations."""

    def __init__(self, resolve_after: float, history: int = 200) -> None:
        self.resolve_after = timedelta(seconds=resolve_after)
        self.active: dict[tuple[str, str], Alert] = {}
        self.history: deque[Alert] = deque(maxlen=history)

    def evaluate(self, observations: Iterable[Observation], now: datetime,
                 held: tuple[str, ...] = ()) -> list[Alert]:
        """Advance every alert; returns copies of those that changed state, as they were at
        that moment (delivery runs later, and the live alerts move on). Alerts whose target
        ends with one of `held` (`@endpoint` of a daemon that is down) stay as they are."""
        changed: list[Alert] = []
        seen: set[tuple[str, str]] = set()
        for obs in observations:
            key = (obs.rule.name, obs.target)
            seen.add(key)
            alert = self.active.get(key)
            if obs.breached:
                if alert is None:
                    alert = Alert(obs.rule.name, obs.target, obs.rule.severity, "pending",
                                  obs.value, now, runbook=obs.runbook or obs.rule.runbook,
                                  faulty=obs.rule.faulty, metric=obs.rule.metric)
                    self.active[key] = alert
                alert.value, alert.days_to_full = obs.value, obs.days_to_full
                alert.clear_since = None
                if alert.state == "pending" and now - alert.started >= timedelta(
                        seconds=obs.rule.for_seconds):
                    alert.state, alert.fired = "firing", now
                    changed.append(replace(alert))
            elif alert is not None:
                alert.value, alert.days_to_full = obs.value, obs.days_to_full
                changed += self._clear(alert, now)
        for key in [k for k in self.active if k not in seen
                    and not (held and k[1].endswith(held))]:
            # The target is gone (container removed): its alert resolves.
            changed += self._clear(self.active[key], now, gone=True)
        return changed

    def _clear(self, alert: Alert, now: datetime, gone: bool = False) -> list[Alert]:
        if alert.state == "pending":
            del self.active[alert.key]
            return []
        alert.clear_since = alert.clear_since or now
        # Hysteresis: stay firing until the condition has been clear for resolve_after.
        if gone or now - alert.clear_since >= self.resolve_after:
            alert.state, alert.resolved = "resolved", now
            del self.active[alert.key]
            self.history.appendleft(alert)
            return [replace(alert)]
        return []

    def shown(self, silences: Iterable[Silence], acks: Mapping[tuple[str, str],
                                                               tuple[str, datetime]],
              now: datetime) -> list[Alert]:
        """Firing and pending alerts, marked acked or silenced, worst and oldest first."""
        silences = list(silences)
        out = []
        for alert in self.active.values():
            ack = acks.get(alert.key)
            silence = next((s for s in silences if s.matches(alert, now)), None)
            out.append(replace(alert, acked_by=ack[0] if ack else "",
                               acked_at=ack[1] if ack else None,
                               silenced_by=silence.comment if silence else ""))
        return sorted(out, key=lambda a: (a.state != "firing", SEVERITY_ORDER.get(
            a.severity, 9), a.started))


def firing_counts(alerts: Iterable[Alert]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for a in alerts:
        if a.state == "firing" and not a.silenced_by:
            counts[a.severity] = counts.get(a.severity, 0) + 1
    return counts
