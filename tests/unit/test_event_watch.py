"""An events stream that stops delivering is found out and given up, and the header says
events are behind meanwhile. (The whole fault, a frozen daemon, runs against a private
daemon in tests/integration/test_daemon_outage.py.)"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Mapping
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web

from fintui.clock import SystemClock
from fintui.core.event_watch import check_window, docker_since
from fintui.model import ClusterSnapshot, SourceStatus
from fintui.sources.docker_engine import DockerEngineSource
from fintui.sources.engine_client import DaemonUnavailable, EngineClient, parse_endpoint
from fintui.tui.widgets.status_bar import status_parts
from tests.unit.test_engine_source_logic import ScriptedClient

NOW_NS = 1_800_000_000_000_000_000


async def test_a_stream_whose_connection_is_reset_ends_instead_of_hanging(
        short_dir: Path) -> None:
    """A sweep that times out resets the client, which closes every connection, the events
    stream's too. Its reader must then fail, or the console trusts a dead stream forever."""

    done = asyncio.Event()

    async def events(request: web.Request) -> web.StreamResponse:
        reply = web.StreamResponse(headers={"Content-Type": "application/json"})
        await reply.prepare(request)
        await reply.write(b"\n")
        await done.wait()  # a daemon with nothing to say
        return reply

    app = web.Application()
    app.router.add_get("/events", events)
    runner = web.AppRunner(app)
    await runner.setup()
    await web.UnixSite(runner, str(short_dir / "d.sock")).start()
    client = EngineClient(parse_endpoint(f"unix://{short_dir}/d.sock", env={}), 2.0, 2.0)
    try:
        chunks = client.stream("/events")
        assert await anext(chunks) == b""  # subscribed
        assert await anext(chunks) == b"\n"
        reading = asyncio.ensure_future(anext(chunks))
        await asyncio.sleep(0.1)
        await client.reset()  # as after a sweep that timed out
        with pytest.raises(DaemonUnavailable, match="connection was closed"):
            await asyncio.wait_for(reading, 2.0)
    finally:
        done.set()
        await client.shutdown()
        await runner.cleanup()


class SilentStream(ScriptedClient):
    """A daemon whose events stream opened and then never delivered again, while its
    events log (asked with since/until) holds what happened meanwhile."""

    def __init__(self, containers: list[str]) -> None:
        super().__init__(containers)
        self.log: list[dict[str, Any]] = []
        self.asked: list[dict[str, str]] = []

    async def stream(self, path: str, params: Mapping[str, str] | None = None
                     ) -> AsyncIterator[bytes]:
        self.calls.append((path, dict(params or {})))
        yield b""
        await asyncio.Event().wait()  # open, and silent for good

    async def request(self, method: str, path: str, params: Mapping[str, str] | None = None,
                      body: Any = None, timeout: float | None = None,
                      decode: bool = True) -> Any:
        assert (method, path, decode) == ("GET", "/events", False)
        self.asked.append(dict(params or {}))
        return b"".join(json.dumps(e).encode() + b"\n" for e in self.log)


async def until_subscribed(source: DockerEngineSource, seen: list[dict[str, Any]]
                           ) -> asyncio.Task[None]:
    async def follow() -> None:
        async for event in source.events():
            seen.append(event)

    task = asyncio.ensure_future(follow())
    for _ in range(100):
        if source._events_live:
            break
        await asyncio.sleep(0.01)
    return task


async def test_a_silent_stream_that_missed_events_is_given_up_and_they_are_handed_on(
        ) -> None:
    client = SilentStream(["a"])
    source = DockerEngineSource(client, SystemClock(), 8, 30)
    source.events_check_after = 0.1
    await source.sweep()
    seen: list[dict[str, Any]] = []
    task = await until_subscribed(source, seen)
    assert not (await source.sweep()).source.events_behind
    client.containers = ["a", "b"]  # b started; the stream never said so
    client.log = [{"Type": "container", "Action": "start", "Actor": {"ID": "b"},
                   "timeNano": NOW_NS}]
    await asyncio.wait_for(task, 2.0)  # the stream ended: the poller resubscribes
    assert [e["Action"] for e in seen] == ["start"]
    asked = client.asked[-1]
    assert json.loads(asked["filters"]) == {"type": ["container"]}
    assert float(asked["until"]) > float(asked["since"])
    snap = await source.sweep()
    assert snap.source.events_behind, "until it is back the header says events are behind"
    assert [c.name for c in snap.containers] == ["a", "b"]
    assert "events behind" in "".join(
        p if isinstance(p, str) else p[0] for p in status_parts(snap, False, "ops"))
    # Resubscribed after the missed event: anything since it is replayed by the daemon.
    client.log = []
    task = await until_subscribed(source, seen)
    assert client.calls[-1][1]["since"] == docker_since(NOW_NS + 1)
    assert not (await source.sweep()).source.events_behind
    task.cancel()


async def test_a_quiet_stream_is_checked_but_kept() -> None:
    """No events because nothing happened: the stream stays, and nothing says behind."""
    client = SilentStream(["a"])
    source = DockerEngineSource(client, SystemClock(), 8, 30)
    source.events_check_after = 0.05
    await source.sweep()
    seen: list[dict[str, Any]] = []
    task = await until_subscribed(source, seen)
    await asyncio.sleep(1.2)  # past the lag: the daemon is asked several times
    assert len(client.asked) >= 2
    assert not task.done() and source._events_live
    assert not (await source.sweep()).source.events_behind
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert not source._events_live


def test_the_check_covers_what_a_working_stream_has_delivered_by_now() -> None:
    second = 1_000_000_000
    # After the newest event delivered, up to a second ago.
    assert check_window(NOW_NS - 10 * second, 0, NOW_NS) == (NOW_NS - 10 * second + 1,
                                                            NOW_NS - second)
    # No event yet: from the subscription on.
    assert check_window(None, NOW_NS - 5 * second, NOW_NS) == (NOW_NS - 5 * second,
                                                              NOW_NS - second)
    assert check_window(None, NOW_NS - second // 2, NOW_NS) is None  # too soon to tell
    assert docker_since(1_700_000_001_000_000_008) == "1700000001.000000008"


def header(status: SourceStatus, *endpoints: SourceStatus) -> str:
    from datetime import UTC, datetime

    snap = ClusterSnapshot(taken_at=datetime(2026, 1, 1, tzinfo=UTC), source=status,
                           endpoints=endpoints)
    return "".join(p if isinstance(p, str) else p[0] for p in status_parts(snap, False, "ops"))


def test_the_header_says_events_are_behind_for_the_endpoint_concerned() -> None:
    assert "● live unix:///d.sock · events behind" in header(
        SourceStatus("unix:///d.sock", True, events_behind=True))
    assert "events behind" not in header(SourceStatus("unix:///d.sock", True))
    both = header(SourceStatus("a, b", True),
                  SourceStatus("unix:///a.sock", True, name="desk-a"),
                  SourceStatus("unix:///b.sock", True, name="desk-b", events_behind=True))
    assert "● desk-a  ● desk-b · events behind" in both
