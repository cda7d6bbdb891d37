"""`fintui serve`'s door over real HTTP and websockets (no browser needed): the launch token,
the page's own origin, the session cap, the banner's truth, and consoles that end with their
tab and with the server."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import aiohttp
import psutil
import pytest

from tests.browser.serving import SNAPSHOT_CONFIG, Served, fintui_serve


async def get(url: str) -> tuple[int, str]:
    async with aiohttp.ClientSession() as session, session.get(url) as reply:
        return reply.status, await reply.text()


async def ws_status(served: Served, origin: str | None, token: str | None = None) -> int:
    """The HTTP status of a websocket handshake (101 when it is accepted)."""
    async with aiohttp.ClientSession() as session:
        try:
            ws = await session.ws_connect(served.ws(token) + "?width=80&height=24",
                                          origin=origin)
        except aiohttp.WSServerHandshakeError as exc:
            return exc.status
        await ws.close()
        return 101


async def drawn(ws: aiohttp.ClientWebSocketResponse, text: str, seconds: float = 30) -> str:
    """What the console sent until `text` appeared in it."""
    received = ""
    deadline = time.monotonic() + seconds
    while text not in received:
        message = await ws.receive(timeout=max(0.1, deadline - time.monotonic()))
        if message.type == aiohttp.WSMsgType.BINARY:
            received += message.data.decode("utf-8", "replace")
        elif message.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED):
            raise AssertionError(f"closed before {text!r}: {received[-500:]!r}")
    return received


def gone_within(pids: list[int], seconds: float) -> list[int]:
    """The pids still alive (not zombies) after waiting up to `seconds`."""
    deadline = time.monotonic() + seconds
    alive = pids
    while alive and time.monotonic() < deadline:
        time.sleep(0.1)
        alive = [p for p in pids if psutil.pid_exists(p)
                 and psutil.Process(p).status() != psutil.STATUS_ZOMBIE]
    return alive


async def test_no_token_wrong_token_or_foreign_origin_is_refused(tmp_path: Path) -> None:
    with fintui_serve(tmp_path) as served:
        assert len(served.token) >= 16
        status, page = await get(served.url.split("?")[0])
        assert status == 403 and "access token needed" in page
        status, page = await get(served.url.split("?")[0] + "?token=" + "x" * 32)
        assert status == 403
        status, page = await get(served.url)
        assert status == 200 and f"/ws/{served.token}" in page
        # A page of another site driving the console with the user's browser:
        assert await ws_status(served, "http://evil.example") == 403
        assert await ws_status(served, "http://127.0.0.1:1") == 403  # another local port
        assert await ws_status(served, None) == 403  # no Origin at all
        assert await ws_status(served, served.origin, token="y" * 32) == 403
        assert not served.consoles()  # no refused request started a console
        assert await ws_status(served, served.origin) == 101


async def test_a_rebound_host_name_is_refused(tmp_path: Path) -> None:
    """DNS rebinding: evil.example resolving to 127.0.0.1 reaches the port by that name."""
    with fintui_serve(tmp_path) as served:
        async with aiohttp.ClientSession() as session, session.get(
                served.url, headers={"Host": f"evil.example:{served.port}"}) as reply:
            assert reply.status == 403
            assert "loopback address only" in await reply.text()


async def test_sessions_are_capped_with_a_clear_page(tmp_path: Path) -> None:
    config = tmp_path / "capped.toml"
    config.write_text(SNAPSHOT_CONFIG.read_text() + "\n[serve]\nmax_sessions = 2\n")
    with fintui_serve(tmp_path, config=config) as served:
        assert "at most 2 sessions" in served.mode
        async with aiohttp.ClientSession() as session:
            tabs = [await session.ws_connect(served.ws() + "?width=80&height=24",
                                             origin=served.origin) for _ in range(2)]
            status, page = await get(served.url)
            assert status == 503 and "console full" in page and "max_sessions" in page
            assert await ws_status(served, served.origin) == 503
            assert len(served.consoles()) == 2
            await tabs[0].close()
            for _ in range(100):  # its console ends, its place is free again
                if (await get(served.url))[0] == 200:
                    break
                await asyncio.sleep(0.1)
            assert (await get(served.url))[0] == 200
            await tabs[1].close()


async def test_tabs_closed_and_reopened_fast_never_run_more_consoles_than_the_cap(
        tmp_path: Path) -> None:
    """A closed tab's place is free only once its console has ended, so churning tabs cannot
    pile up consoles beyond max_sessions."""
    config = tmp_path / "capped.toml"
    config.write_text(SNAPSHOT_CONFIG.read_text() + "\n[serve]\nmax_sessions = 2\n")
    with fintui_serve(tmp_path, config=config) as served:
        most = 0
        async with aiohttp.ClientSession() as session:
            for _ in range(12):
                for _ in range(2):
                    try:
                        ws = await session.ws_connect(served.ws() + "?width=80&height=24",
                                                      origin=served.origin)
                    except aiohttp.WSServerHandshakeError as exc:
                        assert exc.status == 503
                        continue
                    await asyncio.sleep(0.05)
                    await ws.close()
                most = max(most, len([c for c in served.consoles() if "--demo" in c.cmdline()]))
        assert 0 < most <= 2


async def test_bad_frames_and_early_closes_keep_the_token_out_of_the_log(
        tmp_path: Path) -> None:
    with fintui_serve(tmp_path) as served:
        async with aiohttp.ClientSession() as session:
            ws = await session.ws_connect(served.ws() + "?width=80&height=24",
                                          origin=served.origin)
            for frame in ("notjson", "[]", "{}", '["resize", {"width": "x"}]', '["stdin"]'):
                await ws.send_str(frame)
            await ws.send_str('["resize", {"width": 100, "height": 30}]')
            await drawn(ws, "Containers")  # the console lived through the bad frames
            await ws.close()
            for _ in range(3):
                early = await session.ws_connect(served.ws() + "?width=80&height=24",
                                                 origin=served.origin)
                await early.close()
        log = served.stderr_after_stop()
    assert served.token not in log, log[-2000:]
    assert "Traceback" not in log, log[-2000:]


async def test_a_tab_closed_before_the_console_draws_leaves_no_process(tmp_path: Path) -> None:
    with fintui_serve(tmp_path) as served:
        async with aiohttp.ClientSession() as session:
            for _ in range(3):
                ws = await session.ws_connect(served.ws() + "?width=80&height=24",
                                              origin=served.origin)
                await ws.close()  # before the console has drawn anything
        await asyncio.sleep(0.5)
        assert gone_within([c.pid for c in served.consoles()], 10) == []
        assert served.process.poll() is None  # the server itself keeps serving


@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGKILL])
async def test_consoles_end_with_the_server(tmp_path: Path, stop: signal.Signals) -> None:
    """Drawn or still starting, every console ends when the server does, even killed."""
    with fintui_serve(tmp_path) as served:
        async with aiohttp.ClientSession() as session:
            first = await session.ws_connect(served.ws() + "?width=80&height=24",
                                             origin=served.origin)
            await drawn(first, "Containers")
            await session.ws_connect(served.ws() + "?width=80&height=24",
                                     origin=served.origin)  # still starting
            await asyncio.sleep(0.3)
            pids = [c.pid for c in served.consoles()]
            assert len(pids) == 2
            os.kill(served.process.pid, stop)
            served.process.wait(15)
            assert gone_within(pids, 10) == []


async def test_a_console_that_cannot_start_ends_its_tab(tmp_path: Path) -> None:
    config = tmp_path / "gone.toml"
    config.write_text(SNAPSHOT_CONFIG.read_text())
    with fintui_serve(tmp_path, config=config) as served:
        config.unlink()  # each console reads it: now none can start
        async with aiohttp.ClientSession() as session:
            ws = await session.ws_connect(served.ws() + "?width=80&height=24",
                                          origin=served.origin)
            message = await ws.receive(timeout=30)
            assert message.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED)
        await asyncio.sleep(0.5)
        assert not served.consoles()


def test_the_banner_tells_the_truth_from_the_options(tmp_path: Path) -> None:
    """A config path that merely contains "--read-only" does not make the sessions viewers."""
    folder = tmp_path / "desk--read-only"
    folder.mkdir()
    config = folder / "config.toml"
    config.write_text(SNAPSHOT_CONFIG.read_text() + "\n[serve]\nallow_actions = true\n")
    with fintui_serve(tmp_path, config=config) as served:
        assert served.mode.startswith("ACTIONS ALLOWED")
    with fintui_serve(tmp_path, config=config, before=("--read-only",)) as served:
        assert served.mode.startswith("read-only")
    with fintui_serve(tmp_path) as served:  # actions not allowed by config: read-only
        assert served.mode.startswith("read-only")


def test_a_kiosk_token_file(tmp_path: Path) -> None:
    token = tmp_path / "kiosk.token"
    token.write_text("desk7-kiosk-token-2026\n")
    token.chmod(0o600)
    with fintui_serve(tmp_path, "--token-file", str(token)) as served:
        assert served.token == f"<the token in {token}>"  # not printed into logs
        served.token = "desk7-kiosk-token-2026"
        assert asyncio.run(get(served.url.split("?")[0] + "?token=" + served.token))[0] == 200
    for loose in (0o644, 0o602, 0o620):  # others may read it, or write their own token in
        token.chmod(loose)
        result = subprocess.run([sys.executable, "-m", "fintui", "--demo", "serve",
                                 "--token-file", str(token)], capture_output=True, text=True,
                                timeout=60)
        assert result.returncode == 2
        assert f"other users may read or change it (mode {loose:04o})" in result.stderr


def test_the_banner_names_the_port_really_bound_and_only_once_listening(
        tmp_path: Path) -> None:
    with fintui_serve(tmp_path, port=0) as served:
        assert served.port != 0
        assert asyncio.run(get(served.url))[0] == 200
        taken = served.port
        result = subprocess.run([sys.executable, "-m", "fintui", "--demo", "serve", "--port",
                                 str(taken)], capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert f"cannot listen on 127.0.0.1:{taken}" in result.stderr
    assert "fintui serve: http" not in result.stderr  # no address that does not answer
    result = subprocess.run([sys.executable, "-m", "fintui", "--demo", "serve", "--port",
                             "80000"], capture_output=True, text=True, timeout=60)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "cannot listen on 127.0.0.1:80000" in result.stderr
