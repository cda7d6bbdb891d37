"""Automatic isolation: an alert rule with `action = "isolate"` isolates the faulty
container it fires on, within its limits. PRE-WIRED SKELETON: the isolation work fills it."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from fintui.core.alerts import Alert
from fintui.core.policy_rows import PolicyRow
from fintui.model import ClusterSnapshot

if TYPE_CHECKING:
    from fintui.watch.watch import Watch


class AutoIsolator:
    def __init__(self, watch: Watch) -> None:
        self.watch = watch

    def alerts_changed(self, changed: Sequence[Alert], snap: ClusterSnapshot) -> None:
        """Alerts that changed state in this evaluation (firing, resolved, ...)."""

    def rows(self) -> list[PolicyRow]:
        return []
