"""Silence alerts by matcher for a while, with a comment: asked for before it takes effect."""

from __future__ import annotations

from datetime import datetime, timedelta

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Footer, Input, Static

from fintui.config_checks import parse_duration
from fintui.core.alerts import Alert, Silence, silence_problem
from fintui.tui.screens.actions import MODAL_CSS
from fintui.tui.widgets.safe import safe
from fintui.tui.widgets.typed_input import TypedInput


class SilenceScreen(ModalScreen[Silence | None]):
    TYPE_AHEAD = True  # what is typed right after `S` belongs here (see key_order)
    # Enter is the screen's (priority), from any field: the footer names it.
    BINDINGS = [Binding("enter", "submit", "Silence", id="silence.submit", priority=True),
                Binding("escape", "dismiss(None)", "Cancel", id="silence.cancel")]
    # Compact fields (a row each): the form, its hint and the footer fit in 80×24.
    DEFAULT_CSS = MODAL_CSS.format(name="SilenceScreen") + """
    SilenceScreen Input { margin: 0 0 1 0; }
    """

    def __init__(self, alert: Alert, author: str, now: datetime) -> None:
        super().__init__()
        self.alert = alert
        self.author = author
        self.now = now

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(safe("Silence alerts"), classes="title")
            yield Static(safe("rule (glob):"))
            yield TypedInput(self.alert.rule, id="rule", compact=True)
            yield Static(safe("target (glob):"))
            yield TypedInput(self.alert.target, id="target", compact=True)
            yield Static(safe("for (like 30m, 2h, 1d):"))
            yield TypedInput("1h", id="duration", compact=True)
            yield Static(safe("comment (required):"))
            yield TypedInput(placeholder="why", id="comment", compact=True)
            yield Static(safe("enter: silence   escape: cancel"), classes="keys")
        yield Footer(compact=True)  # the form's own keys, not the pane's

    def on_mount(self) -> None:
        for box in self.query(Input):
            box.cursor_blink = False
        self.query_one("#comment", Input).focus()

    def action_submit(self) -> None:
        # Enter is a priority key: it runs before the field has taken the keys typed just
        # ahead of it. Queued behind them on the field, the form reads what was typed.
        field = self.focused
        if field is None:
            self._submitted()
        else:
            field.call_later(self._submitted)

    @on(Input.Submitted)
    def _submitted(self) -> None:
        values = {box.id: box.value.strip() for box in self.query(Input)}
        seconds = parse_duration(values["duration"] or "")
        problem = silence_problem(seconds)
        if problem or seconds is None:
            self.notify(f"duration: {problem}", severity="warning", markup=False)
            return
        if not values["comment"]:
            self.notify("a silence needs a comment: say why", severity="warning", markup=False)
            return
        self.dismiss(Silence(values["rule"] or "*", values["target"] or "*",
                             self.now + timedelta(seconds=seconds), values["comment"],
                             self.author))
