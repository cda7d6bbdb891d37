"""Forecast models on synthetic series whose answers are known."""

from __future__ import annotations

import math
import random

import pytest

from fintui.core.forecast import (
    ForecastRules,
    fit_linear,
    forecast,
    forecast_with_expansion,
    regularise,
    urgency,
)

DAY = 86400.0
GIB = 1024.0**3
RULES = ForecastRules()


def hourly(days: int, value: object) -> list[tuple[float, float]]:
    """(t, value(day)) every hour for `days` days, starting at epoch 1.7e9."""
    assert callable(value)
    return [(1.7e9 + h * 3600.0, float(value(h / 24))) for h in range(days * 24 + 1)]


def test_exact_linear_growth_gives_the_exact_date() -> None:
    # 100 GiB growing 2 GiB a day for 30 days: 160 GiB now, 200 GiB capacity -> 20 days.
    series = hourly(30, lambda d: 100 * GIB + 2 * GIB * d)
    f = forecast("vol", "volume", series, 200 * GIB, RULES)
    assert f.model == "linear" and f.status == "ok"
    assert f.days_to_full == pytest.approx(20.0, abs=1e-6)
    assert f.days_to_full_low == pytest.approx(20.0, abs=1e-6)
    assert f.days_to_full_high == pytest.approx(20.0, abs=1e-6)
    assert f.growth_per_day == pytest.approx(2 * GIB)
    assert dict(f.projections) == pytest.approx({7: 174 * GIB, 30: 220 * GIB, 90: 340 * GIB})


@pytest.mark.parametrize("seed", [1, 2, 3, 4, 5])
def test_linear_growth_with_noise_keeps_the_truth_inside_the_band(seed: int) -> None:
    rng = random.Random(seed)
    series = hourly(30, lambda d: 100 * GIB + 2 * GIB * d + rng.gauss(0, 3 * GIB))
    f = forecast("vol", "volume", series, 200 * GIB, RULES)
    truth = 20.0  # (200 - 160) / 2, from the noiseless line
    assert f.days_to_full_low is not None and f.days_to_full_high is not None
    assert f.days_to_full_low <= truth <= f.days_to_full_high
    assert f.days_to_full_high - f.days_to_full_low < 10  # a band, not a shrug
    assert f.growth_per_day == pytest.approx(2 * GIB, rel=0.1)


def test_exponential_growth_is_caught_by_the_compound_model() -> None:
    # 3% a day from 50 GiB: a straight line would promise weeks that are not there.
    series = hourly(30, lambda d: 50 * GIB * math.exp(0.03 * d))
    capacity = 300 * GIB
    truth = math.log(capacity / (50 * GIB)) / 0.03 - 30
    f = forecast("vol", "volume", series, capacity, RULES)
    assert f.model == "exponential"
    assert f.days_to_full == pytest.approx(truth, rel=0.01)
    _, values, step = regularise(series)
    line = fit_linear(values)
    line_days = (capacity - line.level) / line.slope * step / DAY
    assert line_days > truth + 10  # what a straight line alone would have promised


def test_a_flat_series_gives_no_date() -> None:
    rng = random.Random(9)
    series = hourly(30, lambda d: 100 * GIB + rng.gauss(0, 0.01 * GIB))
    f = forecast("vol", "volume", series, 200 * GIB, RULES)
    assert f.status == "flat" and f.days_to_full is None and not f.severity
    assert "flat" in f.message


def test_a_shrinking_series_gives_no_date() -> None:
    f = forecast("vol", "volume", hourly(30, lambda d: 150 * GIB - GIB * d), 200 * GIB, RULES)
    assert f.status == "shrinking" and f.days_to_full is None


def test_a_cleanup_drop_is_set_aside_and_growth_continues_from_the_new_level() -> None:
    # 2 GiB a day, with 40 GiB deleted on day 15: 120 GiB now, full in (200-120)/2 = 40 days.
    series = hourly(30, lambda d: 100 * GIB + 2 * GIB * d - (40 * GIB if d >= 15 else 0))
    f = forecast("vol", "volume", series, 200 * GIB, RULES)
    assert f.days_to_full == pytest.approx(40.0, rel=1e-6)
    assert f.growth_per_day == pytest.approx(2 * GIB)
    assert "1 cleanup drop" in f.message


