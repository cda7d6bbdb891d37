"""`fintui agent`'s transport over a real unix socket: identity from the kernel, the socket's
rights and life cycle, error answers, and the update stream."""

from __future__ import annotations

import asyncio
import contextlib
import grp
import os
import pwd
import socket
import stat
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from fintui.agent.backend import AgentError
from fintui.agent.client import (
    AgentClient,
    AgentFailed,
    AgentRefused,
    AgentUnavailable,
    agent_answers,
)
from fintui.agent.server import AgentRunning, AgentServer
from fintui.ops.identity import Identity
from fintui.ops.operations import Refused


class FakeBackend:
    def __init__(self) -> None:
        self.acts: list[tuple[str, Identity, str, str]] = []
        self.refuse = ""  # a reason: acts are refused with it
        self.crash = False  # status raises RuntimeError
        self.items: asyncio.Queue[dict[str, Any] | None] = asyncio.Queue()  # None ends
        self.streams_closed = 0

    def info(self) -> dict[str, Any]:
        return {"up_since": "2024-01-01T00:00:00+00:00", "pid": os.getpid()}

    async def status(self) -> dict[str, Any]:
        if self.crash:
            raise RuntimeError("the watch fell over")
        return {"containers": 3}

    def alerts(self) -> list[dict[str, Any]]:
        return [{"rule": "cpu", "target": "pricing"}]

    async def ack(self, who: Identity, rule: str, target: str, read_only: bool = False
                  ) -> str:
        if self.refuse:
            raise Refused(self.refuse)
        self.acts.append(("ack", who, rule, target))
        return f"acknowledged {rule} on {target}"

    async def silence(self, who: Identity, rule: str, target: str, seconds: float,
                      comment: str, read_only: bool = False) -> str:
        if self.refuse:
            raise Refused(self.refuse)
        self.acts.append(("silence", who, rule, target))
        return f"silenced {rule} for {seconds:g} s"

    async def updates(self) -> AsyncIterator[dict[str, Any]]:
        try:
            while (item := await self.items.get()) is not None:
                yield item
        finally:
            self.streams_closed += 1


@pytest.fixture
async def served(short_dir: Path) -> AsyncIterator[tuple[AgentServer, FakeBackend, Path]]:
    backend = FakeBackend()
    path = short_dir / "agent.sock"
    server = AgentServer(backend, path)
    await server.start()
    try:
        yield server, backend, path
    finally:
        await server.stop()


async def test_identity_comes_from_the_kernel_not_the_body(
        served: tuple[AgentServer, FakeBackend, Path]) -> None:
    _, backend, path = served
    me = pwd.getpwuid(os.getuid()).pw_name
    async with AgentClient(path) as client:
        who = await client.whoami()
        assert (who["uid"], who["user"]) == (os.getuid(), me)
        # A body naming someone else changes nothing: the raw request, past our client.
        body = {"rule": "cpu", "target": "pricing", "actor": "root", "user": "mallory"}
        connector = aiohttp.UnixConnector(path=str(path))
        async with aiohttp.ClientSession(connector=connector) as session, \
                session.post("http://agent/v1/ack", json=body) as resp:
            assert resp.status == 200
            assert (await resp.json())["message"] == "acknowledged cpu on pricing"
        assert await client.silence("mem", "db", 60, "deploy") == "silenced mem for 60 s"
    assert [(act, who.uid, who.user) for act, who, _, _ in backend.acts] == [
        ("ack", os.getuid(), me), ("silence", os.getuid(), me)]


async def test_reads_answer(served: tuple[AgentServer, FakeBackend, Path]) -> None:
    _, _, path = served
    async with AgentClient(path) as client:
        assert (await client.info())["pid"] == os.getpid()
        assert await client.status() == {"containers": 3}
        assert await client.alerts() == [{"rule": "cpu", "target": "pricing"}]
    assert await agent_answers(path)


async def test_socket_is_0660(served: tuple[AgentServer, FakeBackend, Path]) -> None:
    _, _, path = served
    mode = os.stat(path).st_mode
    assert stat.S_ISSOCK(mode)
    assert stat.S_IMODE(mode) == 0o660


