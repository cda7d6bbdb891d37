"""Each dialog shows its own keys in a footer of its own, not the pane's underneath; the
silence form fits an 80x24 terminal with its hint in view."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.pilot import Pilot
from textual.widgets import Footer

from fintui.core.alerts import Alert, Silence
from fintui.tui.screens.silence import SilenceScreen
from tests.tui.helpers import (
    make_app,
    screen_text,
    until_action_finished,
    until_loaded,
    wait_for,
)
from tests.tui.test_snapshots_actions import on_row

NOW = datetime(2026, 3, 2, 1, 30, tzinfo=UTC)


class Host(App[None]):
    """A pane's footer keys underneath, as the alerts pane has them."""

    BINDINGS = [Binding("a", "bell", "Ack"), Binding("S", "bell", "Silence…")]

    def __init__(self) -> None:
        super().__init__()
        self.answer: Silence | str | None = "unanswered"

    def compose(self) -> ComposeResult:
        yield Footer(compact=True)

    def on_mount(self) -> None:
        alert = Alert("crash-loop", "recon-worker", "critical", "firing", 3.0, NOW)
        self.push_screen(SilenceScreen(alert, "ops", NOW), self._answered)

    def _answered(self, silence: Silence | None) -> None:
        self.answer = silence


def footer(text: str) -> str:
    return text.rstrip("\n").split("\n")[-1]


async def test_silence_form_fits_80x24_with_its_hint_and_own_keys() -> None:
    app = Host()
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, "esc Cancel")  # the footer comes last, on a busy machine late
        text = screen_text(app)
        assert "enter: silence   escape: cancel" in text, text
        for label in ("rule (glob):", "target (glob):", "for (like 30m, 2h, 1d):",
                      "comment (required):"):
            assert label in text, text
        last = footer(text)
        assert "⏎ Silence" in last and "esc Cancel" in last, last
        assert "Ack" not in last, last
        await pilot.press(*"rerun", "enter")  # enter submits from the comment
        await pilot.pause(0.1)
    assert isinstance(app.answer, Silence)
    assert (app.answer.comment, app.answer.rule, app.answer.target) == (
        "rerun", "crash-loop", "recon-worker")


def test_silence_form_80x24(snap_compare: Any) -> None:
    assert snap_compare(Host(), terminal_size=(80, 24))


async def test_each_dialog_lists_its_own_keys() -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await on_row(pilot, "pricing.1.k3j9x2a1")
        await pilot.press("s")
        await pilot.pause(0.1)
        last = footer(screen_text(app))
        assert "⏎ Scale" in last and "esc Cancel" in last and "Isolate" not in last, last
        await pilot.press("backspace", "0", "enter")
        await pilot.pause(0.1)
        last = footer(screen_text(app))
        assert "y Confirm" in last and "n Cancel" in last and "Isolate" not in last, last
        await pilot.press("y")
        await pilot.pause(0.1)
        assert "This scales pricing to zero" in screen_text(app)
        await pilot.press("n")
        await pilot.pause(0.1)
        await pilot.press("3", "c")
        await pilot.pause(0.2)
        last = footer(screen_text(app))
        assert "space Tick/untick" in last and "y Remove" in last, last


async def scale_to_zero(pilot: Pilot[int]) -> None:
    await on_row(pilot, "pricing.1.k3j9x2a1")
    await pilot.press("s", "backspace", "0", "enter")
    await pilot.pause(0.1)
    await pilot.press("y")
    await pilot.pause(0.1)


def test_scale_dialog_80x24(snap_compare: Any) -> None:
    async def run(pilot: Pilot[int]) -> None:
        await on_row(pilot, "pricing.1.k3j9x2a1")
        await pilot.press("s")
        await pilot.pause(0.1)

    assert snap_compare(make_app(), terminal_size=(80, 24), run_before=run)


def test_second_confirmation_80x24(snap_compare: Any) -> None:
    assert snap_compare(make_app(), terminal_size=(80, 24), run_before=scale_to_zero)


def test_progress_80x24(snap_compare: Any) -> None:
    async def run(pilot: Pilot[int]) -> None:
        await on_row(pilot, "risk-var-batch-1")
        await pilot.press("i")
        await pilot.pause(0.1)
        await pilot.press("y")
        await until_action_finished(pilot)
        await pilot.pause(0.1)

    assert snap_compare(make_app(), terminal_size=(80, 24), run_before=run)


def test_cleanup_dialog_80x24(snap_compare: Any) -> None:
    async def run(pilot: Pilot[int]) -> None:
        await until_loaded(pilot)
        await pilot.press("3")
        await pilot.pause(0.2)
        await pilot.press("c")
        await pilot.pause(0.2)

    assert snap_compare(make_app(), terminal_size=(80, 24), run_before=run)
