"""Every pane of the demo at 200x50: every column shown, no number cut beside an empty one,
durations in at most two units, and I/O as rates (two sweeps, so the rates have a sample
before them). Baselines: snapshots/test_snapshots_wide/."""

from __future__ import annotations

from typing import Any

import pytest
from textual.pilot import Pilot

from fintui.tui.app import FintuiApp
from tests.tui.helpers import make_app, until_loaded

PANES = {"1": "containers", "2": "gpus", "3": "volumes", "4": "alerts", "5": "forecasts",
         "6": "nodes", "7": "audit"}


def after_two_sweeps(key: str) -> Any:
    async def run(pilot: Pilot[int]) -> None:
        await until_loaded(pilot)
        app = pilot.app
        assert isinstance(app, FintuiApp)
        app.watcher.wake()  # the snapshot config sweeps only when asked
        await until_loaded(pilot, sweeps=2)
        await pilot.press(key)
        await pilot.pause(0.2)

    return run


@pytest.mark.parametrize("key", list(PANES), ids=list(PANES.values()))
def test_pane_at_200_columns(snap_compare: Any, key: str) -> None:
    assert snap_compare(make_app(), terminal_size=(200, 50), run_before=after_two_sweeps(key))
