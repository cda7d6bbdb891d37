"""Autoscaling against a real Swarm service, watched by a real `fintui agent` (issue 22's
acceptance): replicas that burn CPU while a file exists on their shared volume scale the
service out after three readings over the threshold and back in once the load stops, each
act audited as policy:<name>; under a load that flaps around the threshold, two scale acts
are never closer together than the cooldown."""

from __future__ import annotations

import contextlib
import itertools
import json
import time
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import docker
import pytest
from docker.errors import APIError, NotFound
from docker.types import Mount, Resources, ServiceMode

from tests.integration.busybox_image import TEST_IMAGE
from tests.integration.conftest import LABEL, PREFIX, RUN_ID, swarm_active, wait_until
from tests.integration.test_agent import Agent

pytestmark = pytest.mark.integration
SERVICE = PREFIX + "burn"
POLICY = PREFIX + "burst"
COOLDOWN = 8.0
# Burn while /burn/on exists, in short rounds that look at the file again; idle otherwise.
# Each replica may use a quarter of a core (so it reads about 25 %, and spares the host).
BURN = ("while true; do if [ -e /burn/on ]; then n=0; while [ $n -lt 5000 ]; do "
        "n=$((n+1)); done; else sleep 0.3; fi; done")


def service_config(folder: Path, policy: str) -> Path:
    state = folder / "state"
    config = folder / "fintui.toml"
    config.write_text(f'[ui]\nrefresh_interval = 1\n\n[paths]\nstate_dir = "{state}"\n\n'
                      f'[alerts]\nstate_file = "{state}/alerts.toml"\n\n{policy}',
                      encoding="utf-8")
    return config


@pytest.fixture
def burner(client: docker.DockerClient) -> Iterator[Any]:
    """A one-replica Swarm service whose replicas share a volume: a file there makes all of
    them, new ones too, burn CPU. Removed after (service, then its containers, then the
    volume), pass or fail."""
    if not swarm_active(client):
        pytest.skip("this daemon is not a Swarm manager (.ci/run initialises one)")
    volume = client.volumes.create(PREFIX + "burn", labels={LABEL: RUN_ID})
    service = client.services.create(
        TEST_IMAGE, ["sh", "-c", BURN], name=SERVICE, mode=ServiceMode("replicated", 1),
        labels={LABEL: RUN_ID}, container_labels={LABEL: RUN_ID},
        mounts=[Mount("/burn", volume.name, type="volume")],
        resources=Resources(cpu_limit=250_000_000), stop_grace_period=1_000_000_000)
    try:
        wait_until(lambda: len(running(client)) == 1, 60, "the service's first task")
        yield service
    finally:
        service.remove()
        wait_until(lambda: not client.containers.list(
            all=True, filters={"label": f"com.docker.swarm.service.name={SERVICE}"}),
                   60, "the service's containers to go")
        with contextlib.suppress(NotFound):
            volume.remove(force=True)


def running(client: docker.DockerClient) -> list[Any]:
    return list(client.containers.list(filters={
        "label": f"com.docker.swarm.service.name={SERVICE}", "status": "running"}))


def load(client: docker.DockerClient, on: bool) -> None:
    """Start or stop the burn, through any running replica (the volume is shared); one that
    a scale-in is stopping may refuse the exec."""
    command = "touch /burn/on" if on else "rm -f /burn/on"
    for _ in range(50):
        for container in running(client):
            with contextlib.suppress(APIError):
                if container.exec_run(["sh", "-c", command]).exit_code == 0:
                    return
        time.sleep(0.1)
    raise AssertionError("no replica took the load's switch")


def desired(service: Any) -> int:
    service.reload()
    return int(service.attrs["Spec"]["Mode"]["Replicated"]["Replicas"])


def scale_records(state: Path) -> list[dict[str, Any]]:
    path = state / "audit.jsonl"
    if not path.exists():
        return []
    return [r for r in map(json.loads, path.read_text().splitlines())
            if r["action"] == "scale"]


def test_cpu_load_scales_out_after_three_readings_and_back_in(
        client: docker.DockerClient, burner: Any, short_dir: Path) -> None:
    policy = (f'[[policies.autoscale]]\nname = "{POLICY}"\nservice = "{SERVICE}"\n'
              'metric = "cpu"\nscale_out_above = 12\nscale_in_below = 5\nsamples = 3\n'
              f'min = 1\nmax = 2\ncooldown = "{COOLDOWN:g}s"\n')
    config = service_config(short_dir, policy)
    agent = Agent(config, short_dir / "agent.sock")
    try:
        agent.up()
        time.sleep(3)  # readings of the idle service: nothing to do
        assert scale_records(short_dir / "state") == []
        load(client, True)
        wait_until(lambda: desired(burner) == 2, 45, "the scale-out to 2")
        wait_until(lambda: len(running(client)) == 2, 30, "the second task running")
        wait_until(lambda: len(scale_records(short_dir / "state")) == 2, 10, "its outcome")
        out = scale_records(short_dir / "state")
        assert [(r["actor"], r["outcome"], r["parameters"]["replicas"]) for r in out] == [
            (f"policy:{POLICY}", "started", 2), (f"policy:{POLICY}", "ok", 2)]
        load(client, False)
        wait_until(lambda: desired(burner) == 1, 60, "the scale-in back to 1")

        # A load that flaps: on and off every 4 s for 32 s, around both thresholds.
        for turn in range(8):
            load(client, turn % 2 == 0)
            time.sleep(4)
        load(client, False)
    finally:
        code, log = agent.stop()
        if agent.process.poll() is None:
            agent.process.kill()
    assert code == 0, log
    records = scale_records(short_dir / "state")
    assert all(r["actor"] == f"policy:{POLICY}" for r in records)
    starts = [datetime.fromisoformat(r["time"]) for r in records if r["outcome"] == "started"]
    assert len(starts) >= 2
    gaps = [(b - a).total_seconds() for a, b in itertools.pairwise(starts)]
    assert min(gaps) >= COOLDOWN, gaps  # never two acts within the cooldown
    assert len(starts) <= 2 + (8 * 4) // COOLDOWN + 1
