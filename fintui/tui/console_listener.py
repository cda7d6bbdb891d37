"""The console's ear on its watch: each piece of news redraws what it concerns."""

from __future__ import annotations

from typing import TYPE_CHECKING

from fintui.model import ClusterSnapshot
from fintui.tui.messages import SnapshotArrived
from fintui.tui.widgets.safe import safe_line

if TYPE_CHECKING:
    from fintui.tui.app import FintuiApp


class ConsoleListener:
    def __init__(self, app: FintuiApp) -> None:
        self.app = app

    def snapshot(self, snap: ClusterSnapshot) -> None:
        # A message, not a call: the screen redraws between sweeps, never inside one.
        self.app.post_message(SnapshotArrived(snap))

    def alerts_changed(self) -> None:
        self.app.call_next(self.app.show_alerts)

    def forecasts_changed(self) -> None:
        self.app.show_forecasts()

    def disk_changed(self, endpoint: str) -> None:
        self.app.disk_read(endpoint)

    def notice(self, text: str, title: str, error: bool) -> None:
        # One line a file: each made safe on its own, the breaks between them kept.
        lines = "\n".join(safe_line(line) for line in text.split("\n"))
        self.app.notify(lines, title=title, severity="error" if error else "information",
                        markup=False, timeout=15 if error else 5)
