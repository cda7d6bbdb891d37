"""The Policies pane on the demo cluster with a schedule, an autoscale and an automatic
isolation configured, at the two sizes the brief names. Baselines: snapshots/."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot

from tests.tui.helpers import make_app, until_loaded

POLICIES = Path(__file__).resolve().parent.parent / "sample-configs" / "policies.toml"


async def after_the_schedule(pilot: Pilot[int]) -> None:
    """The demo starts inside the schedule's window: the first sweep catches it up (scales
    pricing) and wakes the watch, whose second sweep shows the result. Waiting for both
    makes the screen the same from run to run."""
    await until_loaded(pilot, sweeps=2)
    # The isolate rule's decision runs in the watch's background: its row's last act shows
    # only once it has ended, so wait for it (else the 160-column Last act differs by run).
    for _ in range(200):
        if not [t for t in asyncio.all_tasks() if t.get_name().startswith("watch-auto-")]:
            break
        await asyncio.sleep(0.02)
    await pilot.pause(0.2)


@pytest.mark.parametrize("size", [(80, 24), (160, 48)], ids=["80x24", "160x48"])
def test_policies_pane(snap_compare: Any, size: tuple[int, int]) -> None:
    assert snap_compare(make_app(config=POLICIES), terminal_size=size, press=["8"],
                        run_before=after_the_schedule)
