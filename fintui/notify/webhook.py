"""Webhook delivery with aiohttp: alerts that change together go as one message per receiver,
queued (fintui/core/webhook_outbox.py says the policy) and sent in order by one task per
receiver until delivered, each try with the message's `Idempotency-Key`. Failures are kept for
the pane, never raised, and nothing here ever blocks the caller: `add` only queues.

Why a slow receiver once got three copies: each try was abandoned after `timeout` while the
receiver, which had the body, went on to accept it; the next try came 0.5 s later. Now the
timeout bounds connecting; once the body is sent the reply is awaited up to `reply_limit`
(a minute), and a try given up then is retried later with the same key."""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import aiohttp
from yarl import URL

from fintui.config import ReceiverSettings
from fintui.core.alert_payloads import alertmanager, slack
from fintui.core.alerts import Alert
from fintui.core.webhook_outbox import (
    FIRST_RETRY,
    QUEUE_LIMIT,
    RETRY_CAP,
    DeliveryLine,
    Message,
    Outbox,
)

REDIRECTS = frozenset({301, 302, 303, 307, 308})
MAX_REDIRECTS = 3  # same-origin hops followed; another origin is never followed
REPLY_LIMIT = 60.0  # seconds a sent message waits for its reply before the try is given up
RETRY_LATER = frozenset({408, 425, 429})  # 4xx that mean "not now" rather than "never"


class NotFollowed(Exception):
    """A redirect the sender will not follow; the message says why. Never retried."""


def origin(url: URL) -> str:
    """scheme://host:port, the port always written: what a redirect may not change."""
    host = url.host or ""
    return f"{url.scheme.lower()}://{f'[{host}]' if ':' in host else host.lower()}:{url.port}"


def next_hop(url: URL, status: int, location: str | None) -> URL:
    """Where a redirect from `url` leads, if it stays on the same origin."""
    if not location:
        raise NotFollowed(f"HTTP {status} redirect without a Location")
    try:
        target = url.join(URL(location))
    except ValueError:
        raise NotFollowed(f"HTTP {status} redirect to an unreadable Location") from None
    if origin(target) != origin(url):
        raise NotFollowed(f"HTTP {status} redirect to {origin(target)} not followed "
                          "(another origin: secret headers stay here)")
    return target


@dataclass(frozen=True, slots=True)
class Outcome:
    problem: str = ""  # empty: delivered
    retry: bool = True
    retry_after: float | None = None


def retry_after(value: str | None) -> float | None:
    """Retry-After in seconds (the HTTP-date form is rare for webhooks and is ignored)."""
    try:
        return max(0.0, float(value)) if value else None
    except ValueError:
        return None