async def test_created_parent_dir_is_0750(short_dir: Path) -> None:
    path = short_dir / "run" / "fintui" / "a.sock"
    server = AgentServer(FakeBackend(), path)
    await server.start()
    try:
        assert stat.S_IMODE(os.stat(path.parent).st_mode) == 0o750
    finally:
        await server.stop()


async def test_stale_socket_is_replaced(short_dir: Path) -> None:
    path = short_dir / "agent.sock"
    dead = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    dead.bind(str(path))
    dead.close()  # as a killed agent leaves it: the file, nobody listening
    assert not await agent_answers(path)
    server = AgentServer(FakeBackend(), path)
    await server.start()
    try:
        assert await agent_answers(path)
    finally:
        await server.stop()
    assert not path.exists()


async def test_second_server_on_a_live_socket_refuses(
        served: tuple[AgentServer, FakeBackend, Path]) -> None:
    _, _, path = served
    inode = os.stat(path).st_ino
    second = AgentServer(FakeBackend(), path)
    with pytest.raises(AgentRunning, match="already serves"):
        await second.start()
    await second.stop()  # it never bound: must not remove the first's socket
    assert os.stat(path).st_ino == inode
    assert await agent_answers(path)


async def test_stop_leaves_a_socket_that_is_no_longer_ours(short_dir: Path) -> None:
    path = short_dir / "agent.sock"
    server = AgentServer(FakeBackend(), path)
    await server.start()
    path.unlink()  # someone else took the path meanwhile
    other = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    other.bind(str(path))
    try:
        await server.stop()
        assert path.exists()
    finally:
        other.close()


async def test_refusal_reaches_the_client(served: tuple[AgentServer, FakeBackend, Path]) -> None:
    _, backend, path = served
    backend.refuse = "viewer may not ack (role from group fin-ops)"
    async with AgentClient(path) as client:
        with pytest.raises(AgentRefused, match=r"viewer may not ack \(role from group"):
            await client.ack("cpu", "pricing")
        with pytest.raises(AgentRefused, match="viewer may not ack"):
            await client.silence("cpu", "pricing", 60, "")
    assert backend.acts == []


@pytest.mark.parametrize(("route", "body", "expected"), [
    ("/v1/ack", b"{not json", "not valid JSON"),
    ("/v1/ack", b'["cpu"]', "JSON object"),
    ("/v1/ack", b'{"rule": "cpu"}', "'target'"),
    ("/v1/ack", b'{"rule": 5, "target": "x"}', "'rule'"),
    ("/v1/silence", b'{"rule": "cpu", "target": "x", "seconds": 0}', "'seconds'"),
    ("/v1/silence", b'{"rule": "cpu", "target": "x", "seconds": "1h"}', "'seconds'"),
    ("/v1/silence", b'{"rule": "cpu", "target": "x", "seconds": true}', "'seconds'"),
    ("/v1/silence", b'{"rule": "cpu", "target": "x", "seconds": 1e300}', "at most 365d"),
])
async def test_bad_requests_get_400(served: tuple[AgentServer, FakeBackend, Path], route: str,
                                    body: bytes, expected: str) -> None:
    _, backend, path = served
    connector = aiohttp.UnixConnector(path=str(path))
    async with aiohttp.ClientSession(connector=connector) as session, \
            session.post("http://agent" + route, data=body) as resp:
        assert resp.status == 400
        assert expected in (await resp.json())["error"]
    assert backend.acts == []


async def test_bad_request_is_agent_failed(served: tuple[AgentServer, FakeBackend, Path]) -> None:
    _, _, path = served
    async with AgentClient(path) as client:
        with pytest.raises(AgentFailed, match="'seconds' must be") as caught:
            await client.silence("cpu", "pricing", -5, "")
    assert caught.value.status == 400


async def test_oversized_body_is_refused(served: tuple[AgentServer, FakeBackend, Path]) -> None:
    _, backend, path = served
    async with AgentClient(path) as client:
        with pytest.raises(AgentFailed) as caught:
            await client.silence("cpu", "pricing", 60, "x" * 100_000)
    assert caught.value.status == 413
    assert backend.acts == []


