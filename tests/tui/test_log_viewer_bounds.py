"""The log viewer on a flood: memory stays within its budget however long the lines, long lines
show as marked rows with markup left literal, and the screen keeps answering meanwhile."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from itertools import pairwise
from typing import Any, cast

from textual.app import App
from textual.widgets import Log

from fintui.core.log_lines import CONTINUED, CONTINUES
from fintui.model import Container
from fintui.tui.screens.logs import MAX_CHARS, MAX_LINES, ROW_CHARS, LogScreen
from fintui.watch.reads import ContainerReads, SourceUnavailable
from tests.tui.helpers import screen_text

CONTAINER = Container(id="c1", name="flood", image="busybox", state="running", status="Up")


class Backlog:
    """A log source whose whole backlog is ready at once: it never waits between lines."""

    def __init__(self, lines: list[str]) -> None:
        self.lines = lines

    async def logs(self, container_id: str, tail: int, follow: bool,
                   timestamps: bool = False) -> AsyncIterator[str]:
        for line in self.lines:
            yield line

    async def details(self, container_id: str) -> Any:
        raise SourceUnavailable("no daemon behind this fake")


async def open_viewer(app: App[Any], lines: list[str]) -> LogScreen:
    screen = LogScreen(cast(ContainerReads, Backlog(lines)), CONTAINER, tail=100)
    await app.push_screen(screen)
    return screen


async def until_ended(screen: LogScreen, seconds: float = 60.0) -> None:
    start = time.monotonic()
    while not screen.ended and time.monotonic() - start < seconds:
        await asyncio.sleep(0.05)
    assert screen.ended == "ended: stream closed"


async def test_long_lines_stay_within_the_budget_as_marked_literal_rows() -> None:
    # 200 pieces of 64 Ki characters: 12.5 Mi characters, more than the viewer may keep.
    piece = "[bold]" + "x" * (64 * 1024 - 12) + "[/bold]"
    lines = ["first"] + [piece] * 200 + ["[red]last[/red]"]
    app: App[Any] = App()
    async with app.run_test(size=(120, 30)) as pilot:
        screen = await open_viewer(app, lines)
        await until_ended(screen)
        await pilot.pause()
        log = screen.query_one(Log)
        kept = list(screen.lines)
        assert sum(len(line) + 1 for line in kept) <= MAX_CHARS and len(kept) <= MAX_LINES
        assert kept[-1] == "[red]last[/red]" and "first" not in kept  # the oldest went
        assert list(log.lines) == kept  # what is shown is what is kept, no more
        rows = kept[-2 - len(piece) // ROW_CHARS:-1]  # the rows of the last long piece
        assert all(len(row) <= ROW_CHARS + len(CONTINUES) + len(CONTINUED) for row in kept)
        assert rows[0].startswith("[bold]") and rows[0].endswith(CONTINUES)
        assert all(r.startswith(CONTINUED) and r.endswith(CONTINUES) for r in rows[1:-1])
        assert rows[-1] == CONTINUED + piece[-(len(piece) % ROW_CHARS):]
        shown = screen_text(app)
        assert "[red]last[/red]" in shown and CONTINUED + "x" in shown


async def test_a_big_backlog_never_holds_the_screen_up() -> None:
    lines = [f"2026-05-17T09:00:00.{i:06d}Z order {i} filled" for i in range(40_000)]
    app: App[Any] = App()
    async with app.run_test(size=(120, 30)) as pilot:
        ticks = [time.perf_counter()]

        async def probe() -> None:
            while True:
                await asyncio.sleep(0.01)
                ticks.append(time.perf_counter())

        ticking = asyncio.create_task(probe())
        screen = await open_viewer(app, lines)
        await until_ended(screen)
        ticking.cancel()
        ticks.append(time.perf_counter())  # a loop held to the end never ticked at all
        longest = max(b - a for a, b in pairwise(ticks))
        await pilot.pause()
        log = screen.query_one(Log)
        assert log.line_count == MAX_LINES and log.lines[-1] == lines[-1]
        # Batches of lines with a yield between them: the loop never waits for the backlog.
        assert longest < 0.5, f"the event loop stalled {longest:.2f} s"