class WebhookSender:
    def __init__(self, receivers: Sequence[ReceiverSettings], timeout: float, *,
                 reply_limit: float = REPLY_LIMIT, first_retry: float = FIRST_RETRY,
                 retry_cap: float = RETRY_CAP, queue_limit: int = QUEUE_LIMIT,
                 on_change: Callable[[], None] | None = None,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.receivers = list(receivers)
        self.timeout = timeout
        self.reply_limit = max(reply_limit, timeout)
        self.outboxes = {r.name: Outbox(r.name, queue_limit, first_retry, retry_cap)
                         for r in self.receivers}
        self.on_change = on_change  # the pane redraws when a receiver's state moves
        self.clock = clock
        self._wake = {r.name: asyncio.Event() for r in self.receivers}
        self._running = False  # one drain task per receiver, or a message would go twice

    @property
    def sent(self) -> int:
        return sum(o.delivered for o in self.outboxes.values())

    def add(self, changed: Sequence[Alert]) -> None:
        """Queue what changed in one evaluation: firing and resolved, grouped per receiver.
        Returns at once; `run` sends."""
        for receiver in self.receivers:
            outbox = self.outboxes[receiver.name]
            queued = False
            for status in ("firing", "resolved"):
                group = [a for a in changed if a.severity in receiver.severities
                         and (a.state == "resolved") == (status == "resolved")
                         and not a.silenced_by]
                queued = outbox.add(status, group) is not None or queued
            if queued:
                self._wake[receiver.name].set()

    def lines(self) -> list[DeliveryLine]:
        """Each receiver's state for the Alerts pane (those with nothing to say left out)."""
        now = self.clock()
        return [line for o in self.outboxes.values()
                if (line := o.line(now, self.timeout)) is not None]

    async def run(self) -> None:
        """Send until cancelled (the app's exit): one task per receiver, so a slow one never
        holds up another."""
        if self._running:
            return
        self._running = True
        try:
            async with asyncio.TaskGroup() as tasks:
                for receiver in self.receivers:
                    tasks.create_task(self._drain(receiver))
        finally:
            self._running = False
            for outbox in self.outboxes.values():
                outbox.sending_since = None  # a try cut short by the exit is not "sending"

    async def _drain(self, receiver: ReceiverSettings) -> None:
        outbox, wake = self.outboxes[receiver.name], self._wake[receiver.name]
        while True:
            wait = outbox.wait(self.clock())
            if wait is None:
                wake.clear()
                await wake.wait()
                continue
            if wait > 0:
                await asyncio.sleep(wait)
                continue
            message = outbox.start(self.clock())
            self._changed()
            outcome = await self._attempt(receiver, outbox, message)
            if outcome.problem:
                outbox.failed_head(outcome.problem, self.clock(), outcome.retry,
                                   outcome.retry_after)
            else:
                outbox.delivered_head()
            self._changed()

    def _changed(self) -> None:
        if self.on_change is not None:
            self.on_change()

    def _headers(self, receiver: ReceiverSettings, outbox: Outbox,
                 message: Message) -> dict[str, str]:
        headers = {"Content-Type": "application/json", "Idempotency-Key": message.key}
        missing = []
        for name, value in receiver.headers:
            if value.startswith("env:"):
                secret = os.environ.get(value[4:])
                if secret is None:
                    # Named in the config, kept out of it: missing is a problem to show.
                    missing.append(value[4:])
                    continue
                value = secret
            headers[name] = value
        outbox.note = (f"environment variable {', '.join(missing)} is not set" if missing
                       else "")
        return headers

    async def _attempt(self, receiver: ReceiverSettings, outbox: Outbox,
                       message: Message) -> Outcome:
        body: dict[str, Any] = (
            alertmanager(receiver.name, message.status, message.alerts, message.key)
            if receiver.format == "alertmanager" else slack(message.status, message.alerts))
        # Connecting is bounded by the configured timeout; the reply may take longer (see the
        # module's docstring): giving up on a sent body is what made copies.
        timeout = aiohttp.ClientTimeout(total=self.reply_limit, connect=self.timeout,
                                        sock_connect=self.timeout)
        try:
            async with aiohttp.ClientSession(timeout=timeout) as session:
                status, after = await self._post(session, URL(receiver.url), body,
                                                 self._headers(receiver, outbox, message))
        except NotFollowed as exc:
            return Outcome(str(exc), retry=False)  # the same answer again: asking won't help
        except aiohttp.ConnectionTimeoutError:
            return Outcome(f"could not connect within {self.timeout:g} s")
        except TimeoutError:
            # The receiver may have it: the retry carries the same key.
            return Outcome(f"no reply within {self.reply_limit:g} s")
        except (aiohttp.ClientError, OSError, ValueError) as exc:
            return Outcome(str(exc) or type(exc).__name__)
        if status < 300:
            return Outcome()
        if status < 500 and status not in RETRY_LATER:
            return Outcome(f"HTTP {status}", retry=False)  # the receiver refuses this message
        return Outcome(f"HTTP {status}", retry_after=after)

    @staticmethod
    async def _post(session: aiohttp.ClientSession, url: URL, body: dict[str, Any],
                    headers: dict[str, str]) -> tuple[int, float | None]:
        """POST, following at most MAX_REDIRECTS redirects and only on the same origin (the
        headers may carry secrets); each hop re-posts the same body and headers. Returns the
        status and the Retry-After it came with."""
        for _hop in range(MAX_REDIRECTS + 1):
            async with session.post(url, json=body, headers=headers,
                                    allow_redirects=False) as reply:
                if reply.status not in REDIRECTS:
                    return reply.status, retry_after(reply.headers.get("Retry-After"))
                status, location = reply.status, reply.headers.get("Location")
            url = next_hop(url, status, location)
        raise NotFollowed(f"HTTP {status}: more than {MAX_REDIRECTS} redirects")
