"""Webhook delivery to a local aiohttp server on 127.0.0.1: firing then resolved payloads,
retries after errors, grouping, secrets read from the environment, and redirects (followed on
the same origin only, so a secret header never reaches another host)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from aiohttp import web

from fintui.config import ReceiverSettings
from fintui.core.alerts import AlertEngine, Observation
from fintui.model import AlertRule as Rule
from fintui.notify.webhook import WebhookSender

T0 = datetime(2026, 3, 2, 1, 30, tzinfo=UTC)
RULE = Rule("crash-loop", "container.restarts_in_window", ">=", 3, 0, "critical",
            runbook="isolate it", faulty=True)


class Hook:
    """Answers with the scripted statuses in turn (then 200) and keeps what it accepted."""

    def __init__(self, statuses: list[int] | None = None) -> None:
        self.statuses = list(statuses or [])
        self.accepted: list[dict[str, Any]] = []
        self.attempts = 0
        self.headers: list[dict[str, str]] = []

    async def handle(self, request: web.Request) -> web.Response:
        self.attempts += 1
        self.headers.append(dict(request.headers))
        status = self.statuses.pop(0) if self.statuses else 200
        if status == 200:
            self.accepted.append(await request.json())
        return web.Response(status=status)


@pytest.fixture
async def server() -> AsyncIterator[tuple[str, dict[str, Hook]]]:
    hooks = {"ok": Hook(), "flaky": Hook([500, 500]), "broken": Hook([500] * 10)}
    app = web.Application()
    for name, hook in hooks.items():
        app.router.add_post(f"/{name}", hook.handle)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    yield f"http://127.0.0.1:{port}", hooks
    await runner.cleanup()


def receiver(base: str, path: str, fmt: str = "alertmanager",
             headers: tuple[tuple[str, str], ...] = ()) -> ReceiverSettings:
    return ReceiverSettings(path, f"{base}/{path}", fmt, ("warning", "critical"), headers)


def lifecycle() -> tuple[list[Any], list[Any]]:
    engine = AlertEngine(resolve_after=0)
    fired = engine.evaluate([Observation(RULE, "recon", 4), Observation(RULE, "ledger", 3)], T0)
    resolved = engine.evaluate([Observation(RULE, "recon", 0), Observation(RULE, "ledger", 0)],
                               T0 + timedelta(seconds=10))
    return fired, resolved


async def test_firing_then_resolved_in_alertmanager_format(
        server: tuple[str, dict[str, Hook]]) -> None:
    base, hooks = server
    sender = WebhookSender([receiver(base, "ok")], timeout=2, attempts=3, backoff=0.01)
    fired, resolved = lifecycle()
    await sender.deliver(fired)
    await sender.deliver(resolved)
    first, second = hooks["ok"].accepted
    assert first["version"] == "4" and first["status"] == "firing"
    assert len(first["alerts"]) == 2  # fired together: one message
    assert first["commonLabels"] == {"alertname": "crash-loop", "severity": "critical"}
    assert {a["labels"]["target"] for a in first["alerts"]} == {"recon", "ledger"}
    assert first["alerts"][0]["endsAt"] == "0001-01-01T00:00:00Z"
    assert second["status"] == "resolved"
    assert all(a["status"] == "resolved" and a["endsAt"] != "0001-01-01T00:00:00Z"
               for a in second["alerts"])


async def test_500_twice_then_200_delivers_exactly_once(
        server: tuple[str, dict[str, Hook]]) -> None:
    base, hooks = server
    sender = WebhookSender([receiver(base, "flaky")], timeout=2, attempts=3, backoff=0.01)
    fired, _ = lifecycle()
    await sender.deliver(fired)
    assert hooks["flaky"].attempts == 3 and len(hooks["flaky"].accepted) == 1
    assert sender.errors == {}


async def test_failures_are_kept_for_the_pane_not_raised(
        server: tuple[str, dict[str, Hook]]) -> None:
    base, _hooks = server
    sender = WebhookSender([receiver(base, "broken"), receiver("http://127.0.0.1:9", "down")],
                           timeout=1, attempts=2, backoff=0.01)
    fired, _ = lifecycle()
    await sender.deliver(fired)
    assert sender.errors["broken"] == "firing delivery failed: HTTP 500"
    assert "firing delivery failed" in sender.errors["down"]


async def test_slack_format_and_env_headers(server: tuple[str, dict[str, Hook]],
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    base, hooks = server
    monkeypatch.setenv("DESK_WEBHOOK_TOKEN", "s3cret")
    sender = WebhookSender([receiver(base, "ok", "slack",
                                     (("Authorization", "env:DESK_WEBHOOK_TOKEN"),))],
                           timeout=2, attempts=1)
    fired, _ = lifecycle()
    await sender.deliver(fired)
    body = hooks["ok"].accepted[0]
    assert body["text"].startswith("[FIRING] 2 alert(s) from fintui")
    assert "critical: crash-loop on recon (value 4) — isolate it" in body["text"]
    assert hooks["ok"].headers[0]["Authorization"] == "s3cret"


async def test_severity_filter_and_silenced_alerts_are_not_sent(
        server: tuple[str, dict[str, Hook]]) -> None:
    from dataclasses import replace

    base, hooks = server
    only_critical = ReceiverSettings("ok", f"{base}/ok", "alertmanager", ("critical",), ())
    sender = WebhookSender([only_critical], timeout=2, attempts=1)
    engine = AlertEngine(resolve_after=0)
    warn = Rule("hot", "container.cpu_percent", ">", 90, 0, "warning")
    fired = engine.evaluate([Observation(warn, "p1", 95), Observation(RULE, "recon", 4)], T0)
    fired = [replace(a, silenced_by="known") if a.rule == "crash-loop" else a for a in fired]
    await sender.deliver(fired)
    assert hooks["ok"].accepted == []


Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@asynccontextmanager
async def serving(routes: dict[str, Handler]) -> AsyncIterator[str]:
    """A real HTTP server on 127.0.0.1 (its own port) answering any method on these paths."""
    app = web.Application()
    for path, handle in routes.items():
        app.router.add_route("*", path, handle)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        await runner.cleanup()


def redirect_to(location: str, status: int, hits: list[str]) -> Handler:
    async def handle(request: web.Request) -> web.Response:
        hits.append(request.method)
        return web.Response(status=status, headers={"Location": location})
    return handle


def with_key(base: str, path: str) -> ReceiverSettings:
    return receiver(base, path, headers=(("X-Api-Key", "env:DESK_API_KEY"),))


@pytest.mark.parametrize("code", [302, 307])
async def test_a_redirect_to_another_origin_is_not_followed(
        code: int, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DESK_API_KEY", "s3cret")
    elsewhere = Hook()
    first_hits: list[str] = []
    async with (serving({"/{tail:.*}": elsewhere.handle}) as other,
                serving({"/hook": redirect_to(f"{other}/steal", code, first_hits)}) as base):
        sender = WebhookSender([with_key(base, "hook")], timeout=2, attempts=3, backoff=0.01)
        await sender.deliver(lifecycle()[0])
    assert elsewhere.attempts == 0 and elsewhere.headers == []  # the key never left
    assert first_hits == ["POST"]  # asked once: the same answer would come again
    assert sender.errors["hook"] == (
        f"firing delivery failed: HTTP {code} redirect to {other} not followed "
        "(another origin: secret headers stay here)")
    assert sender.sent == 0


async def test_a_same_origin_redirect_is_delivered_once_with_the_header(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DESK_API_KEY", "s3cret")
    hook = Hook()
    moved: list[str] = []
    async with serving({"/old": redirect_to("/new", 302, moved), "/new": hook.handle}) as base:
        sender = WebhookSender([with_key(base, "old")], timeout=2, attempts=3, backoff=0.01)
        await sender.deliver(lifecycle()[0])
    assert moved == ["POST"] and hook.attempts == 1
    assert hook.headers[0]["X-Api-Key"] == "s3cret"
    assert hook.accepted[0]["status"] == "firing" and len(hook.accepted[0]["alerts"]) == 2
    assert sender.errors == {} and sender.sent == 1


async def test_a_redirect_loop_stops_after_three_hops() -> None:
    hits: list[str] = []
    async with serving({"/loop": redirect_to("/loop", 302, hits)}) as base:
        sender = WebhookSender([receiver(base, "loop")], timeout=2, attempts=3, backoff=0.01)
        await sender.deliver(lifecycle()[0])
    assert hits == ["POST"] * 4  # the first post and three hops, not retried
    assert sender.errors["loop"] == "firing delivery failed: HTTP 302: more than 3 redirects"
