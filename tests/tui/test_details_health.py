"""Enter on an unhealthy row says why at 80x24, without scrolling: the Health section (check,
streak, last probes with exit codes and output) comes first, whole, and inert."""

from __future__ import annotations

from dataclasses import replace

from rich.cells import cell_len

from fintui.clock import FixedClock
from fintui.model import ContainerDetails
from fintui.model_health import HealthCheck, HealthProbe
from fintui.sources.demo import DEMO_START, DemoCluster
from fintui.tui.panes.containers import ContainersPane
from fintui.tui.screens.details import DetailsScreen
from tests.tui.helpers import make_app, screen_text, until_loaded


async def test_details_of_the_unhealthy_container_start_with_why_at_80x24() -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await until_loaded(pilot)
        pane = app.screen.query_one(ContainersPane)
        names = [pane.cell_text(key, "name") for key in pane.row_keys()]
        await pilot.press(*["down"] * names.index("fix-gateway"), "enter")
        await pilot.pause(0.3)
        assert isinstance(app.screen, DetailsScreen)
        lines = screen_text(app).splitlines()
        assert lines[2].strip().endswith("▼ Health")  # right under the container's name
        shown = "\n".join(lines)
        assert "status: unhealthy — failing 28 probes in a row" in shown
        assert "check: fixctl ping --session XSHG --within 2s || exit 1" in shown
        assert "every 15s, timeout 5s, 3 retries, start period 20s" in shown
        assert "01:29:48  exit 1  (2.2s)" in shown  # the newest probe first
        # All five probes and what each said, whole, above the footer: nothing to scroll to.
        assert shown.count("XSHG: no Heartbeat for ") == 5
        assert "XSHG: no Heartbeat for 438s, TestRequest unanswered" in shown
        assert "Back" in lines[-1]
        assert all(cell_len(line) <= 80 for line in lines)
        assert "…" not in "\n".join(lines[:17])


class ProbedCluster(DemoCluster):
    """The demo, with a health check whose command and output try markup and escapes."""

    def __init__(self) -> None:
        super().__init__(seed=7, clock=FixedClock(DEMO_START), step_seconds=2.0)

    async def details(self, container_id: str) -> ContainerDetails:
        details = await super().details(container_id)
        probe = HealthProbe(DEMO_START, DEMO_START, 2,
                            ("[bold]red[/bold] \x1b[31m", "[@click=app.quit]bye"))
        return replace(details, health=HealthCheck(
            ("CMD-SHELL", "[b]check[/b]"), status="unhealthy", failing_streak=3,
            probes=(probe,)))


async def test_probe_output_that_looks_like_markup_is_shown_as_written() -> None:
    app = make_app(source=ProbedCluster())
    async with app.run_test(size=(80, 24)) as pilot:
        await until_loaded(pilot)
        await pilot.press("enter")
        await pilot.pause(0.3)
        assert isinstance(app.screen, DetailsScreen)
        shown = screen_text(app)
        for text in ("check: [b]check[/b]", "01:30:00  exit 2", "[bold]red[/bold] \\x1b[31m",
                     "[@click=app.quit]bye", "status: unhealthy — failing 3 probes in a row"):
            assert text in shown, text
        assert app.is_running  # the click markup did nothing
