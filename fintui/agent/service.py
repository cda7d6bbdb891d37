"""The agent's backend: what its socket answers, from a running watch.

Acts (acks, silences) are done as the socket peer's OS account: its role comes from [guard]
roles by user or @group, and the audit names it; nothing in a request can change that."""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from fintui import __version__
from fintui.agent.backend import AgentError
from fintui.core.alerts import Silence
from fintui.core.report import alert_document, iso_time, status_document
from fintui.core.wire import encode
from fintui.model import ClusterSnapshot
from fintui.ops.identity import Identity
from fintui.store.db import StateUnavailable

if TYPE_CHECKING:
    from fintui.ops.operations import Operations
    from fintui.watch.watch import Watch

UPDATES_KEPT = 64  # news waiting for a slow reader; the oldest goes first


class WatchBackend:
    def __init__(self, watch: Watch, socket: Path) -> None:
        self.watch = watch
        self.socket = socket
        self.readers: set[asyncio.Queue[dict[str, Any]]] = set()
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
            raise AgentError("the agent has not finished its first sweep yet; ask again")
        try:
            isolated: frozenset[str] | None = frozenset(self.watch.ops.isolations.active_ids())
        except StateUnavailable:
            isolated = None  # unknown, never "not isolated"
        document = status_document(snap, isolated, self.watch.shown_alerts())
        document["agent"] = self.info()
        return document

    def alerts(self) -> list[dict[str, Any]]:
        return [alert_document(a) for a in self.watch.shown_alerts()]

    def _ops(self, who: Identity) -> Operations:
        ops = self.watch.parts.operations(identity=who)
        ops.actor = who.user  # through the agent the OS account is the actor: no --as here
        return ops

    async def ack(self, who: Identity, rule: str, target: str) -> str:
        if not any(a.key == (rule, target) for a in self.watch.shown_alerts()):
            raise AgentError(f"no alert {rule} on {target} now (see `fintui alerts`)")
        return await self.watch.ack(self._ops(who), rule, target, who.user)

    async def silence(self, who: Identity, rule: str, target: str, seconds: float,
                      comment: str) -> str:
        if not comment.strip():
            raise AgentError("a silence needs a comment saying why (--comment)")
        until = self.watch.parts.clock.now() + timedelta(seconds=seconds)
        return await self.watch.silence(self._ops(who), Silence(rule, target, until, comment,
                                                          who.user))

    async def updates(self) -> AsyncIterator[dict[str, Any]]:
        """What a console shows: the latest snapshot, alerts and forecasts, then each new
        one as it comes (a whole snapshot a sweep; changes only is for later)."""
        queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue(UPDATES_KEPT)
        self.readers.add(queue)
        try:
            snap = self.watch.state.snapshot
            if snap is not None:
                yield self.snapshot_item(snap)
            yield self.alerts_item()
            yield self.forecasts_item()
            while True:
                yield await queue.get()
        finally:
            self.readers.discard(queue)

    def snapshot_item(self, snap: ClusterSnapshot) -> dict[str, Any]:
        return {"kind": "snapshot", "snapshot": encode(snap),
                "isolated": sorted(self.watch.state.isolated)}

    def alerts_item(self) -> dict[str, Any]:
        return {"kind": "alerts", "alerts": encode(self.watch.shown_alerts()),
                "history": encode(self.watch.alert_history()),
                "deliveries": encode(self.watch.delivery_lines())}

    def forecasts_item(self) -> dict[str, Any]:
        return {"kind": "forecasts", "forecasts": encode(self.watch.forecasts),
                "status": self.watch.forecast_status()}

    def publish(self, item: dict[str, Any]) -> None:
        for queue in self.readers:
            if queue.full():  # a reader that does not keep up loses the oldest news
                queue.get_nowait()
            queue.put_nowait(item)


class _Relay:
    """The backend's ear on the watch: news becomes update lines."""

    def __init__(self, backend: WatchBackend) -> None:
        self.backend = backend

    def snapshot(self, snap: ClusterSnapshot) -> None:
        if self.backend.readers:  # encoded once, for every console
            self.backend.publish(self.backend.snapshot_item(snap))

    def alerts_changed(self) -> None:
        if self.backend.readers:
            self.backend.publish(self.backend.alerts_item())

    def forecasts_changed(self) -> None:
        if self.backend.readers:
            self.backend.publish(self.backend.forecasts_item())

    def disk_changed(self, endpoint: str) -> None:
        pass

    def notice(self, text: str, title: str, error: bool) -> None:
        if self.backend.readers:
            self.backend.publish({"kind": "notice", "title": title, "text": text,
                                  "error": error})

