"""Automatic isolation on a real daemon (issue 22's acceptance): a real `fintui agent` with an
alert rule `action = "isolate"` on container.unhealthy isolates a sick replica of a Swarm
service as policy:<rule>, with its forensics bundle, and the service runs its count of healthy
tasks again; a second sick replica within the hour is only proposed; the sick task of a
one-replica service is never isolated (not even proposed); isolating a task Swarm has already
replaced raises no replica.

Swarm stops an unhealthy task itself (after the service's stop grace period, SIGKILL even
when paused): the services here keep a long grace so the isolation, which takes a second or
two, is seen whole before Swarm's own remedy."""

from __future__ import annotations

import contextlib
import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import docker
import pytest
from docker.errors import APIError, NotFound
from docker.types import Healthcheck, ServiceMode

from fintui.store.isolations import ISOLATED, IsolationStore
from tests.integration.busybox_image import TEST_IMAGE
from tests.integration.conftest import LABEL, PREFIX, RUN_ID, fintui, swarm_active, wait_until
from tests.integration.test_agent import Agent, settings_text

pytestmark = pytest.mark.integration
SECOND = 1_000_000_000  # the Engine's durations are in nanoseconds
SICK = "if [ -e /sick ]; then exit 1; fi"  # fails while the file exists


def rule(name: str, service: str) -> str:
    return (f'\n[[alerts.rules]]\nname = "{name}"\nmetric = "container.unhealthy"\n'
            'op = "=="\nthreshold = 1\nfor = "0s"\nseverity = "warning"\n'
            f'action = "isolate"\nmax_per_hour = 1\nscope = {{ service = "{service}" }}\n')


def make_service(client: docker.DockerClient, name: str, replicas: int) -> Any:
    return client.services.create(
        TEST_IMAGE, ["sleep", "600"], name=name, mode=ServiceMode("replicated", replicas),
        labels={LABEL: RUN_ID}, container_labels={LABEL: RUN_ID},
        healthcheck=Healthcheck(test=["CMD-SHELL", SICK], interval=SECOND,
                                timeout=2 * SECOND, retries=1),
        stop_grace_period=120 * SECOND)


def tasks(client: docker.DockerClient, service: str) -> list[Any]:
    """The service's task containers here, running or paused, oldest first."""
    found = client.containers.list(all=True, filters={
        "label": f"com.docker.swarm.service.name={service}"})
    return sorted((c for c in found if c.status in ("running", "paused")),
                  key=lambda c: c.attrs["Created"])


def healthy(client: docker.DockerClient, service: str) -> list[Any]:
    return [c for c in tasks(client, service) if c.status == "running"
            and c.attrs["State"].get("Health", {}).get("Status") == "healthy"]


def make_sick(container: Any) -> None:
    container.exec_run(["sh", "-c", "echo > /sick"])


@contextlib.contextmanager
def services(client: docker.DockerClient, *specs: tuple[str, int]) -> Iterator[list[Any]]:
    made = []
    try:
        for name, replicas in specs:
            made.append(make_service(client, name, replicas))
        yield made
    finally:
        for service in made:
            with contextlib.suppress(NotFound, APIError):
                service.remove()
        # Their tasks wait out the long grace period: end them now (this run's only).
        for c in client.containers.list(all=True, filters={"label": f"{LABEL}={RUN_ID}"}):
            if any(c.name.startswith(name + ".") for name, _ in specs):
                with contextlib.suppress(NotFound, APIError):
                    c.remove(force=True)


def audit(state: Path) -> list[dict[str, Any]]:
    path = state / "audit.jsonl"
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def records(state: Path, target: str) -> list[tuple[str, str]]:
    return [(r["actor"], r["outcome"]) for r in audit(state)
            if r["action"] == "isolate" and r["target"] == target]


