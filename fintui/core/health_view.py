"""A container's health check as the lines of the Details screen's Health section. Pure.

It answers "why is it unhealthy?": the verdict and the failing streak first, then the check
as written, then each recent probe (newest first) with its exit code and output."""

from __future__ import annotations

import shlex
from datetime import datetime

from fintui.core.format import human_duration
from fintui.model_health import HealthCheck, HealthProbe

# What the daemon uses when a check leaves a setting at 0.
DEFAULT_INTERVAL_S = 30.0
DEFAULT_TIMEOUT_S = 30.0
DEFAULT_RETRIES = 3
OUTPUT_INDENT = "    "


def troubled(health: HealthCheck | None) -> bool:
    """Unhealthy, or still starting with probes failing: the reader came for this."""
    if health is None or health.disabled:
        return False
    return health.status == "unhealthy" or (health.status == "starting"
                                            and health.failing_streak > 0)


def _span(seconds: float) -> str:
    if 0 < seconds < 1:  # a probe's time: a quick one must not read as "0s"
        return f"{max(round(seconds, 2), 0.01):g}s"
    if seconds < 60:
        return f"{round(seconds, 1):g}s"
    return human_duration(seconds)


def check_command(test: tuple[str, ...]) -> str:
    """The check as its author wrote it: a shell line as it is, an exec form joined."""
    kind, args = (test[0], test[1:]) if test else ("", ())
    if kind == "CMD-SHELL":
        return " ".join(args)
    if kind == "CMD":
        return shlex.join(args)
    return shlex.join(test)  # a form this version does not know: show it all


def _status(health: HealthCheck) -> str:
    status = health.status or "no probe has finished yet"
    streak = health.failing_streak
    if not streak:
        return f"status: {status}"
    failing = f"failing {streak} probe{'s' if streak != 1 else ''} in a row"
    if health.status != "unhealthy":
        failing += f" (unhealthy at {health.retries or DEFAULT_RETRIES})"
    return f"status: {status} — {failing}"


def _clock(when: datetime | None) -> str:
    return when.strftime("%H:%M:%S") if when else "--:--:--"


def _probe(probe: HealthProbe) -> list[str]:
    took = ""
    if probe.start and probe.end and probe.end >= probe.start:
        took = f"  ({_span((probe.end - probe.start).total_seconds())})"
    head = f"{_clock(probe.start)}  exit {probe.exit_code}{took}"
    return [head, *(OUTPUT_INDENT + line for line in probe.output)]


def health_lines(health: HealthCheck | None) -> list[str]:
    if health is None:
        return ["no health check configured"]
    if health.disabled:
        return ["health check disabled (NONE)"]
    retries = health.retries or DEFAULT_RETRIES
    lines = [
        _status(health),
        f"check: {check_command(health.test)}",
        f"every {_span(health.interval_s or DEFAULT_INTERVAL_S)}, "
        f"timeout {_span(health.timeout_s or DEFAULT_TIMEOUT_S)}, "
        f"{retries} retr{'ies' if retries != 1 else 'y'}, "
        f"start period {_span(health.start_period_s)}",
    ]
    for probe in health.probes:
        lines += _probe(probe)
    if not health.probes:
        lines.append("no probe results yet")
    return lines
