"""Test doubles shared by unit and Pilot tests."""

from __future__ import annotations

from fintui.clock import FixedClock
from fintui.model import ClusterSnapshot
from fintui.sources.base import SourceUnavailable
from fintui.sources.demo import DEMO_START, DemoCluster


class FlakyCluster(DemoCluster):
    """The demo cluster, with an outage switch: set `down` to a reason, back to None to heal."""

    def __init__(self, seed: int = 7, step_seconds: float = 0.5) -> None:
        super().__init__(seed=seed, clock=FixedClock(DEMO_START), step_seconds=step_seconds)
        self.down: str | None = None

    async def sweep(self) -> ClusterSnapshot:
        if self.down is not None:
            raise SourceUnavailable(self.down)
        return await super().sweep()
