"""Webhook delivery with aiohttp: alerts that change together go as one message per receiver,
with a timeout, retries with backoff, and failures kept for the pane, never raised."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Sequence
from typing import Any

import aiohttp
from yarl import URL

from fintui.config import ReceiverSettings
from fintui.core.alert_payloads import alertmanager, slack
from fintui.core.alerts import Alert

REDIRECTS = frozenset({301, 302, 303, 307, 308})
MAX_REDIRECTS = 3  # same-origin hops followed; another origin is never followed


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


class WebhookSender:
    def __init__(self, receivers: Sequence[ReceiverSettings], timeout: float,
                 attempts: int, backoff: float = 0.5) -> None:
        self.receivers = list(receivers)
        self.timeout = timeout
        self.attempts = attempts
        self.backoff = backoff
        self.errors: dict[str, str] = {}  # receiver -> last failure, cleared on success
        self.sent = 0

    async def deliver(self, changed: Sequence[Alert]) -> None:
        """Send what changed in one evaluation: firing and resolved, grouped per receiver."""
        jobs = []
        for receiver in self.receivers:
            for status in ("firing", "resolved"):
                group = [a for a in changed if a.severity in receiver.severities
                         and (a.state == "resolved") == (status == "resolved")
                         and not a.silenced_by]
                if group:
                    jobs.append(self._send(receiver, status, group))
        if jobs:
            await asyncio.gather(*jobs)

    def _headers(self, receiver: ReceiverSettings) -> dict[str, str]:
        headers = {"Content-Type": "application/json"}
        for name, value in receiver.headers:
            if value.startswith("env:"):
                secret = os.environ.get(value[4:])
                if secret is None:
                    # Named in the config, kept out of it: missing is an error to show.
                    self.errors[receiver.name] = f"environment variable {value[4:]} is not set"
                    continue
                value = secret
            headers[name] = value
        return headers

    async def _send(self, receiver: ReceiverSettings, status: str,
                    alerts: Sequence[Alert]) -> None:
        body: dict[str, Any] = (alertmanager(receiver.name, status, alerts)
                                if receiver.format == "alertmanager" else slack(status, alerts))
        timeout = aiohttp.ClientTimeout(total=self.timeout)
        delay = self.backoff
        for attempt in range(1, self.attempts + 1):
            try:
                async with aiohttp.ClientSession(timeout=timeout) as session:
                    status_code = await self._post(session, URL(receiver.url), body,
                                                   self._headers(receiver))
                if status_code < 300:
                    self.errors.pop(receiver.name, None)
                    self.sent += 1
                    return
                problem = f"HTTP {status_code}"
                if status_code < 500:
                    break  # the receiver refuses this message: retrying will not help
            except NotFollowed as exc:
                problem = str(exc)
                break  # the same answer again: retrying will not help
            except (aiohttp.ClientError, TimeoutError, OSError, ValueError) as exc:
                problem = str(exc) or type(exc).__name__
            if attempt < self.attempts:
                await asyncio.sleep(delay)
                delay *= 2
        self.errors[receiver.name] = f"{status} delivery failed: {problem}"

    @staticmethod
    async def _post(session: aiohttp.ClientSession, url: URL, body: dict[str, Any],
                    headers: dict[str, str]) -> int:
        """POST, following at most MAX_REDIRECTS redirects and only on the same origin (the
        headers may carry secrets); each hop re-posts the same body and headers."""
        for _hop in range(MAX_REDIRECTS + 1):
            async with session.post(url, json=body, headers=headers,
                                    allow_redirects=False) as reply:
                if reply.status not in REDIRECTS:
                    return reply.status
                status, location = reply.status, reply.headers.get("Location")
            url = next_hop(url, status, location)
        raise NotFollowed(f"HTTP {status}: more than {MAX_REDIRECTS} redirects")
