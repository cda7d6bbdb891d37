"""Engine API JSON → HealthCheck: a container's health check (`Config.Healthcheck`) and what
its last probes found (`State.Health`). Pure.

Probe output is the container's own text: escapes are made visible here, and it is trimmed,
because the daemon keeps up to 4 KiB of it per probe and a screen wants the gist."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fintui.core.text_safety import one_line
from fintui.model_health import HealthCheck, HealthProbe
from fintui.timeparse import parse_docker_time

PROBES_KEPT = 5  # the daemon keeps five too; newer daemons may keep more
OUTPUT_LINES = 4  # per probe; the rest is counted in one line
LINE_CHARS = 160


def _seconds(nanoseconds: Any) -> float:
    try:
        return max(int(nanoseconds or 0), 0) / 1e9
    except (TypeError, ValueError):
        return 0.0


def probe_output(text: str) -> tuple[str, ...]:
    """Output as lines, escapes visible, each cut to LINE_CHARS, at most OUTPUT_LINES of them
    (the last says how many more there were)."""
    lines = [line.rstrip("\r").rstrip() for line in text.rstrip().split("\n")] if text else []
    lines = [one_line(line, LINE_CHARS) for line in lines]
    if len(lines) > OUTPUT_LINES:
        more = len(lines) - OUTPUT_LINES + 1
        lines = [*lines[:OUTPUT_LINES - 1], f"… {more} more lines"]
    return tuple(lines)


def _probe(entry: Mapping[str, Any]) -> HealthProbe:
    try:
        code = int(entry.get("ExitCode", -1))
    except (TypeError, ValueError):
        code = -1
    return HealthProbe(start=parse_docker_time(entry.get("Start")),
                       end=parse_docker_time(entry.get("End")), exit_code=code,
                       output=probe_output(str(entry.get("Output") or "")))


def health_from(data: Mapping[str, Any]) -> HealthCheck | None:
    """The health check of a GET /containers/{id}/json document; None when it has none."""
    config = (data.get("Config") or {}).get("Healthcheck") or {}
    test = tuple(str(part) for part in config.get("Test") or [])
    if not test:
        return None
    state = (data.get("State") or {}).get("Health") or {}
    log = [entry for entry in state.get("Log") or [] if isinstance(entry, Mapping)]
    return HealthCheck(
        test=test, interval_s=_seconds(config.get("Interval")),
        timeout_s=_seconds(config.get("Timeout")),
        start_period_s=_seconds(config.get("StartPeriod")),
        retries=int(config.get("Retries") or 0),
        status=str(state.get("Status") or ""),
        failing_streak=int(state.get("FailingStreak") or 0),
        # The daemon logs oldest first; a reader wants the latest first.
        probes=tuple(_probe(entry) for entry in reversed(log[-PROBES_KEPT:])),
    )
