"""Fitting columns to a terminal's width."""

from __future__ import annotations

from fintui.core.fit import Want, fit

COLUMNS = [Want("severity", 8, 0), Want("rule", 17, 2), Want("target", 20, 1),
           Want("marks", 19, 4), Want("runbook", 60, 5, least=12)]


def test_everything_fits_when_there_is_room() -> None:
    assert fit(COLUMNS, 200, 1) == {"severity": 8, "rule": 17, "target": 20, "marks": 19,
                                    "runbook": 60}


def test_a_stretchy_column_takes_what_is_left_and_order_is_kept() -> None:
    widths = fit(COLUMNS, 100, 1)
    assert list(widths) == ["severity", "rule", "target", "marks", "runbook"]
    assert widths["runbook"] == 100 - (8 + 17 + 20 + 19) - 10


def test_narrow_terminals_drop_the_least_important_whole() -> None:
    widths = fit(COLUMNS, 60, 1)
    assert list(widths) == ["severity", "rule", "target"]  # marks would not fit, nor 12 of runbook
    assert sum(widths.values()) + 2 * len(widths) <= 60


def test_a_smaller_column_still_fits_after_a_wide_one_is_dropped() -> None:
    columns = [Want("a", 10, 0), Want("wide", 50, 1), Want("b", 5, 2)]
    assert fit(columns, 20, 0) == {"a": 10, "b": 5}


def test_the_first_column_always_shows_even_cut() -> None:
    assert fit([Want("name", 30, 0)], 10, 1) == {"name": 8}
