"""The latest snapshot and short per-container histories (for sparklines). No I/O."""

from __future__ import annotations

from collections import deque

from fintui.model import ClusterSnapshot, DiskUsage


class ClusterState:
    def __init__(self, history_points: int) -> None:
        self.snapshot: ClusterSnapshot | None = None
        self.history_points = history_points
        self._cpu: dict[str, deque[float | None]] = {}
        self.isolated: set[str] = set()  # container ids under isolation (from the state db)
        self.disk: DiskUsage | None = None  # the last /system/df reading (slow, so cached)
        self._gpu: dict[tuple[int, str], deque[float | None]] = {}

    def update(self, snapshot: ClusterSnapshot) -> None:
        self.snapshot = snapshot
        if snapshot.stale or not snapshot.source.connected:
            return  # no new samples: keep the history as it was
        alive = set()
        for c in snapshot.containers:
            alive.add(c.id)
            ring = self._cpu.setdefault(c.id, deque(maxlen=self.history_points))
            ring.append(c.stats.cpu_percent if c.stats else None)
        for gone in set(self._cpu) - alive:
            del self._cpu[gone]
        for gpu in snapshot.gpus:
            mem = (100.0 * gpu.mem_used_bytes / gpu.mem_total_bytes
                   if gpu.mem_used_bytes is not None and gpu.mem_total_bytes else None)
            for metric, value in (("util", gpu.util_percent), ("mem", mem)):
                self._gpu.setdefault((gpu.index, metric),
                                     deque(maxlen=self.history_points)).append(value)

    def gpu_history(self, index: int, metric: str) -> tuple[float | None, ...]:
        """`util` or `mem` (percent of total) of one GPU, oldest first."""
        return tuple(self._gpu.get((index, metric), ()))

    def cpu_history(self, container_id: str) -> tuple[float | None, ...]:
        return tuple(self._cpu.get(container_id, ()))
