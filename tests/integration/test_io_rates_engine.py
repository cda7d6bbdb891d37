"""Network I/O as a rate against a real dockerd: a container that pings another at a known
pace shows about that many bytes a second; an idle one next to nothing; the first sweep `-`."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import pytest

from fintui.clock import SystemClock
from fintui.core.container_rows import cells
from fintui.poller import Poller
from fintui.sources.docker_engine import DockerEngineSource
from fintui.sources.engine_client import EngineClient, parse_endpoint
from fintui.sources.host import PsutilHost
from tests.integration.conftest import HOST, PREFIX

pytestmark = pytest.mark.integration


async def test_a_pinging_container_shows_its_network_rate(
        run_container: Callable[..., Any]) -> None:
    target = run_container("io-target", ["sleep", "300"])
    target.reload()
    ip = next(iter(target.attrs["NetworkSettings"]["Networks"].values()))["IPAddress"]
    # 10 pings a second of 1000 bytes of payload (1028 on the wire as IP): about 10KiB/s
    # each way.
    pinger = run_container("io-pinger", ["busybox", "ping", "-s", "1000", "-i", "0.1", ip])
    run_container("io-idle", ["sleep", "300"])
    client = EngineClient(parse_endpoint(HOST), request_timeout=10, connect_timeout=3)
    source = DockerEngineSource(client, SystemClock(), stats_concurrency=16, inspect_refresh=30)
    poller = Poller(source, PsutilHost(), SystemClock(), 2.0, 4.0)
    try:
        first = await poller.sweep_once()
        await asyncio.sleep(3)
        second = await poller.sweep_once()
    finally:
        await client.close()
    before = {c.name: c for c in first.containers}
    after = {c.name: c for c in second.containers}
    assert cells(before[pinger.name], first.taken_at, [], 4)["net"] == "-"
    stats = after[pinger.name].stats
    assert stats is not None and stats.net_tx_rate is not None
    assert 6 * 1024 <= stats.net_tx_rate <= 16 * 1024, stats.net_tx_rate
    assert cells(after[pinger.name], second.taken_at, [], 4)["net"].startswith("↓")
    idle = after[PREFIX + "io-idle"].stats
    # The bridge's own chatter (ARP, neighbour discovery) reaches an idle container too.
    assert idle is not None and (idle.net_rx_rate or 0) + (idle.net_tx_rate or 0) < 1024
