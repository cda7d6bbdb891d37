"""The rollout dialog on the demo cluster at 80x24: the endpoint's images, the image field,
canary and parallelism, every key named, nothing cut."""

from __future__ import annotations

from typing import Any

from textual.pilot import Pilot

from tests.tui.helpers import make_app, until_screen
from tests.tui.test_snapshots_actions import on_row


def test_rollout_dialog(snap_compare: Any) -> None:
    async def run(pilot: Pilot[int]) -> None:
        from fintui.tui.screens.rollout import RolloutScreen

        await on_row(pilot, "pricing.2.p8d0s7q4")
        await pilot.press("R")
        await until_screen(pilot, RolloutScreen)
        await pilot.pause(0.2)
        pilot.app.clear_notifications()  # "reading the images…" comes and goes
        await pilot.pause(0.1)

    assert snap_compare(make_app(), terminal_size=(80, 24), run_before=run)
