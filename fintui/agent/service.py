"""The agent's backend: what its socket answers, from a running watch.

Acts (acks, silences) are done as the socket peer's OS account: its role comes from [guard]
roles by user or @group, and the audit names it; nothing in a request can change that.

The update stream (`updates`, NDJSON lines on `GET /v1/updates`) is one object a line:
  {"kind": "snapshot", "seq": n, "snapshot": <ClusterSnapshot>, "isolated": [id, ...]}
      first (once the first sweep is done), and again whenever a reader must start over;
  {"kind": "delta", "seq": n, "base": n - 1, "delta": <snapshot_delta>, "isolated": [...]}
      each sweep after that: the changes from the snapshot numbered `base`, computed once a
      sweep for every reader (fintui.core.snapshot_delta says what a delta holds);
  {"kind": "alerts", ...}, {"kind": "forecasts", ...} whole, each time they change,
  {"kind": "disk", "endpoint": name, "disk": <DiskUsage>} each endpoint's storage sizes when
      read (the agent's own refresh, or a console's `POST /v1/read-disks`), and
  {"kind": "notice", "title", "text", "error"}.
`seq` counts the agent's sweeps. A reader that falls UPDATES_KEPT items behind loses them and
starts over: its queue is emptied and refilled with a whole snapshot, alerts and forecasts.
A console that gets a delta whose `base` is not the snapshot it holds must not apply it."""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from fintui import __version__
from fintui.agent.backend import AgentError, AgentStarting
from fintui.core.alerts import Silence
from fintui.core.report import alert_document, iso_time, status_document
from fintui.core.snapshot_delta import snapshot_delta
from fintui.core.wire import encode
from fintui.model import ClusterSnapshot
from fintui.ops.identity import Identity
from fintui.store.db import StateUnavailable

if TYPE_CHECKING:
    from fintui.ops.operations import Operations
    from fintui.watch.watch import Watch

UPDATES_KEPT = 64  # news waiting for a slow reader; past that it starts over, whole
# What a fresh start holds already: published to a reader that just started over, skipped.
_IN_A_FRESH_START = frozenset({"snapshot", "delta", "alerts", "forecasts", "disk"})


