"""fintui at scale against `docker stats`, on the real daemon. Run by hand (as a user who
may use the Docker socket; root for the daemon's CPU figures):

    .venv/bin/python benchmarks/scale.py [--sizes 50,200,500] [--steady 60]

For each N it starts N idle and N/10 busy containers (named fintui-bench-<run>-..., removed
afterwards, whatever happens) and measures, in the same run:
  - one full sweep (list + stats of every container): fintui's source through the API and
    through the kernel (cgroups), vs `docker stats --no-stream` over the same containers:
    wall time, CPU seconds of the process and of dockerd, and the ratios;
  - steady state at a 1 s refresh for --steady seconds: CPU % of one core and peak RSS of a
    fintui collector loop, and of `docker stats` streaming, plus dockerd's CPU for each;
  - the Containers pane's update time per refresh with N rows (Pilot, headless) and the
    key-press latency while it refreshes.
Ratios are against `docker stats` measured in the same run, never absolute targets."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import fcntl
import os
import pty
import select
import signal
import statistics
import struct
import subprocess
import sys
import tempfile
import termios
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import docker
import psutil

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from fintui.clock import SystemClock
from fintui.sources.cgroup_stats import CgroupReader, CgroupUnavailable
from fintui.sources.docker_engine import DockerEngineSource
from fintui.sources.engine_client import EngineClient, parse_endpoint

HOST = os.environ.get("DOCKER_HOST") or "unix:///var/run/docker.sock"
IMAGE = "fintui-test/busybox:latest"  # python -m tests.integration.busybox_image
# A few % of a core each: N/10 of them must not saturate a 2-core machine by themselves.
BUSY = "while true; do i=0; while [ $i -lt 300 ]; do i=$((i+1)); done; sleep 0.1; done"


def dockerd() -> psutil.Process | None:
    for proc in psutil.process_iter(["name"]):
        if proc.info["name"] == "dockerd":
            return proc
    return None


def cpu_seconds(proc: psutil.Process | None) -> float:
    if proc is None:
        return float("nan")
    try:
        times = proc.cpu_times()
        return float(times.user + times.system)
    except psutil.Error:
        return float("nan")


@contextlib.contextmanager
def containers(client: docker.DockerClient, n: int, prefix: str) -> Iterator[list[str]]:
    names: list[str] = []
    try:
        for i in range(n + n // 10):
            busy = i >= n
            name = f"{prefix}{'busy' if busy else 'idle'}-{i:03}"
            client.containers.run(IMAGE, ["sh", "-c", BUSY] if busy else ["sleep", "36000"],
                                  name=name, detach=True, labels={"fintui.bench": prefix},
                                  network_mode="bridge")
            names.append(name)
        yield names
    finally:
        for item in client.containers.list(all=True, filters={"label": f"fintui.bench={prefix}"}):
            with contextlib.suppress(docker.errors.APIError):
                item.remove(force=True)


def source(kernel: bool) -> DockerEngineSource:
    cgroups = None
    if kernel:
        try:
            cgroups = CgroupReader()
        except CgroupUnavailable as exc:
            print(f"  (no kernel path here: {exc})")
    return DockerEngineSource(EngineClient(parse_endpoint(HOST), 30, 5), SystemClock(), 128,
                              30, cgroups=cgroups)


def timed(action: Callable[[], Any], daemon: psutil.Process | None) -> tuple[float, float, float]:
    """(wall s, this process's CPU s incl. children, dockerd CPU s) of one call."""
    d0, c0, w0 = cpu_seconds(daemon), _own_cpu(), time.perf_counter()
    action()
    return time.perf_counter() - w0, _own_cpu() - c0, cpu_seconds(daemon) - d0


def _own_cpu() -> float:
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


def fintui_sweep(kernel: bool, daemon: psutil.Process | None) -> tuple[float, float, float]:
    """(wall s, CPU s, dockerd CPU s) of one sweep by fintui's source, after a warm-up sweep
    (inspect cache filled, a previous CPU sample held: as every sweep after the first)."""
    async def run() -> tuple[float, float, float]:
        src = source(kernel)
        try:
            await src.sweep()
            d0, c0, t0 = cpu_seconds(daemon), _own_cpu(), time.perf_counter()
            await src.sweep()
            return time.perf_counter() - t0, _own_cpu() - c0, cpu_seconds(daemon) - d0
        finally:
            await src.close()

    return asyncio.run(run())


def docker_stats_once(names: list[str]) -> Callable[[], Any]:
    return lambda: subprocess.run(["docker", "stats", "--no-stream", *names],
                                  capture_output=True, check=True, timeout=600)


class Exited(Exception):
    """The measured command ended by itself; the message is its last line of output."""


def steady(command: list[str], seconds: float, daemon: psutil.Process | None
           ) -> tuple[float, float, float]:
    """(CPU % of one core, peak RSS MiB, dockerd CPU % of one core) of a command run in a
    pseudo-terminal (the console draws as it would for a person) over `seconds`. Raises
    Exited when the command gives up before the end (docker stats does, at a few hundred
    containers: "timeout waiting for stats")."""
    pid, fd = pty.fork()
    if pid == 0:
        os.environ["TERM"] = "xterm-256color"
        os.execvp(command[0], command)
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", 48, 160, 0, 0))
    ps = psutil.Process(pid)
    tail = [b""]

    def drain(duration: float) -> None:
        end = time.monotonic() + duration
        while (left := end - time.monotonic()) > 0:
            if select.select([fd], [], [], min(left, 0.5))[0]:
                try:
                    tail[0] = (tail[0] + os.read(fd, 65536))[-4096:]
                except OSError:
                    return

    def ended() -> bool:
        with contextlib.suppress(ChildProcessError):
            return os.waitpid(pid, os.WNOHANG)[0] != 0
        return True

    drain(8.0)  # start-up and the first sweeps are not steady state
    c0, d0, t0 = cpu_seconds(ps), cpu_seconds(daemon), time.monotonic()
    peak = 0.0
    gave_up = False
    while time.monotonic() - t0 < seconds and not gave_up:
        with contextlib.suppress(psutil.Error):
            peak = max(peak, ps.memory_info().rss / 2**20)
        drain(0.5)
        gave_up = ended()
    c1, d1, elapsed = cpu_seconds(ps), cpu_seconds(daemon), time.monotonic() - t0
    if not gave_up:
        os.kill(pid, signal.SIGTERM)
        for _ in range(30):  # a child that ignores SIGTERM gets SIGKILL after 3 s
            drain(0.1)
            if ended():
                break
        else:
            os.kill(pid, signal.SIGKILL)
            with contextlib.suppress(ChildProcessError):
                os.waitpid(pid, 0)
    os.close(fd)
    if gave_up:
        lines = [line for line in tail[0].decode("utf-8", "replace").splitlines()
                 if line.strip()]
        raise Exited(lines[-1].strip() if lines else "no output")
    return (c1 - c0) / elapsed * 100, peak, (d1 - d0) / elapsed * 100


async def api_streams(ids: list[str], seconds: float, daemon: psutil.Process | None
                      ) -> tuple[float, float, float]:
    """What docker stats (and ctop, lazydocker) do underneath: one streaming stats request
    per container. (samples per container per second, this process's CPU %, dockerd CPU %)
    over `seconds`, after a few seconds of start-up."""
    import aiohttp

    counts = dict.fromkeys(ids, 0)
    me = psutil.Process()
    connector = aiohttp.UnixConnector(path=HOST.removeprefix("unix://"), limit=0)
    timeout = aiohttp.ClientTimeout(total=None)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:

        async def follow(cid: str) -> None:
            async with session.get(f"http://docker/containers/{cid}/stats",
                                   params={"stream": "1"}) as resp:
                async for _line in resp.content:
                    counts[cid] += 1

        tasks = [asyncio.ensure_future(follow(cid)) for cid in ids]
        await asyncio.sleep(8.0)
        before = dict(counts)
        c0, d0, t0 = cpu_seconds(me), cpu_seconds(daemon), time.monotonic()
        await asyncio.sleep(seconds)
        c1, d1, elapsed = cpu_seconds(me), cpu_seconds(daemon), time.monotonic() - t0
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
    rate = sum(counts[c] - before[c] for c in ids) / len(ids) / elapsed
    return rate, (c1 - c0) / elapsed * 100, (d1 - d0) / elapsed * 100


@dataclass
class PaneTiming:
    update_ms: float  # the pane's own work: refresh_rows plus drawing the lines it changed
    round_trip_ms: float  # refresh_rows, then Pilot's wait until the screen is idle
    idle_ms: float  # the anchor: Pilot's wait with nothing to do
    key_ms: float  # a key press until the cursor moved, while refreshing


async def pane_timing(n: int) -> PaneTiming:
    """Medians over 15 refreshes of the Containers pane with n rows, on the demo cluster
    grown to n containers, headless."""
    from fintui.cli import build_parser
    from fintui.config import load_settings
    from fintui.sources.demo import DemoCluster, DemoSpec
    from fintui.tui.app import FintuiApp
    from fintui.tui.panes.containers import ContainersPane
    from fintui.tui.widgets.row_table import RowTable
    from fintui.wiring import build_parts

    folder = Path(tempfile.mkdtemp())
    config = folder / "bench.toml"
    config.write_text(f'[ui]\nrefresh_interval = 3600.0\n[paths]\nstate_dir = "{folder}"\n')
    args = build_parser().parse_args(["--demo", "--as", "bench", "--config", str(config)])
    parts = build_parts(args, load_settings(args.config))
    cluster = parts.source
    assert isinstance(cluster, DemoCluster)
    cluster.specs = [DemoSpec(f"bench-{i:04}", "bench/app:1.0", service=f"svc{i % 9}",
                              cpu=5.0 + i % 50) for i in range(n)]
    app = FintuiApp(parts)
    drawing = [0.0]
    render_line = RowTable.render_line

    def timed_render_line(self: RowTable, y: int) -> Any:
        t0 = time.perf_counter()
        try:
            return render_line(self, y)
        finally:
            drawing[0] += time.perf_counter() - t0

    updates: list[float] = []
    trips: list[float] = []
    idle: list[float] = []
    keys: list[float] = []
    RowTable.render_line = timed_render_line  # type: ignore[method-assign]
    try:
        async with app.run_test(size=(160, 48)) as pilot:
            while app.snapshots_seen < 1:
                await pilot.pause(0.05)
            pane = app.query_one(ContainersPane)
            for _ in range(15):
                t0 = time.perf_counter()
                await pilot.pause()
                idle.append((time.perf_counter() - t0) * 1000)
                app.state.update(await cluster.sweep())  # new numbers in every row
                drawing[0] = 0.0
                t0 = time.perf_counter()
                pane.refresh_rows()
                rows_done = time.perf_counter()
                await pilot.pause()  # until the screen has been drawn
                trips.append((time.perf_counter() - t0) * 1000)
                updates.append((rows_done - t0 + drawing[0]) * 1000)
                t0 = time.perf_counter()
                before = pane.table.cursor_row
                await pilot.press("j")
                while pane.table.cursor_row == before:
                    await pilot.pause(0)
                keys.append((time.perf_counter() - t0) * 1000)
    finally:
        RowTable.render_line = render_line  # type: ignore[method-assign]
    return PaneTiming(statistics.median(updates), statistics.median(trips),
                      statistics.median(idle), statistics.median(keys))


def main() -> int:
    # A kill (timeout, ctrl+c) still runs the cleanup of the containers this run made.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="50,200,500")
    parser.add_argument("--steady", type=float, default=60.0, help="seconds of steady state")
    args = parser.parse_args()
    client = docker.DockerClient(base_url=HOST, timeout=120)
    daemon = dockerd()
    prefix = f"fintui-bench-{uuid.uuid4().hex[:6]}-"
    print(f"dockerd {client.version()['Version']}, {psutil.cpu_count()} CPUs, "
          f"daemon CPU {'measured' if daemon else 'not visible'}")
    for n in (int(x) for x in args.sizes.split(",")):
        with containers(client, n, prefix) as names:
            print(f"\nN={n} idle + {n // 10} busy ({len(names)} containers)")
            time.sleep(3)
            rows = [("docker stats --no-stream", *timed(docker_stats_once(names), daemon)),
                    ("fintui sweep, API", *fintui_sweep(False, daemon)),
                    ("fintui sweep, kernel", *fintui_sweep(True, daemon))]
            anchor = rows[0][1]
            print(f"  {'one full sweep':<26} {'wall s':>7} {'x faster':>9} {'CPU s':>7} "
                  f"{'dockerd CPU s':>14}")
            for label, wall, cpu, daemon_cpu in rows:
                print(f"  {label:<26} {wall:>7.2f} {anchor / wall:>9.1f} {cpu:>7.2f} "
                      f"{daemon_cpu:>14.2f}")
            if args.steady > 0:
                config = Path(tempfile.mkdtemp()) / "steady.toml"
                config.write_text('[ui]\nrefresh_interval = 1.0\n[paths]\n'
                                  f'state_dir = "{config.parent}"\n')
                python = [sys.executable, "-m", "fintui", "--host", HOST, "--config",
                          str(config)]
                print(f"  {'steady state, 1 s':<26} {'CPU %':>7} {'peak RSS MiB':>13} "
                      f"{'dockerd CPU %':>14}")
                for label, command in (
                        ("docker stats (stream)", ["docker", "stats", *names]),
                        ("fintui console", python)):
                    try:
                        cpu_pct, rss, daemon_pct = steady(command, args.steady, daemon)
                    except Exited as exc:
                        print(f"  {label:<26} gave up: {exc}")
                        continue
                    print(f"  {label:<26} {cpu_pct:>7.1f} {rss:>13.0f} {daemon_pct:>14.1f}")
                ids = [c.id for c in client.containers.list(
                    filters={"label": f"fintui.bench={prefix}"})]
                rate, cpu_pct, daemon_pct = asyncio.run(api_streams(ids, args.steady, daemon))
                print(f"  {'one stats stream each':<26} {cpu_pct:>7.1f} {'-':>13} "
                      f"{daemon_pct:>14.1f}   ({rate:.2f} samples/s per container)")
        pane = asyncio.run(pane_timing(n))
        print(f"  Containers pane, {n} rows: update {pane.update_ms:.1f} ms per refresh "
              f"(median; Pilot round trip {pane.round_trip_ms:.1f} ms against an idle "
              f"anchor of {pane.idle_ms:.1f} ms), key latency {pane.key_ms:.1f} ms")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
