"""The Forecasts pane: every usage series by days until full, and a chart of the selected one
with its forecast, band and capacity."""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import DataTable, Static

from fintui.core.forecast_report import full_in
from fintui.core.format import human_bytes
from fintui.forecasting import TargetForecast
from fintui.model import Forecast
from fintui.tui.widgets.forecast_chart import ForecastChart
from fintui.tui.widgets.navigation import NavTable
from fintui.tui.widgets.safe import safe, safe_block

# The answer first: on an 80-column terminal the date and the state must be visible.
COLUMNS = ("Target", "Full in (95% band)", "State", "Used", "Capacity", "Growth/day", "+30d",
           "Model")


def state_text(f: Forecast) -> str:
    if f.severity:
        return f.severity.upper() + (" · EXPAND" if f.expand else "")
    return {"ok": "ok", "too-short": "too short", "flat": "flat", "shrinking": "shrinking",
            "full": "FULL"}.get(f.status, f.status)


def detail_text(f: Forecast) -> str:
    parts = [f.target, f.message]
    if f.model:
        parts.append(f"{f.model} model, {human_bytes(f.growth_per_day)}/day")
    parts += [f"+{d}d {human_bytes(b)}" for d, b in f.projections]
    if f.recommended_capacity is not None:
        parts.append(f"plan {human_bytes(f.recommended_capacity)} "
                     "(growth x retention x redundancy)")
    return " · ".join(parts)


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

    def compose(self) -> ComposeResult:
        yield Static("Forecasts appear once the metric history has been read.",
                     id="forecast-status")
        table: DataTable[Text] = NavTable(id="forecasts-table", cursor_type="row",
                                           zebra_stripes=True)
        table.add_columns(*COLUMNS)
        yield table
        yield Static(id="forecast-detail")
        yield ForecastChart(id="forecast-chart")

    def show(self, results: list[TargetForecast], status: str, warning: str,
             critical: str) -> None:
        """Rows in urgency order; the cursor stays on the target it was on."""
        table = self.query_one("#forecasts-table", DataTable)
        selected = self._selected_key()
        self.results = results
        self.query_one("#forecast-status", Static).update(safe(status))
        table.clear()
        for r in results:
            f = r.forecast
            style = critical if f.severity == "critical" else warning if f.severity else ""
            growth = f.growth_per_day
            table.add_row(
                safe(f.target, limit=30), safe(full_in(f), style), safe(state_text(f), style),
                safe(human_bytes(f.used_bytes)), safe(human_bytes(f.capacity_bytes)),
                safe("-" if growth is None else f"{'+' if growth >= 0 else ''}"
                     f"{human_bytes(growth)}"),
                safe(human_bytes(dict(f.projections).get(30))), safe(f.model or "-"),
                key=f"{r.kind}:{r.name}")
        keys = [f"{r.kind}:{r.name}" for r in results]
        if selected in keys:
            table.move_cursor(row=keys.index(selected))
        self._show_selected()

    def _selected_key(self) -> str | None:
        table = self.query_one("#forecasts-table", DataTable)
        if not self.results or table.cursor_row >= len(self.results):
            return None
        r = self.results[table.cursor_row]
        return f"{r.kind}:{r.name}"

    def selected(self) -> TargetForecast | None:
        table = self.query_one("#forecasts-table", DataTable)
        if 0 <= table.cursor_row < len(self.results):
            return self.results[table.cursor_row]
        return None

    @on(DataTable.RowHighlighted, "#forecasts-table")
    def _highlighted(self) -> None:
        self._show_selected()

    def _show_selected(self) -> None:
        target = self.selected()
        self.query_one("#forecast-detail", Static).update(
            safe_block(detail_text(target.forecast)) if target else "")
        self.query_one(ForecastChart).show(target)

    def focus_table(self) -> None:
        self.query_one("#forecasts-table", DataTable).focus()