class WatchBackend:
    def __init__(self, watch: Watch, socket: Path) -> None:
        self.watch = watch
        self.socket = socket
        self.readers: set[asyncio.Queue[dict[str, Any]]] = set()
        # The stream's present: the base of the next delta, and what a reader starting (or
        # starting over) gets whole; `seq` numbers it. Kept with no reader too, so that the
        # numbers go on.
        self.sent: ClusterSnapshot | None = watch.state.snapshot
        self.seq = 0
        self._whole: Any = None  # `sent` encoded, once a sweep however many readers ask
        watch.subscribe(_Relay(self))

    def info(self) -> dict[str, Any]:
        webhooks = self.watch.webhooks
        return {"socket": str(self.socket), "pid": os.getpid(), "version": __version__,
                "up_since": iso_time(self.watch.started_at),
                # Each receiver and what it waits for (the pane's lines); [] when none.
                "receivers": [r.name for r in self.watch.parts.settings.alerts.receivers]
                if webhooks else [],
                "deliveries": [{"receiver": d.receiver, "state": d.text, "trouble": d.trouble}
                               for d in webhooks.lines()] if webhooks else [],
                "sweeps": self.watch.sweeps}

    async def status(self) -> dict[str, Any]:
        snap = self.watch.state.snapshot
        if snap is None:
            raise AgentStarting("the agent has not finished its first sweep yet; ask again")
        try:
            isolated: frozenset[str] | None = frozenset(self.watch.ops.isolations.active_ids())
        except StateUnavailable:
            isolated = None  # unknown, never "not isolated"
        document = status_document(snap, isolated, self.watch.shown_alerts())
        document["agent"] = self.info()
        return document

    def alerts(self) -> list[dict[str, Any]]:
        return [alert_document(a) for a in self.watch.shown_alerts()]

    def _ops(self, who: Identity, read_only: bool) -> Operations:
        ops = self.watch.parts.operations(identity=who, read_only=read_only)
        ops.actor = who.user  # through the agent the OS account is the actor: no --as here
        ops.via = "agent"
        return ops

    async def ack(self, who: Identity, rule: str, target: str, read_only: bool = False
                  ) -> str:
        ops = self._ops(who, read_only)
        if not ops.may("ack").allowed:  # a viewer is refused (and audited) whatever it names
            ops.record("ack", target, {"rule": rule})
        if not any(a.key == (rule, target) for a in self.watch.shown_alerts()):
            raise AgentError(f"no alert {rule} on {target} now (see `fintui alerts`)")
        return await self.watch.ack(ops, rule, target, who.user)

    async def silence(self, who: Identity, rule: str, target: str, seconds: float,
                      comment: str, read_only: bool = False) -> str:
        if not comment.strip():
            raise AgentError("a silence needs a comment saying why (--comment)")
        until = self.watch.parts.clock.now() + timedelta(seconds=seconds)
        return await self.watch.silence(self._ops(who, read_only),
                                        Silence(rule, target, until, comment, who.user))

    async def updates(self) -> AsyncIterator[dict[str, Any]]:
        """What a console shows: the latest snapshot whole, alerts and forecasts, then the
        news as it comes: a delta a sweep (the module's docstring has the lines)."""
        queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue(UPDATES_KEPT)
        self.readers.add(queue)
        try:
            # Taken in the same step as joining the readers: the first delta queued is this
            # snapshot's next.
            if self.sent is not None:
                yield self.snapshot_item()
            yield self.alerts_item()
            yield self.forecasts_item()
            for endpoint in list(self.watch.disks):
                yield self.disk_item(endpoint)
            while True:
                yield await queue.get()
        finally:
            self.readers.discard(queue)

    def snapshot_item(self) -> dict[str, Any]:
        """The stream's present, whole."""
        if self._whole is None:
            self._whole = encode(self.sent)
        return {"kind": "snapshot", "seq": self.seq, "snapshot": self._whole,
                "isolated": sorted(self.watch.state.isolated)}

    def advance(self, snap: ClusterSnapshot) -> None:
        """A sweep: every reader gets its changes from the last one (or it whole, the first
        time), computed once for all of them."""
        base, self.sent = self.sent, snap
        self.seq += 1
        self._whole = None
        if not self.readers:
            return  # a reader that comes later starts from a whole snapshot
        if base is None:
            self.publish(self.snapshot_item())
            return
        self.publish({"kind": "delta", "seq": self.seq, "base": self.seq - 1,
                      "delta": snapshot_delta(base, snap),
                      "isolated": sorted(self.watch.state.isolated)})

    def disk_item(self, endpoint: str) -> dict[str, Any]:
        return {"kind": "disk", "endpoint": endpoint,
                "disk": encode(self.watch.disks[endpoint])}

    async def read_disks(self, endpoints: list[str]) -> dict[str, str]:
        """Storage sizes read now (a console's refresh): the new ones reach every reader;
        returns the endpoints that could not be read, with why."""
        return await self.watch.read_disks(endpoints)

    def alerts_item(self) -> dict[str, Any]:
        return {"kind": "alerts", "alerts": encode(self.watch.shown_alerts()),
                "history": encode(self.watch.alert_history()),
                "deliveries": encode(self.watch.delivery_lines())}

    def forecasts_item(self) -> dict[str, Any]:
        return {"kind": "forecasts", "forecasts": encode(self.watch.forecasts),
                "status": self.watch.forecast_status()}

    def publish(self, item: dict[str, Any]) -> None:
        for queue in self.readers:
            if queue.full():
                self._start_over(queue)
                if item["kind"] in _IN_A_FRESH_START:
                    continue
            queue.put_nowait(item)

    def _start_over(self, queue: asyncio.Queue[dict[str, Any]]) -> None:
        """A reader that did not keep up: what it missed is dropped, and a delta on a base it
        never got would show a wrong picture, so it gets the present whole."""
        while not queue.empty():
            queue.get_nowait()
        if self.sent is not None:
            queue.put_nowait(self.snapshot_item())
        queue.put_nowait(self.alerts_item())
        queue.put_nowait(self.forecasts_item())


class _Relay:
    """The backend's ear on the watch: news becomes update lines."""

    def __init__(self, backend: WatchBackend) -> None:
        self.backend = backend

    def snapshot(self, snap: ClusterSnapshot) -> None:
        self.backend.advance(snap)

    def alerts_changed(self) -> None:
        if self.backend.readers:
            self.backend.publish(self.backend.alerts_item())

    def forecasts_changed(self) -> None:
        if self.backend.readers:
            self.backend.publish(self.backend.forecasts_item())

    def disk_changed(self, endpoint: str) -> None:
        if self.backend.readers:
            self.backend.publish(self.backend.disk_item(endpoint))

    def notice(self, text: str, title: str, error: bool) -> None:
        if self.backend.readers:
            self.backend.publish({"kind": "notice", "title": title, "text": text,
                                  "error": error})

