"""The console's word for an act that waits for a second operator: "waiting for approval:
request N", never "refused"; nothing changes, and the request is there to approve."""

from __future__ import annotations

from pathlib import Path

from fintui.tui.panes.containers import ContainersPane
from fintui.tui.screens.actions import ConfirmScreen
from tests.tui.helpers import (
    SNAPSHOT_CONFIG,
    make_app,
    screen_text,
    until_action_finished,
    until_loaded,
    until_screen,
    wait_for,
)


async def test_a_scale_to_zero_waits_and_the_console_says_so(tmp_path: Path) -> None:
    config = tmp_path / "fintui.toml"
    config.write_text(SNAPSHOT_CONFIG.read_text().replace(
        "/tmp/fintui-test-state", str(tmp_path / "s")) + '\n[guard]\napprove = ["scale-to-zero"]\n')
    app = make_app(config=config)
    async with app.run_test(size=(80, 24)) as pilot:
        await until_loaded(pilot)
        pane = app.query_one(ContainersPane)
        names = [pane.cell_text(k, "name") for k in pane.row_keys()]
        pane.table.move_cursor(row=names.index("pricing.1.k3j9x2a1"))
        await pilot.pause()
        await pilot.press("s", "backspace", "0", "enter")
        await until_screen(pilot, ConfirmScreen)
        await wait_for(pilot, "it waits for a second operator's")  # said before it runs
        await pilot.press("y")
        await pilot.pause()
        await pilot.press("y")  # scaling to zero asks twice
        screen = await until_action_finished(pilot)
        assert screen.outcome.startswith("waiting for approval: request 1 ")
        assert "refused" not in screen.outcome
        shown = screen_text(app)
        assert "waiting for approval" in shown and "refused" not in shown
        assert [r["outcome"] for r in app.ops.audit.records()] == ["pending"]
        assert [r.state for r in app.ops.approval_rows()] == ["pending"]
