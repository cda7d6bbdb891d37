"""Network and block I/O as rates from two successive samples (as CPU% is)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from fintui.clock import FixedClock
from fintui.core.container_rows import cells, ordered
from fintui.core.stats import with_io_rates
from fintui.core.wire import decode, encode
from fintui.model import ClusterSnapshot, Container, ContainerStats, SourceStatus
from fintui.poller import Poller
from fintui.sources.demo import DEMO_START, DemoCluster, DemoHost

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
MiB = 2**20


def box(name: str, rx: int, tx: int, read: int = 0, write: int = 0, endpoint: str = "",
        running: bool = True) -> Container:
    stats = ContainerStats(1.0, 10 * MiB, 100 * MiB, rx, tx, read, write) if running else None
    return Container(id=name * 4, name=name, image="img", state="running" if running else
                     "exited", status="", stats=stats, endpoint=endpoint)


def snap(at: datetime, *containers: Container, down: str = "") -> ClusterSnapshot:
    endpoints = (SourceStatus("unix:///a", True, name="a"),
                 SourceStatus("ssh://b", not down, name="b")) if down else ()
    return ClusterSnapshot(at, SourceStatus("demo", True), containers, endpoints=endpoints)


def shown(s: ClusterSnapshot, name: str, column: str) -> str:
    c = next(c for c in s.containers if c.name == name)
    return cells(c, s.taken_at, [], 4)[column]


def test_the_first_sample_shows_a_dash_the_second_a_rate() -> None:
    first = with_io_rates(None, snap(T0, box("feed", 0, 0, 0, 0)))
    assert shown(first, "feed", "net") == "-" and shown(first, "feed", "blk") == "-"
    second = with_io_rates(first, snap(T0 + timedelta(seconds=2),
                                       box("feed", int(2.4 * MiB), 80 * 1024, 0, 4 * MiB)))
    assert shown(second, "feed", "net") == "↓1.2MiB ↑40KiB"
    assert shown(second, "feed", "blk") == "R0B W2.0MiB"


def test_a_counter_that_went_back_is_no_rate() -> None:
    """A restart begins the counters again: no negative or made-up rate."""
    first = with_io_rates(None, snap(T0, box("job", 5000, 5000)))
    second = with_io_rates(first, snap(T0 + timedelta(seconds=1), box("job", 10, 6000)))
    stats = second.containers[0].stats
    assert stats is not None and stats.net_rx_rate is None and stats.net_tx_rate == 1000.0
    assert shown(second, "job", "net") == "↓- ↑1.0KiB"


def test_a_stopped_container_and_a_new_one() -> None:
    first = with_io_rates(None, snap(T0, box("old", 0, 0)))
    second = with_io_rates(first, snap(T0 + timedelta(seconds=1), box("old", 0, 0,
                                                                     running=False),
                                       box("new", 100, 100)))
    assert shown(second, "old", "net") == "-" and shown(second, "new", "net") == "-"


def test_a_down_endpoints_rows_keep_their_last_rates() -> None:
    """Its counters are the last ones seen, not an idle container's: no rate of 0."""
    first = with_io_rates(None, snap(T0, box("x", 0, 0, endpoint="b")))
    second = with_io_rates(first, snap(T0 + timedelta(seconds=1), box("x", 1000, 0,
                                                                      endpoint="b")))
    third = with_io_rates(second, replace(snap(T0 + timedelta(seconds=2),
                                               box("x", 1000, 0, endpoint="b"), down="b")))
    assert shown(third, "x", "net") == "↓1.0KiB ↑0B"


def test_the_busiest_network_sorts_first_unknown_last() -> None:
    first = with_io_rates(None, snap(T0, box("a", 0, 0), box("b", 0, 0)))
    second = with_io_rates(first, snap(T0 + timedelta(seconds=1), box("a", 10, 10),
                                       box("b", 500, 0), box("c", 9999, 9999)))
    names = [c.name for c in ordered(second.containers, second.taken_at, "net", False, False)]
    assert names == ["b", "a", "c"]


async def test_the_poller_turns_the_demos_counters_into_rates() -> None:
    cluster = DemoCluster(7, FixedClock(DEMO_START), 2.0)
    poller = Poller(cluster, DemoHost(cluster), cluster.clock, 2.0, 4.0)
    first = await poller.sweep_once()
    assert all(c.stats is None or c.stats.net_rx_rate is None for c in first.containers)
    second = await poller.sweep_once()
    feed = next(c for c in second.containers if c.name == "md-feed-sse")
    assert feed.stats is not None and feed.stats.net_rx_rate
    # The demo's feed takes in 20-60 KiB/s forty times over.
    assert 20 * 1024 * 40 <= feed.stats.net_rx_rate <= 60 * 1024 * 40


def test_rates_reach_a_view_attached_to_the_agent_and_an_older_agent_sends_none() -> None:
    stats = ContainerStats(1.0, 1, 2, 3, 4, 5, 6, net_rx_rate=7.5, blk_write_rate=0.0)
    assert decode(ContainerStats, encode(stats)) == stats
    older = {k: v for k, v in encode(stats).items() if not k.endswith("_rate")}
    assert decode(ContainerStats, older).net_rx_rate is None
