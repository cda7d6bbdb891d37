"""The daemon dies, restarts or stalls while the console runs: the console says so, keeps
running, and comes back by itself. Uses a private dockerd, never the engineer's own."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import pytest

from fintui.tui.panes.containers import ContainersPane
from tests.integration.private_daemon import PrivateDaemon, daemon_with_probe
from tests.tui.helpers import SNAPSHOT_CONFIG, make_app, screen_text, until_loaded, wait_for

pytestmark = pytest.mark.integration
DEFAULTS = SNAPSHOT_CONFIG.parent / "defaults.toml"
STALL = SNAPSHOT_CONFIG.parent / "stall.toml"


@pytest.fixture
def daemon() -> Iterator[PrivateDaemon]:
    with daemon_with_probe("ledger-probe") as d:
        yield d


def probe_row(app: Any) -> str:
    pane = app.query_one(ContainersPane)
    for key in pane.row_keys():
        if pane.cell_text(key, "name") == "ledger-probe":
            return pane.cell_text(key, "state")
    return ""


async def test_killed_and_restarted_daemon(daemon: PrivateDaemon) -> None:
    app = make_app("--host", daemon.url, demo=False, config=DEFAULTS)  # 2 s refresh
    async with app.run_test(size=(200, 40)) as pilot:
        await until_loaded(pilot)
        await wait_for(pilot, "● live", 5)
        assert probe_row(app) == "● running"
        daemon.kill()
        took = await wait_for(pilot, "DISCONNECTED", 2.5)  # within one refresh
        assert "STALE since" in screen_text(app)
        assert probe_row(app) == "● running", "last data stays on screen, marked stale"
        assert app.is_running
        await asyncio.sleep(1.5)  # an outage of a few seconds, retried with backoff
        await asyncio.to_thread(daemon.start)
        back = await wait_for(pilot, "● live", 10)  # within 10 s of the daemon's return
        assert "STALE" not in screen_text(app)
        print(f"disconnected shown after {took:.2f}s; live again {back:.2f}s after return")
        for _ in range(100):  # the restart policy brings the probe back
            if probe_row(app) == "● running":
                break
            await pilot.pause(0.1)
        assert probe_row(app) == "● running"


async def test_stalled_daemon_shows_stale_within_seconds(daemon: PrivateDaemon) -> None:
    app = make_app("--host", daemon.url, demo=False, config=STALL)
    async with app.run_test(size=(200, 40)) as pilot:
        await until_loaded(pilot)
        await wait_for(pilot, "● live", 5)
        daemon.pause()
        try:
            await wait_for(pilot, "did not answer within 2 s", 5)
            assert "STALE since" in screen_text(app)
            await pilot.press("down", "up")  # the screen answers keys meanwhile
            assert app.is_running
        finally:
            daemon.resume()
        await wait_for(pilot, "● live", 10)


def test_cli_status_on_a_dead_daemon_exits_1_with_the_reason(daemon: PrivateDaemon) -> None:
    daemon.kill()
    result = subprocess.run([sys.executable, "-m", "fintui", "--host", daemon.url, "status"],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    socket = daemon.url.removeprefix("unix://")
    assert result.stderr.strip() in (f"fintui: disconnected: connection refused by {socket}",
                                      f"fintui: disconnected: no Docker daemon socket at {socket}")
    assert "DISCONNECTED" in result.stdout


def cell(app: Any, name: str, column: str) -> str | None:
    """The row's cell in `column`; None while the row is not shown."""
    pane = app.query_one(ContainersPane)
    for key in pane.row_keys():
        if pane.cell_text(key, "name") == name:
            return str(pane.cell_text(key, column))
    return None


async def test_events_flow_again_after_the_daemon_was_frozen(daemon: PrivateDaemon) -> None:
    """A daemon frozen (SIGSTOP) for 10 s and thawed: the header soon says live without
    "events behind", a container started then shows within 2 s, as in a fresh console (not
    at the next safety relist, 30 s later), and a crash loop's restarts count up as they
    happen (not at the re-inspection, minutes later)."""
    app = make_app("--host", daemon.url, demo=False, config=DEFAULTS)
    async with app.run_test(size=(200, 40)) as pilot:
        await until_loaded(pilot)
        await wait_for(pilot, "● live", 5)
        await pilot.pause(1.0)  # the events stream is subscribed
        daemon.pause()
        try:
            await wait_for(pilot, "DISCONNECTED", 15)
            await asyncio.sleep(10)
        finally:
            daemon.resume()
        await wait_for(pilot, "● live", 15)
        for _ in range(100):  # events flow again within a few seconds of the thaw
            if "events behind" not in screen_text(app):
                break
            await pilot.pause(0.05)
        assert "events behind" not in screen_text(app)
        client = daemon.client()
        loop = asyncio.get_running_loop()
        started = loop.time()
        try:
            await asyncio.to_thread(client.containers.run, "fintui-test/busybox",
                                    ["sleep", "600"], name="late-arrival", detach=True,
                                    network_mode="none")
            while cell(app, "late-arrival", "name") is None:
                assert loop.time() - started < 2.0, (
                    f"not shown within 2 s of docker run:\n{screen_text(app)}")
                await pilot.pause(0.05)
            print(f"shown {loop.time() - started:.2f}s after docker run")
            started = loop.time()
            # The daemon restarts it after 0.1 s, 0.2 s, 0.4 s, ...
            await asyncio.to_thread(client.containers.run, "fintui-test/busybox",
                                    ["sh", "-c", "exit 3"], name="crash-loop", detach=True,
                                    network_mode="none", restart_policy={"Name": "always"})
            while int(cell(app, "crash-loop", "restarts") or "0") < 2:
                assert loop.time() - started < 5.0, (
                    f"restarts not counted within 5 s:\n{screen_text(app)}")
                await pilot.pause(0.05)
            print(f"restarts counted {loop.time() - started:.2f}s after docker run")
        finally:
            client.close()
