"""Which watch a console shows: the agent's when one answers, else its own, and back.

With an agent configured (the default) a console attaches to it. When the agent goes, the
console watches the daemon itself at once, without paging (pages are the agent's, so two
consoles never page twice), and attaches again as soon as the agent answers. With
--no-agent the console's own watch is the only one, and it pages."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from fintui.agent.attached import AgentGone, AttachedWatch
from fintui.agent.client import absent, agent_answers, agent_reason
from fintui.watch.watch import Watch

if TYPE_CHECKING:
    from fintui.ops.operations import Operations
    from fintui.watch.state import ClusterState
    from fintui.wiring import Parts

AnyWatch = Watch | AttachedWatch
RECHECK = 1.0  # seconds between knocks on a gone agent's socket


async def supervise(parts: Parts, ops: Operations, first: Watch,
                    use: Callable[[AnyWatch], None], say: Callable[[str, bool], None]) -> None:
    """Run the right watch until cancelled; `use` is told each new one, `say` what changed.
    `first` is the console's own watch (it pages), used as it is under --no-agent."""
    path, state = parts.agent, first.state
    try:
        if path is None:
            if not parts.demo:  # a --no-agent console leaves the policies to an agent
                first.policies.handover.answers = agent_answers
            use(first)
            other = parts.settings.agent.socket
            if first.webhooks is not None and await agent_answers(other):
                say(f"an agent runs at {other} and pages too: with --no-agent this console "
                    "sends every page again", True)
            await first.run(close=False)
            return
        lost = ""
        if not await agent_answers(path):
            why = await agent_reason(path)
            if not absent(why):  # there, but not for this account: say so, not "no agent"
                say(f"cannot use the agent: {why}"
                    + (f" (ask for group {parts.settings.agent.group!r})"
                       if "permission denied" in why and parts.settings.agent.group else "")
                    + ". Watching the daemon directly; no pages from here.", True)
        while True:
            if await agent_answers(path):
                attached = AttachedWatch(parts, ops, path, state)
                use(attached)
                if lost:
                    say(f"the agent at {path} is back: attached again", False)
                try:
                    await attached.run()
                except AgentGone as exc:
                    lost = str(exc)
                say(f"agent gone: {lost}. Watching the daemon directly; no pages until it "
                    "is back.", True)
            await _own_until_agent(parts, ops, state, use, path)
            lost = lost or "not running"
    finally:
        await parts.source.close()
        if parts.gpu is not None:
            await parts.gpu.close()  # NVML: initialised once, shut down on exit


async def _own_until_agent(parts: Parts, ops: Operations, state: ClusterState,
                           use: Callable[[AnyWatch], None], path: Path) -> None:
    """The console's own watch, not paging, until the agent answers again."""
    own = Watch(parts, ops, deliver=False, state=state)
    use(own)
    running = asyncio.create_task(own.run(close=False))
    try:
        while not await agent_answers(path):
            if running.done():
                running.result()  # a failure of the watch is the console's to show
            await asyncio.sleep(RECHECK)
    finally:
        running.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await running
