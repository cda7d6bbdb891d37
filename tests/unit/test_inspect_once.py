"""One inspect per container per sweep, even when an event about it lands mid-sweep.
(The same race against a real daemon: tests/integration/test_inspect_once.py.)"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from fintui.clock import SystemClock
from fintui.sources.docker_engine import DockerEngineSource
from tests.unit.test_engine_source_logic import ScriptedClient


class EventMidSweep(ScriptedClient):
    """Once armed, when a second container's inspect is answered an event about the first one
    is noted: the daemon changed it after its answer, while the sweep was still asking."""

    def __init__(self, containers: list[str]) -> None:
        super().__init__(containers)
        self.source: DockerEngineSource | None = None
        self.armed = False
        self.answered: list[str] = []
        self.changed = ""

    async def get_json(self, path: str, params: Mapping[str, str] | None = None,
                       timeout: float | None = None) -> Any:
        answer = await super().get_json(path, params, timeout)
        if self.armed and self.source is not None and path.endswith("/json") \
                and path != "/containers/json":
            self.answered.append(path.split("/")[2])
            if len(self.answered) == 2:
                self.armed, self.changed = False, self.answered[0]
                self.source._note_event({"Action": "pause", "Actor": {"ID": self.changed},
                                         "timeNano": 20})
        return answer


def inspects(client: ScriptedClient) -> dict[str, int]:
    return {cid: sum(1 for path, _ in client.calls if path == f"/containers/{cid}/json")
            for cid in client.containers}


async def test_an_event_during_a_sweep_never_brings_a_second_inspect_in_it() -> None:
    client = EventMidSweep(["a", "b", "c"])
    source = DockerEngineSource(client, SystemClock(), stats_concurrency=8, inspect_refresh=30)
    client.source = source
    client.events_script = [b""] + [json.dumps(
        {"Type": "container", "Action": "restart", "Actor": {"ID": cid}, "timeNano": 10 + n}
    ).encode() + b"\n" for n, cid in enumerate(("a", "b"))]
    async for _ in source.events():  # subscribed: the list follows events from now
        pass
    source._events_live = True  # the scripted stream ended; a daemon's stays open
    await source.sweep()
    assert inspects(client) == {"a": 1, "b": 1, "c": 1}
    source._touched |= {"a", "b"}  # both restarted again before the next sweep ...
    client.armed = True  # ... and one of them paused while that sweep asks about the other
    snap = await source.sweep()
    assert inspects(client) == {"a": 2, "b": 2, "c": 1}, "once each in a sweep, not twice"
    assert [c.name for c in snap.containers] == ["a", "b", "c"]
    assert source.relists == 1
    await source.sweep()
    changed = client.changed
    assert inspects(client) == {"a": 2, "b": 2, "c": 1} | {changed: 3}, \
        "the change made mid-sweep is asked about in the next sweep"
