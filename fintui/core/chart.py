"""A usage chart in braille: history, forecast line, its band and the capacity line, laid out
on a character grid for the Forecasts pane. Pure: cells with roles come out; the widget
colours them from the theme. Each line also has its own pattern (history solid, forecast
dotted, capacity dashed), so the legend reads without colour."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass

from fintui.core.format import human_bytes

# Braille dot bits by (column in cell, row in cell).
_DOTS = ((0x01, 0x02, 0x04, 0x40), (0x08, 0x10, 0x20, 0x80))
AXIS_WIDTH = 9  # "1.02TiB ┤"
CAPACITY_ROOM = 2.0  # capacity is drawn when within this multiple of the data's top
# What each line looks like, for the legend: history every dot, the forecast every other dot
# column (a dotted line), capacity dashes. A colourless band is drawn with BAND_GLYPH.
LEGEND = (("history", "⠤⠤"), ("forecast", "⠄⠄"), ("capacity", "╌╌"))
BAND_GLYPH = "░"


@dataclass(frozen=True, slots=True)
class Cell:
    char: str
    role: str  # history, forecast, capacity, axis, now, "" ; band is separate
    band: bool = False


@dataclass(frozen=True, slots=True)
class Chart:
    rows: tuple[tuple[Cell, ...], ...]
    note: str  # what did not fit, e.g. "capacity 418GiB is above the chart"


def _interp(points: Sequence[tuple[float, float]], t: float) -> float | None:
    if not points or t < points[0][0] or t > points[-1][0]:
        return None
    for (t0, v0), (t1, v1) in itertools.pairwise(points):
        if t0 <= t <= t1:
            return v0 if t1 == t0 else v0 + (v1 - v0) * (t - t0) / (t1 - t0)
    return points[-1][1]


def render(history: Sequence[tuple[float, float]],
           path: Sequence[tuple[float, float, float, float]], capacity: float | None,
           width: int, height: int) -> Chart:
    """`width` x `height` cells including the axes. history: (t, bytes); path: (t, mid, low,
    high) from now on."""
    plot_w, plot_h = max(width - AXIS_WIDTH, 4), max(height - 1, 2)
    if not history:
        blank = tuple(Cell(" ", "") for _ in range(width))
        return Chart(tuple(blank for _ in range(height)), "no history")
    t0 = history[0][0]
    now = history[-1][0]
    t1 = path[-1][0] if path else now
    t1 = t1 if t1 > t0 else t0 + 1
    # The scale follows the data and the forecast line; a wide band is cut at the edges
    # rather than squashing everything else into one row.
    values = [v for _, v in history] + [p[1] for p in path]
    top, bottom = max(values), min(values)
    note = ""
    if capacity is not None:
        if capacity <= top * CAPACITY_ROOM:
            top = max(top, capacity)
        else:
            note = f"capacity {human_bytes(capacity)} is above the chart"
    bottom = max(0.0, min(bottom, *(p[2] for p in path)) if path else bottom)
    bottom = max(0.0, bottom - 0.05 * (top - bottom))
    top = top + 0.05 * (top - bottom) if top > bottom else bottom + 1
    dots_w, dots_h = plot_w * 2, plot_h * 4

    def col(t: float) -> int:
        return min(dots_w - 1, max(0, int((t - t0) / (t1 - t0) * (dots_w - 1) + 0.5)))

    def row(v: float) -> int:  # 0 at the top
        return min(dots_h - 1, max(0, int((top - v) / (top - bottom) * (dots_h - 1) + 0.5)))

    bits = [[0] * plot_w for _ in range(plot_h)]
    roles = [[""] * plot_w for _ in range(plot_h)]
    band = [[False] * plot_w for _ in range(plot_h)]

    def plot(series: Sequence[tuple[float, float]], role: str, dotted: bool = False) -> None:
        columns: dict[int, list[float]] = {}
        for t, v in series:
            if not dotted or col(t) % 2 == 0:  # dotted: the left dot column of each cell
                columns.setdefault(col(t), []).append(v)
        previous = None
        for x in sorted(columns):
            y = row(sum(columns[x]) / len(columns[x]))
            span = range(min(y, previous), max(y, previous) + 1) if previous is not None \
                else range(y, y + 1)
            for yy in span:  # join the dots so a steep step stays a line
                cx, cy = x // 2, yy // 4
                bits[cy][cx] |= _DOTS[x % 2][yy % 4]
                if roles[cy][cx] != "history":
                    roles[cy][cx] = role
            previous = y

    # The forecast and its band are sampled per dot column so they stay continuous.
    steps = [t0 + (t1 - t0) * x / (dots_w - 1) for x in range(dots_w)]
    lows = [(p[0], p[2]) for p in path]
    highs = [(p[0], p[3]) for p in path]
    for x, t in enumerate(steps):
        low, high = _interp(lows, t), _interp(highs, t)
        if low is not None and high is not None:
            for cy in range(row(high) // 4, row(low) // 4 + 1):
                band[cy][x // 2] = True
    mids = [(p[0], p[1]) for p in path]
    plot([(t, v) for t in steps if (v := _interp(mids, t)) is not None], "forecast",
         dotted=True)
    plot(history, "history")
    cap_row = row(capacity) // 4 if capacity is not None and not note else None
    now_col = col(now) // 2
    rows = []
    labels = {0: top, plot_h // 2: (top + bottom) / 2, plot_h - 1: bottom}
    for cy in range(plot_h):
        label = f"{human_bytes(labels[cy]):>7} ┤" if cy in labels else " " * 8 + "│"
        cells = [Cell(ch, "axis") for ch in label.ljust(AXIS_WIDTH)]
        for cx in range(plot_w):
            if bits[cy][cx]:
                cells.append(Cell(chr(0x2800 + bits[cy][cx]), roles[cy][cx], band[cy][cx]))
            elif cy == cap_row:
                cells.append(Cell("╌", "capacity", band[cy][cx]))
            elif cx == now_col:
                cells.append(Cell("┊", "now", band[cy][cx]))
            else:
                cells.append(Cell(" ", "", band[cy][cx]))
        rows.append(tuple(cells[:width]))
    rows.append(_time_axis(t0, now, t1, plot_w, now_col, width))
    return Chart(tuple(rows), note)


def _ago(seconds: float) -> str:
    days = seconds / 86400
    return f"{days:+.0f}d" if abs(days) >= 1 else f"{seconds / 3600:+.0f}h"


def _time_axis(t0: float, now: float, t1: float, plot_w: int, now_col: int,
               width: int) -> tuple[Cell, ...]:
    line = [" "] * (AXIS_WIDTH - 1) + ["└"] + ["─"] * plot_w
    marks = ((0, _ago(t0 - now)), (now_col, "now"), (plot_w - 1, _ago(t1 - now)))
    for position, text in marks:
        start = AXIS_WIDTH + min(max(0, position - len(text) // 2), plot_w - len(text))
        if all(ch in "─└" for ch in line[start - 1:start + len(text) + 1]):
            line[start:start + len(text)] = list(text)
    return tuple(Cell(ch, "axis") for ch in "".join(line)[:width].ljust(width))
