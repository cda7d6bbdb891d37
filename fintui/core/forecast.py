"""Capacity forecasts from a usage history: a least-squares line and Holt's linear smoothing,
chosen by holdout error, turned into days until full with a band, projections and warnings.
Pure: the series, the capacity and the settings come in; nothing is read or written."""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from statistics import median
from typing import Protocol

from fintui.core.format import human_duration
from fintui.model import Forecast

DAY = 86400.0
MAX_POINTS = 240  # the series is averaged down to this many: plenty for a trend, cheap to fit
MAX_DAYS = 3650.0  # beyond ten years "days until full" means nothing to an on-call engineer
PROJECTION_DAYS = (7, 30, 90)
HOLDOUT = 0.2  # share of the newest points each model must predict to be chosen
MARGIN = 0.75  # a richer model must cut the holdout error by a quarter: its bands are wider
MIN_HOLDOUT_POINTS = 12  # fewer points than this: the line alone (no room to compare)
Z95 = 1.959963984540054
ALPHAS = (0.1, 0.3, 0.5, 0.7, 0.9)  # Holt's smoothing of the level is picked from these
BETAS = (0.01, 0.05, 0.1, 0.3, 0.5)  # ... and of the trend (a steady trend wants a small one)


@dataclass(frozen=True, slots=True)
class ForecastRules:
    horizon_days: float = 30.0  # the look-ahead of the free-space warning
    headroom: float = 1.2  # free space must cover this multiple of the growth in the horizon
    critical_days: float = 7.0
    min_points: int = 6
    min_span_seconds: float = 6 * 3600.0
    retention_days: float = 30.0  # planning: how long written data is kept
    redundancy: float = 2.5  # planning: replicas/parity on top of the written bytes
    expand_after: int = 3  # consecutive samples over a threshold before "expand"


Point = tuple[float, float]  # (epoch seconds, bytes)


def t_quantile(dof: int, z: float = Z95) -> float:
    """Student's t for the same tail as `z` (Cornish-Fisher; close enough from 3 dof up)."""
    if dof <= 0:
        return math.inf
    v = float(dof)
    return (z + (z**3 + z) / (4 * v) + (5 * z**5 + 16 * z**3 + 3 * z) / (96 * v**2)
            + (3 * z**7 + 19 * z**5 + 17 * z**3 - 15 * z) / (384 * v**3)
            + (79 * z**9 + 776 * z**7 + 1482 * z**5 - 1920 * z**3 - 945 * z) / (92160 * v**4))


