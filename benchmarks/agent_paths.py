"""The attached paths against `docker stats --no-stream`, on the real daemon. Run by hand:

    .venv/bin/python benchmarks/agent_paths.py [--n 200]

Starts N idle and N/10 busy containers (fintui-bench-<run>-..., removed afterwards) and, in the
same run, measures wall time (median of 5) of:
  - the anchor: `docker stats --no-stream` over those containers;
  - `fintui --no-agent status --json` (one sweep from this process: today's path);
  - `fintui --agent SOCK status --json` with an agent running (the agent's document);
  - a console attached to that agent: from start to its first screen with every row
    (in-process, headless Pilot).
Ratios are against the anchor measured in the same run."""

from __future__ import annotations

import argparse
import asyncio
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import docker

from benchmarks.scale import containers


def median_wall(action: Callable[[], object], runs: int = 5) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def fintui(*args: str) -> Callable[[], object]:
    def run() -> object:
        return subprocess.run([sys.executable, "-m", "fintui", *args], check=True,
                              capture_output=True)
    return run


async def first_screen(socket: Path, config: Path, rows: int) -> float:
    from fintui.cli import build_parser
    from fintui.config import load_settings
    from fintui.tui.app import FintuiApp
    from fintui.wiring import build_parts

    args = build_parser().parse_args(["--config", str(config), "--agent", str(socket)])
    start = time.perf_counter()
    app = FintuiApp(build_parts(args, load_settings(args.config)))
    async with app.run_test(size=(160, 50)) as pilot:
        table = app.query_one("#containers-table")
        while getattr(table, "row_count", 0) < rows:
            await pilot.pause(0.01)
        return time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, default=200)
    opts = parser.parse_args()
    client = docker.from_env()
    prefix = f"fintui-bench-{uuid.uuid4().hex[:6]}-"
    work = Path(tempfile.mkdtemp(prefix="fab-", dir="/tmp"))
    config = work / "fintui.toml"
    config.write_text(f'[paths]\nstate_dir = "{work / "state"}"\n')
    socket = work / "agent.sock"
    try:
        with containers(client, opts.n, prefix) as names:
            anchor = median_wall(lambda: subprocess.run(
                ["docker", "stats", "--no-stream", *names], check=True, capture_output=True))
            alone = median_wall(fintui("--config", str(config), "--no-agent", "status",
                                       "--json"))
            agent = subprocess.Popen([sys.executable, "-m", "fintui", "--config", str(config),
                                      "--agent", str(socket), "agent"],
                                     stderr=subprocess.DEVNULL)
            try:
                time.sleep(5)  # a few sweeps: its stats are warm
                attached = median_wall(fintui("--config", str(config), "--agent", str(socket),
                                              "status", "--json"))
                screen = asyncio.run(first_screen(socket, config, len(names)))
            finally:
                agent.send_signal(signal.SIGTERM)
                agent.wait(30)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(f"N={opts.n} (+{opts.n // 10} busy)")
    print(f"docker stats --no-stream      {anchor:7.3f} s  (anchor)")
    print(f"status --json, no agent       {alone:7.3f} s  {alone / anchor:5.2f}x")
    print(f"status --json via the agent   {attached:7.3f} s  {attached / anchor:5.2f}x")
    print(f"attached console, full screen {screen:7.3f} s  {screen / anchor:5.2f}x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
