"""A schedule in real time against a real Swarm service, run by a real `fintui agent`
(issue 22's acceptance): a schedule a minute ahead fires once, as policy:<name>. Neither its
occurrence of yesterday nor a second schedule's a few minutes back is caught up at the start:
both came before a runner first saw the policies."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import docker
import pytest
from docker.types import ServiceMode

from tests.integration.busybox_image import TEST_IMAGE
from tests.integration.conftest import LABEL, PREFIX, RUN_ID, swarm_active, wait_until
from tests.integration.test_agent import Agent
from tests.integration.test_autoscale import service_config

pytestmark = pytest.mark.integration
SERVICE = PREFIX + "sched"
ALL_DAYS = '["mon", "tue", "wed", "thu", "fri", "sat", "sun"]'


def schedule(name: str, at: datetime, replicas: int) -> str:
    return (f'[[policies.schedule]]\nname = "{name}"\nservice = "{SERVICE}"\n'
            f'replicas = {replicas}\nat = "{at:%H:%M}"\ndays = {ALL_DAYS}\n'
            'timezone = "UTC"\n\n')


def desired(service: Any) -> int:
    service.reload()
    return int(service.attrs["Spec"]["Mode"]["Replicated"]["Replicas"])


def records(state: Path) -> list[dict[str, Any]]:
    path = state / "audit.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines()] \
        if path.exists() else []


def test_a_schedule_a_minute_ahead_fires_once(client: docker.DockerClient,
                                               short_dir: Path) -> None:
    if not swarm_active(client):
        pytest.skip("this daemon is not a Swarm manager (.ci/run initialises one)")
    now = datetime.now(UTC)
    # The next minute, or the one after when this one is nearly over (the agent starts).
    ahead = (now + timedelta(minutes=2 if now.second >= 50 else 1)).replace(second=0,
                                                                        microsecond=0)
    earlier = now - timedelta(minutes=3)
    config = service_config(short_dir, schedule(PREFIX + "ahead", ahead, 2)
                            + schedule(PREFIX + "earlier", earlier, 1))
    service = client.services.create(
        TEST_IMAGE, ["sleep", "600"], name=SERVICE, mode=ServiceMode("replicated", 1),
        labels={LABEL: RUN_ID}, container_labels={LABEL: RUN_ID},
        stop_grace_period=1_000_000_000)
    agent = Agent(config, short_dir / "agent.sock")
    try:
        agent.up()
        time.sleep(2)
        assert desired(service) == 1  # yesterday's "ahead" is not caught up
        wait_until(lambda: desired(service) == 2,
                   (ahead - datetime.now(UTC)).total_seconds() + 20, "the schedule to fire")
        fired = datetime.now(UTC)
        assert fired >= ahead
        time.sleep(4)  # more sweeps in the same minute, and after it: no second act
    finally:
        code, log = agent.stop()
        if agent.process.poll() is None:
            agent.process.kill()
        service.remove()
    assert code == 0, log
    scales = [(r["actor"], r["outcome"], r["parameters"]["replicas"])
              for r in records(short_dir / "state") if r["action"] == "scale"]
    assert scales == [(f"policy:{PREFIX}ahead", "started", 2),
                      (f"policy:{PREFIX}ahead", "ok", 2)]
