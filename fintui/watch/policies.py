"""Schedules and autoscaling, run by the watch on every sweep (the agent's, or a console's
own when no agent runs). PRE-WIRED SKELETON: the policies work fills it in."""

from __future__ import annotations

from typing import TYPE_CHECKING

from fintui.core.policy_rows import PolicyRow
from fintui.model import ClusterSnapshot

if TYPE_CHECKING:
    from fintui.watch.watch import Watch


class PolicyRunner:
    def __init__(self, watch: Watch) -> None:
        self.watch = watch

    def sweep(self, snap: ClusterSnapshot) -> None:
        """One sweep: decide, and start (in the watch's background) what is due."""

    def rows(self) -> list[PolicyRow]:
        return []
