"""Numbers and durations as an operator reads them, in the cells they are given."""

from __future__ import annotations

import pytest

from fintui.core.format import human_bytes, human_duration, human_rate, percent

DAY, HOUR, MINUTE = 86400, 3600, 60


@pytest.mark.parametrize(("seconds", "shown"), [
    (42, "42s"), (MINUTE, "1m"), (12 * MINUTE + 5, "12m 05s"), (5 * HOUR, "5h"),
    (5 * HOUR + 2 * MINUTE, "5h 02m"), (7 * DAY, "7d"), (7 * DAY + 3 * HOUR, "7d 3h"),
    (7 * DAY + 3 * HOUR + 59 * MINUTE, "7d 3h"), (10 * DAY + 5 * HOUR, "10d"),
    (300 * DAY, "300d"), (0, "0s"), (None, "-"), (-1, "-"),
])
def test_durations_have_at_most_two_units_and_no_empty_second_one(seconds: float | None,
                                                                  shown: str) -> None:
    assert human_duration(seconds) == shown


def test_no_duration_needs_more_than_seven_cells_below_a_thousand_days() -> None:
    """The Up column is 7 cells wide: none of its values is cut."""
    for seconds in range(0, 1000 * DAY, 997):
        assert len(human_duration(seconds)) <= 7, seconds


@pytest.mark.parametrize(("rate", "shown"), [
    (0, "0B/s"), (950, "950B/s"), (999.6, "1.0KiB/s"), (40 * 1024, "40KiB/s"),
    (1.2 * 2**20, "1.2MiB/s"), (12 * 2**20, "12MiB/s"), (999 * 2**20, "999MiB/s"),
    (2**30, "1.0GiB/s"), (None, "-"), (-5, "-"),
])
def test_rates_in_human_units(rate: float | None, shown: str) -> None:
    assert human_rate(rate) == shown


def test_no_rate_needs_more_than_eight_cells() -> None:
    """Two rates without their `/s` and their marks fit the 15 cells of the Net and Block
    columns (whose titles say `/s`)."""
    rate = 0.0
    while rate < 2**50:
        assert len(human_rate(rate)) <= 8 and len(human_rate(rate, "")) <= 6, rate
        rate = rate * 1.07 + 1


def test_percent_fits_six_cells_on_a_big_host() -> None:
    assert percent(4.0) == "4.0%" and percent(127.46) == "127.5%"
    assert percent(3150.2) == "3150%" and percent(None) == "-"
    assert all(len(percent(v / 10)) <= 6 for v in range(0, 99999, 7))


def test_memory_and_its_limit_fit_the_mem_column() -> None:
    """`Mem / Limit` is 17 cells: the widest two sizes and the slash fit."""
    widest = max((human_bytes(v) for v in range(0, 2**40, 2**40 // 9973 + 7)), key=len)
    assert len(f"{widest} / {widest}") <= 17
