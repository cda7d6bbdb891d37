"""Timestamps on a real container's log: asked for, each line comes led by the daemon's RFC 3339
time of it; not asked for, the line is as the container wrote it. A followed stream ends when
the container exits. Only containers of this run (PREFIX, LABEL) are made and read."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from fintui.clock import SystemClock
from fintui.sources.docker_engine import DockerEngineSource
from fintui.sources.engine_client import EngineClient, parse_endpoint
from tests.integration.conftest import HOST

STAMP = re.compile(r"^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)\.\d{1,9}Z (.*)$")


def source() -> DockerEngineSource:
    client = EngineClient(parse_endpoint(HOST), request_timeout=30, connect_timeout=3)
    return DockerEngineSource(client, SystemClock(), stats_concurrency=4, inspect_refresh=30)


async def test_timestamps_on_and_off(run_container: Callable[..., Any]) -> None:
    container = run_container("logtimes", ["sh", "-c", "echo 'WARN one'; echo two"])
    assert container.wait(timeout=60)["StatusCode"] == 0
    engine = source()
    try:
        plain = [line async for line in engine.logs(container.id, 100, follow=False)]
        timed = [line async for line in engine.logs(container.id, 100, follow=False,
                                                    timestamps=True)]
        # Followed, an exited container's stream ends after what it wrote.
        followed = [line async for line in engine.logs(container.id, 100, follow=True)]
    finally:
        await engine.close()
    assert plain == ["WARN one", "two"] == followed
    stamps = [STAMP.match(line) for line in timed]
    assert all(stamps) and [m.group(2) for m in stamps if m] == plain
    when = datetime.fromisoformat(stamps[0].group(1)).replace(tzinfo=UTC)  # type: ignore[union-attr]
    assert abs(datetime.now(UTC) - when) < timedelta(minutes=5)
