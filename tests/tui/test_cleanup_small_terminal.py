"""The clean dialog on an 80x24 terminal with many candidates: its keys, its second
confirmation, each name and each rule in full stay on screen; the list scrolls instead."""

from __future__ import annotations

from typing import Any

from textual.app import App

from fintui.core.cleanup import CleanupPlan
from fintui.model import CleanupItem
from fintui.ops.operations import Plan
from fintui.tui.screens.cleanup import CleanupScreen
from tests.tui.helpers import screen_text

KEYS = "space: tick/untick   y: remove the ticked   n / escape: cancel"


def column(text: str, title: str, rows: int) -> str:
    """The words under a column title, over the given number of screen lines."""
    lines = text.split("\n")
    header = next(i for i, line in enumerate(lines) if f" {title}" in line)
    start = lines[header].index(f" {title}") + 1
    cells = (line[start:].split("  ")[0].strip(" ▅▁▂▃▄▆▇█▎▊")
             for line in lines[header + 1:header + 1 + rows])
    return " ".join(" ".join(cells).split())


def many_candidates(count: int = 23) -> Plan:
    # Names alike but for their ends, as a team's scratch volumes are.
    candidates = [CleanupItem("volume", f"backtest-scratch-eu-west-{n:02d}", f"id{n}",
                              10_000_000 * n,
                              f"unused for 2d0{n % 10}h (volume_ttl 1s)", 180_000.0)
                  for n in range(count)]
    spared = [CleanupItem("volume", f"kept-data-{n}", f"kept{n}", 5_000, f"in use by app-{n}")
              for n in range(12)]
    return Plan("clean", "*", f"remove {count} stale object(s)", [], {"match": ""},
                double_confirm=True, cleanup=CleanupPlan(candidates, spared))


class Host(App[None]):
    def __init__(self, plan: Plan) -> None:
        super().__init__()
        self.plan = plan
        self.answer: Any = "unanswered"

    def on_mount(self) -> None:
        self.push_screen(CleanupScreen(self.plan), self._answered)

    def _answered(self, ids: set[str] | None) -> None:
        self.answer = ids


async def test_keys_second_confirmation_and_rules_visible_at_80x24() -> None:
    app = Host(many_candidates())
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause(0.2)
        text = screen_text(app)
        assert KEYS in text, text
        # Each name and rule is read to its end (wrapped in its column), not cut at the edge.
        assert column(text, "Rule", 4).startswith(
            "unused for 2d00h (volume_ttl 1s) unused for 2d01h (volume_ttl 1s)"), text
        names = column(text, "Name", 4).replace(" ", "")
        assert names.startswith("backtest-scratch-eu-west-00backtest-scratch-eu-west-01"), text
        assert "0 of 23" not in text and "23 of 23 ticked" in text
        await pilot.press("y")
        await pilot.pause(0.1)
        text = screen_text(app)
        assert "This removes 23 objects, more than 5. Press y again to confirm." in text, text
        assert KEYS in text
        await pilot.press("G")  # the list scrolls to its last candidate
        await pilot.pause(0.1)
        assert "st-22" in screen_text(app) and "210MiB" in screen_text(app)
        await pilot.press("y")
        await pilot.pause(0.1)
        assert app.answer == {f"id{n}" for n in range(23)}
