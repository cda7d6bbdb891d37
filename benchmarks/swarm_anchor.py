"""Swarm's own reaction to a failed task, the anchor the policy benchmarks are read beside.
Run by hand on a Swarm manager (as a user who may use the Docker socket):

    .venv/bin/python benchmarks/swarm_anchor.py [--trials 10] [--replicas 2]

It makes a replicated service of the busybox test image (named fintui-bench-<run>-anchor,
removed afterwards, whatever happens), then N times: kills one running task's container (it
exits for good: SIGKILL, exit 137) and times how long Swarm takes to have its replacement
task running. The service keeps Swarm's default restart policy (condition any, delay 5 s)
unless --restart-delay says otherwise, since that default is what a user gets.

Other benchmarks import `measure_swarm_reaction` and report its median in the same run:

    from benchmarks.swarm_anchor import measure_swarm_reaction
    anchor = measure_swarm_reaction(client, trials=10)
    print(anchor.line())
"""

from __future__ import annotations

import argparse
import contextlib
import os
import statistics
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import docker
from docker.errors import APIError, NotFound
from docker.types import RestartPolicy, ServiceMode

HOST = os.environ.get("DOCKER_HOST") or "unix:///var/run/docker.sock"
IMAGE = "fintui-test/busybox:latest"  # python -m tests.integration.busybox_image
LABEL = "fintui.bench"
POLL = 0.05  # seconds between task listings: small beside Swarm's seconds


@dataclass(frozen=True, slots=True)
class SwarmReaction:
    samples: tuple[float, ...]  # seconds from the kill to the replacement running, per trial
    restart_delay: float | None  # the service's restart delay; None: Swarm's default (5 s)

    @property
    def median(self) -> float:
        return statistics.median(self.samples) if self.samples else float("nan")

    def line(self) -> str:
        delay = ("Swarm's default restart delay" if self.restart_delay is None
                 else f"restart delay {self.restart_delay:g} s")
        spread = (f"min {min(self.samples):.2f} s, max {max(self.samples):.2f} s"
                  if self.samples else "no samples")
        return (f"Swarm's own reaction to a failed task (container killed → replacement "
                f"running): median {self.median:.2f} s of {len(self.samples)} ({spread}; "
                f"{delay})")


def running_tasks(service: Any) -> dict[str, str]:
    """Task id → container id of each task Swarm wants running and reports running."""
    out: dict[str, str] = {}
    for task in service.tasks(filters={"desired-state": "running"}):
        status = task.get("Status", {})
        container = status.get("ContainerStatus", {}).get("ContainerID", "")
        if status.get("State") == "running" and container:
            out[task["ID"]] = container
    return out


def wait_running(service: Any, count: int, timeout: float) -> dict[str, str]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        tasks = running_tasks(service)
        if len(tasks) >= count:
            return tasks
        time.sleep(POLL)
    raise TimeoutError(f"{service.name}: fewer than {count} tasks running after {timeout:g} s")


@contextlib.contextmanager
def anchor_service(client: docker.DockerClient, name: str, replicas: int,
                   restart_delay: float | None) -> Iterator[Any]:
    policy = (RestartPolicy(condition="any", delay=int(restart_delay * 1e9))
              if restart_delay is not None else None)
    # A short stop grace: busybox's sleep as PID 1 ignores SIGTERM, removal would wait 10 s.
    service = client.services.create(IMAGE, ["sleep", "36000"], name=name,
                                     mode=ServiceMode("replicated", replicas),
                                     labels={LABEL: name}, container_labels={LABEL: name},
                                     restart_policy=policy, stop_grace_period=1_000_000_000)
    try:
        yield service
    finally:
        with contextlib.suppress(NotFound, APIError):
            service.remove()


def one_trial(client: docker.DockerClient, service: Any, replicas: int,
              timeout: float) -> float:
    """Kill one running task's container; seconds until a task that is not one of those
    running before is running (the replacement)."""
    before = wait_running(service, replicas, timeout)
    victim = sorted(before.values())[0]
    start = time.monotonic()
    client.api.kill(victim)
    deadline = start + timeout
    while time.monotonic() < deadline:
        if set(running_tasks(service)) - set(before):
            return time.monotonic() - start
        time.sleep(POLL)
    raise TimeoutError(f"no replacement for {victim[:12]} after {timeout:g} s")


def measure_swarm_reaction(client: docker.DockerClient | None = None, trials: int = 10,
                           replicas: int = 2, restart_delay: float | None = None,
                           timeout: float = 60, name: str = "") -> SwarmReaction:
    """Median-of-`trials` measurement of Swarm replacing a task whose container exited for
    good, on a service made for it (and removed after). Needs a Swarm manager and the busybox
    test image."""
    own = client is None
    dc = client if client is not None else docker.DockerClient(base_url=HOST)
    name = name or f"fintui-bench-{uuid.uuid4().hex[:8]}-anchor"
    samples: list[float] = []
    try:
        with anchor_service(dc, name, replicas, restart_delay) as service:
            for _ in range(trials):
                samples.append(one_trial(dc, service, replicas, timeout))
        return SwarmReaction(tuple(samples), restart_delay)
    finally:
        if own:
            dc.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--trials", type=int, default=10)
    parser.add_argument("--replicas", type=int, default=2)
    parser.add_argument("--restart-delay", type=float, default=None,
                        help="seconds (default: Swarm's own default)")
    args = parser.parse_args(argv)
    client = docker.DockerClient(base_url=HOST)
    try:
        if client.info().get("Swarm", {}).get("LocalNodeState") != "active":
            print("this daemon is not a Swarm manager", file=sys.stderr)
            return 2
        result = measure_swarm_reaction(client, args.trials, args.replicas, args.restart_delay)
    finally:
        client.close()
    print(result.line())
    print("samples: " + ", ".join(f"{s:.2f}" for s in result.samples))
    return 0


if __name__ == "__main__":
    sys.exit(main())