@pytest.mark.parametrize("points,hours", [(3, 1.0), (50, 0.1)])
def test_too_little_history_says_so_instead_of_inventing_a_date(points: int,
                                                                hours: float) -> None:
    series = [(i * hours * 3600 / points, 1e9 + i * 1e8) for i in range(points)]
    f = forecast("vol", "volume", series, 2e9, RULES)
    assert f.status == "too-short" and f.days_to_full is None and f.model == ""
    assert "not enough history" in f.message and f"{points} point(s)" in f.message


def test_no_capacity_gives_growth_without_a_date() -> None:
    f = forecast("vol", "volume", hourly(10, lambda d: GIB * (1 + d)), None, RULES)
    assert f.growth_per_day == pytest.approx(GIB) and f.days_to_full is None
    assert "capacity unknown" in f.message


def test_full_now_is_critical() -> None:
    f = forecast("fs", "filesystem", hourly(10, lambda d: GIB * (10 + d)), 15 * GIB, RULES)
    assert f.status == "full" and f.days_to_full == 0 and f.severity == "critical"


def test_warning_when_free_space_is_below_the_headroom_for_the_horizon() -> None:
    # 1 GiB/day: 30 days need 30 GiB, 120% of that is 36 GiB.
    grow = hourly(10, lambda d: 100 * GIB + GIB * d)
    assert forecast("a", "x", grow, 110 * GIB + 35 * GIB, RULES).severity == "warning"
    assert forecast("b", "x", grow, 110 * GIB + 37 * GIB, RULES).severity == ""
    # Under the critical threshold (7 days) it is critical, not a warning.
    assert forecast("c", "x", grow, 110 * GIB + 6 * GIB, RULES).severity == "critical"


def test_expand_only_after_three_samples_running_over_the_threshold() -> None:
    base = hourly(10, lambda d: 100 * GIB + GIB * d)  # 110 GiB now, +1 GiB a day
    capacity = 140 * GIB  # 30 GiB free < 36 GiB needed: warning
    assert forecast_with_expansion("v", "x", base, capacity, RULES).expand
    # A single jump on the last sample crosses the line once: a warning, not yet "expand".
    quiet = hourly(10, lambda d: 100 * GIB + 0.1 * GIB * d)
    spike = [*quiet[:-1], (quiet[-1][0], quiet[-1][1] + 60 * GIB)]
    f = forecast_with_expansion("v", "x", spike, 160 * GIB, RULES)
    assert f.severity and not f.expand


def test_planning_figure_is_daily_writes_times_retention_times_redundancy() -> None:
    f = forecast("v", "x", hourly(10, lambda d: 100 * GIB + 4 * GIB * d), 10_000 * GIB,
                 ForecastRules(retention_days=14, redundancy=2.5))
    assert f.recommended_capacity == pytest.approx(4 * GIB * 14 * 2.5)


def test_uneven_sampling_does_not_bend_a_straight_line() -> None:
    rng = random.Random(3)
    times = sorted(rng.uniform(0, 20 * DAY) for _ in range(400))
    series = [(t, 10 * GIB + GIB * t / DAY) for t in times]
    f = forecast("v", "x", series, 100 * GIB, RULES)
    now_value = 10 * GIB + GIB * times[-1] / DAY
    assert f.days_to_full == pytest.approx((100 * GIB - now_value) / GIB, rel=1e-3)


def test_urgency_orders_soonest_full_first_then_severity() -> None:
    grow = hourly(10, lambda d: 100 * GIB + GIB * d)
    soon = forecast("soon", "x", grow, 115 * GIB, RULES)
    later = forecast("later", "x", grow, 200 * GIB, RULES)
    flat = forecast("flat", "x", hourly(10, lambda d: GIB), 2 * GIB, RULES)
    assert [f.target for f in sorted([flat, later, soon], key=urgency)] == [
        "soon", "later", "flat"]
