"""Integration tests run against a real Docker daemon.

They skip with a reason when no daemon is reachable, except under FINTUI_REQUIRE_DOCKER=1
(set by .ci/run), where a missing daemon is a failure. Every object a test makes carries this
run's name prefix and label, and only those objects are ever changed or removed."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import docker
import pytest
from docker.errors import DockerException, NotFound

from tests.integration.busybox_image import TEST_IMAGE, MissingBusybox, ensure_test_image

REQUIRED = os.environ.get("FINTUI_REQUIRE_DOCKER") == "1"
RUN_ID = uuid.uuid4().hex[:8]
PREFIX = f"fintui-it-{RUN_ID}-"
LABEL = "fintui.test.run"
HOST = os.environ.get("DOCKER_HOST") or "unix:///var/run/docker.sock"


def unavailable(reason: str) -> None:
    if REQUIRED:
        pytest.fail(f"FINTUI_REQUIRE_DOCKER=1 but {reason}")
    pytest.skip(f"no Docker daemon for integration tests: {reason}")


@pytest.fixture(scope="session")
def client() -> Iterator[docker.DockerClient]:
    try:
        dc = docker.DockerClient(base_url=HOST, timeout=30)
        dc.ping()
    except DockerException as exc:
        unavailable(f"cannot reach {HOST} ({exc})")
    try:
        ensure_test_image(dc)
    except MissingBusybox as exc:
        unavailable(str(exc))
    yield dc
    cleanup(dc)
    dc.close()


def cleanup(dc: docker.DockerClient) -> None:
    """Remove what this run made, found by its label, and nothing else."""
    if swarm_active(dc):
        for service in dc.services.list(filters={"label": f"{LABEL}={RUN_ID}"}):
            service.remove()
    for container in dc.containers.list(all=True, filters={"label": f"{LABEL}={RUN_ID}"}):
        container.remove(force=True)
    for volume in dc.volumes.list(filters={"label": f"{LABEL}={RUN_ID}"}):
        with contextlib.suppress(DockerException):
            volume.remove(force=True)


def swarm_active(dc: docker.DockerClient) -> bool:
    swarm = dc.info().get("Swarm") or {}
    return bool(swarm.get("LocalNodeState") == "active" and swarm.get("ControlAvailable"))


@pytest.fixture
def run_container(client: docker.DockerClient) -> Iterator[Callable[..., Any]]:
    made: list[Any] = []

    def start(suffix: str, command: list[str] | str, **kwargs: Any) -> Any:
        labels = {LABEL: RUN_ID, **kwargs.pop("labels", {})}
        detach = kwargs.pop("detach", True)
        container = client.containers.run(TEST_IMAGE, command, name=PREFIX + suffix,
                                          labels=labels, detach=detach, **kwargs)
        made.append(container)
        return container

    yield start
    for container in made:
        with contextlib.suppress(NotFound):
            container.remove(force=True)


def fintui(*args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    """Run the real CLI as a user would, against the test daemon (and never through an
    agent the engineer running the suite may have)."""
    return subprocess.run([sys.executable, "-m", "fintui", "--host", HOST, "--no-agent", *args],
                          capture_output=True, text=True, timeout=timeout)


def wait_until(check: Callable[[], bool], seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out after {seconds}s waiting for {what}")
