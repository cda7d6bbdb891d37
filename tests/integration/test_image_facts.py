"""Details read through the real Engine say what runs: the image's id and registry digests as
`docker image inspect` has them, and when it was deployed (its container's creation: for a
Swarm task, when Swarm deployed that task)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import docker
import pytest

from fintui.core.inspect_view import highlights
from tests.integration.busybox_image import TEST_IMAGE
from tests.integration.conftest import LABEL, PREFIX, RUN_ID, swarm_active, wait_until
from tests.integration.test_health_details import read_details

pytestmark = pytest.mark.integration


def test_a_containers_image_and_creation(client: docker.DockerClient,
                                         run_container: Callable[..., Any]) -> None:
    box = run_container("facts", ["sleep", "300"])
    box.reload()
    image = client.images.get(box.attrs["Image"])
    details = asyncio.run(read_details(box.id))
    assert details.image_id == box.attrs["Image"]
    assert details.digests == tuple(image.attrs.get("RepoDigests") or ())
    assert (details.deployed, details.deployed_how) == (box.attrs["Created"],
                                                        "container created")
    lines = dict(highlights(details))["Container"]
    digest = next(line for line in lines if line.startswith(("digest: ", "image id: ")))
    assert digest.split(": ", 1)[1].startswith("sha256:")
    assert f"deployed: {box.attrs['Created']} (container created)" in lines


def test_a_swarm_tasks_deployment_is_its_services(client: docker.DockerClient) -> None:
    if not swarm_active(client):
        pytest.skip("this daemon is not a Swarm manager (.ci/run initialises one)")
    service = client.services.create(TEST_IMAGE, ["sleep", "600"], name=PREFIX + "facts",
                                     labels={LABEL: RUN_ID}, container_labels={LABEL: RUN_ID})
    try:
        def task() -> list[Any]:
            return client.containers.list(filters={
                "label": f"com.docker.swarm.service.name={PREFIX}facts", "status": "running"})

        wait_until(lambda: len(task()) == 1, 60, "the service's task")
        box = task()[0]
        details = asyncio.run(read_details(box.id))
        # That task's own deployment, not its service's last update (which may not have
        # reached it yet, or came after it).
        assert (details.deployed, details.deployed_how) == (box.attrs["Created"],
                                                            "task created")
    finally:
        service.remove()
