"""Automatic isolation's reaction time on a Swarm service, beside Swarm's own reaction to a
failed task measured in the same run. Run by hand on a Swarm manager (as a user who may use
the Docker socket):

    .venv/bin/python benchmarks/isolation_reaction.py [--trials 10] [--refresh 1]

It makes a 3-replica service of the busybox test image whose healthcheck fails while /sick
exists (interval 1 s, retries 1; named fintui-bench-<run>-iso, removed afterwards, whatever
happens), runs a paging watch in this process (as `fintui agent` does) with an alert rule
on container.unhealthy (`for = "0s"`, action isolate, max_per_hour high, max_fraction 1), and
N times: makes one healthy task sick, then waits for it to be isolated (its record finished)
and for a task that was not there before to run (its replacement). Between trials the
isolated task is removed and the service set back to 3 replicas.

Reported, median of N (and min/max):
  - fault → done: from /sick being made (its next probe fails) to isolated and replaced;
  - fired → done: from the signature firing (the alert's time) to the same (goal ≤ 5 s);
  - where the time goes: the fault seen (health probe + sweep), the decision, the plan, the
    act (forensics, cut off, pause, replicas + 1), and the replacement's start;
  - a forensics capture alone on a healthy task, at the configured [isolate] log_lines;
  - Swarm's own reaction (benchmarks/swarm_anchor.py): a task's container killed → its
    replacement running.
The service keeps a 30 s stop grace: Swarm stops an unhealthy task itself once that grace
has passed (SIGKILL, paused or not), which would otherwise race the isolation."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import docker
from docker.errors import APIError, NotFound
from docker.types import Healthcheck, ServiceMode

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.swarm_anchor import HOST, IMAGE, LABEL, measure_swarm_reaction
from fintui.cli_parser import build_parser
from fintui.config import load_settings
from fintui.ops.forensics import capture
from fintui.store.isolations import ISOLATED
from fintui.watch.watch import Watch
from fintui.wiring import build_parts

SECOND = 1_000_000_000
REPLICAS = 3
SICK = "if [ -e /sick ]; then exit 1; fi"


def config_text(state: Path, service: str, refresh: float) -> str:
    return (f'[ui]\nrefresh_interval = {refresh}\n\n[paths]\nstate_dir = "{state}"\n\n'
            f'[alerts]\nstate_file = "{state}/alerts.toml"\nunhealthy_for = "1s"\n\n'
            '[[alerts.rules]]\nname = "bench-sick"\nmetric = "container.unhealthy"\n'
            'op = "=="\nthreshold = 1\nfor = "0s"\nseverity = "warning"\naction = "isolate"\n'
            f'max_per_hour = 1000\nmax_fraction = 1.0\nscope = {{ service = "{service}" }}\n')


def tasks(client: docker.DockerClient, service: str) -> list[Any]:
    return [c for c in client.containers.list(all=True, filters={
        "label": f"com.docker.swarm.service.name={service}"}) if c.status in ("running",
                                                                                 "paused")]


def healthy(client: docker.DockerClient, service: str) -> list[Any]:
    return [c for c in tasks(client, service) if c.status == "running"
            and c.attrs["State"].get("Health", {}).get("Status") == "healthy"]


async def until(check: Callable[[], bool], seconds: float, what: str,
                step: float = 0.05) -> float:
    """time.time() when `check` first holds (polled off the loop's way)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if await asyncio.to_thread(check):
            return time.time()
        await asyncio.sleep(step)
    raise TimeoutError(f"{what}: not within {seconds:g} s")


def stats(values: list[float]) -> str:
    if not values:
        return "no samples"
    return (f"median {statistics.median(values):.3f} s (min {min(values):.3f}, "
            f"max {max(values):.3f}, n={len(values)})")


async def trial(client: docker.DockerClient, watch: Watch, service: str,
                rows: dict[str, list[float]]) -> None:
    await until(lambda: len(healthy(client, service)) >= REPLICAS
                and len(tasks(client, service)) == REPLICAS, 120, "the service settled")
    before = {c.id for c in tasks(client, service)}
    victim = (await asyncio.to_thread(healthy, client, service))[0]
    fault = time.time()
    await asyncio.to_thread(victim.exec_run, ["sh", "-c", "echo > /sick"])

    def isolated() -> bool:
        record = watch.ops.isolations.active(victim.id)
        return record is not None and record.state == ISOLATED

    def replaced() -> bool:
        return any(c.id not in before and c.status == "running"
                   for c in tasks(client, service))

    done_isolated = await until(isolated, 60, "isolated")
    done_replaced = await until(replaced, 60, "replaced")
    done = max(done_isolated, done_replaced)
    timing = watch.isolator.timing
    if timing.container != victim.name or timing.fired_at is None:
        raise RuntimeError(f"the isolator's timing is of {timing.container!r}, not "
                           f"{victim.name}")
    fired = timing.fired_at.timestamp()
    rows["fault → done"].append(done - fault)
    rows["fired → done"].append(done - fired)
    rows["fault seen (probe + sweep → fired)"].append(fired - fault)
    rows["decision"].append(timing.decided)
    rows["plan"].append(timing.planned)
    rows["act (forensics, cut off, pause, +1)"].append(timing.executed)
    rows["replacement running after isolated"].append(max(0.0, done_replaced
                                                          - done_isolated))
    # Back to three healthy tasks and nothing else, for the next trial.
    with contextlib.suppress(NotFound, APIError):
        await asyncio.to_thread(victim.remove, force=True)
    svc = await asyncio.to_thread(client.services.get, service)
    await asyncio.to_thread(svc.scale, REPLICAS)


async def capture_alone(watch: Watch, client: docker.DockerClient, service: str,
                        root: Path, n: int) -> list[float]:
    out = []
    await until(lambda: len(healthy(client, service)) >= REPLICAS
                and len(tasks(client, service)) == REPLICAS, 120, "the service settled")
    for _ in range(n):
        c = (await asyncio.to_thread(healthy, client, service))[0]
        t0 = time.monotonic()
        await capture(watch.ops.actions, c.id, c.name, root, datetime.now(UTC),
                      watch.parts.settings.isolate.log_lines)
        out.append(time.monotonic() - t0)
    return out


async def run(client: docker.DockerClient, trials: int, refresh: float) -> int:
    run_id = uuid.uuid4().hex[:8]
    service = f"fintui-bench-{run_id}-iso"
    with tempfile.TemporaryDirectory(prefix="fintui-bench-") as tmp:
        state = Path(tmp) / "state"
        config = Path(tmp) / "fintui.toml"
        config.write_text(config_text(state, service, refresh), encoding="utf-8")
        args = build_parser().parse_args(["--host", HOST, "--config", str(config),
                                          "--no-agent", "status"])
        settings = load_settings(args.config)
        svc = client.services.create(
            IMAGE, ["sleep", "36000"], name=service,
            mode=ServiceMode("replicated", REPLICAS), labels={LABEL: service},
            container_labels={LABEL: service}, stop_grace_period=30 * SECOND,
            healthcheck=Healthcheck(test=["CMD-SHELL", SICK], interval=SECOND,
                                    timeout=2 * SECOND, retries=1))
        parts = build_parts(args, settings)
        watch = Watch(parts, parts.operations(), deliver=True)
        watching = asyncio.create_task(watch.run())
        rows: dict[str, list[float]] = {k: [] for k in (
            "fault → done", "fired → done", "fault seen (probe + sweep → fired)", "decision",
            "plan", "act (forensics, cut off, pause, +1)",
            "replacement running after isolated")}
        try:
            for i in range(trials):
                await trial(client, watch, service, rows)
                print(f"  trial {i + 1}: fault → done {rows['fault → done'][-1]:.2f} s, "
                      f"fired → done {rows['fired → done'][-1]:.2f} s", flush=True)
            alone = await capture_alone(watch, client, service, Path(tmp) / "alone", trials)
        finally:
            watching.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await watching
            with contextlib.suppress(NotFound, APIError):
                svc.remove()
            for c in client.containers.list(all=True, filters={"label": f"{LABEL}={service}"}):
                with contextlib.suppress(NotFound, APIError):
                    c.remove(force=True)
    anchor = await asyncio.to_thread(measure_swarm_reaction, client, trials)
    print(f"\nAutomatic isolation on a {REPLICAS}-replica Swarm service, refresh {refresh:g} s,"
          f" healthcheck interval 1 s, retries 1, [isolate] log_lines "
          f"{settings.isolate.log_lines}:")
    for name, values in rows.items():
        print(f"  {name:40} {stats(values)}")
    print(f"  {'forensics capture alone (healthy task)':40} {stats(alone)}")
    print(f"\n{anchor.line()}")
    goal = statistics.median(rows["fired → done"]) if rows["fired → done"] else float("nan")
    print(f"goal: isolated and replaced ≤ 5 s after the signature fires: "
          f"{'met' if goal <= 5 else 'NOT met'} ({goal:.2f} s)")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--trials", type=int, default=10)
    parser.add_argument("--refresh", type=float, default=1.0,
                        help="the watch's [ui] refresh_interval in seconds")
    args = parser.parse_args(argv)
    client = docker.DockerClient(base_url=HOST)
    try:
        if client.info().get("Swarm", {}).get("LocalNodeState") != "active":
            print("this daemon is not a Swarm manager", file=sys.stderr)
            return 2
        return asyncio.run(run(client, args.trials, args.refresh))
    finally:
        client.close()


if __name__ == "__main__":
    sys.exit(main())
