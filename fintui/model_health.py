"""A container's health check and its last probes: the shared vocabulary of "why is it
unhealthy?" (sources read it, the Details screen shows it)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True, slots=True)
class HealthProbe:
    """One run of a container's health check, as the daemon logged it."""

    start: datetime | None
    end: datetime | None
    exit_code: int  # 0 passed, 1 failed; -1 when the daemon could not run it or it timed out
    output: tuple[str, ...] = ()  # its lines, escapes made visible, trimmed


@dataclass(frozen=True, slots=True)
class HealthCheck:
    """A container's health check (`HEALTHCHECK` or `--health-cmd`) and what it last found.
    Durations in seconds; 0 means the daemon's default."""

    test: tuple[str, ...]  # as the Engine keeps it: ("CMD-SHELL", "..."), ("CMD", ...), ("NONE",)
    interval_s: float = 0.0
    timeout_s: float = 0.0
    start_period_s: float = 0.0
    retries: int = 0
    status: str = ""  # starting, healthy, unhealthy; "" before the first probe
    failing_streak: int = 0
    probes: tuple[HealthProbe, ...] = ()  # the latest few, newest first

    @property
    def disabled(self) -> bool:
        return not self.test or self.test[0] == "NONE"
