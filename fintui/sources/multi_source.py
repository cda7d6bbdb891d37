"""Several Docker endpoints behind the one ClusterSource interface.

Each endpoint sweeps in its own task, fails and backs off on its own, and keeps its last good
rows (marked stale) while it is down; a slow or dead endpoint never holds the others' rows back.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, TypeVar

from fintui.clock import Clock
from fintui.core.backoff import retry_delay
from fintui.model import (
    ClusterSnapshot,
    ContainerDetails,
    DiskUsage,
    Node,
    Service,
    SourceStatus,
)
from fintui.sources.base import ClusterSource, ContainerGone, SourceUnavailable

T = TypeVar("T", Service, Node)


@dataclass(eq=False)
class Member:
    name: str
    source: ClusterSource
    local: bool  # the daemon runs on this host (its data root is on our disks)
    last: ClusterSnapshot | None = None
    connected: bool = False
    error: str = "connecting…"
    failures: int = 0
    retry_at: float = 0.0  # monotonic time of the next attempt
    down_since: datetime | None = None
    pending: asyncio.Future[ClusterSnapshot] | None = None


class MultiSource:
    def __init__(self, members: list[Member], clock: Clock, max_backoff: float,
                 wait_limit: float | None) -> None:
        """`wait_limit`: how long a sweep waits for slow endpoints before showing what it has
        (None: for every one, as `fintui status` does)."""
        self.members = members
        self.clock = clock
        self.max_backoff = max_backoff
        self.wait_limit = wait_limit
        self.endpoint = ", ".join(m.name for m in members)
        self._where: dict[str, Member] = {}  # container id -> the endpoint that reported it

    def member(self, name: str) -> Member:
        return next(m for m in self.members if m.name == name)

    async def sweep(self) -> ClusterSnapshot:
        now = time.monotonic()
        for m in self.members:
            if m.pending is None and now >= m.retry_at:
                m.pending = asyncio.ensure_future(m.source.sweep())
        waiting = [m.pending for m in self.members if m.pending is not None]
        if waiting:
            await asyncio.wait(waiting, timeout=self.wait_limit)
        for m in self.members:
            if m.pending is not None and m.pending.done():
                self._settle(m, m.pending)
                m.pending = None
        return self._merged()

    def _settle(self, m: Member, task: asyncio.Future[ClusterSnapshot]) -> None:
        try:
            m.last = task.result()
        except (SourceUnavailable, OSError) as exc:
            self._failed(m, str(exc) or type(exc).__name__)
            return
        except Exception as exc:  # one endpoint's trouble must not take the others down
            self._failed(m, f"{type(exc).__name__}: {exc}")
            return
        m.connected, m.error, m.failures, m.down_since = True, "", 0, None

    def _failed(self, m: Member, error: str) -> None:
        if m.connected or m.down_since is None:
            m.down_since = m.last.taken_at if m.last else self.clock.now()
        m.connected, m.error = False, error
        m.failures += 1
        m.retry_at = time.monotonic() + retry_delay(m.failures, self.max_backoff)

    def _merged(self) -> ClusterSnapshot:
        kept, same_as = self._distinct()
        shown = [m for m in self.members if m in kept]  # configured order
        statuses = []
        for m in self.members:
            seen = m.last.source if m.last else SourceStatus(endpoint=m.source.endpoint,
                                                              connected=False)
            statuses.append(replace(seen, name=m.name, connected=m.connected, error=m.error,
                                    since=None if m.connected else m.down_since,
                                    same_as=same_as.get(m.name, "")))
        self._where = {c.id: m for m in shown for c in m.last.containers}  # type: ignore[union-attr]
        live = [m for m in self.members if m.connected]
        down = [m for m in self.members if not m.connected]
        local = next((m for m in live if m.local), None)
        source = SourceStatus(
            endpoint=self.endpoint, connected=bool(live),
            error="; ".join(f"{m.name}: {m.error}" for m in down),
            engine_version=live[0].last.source.engine_version if live and live[0].last else "",
            data_root=local.last.source.data_root if local and local.last else "",
        )
        return ClusterSnapshot(
            taken_at=self.clock.now(),
            source=source,
            containers=tuple(c for m in shown for c in m.last.containers),  # type: ignore[union-attr]
            # A live manager's view of a Swarm before a down one's.
            services=tuple(_once(s for m in kept for s in m.last.services)),  # type: ignore[union-attr]
            nodes=tuple(_once(n for m in kept for n in m.last.nodes)),  # type: ignore[union-attr]
            stale=any(not m.connected for m in shown),
            endpoints=tuple(statuses),
        )

    def _distinct(self) -> tuple[list[Member], dict[str, str]]:
        """The members whose rows show, live ones first (in configured order otherwise), and
        for each endpoint that reaches a daemon another one already does (a socket and a
        tcp:// URL to one host), that one: its containers would otherwise show twice.
        One daemon is known by its containers' ids (random, 256 bits): `docker info`'s ID is
        shared by daemons that share /etc/docker/key.json (a second daemon on a host, a
        cloned VM), so it cannot tell them apart."""
        holder: dict[str, str] = {}  # container id -> the endpoint whose row shows it
        shown: list[Member] = []
        same_as: dict[str, str] = {}
        # Live first: with two ways to one daemon, a dead one's old rows give way.
        for m in sorted((m for m in self.members if m.last is not None),
                        key=lambda m: not m.connected):
            ids = [c.id for c in m.last.containers]  # type: ignore[union-attr]
            twin = next((holder[i] for i in ids if i in holder), None)
            if twin is not None:
                same_as[m.name] = twin
                continue
            holder.update(dict.fromkeys(ids, m.name))
            shown.append(m)
        return shown, same_as

    def events(self) -> AsyncIterator[dict[str, Any]]:
        return self._events()

    async def _events(self) -> AsyncIterator[dict[str, Any]]:
        """Every endpoint's events, each stream followed and resubscribed on its own. A stream
        that ends also wakes the poller (an empty event), so an outage shows at once."""
        queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue()

        async def follow(m: Member) -> None:
            backoff = 0.5
            while True:
                with contextlib.suppress(SourceUnavailable, OSError):
                    async for event in m.source.events():
                        backoff = 0.5
                        await queue.put(event)
                await queue.put({})
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, self.max_backoff)

        tasks = [asyncio.ensure_future(follow(m)) for m in self.members]
        try:
            while True:
                yield await queue.get()
        finally:
            for task in tasks:
                task.cancel()

    def _owners(self, container_id: str) -> list[Member]:
        """Who holds a container: the endpoint that listed it, else every endpoint in turn
        (an id prefix or a name typed by hand)."""
        known = self._where.get(container_id)
        return [known] if known else list(self.members)

    async def details(self, container_id: str) -> ContainerDetails:
        for m in self._owners(container_id):
            with contextlib.suppress(ContainerGone):
                return await m.source.details(container_id)
        raise ContainerGone(container_id)

    async def disk_usage(self) -> DiskUsage:
        """The first endpoint's storage: the Volumes pane and cleanup act on one daemon."""
        return await self.members[0].source.disk_usage()

    def logs(self, container_id: str, tail: int, follow: bool,
             timestamps: bool = False) -> AsyncIterator[str]:
        owners = self._owners(container_id)
        return owners[0].source.logs(container_id, tail, follow, timestamps)

    async def close(self) -> None:
        for m in self.members:
            if m.pending is not None:
                m.pending.cancel()
                with contextlib.suppress(BaseException):
                    await m.pending
                m.pending = None
            await m.source.close()


def _once(items: Iterable[T]) -> list[T]:
    """Swarm services and nodes by their cluster-wide id, each once: every manager of one
    Swarm reports all of them (two managers configured for when one is down). A compose
    service is one daemon's own, named by project: the same name elsewhere is another one."""
    seen: set[tuple[str, str]] = set()
    out = []
    for item in items:
        own = isinstance(item, Service) and item.mode == "compose"
        key = (item.endpoint if own else "", item.id)
        if key not in seen:
            seen.add(key)
            out.append(item)
    return out