def test_a_sick_replica_is_isolated_once_an_hour_and_never_the_last(
        client: docker.DockerClient, tmp_path: Path) -> None:
    if not swarm_active(client):
        pytest.skip("this daemon is not a Swarm manager (.ci/run initialises one)")
    pricing, solo = PREFIX + "pricing", PREFIX + "solo"
    state = tmp_path / "state"
    config = tmp_path / "fintui.toml"
    config.write_text(settings_text(state, 'unhealthy_for = "1s"\n'
                                    + rule("pricing-sick", pricing) + rule("solo-sick", solo))
                      .replace("refresh_interval = 0.5", "refresh_interval = 1.0"),
                      encoding="utf-8")
    with services(client, (pricing, 3), (solo, 1)):
        wait_until(lambda: len(healthy(client, pricing)) == 3
                   and len(healthy(client, solo)) == 1, 90, "every task healthy")
        agent = Agent(config, tmp_path / "agent.sock")
        try:
            agent.up()
            time.sleep(2)  # a sweep or two of healthy tasks first
            first = tasks(client, pricing)[0]
            make_sick(first)
            store = IsolationStore(state / "state.sqlite")

            def isolated(cid: str) -> bool:
                record = store.active(cid)
                return record is not None and record.state == ISOLATED

            wait_until(lambda: isolated(first.id), 30, "the sick task isolated")
            record = store.active(first.id)
            assert record is not None
            bundle = Path(record.bundle)
            assert (bundle / "manifest.json").is_file() and (bundle / "logs.txt").is_file()
            assert records(state, first.name) == [("policy:pricing-sick", "started"),
                                                  ("policy:pricing-sick", "ok")]
            ok = next(r for r in audit(state) if r["action"] == "isolate"
                      and r["target"] == first.name and r["outcome"] == "ok")
            assert "1 of 1 this hour" in ok["parameters"]["why"]
            assert ok["result"]["bundle"] == str(bundle)
            first.reload()
            assert first.status == "paused"
            # Replaced: the service runs its three healthy tasks beside the isolated one.
            wait_until(lambda: len(healthy(client, pricing)) >= 3, 60,
                       "three healthy tasks of the service again")

            second = healthy(client, pricing)[0]
            make_sick(second)
            wait_until(lambda: ("policy:pricing-sick", "proposed")
                       in records(state, second.name), 30, "the second fault proposed")
            assert store.active(second.id) is None
            second.reload()
            assert second.status == "running"  # not paused, not cut off: only proposed

            lone = tasks(client, solo)[0]
            make_sick(lone)
            wait_until(lambda: records(state, lone.name) != [], 30,
                       "the last replica's refusal audited")
            refused = [r for r in audit(state) if r["target"] == lone.name]
            assert [(r["actor"], r["outcome"]) for r in refused] == [
                ("policy:solo-sick", "refused")]
            assert "last running replica" in refused[0]["error"]
            assert store.active(lone.id) is None
            lone.reload()
            assert lone.status == "running"
        finally:
            _, err = agent.stop()
            assert "Traceback" not in err, err


def test_isolating_a_task_swarm_has_replaced_raises_no_replica(
        client: docker.DockerClient) -> None:
    if not swarm_active(client):
        pytest.skip("this daemon is not a Swarm manager (.ci/run initialises one)")
    name = PREFIX + "gone"
    with services(client, (name, 1)):
        wait_until(lambda: len(healthy(client, name)) == 1, 90, "the task healthy")
        dead = tasks(client, name)[0]
        dead.kill()  # as Swarm kills a failed task: exit 137, and it starts its own
        wait_until(lambda: any(c.id != dead.id for c in healthy(client, name)), 60,
                   "Swarm's own task in its place")
        result = fintui("isolate", dead.name, "--yes")
        assert result.returncode == 0, result.stderr
        assert "Swarm has started a task of its own in its place (it is exited)" \
            in result.stdout
        assert "raise Swarm service" not in result.stdout
        spec = client.services.get(name).attrs["Spec"]
        assert spec["Mode"]["Replicated"]["Replicas"] == 1
