"""Agent plus one attached console against today's in-process console, on the real daemon.
Run by hand:

    .venv/bin/python -m benchmarks.agent_cpu [--n 500] [--seconds 60]

Starts N idle and N/10 busy containers (fintui-bench-<run>-..., removed afterwards), then for
--seconds each, in the same run:
  - an in-process console (`--no-agent`, headless): its CPU seconds, peak RSS, sweeps shown;
  - `fintui agent` plus one console attached to it (headless): CPU of both together, each
    one's RSS, snapshots the console was sent.
Prints the CPU ratio (agent + console) / in-process console, the refresh rate each console
saw (sweeps per second: every container is updated on each) and the agent's own sweep rate
(from its /v1/agent "sweeps"), which bounds what an attached console can see.

--profile DIR runs each of the three processes under cProfile and writes DIR/alone.prof,
DIR/agent.prof and DIR/attached.prof (read them with `python -m pstats`); its CPU figures
include the profiler's overhead, so take the ratio from a run without it."""

from __future__ import annotations

import argparse
import json
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import docker
import psutil

from benchmarks.scale import containers


def console(config: Path, seconds: float, agent: str) -> None:
    """In a child process: a headless console for `seconds`, then its sweep count as JSON."""
    import asyncio

    from fintui.cli import build_parser
    from fintui.config import load_settings
    from fintui.tui.app import FintuiApp
    from fintui.wiring import build_parts

    flags = ["--agent", agent] if agent else ["--no-agent"]
    args = build_parser().parse_args(["--config", str(config), *flags])
    app = FintuiApp(build_parts(args, load_settings(args.config)))

    async def run() -> None:
        async with app.run_test(size=(160, 50)) as pilot:
            while app.snapshots_seen == 0:
                await pilot.pause(0.05)
            first = app.snapshots_seen
            await pilot.pause(seconds)
            print(json.dumps({"sweeps": app.snapshots_seen - first}), flush=True)

    asyncio.run(run())


def agent_sweeps(socket: Path) -> int:
    """How many sweeps the agent has made since it started."""
    import asyncio

    from fintui.agent.client import AgentClient

    async def ask() -> int:
        async with AgentClient(socket, timeout=10.0) as client:
            return int((await client.info())["sweeps"])

    return asyncio.run(ask())


def python(profile: Path | None, name: str) -> list[str]:
    """The interpreter's command line, under cProfile writing `name`.prof when profiling."""
    if profile is None:
        return [sys.executable]
    return [sys.executable, "-m", "cProfile", "-o", str(profile / f"{name}.prof")]


def measure(command: list[str], others: list[psutil.Process]) -> dict[str, float]:
    """Run a console child to its end; CPU of it and of `others` over the same time."""
    before = [p.cpu_times() for p in others]
    child = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    proc = psutil.Process(child.pid)
    peak = 0
    while child.poll() is None:
        try:
            peak = max(peak, proc.memory_info().rss)
            times = proc.cpu_times()
        except psutil.NoSuchProcess:
            break
        time.sleep(0.5)
    out, _ = child.communicate()
    other_cpu = sum((a.user + a.system) - (b.user + b.system)
                    for a, b in zip([p.cpu_times() for p in others], before, strict=True))
    return {"cpu": times.user + times.system, "rss": peak, "others_cpu": other_cpu,
            "others_rss": sum(p.memory_info().rss for p in others),
            "sweeps": json.loads(out.strip().splitlines()[-1])["sweeps"]}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, default=500)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--console", metavar="CONFIG", help=argparse.SUPPRESS)
    parser.add_argument("--agent", default="", help=argparse.SUPPRESS)
    parser.add_argument("--profile", type=Path, metavar="DIR",
                        help="run each process under cProfile, writing DIR/<process>.prof")
    opts = parser.parse_args()
    if opts.console:
        console(Path(opts.console), opts.seconds, opts.agent)
        return 0
    client = docker.from_env()
    prefix = f"fintui-bench-{uuid.uuid4().hex[:6]}-"
    work = Path(tempfile.mkdtemp(prefix="fac-", dir="/tmp"))
    config = work / "fintui.toml"
    config.write_text(f'[paths]\nstate_dir = "{work / "state"}"\n[ui]\nrefresh_interval = 1.0\n')
    socket = work / "agent.sock"
    me = ["-m", "benchmarks.agent_cpu", "--seconds", str(opts.seconds), "--console", str(config)]
    if opts.profile:
        opts.profile.mkdir(parents=True, exist_ok=True)
    try:
        with containers(client, opts.n, prefix):
            time.sleep(5)
            alone = measure([*python(opts.profile, "alone"), *me], [])
            agent = subprocess.Popen([*python(opts.profile, "agent"), "-m", "fintui",
                                      "--config", str(config), "--agent", str(socket), "agent"],
                                     stderr=subprocess.DEVNULL)
            try:
                time.sleep(5)
                started, swept = time.monotonic(), agent_sweeps(socket)
                attached = measure([*python(opts.profile, "attached"), *me, "--agent",
                                    str(socket)], [psutil.Process(agent.pid)])
                agent_rate = (agent_sweeps(socket) - swept) / (time.monotonic() - started)
            finally:
                agent.send_signal(signal.SIGTERM)
                agent.wait(30)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    both = attached["cpu"] + attached["others_cpu"]
    s = opts.seconds
    print(f"N={opts.n} (+{opts.n // 10} busy), {s:g} s each, refresh 1 s")
    print(f"in-process console   cpu {alone['cpu']:6.1f} s ({alone['cpu'] / s:5.1%} of a core)"
          f"  rss {alone['rss'] / 2**20:6.1f} MiB  {alone['sweeps'] / s:4.2f} sweeps/s")
    print(f"agent                cpu {attached['others_cpu']:6.1f} s"
          f"  rss {attached['others_rss'] / 2**20:6.1f} MiB  {agent_rate:4.2f} sweeps/s")
    print(f"attached console     cpu {attached['cpu']:6.1f} s"
          f"  rss {attached['rss'] / 2**20:6.1f} MiB  {attached['sweeps'] / s:4.2f} sweeps/s")
    print(f"agent + console / in-process: {both / alone['cpu']:4.2f}x CPU")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
