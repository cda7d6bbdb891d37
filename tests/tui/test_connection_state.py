"""A lost source is a state on screen, not a crash: disconnected with the reason, last data
kept and marked stale, and live again by itself when the source returns."""

from __future__ import annotations

from typing import Any

from textual.app import App

from fintui.clock import FixedClock
from fintui.model import ClusterSnapshot
from fintui.sources.base import SourceUnavailable
from fintui.sources.demo import DEMO_START, DemoCluster
from fintui.tui.panes.containers import ContainersPane
from tests.tui.helpers import FAST_CONFIG as FAST
from tests.tui.helpers import make_app, until_loaded


class FlakyCluster(DemoCluster):
    def __init__(self) -> None:
        super().__init__(seed=7, clock=FixedClock(DEMO_START), step_seconds=0.5)
        self.down: str | None = None

    async def sweep(self) -> ClusterSnapshot:
        if self.down is not None:
            raise SourceUnavailable(self.down)
        return await super().sweep()


def screen_text(app: App[Any]) -> str:
    return "\n".join(strip.text for strip in app.screen._compositor.render_strips())


async def wait_for(pilot: Any, text: str, seconds: float = 5.0) -> None:
    for _ in range(int(seconds / 0.05)):
        if text in screen_text(pilot.app):
            return
        await pilot.pause(0.05)
    raise AssertionError(f"{text!r} never appeared:\n{screen_text(pilot.app)}")


async def test_outage_shows_reason_keeps_stale_rows_and_recovers() -> None:
    source = FlakyCluster()
    app = make_app(config=FAST, source=source)
    async with app.run_test(size=(200, 30)) as pilot:
        await until_loaded(pilot)
        await wait_for(pilot, "● live")
        source.down = "connection refused by /var/run/docker.sock"
        await wait_for(pilot, "DISCONNECTED", seconds=2.0)
        text = screen_text(app)
        assert "connection refused by /var/run/docker.sock — retrying" in text
        assert "STALE since" in text
        pane = app.query_one(ContainersPane)
        assert len(pane._row_keys) == 11, "the last good rows stay on screen"
        assert pane.has_class("-stale")
        source.down = None
        await wait_for(pilot, "● live", seconds=3.0)
        assert "DISCONNECTED" not in screen_text(app)
        assert not pane.has_class("-stale")
        assert app.is_running


async def test_source_down_from_the_start_shows_why() -> None:
    source = FlakyCluster()
    source.down = "permission denied on /var/run/docker.sock"
    app = make_app(config=FAST, source=source)
    async with app.run_test(size=(200, 30)) as pilot:
        await until_loaded(pilot)
        await wait_for(pilot, "permission denied on /var/run/docker.sock")
        assert "STALE" not in screen_text(app)  # nothing old to show
        assert "0 of 0 containers" in screen_text(app)
