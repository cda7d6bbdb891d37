"""Messages from the poller to the screen."""

from __future__ import annotations

from textual.message import Message

from fintui.model import ClusterSnapshot


class SnapshotArrived(Message):
    """A new sweep. A newer one replaces an older one still queued: never a backlog."""

    def __init__(self, snapshot: ClusterSnapshot) -> None:
        super().__init__()
        self.snapshot = snapshot

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, SnapshotArrived)
