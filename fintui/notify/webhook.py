"""Webhook delivery with aiohttp: alerts that change together go as one message per receiver,
with a timeout, retries with backoff, and failures kept for the pane, never raised."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Sequence
from typing import Any

import aiohttp

from fintui.config import ReceiverSettings
from fintui.core.alert_payloads import alertmanager, slack
from fintui.core.alerts import Alert


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
                async with aiohttp.ClientSession(timeout=timeout) as session, session.post(
                        receiver.url, json=body, headers=self._headers(receiver)) as reply:
                    if reply.status < 300:
                        self.errors.pop(receiver.name, None)
                        self.sent += 1
                        return
                    problem = f"HTTP {reply.status}"
                    if reply.status < 500:
                        break  # the receiver refuses this message: retrying will not help
            except (aiohttp.ClientError, TimeoutError, OSError) as exc:
                problem = str(exc) or type(exc).__name__
            if attempt < self.attempts:
                await asyncio.sleep(delay)
                delay *= 2
        self.errors[receiver.name] = f"{status} delivery failed: {problem}"