def regularise(points: Sequence[Point], max_points: int = MAX_POINTS) -> tuple[float, list[float],
                                                                               float]:
    """Resample onto equal steps: Holt needs a regular series, and a month of raw samples
    needs no more than a few hundred points for a trend. Points are averaged per step (time
    and value both, so uneven sampling adds no false wiggle), then read off at each step by a
    straight line between those means. Returns (time of the first value, values, step)."""
    pts = sorted(points)
    start, end = pts[0][0], pts[-1][0]
    gaps = [b[0] - a[0] for a, b in itertools.pairwise(pts) if b[0] > a[0]]
    step = max(median(gaps) if gaps else 1.0, (end - start) / (max_points - 1) or 1.0)
    buckets: dict[int, list[Point]] = {}
    for t, y in pts:
        buckets.setdefault(int((t - start) // step), []).append((t, y))
    means = [(sum(t for t, _ in b) / len(b), sum(y for _, y in b) / len(b))
             for _, b in sorted(buckets.items())]
    first, last = means[0][0], means[-1][0]
    count = int((last - first) // step) + 1
    values = []
    j = 0
    for i in range(count):
        t = first + i * step
        while j < len(means) - 2 and means[j + 1][0] < t:
            j += 1
        (t0, y0), (t1, y1) = means[j], means[min(j + 1, len(means) - 1)]
        values.append(y0 if t1 == t0 else y0 + (y1 - y0) * (t - t0) / (t1 - t0))
    return first, values, step


def remove_drops(values: Sequence[float]) -> tuple[list[float], int]:
    """Undo cleanups: a sudden fall far beyond the usual step is a deletion, not a trend, so
    the history before it is lowered by the same amount. Returns the series and the count."""
    steps = [b - a for a, b in itertools.pairwise(values)]
    if not steps:
        return list(values), 0
    typical = median(abs(s) for s in steps)
    usual = median(steps)  # the ordinary growth in a step, kept across the drop
    floor = 0.01 * max(abs(v) for v in values)
    out = list(values)
    drops = 0
    falling = False
    for i, s in enumerate(steps, start=1):
        sudden = s < 0 and -s > max(10 * typical, floor)
        drops += sudden and not falling  # one cleanup can span two resampled steps
        falling = sudden
        if sudden:
            for k in range(i):
                out[k] += s - usual
    return out, drops


class Model(Protocol):
    """A fitted trend, read in steps after the last value: (expected, low, high) at h."""

    @property
    def name(self) -> str: ...

    def at(self, h: float) -> tuple[float, float, float]: ...


@dataclass(frozen=True, slots=True)
class Line:
    """Least squares with the classic prediction interval (wider the further from the data)."""

    level: float  # fitted value at the last point
    slope: float  # per step
    tq: float
    s: float
    n: int
    offset: float  # last point minus the mean x
    sxx: float
    name: str = "linear"

    def at(self, h: float) -> tuple[float, float, float]:
        mid = self.level + self.slope * h
        half = self.tq * self.s * math.sqrt(1 + 1 / self.n + (h + self.offset) ** 2 / self.sxx)
        return mid, mid - half, mid + half


@dataclass(frozen=True, slots=True)
class Holt:
    level: float
    trend: float  # per step
    tq: float
    sigma: float  # of the one-step errors
    alpha: float
    beta: float
    name: str = "holt"

    def at(self, h: float) -> tuple[float, float, float]:
        mid = self.level + self.trend * h
        k = max(h, 1.0)  # Hyndman's variance of Holt's h-step forecast
        a, b = self.alpha, self.beta
        half = self.tq * self.sigma * math.sqrt(1 + (k - 1) * (a * a + a * b * k
                                                               + b * b * k * (2 * k - 1) / 6))
        return mid, mid - half, mid + half


@dataclass(frozen=True, slots=True)
class Growth:
    """Compound growth: a line through the logarithms (data that grows by a share a day)."""

    log_line: Line
    name: str = "exponential"

    def at(self, h: float) -> tuple[float, float, float]:
        mid, low, high = self.log_line.at(h)
        return math.exp(mid), math.exp(low), math.exp(high)


def fit_linear(values: Sequence[float]) -> Line:
    n = len(values)
    xbar = (n - 1) / 2
    ybar = sum(values) / n
    sxx = sum((x - xbar) ** 2 for x in range(n))
    slope = sum((x - xbar) * (y - ybar) for x, y in enumerate(values)) / sxx
    intercept = ybar - slope * xbar
    sse = sum((y - intercept - slope * x) ** 2 for x, y in enumerate(values))
    s = math.sqrt(sse / (n - 2)) if n > 2 else 0.0
    return Line(intercept + slope * (n - 1), slope, t_quantile(n - 2), s, n, (n - 1) - xbar, sxx)


def _holt_run(values: Sequence[float], alpha: float, beta: float) -> tuple[float, float, float]:
    level, trend = values[0], values[1] - values[0]
    sse = 0.0
    for y in values[1:]:
        forecast = level + trend
        sse += (y - forecast) ** 2
        new_level = alpha * y + (1 - alpha) * forecast
        trend = beta * (new_level - level) + (1 - beta) * trend
        level = new_level
    return level, trend, sse


def fit_holt(values: Sequence[float]) -> Holt:
    """Holt's linear (double exponential) smoothing, alpha and beta by least one-step error."""
    alpha, beta, level, trend, sse = min(
        ((a, b, *_holt_run(values, a, b)) for a in ALPHAS for b in BETAS), key=lambda r: r[4])
    n = len(values)
    sigma = math.sqrt(sse / (n - 3)) if n > 3 else 0.0
    return Holt(level, trend, t_quantile(max(n - 3, 1)), sigma, alpha, beta)


def fit_growth(values: Sequence[float]) -> Growth | None:
    if min(values) <= 0:
        return None
    return Growth(fit_linear([math.log(v) for v in values]))


def choose(values: Sequence[float]) -> Model:
    """The model that best predicted the newest points when fitted without them, refitted on
    everything. A richer model must beat a simpler one clearly (see MARGIN): ties go to the line,
    the plainer story."""
    n = len(values)
    if n < MIN_HOLDOUT_POINTS:
        return fit_linear(values)
    held = max(3, int(n * HOLDOUT))
    train, test = values[:-held], values[-held:]
    scale = sum(abs(v) for v in values) / n or 1.0

    def error(model: Model | None) -> float:
        if model is None:
            return math.inf
        return sum(abs(model.at(h)[0] - y) for h, y in enumerate(test, start=1)) / scale

    fits: list[tuple[Callable[[Sequence[float]], Model | None], float]] = [
        (fit_linear, error(fit_linear(train))), (fit_holt, error(fit_holt(train))),
        (fit_growth, error(fit_growth(train)))]
    best_fit, best_error = fits[0]
    for fit, err in fits[1:]:
        if err < MARGIN * best_error - 1e-9:
            best_fit, best_error = fit, err
    return best_fit(values) or fit_linear(values)


def _first_crossing(func: Callable[[float], float], capacity: float,
                    step_days: float) -> float | None:
    """Days until func(h steps) reaches capacity, by bisection; None beyond MAX_DAYS."""
    hi_h = MAX_DAYS / step_days
    if func(hi_h) < capacity:
        return None
    lo_h = 0.0
    if func(lo_h) >= capacity:
        return 0.0
    for _ in range(80):
        mid = (lo_h + hi_h) / 2
        if func(mid) >= capacity:
            hi_h = mid
        else:
            lo_h = mid
    return hi_h * step_days


def forecast(target: str, kind: str, points: Sequence[Point], capacity: float | None,
             rules: ForecastRules, now: float | None = None) -> Forecast:
    """Forecast one series. `now` (epoch seconds) defaults to its newest point."""
    pts = sorted(points)
    used = pts[-1][1] if pts else 0.0
    empty = Forecast(target, kind, used, capacity, "too-short", "", "", None, None, None, None,
                     (), "", False, None, ())
    span = pts[-1][0] - pts[0][0] if pts else 0.0
    if len(pts) < rules.min_points or span < rules.min_span_seconds:
        return replace(empty, message=(
            f"not enough history: {len(pts)} point(s) over {human_duration(span)}; "
            f"a forecast needs {rules.min_points} over {human_duration(rules.min_span_seconds)}"))
    start, values, step = regularise(pts)
    values, drops = remove_drops(values)
    model = choose(values)
    step_days = step / DAY
    last_t = start + (len(values) - 1) * step  # the model's h = 0
    ahead = ((pts[-1][0] if now is None else now) - last_t) / step
    growth = (model.at(ahead + 1)[0] - model.at(ahead)[0]) / step_days  # per day, now
    cleaned = f" ({drops} cleanup drop(s) set aside)" if drops else ""
    projections = tuple((d, model.at(ahead + d / step_days)[0]) for d in PROJECTION_DAYS)
    path = tuple((last_t + h * step, *model.at(h))
                 for h in _path_steps(ahead, step_days, rules.horizon_days))
    base = replace(empty, model=model.name, growth_per_day=growth, projections=projections,
                    path=path, status="ok",
                    recommended_capacity=growth * rules.retention_days * rules.redundancy
                    if growth > 0 else None)
    scale = capacity if capacity else max(abs(v) for v in values) or 1.0
    if abs(growth) * rules.horizon_days < 0.001 * scale:
        return replace(base, status="flat", message="flat: no growth to forecast" + cleaned)
    if growth < 0:
        return replace(base, status="shrinking",
                        message="shrinking: no date to forecast" + cleaned)
    if capacity is None:
        return replace(base, message="growing; capacity unknown, so no date" + cleaned)
    if used >= capacity:
        return replace(base, status="full", days_to_full=0.0, days_to_full_low=0.0,
                        severity="critical", message="full now")

    def mid(h: float) -> float:
        return model.at(ahead + h)[0]

    def upper(h: float) -> float:
        return model.at(ahead + h)[2]

    def lower(h: float) -> float:
        return model.at(ahead + h)[1]

    days = _first_crossing(mid, capacity, step_days)
    low = _first_crossing(upper, capacity, step_days)
    high = _first_crossing(lower, capacity, step_days)
    need = max(0.0, mid(rules.horizon_days / step_days) - mid(0.0))
    free = capacity - used
    severity = ""
    if days is not None and days < rules.critical_days:
        severity = "critical"
    elif free < rules.headroom * need:
        severity = "warning"
    message = (f"full in {days:.1f} days" if days is not None
               else f"not full within {MAX_DAYS / 365:.0f} years") + cleaned
    return replace(base, days_to_full=days, days_to_full_low=low, days_to_full_high=high,
                    severity=severity, message=message)


def forecast_with_expansion(target: str, kind: str, points: Sequence[Point],
                            capacity: float | None, rules: ForecastRules,
                            now: float | None = None) -> Forecast:
    """The forecast, with `expand` set when it and the forecasts made at the previous
    `expand_after - 1` samples were all over a threshold (one bad sample is not a trend)."""
    pts = sorted(points)
    latest = forecast(target, kind, pts, capacity, rules, now)
    if not latest.severity or len(pts) < rules.expand_after:
        return latest
    for back in range(1, rules.expand_after):
        earlier = forecast(target, kind, pts[:-back], capacity, rules)
        if not earlier.severity:
            return latest
    return replace(latest, expand=True, message=latest.message + "; expand the capacity")


def _path_steps(ahead: float, step_days: float, horizon_days: float) -> list[float]:
    end = ahead + horizon_days / step_days
    return [ahead + (end - ahead) * i / 48 for i in range(49)]


SEVERITY_RANK = {"critical": 0, "warning": 1, "": 2}


def urgency(f: Forecast) -> tuple[float, int, str]:
    """Sort key: soonest full first, then the worst warning, then by name."""
    days = f.days_to_full if f.days_to_full is not None else float("inf")
    return days, SEVERITY_RANK.get(f.severity, 3), f.target
