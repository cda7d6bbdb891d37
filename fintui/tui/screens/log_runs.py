"""Why a followed log ended, and whether the container came back for another run: the daemon
ends a followed stream when the container stops; a restart policy starts it again."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta

from fintui.watch.reads import ContainerGone, ContainerReads, SourceUnavailable

RESTARTED = "[fintui] ---- the container restarted: its next run follows ----"
RESTART_WAIT_S = 30  # a restart policy's back-off grows; past this the viewer stops waiting
END_CHECK_SECONDS = 5.0  # how long to ask the daemon why a stream ended before giving up


async def end_reason(reads: ContainerReads, container_id: str) -> tuple[str, str]:
    """Why the stream ended (the title's words), and when the container's run started."""
    try:
        details = await asyncio.wait_for(reads.details(container_id), END_CHECK_SECONDS)
    except ContainerGone:
        return "ended: container removed", ""
    except (SourceUnavailable, TimeoutError):
        return "ended: stream closed", ""
    if details.state == "exited":
        code = "" if details.exit_code is None else f", code {details.exit_code}"
        return f"ended: container exited{code}", details.started
    if details.state in ("running", "paused"):
        return "ended: stream closed (t or l again to reopen)", details.started
    return f"ended: container {details.state}", details.started


def a_beat_before(started: str) -> str:
    """A run's start (RFC 3339) a second early, to the second: its first lines are stamped
    as the daemon read them, which can be before it recorded the start."""
    try:
        when = datetime.strptime(started[:19], "%Y-%m-%dT%H:%M:%S")
    except ValueError:
        return ""
    return f"{when - timedelta(seconds=1):%Y-%m-%dT%H:%M:%S}"


async def next_run(reads: ContainerReads, container_id: str, ended: str) -> tuple[str, str]:
    """Wait a little for a stopped container's next run: ("", a beat before its start) when it
    runs again, else why the log ended after all and ""."""
    for _ in range(RESTART_WAIT_S):
        if not ended.startswith(("ended: container restarting", "ended: stream")):
            return ended, ""
        await asyncio.sleep(1)
        ended, started = await end_reason(reads, container_id)
        if ended.startswith("ended: stream closed") and started:  # running again
            return "", a_beat_before(started) or started
    return ended, ""
