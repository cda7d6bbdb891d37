"""The Nodes pane on the demo's three-node Swarm: drain a node with `d`, through the
confirmation and the progress screen, audited; a viewer is refused on record."""

from __future__ import annotations

from typing import Any

from fintui.tui.panes.nodes import NodesPane
from fintui.tui.screens.actions import ConfirmScreen
from fintui.tui.widgets.row_table import RowTable
from tests.tui.helpers import (
    make_app,
    screen_text,
    until_action_finished,
    until_loaded,
    until_screen,
    wait_for,
)


async def select_node(pilot: Any, app: Any, hostname: str) -> NodesPane:
    pane: NodesPane = app.query_one(NodesPane)
    index = [n.hostname for n in pane.nodes].index(hostname)
    pane.query_one("#nodes-table", RowTable).move_cursor(row=index)
    await pilot.pause()
    return pane


async def test_nodes_are_listed_and_d_drains_the_selected_one() -> None:
    app = make_app()
    async with app.run_test(size=(140, 36)) as pilot:
        await until_loaded(pilot)
        await pilot.press("6")
        await wait_for(pilot, "3 node(s), 3 active")
        text = screen_text(app)
        assert "demo-trading-01" in text and "manager (leader)" in text
        assert ("pricing  replicated  3/3      demo-gpu-01 ●1  demo-trading-01 ●1  "
                "demo-trading-02 ●1") in text  # the service spread over the cluster
        await select_node(pilot, app, "demo-trading-02")
        await pilot.press("d")
        await until_screen(pilot, ConfirmScreen)
        assert "drain Swarm node demo-trading-02" in screen_text(app)
        await pilot.press("y")
        await pilot.pause(0.1)
        if isinstance(app.screen, ConfirmScreen):  # tasks would move: asked twice
            await pilot.press("y")
        progress = await until_action_finished(pilot)
        assert progress.outcome == "done"
        await pilot.press("enter")
        await wait_for(pilot, "↓ drain")
        assert "2 active" in screen_text(app)
        # Its task moved: the service's placement shows two nodes now.
        await wait_for(pilot, "3/3      demo-gpu-01 ●1  demo-trading-01 ●2")
        assert "demo-trading-02 ●" not in screen_text(app)
        record = app.ops.audit.records()[-1]
        assert (record["action"], record["target"], record["outcome"]) == (
            "drain", "demo-trading-02", "ok")
        assert record["parameters"]["availability"] == "drain"


async def test_a_viewer_is_refused_and_the_refusal_is_audited() -> None:
    app = make_app("--read-only")
    async with app.run_test(size=(140, 36), notifications=True) as pilot:
        await until_loaded(pilot)
        await pilot.press("6")
        await wait_for(pilot, "3 node(s)")
        await select_node(pilot, app, "demo-gpu-01")
        await pilot.press("d")
        await wait_for(pilot, "may not drain")
        assert not isinstance(app.screen, ConfirmScreen)
        assert [(r["action"], r["outcome"]) for r in app.ops.audit.records()] == [
            ("drain", "refused")]
