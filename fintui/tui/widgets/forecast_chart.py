"""The chart under the Forecasts table: core.chart's cells, coloured from the theme."""

from __future__ import annotations

from rich.style import Style
from rich.text import Text
from textual.color import Color
from textual.widget import Widget

from fintui.core.chart import BAND_GLYPH, LEGEND, render
from fintui.tui.colourless import is_colourless
from fintui.watch.forecasting import TargetForecast


class ForecastChart(Widget):
    DEFAULT_CSS = "ForecastChart { height: 1fr; min-height: 6; }"

    def __init__(self, id: str | None = None) -> None:
        super().__init__(id=id)
        self.target: TargetForecast | None = None

    def show(self, target: TargetForecast | None) -> None:
        self.target = target
        self.refresh()

    def render(self) -> Text:
        if self.target is None:
            return Text("No forecast selected.", style="dim")
        f = self.target.forecast
        chart = render(self.target.history, f.path, f.capacity_bytes, self.size.width,
                       self.size.height - 1)  # the last line is the legend
        theme = self.app.current_theme
        background = Color.parse(theme.background or "#000000")
        band = Color.parse(theme.accent or "#888888").blend(background, 0.8).hex
        colours = {"history": theme.primary, "forecast": theme.accent or theme.primary,
                   "capacity": theme.error or "red", "axis": theme.secondary or "",
                   "now": theme.secondary or ""}
        # Without colour the band is a shade of its own; with colour, a background.
        shade = is_colourless(self.app)
        text = Text(no_wrap=True, end="")
        for n, row in enumerate(chart.rows):
            for cell in row:
                # Characters come from core.chart only: braille, box drawing, our labels.
                char = BAND_GLYPH if shade and cell.band and cell.char == " " else cell.char
                text.append(char, Style(color=colours.get(cell.role) or None,
                                        bgcolor=band if cell.band and not shade else None))
            if n < len(chart.rows) - 1:
                text.append("\n")
        legend = Text("\n")
        for role, glyphs in LEGEND:  # each line's own pattern: it reads without colour
            legend.append(f"{glyphs} ", Style(color=colours[role]))
            legend.append(f"{role}  ")
        legend.append(BAND_GLYPH * 3 if shade else "   ", Style(bgcolor=None if shade else band))
        legend.append(" 95% band")
        if chart.note:
            legend.append(f"  · {chart.note}", style="dim")
        text.append_text(legend)
        return text
