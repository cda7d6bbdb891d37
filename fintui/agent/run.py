"""`fintui agent`: a watch that runs whether or not anyone looks, served on a unix socket.

In the foreground, logging to stderr (systemd keeps it); stops on SIGTERM or SIGINT."""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import logging
import os
import signal
import sys
from pathlib import Path
from typing import IO, TYPE_CHECKING

from fintui.agent.acts import ActDesk, close_unfinished
from fintui.agent.backend import AgentError
from fintui.agent.server import AgentServer
from fintui.agent.service import WatchBackend
from fintui.core.report import iso_time
from fintui.core.text_safety import one_line
from fintui.model import ClusterSnapshot
from fintui.ops.audit import AuditLog, AuditUnavailable, AuditUnreadable
from fintui.private_files import private_dir
from fintui.watch.watch import Watch

if TYPE_CHECKING:
    from fintui.wiring import Parts

log = logging.getLogger("fintui.agent")


class _Journal:
    """What a headless watch has to say, on stderr: connection changes, alert transitions,
    each receiver's delivery state, and state files."""

    def __init__(self, watch: Watch) -> None:
        self.watch = watch
        self.connected: bool | None = None
        self.states: dict[tuple[str, str], str] = {}
        self.deliveries: dict[str, str] = {}

    def snapshot(self, snap: ClusterSnapshot) -> None:
        if snap.source.connected != self.connected:
            self.connected = snap.source.connected
            if self.connected:
                log.info("connected to %s (%d containers)", one_line(snap.source.endpoint),
                         len(snap.containers))
            else:
                log.warning("disconnected: %s; retrying", one_line(snap.source.error))

    def alerts_changed(self) -> None:
        now = {a.key: a.state for a in self.watch.shown_alerts()}
        for (rule, target), state in now.items():
            if self.states.get((rule, target)) != state:
                log.info("alert %s: %s on %s", state, rule, one_line(target))
        for rule, target in set(self.states) - set(now):
            log.info("alert resolved: %s on %s", rule, one_line(target))
        self.states = now
        for line in self.watch.delivery_lines():
            if self.deliveries.get(line.receiver) != line.text:
                self.deliveries[line.receiver] = line.text
                (log.warning if line.trouble else log.info)(
                    "webhook %s: %s", one_line(line.receiver), one_line(line.text))

    def forecasts_changed(self) -> None:
        pass

    def disk_changed(self, endpoint: str) -> None:
        pass

    def notice(self, text: str, title: str, error: bool) -> None:
        for line in text.split("\n"):
            (log.error if error else log.info)("%s: %s", title, one_line(line))


def _one_agent(state_dir: Path, socket: Path) -> tuple[IO[str] | None, str]:
    """Hold the state folder's agent lock for as long as the agent runs: a second agent on
    the same state (started by hand beside the systemd one, on another socket) would send
    every page again. Returns the held file, or None and why not."""
    private_dir(state_dir, tighten=True)
    path = state_dir / "agent.lock"
    handle = open(path, "a+")  # noqa: SIM115 - held open until the process ends
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.seek(0)
        holder = one_line(handle.read().strip(), 300) or "pid unknown"
        handle.close()
        return None, (f"another fintui agent watches with the state folder {state_dir} "
                      f"({holder}): two would page everything twice. Stop it, or give "
                      "this one its own [paths] state_dir")
    handle.truncate(0)
    handle.write(f"pid {os.getpid()}, socket {socket}\n")
    handle.flush()
    return handle, ""


async def run_agent(parts: Parts, socket: Path, group: str) -> int:
    logging.basicConfig(stream=sys.stderr, level=logging.INFO,
                        format="%(asctime)s fintui agent: %(message)s")
    lock, why = _one_agent(parts.settings.paths.state_dir, socket)
    if lock is None:
        await parts.source.close()
        print(f"fintui: {why}", file=sys.stderr)
        return 1
    try:  # before serving: a console must not see a dead act as still running
        unfinished = await asyncio.to_thread(
            close_unfinished, AuditLog.from_settings(parts.settings),
            iso_time(parts.clock.now()) or "")
    except (AuditUnavailable, AuditUnreadable, OSError) as exc:
        log.warning("acts left unfinished by a previous run not checked: %s",
                    one_line(str(exc)))
    else:
        for record in unfinished:
            log.warning("an act was cut off when the agent last stopped: %s %s by %s "
                        "(outcome unknown; recorded)", record["action"],
                        one_line(str(record["target"])), one_line(str(record["user"])))
    watch = Watch(parts, parts.operations(), deliver=True)
    watch.policies.handover.agent = True  # the agent runs the policies, not a console
    watch.subscribe(_Journal(watch))
    watch.open_history()
    if watch.paged is not None and watch.paged.error:
        log.warning("paged alerts not restored: %s", one_line(watch.paged.error))
    # A line at least every second: an attached console notices a frozen agent within 3 s.
    desk = ActDesk(watch)
    server = AgentServer(WatchBackend(watch, socket), socket, group, keepalive=1.0, desk=desk)
    try:
        await server.start()
    except AgentError as exc:
        await parts.source.close()
        print(f"fintui: {one_line(str(exc))}", file=sys.stderr)
        return 1
    receivers = ", ".join(r.name for r in parts.settings.alerts.receivers) or "none configured"
    log.info("serving %s; alerts are delivered to: %s", one_line(str(socket)), receivers)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, stop.set)
    watching = asyncio.create_task(watch.run())
    stopping = asyncio.create_task(stop.wait())
    try:
        await asyncio.wait({watching, stopping}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        log.info("stopping")
        desk.stopping = True
        if desk.running:  # an act cut off halfway is worse than a late stop
            grace = parts.settings.agent.stop_grace
            log.info("waiting up to %g s for %d act(s) under way", grace, len(desk.running))
            await desk.settle(grace)
        stopping.cancel()
        for _ in range(3):  # again if a cancel is lost: the agent must end
            watching.cancel()
            if (await asyncio.wait({watching}, timeout=5.0))[0]:
                break
        else:
            log.error("the watch did not stop when asked; stopping without it")
        await server.stop()
    if watching.done() and not watching.cancelled() and watching.exception() is not None:
        error = watching.exception()
        log.error("the watch failed: %s: %s", type(error).__name__, error)
        return 1
    return 0
