"""Forecasts of everything in the history: reads the store, fits each series (core.forecast),
and orders them by urgency. Used by the console's worker, `fintui forecast` and the tests."""

from __future__ import annotations

from dataclasses import dataclass

from fintui.config_tree import ForecastSettings
from fintui.core.forecast import ForecastRules, forecast_with_expansion, urgency
from fintui.core.usage_samples import title
from fintui.model import Forecast
from fintui.store.history import HistoryStore

STALE_SERIES = 86400.0  # a series silent this long before the newest sample is gone (a
# removed container, an unmounted disk): no forecast for it


@dataclass(frozen=True, slots=True)
class TargetForecast:
    kind: str
    name: str
    forecast: Forecast
    history: tuple[tuple[float, float], ...]  # (epoch s, bytes), for the chart


def forecast_rules(settings: ForecastSettings) -> ForecastRules:
    return ForecastRules(
        horizon_days=settings.horizon_days, headroom=settings.headroom,
        critical_days=settings.critical_days, min_span_seconds=settings.min_history,
        retention_days=settings.retention_days, redundancy=settings.redundancy,
        expand_after=settings.expand_after)


def forecast_all(store: HistoryStore, rules: ForecastRules) -> list[TargetForecast]:
    """Every live series, most urgent first. Blocking (SQLite and arithmetic): run it in a
    thread."""
    loaded = [(s, *store.points(s.id)) for s in store.series()]
    loaded = [(s, pts, cap) for s, pts, cap in loaded if pts]
    if not loaded:
        return []
    newest = max(pts[-1][0] for _, pts, _ in loaded)
    out = []
    for series, points, capacity in loaded:
        if newest - points[-1][0] > STALE_SERIES:
            continue
        result = forecast_with_expansion(title(series.kind, series.name), series.kind, points,
                                         capacity, rules)
        out.append(TargetForecast(series.kind, series.name, result, tuple(points)))
    return sorted(out, key=lambda t: urgency(t.forecast))
