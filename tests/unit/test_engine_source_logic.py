"""DockerEngineSource's decisions, on a scripted Engine API: what is dropped, kept, retried.
(The same paths run against a real daemon in tests/integration.)"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Mapping
from typing import Any

import pytest

from fintui.clock import SystemClock
from fintui.sources.docker_engine import DockerEngineSource
from fintui.sources.engine_client import ApiError, DaemonUnavailable, EngineClient, parse_endpoint


def stats_reply(total: int, system: int) -> dict[str, Any]:
    return {"cpu_stats": {"cpu_usage": {"total_usage": total}, "system_cpu_usage": system,
                          "online_cpus": 2},
            "precpu_stats": {"cpu_usage": {"total_usage": total - 100},
                             "system_cpu_usage": system - 1000},
            "memory_stats": {"usage": 1000, "limit": 4000}}


class ScriptedClient(EngineClient):
    def __init__(self, containers: list[str]) -> None:
        super().__init__(parse_endpoint("unix:///scripted.sock", env={}), 1.0, 1.0)
        self.containers = containers
        self.gone: set[str] = set()
        self.stalled: set[str] = set()
        self.calls: list[tuple[str, dict[str, str]]] = []
        self.events_script: list[bytes] = []
        self.stalled_ping = False
        self.hold_stream = False  # keep the events stream open after the script, as a daemon
        self.later: asyncio.Queue[bytes] = asyncio.Queue()  # events sent while it is open
        self.resets = 0

    async def negotiate(self) -> dict[str, Any]:
        self.api_version = "1.41"
        return {"Version": "20.10.24", "ApiVersion": "1.41"}

    async def reset(self) -> None:
        self.resets += 1
        self.api_version = ""

    async def get_json(self, path: str, params: Mapping[str, str] | None = None,
                       timeout: float | None = None) -> Any:
        self.calls.append((path, dict(params or {})))
        if path == "/info":
            return {"DockerRootDir": "/var/lib/docker", "Swarm": {"LocalNodeState": "inactive"}}
        if path == "/_ping":
            if self.stalled_ping:
                raise DaemonUnavailable("daemon at /scripted.sock did not answer within 1 s")
            return "OK"
        if path == "/containers/json":
            return [{"Id": cid, "Names": [f"/{cid}"], "Image": "img:1", "State": "running",
                     "Status": "Up 1 minute (healthy)", "Labels": {}, "Created": 1_700_000_000}
                    for cid in self.containers]
        cid = path.split("/")[2]
        if cid in self.gone:
            raise ApiError(404, f"No such container: {cid}")
        if cid in self.stalled:
            raise DaemonUnavailable("daemon at /scripted.sock did not answer within 1 s")
        if path.endswith("/json"):
            return {"Id": cid, "Name": f"/{cid}", "RestartCount": 2,
                    "Config": {"Image": "img:1", "Labels": {"desk": "fx"}},
                    "Created": "2026-11-22T09:00:00Z",
                    "State": {"Status": "running", "StartedAt": "2026-11-22T10:00:00Z",
                              "Health": {"Status": "healthy"}}}
        return stats_reply(10_000 * len(self.calls), 100_000 * len(self.calls))

    async def stream(self, path: str, params: Mapping[str, str] | None = None
                     ) -> AsyncIterator[bytes]:
        self.calls.append((path, dict(params or {})))
        for chunk in self.events_script:
            yield chunk
        while self.hold_stream:
            yield await self.later.get()


def source_with(client: ScriptedClient) -> DockerEngineSource:
    return DockerEngineSource(client, SystemClock(), stats_concurrency=8, inspect_refresh=30)


async def test_rows_carry_inspect_details_and_cpu() -> None:
    client = ScriptedClient(["a", "b"])
    snap = await source_with(client).sweep()
    assert [c.name for c in snap.containers] == ["a", "b"]
    assert all(c.restart_count == 2 and c.health.value == "healthy" for c in snap.containers)
    assert all(c.stats is not None and c.stats.cpu_percent is not None for c in snap.containers)


async def test_first_stats_call_waits_for_precpu_later_ones_are_one_shot() -> None:
    client = ScriptedClient(["a"])
    source = source_with(client)
    await source.sweep()
    await source.sweep()
    stats_params = [p for path, p in client.calls if path.endswith("/stats")]
    assert stats_params[0] == {"stream": "false"}
    assert stats_params[1] == {"stream": "false", "one-shot": "true"}


async def test_inspect_is_cached_until_an_event_says_it_changed() -> None:
    client = ScriptedClient(["a"])
    source = source_with(client)
    await source.sweep()
    await source.sweep()
    inspects = [path for path, _ in client.calls if path == "/containers/a/json"]
    assert len(inspects) == 1
    source._note_event({"Action": "health_status: unhealthy", "Actor": {"ID": "a"},
                        "timeNano": 5})
    await source.sweep()
    assert len([path for path, _ in client.calls if path == "/containers/a/json"]) == 2


async def test_re_inspection_is_spread_over_sweeps_not_done_all_at_once() -> None:
    names = [f"c{i:02}" for i in range(40)]
    client = ScriptedClient(names)
    source = DockerEngineSource(client, SystemClock(), stats_concurrency=8, inspect_refresh=1.0)

    def inspects() -> int:
        return sum(1 for path, _ in client.calls if path.endswith("/json")
                   and path != "/containers/json")

    await source.sweep()
    assert inspects() == 40
    per_sweep: list[int] = []
    asked: set[str] = set()
    loop = asyncio.get_running_loop()
    end = loop.time() + 2.5
    while loop.time() < end:
        await asyncio.sleep(0.1)
        before = len(client.calls)
        await source.sweep()
        new = [path for path, _ in client.calls[before:]
               if path.endswith("/json") and path != "/containers/json"]
        per_sweep.append(len(new))
        asked.update(path.split("/")[2] for path in new)
    assert asked == set(names), "every container is inspected again within its refresh"
    assert max(per_sweep) <= 20, f"a burst of re-inspections: {per_sweep}"


async def test_while_events_flow_inspect_data_lives_longer() -> None:
    client = ScriptedClient(["a", "b"])
    client.events_script = [b""]
    client.hold_stream = True
    source = DockerEngineSource(client, SystemClock(), stats_concurrency=8, inspect_refresh=0.2)

    async def follow() -> None:
        async for _item in source.events():
            pass

    task = asyncio.ensure_future(follow())
    await asyncio.sleep(0.01)
    await source.sweep()
    await asyncio.sleep(0.3)  # past inspect_refresh, but events would have said
    before = len(client.calls)
    await source.sweep()
    assert not [path for path, _ in client.calls[before:] if path.startswith("/containers/a")
                and path.endswith("/json")]
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    await asyncio.sleep(0.3)
    before = len(client.calls)
    await source.sweep()  # no stream: the refresh applies as configured
    assert ("/containers/a/json", {}) in client.calls[before:]


async def test_a_container_gone_mid_sweep_is_dropped_silently() -> None:
    client = ScriptedClient(["a", "b"])
    client.gone = {"b"}
    snap = await source_with(client).sweep()
    assert [c.name for c in snap.containers] == ["a"] and snap.source.connected


async def test_one_slow_container_keeps_its_row_without_numbers() -> None:
    client = ScriptedClient(["a", "b"])
    client.stalled = {"b"}
    snap = await source_with(client).sweep()
    rows = {c.name: c for c in snap.containers}
    assert rows["a"].stats is not None and rows["b"].stats is None
    assert snap.source.connected


async def test_nobody_answering_is_a_lost_daemon() -> None:
    client = ScriptedClient(["a", "b"])
    client.stalled = {"a", "b"}
    with pytest.raises(DaemonUnavailable, match="did not answer"):
        await source_with(client).sweep()
    assert client.resets == 1  # the next sweep negotiates afresh


async def test_events_resume_after_the_last_event_seen() -> None:
    client = ScriptedClient([])
    client.events_script = [
        json.dumps({"Action": "start", "Actor": {"ID": "a"}, "timeNano": 1_700_000_000_5}
                   ).encode() + b"\n" + b'{"Action": "di',
        b'e", "Actor": {"ID": "a"}, "timeNano": 1700000001000000007}\n',
    ]
    source = source_with(client)
    seen = [event["Action"] async for event in source.events()]
    assert seen == ["start", "die"]  # an event split across chunks is still one event
    async for _ in source.events():
        pass
    resumed = [p for path, p in client.calls if path == "/events"][-1]
    assert resumed["since"] == "1700000001.000000008"
    assert json.loads(resumed["filters"]) == {"type": ["container"]}


def event(action: str, cid: str, nanos: int) -> bytes:
    return json.dumps({"Type": "container", "Action": action, "Actor": {"ID": cid},
                       "timeNano": nanos}).encode() + b"\n"


async def test_while_events_flow_the_list_follows_them_without_relisting() -> None:
    client = ScriptedClient(["a", "b"])
    source = source_with(client)
    client.events_script = [b""]  # subscribed, nothing happened yet
    client.hold_stream = True
    seen: list[dict[str, Any]] = []

    async def follow() -> None:
        async for item in source.events():
            seen.append(item)

    task = asyncio.ensure_future(follow())
    await asyncio.sleep(0.01)
    await source.sweep()
    assert source.relists == 1
    client.containers, client.gone = ["b", "c"], {"a"}
    for item in (event("create", "c", 7), event("start", "c", 8), event("destroy", "a", 9),
                 event("exec_start: sh -c probe", "b", 10)):
        client.later.put_nowait(item)
    for _ in range(50):
        if len(seen) == 3:
            break
        await asyncio.sleep(0.01)
    await asyncio.sleep(0.01)
    assert [e["Action"] for e in seen] == ["create", "start", "destroy"]  # no exec noise
    snap = await source.sweep()
    assert source.relists == 1, "no relist while the events stream is live"
    assert [c.name for c in snap.containers] == ["b", "c"]
    made = next(c for c in snap.containers if c.name == "c")
    assert (made.image, made.state, dict(made.labels)) == ("img:1", "running", {"desk": "fx"})
    assert made.created is not None
    client.stalled_ping = True  # no request but the ping: a stalled daemon still shows
    with pytest.raises(DaemonUnavailable, match="did not answer"):
        await source.sweep()
    client.stalled_ping = False
    await source.sweep()  # after an outage the list is taken in full again
    assert source.relists == 2
    source.relist_interval = 0.0  # the safety net: a full relist now and then regardless
    await source.sweep()
    assert source.relists == 3
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    source.relist_interval = 3600.0
    await source.sweep()  # the stream is gone: every sweep relists until it is back
    assert source.relists == 4
