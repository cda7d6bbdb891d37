"""The real Docker daemon as a cluster source: containers, stats, services, events, logs."""

from __future__ import annotations

import asyncio
import json
import math
import time
from collections.abc import AsyncIterator, Mapping
from dataclasses import replace
from typing import Any

from fintui.clock import Clock
from fintui.core.event_watch import events_behind
from fintui.core.stats import CpuSample, Reading, reduce_stats, stats_from
from fintui.model import (
    ClusterSnapshot,
    Container,
    ContainerDetails,
    ContainerStats,
    DiskUsage,
    Node,
    Service,
    SourceStatus,
)
from fintui.sources.base import ContainerGone
from fintui.sources.cgroup_stats import CgroupReader
from fintui.sources.engine_client import ApiError, DaemonRefused, DaemonUnavailable, EngineClient
from fintui.sources.engine_disk import parse_df
from fintui.sources.engine_events import EVENTS_CHECK_AFTER, EVENTS_GRACE, EventFollower
from fintui.sources.engine_image_facts import details_with_image
from fintui.sources.engine_rows import (
    compose_services,
    container_from,
    listed_from_inspect,
    swarm_rows,
)
from fintui.sources.log_stream import LogDecoder
from fintui.timeparse import parse_docker_time

DF_TIMEOUT = 300.0  # seconds; sizing every volume walks the disk

# While events flow the list is kept from them, relisted in full this often as a safety net.
RELIST_INTERVAL = 30.0
# While the events stream flows, every change a row shows comes with an event that drops the
# container's inspect data at once: the periodic re-inspection is only a safety net then.
EVENTS_LIVE_FACTOR = 10
FIRST_CPU_GAP = 0.5  # seconds between the two kernel readings of a newly seen container


