"""The canary rule: is a release's first replica fit to be followed by the rest?

Pure: the caller gathers each canary's facts (from a container or a Swarm task) and asks
`judge` during the watch window and `judge(..., final=True)` at its end. An empty string means
"carry on"; anything else is the reason to roll everything back, written for the person who
started the release ("canary task web.1 exited with code 1").

It is the built-in fault signatures (fintui/core/alerts.py: crash loop, exited non-zero,
OOM-killed, unhealthy) applied without their waiting: a canary is on probation, so one failed
health check or one restart is enough, where the alerts wait for a streak to avoid paging.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

# Swarm task states that mean the task will never run (a task does not come back from these).
TASK_FAILED = frozenset({"failed", "rejected", "orphaned"})
# Container states that mean it stopped.
STOPPED = frozenset({"exited", "dead"})


@dataclass(frozen=True, slots=True)
class CanaryFacts:
    """What is known of one canary replica at one moment.

    `state` is the container's state (running, exited, restarting, created, paused, dead...) or a
    Swarm task's (new, pending, preparing, starting, running, complete, failed, rejected...).
    `health` is "" or "none" without a health check, else starting/healthy/unhealthy.
    `restarts` counts restarts since the canary started (for Swarm: the failed tasks that the
    canary's slot replaced). `error` is the daemon's own words (a task's Status.Err), if any.
    """

    name: str
    state: str
    exit_code: int | None = None
    health: str = ""
    restarts: int = 0
    oom_killed: bool = False
    error: str = ""


def judge_one(f: CanaryFacts, restarts_allowed: int = 0, final: bool = False) -> str:
    """"" while this canary looks fit, else why not. `final`: the watch window has ended, so a
    canary that is not running (and, with a health check, healthy) by now has failed too."""
    what = f"canary {f.name}"
    why = f": {f.error}" if f.error else ""
    if f.oom_killed:
        return f"{what} was killed for memory (OOM){why}"
    ended = f.state in TASK_FAILED or f.state in STOPPED or f.state == "complete"
    if ended and f.exit_code:
        return f"{what} exited with code {f.exit_code}{why}"
    if f.state == "rejected":
        return f"{what} was rejected{why}"
    if f.state in TASK_FAILED:
        return f"{what} {f.state}{why}"
    if ended:
        # A service replica that ends, even cleanly, is not serving.
        return f"{what} stopped ({f.state}){why}"
    if f.health == "unhealthy":
        return f"{what} failed its health check{why}"
    if f.restarts > restarts_allowed:
        times = "once" if f.restarts == 1 else f"{f.restarts} times"
        return f"{what} restarted {times} during its watch{why}"
    if final:
        if f.state != "running":
            return f"{what} is still {f.state or 'not running'} at the end of its watch"
        if f.health == "starting":
            return f"{what} never became healthy within its watch"
    return ""


def judge(canaries: Iterable[CanaryFacts], restarts_allowed: int = 0,
          final: bool = False) -> str:
    """The first canary's reason to roll back, or "" when all look fit. No canaries at all is
    a failure only at the end of the window (nothing was proven)."""
    seen = False
    for f in canaries:
        seen = True
        if reason := judge_one(f, restarts_allowed, final):
            return reason
    if final and not seen:
        return "no canary was running at the end of its watch"
    return ""


def ready(f: CanaryFacts) -> bool:
    """Running and, with a health check, healthy: fit to take an old replica's place."""
    return f.state == "running" and f.health in ("", "none", "healthy")
