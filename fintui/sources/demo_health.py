"""The demo cast's health checks and what their last probes said, from the simulated clock:
the same seed and time give the same probes, so the Details screen is stable in snapshots.

`fix-gateway` (behaviour "unhealthy") has lost its FIX session and fails every probe; the
services pass theirs; the rest have no check, as their rows say."""

from __future__ import annotations

import math
import random
from datetime import datetime, timedelta
from typing import Any

from fintui.model_health import HealthCheck, HealthProbe
from fintui.sources.demo_cast import DEMO_START, DemoSpec

KEPT = 5  # probes the daemon keeps
FAILING_SINCE = DEMO_START - timedelta(minutes=7)  # when the FIX session went quiet
HEARTBEAT_S = 30  # the session's HeartBtInt: the check's output counts from a missed one


def _probe_starts(now: datetime, interval: float, took: float) -> list[datetime]:
    """The latest KEPT probes (newest first) that had finished by `now`, on the interval's
    beat from an offset so they do not land on round seconds."""
    base = DEMO_START - timedelta(seconds=interval - 3.0)
    beats = math.floor(((now - base).total_seconds() - took) / interval)
    return [base + timedelta(seconds=(beats - k) * interval) for k in range(KEPT)]


def demo_health(spec: DemoSpec, seed: int, now: datetime) -> HealthCheck | None:
    if spec.behaviour == "unhealthy":
        interval, took = 15.0, 2.0
        starts = _probe_starts(now, interval, took + 0.5)
        probes = []
        for start in starts:
            rng = random.Random(f"{seed}:health:{spec.name}:{start.isoformat()}")
            quiet = int((start - FAILING_SINCE).total_seconds()) + HEARTBEAT_S
            probes.append(HealthProbe(
                start, start + timedelta(seconds=round(took + rng.uniform(0, 0.4), 3)), 1,
                (f"XSHG: no Heartbeat for {quiet}s, TestRequest unanswered",)))
        streak = math.floor((starts[0] - FAILING_SINCE).total_seconds() / interval) + 1
        return HealthCheck(("CMD-SHELL", "fixctl ping --session XSHG --within 2s || exit 1"),
                           interval_s=interval, timeout_s=5.0, start_period_s=20.0, retries=3,
                           status="unhealthy", failing_streak=streak, probes=tuple(probes))
    if not spec.service or spec.behaviour in ("crashloop", "exited"):
        return None
    interval = 30.0
    passed = []
    for start in _probe_starts(now, interval, 0.5):
        rng = random.Random(f"{seed}:health:{spec.name}:{start.isoformat()}")
        took = round(rng.uniform(0.02, 0.2), 3)
        passed.append(HealthProbe(start, start + timedelta(seconds=took), 0, ("ok",)))
    return HealthCheck(("CMD", "/app/run", "--health"), interval_s=interval, timeout_s=5.0,
                       start_period_s=20.0, retries=3, status="healthy",
                       probes=tuple(passed))


def health_document(health: HealthCheck | None) -> tuple[dict[str, Any] | None,
                                                          dict[str, Any] | None]:
    """`Config.Healthcheck` and `State.Health` as the Engine would say them, for the demo's
    inspect document (a forensics bundle's evidence)."""
    if health is None:
        return None, None
    config = {"Test": list(health.test), "Interval": int(health.interval_s * 1e9),
              "Timeout": int(health.timeout_s * 1e9),
              "StartPeriod": int(health.start_period_s * 1e9), "Retries": health.retries}
    log = [{"Start": p.start.isoformat() if p.start else "",
            "End": p.end.isoformat() if p.end else "", "ExitCode": p.exit_code,
            "Output": "".join(f"{line}\n" for line in p.output)}
           for p in reversed(health.probes)]  # the daemon logs oldest first
    return config, {"Status": health.status, "FailingStreak": health.failing_streak,
                    "Log": log}