async def test_backend_crash_is_500_and_server_goes_on(
        served: tuple[AgentServer, FakeBackend, Path], caplog: pytest.LogCaptureFixture) -> None:
    _, backend, path = served
    backend.crash = True
    async with AgentClient(path) as client:
        with pytest.raises(AgentFailed,
                           match="internal error: RuntimeError: the watch fell over") as caught:
            await client.status()
        assert caught.value.status == 500
        backend.crash = False
        assert await client.status() == {"containers": 3}
    logged = [r for r in caplog.records if r.name == "fintui.agent"]
    assert len(logged) == 1 and "the watch fell over" in logged[0].getMessage()
    assert logged[0].exc_info is None


async def test_server_text_is_made_inert(served: tuple[AgentServer, FakeBackend, Path]) -> None:
    _, backend, path = served
    backend.refuse = "no\x1b[2J way"
    async with AgentClient(path) as client:
        with pytest.raises(AgentRefused) as caught:
            await client.ack("cpu", "pricing")
    assert "\x1b" not in str(caught.value) and "\\x1b" in str(caught.value)


async def test_missing_socket_is_unavailable(short_dir: Path) -> None:
    path = short_dir / "nobody.sock"
    async with AgentClient(path, timeout=1.0) as client:
        with pytest.raises(AgentUnavailable) as caught:
            await client.status()
    assert str(path) in caught.value.reason
    assert "no such file" in caught.value.reason
    assert not await agent_answers(path)


async def test_stale_socket_is_unavailable(short_dir: Path) -> None:
    path = short_dir / "dead.sock"
    dead = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    dead.bind(str(path))
    dead.close()
    async with AgentClient(path, timeout=1.0) as client:
        with pytest.raises(AgentUnavailable, match="connection refused"):
            await client.info()


async def test_updates_arrive_in_order_and_client_can_leave(
        served: tuple[AgentServer, FakeBackend, Path], caplog: pytest.LogCaptureFixture) -> None:
    _, backend, path = served
    for n in range(3):
        backend.items.put_nowait({"n": n})
    async with AgentClient(path) as client:
        got: list[dict[str, Any]] = []
        async with contextlib.aclosing(client.updates(read_timeout=5)) as stream:
            async for item in stream:
                got.append(item)
                if len(got) == 2:
                    break
        assert got == [{"n": 0}, {"n": 1}]
    # The server notices the client went, closes the backend's stream, and goes on serving.
    for _ in range(50):
        if backend.streams_closed:
            break
        await asyncio.sleep(0.1)
    assert backend.streams_closed == 1
    async with AgentClient(path) as client:
        assert await client.status() == {"containers": 3}
    assert [r.getMessage() for r in caplog.records if r.levelname == "ERROR"] == []


async def test_backend_end_ends_the_stream(served: tuple[AgentServer, FakeBackend, Path]) -> None:
    _, backend, path = served
    backend.items.put_nowait({"n": 0})
    backend.items.put_nowait(None)
    async with AgentClient(path) as client:
        got = [item async for item in client.updates(read_timeout=5)]
    assert got == [{"n": 0}]


async def test_idle_stream_gets_keepalives(short_dir: Path) -> None:
    backend = FakeBackend()
    path = short_dir / "agent.sock"
    server = AgentServer(backend, path, keepalive=0.1)
    await server.start()
    try:
        async with AgentClient(path) as client:
            stream = client.updates(read_timeout=0.6)
            waiting = asyncio.ensure_future(anext(stream))
            await asyncio.sleep(1.5)  # silent but for keepalives: no read timeout
            assert not waiting.done()
            backend.items.put_nowait({"late": True})
            assert await asyncio.wait_for(waiting, 2.0) == {"late": True}
            await stream.aclose()
    finally:
        await server.stop()


async def test_silent_agent_trips_the_read_timeout(short_dir: Path) -> None:
    path = short_dir / "agent.sock"
    server = AgentServer(FakeBackend(), path, keepalive=60)
    await server.start()
    try:
        async with AgentClient(path) as client:
            stream = client.updates(read_timeout=0.5)
            with pytest.raises(AgentUnavailable, match=r"sent nothing for 0\.5 s"):
                await anext(stream)
            await stream.aclose()
    finally:
        await server.stop()


