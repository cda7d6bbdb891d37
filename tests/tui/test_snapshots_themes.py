"""Every shipped theme on the Containers and Alerts panes. Baselines: snapshots/. Each state
must read without colour too (a word or symbol beside it), which the mono baselines show."""

from __future__ import annotations

from typing import Any

import pytest

from tests.tui.helpers import make_app, until_loaded

THEMES = ["fintui-dark", "fintui-light", "trading-floor", "mono"]


@pytest.mark.parametrize("theme", THEMES)
def test_containers_pane(snap_compare: Any, theme: str) -> None:
    assert snap_compare(make_app("--theme", theme), terminal_size=(120, 32),
                        run_before=until_loaded)


@pytest.mark.parametrize("theme", THEMES)
def test_alerts_pane(snap_compare: Any, theme: str) -> None:
    assert snap_compare(make_app("--theme", theme), terminal_size=(120, 32), press=["4"],
                        run_before=until_loaded)
