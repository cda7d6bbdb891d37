"""Following the Engine's container events for DockerEngineSource: resume after the last one
seen, and find a stream that looks open and delivers nothing (its events then come from a
one-off query). A mixin: the state it keeps lives on the source (tests read it there)."""

from __future__ import annotations

import asyncio
import contextlib
import json
import math
import time
from collections.abc import AsyncGenerator, AsyncIterator, Iterator, Mapping
from typing import Any

from fintui.core.event_watch import check_window, docker_since
from fintui.core.stats import CpuSample
from fintui.sources.engine_client import (
    ApiError,
    DaemonRefused,
    DaemonUnavailable,
    EngineClient,
)

# Events that change what inspect says (restart count, health, start time).
_INSPECT_EVENTS = frozenset({"start", "restart", "die", "oom", "kill", "pause", "unpause",
                             "rename", "update"})
# Events after which the container's list row is fetched again (without a whole relist).
_LIST_EVENTS = _INSPECT_EVENTS | {"create", "destroy", "stop"}
# A stream silent this long is checked: the daemon is asked for the events it should have
# delivered by now. Its connection can outlive its subscription (a daemon frozen, a session
# closed under it, a proxy): it then looks open and delivers nothing, ever.
EVENTS_CHECK_AFTER = 5.0
# Seconds a lost stream has to come back before the header says events are behind.
EVENTS_GRACE = 2.0


class EventFollower:
    """events() for a source that keeps these (set in its __init__)."""

    client: EngineClient
    events_check_after: float
    _events_followed: bool
    _events_live: bool
    _events_lost_at: float
    _last_event_time: int | None
    _subscribed_ns: int
    _clock_offset_ns: int
    _listed: dict[str, dict[str, Any]] | None
    _inspect: dict[str, tuple[float, dict[str, Any]]]
    _cpu: dict[str, CpuSample]
    _touched: set[str]

    async def events(self) -> AsyncIterator[dict[str, Any]]:
        """Follow container events; resumes from the last event seen (the daemon keeps 256).
        A stream silent for `events_check_after` seconds is checked against the daemon:
        events it holds that the stream never delivered prove the stream dead. They are
        handed on, and the stream ends (the caller resubscribes after them)."""
        self._events_followed = True
        params = {"filters": json.dumps({"type": ["container"]})}
        if self._last_event_time is not None:
            # Resume just after the newest event we had.
            params["since"] = docker_since(self._last_event_time + 1)
        chunks = self.client.stream("/events", params)
        pending: asyncio.Task[bytes | None] | None = None
        buffer = b""
        try:
            while True:
                if pending is None:
                    pending = asyncio.create_task(_next_chunk(chunks))
                # Waited on, not cancelled, at each check: a cancelled read ends the stream.
                done, _ = await asyncio.wait({pending}, timeout=self.events_check_after)
                if not done:
                    missed = await self._missed_events() if self._events_live else []
                    if missed:
                        self._events_live = False
                        self._events_lost_at = -math.inf  # behind already: say so at once
                        self._listed = None
                        for event in missed:
                            if not _is_exec(event):
                                yield event
                        return
                    continue
                chunk, pending = pending.result(), None
                if chunk is None:
                    return
                if not self._events_live:
                    # Subscribed (the stream opens with an empty chunk). Events missed while
                    # it was down are replayed from `since`; a relist makes sure regardless.
                    self._events_live = True
                    # (Before the first /info the offset is taken as 0: at worst a skewed
                    # daemon's first stream is given up once for events it had before.)
                    self._subscribed_ns = time.time_ns() + self._clock_offset_ns
                    self._listed = None
                buffer += chunk
                *lines, buffer = buffer.split(b"\n")
                for event in _decode_events(lines):
                    self._note_event(event)
                    if not _is_exec(event):
                        yield event
        except ApiError as exc:
            raise DaemonRefused(f"daemon error: {exc.message}", exc.status) from None
        finally:
            if pending is not None:
                pending.cancel()
                await asyncio.wait({pending})  # its outcome is moot; ours still propagates
            with contextlib.suppress(Exception):
                await chunks.aclose()
            if self._events_live:
                self._events_live = False
                self._events_lost_at = time.monotonic()

    async def _missed_events(self) -> list[dict[str, Any]]:
        """Events the daemon holds, old enough to have come down a working stream by now,
        that this one never delivered (noted here). Empty when there are none, and when
        the daemon does not answer: the sweep shows that, and proves nothing of the stream."""
        window = check_window(self._last_event_time, self._subscribed_ns,
                              time.time_ns() + self._clock_offset_ns)
        if window is None:
            return []
        params = {"filters": json.dumps({"type": ["container"]}),
                  "since": docker_since(window[0]), "until": docker_since(window[1])}
        try:
            raw = await self.client.request("GET", "/events", params, decode=False)
        except (DaemonUnavailable, ApiError):
            return []
        missed = list(_decode_events(bytes(raw or b"").split(b"\n")))
        for event in missed:
            self._note_event(event)
        return missed

    def _note_event(self, event: Mapping[str, Any]) -> None:
        nanos = event.get("timeNano")
        if isinstance(nanos, int):
            self._last_event_time = max(self._last_event_time or 0, nanos)
        action = str(event.get("Action") or event.get("status") or "")
        cid = str((event.get("Actor") or {}).get("ID") or event.get("id") or "")
        if action.split(":")[0] in _INSPECT_EVENTS or action.startswith("health_status"):
            self._inspect.pop(cid, None)  # re-inspect on the next sweep
        if action == "destroy":
            self._cpu.pop(cid, None)
            self._inspect.pop(cid, None)
        if cid and (action.split(":")[0] in _LIST_EVENTS or action.startswith("health_status")):
            self._touched.add(cid)


async def _next_chunk(chunks: AsyncGenerator[bytes, None]) -> bytes | None:
    """The stream's next chunk; None when it ended."""
    return await anext(chunks, None)


def _decode_events(lines: list[bytes]) -> Iterator[dict[str, Any]]:
    """One event per JSON line; blank and garbled lines are skipped."""
    for line in lines:
        if not line.strip():
            continue
        try:
            event = json.loads(line)
        except ValueError:
            continue
        if isinstance(event, dict):
            yield event


def _is_exec(event: Mapping[str, Any]) -> bool:
    """Health checks run execs every few seconds: no news for the list."""
    return str(event.get("Action") or event.get("status") or "").startswith("exec_")
