"""The log viewer past its cap: once the oldest lines start dropping off, a following view
still shows the newest line at the bottom, a paused one stays on the lines the user was
reading, and `f` resumes following from wherever the user is."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any, cast

from textual.app import App
from textual.pilot import Pilot
from textual.widgets import Log

from fintui.model import Container
from fintui.tui.screens.logs import MAX_LINES, LogScreen
from fintui.watch.reads import ContainerReads
from tests.tui.helpers import screen_text

CONTAINER = Container(id="c1", name="fe-x", image="busybox", state="running", status="Up")
BACKLOG = MAX_LINES + 500  # more than the viewer keeps: the oldest lines already dropped


def line(i: int) -> str:
    return f"line {i} hello"


class Chatty:
    """A followed log: a backlog past the cap at once, then the lines the test feeds."""

    def __init__(self) -> None:
        self.queue: asyncio.Queue[str | None] = asyncio.Queue()
        self.sent = BACKLOG

    def feed(self, count: int) -> None:
        for _ in range(count):
            self.sent += 1
            self.queue.put_nowait(line(self.sent))

    async def logs(self, container_id: str, tail: int, follow: bool,
                   timestamps: bool = False) -> AsyncIterator[str]:
        for i in range(1, BACKLOG + 1):
            yield line(i)
        while (item := await self.queue.get()) is not None:
            yield item


async def open_viewer(app: App[Any], pilot: Pilot[Any], source: Chatty) -> LogScreen:
    screen = LogScreen(cast(ContainerReads, source), CONTAINER, tail=500)
    await app.push_screen(screen)
    await until_kept(pilot, screen, BACKLOG)
    return screen


async def until_kept(pilot: Pilot[Any], screen: LogScreen, last: int) -> None:
    """Wait until the Log holds line `last` as its newest line, then let the screen paint."""
    log = screen.query_one(Log)
    for _ in range(500):
        if log.lines and log.lines[-1] == line(last):
            break
        await pilot.pause(0.01)
    else:
        raise AssertionError(f"line {last} never reached the Log")
    await pilot.pause()
    await pilot.pause()
    assert len(screen.lines) == MAX_LINES and log.line_count == MAX_LINES  # the cap holds


def bottom_row(app: App[Any]) -> str:
    """The last log row on screen (the footer is the last row, the scrollbar may follow)."""
    rows = [row for row in screen_text(app).splitlines() if "hello" in row]
    return rows[-1].split("hello")[0] + "hello" if rows else ""


async def test_following_shows_the_newest_line_after_the_cap() -> None:
    app: App[Any] = App()
    source = Chatty()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_viewer(app, pilot, source)
        assert bottom_row(app) == line(BACKLOG)
        for _ in range(5):  # one line at a time, as a live container writes them
            source.feed(1)
            await until_kept(pilot, screen, source.sent)
            assert bottom_row(app) == line(source.sent), screen_text(app)
        source.feed(300)  # and a burst
        await until_kept(pilot, screen, source.sent)
        assert bottom_row(app) == line(source.sent), screen_text(app)
        assert "following" in screen_text(app)


async def test_paused_view_stays_put_and_resume_jumps_to_the_newest() -> None:
    app: App[Any] = App()
    source = Chatty()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_viewer(app, pilot, source)
        await pilot.press("f")
        await pilot.press("pageup")
        await pilot.pause()
        before = bottom_row(app)
        assert before and before != line(BACKLOG)
        for _ in range(3):
            source.feed(40)  # lines drop off the top while the user reads
            await until_kept(pilot, screen, source.sent)
            assert bottom_row(app) == before, screen_text(app)
        assert "paused" in screen_text(app)
        await pilot.press("f")
        await pilot.pause()
        assert bottom_row(app) == line(source.sent), screen_text(app)
        source.feed(10)
        await until_kept(pilot, screen, source.sent)
        assert bottom_row(app) == line(source.sent), screen_text(app)
