"""The header at 80 columns folds the host's numbers onto a second line instead of cutting
them to `│ d…`; at 200 columns it is one line."""

from __future__ import annotations

import pytest

from fintui.tui.widgets.status_bar import Part, StatusBar, fold
from tests.tui.helpers import make_app, screen_text, until_loaded

PARTS: list[Part] = [(" fintui ", "bold"), ("  ● live ", "bold"), "demo://trading-desk",
                     ("  ▲ 2 critical ", "bold"), ("  as ops", "dim"),
                     "  │ demo-trading-01 cpu 37% mem 71GiB/128GiB load 11.2",
                     "  /var/lib/docker 60%", ("  engine 27.3.1 (simulated)", "dim")]


def text(line: list[Part]) -> str:
    return "".join(p if isinstance(p, str) else p[0] for p in line)


def test_one_line_where_it_fits() -> None:
    lines = fold(PARTS, 200)
    assert len(lines) == 1 and text(lines[0]).endswith("engine 27.3.1 (simulated)")


def test_items_fold_whole_and_what_fits_nowhere_is_left_out_whole() -> None:
    lines = fold(PARTS, 80)
    assert [text(line) for line in lines] == [
        " fintui   ● live demo://trading-desk  ▲ 2 critical   as ops",
        " │ demo-trading-01 cpu 37% mem 71GiB/128GiB load 11.2  /var/lib/docker 60%"]
    assert all(len(text(line)) <= 80 for line in lines)
    # The styles stay with their text on the folded line.
    assert fold(PARTS, 80)[0][0] == (" fintui ", "bold")


def test_a_narrower_terminal_keeps_the_order_and_drops_from_the_end() -> None:
    lines = fold(PARTS, 60)
    assert len(lines) == 2 and "as ops" in text(lines[0]) + text(lines[1])
    assert all(len(text(line)) <= 60 for line in lines)
    assert "engine" not in text(lines[1])


@pytest.mark.parametrize(("size", "height"), [((80, 24), 2), ((200, 50), 1)])
async def test_the_header_on_screen(size: tuple[int, int], height: int) -> None:
    app = make_app()
    async with app.run_test(size=size) as pilot:
        await until_loaded(pilot)
        assert app.query_one(StatusBar).size.height == height
        shown = screen_text(app).splitlines()
        header = "\n".join(shown[:height])
        assert "│ demo-trading-01 cpu" in header and "/var/lib/docker" in header
        assert "…" not in header
        assert "1 Containers" in shown[height]  # the tabs right below it


async def test_the_header_folds_and_unfolds_as_the_terminal_is_resized() -> None:
    app = make_app()
    async with app.run_test(size=(200, 50)) as pilot:
        await until_loaded(pilot)
        bar = app.query_one(StatusBar)
        assert bar.size.height == 1
        await pilot.resize_terminal(80, 24)
        await pilot.pause(0.2)
        assert bar.size.height == 2
        assert "│ demo-trading-01" in screen_text(app).splitlines()[1]
        await pilot.resize_terminal(200, 50)
        await pilot.pause(0.2)
        assert bar.size.height == 1


def test_a_long_error_stays_beside_the_name_and_the_rest_folds_below_it() -> None:
    """Disconnected at 80 columns: the error is cut where it stands; the alerts and who is
    acting are not lost behind it."""
    parts: list[Part] = [(" fintui ", "bold"), (" ✕ DISCONNECTED ", "bold"),
                         (" " + "Cannot connect to the Docker daemon " * 3 + "— retrying", ""),
                         ("  STALE since 09:15:07", "bold"), ("  ▲ 2 critical ", "bold"),
                         ("  as ops", "dim")]
    lines = fold(parts, 80)
    assert text(lines[0]).startswith(" fintui  ✕ DISCONNECTED  Cannot connect")
    assert text(lines[1]) == " STALE since 09:15:07  ▲ 2 critical   as ops"
