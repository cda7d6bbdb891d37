"""How fast autoscaling reacts, on a real Swarm manager. Run by hand (as a user who may use
the Docker socket):

    .venv/bin/python benchmarks/autoscale_reaction.py [--trials 5] [--refresh 1] [--anchor 10]

It makes a Swarm service of the busybox test image (fintui-bench-<run>-burn, one replica of
a quarter core, removed afterwards, whatever happens) whose replicas burn CPU while a file
exists on their shared volume, and runs a paging watch in this process (as `fintui agent`
does) with one autoscale policy: cpu over 12 % for 3 readings → out to 2, under 5 % → in.
Each trial starts the load and measures:
  - load → done: from creating the file to the second task running (Swarm says so);
  - third reading → done: from the sweep that brought the third reading over the threshold
    (the policy starts its act there) to the second task running. Goal: ≤ 10 s.
then stops the load and lets the policy scale back in to 1 (3 readings under 5 %). Medians
are printed beside Swarm's own reaction to a failed task (benchmarks/swarm_anchor.py,
measured in the same run)."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import docker
from docker.errors import NotFound
from docker.types import Mount, Resources, ServiceMode

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from fintui.cli_parser import build_parser
from fintui.config import load_settings
from fintui.model import ClusterSnapshot
from fintui.watch.watch import Watch
from fintui.wiring import build_parts

HOST = os.environ.get("DOCKER_HOST") or "unix:///var/run/docker.sock"
IMAGE = "fintui-test/busybox:latest"  # python -m tests.integration.busybox_image
LABEL = "fintui.bench"
BURN = ("while true; do if [ -e /burn/on ]; then n=0; while [ $n -lt 5000 ]; do "
        "n=$((n+1)); done; else sleep 0.3; fi; done")


@contextlib.contextmanager
def burner(client: docker.DockerClient, name: str) -> Iterator[Any]:
    volume = client.volumes.create(name, labels={LABEL: name})
    service = client.services.create(
        IMAGE, ["sh", "-c", BURN], name=name, mode=ServiceMode("replicated", 1),
        labels={LABEL: name}, container_labels={LABEL: name},
        mounts=[Mount("/burn", volume.name, type="volume")],
        resources=Resources(cpu_limit=250_000_000), stop_grace_period=1_000_000_000)
    try:
        yield service
    finally:
        service.remove()
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and client.containers.list(
                all=True, filters={"label": f"{LABEL}={name}"}):
            time.sleep(0.2)
        with contextlib.suppress(NotFound):
            volume.remove(force=True)


def running(client: docker.DockerClient, name: str) -> list[Any]:
    return list(client.containers.list(filters={
        "label": f"com.docker.swarm.service.name={name}", "status": "running"}))


def load(client: docker.DockerClient, name: str, on: bool) -> None:
    """Through a running replica (the volume is shared); one being stopped may refuse."""
    for _ in range(50):
        for container in running(client, name):
            with contextlib.suppress(docker.errors.APIError):
                if container.exec_run(["sh", "-c", "touch /burn/on" if on
                                       else "rm -f /burn/on"]).exit_code == 0:
                    return
        time.sleep(0.1)
    raise RuntimeError("no replica took the load's switch")


class ActStart:
    """A watch subscriber that notes when the policy starts its act (after the sweep that
    brought the third reading over the threshold)."""

    def __init__(self, watch: Watch) -> None:
        self.watch = watch
        self.at: float | None = None

    def snapshot(self, snap: ClusterSnapshot) -> None:
        if self.at is None and any(p.busy for p in self.watch.policies.policies):
            self.at = time.monotonic()

    def alerts_changed(self) -> None: ...

    def forecasts_changed(self) -> None: ...

    def disk_changed(self, endpoint: str) -> None: ...

    def notice(self, text: str, title: str, error: bool) -> None: ...


async def until(check: Any, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not await asyncio.to_thread(check):
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out after {seconds:g} s waiting for {what}")
        await asyncio.sleep(0.05)


async def trials(client: docker.DockerClient, service: Any, config: Path, count: int
                 ) -> tuple[list[float], list[float]]:
    args = build_parser().parse_args(["--host", HOST, "--no-agent", "--config", str(config)])
    parts = build_parts(args, load_settings(args.config))
    watch = Watch(parts, parts.operations())
    watch.open_history()
    runner = asyncio.get_running_loop().create_task(watch.run())
    name = service.name
    totals: list[float] = []
    reactions: list[float] = []
    try:
        await until(lambda: len(running(client, name)) == 1, 60, "the first task")
        await asyncio.sleep(4)  # a few idle readings
        for trial in range(count):
            listener = ActStart(watch)
            unsubscribe = watch.subscribe(listener)
            started = time.monotonic()
            await asyncio.to_thread(load, client, name, True)
            await until(lambda: len(running(client, name)) == 2, 60, "the scale-out")
            done = time.monotonic()
            unsubscribe()
            totals.append(done - started)
            reactions.append(done - (listener.at or done))
            print(f"trial {trial + 1}: load → done {totals[-1]:.2f} s, third reading → done "
                  f"{reactions[-1]:.2f} s", flush=True)
            await asyncio.to_thread(load, client, name, False)
            # The policy scales back in by itself (3 readings under); scaling by hand here
            # would race its acts.
            await until(lambda: len(running(client, name)) == 1, 60, "the scale back to 1")
            await until(lambda: not any(p.busy for p in watch.policies.policies), 60,
                        "the scale-in to finish")
            await asyncio.sleep(4)  # idle readings again: the counts restart
    finally:
        runner.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await runner
    return totals, reactions


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=5)
    parser.add_argument("--refresh", type=float, default=1.0, help="[ui] refresh_interval")
    parser.add_argument("--anchor", type=int, default=10,
                        help="trials of Swarm's own reaction (0: skip)")
    options = parser.parse_args(argv)
    client = docker.DockerClient(base_url=HOST)
    name = f"fintui-bench-{uuid.uuid4().hex[:8]}-burn"
    with tempfile.TemporaryDirectory(prefix="fintui-bench-") as folder:
        config = Path(folder) / "fintui.toml"
        config.write_text(
            f'[ui]\nrefresh_interval = {options.refresh:g}\n\n[paths]\nstate_dir = '
            f'"{folder}/state"\n\n[alerts]\nstate_file = "{folder}/state/alerts.toml"\n\n'
            f'[[policies.autoscale]]\nname = "bench"\nservice = "{name}"\nmetric = "cpu"\n'
            'scale_out_above = 12\nscale_in_below = 5\nsamples = 3\nmin = 1\nmax = 2\n'
            'cooldown = "0s"\n', encoding="utf-8")
        with burner(client, name) as service:
            totals, reactions = asyncio.run(trials(client, service, config, options.trials))
    print(f"autoscale (refresh {options.refresh:g} s, 3 samples), median of {len(totals)}: "
          f"load → scale-out done {statistics.median(totals):.2f} s "
          f"(min {min(totals):.2f}, max {max(totals):.2f}); third reading → done "
          f"{statistics.median(reactions):.2f} s (min {min(reactions):.2f}, max "
          f"{max(reactions):.2f}; goal ≤ 10 s)")
    if options.anchor:
        try:
            from benchmarks.swarm_anchor import measure_swarm_reaction
        except ImportError:
            print("benchmarks/swarm_anchor.py is not there: no anchor")
        else:
            print(measure_swarm_reaction(client, trials=options.anchor).line())
    client.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
