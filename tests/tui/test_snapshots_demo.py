"""What the demo cluster looks like, at the two sizes the brief names. Baselines: snapshots/."""

from __future__ import annotations

from typing import Any

import pytest
from textual.pilot import Pilot

from tests.tui.helpers import make_app, until_loaded

SIZES = [(80, 24), (160, 48)]


@pytest.mark.parametrize("size", [*SIZES, (200, 60)], ids=["80x24", "160x48", "200x60"])
def test_containers_pane(snap_compare: Any, size: tuple[int, int]) -> None:
    """80x24 drops whole columns by priority; 200x60 shows every column and a longer trend."""
    assert snap_compare(make_app(), terminal_size=size, run_before=until_loaded)


@pytest.mark.parametrize("size", SIZES, ids=["80x24", "160x48"])
def test_containers_grouped_by_service(snap_compare: Any, size: tuple[int, int]) -> None:
    assert snap_compare(make_app(), terminal_size=size, press=["b"], run_before=until_loaded)


@pytest.mark.parametrize("size", SIZES, ids=["80x24", "160x48"])
def test_forecasts_pane(snap_compare: Any, size: tuple[int, int]) -> None:
    """The most urgent target first, with its history, forecast, band and capacity charted."""
    assert snap_compare(make_app(), terminal_size=size, press=["5"], run_before=until_loaded)


@pytest.mark.parametrize("size", SIZES, ids=["80x24", "160x48"])
def test_details_screen(snap_compare: Any, size: tuple[int, int]) -> None:
    async def open_details(pilot: Pilot[int]) -> None:
        await until_loaded(pilot)
        await pilot.press("down", "down", "enter")  # fix-gateway, the unhealthy one
        await pilot.pause(0.2)

    assert snap_compare(make_app(), terminal_size=size, run_before=open_details)


def test_log_viewer(snap_compare: Any) -> None:
    async def open_logs(pilot: Pilot[int]) -> None:
        await until_loaded(pilot)
        await pilot.press("down", "down", "l")
        await pilot.pause(0.3)

    assert snap_compare(make_app(), terminal_size=(100, 30), run_before=open_logs)


def test_help_screen(snap_compare: Any) -> None:
    assert snap_compare(make_app(), terminal_size=(100, 40), press=["question_mark"],
                        run_before=until_loaded)


def test_nodes_pane(snap_compare: Any) -> None:
    """The demo's three Swarm nodes: role, availability and state in words as well."""
    assert snap_compare(make_app(), terminal_size=(120, 30), press=["6"],
                        run_before=until_loaded)
