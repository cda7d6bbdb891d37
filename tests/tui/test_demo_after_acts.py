"""The demo console after an act reads as a real cluster would: scaling pricing 3 to 5 shows
5/5 on the Nodes pane, its new tasks placed on the nodes (it read 5/3)."""

from __future__ import annotations

from fintui.tui.panes.containers import ContainersPane
from fintui.tui.panes.nodes import NodesPane
from tests.tui.helpers import make_app, screen_text, until_action_finished, until_loaded, wait_for


async def test_after_scaling_pricing_to_five_the_nodes_pane_says_five_of_five() -> None:
    app = make_app()
    async with app.run_test(size=(140, 36)) as pilot:
        await until_loaded(pilot)
        pane = app.query_one(ContainersPane)
        names = [pane.cell_text(k, "name") for k in pane.row_keys()]
        pane.table.move_cursor(row=names.index("pricing.1.k3j9x2a1"))
        await pilot.pause()
        await pilot.press("s")
        await pilot.pause(0.2)
        await pilot.press("backspace")
        await pilot.pause(0.05)
        await pilot.press("5")
        await pilot.pause(0.05)
        await pilot.press("enter")
        await pilot.pause(0.2)
        await pilot.press("y")
        progress = await until_action_finished(pilot)
        assert progress.outcome == "done"
        await pilot.press("enter")
        await pilot.press("6")
        await wait_for(pilot, "pricing  replicated  5/5")
        nodes = app.query_one(NodesPane).nodes
        assert sum(n.tasks for n in nodes) == 5
        shown = screen_text(app)
        assert "5/3" not in shown
        # The spread names as many tasks per node as the Tasks column counts.
        assert "  ".join(f"{n.hostname} ●{n.tasks}" for n in sorted(
            nodes, key=lambda n: n.hostname)) in shown
