"""The log viewer on a 10,000-line backlog: how long until the whole backlog is shown, and what
one repaint of the screen's rows costs, plain and with a search highlighted. Run by hand:

    .venv/bin/python -m benchmarks.log_viewer [--screen PATH/logs.py] [--lines 10000]
        [--repeat 5]

`--screen` loads another copy of fintui/tui/screens/logs.py (e.g. `git show HEAD~1:...` into a
file) to compare: the same backlog, terminal size and machine. Lines are 60 to 400 characters,
one in seven a WARN and one in eleven an ERROR, as a noisy service writes them."""

from __future__ import annotations

import argparse
import asyncio
import importlib.util
import random
import statistics
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from textual.app import App
from textual.widgets import Log

from fintui.model import Container

ROOT = Path(__file__).resolve().parent.parent
CONTAINER = Container(id="c1", name="bench", image="busybox", state="running", status="Up")


def backlog(count: int) -> list[str]:
    rng = random.Random(17)
    words = ["order", "fill", "XSHG", "10.25", "latency=3ms", "id=42", "venue", "[bold]x[/]"]
    out = []
    for i in range(count):
        level = "ERROR" if i % 11 == 0 else "WARN" if i % 7 == 0 else "INFO"
        body = " ".join(rng.choice(words) for _ in range(rng.randint(8, 60)))
        out.append(f"2026-05-09T07:35:25.{i:06d}Z {level} {body}")
    return out


class Backlog:
    def __init__(self, lines: list[str]) -> None:
        self.lines = lines

    async def logs(self, container_id: str, tail: int, follow: bool,
                   timestamps: bool = False) -> AsyncIterator[str]:
        for line in self.lines:
            yield line
        await asyncio.Event().wait()  # then follows, writing nothing more

    async def details(self, container_id: str) -> Any:
        raise RuntimeError("not asked: the stream never ends")


def load_screen(path: Path) -> Any:
    spec = importlib.util.spec_from_file_location("logs_under_test", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.LogScreen


async def one_run(screen_cls: Any, lines: list[str]) -> tuple[float, float, float]:
    """(seconds until the backlog is shown, ms per repaint plain, ms per repaint searched)."""
    app: App[Any] = App()
    async with app.run_test(size=(160, 48)) as pilot:
        start = time.perf_counter()
        screen = screen_cls(Backlog(lines), CONTAINER, 500)
        await app.push_screen(screen)
        log = screen.query_one(Log)
        while log.line_count < len(lines):
            await asyncio.sleep(0.001)
        await pilot.pause()
        shown = time.perf_counter() - start

        def repaint_ms() -> float:
            rows = log.scrollable_content_region.height
            began = time.perf_counter()
            for _ in range(20):
                for y in range(rows):
                    log.render_line(y)
            return (time.perf_counter() - began) * 1000 / 20

        plain = repaint_ms()
        await pilot.press("slash", *"xshg", "space", *"order", "enter")
        await pilot.pause()
        if hasattr(screen, "action_toggle_filter"):  # all lines, the matches highlighted
            await pilot.press("ampersand")
            await pilot.pause()
        searched = repaint_ms()
    return shown, plain, searched


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--screen", type=Path, default=ROOT / "fintui/tui/screens/logs.py")
    parser.add_argument("--lines", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    screen_cls = load_screen(args.screen)
    lines = backlog(args.lines)
    runs = [asyncio.run(one_run(screen_cls, lines)) for _ in range(args.repeat)]
    shown, plain, searched = (statistics.median(r[i] for r in runs) for i in range(3))
    print(f"screen {args.screen}")
    print(f"backlog shown in {shown:.3f} s (median of {args.repeat}); one repaint of the rows: "
          f"{plain:.2f} ms plain, {searched:.2f} ms with a search highlighted")


if __name__ == "__main__":
    main()
