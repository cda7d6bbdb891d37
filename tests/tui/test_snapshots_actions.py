"""The action screens on the demo cluster: how many, the plan, and progress."""

from __future__ import annotations

from typing import Any

from textual.pilot import Pilot

from tests.tui.helpers import make_app, until_action_finished, until_loaded


async def on_row(pilot: Pilot[int], name: str) -> None:
    await until_loaded(pilot)
    from fintui.tui.panes.containers import ContainersPane

    pane = pilot.app.query_one(ContainersPane)
    pane.table.move_cursor(row=[pane.cell_text(k, "name") for k in pane.row_keys()].index(name))
    await pilot.pause()


def test_scale_input(snap_compare: Any) -> None:
    async def run(pilot: Pilot[int]) -> None:
        await on_row(pilot, "pricing.1.k3j9x2a1")
        await pilot.press("s")
        await pilot.pause(0.1)

    assert snap_compare(make_app(), terminal_size=(100, 30), run_before=run)


def test_scale_to_zero_second_confirmation(snap_compare: Any) -> None:
    async def run(pilot: Pilot[int]) -> None:
        await on_row(pilot, "pricing.1.k3j9x2a1")
        await pilot.press("s", "backspace", "0", "enter")
        await pilot.pause(0.1)
        await pilot.press("y")
        await pilot.pause(0.1)

    assert snap_compare(make_app(), terminal_size=(100, 30), run_before=run)


def test_isolate_plan(snap_compare: Any) -> None:
    async def run(pilot: Pilot[int]) -> None:
        await on_row(pilot, "risk-var-batch-1")
        await pilot.press("i")
        await pilot.pause(0.1)

    assert snap_compare(make_app(), terminal_size=(120, 30), run_before=run)


def test_isolate_progress_done(snap_compare: Any) -> None:
    async def run(pilot: Pilot[int]) -> None:
        await on_row(pilot, "risk-var-batch-1")
        await pilot.press("i")
        await pilot.pause(0.1)
        await pilot.press("y")
        await until_action_finished(pilot)
        await pilot.pause(0.1)

    assert snap_compare(make_app(), terminal_size=(120, 30), run_before=run)
