"""Details read through the real Engine source say why a container is unhealthy: its check as
written, each probe's exit code and output, and the failing streak."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import pytest

from fintui.clock import SystemClock
from fintui.core.inspect_view import highlights
from fintui.model import ContainerDetails
from fintui.sources.docker_engine import DockerEngineSource
from fintui.sources.engine_client import EngineClient, parse_endpoint
from tests.integration.conftest import HOST, wait_until

pytestmark = pytest.mark.integration

SEC = 1_000_000_000
CHECK = "echo probe says no; echo '[bold]2nd line[/bold]'; exit 3"


async def read_details(container_id: str) -> ContainerDetails:
    client = EngineClient(parse_endpoint(HOST), request_timeout=10, connect_timeout=3)
    source = DockerEngineSource(client, SystemClock(), stats_concurrency=8, inspect_refresh=30)
    try:
        return await source.details(container_id)
    finally:
        await source.close()


def test_a_failing_health_check_is_read_with_its_probes(
        run_container: Callable[..., Any]) -> None:
    box = run_container("health", ["sleep", "300"], healthcheck={
        "test": ["CMD-SHELL", CHECK], "interval": SEC, "timeout": 2 * SEC, "retries": 2,
        "start_period": 0})

    def probed_twice() -> bool:
        box.reload()
        health = box.attrs["State"].get("Health") or {}
        return len(health.get("Log") or []) >= 2 and health.get("FailingStreak", 0) >= 2

    wait_until(probed_twice, 30, "two failed health probes")
    details = asyncio.run(read_details(box.id))
    health = details.health
    assert health is not None
    assert health.test == ("CMD-SHELL", CHECK)
    assert (health.interval_s, health.timeout_s, health.retries) == (1, 2, 2)
    assert health.failing_streak >= 2
    assert health.status in ("starting", "unhealthy")
    assert len(health.probes) >= 2
    newest = health.probes[0]
    assert newest.exit_code == 3
    assert newest.output == ("probe says no", "[bold]2nd line[/bold]")
    assert newest.start is not None and newest.end is not None and newest.end >= newest.start
    assert [p.start for p in health.probes] == sorted((p.start for p in health.probes),
                                                      reverse=True)  # newest first
    # And the screen's words for it: first, since it is failing.
    title, lines = highlights(details)[0]
    assert title == "Health"
    assert lines[1] == f"check: {CHECK}"
    assert any(" exit 3  (" in line for line in lines)
    assert "    probe says no" in lines
