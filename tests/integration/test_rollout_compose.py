"""Compose rollouts against a real dockerd: the running count sampled every 0.2 s never drops
below the start, every replica ends on the new image (which brings its own command and health
check), rollback returns to the image the audit recorded, and a canary whose command exits 1
is rolled back with the old replicas untouched."""

from __future__ import annotations

import asyncio
import contextlib
import io
import sys
from collections.abc import AsyncIterator, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import docker
import pytest
from docker.errors import DockerException

from fintui.clock import SystemClock
from fintui.config import load_settings
from fintui.ops.guard import Decision
from fintui.ops.operations import Failed, Operations
from fintui.ops.plan import Plan
from fintui.ops.rollout_compose import plan_compose_rollback, plan_compose_rollout
from fintui.sources.engine_actions import EngineActions
from fintui.sources.engine_client import EngineClient, parse_endpoint
from tests.integration.busybox_image import TEST_IMAGE
from tests.integration.conftest import HOST, LABEL, PREFIX, RUN_ID

pytestmark = pytest.mark.integration
APP = f"{PREFIX}app"  # this run's test images: APP:v1, APP:v2, APP:bad
# v2 differs from v1 by its command and a health check of its own, so a replica made from a
# v1 one must take both from the new image.
DOCKERFILES = {
    "v1": 'CMD ["sleep", "600"]\n',
    "v2": 'CMD ["sleep", "601"]\nHEALTHCHECK --interval=1s --timeout=2s --retries=2 CMD true\n',
    "bad": 'CMD ["sh", "-c", "sleep 3; exit 1"]\n',  # up a moment, then fails: in the watch
}


@pytest.fixture(scope="module")
def images(client: docker.DockerClient) -> Iterator[dict[str, str]]:
    made: dict[str, str] = {}
    try:
        for tag, rest in DOCKERFILES.items():
            dockerfile = f"FROM {TEST_IMAGE}\nLABEL {LABEL}={RUN_ID}\n{rest}"
            client.images.build(fileobj=io.BytesIO(dockerfile.encode()), tag=f"{APP}:{tag}",
                                rm=True)
            made[tag] = f"{APP}:{tag}"
        yield made
    finally:
        for ref in made.values():
            with contextlib.suppress(DockerException):
                client.images.remove(ref, force=True)


@pytest.fixture
def network(client: docker.DockerClient) -> Iterator[Any]:
    net = client.networks.create(PREFIX + "rollnet", driver="bridge", labels={LABEL: RUN_ID})
    yield net
    for container in client.containers.list(all=True, filters={"label": f"{LABEL}={RUN_ID}"}):
        container.remove(force=True)
    net.remove()


def compose_replica(client: docker.DockerClient, network: Any, project: str, number: int,
                    image: str) -> Any:
    """A replica as compose makes one: its labels, the service alias, the image's command."""
    container = client.containers.create(
        image, name=f"{project}-web-{number}",
        labels={LABEL: RUN_ID, "com.docker.compose.project": project,
                "com.docker.compose.service": "web",
                "com.docker.compose.container-number": str(number)},
        restart_policy={"Name": "unless-stopped"}, network=network.name,
        init=True)  # sleep as PID 1 ignores SIGTERM: each stop would take the full grace
    network.disconnect(container)
    network.connect(container, aliases=["web"])
    container.start()
    return container


def members(client: docker.DockerClient, project: str, status: str = "") -> list[Any]:
    filters: dict[str, Any] = {"label": [f"com.docker.compose.project={project}",
                                         "com.docker.compose.service=web"]}
    if status:
        filters["status"] = status
    return list(client.containers.list(all=True, filters=filters))


@pytest.fixture
async def ops(tmp_path: Path) -> AsyncIterator[Operations]:
    settings = load_settings(None)
    settings = replace(settings, paths=replace(settings.paths, state_dir=tmp_path / "state"),
                       audit=replace(settings.audit, path=tmp_path / "state" / "audit.jsonl"),
                       rollout=replace(settings.rollout, converge_timeout=60.0))
    engine = EngineClient(parse_endpoint(HOST), settings.docker.request_timeout,
                          settings.docker.connect_timeout)
    yield Operations(EngineActions(engine), settings, "alice", False, SystemClock())
    await engine.close()


class Sampler:
    """The service's running replicas, counted every 0.2 s while an act runs."""

    def __init__(self, client: docker.DockerClient, project: str) -> None:
        self.client, self.project = client, project
        self.counts: list[int] = []
        self._task: asyncio.Task[None] | None = None

    async def _run(self) -> None:
        while True:
            found = await asyncio.to_thread(members, self.client, self.project, "running")
            self.counts.append(len(found))
            await asyncio.sleep(0.2)

    async def __aenter__(self) -> Sampler:
        self._task = asyncio.create_task(self._run())
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self._task is not None
        self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._task


