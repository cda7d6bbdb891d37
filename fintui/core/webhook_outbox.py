"""One webhook receiver's outbox: what waits to go out, in order, and when to try again. Pure:
the sender does the I/O and tells the outbox how each attempt went.

Policy, in short:
- Each message keeps the idempotency key it was queued with for every try, so a receiver that
  got a try we gave up on (no reply in time) can drop the copy.
- A failed try is retried, the head of the queue first (a resolved message never overtakes its
  firing one), after 2 s, 4 s, 8 s, ... up to 5 minutes, until it is delivered. A receiver that
  refuses the message itself (HTTP 4xx, a redirect elsewhere) is not asked again.
- An alert that resolves while its firing message still waits is taken out of that message:
  the receiver then gets only the resolved message (it learns what happened, and is never left
  with a firing alert that nothing resolves). A message being sent is never changed.
- At most `limit` messages wait; past that the oldest waiting one is dropped and counted.
"""

from __future__ import annotations

import hashlib
import math
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field

from fintui.core.alerts import Alert

FIRST_RETRY = 2.0  # seconds after the first failure; doubles with each failure after
RETRY_CAP = 300.0  # a receiver down for hours is still tried every 5 minutes
QUEUE_LIMIT = 500  # messages waiting per receiver; the oldest goes first when full


def retry_delay(failures: int, first: float = FIRST_RETRY, cap: float = RETRY_CAP) -> float:
    """2 s, 4 s, 8 s, ... after 1, 2, 3, ... failures in a row, never more than `cap`."""
    return min(cap, first * 2.0 ** min(max(failures - 1, 0), 64))


def transition_time(alert: Alert) -> str:
    moment = alert.resolved if alert.state == "resolved" else (alert.fired or alert.started)
    return moment.isoformat() if moment else ""


def message_key(receiver: str, status: str, alerts: Sequence[Alert]) -> str:
    """The same transitions to the same receiver give the same key: what a receiver dedups by."""
    parts = sorted(f"{a.rule}\0{a.target}\0{transition_time(a)}" for a in alerts)
    text = "\n".join([receiver, status, *parts])
    return hashlib.sha256(text.encode()).hexdigest()[:32]


@dataclass
class Message:
    key: str
    status: str  # firing or resolved
    alerts: list[Alert]  # copies as they were at the transition: every try sends the same


@dataclass(frozen=True, slots=True)
class DeliveryLine:
    """What the Alerts pane says about one receiver; `trouble` when something is wrong."""

    receiver: str
    text: str
    trouble: bool


@dataclass
class Outbox:
    receiver: str
    limit: int = QUEUE_LIMIT
    first_retry: float = FIRST_RETRY
    retry_cap: float = RETRY_CAP
    queue: deque[Message] = field(default_factory=deque)
    sending_since: float | None = None  # the head is on its way (never changed or dropped)
    failures: int = 0  # tries that failed in a row
    retry_at: float | None = None  # when the head may be tried again
    last_error: str = ""  # cleared by a delivery
    dropped: int = 0  # oldest messages dropped for room
    refused: int = 0  # messages the receiver refused (not retried)
    delivered: int = 0
    note: str = ""  # a standing problem the sender found (a missing secret)

    def add(self, status: str, alerts: Sequence[Alert]) -> Message | None:
        """Queue one message for alerts that changed together (nothing if it is queued)."""
        key = message_key(self.receiver, status, alerts)
        if not alerts or any(m.key == key for m in self.queue):
            return None
        if status == "resolved":
            self._supersede({a.key for a in alerts})
        message = Message(key, status, list(alerts))
        self.queue.append(message)
        on_its_way = 1 if self.sending_since is not None else 0  # not waiting: not counted
        while len(self.queue) - on_its_way > self.limit:
            del self.queue[on_its_way]  # the oldest waiting
            self.dropped += 1
        return message

    def _supersede(self, resolved: set[tuple[str, str]]) -> None:
        """Take resolved alerts out of firing messages that have not gone out yet."""
        for i, message in enumerate(list(self.queue)):
            if message.status != "firing" or (i == 0 and self.sending_since is not None):
                continue
            message.alerts = [a for a in message.alerts if a.key not in resolved]
        first = 1 if self.sending_since is not None else 0
        kept = [m for i, m in enumerate(self.queue) if i < first or m.alerts]
        self.queue = deque(kept)

    def wait(self, now: float) -> float | None:
        """Seconds until the head may be sent (0: now); None when nothing waits."""
        if not self.queue:
            return None
        return 0.0 if self.retry_at is None else max(0.0, self.retry_at - now)

    def start(self, now: float) -> Message:
        self.sending_since = now
        return self.queue[0]

    def delivered_head(self) -> None:
        self.queue.popleft()
        self.sending_since = self.retry_at = None
        self.failures, self.last_error = 0, ""
        self.delivered += 1

    def failed_head(self, problem: str, now: float, retry: bool,
                    retry_after: float | None = None) -> None:
        """A try of the head failed: try again later, or (refused) give it up."""
        self.sending_since = None
        self.last_error = problem
        if not retry:
            self.queue.popleft()
            self.refused += 1
            self.failures, self.retry_at = 0, None
            return
        self.failures += 1
        delay = retry_delay(self.failures, self.first_retry, self.retry_cap)
        if retry_after is not None:  # the receiver said when (429, 503): not sooner, nor later
            delay = min(self.retry_cap, max(delay, retry_after))  # than the cap
        self.retry_at = now + delay

    def line(self, now: float, slow_after: float) -> DeliveryLine | None:
        """e.g. `2 waiting, retry in 8 s (last error: HTTP 503)`; None before any activity."""
        parts: list[str] = []
        waiting = len(self.queue)
        if waiting:
            parts.append(f"{waiting} waiting")
        if self.sending_since is not None:
            took = now - self.sending_since
            parts.append(f"no reply after {took:.0f} s, still waiting"
                         if took >= slow_after else "sending")
        elif waiting and self.retry_at is not None:
            parts.append(f"retry in {max(1, math.ceil(self.retry_at - now))} s")
        elif not waiting and self.delivered:
            parts.append("delivered")
        if self.dropped:
            parts.append(f"{self.dropped} dropped (queue full)")
        if self.refused:
            parts.append(f"{self.refused} refused")
        if self.note:
            parts.append(self.note)
        if not parts:
            return None
        text = ", ".join(parts) + (f" (last error: {self.last_error})" if self.last_error
                                   else "")
        # Dropped and refused counts stay on the line; the trouble mark goes with a delivery.
        trouble = bool(self.last_error or self.note or (
            self.sending_since is not None and now - self.sending_since >= slow_after))
        return DeliveryLine(self.receiver, text, trouble)
