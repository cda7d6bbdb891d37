"""What the Forecasts pane's table shows: every usage series by days until full, and the line
under it for the selected one. Pure."""

from __future__ import annotations

from collections.abc import Iterable

from fintui.core.forecast_report import full_in
from fintui.core.format import human_bytes
from fintui.core.table_rows import Header, Row, Tone, headers, plain_row, stretch
from fintui.core.text_safety import one_line
from fintui.model import Forecast

# The answer first: on an 80-column terminal the date, the state and the use must be
# visible; a long target is cut (…) before they go (so it ranks after them).
FORECAST_HEADERS = headers(stretch("Target", 16, 3), Header("Full in (95% band)",
                           "Full in (95% band)", 0), Header("State", "State", 1),
                           Header("Used", "Used", 2), "Capacity", "Growth/day", "+30d", "Model")


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


def forecast_table(forecasts: Iterable[tuple[str, Forecast]]) -> list[Row]:
    """A row a series, in the order given (urgency), keyed as given; the answer and the
    state in the severity's colour."""
    rows = []
    for key, f in forecasts:
        tone: Tone = "bad" if f.severity == "critical" else "warn" if f.severity else ""
        growth = f.growth_per_day
        rows.append(plain_row(key, FORECAST_HEADERS, (
            one_line(f.target, 30), full_in(f), state_text(f), human_bytes(f.used_bytes),
            human_bytes(f.capacity_bytes),
            "-" if growth is None else f"{'+' if growth >= 0 else ''}{human_bytes(growth)}",
            human_bytes(dict(f.projections).get(30)), f.model or "-"),
            {"Full in (95% band)": tone, "State": tone}))
    return rows
