"""Silence alerts by matcher for a while, with a comment: asked for before it takes effect."""

from __future__ import annotations

from datetime import datetime, timedelta

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Static

from fintui.config_checks import parse_duration
from fintui.core.alerts import Alert, Silence, silence_problem
from fintui.tui.screens.actions import MODAL_CSS
from fintui.tui.widgets.safe import safe


class SilenceScreen(ModalScreen[Silence | None]):
    BINDINGS = [Binding("escape", "dismiss(None)", "Cancel", id="silence.cancel")]
    DEFAULT_CSS = MODAL_CSS.format(name="SilenceScreen")

    def __init__(self, alert: Alert, author: str, now: datetime) -> None:
        super().__init__()
        self.alert = alert
        self.author = author
        self.now = now

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(safe("Silence alerts"), classes="title")
            yield Static(safe("rule (glob):"))
            yield Input(self.alert.rule, id="rule")
            yield Static(safe("target (glob):"))
            yield Input(self.alert.target, id="target")
            yield Static(safe("for (like 30m, 2h, 1d):"))
            yield Input("1h", id="duration")
            yield Static(safe("comment (required):"))
            yield Input(placeholder="why", id="comment")
            yield Static(safe("enter on the comment: silence   escape: cancel"), classes="keys")

    def on_mount(self) -> None:
        for box in self.query(Input):
            box.cursor_blink = False
        self.query_one("#comment", Input).focus()

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