async def rollout(ops: Operations, target: str, image: str, canary: int = 0,
                  watch: float = 0.0, parallelism: int = 1) -> Plan:
    async def build(decision: Decision) -> Plan:
        return await plan_compose_rollout(ops, target, image, canary, watch, parallelism,
                                          decision)

    return await ops.planned("rollout", target, {"image": image}, build)


async def rollback(ops: Operations, target: str) -> Plan:
    async def build(decision: Decision) -> Plan:
        return await plan_compose_rollback(ops, target, decision)

    return await ops.planned("rollback", target, {}, build)


async def verb(tmp_path: Path, *args: str) -> tuple[int, str]:
    """The real CLI on this test's state (its audit log), without blocking the sampler."""
    config = tmp_path / "fintui.toml"
    config.write_text(f'[paths]\nstate_dir = "{tmp_path / "state"}"\n', encoding="utf-8")
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "fintui", "--host", HOST, "--no-agent", "--config", str(config),
        *args, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT)
    out, _ = await asyncio.wait_for(proc.communicate(), 180)
    return proc.returncode or 0, out.decode()


def images_running(client: docker.DockerClient, project: str) -> dict[str, str]:
    """name -> the image each replica runs, checking each one runs."""
    out = {}
    for container in members(client, project):
        assert container.status == "running", (container.name, container.status)
        out[container.name] = container.attrs["Config"]["Image"]
    return out


async def test_rollout_keeps_the_count_and_rollback_returns(
        client: docker.DockerClient, images: dict[str, str], network: Any,
        ops: Operations, tmp_path: Path) -> None:
    project = PREFIX + "ro"
    target = f"{project}/web"
    for number in (1, 2, 3):
        compose_replica(client, network, project, number, images["v1"])
    plan = await rollout(ops, target, images["v2"], parallelism=2)
    assert plan.parameters["from"] == images["v1"]
    assert plan.parameters["to_id"] == client.images.get(images["v2"]).id
    async with Sampler(client, project) as sampler:
        outcome = await ops.execute(plan)
    assert sampler.counts and min(sampler.counts) >= 3, sampler.counts
    assert images_running(client, project) == {
        f"{project}-web-{n}": images["v2"] for n in (4, 5, 6)}
    for container in members(client, project):  # the new image's own command and check
        assert container.attrs["Config"]["Cmd"] == ["sleep", "601"]
        assert container.attrs["State"]["Health"]["Status"] == "healthy"
        nets = container.attrs["NetworkSettings"]["Networks"]
        assert list(nets) == [network.name] and "web" in nets[network.name]["Aliases"]
    assert len(outcome.result["replaced"]) == 3

    back = await rollback(ops, target)
    assert back.parameters["to"] == images["v1"]
    async with Sampler(client, project) as sampler:  # as an operator would: the verb
        code, out = await verb(tmp_path, "rollback", target, "--yes")
    assert code == 0, out
    assert min(sampler.counts) >= 3, sampler.counts
    assert images_running(client, project) == {
        f"{project}-web-{n}": images["v1"] for n in (7, 8, 9)}
    for container in members(client, project):
        assert container.attrs["Config"]["Cmd"] == ["sleep", "600"]
        assert "Health" not in container.attrs["State"]
    records = ops.audit.records()
    assert [(r["action"], r["outcome"]) for r in records] == [
        ("rollout", "started"), ("rollout", "ok"), ("rollback", "started"), ("rollback", "ok")]
    assert records[1]["parameters"]["from"] == images["v1"]
    assert records[1]["parameters"]["to"] == images["v2"]


async def test_a_canary_whose_command_exits_1_is_rolled_back(
        client: docker.DockerClient, images: dict[str, str], network: Any,
        ops: Operations) -> None:
    project = PREFIX + "can"
    target = f"{project}/web"
    before = {c.id for c in (compose_replica(client, network, project, n, images["v1"])
                             for n in (1, 2))}
    plan = await rollout(ops, target, images["bad"], canary=1, watch=8.0)
    async with Sampler(client, project) as sampler:
        with pytest.raises(Failed, match=f"canary {project}-web-3") as failed:
            await ops.execute(plan)
    assert str(failed.value).startswith("rolled back: canary")
    assert min(sampler.counts) >= 2, sampler.counts
    assert {c.id for c in members(client, project)} == before  # the canary is gone
    assert set(images_running(client, project).values()) == {images["v1"]}
    record = ops.audit.records()[-1]
    assert record["outcome"] == "failed" and "canary" in record["error"]
    assert record["result"]["removed"] == [f"{project}-web-3"]
