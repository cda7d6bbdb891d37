"""The attached paths against `docker stats --no-stream`, on the real daemon. Run by hand:

    .venv/bin/python benchmarks/agent_paths.py [--n 200]

Starts N idle and N/10 busy containers (fintui-bench-<run>-..., removed afterwards) and, in the
same run, measures wall time (median of 5) of:
  - the anchor: `docker stats --no-stream` over those containers;
  - `fintui --no-agent status --json` (one sweep from this process: today's path);
  - `fintui --agent SOCK status --json` with an agent running (the agent's document);
  - a console attached to that agent: from start to its first screen with every row
    (in-process, headless Pilot).
Ratios are against the anchor measured in the same run. One more `--no-agent status --json` goes
through a counting proxy in front of the daemon's socket, and the container inspects it asked
for are said (the acceptance line: none inspected more than once a sweep). `status` sweeps
every container on the daemon, not only the benchmark's: run it on a quiet daemon."""

from __future__ import annotations

import argparse
import asyncio
import collections
import json
import os
import re
import shutil
import signal
import socket
import socketserver
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
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


DAEMON_SOCKET = "/var/run/docker.sock"
INSPECT = re.compile(rb"GET /v[0-9.]+/containers/([0-9a-f]{64})/json[ ?]")


class _Pipe(socketserver.BaseRequestHandler):
    """One client connection relayed to the daemon; request lines going up are scanned for
    container inspects (HTTP/1.1 keep-alive: several requests share one connection)."""

    counts: collections.Counter[str]
    lock: threading.Lock

    def handle(self) -> None:
        upstream = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        upstream.connect(DAEMON_SOCKET)
        down = threading.Thread(target=_relay, args=(upstream, self.request), daemon=True)
        down.start()
        tail = b""  # a request line split between two reads is counted once it is whole
        try:
            while data := self.request.recv(65536):
                seen = tail + data
                whole = seen.rfind(b"\n") + 1
                with self.lock:
                    self.counts.update(m.group(1).decode()
                                       for m in INSPECT.finditer(seen, 0, whole))
                tail = seen[whole:][-4096:]
                upstream.sendall(data)
        except OSError:
            pass
        finally:
            upstream.close()
            down.join(5)


def _relay(src: socket.socket, dst: socket.socket) -> None:
    try:
        while data := src.recv(65536):
            dst.sendall(data)
    except OSError:
        pass
    finally:
        with suppress(OSError):
            dst.shutdown(socket.SHUT_WR)


@contextmanager
def counting_proxy(path: Path) -> Iterator[collections.Counter[str]]:
    """A unix socket at `path` in front of the daemon's; yields inspects by container id."""
    counts: collections.Counter[str] = collections.Counter()
    handler = type("Counting", (_Pipe,), {"counts": counts, "lock": threading.Lock()})

    class Server(socketserver.ThreadingUnixStreamServer):
        # fintui opens a connection per container at once: the default backlog of 5
        # would refuse most of them, and those rows would go without their inspect.
        request_queue_size = 4096
        daemon_threads = True

    server = Server(str(path), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield counts
    finally:
        server.shutdown()
        server.server_close()
        path.unlink(missing_ok=True)


def status_inspects(config: Path, proxy: Path) -> tuple[int, int, int]:
    """(containers shown, inspects asked, most inspects of one container) for one
    `--no-agent status --json` through the counting proxy."""
    with counting_proxy(proxy) as counts:
        done = subprocess.run([sys.executable, "-m", "fintui", "--config", str(config),
                               "--host", f"unix://{proxy}", "--no-agent", "status", "--json"],
                              check=True, capture_output=True)
    shown = len(json.loads(done.stdout)["containers"])
    return shown, sum(counts.values()), max(counts.values(), default=0)


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
    parser.add_argument("--prefix", default="fintui-bench-",
                        help="container names start with this, then the run's id")
    opts = parser.parse_args()
    client = docker.from_env()
    prefix = f"{opts.prefix}{uuid.uuid4().hex[:6]}-"
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
            shown, inspects, most = status_inspects(config, work / "count.sock") \
                if os.path.exists(DAEMON_SOCKET) else (0, 0, 0)
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
    if shown:
        print(f"  its inspects: {inspects} for {shown} containers shown "
              f"(at most {most} of one)")
    print(f"status --json via the agent   {attached:7.3f} s  {attached / anchor:5.2f}x")
    print(f"attached console, full screen {screen:7.3f} s  {screen / anchor:5.2f}x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
