"""Bytes fintui writes to the terminal per refresh: with nothing changing, and with 100
containers changing every refresh. Run by hand; reported as ratios against the anchor, a
full-screen repaint measured in the same run and terminal size.

    .venv/bin/python benchmarks/redraw_bytes.py [--size 160x48] [--seconds 8]

The console runs in a real pseudo-terminal (TERM=xterm-256color) on the demo cluster with
100 containers; the parent counts every byte the console writes to it."""

from __future__ import annotations

import argparse
import fcntl
import os
import pty
import select
import struct
import sys
import tempfile
import termios
import time
from pathlib import Path

REFRESH = 0.5  # seconds between sweeps in the measured console
CONTAINERS = 100


def child(mode: str) -> None:
    """The console, in this process, on a 100-container demo cluster."""
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from textual.binding import Binding

    from fintui.cli import build_parser
    from fintui.config import load_settings
    from fintui.model import ClusterSnapshot
    from fintui.sources.demo import DemoCluster, DemoSpec
    from fintui.tui.app import FintuiApp
    from fintui.wiring import build_parts

    config = Path(tempfile.mkdtemp()) / "bench.toml"
    config.write_text(f"[ui]\nrefresh_interval = {REFRESH}\n[paths]\n"
                      f"state_dir = \"{config.parent}\"\n")
    args = build_parser().parse_args(["--demo", "--as", "bench", "--config", str(config)])
    parts = build_parts(args, load_settings(args.config))
    cluster = parts.source
    assert isinstance(cluster, DemoCluster)
    cluster.specs = [DemoSpec(f"bench-{i:03}", "bench/app:1.0", service=f"svc{i % 7}",
                              cpu=5.0 + i % 50, behaviour="steady") for i in range(CONTAINERS)]
    if mode == "idle":
        first: list[ClusterSnapshot] = []
        sweep = cluster.sweep

        async def frozen() -> ClusterSnapshot:
            # The same snapshot every time: nothing on screen has a reason to change.
            if not first:
                first.append(await sweep())
            return first[0]

        cluster.sweep = frozen  # type: ignore[method-assign]

    class Bench(FintuiApp):
        BINDINGS = [*FintuiApp.BINDINGS,
                    Binding("ctrl+r", "repaint", "Repaint", id="bench.repaint")]

        def action_repaint(self) -> None:
            self.screen.refresh(repaint=True)  # every cell of the screen, written again

    Bench(parts).run()


def measure(mode: str, cols: int, rows: int, seconds: float) -> tuple[float, float, int]:
    """(bytes per refresh in steady state, bytes of one full repaint, refreshes counted)."""
    pid, fd = pty.fork()
    if pid == 0:
        os.environ["TERM"] = "xterm-256color"
        os.environ.pop("NO_COLOR", None)
        os.environ["XDG_CONFIG_HOME"] = tempfile.mkdtemp()  # the default theme, no saved one
        child(mode)
        os._exit(0)
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))

    def drain(duration: float) -> int:
        total, end = 0, time.monotonic() + duration
        while (left := end - time.monotonic()) > 0:
            ready, _, _ = select.select([fd], [], [], left)
            if ready:
                try:
                    total += len(os.read(fd, 65536))
                except OSError:
                    break
        return total

    drain(8.0)  # start, first paint, sparklines filling: not what is measured
    steady = drain(seconds)
    refreshes = round(seconds / REFRESH)
    repaints = []
    for _ in range(3):
        drain(REFRESH / 2)
        os.write(fd, b"\x12")  # ctrl+r
        # A repaint plus at most one refresh arrives in the next half interval.
        repaints.append(drain(REFRESH) - steady / refreshes)
    os.write(fd, b"q")
    drain(1.0)
    os.waitpid(pid, 0)
    os.close(fd)
    return steady / refreshes, sorted(repaints)[1], refreshes


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", default="160x48")
    parser.add_argument("--seconds", type=float, default=8.0)
    args = parser.parse_args()
    cols, rows = (int(n) for n in args.size.split("x"))
    print(f"terminal {cols}x{rows}, {CONTAINERS} containers, refresh every {REFRESH}s, "
          f"{args.seconds}s measured")
    for mode, what in (("idle", "nothing changing"), ("busy", f"{CONTAINERS} containers "
                                                              "changing")):
        per_refresh, repaint, count = measure(mode, cols, rows, args.seconds)
        print(f"{what:<28} {per_refresh:>9.0f} B/refresh  over {count} refreshes;  "
              f"full repaint (anchor) {repaint:>7.0f} B;  ratio {per_refresh / repaint:.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
