"""The log viewer at 80x24 with a search on: every line shown (`&`), warning lines in the warning
colour with their level word bold, the searched words reversed, the line `N` jumped to
underlined, and the viewer's own keys in the footer. Baselines: snapshots/."""

from __future__ import annotations

from typing import Any

from textual.pilot import Pilot

from fintui.tui.app import FintuiApp
from fintui.tui.screens.logs import LogScreen
from fintui.tui.widgets.log_view import LogView
from tests.tui.helpers import make_app, until_loaded


async def search_gateway_log(pilot: Pilot[int]) -> None:
    app = pilot.app
    assert isinstance(app, FintuiApp)
    await until_loaded(pilot)
    assert app.state.snapshot is not None
    gateway = next(c for c in app.state.snapshot.containers if c.name == "fix-gateway")
    screen = LogScreen(app.watcher, gateway, 500)
    await app.push_screen(screen)
    for _ in range(300):
        if screen.query_one(LogView).line_count >= 500:
            break
        await pilot.pause(0.01)
    await pilot.press("slash", *"xshg", "space", *"warn", "enter", "ampersand", "N", "N")
    await pilot.pause(0.2)


def test_log_search_80x24(snap_compare: Any) -> None:
    assert snap_compare(make_app(), terminal_size=(80, 24), run_before=search_gateway_log)
