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

from fintui.config import AlertSettings
from fintui.model import AlertRule as Rule  # the rule's shape is shared vocabulary (config)
from fintui.model import ClusterSnapshot, Container, Forecast, Health

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
SEVERITY_LEVEL = {"": 0.0, "warning": 1.0, "critical": 2.0}
PINNED = 0.95  # share of its CPU limit that counts as pinned
IDLE_SIBLINGS = 20.0  # siblings' mean CPU% below which they count as idle


@dataclass(frozen=True, slots=True)
class Observation:
    rule: Rule
    target: str  # container name, "host", "gpu0", ...
    value: float

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

    @property
    def key(self) -> tuple[str, str]:
        return self.rule, self.target


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


@dataclass(slots=True)
class _GroupCpu:
    """CPU% of a service's running replicas, summed once per evaluation so each replica's
    comparison with the others costs nothing (services can have hundreds)."""

    total: float = 0.0
    count: int = 0


def _pinned(c: Container, group: _GroupCpu | None) -> float | None:
    """1 when at its CPU limit while the other replicas of its service idle, else 0."""
    if c.cpu_limit is None or c.stats is None or c.stats.cpu_percent is None or group is None:
        return None
    own = c.stats.cpu_percent if c.state == "running" else None
    others = group.count - (own is not None)
    if others <= 0:
        return None  # no siblings to compare with
    at_limit = c.stats.cpu_percent >= PINNED * c.cpu_limit * 100
    return 1.0 if at_limit and (group.total - (own or 0.0)) / others < IDLE_SIBLINGS else 0.0


def _container_metric(metric: str, c: Container, restarts: RestartWindow,
                      group: _GroupCpu | None) -> float | None:
    s = c.stats
    if metric == "container.cpu_percent":
        return None if s is None or s.cpu_percent is None else s.cpu_percent
    if metric == "container.mem_percent":
        return None if s is None or not s.mem_limit_bytes else 100 * s.mem_bytes / \
            s.mem_limit_bytes
    if metric == "container.restarts_in_window":
        return float(restarts.increase(c.id))
    if metric == "container.unhealthy":
        return 1.0 if c.health is Health.UNHEALTHY else 0.0
    if metric == "container.oom_killed":
        return 1.0 if c.oom_killed else 0.0
    if metric == "container.cpu_pinned":
        return _pinned(c, group)
    if metric == "container.exited_nonzero":
        return 1.0 if c.state in ("exited", "dead") and (c.exit_code or 0) != 0 else 0.0
    return None


def _forecast_metric(metric: str, f: Forecast) -> float | None:
    if metric == "forecast.severity":
        return SEVERITY_LEVEL.get(f.severity, 0.0)
    if metric == "forecast.expand":
        return 1.0 if f.expand else 0.0
    if metric == "forecast.days_to_full":
        return f.days_to_full
    if metric == "forecast.growth_per_day":
        return f.growth_per_day
    return None


def alert_target(c: Container) -> str:
    """How an alert names a container: with its endpoint when there are several, since two
    daemons may each run a container of the same name."""
    return f"{c.name}@{c.endpoint}" if c.endpoint else c.name


def observe(rules: Iterable[Rule], snap: ClusterSnapshot, restarts: RestartWindow,
            forecasts: Iterable[Forecast] = ()) -> list[Observation]:
    """Every (rule, target, value) the snapshot offers. No data, no observation: a stale or
    missing number never fires or resolves anything."""
    out = []
    groups: dict[str, _GroupCpu] = {}
    for c in snap.containers:
        name = c.group_key
        if name and c.state == "running":
            group = groups.get(name)
            if group is None:
                group = groups[name] = _GroupCpu()
            if c.stats is not None and c.stats.cpu_percent is not None:
                group.total += c.stats.cpu_percent
                group.count += 1
    # Once per container, not once per rule and container: hundreds of each a second.
    each = [(c, alert_target(c), groups.get(c.group_key)) for c in snap.containers]
    for rule in rules:
        kind = rule.metric.split(".", 1)[0]
        if kind == "container":
            for c, target, group in each:
                if not rule.scope or in_scope(rule, c):
                    value = _container_metric(rule.metric, c, restarts, group)
                    if value is not None:
                        out.append(Observation(rule, target, value))
        elif kind == "host" and snap.host is not None and not snap.host.error:
            h = snap.host
            values = {"host.cpu_percent": h.cpu_percent,
                      "host.mem_percent": 100 * h.mem_used_bytes / h.mem_total_bytes
                      if h.mem_total_bytes else None,
                      "host.fs_percent": max((f.percent for f in h.filesystems), default=None)}
            value = values.get(rule.metric)
            if value is not None:
                out.append(Observation(rule, h.hostname, value))
        elif kind == "forecast":
            for f in forecasts:
                value = _forecast_metric(rule.metric, f)
                if value is not None:
                    out.append(Observation(rule, f.target, value))
        elif kind == "gpu":
            for g in snap.gpus:
                values = {"gpu.temperature": g.temperature_c,
                          "gpu.mem_percent": 100 * g.mem_used_bytes / g.mem_total_bytes
                          if g.mem_used_bytes is not None and g.mem_total_bytes else None,
                          "gpu.ecc_errors": None if g.ecc_uncorrected is None
                          else float(g.ecc_uncorrected + (g.ecc_corrected or 0))}
                value = values.get(rule.metric)
                if value is not None:
                    out.append(Observation(rule, f"gpu{g.index}", value))
    return out


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
                                  obs.value, now, runbook=obs.rule.runbook,
                                  faulty=obs.rule.faulty)
                    self.active[key] = alert
                alert.value = obs.value
                alert.clear_since = None
                if alert.state == "pending" and now - alert.started >= timedelta(
                        seconds=obs.rule.for_seconds):
                    alert.state, alert.fired = "firing", now
                    changed.append(replace(alert))
            elif alert is not None:
                alert.value = obs.value
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
