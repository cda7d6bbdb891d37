"""How the demo cluster's storage and memory grow: one set of curves for the weeks of history
the demo starts with and for the live readings after DEMO_START, so the two join up. Day 0
is DEMO_START; history is negative days. Deterministic: noise comes from seeded generators."""

from __future__ import annotations

import math
import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

from fintui.model import UsageSample

GIB = 1024**3
MIB = 1024**2
HISTORY_DAYS = 28
DATA_ROOT = "/var/lib/docker"
TICK_STORE = "/mnt/tickstore"


@dataclass(frozen=True, slots=True)
class Curve:
    base: float  # bytes at DEMO_START
    per_day: float = 0.0
    wave: float = 0.0  # daily swing (market hours write more)
    noise: float = 0.0  # history only
    drop_at: float = 0.0  # a cleanup this many days before DEMO_START (0: none) ...
    drop: float = 0.0  # ... that freed this much
    since: float = HISTORY_DAYS  # history starts this many days back (a young container)
    capacity: float | None = None

    def at(self, day: float, rng: random.Random | None = None) -> float:
        value = self.base + self.per_day * day + self.wave * math.sin(2 * math.pi * day)
        if self.drop_at and day < -self.drop_at:
            value += self.drop
        if rng is not None and self.noise:
            value += rng.gauss(0, self.noise)
        return max(value, 0.0)


FILESYSTEMS = {
    DATA_ROOT: Curve(612 * GIB, 13 * GIB, 3 * GIB, 1 * GIB, drop_at=9, drop=70 * GIB,
                     capacity=1024 * GIB),
    # Market-data captures: the demo's urgent one, full within a week.
    TICK_STORE: Curve(3790 * GIB, 48 * GIB, 6 * GIB, 4 * GIB, capacity=4096 * GIB),
}
HOST_MEMORY = Curve(71 * GIB, 0.5 * GIB, 2 * GIB, 0.5 * GIB, capacity=128 * GIB)
# Volume growth per day, by name (the rest stay flat); sizes at DEMO_START come from demo.py.
VOLUME_GROWTH = {"md-feed-sse-data": 1.0 * GIB, "ledger-data": 0.25 * GIB,
                 "llm-infer-data": 0.4 * GIB}
# Container memory growth per day: the feed gateway leaks.
MEMORY_GROWTH = {"md-feed-sse": 110 * MIB, "ledger-db": 60 * MIB}
# Images and build cache: growth per day, and a cache prune 12 days ago.
IMAGE_GROWTH = 0.05 * GIB
CACHE_GROWTH = 0.1 * GIB


def days_since_start(now: datetime, start: datetime) -> float:
    return (now - start).total_seconds() / 86400


def history(seed: int, storage: dict[tuple[str, str], float],
            memory: dict[str, tuple[float, float, float]], gpus: dict[str, tuple[float, float]],
            start: datetime, step_hours: float = 1.0
            ) -> Iterator[tuple[float, list[UsageSample]]]:
    """(epoch seconds, samples) for every step of the weeks before `start`.

    storage: (volume|images|build-cache, name) -> bytes at start; memory: container ->
    (bytes at start, limit, age in days); gpus: gpuN -> (used, total)."""
    growth = {"images": IMAGE_GROWTH, "build-cache": CACHE_GROWTH}
    steps = int(HISTORY_DAYS * 24 / step_hours)
    for n in range(steps, 0, -1):
        day = -n * step_hours / 24
        rng = random.Random(f"{seed}:history:{n}")
        samples = [UsageSample("filesystem", path, curve.at(day, rng), curve.capacity)
                   for path, curve in FILESYSTEMS.items()]
        root = FILESYSTEMS[DATA_ROOT]
        free = (root.capacity or 0.0) - root.at(day)
        samples.append(UsageSample("host-memory", "demo-trading-01", HOST_MEMORY.at(day, rng),
                                   HOST_MEMORY.capacity))
        for (kind, name), size in storage.items():
            curve = Curve(size, growth.get(kind, VOLUME_GROWTH.get(name, 0.0)),
                          noise=0.002 * size, drop_at=12 if kind == "build-cache" else 0,
                          drop=2 * GIB)
            value = curve.at(day, rng)
            samples.append(UsageSample(kind, name, value, value + free))
        for name, (mem, limit, age_days) in memory.items():
            if -day <= age_days:
                curve = Curve(mem, MEMORY_GROWTH.get(name, 0.0), noise=0.005 * mem)
                samples.append(UsageSample("container-memory", name, curve.at(day, rng), limit))
        for name, (used, total) in gpus.items():
            samples.append(UsageSample("gpu-memory", name, used + rng.gauss(0, 0.2 * GIB),
                                       total))
        yield (start.timestamp() + day * 86400, samples)
