"""A console attached to an agent acts through it: the agent plans, holds and runs the act as
the console's OS account, and its audit log (not the console's) records it. A role the agent
gives this account greys out the keys, and a refusal is the agent's, audited there."""

from __future__ import annotations

import asyncio
import dataclasses
import json
from pathlib import Path
from typing import Any

import pytest

from fintui.agent.acts import ActDesk
from fintui.agent.attached import AttachedWatch
from fintui.agent.client import AgentClient
from fintui.agent.server import AgentServer
from fintui.agent.service import WatchBackend
from fintui.ops.identity import current_identity
from fintui.tui.app import FintuiApp
from fintui.tui.panes.containers import ContainersPane
from fintui.tui.screens.actions import ConfirmScreen
from fintui.tui.screens.volume import VolumeScreen
from fintui.watch.watch import Watch
from tests.tui.helpers import (
    paging_demo_parts,
    screen_text,
    until_action_finished,
    until_screen,
    wait_for,
)


async def serve(tmp: Path, socket: Path, role: str = "") -> tuple[Any, AgentServer,
                                                                   asyncio.Task[None]]:
    parts = paging_demo_parts(tmp / "agent")
    if role:  # this OS account's role, as the agent's [guard] roles give it
        guard = dataclasses.replace(parts.settings.guard,
                                    roles={current_identity().user: role})
        parts.settings = dataclasses.replace(parts.settings, guard=guard)
    watch = Watch(parts, parts.operations())
    watch.open_history()
    server = AgentServer(WatchBackend(watch, socket), socket, keepalive=0.5,
                         desk=ActDesk(watch))
    await server.start()
    return parts, server, asyncio.create_task(watch.run())


def audit(parts: Any) -> list[dict[str, Any]]:
    path = parts.settings.audit.path
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() \
        else []


async def attached_console(pilot: Any) -> None:
    app = pilot.app
    for _ in range(200):
        if isinstance(app.watcher, AttachedWatch) and app.snapshots_seen and \
                app.agent_role is not None:
            return
        await pilot.pause(0.05)
    raise AssertionError("the console never attached:\n" + screen_text(app))


async def select(pilot: Any, name: str) -> None:
    pane = pilot.app.query_one(ContainersPane)
    index = [pane.cell_text(k, "name") for k in pane.row_keys()].index(name)
    pane.table.move_cursor(row=index)
    await pilot.pause()


async def test_an_attached_console_isolates_through_the_agent(short_dir: Path) -> None:
    socket = short_dir / "agent.sock"
    agent_parts, server, task = await serve(short_dir, socket)
    parts = paging_demo_parts(short_dir / "console")
    parts.agent = socket
    app = FintuiApp(parts)
    try:
        async with app.run_test(size=(140, 40)) as pilot:
            await attached_console(pilot)
            await select(pilot, "fix-gateway")
            await pilot.press("i")
            await until_screen(pilot, ConfirmScreen)
            assert "capture forensics" in screen_text(app)
            await pilot.press("y")
            progress = await until_action_finished(pilot)
            assert progress.outcome == "done", screen_text(app)
            assert "forensics bundle:" in screen_text(app)
            await pilot.press("escape")
            await wait_for(pilot, "⊘ ISOLATED")  # the agent's next snapshot says so
            # The audit tail and a volume's history are the agent's too.
            async with AgentClient(socket) as client:
                tail = await client.audit_tail()
            records = [line for line in tail["lines"] if not line.startswith(" ")]
            assert records[-1].endswith("isolate fix-gateway  ok")
            assert any(line.startswith("    bundle: ") for line in tail["lines"])
            app.volume_details("pricing-data")
            volume = await until_screen(pilot, VolumeScreen)
            assert volume.history and volume.history[0][0].startswith("pricing")
    finally:
        task.cancel()
        await server.stop()
    me = current_identity()
    assert [(r["action"], r["outcome"], r["user"], r["actor"], r["uid"])
            for r in audit(agent_parts)] == [("isolate", "started", me.user, me.user, me.uid),
                                              ("isolate", "ok", me.user, me.user, me.uid)]
    assert audit(parts) == []  # the console did nothing itself: no record of its own


@pytest.mark.parametrize("how", ["agent's roles", "--read-only"])
async def test_a_viewer_is_refused_by_the_agent(short_dir: Path, how: str) -> None:
    """A viewer by the agent's roles, or a console started --read-only (a browser session
    of `fintui serve`) whose account is an operator: no key, flag or name makes it act."""
    socket = short_dir / "agent.sock"
    agent_parts, server, task = await serve(short_dir, socket,
                                            role="viewer" if how == "agent's roles" else "")
    parts = paging_demo_parts(short_dir / "console")  # an operator by its own settings
    parts.agent = socket
    parts.read_only = how == "--read-only"
    app = FintuiApp(parts)
    try:
        async with app.run_test(size=(140, 40), notifications=True) as pilot:
            await attached_console(pilot)
            assert app.role == "viewer"
            await pilot.pause(0.1)
            active = app.screen.active_bindings
            assert not active["i"].enabled and not active["s"].enabled
            await select(pilot, "fix-gateway")
            await pilot.press("i")  # greyed out, and still refused (and audited) when pressed
            await wait_for(pilot, "role 'viewer' may not isolate")
            assert not isinstance(app.screen, ConfirmScreen)
            alert = app.shown_alerts()[0]  # nor may it mute a page
            app.ack_flow(alert)
            await wait_for(pilot, "role 'viewer' may not ack")
    finally:
        task.cancel()
        await server.stop()
    records = audit(agent_parts)
    assert [(r["action"], r["outcome"], r["role"], r["user"]) for r in records] == [
        ("isolate", "refused", "viewer", current_identity().user),
        ("ack", "refused", "viewer", current_identity().user)]
    assert audit(parts) == []


async def test_an_agent_this_account_cannot_use_is_said_not_taken_for_none(
        short_dir: Path) -> None:
    socket = short_dir / "agent.sock"

    async def hang_up(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.close()  # something listens there, and it is no agent to this account

    server = await asyncio.start_unix_server(hang_up, path=str(socket))
    parts = paging_demo_parts(short_dir / "console")
    parts.agent = socket
    app = FintuiApp(parts)
    try:
        async with app.run_test(size=(140, 40), notifications=True) as pilot:
            await wait_for(pilot, "cannot use the agent", seconds=10)
            assert not isinstance(app.watcher, AttachedWatch)
            await wait_for(pilot, "no pages from here")
    finally:
        server.close()


async def test_an_attached_console_shows_storage_the_agent_read(short_dir: Path) -> None:
    """A desk account may not reach the daemon: the Volumes pane's sizes come from the
    agent, and the console never asks the daemon itself."""
    socket = short_dir / "agent.sock"
    _, server, task = await serve(short_dir, socket)
    parts = paging_demo_parts(short_dir / "console")
    parts.agent = socket
    asked: list[str] = []

    async def refused() -> Any:
        asked.append("disk_usage")
        raise AssertionError("the console read disk usage itself")

    for storage in parts.storages():
        storage.source.disk_usage = refused
    app = FintuiApp(parts)
    try:
        async with app.run_test(size=(140, 40)) as pilot:
            await attached_console(pilot)
            await pilot.press("3")
            await wait_for(pilot, "old-backtest-cache", seconds=10)
    finally:
        task.cancel()
        await server.stop()
    assert asked == []
