"""Webhook delivery to a local aiohttp server on 127.0.0.1: firing then resolved payloads,
retries after errors, grouping, secrets read from the environment, and redirects (followed on
the same origin only, so a secret header never reaches another host). The sender runs as the
console runs it: `add` queues, `run` sends in the background until cancelled."""

from __future__ import annotations

import asyncio
import json
import re
import socket
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from aiohttp import web

from fintui.config import ReceiverSettings
from fintui.core.alert_payloads import alert_id
from fintui.core.alerts import Alert, AlertEngine, Observation
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


@asynccontextmanager
async def running(sender: WebhookSender) -> AsyncIterator[WebhookSender]:
    """The sender's background loop, cancelled at the end as the app's exit cancels it."""
    task = asyncio.create_task(sender.run())
    try:
        yield sender
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)


async def until(done: Callable[[], bool], seconds: float = 10.0) -> None:
    start = time.monotonic()
    while not done():
        assert time.monotonic() - start < seconds, "timed out waiting"
        await asyncio.sleep(0.02)


async def deliver(sender: WebhookSender, changed: list[Alert], seconds: float = 10.0) -> None:
    """Queue and wait until every receiver's queue is empty (delivered or refused)."""
    sender.add(changed)
    async with running(sender):
        await until(lambda: all(not o.queue for o in sender.outboxes.values()), seconds)


def line(sender: WebhookSender, name: str) -> str:
    return next(x.text for x in sender.lines() if x.receiver == name)


def lifecycle() -> tuple[list[Any], list[Any]]:
    engine = AlertEngine(resolve_after=0)
    fired = engine.evaluate([Observation(RULE, "recon", 4), Observation(RULE, "ledger", 3)], T0)
    resolved = engine.evaluate([Observation(RULE, "recon", 0), Observation(RULE, "ledger", 0)],
                               T0 + timedelta(seconds=10))
    return fired, resolved


async def test_firing_then_resolved_in_alertmanager_format(
        server: tuple[str, dict[str, Hook]]) -> None:
    base, hooks = server
    sender = WebhookSender([receiver(base, "ok")], timeout=2, first_retry=0.01)
    fired, resolved = lifecycle()
    await deliver(sender, fired)
    await deliver(sender, resolved)
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
    sender = WebhookSender([receiver(base, "flaky")], timeout=2, first_retry=0.01)
    fired, _ = lifecycle()
    await deliver(sender, fired)
    assert hooks["flaky"].attempts == 3 and len(hooks["flaky"].accepted) == 1
    assert [(x.text, x.trouble) for x in sender.lines()] == [("delivered", False)]
    keys = {h["Idempotency-Key"] for h in hooks["flaky"].headers}
    assert len(keys) == 1 and hooks["flaky"].accepted[0]["idempotencyKey"] in keys


async def test_failures_are_kept_for_the_pane_not_raised(
        server: tuple[str, dict[str, Hook]]) -> None:
    base, _hooks = server
    sender = WebhookSender([receiver(base, "broken"), receiver("http://127.0.0.1:9", "down")],
                           timeout=1, first_retry=30)
    fired, _ = lifecycle()
    sender.add(fired)
    async with running(sender):
        await until(lambda: all(o.failures for o in sender.outboxes.values()))
        assert line(sender, "broken").startswith("1 waiting, retry in ")
        assert line(sender, "broken").endswith(" s (last error: HTTP 500)")
        assert "(last error: Cannot connect to host 127.0.0.1:9" in line(sender, "down")
        assert all(x.trouble for x in sender.lines())


