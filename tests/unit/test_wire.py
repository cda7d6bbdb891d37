"""The wire codec: what the agent sends comes back equal, through real JSON, and data that does
not fit says which field."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta, timezone
from enum import Enum
from pathlib import Path
from typing import Any, Literal, Optional

import pytest

from fintui.clock import FixedClock
from fintui.core.alerts import Alert, Silence
from fintui.core.wire import WireError, decode, encode
from fintui.model import (
    ClusterSnapshot,
    Container,
    ContainerStats,
    DiskUsage,
    Forecast,
    Health,
    UsageSample,
)
from fintui.poller import Poller
from fintui.sources.demo import DEMO_START, DemoCluster, DemoGpus, DemoHost
from fintui.watch.forecasting import TargetForecast


def wire(cls: Any, value: Any) -> Any:
    """Through the codec and real JSON, as the socket does it."""
    return decode(cls, json.loads(json.dumps(encode(value), allow_nan=False)))


async def demo_snapshots(n: int) -> tuple[DemoCluster, list[ClusterSnapshot]]:
    cluster = DemoCluster(7, FixedClock(DEMO_START), 2.0)
    poller = Poller(cluster, DemoHost(cluster), cluster.clock, 2.0, 4.0, True,
                    DemoGpus(cluster))
    return cluster, [await poller.sweep_once() for _ in range(n)]


async def test_demo_snapshots_round_trip() -> None:
    _, snaps = await demo_snapshots(4)
    last = snaps[-1]
    # The demo must exercise what matters: stats, GPUs, nodes, mounts, health, datetimes.
    assert any(c.stats and c.stats.cpu_percent is not None for c in last.containers)
    assert last.gpus and last.nodes and last.host and last.services
    assert any(c.health is Health.UNHEALTHY for c in last.containers)
    for snap in snaps:
        back = wire(ClusterSnapshot, snap)
        assert back == snap
    back = wire(ClusterSnapshot, last)
    assert isinstance(back.containers, tuple) and isinstance(back.taken_at, datetime)
    assert back.taken_at.tzinfo is not None
    assert type(back.containers[0].health) is Health
    assert isinstance(back.host.load, tuple)


async def test_disk_usage_round_trips() -> None:
    cluster, _ = await demo_snapshots(1)
    usage = await cluster.disk_usage()
    assert usage.volumes and usage.images and usage.build_cache
    assert wire(DiskUsage, usage) == usage


def test_alerts_and_silences_round_trip() -> None:
    at = datetime(2026, 3, 2, 1, 30, 5, 123456, tzinfo=UTC)
    full = Alert("crash-loop", "recon-worker", "critical", "firing", 4.0, at,
                 fired=at + timedelta(seconds=3), resolved=None, clear_since=at,
                 runbook="isolate it", faulty=True, acked_by="ana",
                 acked_at=at + timedelta(minutes=2), silenced_by="maintenance")
    bare = Alert("unhealthy", "fix-gateway", "warning", "pending", 1.0, at)
    assert wire(Alert, full) == full
    assert wire(Alert, bare) == bare
    assert wire(list[Alert], [full, bare]) == [full, bare]
    silence = Silence("cpu-*", "*", at + timedelta(hours=1), "deploy", "ana")
    assert wire(Silence, silence) == silence


def test_other_time_zones_are_kept() -> None:
    at = datetime(2026, 3, 2, 9, 0, tzinfo=timezone(timedelta(hours=5, minutes=30)))
    back = wire(Alert, Alert("r", "t", "warning", "firing", 1.0, at))
    assert back.started == at and back.started.utcoffset() == at.utcoffset()


def make_forecast(**changes: Any) -> Forecast:
    forecast = Forecast(
        target="volume ledger-data", kind="volume", used_bytes=4.5e9, capacity_bytes=1e10,
        status="ok", message="full in 12 days", model="holt", growth_per_day=2.5e8,
        days_to_full=12.0, days_to_full_low=9.5, days_to_full_high=None,
        projections=((1, 4.75e9), (7, 6.25e9)), severity="warning", expand=True,
        recommended_capacity=None,
        path=((1772415000.0, 4.6e9, 4.5e9, 4.7e9), (1772501400.0, 4.8e9, 4.6e9, 5.0e9)))
    return replace(forecast, **changes)


def test_target_forecast_round_trips() -> None:
    target = TargetForecast("volume", "ledger-data", make_forecast(),
                            ((1772400000.0, 4.4e9), (1772410000.0, 4.5e9)))
    assert wire(TargetForecast, target) == target
    assert wire(tuple[TargetForecast, ...], (target,)) == (target,)


def test_non_finite_floats_travel_as_strings() -> None:
    forecast = make_forecast(used_bytes=math.nan, capacity_bytes=math.inf,
                             growth_per_day=-math.inf, path=((0.0, math.nan, 1.0, math.inf),))
    encoded = encode(forecast)
    assert encoded["used_bytes"] == "nan" and encoded["capacity_bytes"] == "inf"
    assert encoded["growth_per_day"] == "-inf"
    back = wire(Forecast, forecast)
    assert math.isnan(back.used_bytes)
    assert back.capacity_bytes == math.inf and back.growth_per_day == -math.inf
    assert math.isnan(back.path[0][1]) and back.path[0][3] == math.inf
    assert replace(back, used_bytes=0.0, path=()) == replace(forecast, used_bytes=0.0, path=())


def test_an_int_where_a_float_is_declared_is_a_float() -> None:
    back = decode(UsageSample, {"kind": "volume", "name": "v", "value": 3, "capacity": None})
    assert back == UsageSample("volume", "v", 3.0, None) and type(back.value) is float


def stats_doc() -> dict[str, Any]:
    return encode(ContainerStats(12.5, 1, 2, 3, 4, 5, 6, pids=7))  # type: ignore[no-any-return]


async def test_a_wrong_type_names_the_field_path() -> None:
    _, snaps = await demo_snapshots(2)
    doc = json.loads(json.dumps(encode(snaps[-1])))
    doc["containers"][3]["stats"]["cpu_percent"] = "busy"
    with pytest.raises(WireError) as caught:
        decode(ClusterSnapshot, doc)
    assert str(caught.value) == "containers[3].stats.cpu_percent: expected float, got str"
    assert caught.value.path == "containers[3].stats.cpu_percent"


def test_wrong_shapes_and_values_name_the_field() -> None:
    cases: list[tuple[dict[str, Any], str]] = [
        ({"health": "sickly"}, "health: not a valid Health: 'sickly'"),
        ({"labels": [["a", "b"], ["c"]]}, "labels[1]: expected tuple[str, str] of 2 items"),
        ({"labels": "a=b"}, "labels: expected tuple[tuple[str, str], ...], got str"),
        ({"created": "yesterday"}, "created: not a valid datetime: 'yesterday'"),
        ({"restart_count": True}, "restart_count: expected int, got bool"),
        ({"restart_count": 1.5}, "restart_count: expected int, got float"),
        ({"stats": [1, 2]}, "stats: expected ContainerStats, got list"),
        ({"mounts": [{"type": "bind"}]}, "mounts[0].name: missing required field"),
    ]
    base = encode(Container("c1", "web", "nginx", "running", "Up"))
    for change, message in cases:
        with pytest.raises(WireError) as caught:
            decode(Container, {**base, **change})
        assert str(caught.value).startswith(message)


def test_a_missing_required_field_is_named() -> None:
    doc = stats_doc()
    del doc["mem_bytes"]
    with pytest.raises(WireError, match=r"^mem_bytes: missing required field$"):
        decode(ContainerStats, doc)
    with pytest.raises(WireError, match=r"^stats\.mem_bytes: missing required field$"):
        decode(Container, {**encode(Container("c1", "web", "nginx", "running", "Up")),
                           "stats": doc})


def test_unknown_keys_are_ignored_and_missing_ones_take_their_defaults() -> None:
    doc = stats_doc()
    doc["gpu_seconds"] = 99  # a newer agent's field
    del doc["pids"]  # an older agent's snapshot
    assert decode(ContainerStats, doc) == ContainerStats(12.5, 1, 2, 3, 4, 5, 6, pids=0)
    minimal = {"id": "c1", "name": "web", "image": "nginx", "state": "running", "status": "Up"}
    assert decode(Container, minimal) == Container("c1", "web", "nginx", "running", "Up")


class Color(Enum):
    RED = 1
    BLUE = 2


@dataclass(frozen=True, slots=True)
class Leaf:
    note: str = "?"


@dataclass(frozen=True, slots=True)
class Everything:
    when: datetime
    took: timedelta
    where: Path
    color: Color
    level: Literal["info", "warning"]
    maybe: Optional[int]  # noqa: UP045 (the old spelling must work too)
    either: int | str
    names: frozenset[str]
    ids: set[int]
    items: list[Leaf]
    table: dict[str, tuple[int, float]]
    anything: Any
    parent: Everything | None = None
    leaves: tuple[Leaf, ...] = field(default_factory=lambda: (Leaf("default"),))


def everything(**changes: Any) -> Everything:
    value = Everything(
        when=datetime(2026, 1, 1, 12, 0, 0, 5), took=timedelta(hours=1, microseconds=7),
        where=Path("/var/lib/docker"), color=Color.BLUE, level="warning", maybe=None,
        either="x", names=frozenset({"b", "a"}), ids={3, 1}, items=[Leaf("a"), Leaf()],
        table={"k": (1, 2.5)}, anything={"free": ["form", 1]})
    return replace(value, **changes)


def test_every_supported_type_round_trips() -> None:
    value = everything(parent=everything(either=4, maybe=3, level="info"))
    assert wire(Everything, value) == value
    assert encode(value)["names"] == ["a", "b"]  # sets go out sorted, for a stable form
    assert encode(value)["took"] == 3600.000007


def test_default_factories_fill_missing_fields_and_literals_are_checked() -> None:
    doc = encode(everything())
    del doc["leaves"]
    assert decode(Everything, doc).leaves == (Leaf("default"),)
    with pytest.raises(WireError, match=r"^level: expected Literal\['info', 'warning'\]"):
        decode(Everything, {**doc, "level": "debug"})
    with pytest.raises(WireError, match=r"^table\['k'\]\[1\]: expected float, got str"):
        decode(Everything, {**doc, "table": {"k": [1, "x"]}})
    with pytest.raises(WireError, match=r"^parent\.items\[0\]\.note: expected str, got int"):
        decode(Everything, {**doc, "parent": {**doc, "items": [{"note": 5}]}})


def test_encode_refuses_what_json_cannot_carry() -> None:
    with pytest.raises(TypeError, match="dict key"):
        encode({1: "a"})
    with pytest.raises(TypeError, match="cannot encode"):
        encode(b"bytes")
