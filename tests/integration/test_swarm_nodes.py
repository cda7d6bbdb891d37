"""Swarm nodes on the real single-node swarm: listed with the manager's facts, drained and
made active again through the operations layer, audited.

Draining the local node stops every Swarm task on it, the engineer's own included: so the
drain test runs only when the swarm holds no service this run did not make (always so in
CI, whose daemon is fresh), and skips with that reason otherwise."""

from __future__ import annotations

import asyncio
from pathlib import Path

import docker
import pytest

from fintui.clock import SystemClock
from fintui.sources.docker_engine import DockerEngineSource
from fintui.sources.engine_client import EngineClient, parse_endpoint
from tests.integration.busybox_image import TEST_IMAGE
from tests.integration.conftest import HOST, LABEL, PREFIX, RUN_ID, swarm_active
from tests.integration.test_operations import audit_records, cli, write_config

pytestmark = pytest.mark.integration


def local_node(client: docker.DockerClient) -> dict[str, object]:
    if not swarm_active(client):
        pytest.skip("the daemon is not a Swarm manager (docker swarm init)")
    node_id = client.info()["Swarm"]["NodeID"]
    return dict(client.nodes.get(node_id).attrs)


async def test_a_sweep_lists_the_managers_nodes(client: docker.DockerClient) -> None:
    node = local_node(client)
    source = DockerEngineSource(EngineClient(parse_endpoint(HOST), 10, 5), SystemClock(), 8, 30)
    try:
        snap = await source.sweep()
    finally:
        await source.close()
    shown = {n.id: n for n in snap.nodes}
    mine = shown[str(node["ID"])]
    assert mine.hostname == node["Description"]["Hostname"]  # type: ignore[index]
    assert (mine.role, mine.state, mine.leader) == ("manager", "ready", True)
    assert mine.engine_version == client.version()["Version"]
    assert mine.cpus > 0 and mine.memory_bytes > 0


async def test_a_services_tasks_are_shown_by_node(client: docker.DockerClient) -> None:
    node = local_node(client)
    hostname = node["Description"]["Hostname"]  # type: ignore[index]
    service = client.services.create(
        TEST_IMAGE, ["sleep", "600"], name=PREFIX + "spread", labels={LABEL: RUN_ID},
        container_labels={LABEL: RUN_ID}, mode=docker.types.ServiceMode("replicated", 2))
    source = DockerEngineSource(EngineClient(parse_endpoint(HOST), 10, 5), SystemClock(), 8, 30)
    try:
        for _ in range(120):
            snap = await source.sweep()
            shown = next(s for s in snap.services if s.name == PREFIX + "spread")
            if shown.running == 2:
                break
            await asyncio.sleep(0.5)
        assert (shown.mode, shown.desired, shown.running) == ("replicated", 2, 2)
        assert shown.placement == ((hostname, "running", 2),)
    finally:
        await source.close()
        service.remove()


def test_drain_and_activate_the_local_node(client: docker.DockerClient,
                                           tmp_path: Path) -> None:
    node = local_node(client)
    foreign = [s.name for s in client.services.list()
               if (s.attrs["Spec"].get("Labels") or {}).get(LABEL) != RUN_ID]
    if foreign:
        pytest.skip(f"draining this node would stop services this test did not make: "
                    f"{', '.join(foreign[:3])}")
    hostname = str(node["Description"]["Hostname"])  # type: ignore[index]
    config = write_config(tmp_path, "")
    try:
        drained = cli(config, "drain", hostname, "--yes")
        assert drained.returncode == 0, drained.stderr
        assert f"drain Swarm node {hostname}" in drained.stdout
        assert client.nodes.get(node["ID"]).attrs["Spec"]["Availability"] == "drain"
        again = cli(config, "drain", hostname, "--yes")
        assert again.returncode == 1 and "already drain" in again.stderr
    finally:
        activated = cli(config, "activate", hostname, "--yes")
    assert activated.returncode == 0, activated.stderr
    assert client.nodes.get(node["ID"]).attrs["Spec"]["Availability"] == "active"
    records = [(r["action"], r["outcome"], r["parameters"]["availability"])
               for r in audit_records(tmp_path)]
    assert records == [("drain", "started", "drain"), ("drain", "ok", "drain"),
                       ("drain", "refused", "drain"),
                       ("drain", "started", "active"), ("drain", "ok", "active")]