async def test_slack_format_and_env_headers(server: tuple[str, dict[str, Hook]],
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    base, hooks = server
    monkeypatch.setenv("DESK_WEBHOOK_TOKEN", "s3cret")
    sender = WebhookSender([receiver(base, "ok", "slack",
                                     (("Authorization", "env:DESK_WEBHOOK_TOKEN"),))],
                           timeout=2)
    fired, _ = lifecycle()
    await deliver(sender, fired)
    body = hooks["ok"].accepted[0]
    assert body["text"].startswith("[FIRING] 2 alert(s) from fintui")
    recon = next(a for a in fired if a.target == "recon")
    # The alert's id, the same as the Alertmanager fingerprint: what a reader dedups by.
    assert (f"critical: crash-loop on recon (value 4) — isolate it [id {alert_id(recon)}]"
            in body["text"])
    assert hooks["ok"].headers[0]["Authorization"] == "s3cret"


async def test_severity_filter_and_silenced_alerts_are_not_sent(
        server: tuple[str, dict[str, Hook]]) -> None:
    from dataclasses import replace

    base, hooks = server
    only_critical = ReceiverSettings("ok", f"{base}/ok", "alertmanager", ("critical",), ())
    sender = WebhookSender([only_critical], timeout=2)
    engine = AlertEngine(resolve_after=0)
    warn = Rule("hot", "container.cpu_percent", ">", 90, 0, "warning")
    fired = engine.evaluate([Observation(warn, "p1", 95), Observation(RULE, "recon", 4)], T0)
    fired = [replace(a, silenced_by="known") if a.rule == "crash-loop" else a for a in fired]
    await deliver(sender, fired)
    assert hooks["ok"].accepted == [] and sender.lines() == []


Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@asynccontextmanager
async def serving(routes: dict[str, Handler], port: int = 0) -> AsyncIterator[str]:
    """A real HTTP server on 127.0.0.1 (its own port, or `port`) answering any method on these
    paths."""
    app = web.Application()
    for path, handle in routes.items():
        app.router.add_route("*", path, handle)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", port)
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
        sender = WebhookSender([with_key(base, "hook")], timeout=2, first_retry=0.01)
        await deliver(sender, lifecycle()[0])
    assert elsewhere.attempts == 0 and elsewhere.headers == []  # the key never left
    assert first_hits == ["POST"]  # asked once: the same answer would come again
    assert line(sender, "hook") == (
        f"1 refused (last error: HTTP {code} redirect to {other} not followed "
        "(another origin: secret headers stay here))")
    assert sender.sent == 0


async def test_a_same_origin_redirect_is_delivered_once_with_the_header(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DESK_API_KEY", "s3cret")
    hook = Hook()
    moved: list[str] = []
    async with serving({"/old": redirect_to("/new", 302, moved), "/new": hook.handle}) as base:
        sender = WebhookSender([with_key(base, "old")], timeout=2, first_retry=0.01)
        await deliver(sender, lifecycle()[0])
    assert moved == ["POST"] and hook.attempts == 1
    assert hook.headers[0]["X-Api-Key"] == "s3cret"
    assert hook.accepted[0]["status"] == "firing" and len(hook.accepted[0]["alerts"]) == 2
    assert line(sender, "old") == "delivered" and sender.sent == 1


async def test_a_redirect_loop_stops_after_three_hops() -> None:
    hits: list[str] = []
    async with serving({"/loop": redirect_to("/loop", 302, hits)}) as base:
        sender = WebhookSender([receiver(base, "loop")], timeout=2, first_retry=0.01)
        await deliver(sender, lifecycle()[0])
    assert hits == ["POST"] * 4  # the first post and three hops, not retried
    assert line(sender, "loop") == "1 refused (last error: HTTP 302: more than 3 redirects)"


# ---- reliability: one copy per transition, late rather than never ---------------------------

class Receiver:
    """Records every request as it arrives (a copy reached the receiver, whatever happens to
    the reply), then waits `delays` in turn before answering `status`."""

    def __init__(self, delays: list[float] | None = None, status: int = 200,
                 headers: dict[str, str] | None = None) -> None:
        self.delays = list(delays or [])
        self.status = status
        self.reply_headers = headers or {}
        self.gate: asyncio.Event | None = None  # when set up: every reply waits for it
        self.arrived: list[tuple[float, str, bytes]] = []  # when, Idempotency-Key, body

    async def handle(self, request: web.Request) -> web.Response:
        self.arrived.append((time.monotonic(), request.headers.get("Idempotency-Key", ""),
                             await request.read()))
        await asyncio.sleep(self.delays.pop(0) if self.delays else 0)
        if self.gate is not None:
            await self.gate.wait()
        return web.Response(status=self.status, headers=self.reply_headers)

    def bodies(self) -> list[dict[str, Any]]:
        return [json.loads(body) for _, _, body in self.arrived]


def free_port() -> int:
    """A port nobody listens on: the receiver is down until a test serves on it."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def fire(engine: AlertEngine, n: int) -> list[Alert]:
    """t0 ... tn all crash-looping at T0 + n s: only tn is new (and fires)."""
    return engine.evaluate([Observation(RULE, f"t{k}", 4) for k in range(n + 1)],
                           T0 + timedelta(seconds=n))


async def test_a_receiver_slower_than_the_timeout_gets_one_copy_and_it_counts() -> None:
    """Before: three copies 0.5 s apart and `delivery failed: TimeoutError` in the pane."""
    hook = Receiver(delays=[1.5])
    async with serving({"/hook": hook.handle}) as base:
        sender = WebhookSender([receiver(base, "hook")], timeout=0.5, first_retry=0.1)
        sender.add(lifecycle()[0])
        async with running(sender):
            await asyncio.sleep(0.9)
            slow = sender.lines()[0]
            await until(lambda: sender.sent == 1)
            await asyncio.sleep(0.5)  # time for any copy that would follow
    assert len(hook.arrived) == 1
    assert re.fullmatch(r"1 waiting, no reply after \d+ s, still waiting", slow.text)
    assert slow.trouble
    assert line(sender, "hook") == "delivered"


async def test_a_try_given_up_is_retried_later_with_the_same_key_and_body() -> None:
    hook = Receiver(delays=[2.0])  # hangs on the first copy, answers the second at once
    async with serving({"/hook": hook.handle}) as base:
        sender = WebhookSender([receiver(base, "hook")], timeout=0.2, reply_limit=0.4,
                               first_retry=0.3)
        fired, _ = lifecycle()
        sender.add(fired)
        async with running(sender):
            await until(lambda: sender.outboxes["hook"].failures == 1)
            assert line(sender, "hook").startswith("1 waiting, retry in 1 s (last error: "
                                                   "no reply within 0.4 s)")
            await until(lambda: sender.sent == 1)
    (first_at, first_key, first), (again_at, again_key, again) = hook.arrived
    assert first_key and again_key == first_key
    assert again == first  # the same bytes: labels, fingerprints and times unchanged
    assert json.loads(first)["idempotencyKey"] == first_key
    assert again_at - first_at >= 0.4 + 0.3 - 0.05  # given up, then the backoff


async def test_down_when_it_fires_delivered_when_back_each_transition_once() -> None:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    sender = WebhookSender([receiver(base, "hook")], timeout=1, first_retry=0.2,
                           retry_cap=0.4)
    fired, resolved = lifecycle()
    hook = Receiver()
    async with running(sender):
        sender.add(fired)
        await until(lambda: sender.outboxes["hook"].failures >= 2)
        down = sender.lines()[0]
        assert down.trouble and down.text.startswith("1 waiting, retry in ")
        assert f"(last error: Cannot connect to host 127.0.0.1:{port}" in down.text
        async with serving({"/hook": hook.handle}, port):
            await until(lambda: sender.sent == 1)
            sender.add(resolved)
            sender.add(resolved)  # the same transition again is not a second message
            await until(lambda: sender.sent == 2)
            await asyncio.sleep(0.5)
    assert [b["status"] for b in hook.bodies()] == ["firing", "resolved"]
    keys = [key for _, key, _ in hook.arrived]
    assert len(set(keys)) == 2
    assert (line(sender, "hook"), sender.lines()[0].trouble) == ("delivered", False)


async def test_resolved_before_the_firing_went_out_sends_only_the_resolved() -> None:
    port = free_port()
    sender = WebhookSender([receiver(f"http://127.0.0.1:{port}", "hook")], timeout=1,
                           first_retry=0.3, retry_cap=0.3)
    fired, resolved = lifecycle()
    hook = Receiver()
    async with running(sender):
        sender.add(fired)
        await until(lambda: sender.outboxes["hook"].failures >= 1)
        sender.add(resolved)
        assert line(sender, "hook").startswith("1 waiting, ")
        async with serving({"/hook": hook.handle}, port):
            await until(lambda: sender.sent == 1)
            await asyncio.sleep(0.5)
    (only,) = hook.bodies()
    assert only["status"] == "resolved"
    assert {a["labels"]["target"] for a in only["alerts"]} == {"recon", "ledger"}


async def test_the_queue_is_bounded_oldest_dropped_and_counted() -> None:
    port = free_port()
    sender = WebhookSender([receiver(f"http://127.0.0.1:{port}", "hook")], timeout=1,
                           first_retry=0.3, retry_cap=0.3, queue_limit=3)
    engine = AlertEngine(resolve_after=0)
    hook = Receiver()
    async with running(sender):
        sender.add(fire(engine, 0))
        await until(lambda: sender.outboxes["hook"].failures >= 1)
        for n in range(1, 5):
            sender.add(fire(engine, n))
        assert line(sender, "hook").startswith("3 waiting, retry in ")
        assert ", 2 dropped (queue full) (last error: " in line(sender, "hook")
        async with serving({"/hook": hook.handle}, port):
            await until(lambda: sender.sent == 3)
            await asyncio.sleep(0.4)
    assert [b["alerts"][0]["labels"]["target"] for b in hook.bodies()] == ["t2", "t3", "t4"]
    assert line(sender, "hook") == "delivered, 2 dropped (queue full)"


async def test_refused_is_not_asked_again_and_retry_after_is_honoured() -> None:
    refuses, busy = Receiver(status=400), Receiver(status=429, headers={"Retry-After": "1"})
    async with serving({"/refuses": refuses.handle, "/busy": busy.handle}) as base:
        sender = WebhookSender([receiver(base, "refuses"), receiver(base, "busy")],
                               timeout=1, first_retry=0.05)
        sender.add(lifecycle()[0])
        async with running(sender):
            await until(lambda: len(busy.arrived) == 2, seconds=5)
            await asyncio.sleep(0.3)
    assert len(refuses.arrived) == 1
    assert line(sender, "refuses") == "1 refused (last error: HTTP 400)"
    assert busy.arrived[1][0] - busy.arrived[0][0] >= 0.95  # as asked, not after 0.05 s


async def test_cancelling_the_sender_stops_it_at_once_even_mid_send() -> None:
    hook = Receiver()
    hook.gate = asyncio.Event()  # no reply until the test is done
    async with serving({"/hook": hook.handle}) as base:
        sender = WebhookSender([receiver(base, "hook")], timeout=1)
        sender.add(lifecycle()[0])
        task = asyncio.create_task(sender.run())
        await until(lambda: len(hook.arrived) == 1)
        started = time.monotonic()
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        assert time.monotonic() - started < 1.0
        assert line(sender, "hook") == "1 waiting"  # not sent, not said to be sending
        hook.gate.set()
