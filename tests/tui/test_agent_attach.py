"""A console attached to an agent: it shows the agent's data and polls nothing itself; when
the agent goes it says so within 2 s and watches the daemon itself without paging; when the
agent is back it attaches again by itself."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from textual.pilot import Pilot

from fintui.agent.attached import AttachedWatch
from fintui.agent.server import AgentServer
from fintui.agent.service import WatchBackend
from fintui.model import ClusterSnapshot
from fintui.tui.app import FintuiApp
from fintui.watch.watch import Watch
from tests.tui.helpers import paging_demo_parts, screen_text


@dataclass
class Agent:
    socket: Path
    watch: Watch
    server: AgentServer
    task: asyncio.Task[None]

    async def stop(self) -> None:
        self.task.cancel()
        await self.server.stop()


async def start_agent(tmp: Path, socket: Path) -> Agent:
    parts = paging_demo_parts(tmp / "agent")
    watch = Watch(parts, parts.operations())
    watch.open_history()
    server = AgentServer(WatchBackend(watch, socket), socket, keepalive=0.5)
    await server.start()
    return Agent(socket, watch, server, asyncio.create_task(watch.run()))


async def until(pilot: Pilot[Any], check: Callable[[], bool], seconds: float, what: str
                ) -> float:
    start = time.monotonic()
    while not check():
        assert time.monotonic() - start < seconds, f"{what} not within {seconds}s:\n" + \
            screen_text(pilot.app)
        await pilot.pause(0.05)
    return time.monotonic() - start


async def test_attach_fall_back_without_pages_and_attach_again(short_dir: Path) -> None:
    socket = short_dir / "agent.sock"
    agent = await start_agent(short_dir, socket)
    parts = paging_demo_parts(short_dir / "console")
    parts.agent = socket
    own_sweeps = 0
    sweep = parts.source.sweep

    async def counted() -> ClusterSnapshot:
        nonlocal own_sweeps
        own_sweeps += 1
        return await sweep()

    parts.source.sweep = counted  # type: ignore[method-assign]
    said: list[str] = []
    app = FintuiApp(parts)
    try:
        async with app.run_test(size=(160, 40)) as pilot:
            original = app.notify

            def notify(message: str, **kwargs: Any) -> None:
                said.append(str(message))
                original(message, **kwargs)

            app.notify = notify  # type: ignore[method-assign]
            await until(pilot, lambda: "via agent" in screen_text(app), 10, "via agent")
            await until(pilot, lambda: "recon-worker" in screen_text(app), 10, "the agent's rows")
            assert isinstance(app.watcher, AttachedWatch)
            assert own_sweeps == 0  # attached: the console polls nothing itself
            assert app.watcher.delivery_lines() is not None
            # The agent goes: said within 2 s, and the console watches the daemon itself.
            await agent.stop()
            took = await until(pilot, lambda: any("agent gone" in s for s in said), 2.0,
                               "the agent's loss said")
            print(f"agent loss said after {took:.2f}s")
            await until(pilot, lambda: own_sweeps > 0, 5, "the console's own sweeps")
            assert isinstance(app.watcher, Watch) and app.watcher.webhooks is None  # no pages
            await until(pilot, lambda: "NO AGENT: no pages" in screen_text(app), 5,
                        "the header saying pages are not going out")
            # Back: attached again by itself.
            agent = await start_agent(short_dir, socket)
            await until(pilot, lambda: any("attached again" in s for s in said), 5,
                        "re-attach said")
            await until(pilot, lambda: "via agent" in screen_text(app), 5, "via agent again")
            assert isinstance(app.watcher, AttachedWatch)
            counted_then = own_sweeps
            await pilot.pause(1.5)
            assert own_sweeps == counted_then  # its own polling stopped again
    finally:
        await agent.stop()
