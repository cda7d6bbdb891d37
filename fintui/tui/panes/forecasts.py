"""The Forecasts pane: every usage series by days until full, and a chart of the selected one
with its forecast, band and capacity."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Static

from fintui.core.forecast_rows import FORECAST_HEADERS, detail_text, forecast_table
from fintui.tui.widgets.forecast_chart import ForecastChart
from fintui.tui.widgets.row_feed import Palette, feed, fitted_columns
from fintui.tui.widgets.row_table import RowTable
from fintui.tui.widgets.safe import safe, safe_block
from fintui.watch.forecasting import TargetForecast


class ForecastsPane(Vertical):
    DEFAULT_CSS = """
    ForecastsPane { height: 1fr; }
    ForecastsPane #forecast-status { height: 1; padding: 0 1; color: $text-muted; }
    ForecastsPane #forecasts-table { height: 1fr; min-height: 4; }
    ForecastsPane #forecast-detail { height: auto; max-height: 2; padding: 0 1; }
    ForecastsPane ForecastChart { height: 1fr; min-height: 6; padding: 0 1; }
    """

    def __init__(self, id: str | None = None) -> None:
        super().__init__(id=id)
        self.results: list[TargetForecast] = []
        self._by_key: dict[str, TargetForecast] = {}

    def compose(self) -> ComposeResult:
        yield Static("Forecasts appear once the metric history has been read.",
                     id="forecast-status")
        yield RowTable(id="forecasts-table")
        yield Static(id="forecast-detail")
        yield ForecastChart(id="forecast-chart")

    def show(self, results: list[TargetForecast], status: str) -> None:
        """Rows in urgency order; the cursor stays on the target it was on."""
        self.results = results
        self._by_key = {_key(r): r for r in results}
        self.query_one("#forecast-status", Static).update(safe(status))
        rows = forecast_table((_key(r), r.forecast) for r in results)
        feed(self.query_one("#forecasts-table", RowTable),
             fitted_columns(FORECAST_HEADERS, rows), rows, Palette.of(self.app.current_theme))
        self._show_selected()

    def selected(self) -> TargetForecast | None:
        return self._by_key.get(self.query_one("#forecasts-table", RowTable).selected_key()
                                or "")

    @on(RowTable.Highlighted, "#forecasts-table")
    def _highlighted(self) -> None:
        self._show_selected()

    def _show_selected(self) -> None:
        target = self.selected()
        self.query_one("#forecast-detail", Static).update(
            safe_block(detail_text(target.forecast)) if target else "")
        self.query_one(ForecastChart).show(target)

    def focus_table(self) -> None:
        self.query_one("#forecasts-table", RowTable).focus()


def _key(result: TargetForecast) -> str:
    return f"{result.kind}:{result.name}"
