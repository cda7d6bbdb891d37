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


def test_no_column_is_dropped_while_a_less_important_one_stays() -> None:
    """The Alerts pane with a pending row lost State but kept the narrower For."""
    columns = [Want("a", 10, 0), Want("wide", 50, 1), Want("b", 5, 2)]
    assert fit(columns, 20, 0) == {"a": 10}


def test_a_stretchy_column_ranked_after_a_number_shrinks_before_it_goes() -> None:
    """A forecast's target is shown first but ranked after its use: at 80 columns the
    target is cut (…) and the use stays; with room the target is whole."""
    columns = [Want("target", 31, 3, least=16), Want("full", 22, 0), Want("state", 17, 1),
               Want("used", 7, 2), Want("cap", 8, 4)]
    widths = fit(columns, 78, 1)
    assert list(widths) == ["target", "full", "state", "used"]
    assert widths["target"] == 78 - (22 + 17 + 7) - 8
    assert fit(columns, 200, 1)["target"] == 31


def test_the_kept_columns_never_overflow() -> None:
    columns = [Want("a", 12, 0, least=6), Want("b", 9, 2), Want("c", 30, 1, least=10),
               Want("d", 4, 3)]
    for room in range(1, 90):
        widths = fit(columns, room, 1)
        assert widths, room
        if len(widths) > 1:
            assert sum(widths.values()) + 2 * len(widths) <= room, room
        kept = sorted(widths, key=lambda k: next(c.priority for c in columns if c.key == k))
        ranked = [c.key for c in sorted(columns, key=lambda c: c.priority)]
        assert kept == ranked[:len(kept)], room  # the most important ones, none skipped


def test_the_first_column_always_shows_even_cut() -> None:
    assert fit([Want("name", 30, 0)], 10, 1) == {"name": 8}
