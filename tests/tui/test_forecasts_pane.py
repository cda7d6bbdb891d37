"""The Forecasts pane: most urgent first, the chart follows the cursor, untrusted names stay
literal, and a missing history is said plainly."""

from __future__ import annotations

from pathlib import Path

from fintui.model import UsageSample
from fintui.store.history import HistoryStore
from fintui.tui.panes.forecasts import ForecastsPane
from fintui.tui.widgets.forecast_chart import ForecastChart
from tests.tui.helpers import SNAPSHOT_CONFIG, make_app, screen_text, until_loaded


async def test_the_chart_follows_the_selected_target() -> None:
    app = make_app()
    async with app.run_test(size=(160, 48)) as pilot:
        await until_loaded(pilot)
        await pilot.press("5")
        await pilot.pause()
        pane = app.query_one(ForecastsPane)
        chart = app.query_one(ForecastChart)
        first = pane.results[0].forecast
        days = [r.forecast.days_to_full for r in pane.results]
        assert first.severity == "critical" and days[0] == min(d for d in days if d)
        assert chart.target is pane.results[0]
        text = screen_text(app)
        assert "fs /mnt/tickstore" in text and "6.4d (6.2-6.6)" in text
        assert "CRITICAL · EXPAND" in text
        assert "capacity" in text and "95% band" in text and "now" in text
        await pilot.press("down", "down")
        await pilot.pause()
        assert chart.target is pane.results[2]
        # The detail line names the selected target, with its model and plan.
        detail = str(app.query_one("#forecast-detail").render())
        assert detail.startswith(pane.results[2].forecast.target) and "model" in detail


async def test_the_cursor_stays_on_its_target_when_forecasts_refresh() -> None:
    app = make_app()
    async with app.run_test(size=(160, 48)) as pilot:
        await until_loaded(pilot)
        await pilot.press("5", "down", "down", "down")
        pane = app.query_one(ForecastsPane)
        chosen = pane.results[3]
        reordered = [pane.results[3], *pane.results[:3], *pane.results[4:]]
        app.watcher._forecasts_ready(reordered)
        await pilot.pause()
        assert pane.selected() is not None and pane.selected().name == chosen.name


async def test_untrusted_names_are_shown_literally(tmp_path: Path) -> None:
    config = tmp_path / "c.toml"
    config.write_text(SNAPSHOT_CONFIG.read_text() + '\n[forecast]\nmin_history = "1h"\n')
    app = make_app(config=config)
    async with app.run_test(size=(160, 48)) as pilot:
        await until_loaded(pilot)
        store = app.watcher.history
        assert isinstance(store, HistoryStore)
        name = "[bold red]evil[/] \x1b[31m"
        now = app.parts.clock.now().timestamp()
        store.record_many((now - (48 - h) * 3600, [UsageSample("volume", name, 1e9 + h * 1e8,
                                                               5e10)]) for h in range(48))
        app.watcher.history_round([], 0, True)
        await pilot.press("5")
        for _ in range(100):
            await pilot.pause(0.02)
            if any(r.name == name for r in app.query_one(ForecastsPane).results):
                break
        text = screen_text(app)
        assert "volume [bold red]evil[/]" in text  # markup shown, not applied
        assert "\x1b" not in text


async def test_an_unusable_history_is_said_plainly(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    config = tmp_path / "c.toml"
    config.write_text(SNAPSHOT_CONFIG.read_text().replace(
        'state_dir = "/tmp/fintui-test-state"', f'state_dir = "{tmp_path}/s"')
        + f'\n[history]\npath = "{blocker}/h.sqlite"\n')
    app = make_app("--host", f"unix://{tmp_path}/none.sock", config=config, demo=False)
    async with app.run_test(size=(160, 48)) as pilot:
        await until_loaded(pilot)
        await pilot.press("5")
        await pilot.pause()
        assert "No metric history: cannot open the history database" in screen_text(app)