async def test_stop_ends_an_open_stream_and_removes_the_socket(short_dir: Path) -> None:
    backend = FakeBackend()
    path = short_dir / "agent.sock"
    server = AgentServer(backend, path)
    await server.start()
    backend.items.put_nowait({"n": 0})
    async with AgentClient(path) as client:
        stream = client.updates(read_timeout=30)
        assert await anext(stream) == {"n": 0}
        rest = asyncio.ensure_future(anext(stream))
        await asyncio.sleep(0.2)
        await asyncio.wait_for(server.stop(), 10)
        # Documented: the iteration finishes (no error) when the agent stops.
        with pytest.raises(StopAsyncIteration):
            await asyncio.wait_for(rest, 5)
    assert not path.exists()
    assert backend.streams_closed == 1


async def test_unknown_group_is_named(short_dir: Path) -> None:
    group = "fintui-no-such-group-x9"
    with pytest.raises(KeyError):
        grp.getgrnam(group)
    path = short_dir / "agent.sock"
    server = AgentServer(FakeBackend(), path, group=group)
    with pytest.raises(AgentError, match=f"unknown group '{group}'"):
        await server.start()
    assert not path.exists()


async def test_own_group_is_given_to_the_socket(short_dir: Path) -> None:
    group = grp.getgrgid(os.getgid()).gr_name
    path = short_dir / "agent.sock"
    server = AgentServer(FakeBackend(), path, group=group)
    await server.start()
    try:
        assert os.stat(path).st_gid == os.getgid()
        assert stat.S_IMODE(os.stat(path).st_mode) == 0o660
    finally:
        await server.stop()


class BrokenStream(FakeBackend):
    async def updates(self) -> AsyncIterator[dict[str, Any]]:
        yield {"n": 0}
        raise RuntimeError("lost the watch")


async def test_backend_failing_mid_stream_cuts_it(short_dir: Path) -> None:
    path = short_dir / "agent.sock"
    server = AgentServer(BrokenStream(), path)
    await server.start()
    try:
        async with AgentClient(path) as client:
            stream = client.updates(read_timeout=5)
            assert await anext(stream) == {"n": 0}
            # Not a clean end: the client must not take a broken stream for a finished one.
            with pytest.raises(AgentUnavailable, match="was cut"):
                await anext(stream)
            assert await client.status() == {"containers": 3}  # and the agent goes on
    finally:
        await server.stop()


async def test_a_consoles_shell_is_recorded_on_the_agent_over_its_socket(
        short_dir: Path, tmp_path: Path) -> None:
    """The attached console's shell: its "started" and "ok" reach the agent's audit log
    under the socket peer's account; a viewer's is refused there and the console hears it."""
    import json

    from fintui.agent.acts import ActDesk
    from fintui.agent.remote_ops import RemoteOperations
    from fintui.watch.watch import Watch
    from tests.tui.helpers import paging_demo_parts

    parts = paging_demo_parts(tmp_path)
    path = short_dir / "agent.sock"
    server = AgentServer(FakeBackend(), path, desk=ActDesk(Watch(parts, parts.operations())))
    await server.start()
    try:
        remote = RemoteOperations(path)
        await remote.record_outside("shell", "fix-gateway", "started", {"shell": "sh"})
        await remote.record_outside("shell", "fix-gateway", "ok", {"shell": "sh"},
                                    {"exit_code": 0})
        with pytest.raises(Refused, match="viewer"):
            await RemoteOperations(path, read_only=True).record_outside(
                "shell", "fix-gateway", "started", {"shell": "sh"})
    finally:
        await server.stop()
    written = [json.loads(line) for line in
               parts.settings.audit.path.read_text().splitlines()]
    me = pwd.getpwuid(os.getuid()).pw_name
    assert [(r["action"], r["outcome"], r["user"]) for r in written] == [
        ("shell", "started", me), ("shell", "ok", me), ("shell", "refused", me)]