class DockerEngineSource(EventFollower):
    def __init__(self, client: EngineClient, clock: Clock, stats_concurrency: int,
                 inspect_refresh: float, cgroups: CgroupReader | None = None,
                 name: str = "") -> None:
        self.client = client
        self.name = name  # the configured endpoint name, stamped on every row it reports
        self.cgroups = cgroups  # on the daemon's own host: stats from the kernel
        self.endpoint = client.endpoint.url
        self.clock = clock
        self._semaphore = asyncio.Semaphore(stats_concurrency)
        self._inspect_refresh = inspect_refresh
        self._cpu: dict[str, CpuSample] = {}
        self._inspect: dict[str, tuple[float, dict[str, Any]]] = {}
        self._info: dict[str, Any] = {}
        self._version: dict[str, Any] = {}
        self._last_event_time: int | None = None  # unix nanoseconds of the newest event seen
        self._df_lock = asyncio.Lock()
        # The container list between relists, kept up to date from events while they flow.
        self._listed: dict[str, dict[str, Any]] | None = None
        self._listed_at = 0.0
        self._touched: set[str] = set()  # containers events named since the last sweep
        self._inspected_at = 0.0  # when _inspect_all last ran: spreads re-inspection
        # Per container: the list row and inspect data a Container was built from, and it.
        self._rows: dict[str, tuple[Mapping[str, Any], Mapping[str, Any] | None,
                                    Container]] = {}
        self._events_live = False
        self._events_followed = False  # someone follows events (the console, not `status`)
        self._events_lost_at = time.monotonic()  # when the stream was last lost
        self._subscribed_ns = 0  # daemon time the stream was last subscribed at
        self._clock_offset_ns = 0  # the daemon's clock minus ours, as of the last /info
        self.events_check_after = EVENTS_CHECK_AFTER
        self.relist_interval = RELIST_INTERVAL
        self.relists = 0  # full relists done (tests and the benchmark read it)

    async def _connect(self) -> None:
        if not self.client.api_version:
            self._version = await self.client.negotiate()
            self._info = await self.client.get_json("/info")
            seen = parse_docker_time(self._info.get("SystemTime"))
            # A remote daemon's clock may be off ours: events are checked in its time.
            self._clock_offset_ns = (round(seen.timestamp() * 1e9) - time.time_ns()
                                     if seen else 0)

    async def sweep(self) -> ClusterSnapshot:
        # Inspect data asked in this sweep, by container id: an event that lands mid-sweep
        # drops the cached copy, and must bring a fresh inspect next sweep, not a second
        # one now (one per container per sweep, whatever the daemon is doing meanwhile).
        fresh: dict[str, dict[str, Any]] = {}
        try:
            await self._connect()
            listed = await self._list(fresh)
        except DaemonUnavailable:
            self._listed = None
            await self.client.reset()
            raise
        except ApiError as exc:
            self._listed = None
            await self.client.reset()
            raise DaemonRefused(f"daemon error: {exc.message}", exc.status) from None
        inspected = await self._inspect_all(listed, fresh)
        kernel = await self._kernel_stats(inspected)
        results: list[tuple[Container | None, DaemonUnavailable | None]] = []
        asking: list[int] = []  # rows whose numbers must come from the API
        for item, found in zip(listed, inspected, strict=True):
            from_kernel = kernel.get(str(item["Id"]))
            if isinstance(found, dict) and from_kernel is not None:
                # The common case on the daemon's host: no await, no task per container.
                results.append((self._row(item, found,
                                          self._from_kernel(str(item["Id"]), from_kernel)),
                                None))
            else:
                asking.append(len(results))
                results.append((None, None))
        answered = await asyncio.gather(*(self._one(listed[i], inspected[i]) for i in asking))
        for i, result in zip(asking, answered, strict=True):
            results[i] = result
        failures = [error for _, error in results if error is not None]
        if failures and len(failures) == sum(1 for c, _ in results if c is not None):
            # Not one container answered: the daemon itself is gone or stalled.
            await self.client.reset()
            raise failures[0]
        containers = tuple(c for c, _ in results if c is not None)
        alive = {c.id for c in containers}
        for stale in set(self._cpu) - alive:  # forget containers that are gone
            self._cpu.pop(stale, None)
        for stale in set(self._inspect) - alive:
            self._inspect.pop(stale, None)
        for stale in set(self._rows) - alive:
            self._rows.pop(stale, None)
        if self.cgroups is not None:
            self.cgroups.forget(alive)
        swarm_services, nodes = await self._swarm()
        services = swarm_services + compose_services(containers)
        if self.name:
            services = [replace(s, endpoint=self.name) for s in services]
            nodes = [replace(n, endpoint=self.name) for n in nodes]
        return ClusterSnapshot(
            taken_at=self.clock.now(),
            source=SourceStatus(
                endpoint=self.endpoint, connected=True,
                engine_version=str(self._version.get("Version", "")),
                api_version=self.client.api_version,
                data_root=str(self._info.get("DockerRootDir", "")),
                name=self.name,
                events_behind=events_behind(self._events_followed, self._events_live,
                                            self._events_lost_at, time.monotonic(),
                                            EVENTS_GRACE),
            ),
            containers=containers,
            services=tuple(services),
            nodes=tuple(nodes),
        )

    async def _list(self, fresh: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
        """Every container, as /containers/json lists them. While the events stream is live
        only the containers events named are asked again (their inspect data goes into
        `fresh`); a full relist otherwise, and every `relist_interval` seconds as a safety
        net."""
        touched, self._touched = self._touched, set()
        now = time.monotonic()
        if (self._listed is None or not self._events_live
                or now - self._listed_at >= self.relist_interval):
            rows: list[dict[str, Any]] = await self.client.get_json(
                "/containers/json", {"all": "1"})
            self._listed = {str(row["Id"]): row for row in rows}
            self._listed_at = now
            self.relists += 1
            return rows
        # Kernel numbers and cached inspect data need no daemon at all: ask it something
        # trivial, so a stalled or stopped daemon still shows within one request timeout.
        await self.client.get_json("/_ping")
        if self.cgroups is not None:
            for cid in touched:
                self.cgroups.changed(cid)  # a new limit (docker update), a new process
        # All at once: a restart storm names hundreds, and one by one would stall the sweep.
        ids = list(touched)
        found = await asyncio.gather(*(self._inspect_touched(cid) for cid in ids))
        for cid, data in zip(ids, found, strict=True):
            if data is None:
                self._listed.pop(cid, None)
                self._inspect.pop(cid, None)
            else:
                fresh[cid] = data
                self._listed[cid] = listed_from_inspect(data)
        return list(self._listed.values())

    async def _inspect_touched(self, cid: str) -> dict[str, Any] | None:
        """Inspect data asked afresh (an event says the container changed); None: removed."""
        try:
            return await self._inspect_and_keep(cid)
        except ContainerGone:
            return None

    async def _inspect_all(self, listed: list[dict[str, Any]],
                           fresh: Mapping[str, dict[str, Any]]
                           ) -> list[dict[str, Any] | Exception | None]:
        """Inspect data for every row: what this sweep asked already (`fresh`), else from the
        cache, asked of the daemon (all at once) for containers not yet inspected and for the
        oldest few of those past their refresh. Spread so: hundreds of containers inspected
        together would come due together."""
        now = time.monotonic()
        refresh = self._inspect_refresh * (EVENTS_LIVE_FACTOR if self._events_live else 1)
        # Enough a sweep that every container is asked again about once per `refresh`.
        since = min(max(now - self._inspected_at, 0.1), refresh)
        budget = math.ceil(len(listed) * since / refresh)
        self._inspected_at = now
        out: list[dict[str, Any] | Exception | None] = []
        ask: list[int] = []
        aged: list[tuple[float, int]] = []
        for item in listed:
            cid = str(item["Id"])
            if cid in fresh:
                out.append(fresh[cid])
                continue
            cached = self._inspect.get(cid)
            if cached is None:
                ask.append(len(out))
            elif now - cached[0] >= refresh:
                aged.append((cached[0], len(out)))
            out.append(cached[1] if cached else None)
        ask += [i for _, i in sorted(aged)[:budget]]
        fetched = await asyncio.gather(*(self._inspect_listed(listed[i]) for i in ask))
        for i, found in zip(ask, fetched, strict=True):
            out[i] = found
        return out

    async def _inspect_listed(self, listed: Mapping[str, Any]
                              ) -> dict[str, Any] | Exception | None:
        """Inspect data (asked afresh), None for a container removed since the list, or the
        daemon's failure to hand back to _one."""
        try:
            return await self._inspect_and_keep(str(listed["Id"]))
        except ContainerGone:
            return None
        except DaemonUnavailable as exc:
            return exc

    async def _kernel_stats(self, inspected: list[dict[str, Any] | Exception | None]
                            ) -> dict[str, Reading]:
        """Every running container's numbers from its cgroup, read in one thread hop; any
        it cannot read are left to the API."""
        if self.cgroups is None:
            return {}
        pids = {str(found["Id"]): int(state.get("Pid") or 0)
                for found in inspected if isinstance(found, dict)
                for state in [found.get("State") or {}] if state.get("Running")}
        if not pids:
            return {}
        kernel = await asyncio.to_thread(self.cgroups.read_many, pids)
        # CPU% is a difference of two readings: a container seen for the first time (the
        # first sweep, `fintui status`) is read again a moment later, as docker stats waits.
        fresh = {cid: pids[cid] for cid in kernel if cid not in self._cpu}
        if fresh:
            for cid in fresh:
                self._from_kernel(cid, kernel[cid])
            await asyncio.sleep(FIRST_CPU_GAP)
            kernel.update(await asyncio.to_thread(self.cgroups.read_many, fresh))
        return kernel

    async def _one(
        self, listed: Mapping[str, Any], found: dict[str, Any] | Exception | None,
    ) -> tuple[Container | None, DaemonUnavailable | None]:
        """One container's row, its numbers asked of the API. A container removed since the
        list is None (gone from the next frame); one whose inspect or stats timed out keeps its
        row without numbers."""
        cid = str(listed["Id"])
        if found is None:
            return None, None
        if isinstance(found, DaemonUnavailable):
            return self._row(listed, None, None), found
        inspect = found if isinstance(found, dict) else None
        stats = None
        try:
            if listed.get("State") in ("running", "paused"):
                stats = await self._stats(cid)
        except ContainerGone:
            return None, None
        except DaemonUnavailable as exc:
            return self._row(listed, inspect, None), exc
        return self._row(listed, inspect, stats), None

    def _row(self, listed: Mapping[str, Any], inspect: Mapping[str, Any] | None,
             stats: ContainerStats | None) -> Container:
        """container_from, its list and inspect parts built again only when either changed
        (a relist, a re-inspection): from one sweep to the next only the numbers differ."""
        cid = str(listed["Id"])
        cached = self._rows.get(cid)
        if cached is not None and cached[0] is listed and cached[1] is inspect:
            base = cached[2]
        else:
            base = container_from(listed, inspect, None, self.name)
            # The dicts are held here, so `is` can never mistake a new one for them.
            self._rows[cid] = (listed, inspect, base)
        return replace(base, stats=stats) if stats is not None else base

    def _from_kernel(self, cid: str, reading: Reading) -> ContainerStats:
        stats = stats_from(reading, self._cpu.get(cid))
        if reading.cpu is not None:
            self._cpu[cid] = reading.cpu
        return stats

    def _reduce(self, cid: str, raw: Mapping[str, Any]) -> ContainerStats:
        stats, sample = reduce_stats(raw, self._cpu.get(cid))
        if sample is not None:
            self._cpu[cid] = sample
        return stats

    async def _inspect_and_keep(self, cid: str) -> dict[str, Any]:
        """Inspect data asked afresh, and kept for the sweeps that follow."""
        now = time.monotonic()
        data = await self.inspect(cid)
        self._inspect[cid] = (now, data)
        return data

    async def _stats(self, cid: str) -> ContainerStats:
        previous = self._cpu.get(cid)
        params = {"stream": "false"}
        # one-shot skips the daemon's one-second wait but carries no precpu_stats, so use it
        # only once we hold a previous sample of our own to subtract.
        if previous is not None and self.client.api_at_least(1, 41):
            params["one-shot"] = "true"
        async with self._semaphore:
            try:
                raw = await self.client.get_json(f"/containers/{cid}/stats", params)
            except ApiError as exc:
                if exc.status == 404:
                    raise ContainerGone(cid) from None
                raise DaemonRefused(f"daemon error: {exc.message}", exc.status) from None
        return self._reduce(cid, raw or {})

    async def _swarm(self) -> tuple[list[Service], list[Node]]:
        """Services and nodes when this endpoint is a Swarm manager; nothing otherwise."""
        swarm = self._info.get("Swarm") or {}
        if swarm.get("LocalNodeState") != "active" or not swarm.get("ControlAvailable"):
            return [], []
        try:
            services = await self.client.get_json("/services")
            tasks = await self.client.get_json(
                "/tasks", {"filters": json.dumps({"desired-state": ["running"]})})
            nodes = await self.client.get_json("/nodes")
        except ApiError:
            return [], []  # demoted from manager since /info: nothing to show
        return swarm_rows(services or [], tasks or [], nodes or [])

    async def disk_usage(self) -> DiskUsage:
        """`/system/df`: slow on big hosts, and the daemon refuses a second one at once."""
        async with self._df_lock:
            try:
                await self._connect()
                raw = await self.client.get_json("/system/df", timeout=DF_TIMEOUT)
            except ApiError as exc:
                raise DaemonRefused(f"disk usage: {exc.message}", exc.status) from None
        return parse_df(raw or {}, self.clock.now(), str(self._info.get("Driver", "")),
                        str(self._info.get("DockerRootDir", "")))

    async def inspect(self, container_id: str) -> dict[str, Any]:
        try:
            data: dict[str, Any] = await self.client.get_json(f"/containers/{container_id}/json")
        except ApiError as exc:
            if exc.status == 404:
                raise ContainerGone(container_id) from None
            raise DaemonRefused(f"daemon error: {exc.message}", exc.status) from None
        return data

    async def details(self, container_id: str) -> ContainerDetails:
        return await details_with_image(self.client, await self.inspect(container_id))

    async def logs(self, container_id: str, tail: int, follow: bool,
                   timestamps: bool = False) -> AsyncIterator[str]:
        tty = bool(((await self.inspect(container_id)).get("Config") or {}).get("Tty"))
        decoder = LogDecoder(multiplexed=not tty)
        params = {"stdout": "1", "stderr": "1", "tail": str(tail),
                  "follow": "1" if follow else "0", "timestamps": "1" if timestamps else "0"}
        try:
            async for chunk in self.client.stream(f"/containers/{container_id}/logs", params):
                for line in decoder.feed(chunk):
                    yield line
                # A backlog already buffered is read without a wait: let the loop breathe.
                await asyncio.sleep(0)
        except ApiError as exc:
            if exc.status == 404:
                raise ContainerGone(container_id) from None
            raise DaemonRefused(f"daemon error: {exc.message}", exc.status) from None
        for line in decoder.flush():
            yield line

    async def close(self) -> None:
        if self.cgroups is not None:
            self.cgroups.close()
        await self.client.shutdown()
