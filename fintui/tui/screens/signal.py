"""`K`: which signal to send a container. Up and down step through the usual ones; any other
name or number may be typed."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Footer, Input, Static

from fintui.core.container_lifecycle import signal_name
from fintui.tui.screens.actions import MODAL_CSS
from fintui.tui.widgets.safe import safe
from fintui.tui.widgets.typed_input import TypedInput

SIGNALS = ("TERM", "KILL", "INT", "HUP", "USR1")


def signal_of(text: str) -> str | None:
    """The signal typed (TERM, sigterm, 15), as its name; None when it is none."""
    try:
        return signal_name(text) if text.strip() else None
    except ValueError:
        return None


class SignalScreen(ModalScreen[str | None]):
    """Returns the signal (SIGTERM, or a number), or None when cancelled."""

    TYPE_AHEAD = True  # a name typed right after `K` belongs here (see key_order)

    BINDINGS = [Binding("enter", "submit", "Kill", id="signal.submit", priority=True),
                Binding("down", "step(1)", "Next signal", id="signal.next", priority=True),
                Binding("up", "step(-1)", "Previous signal", show=False, id="signal.previous",
                        priority=True),
                Binding("escape", "dismiss(None)", "Cancel", id="signal.cancel")]
    DEFAULT_CSS = MODAL_CSS.format(name="SignalScreen")

    def __init__(self, container: str) -> None:
        super().__init__()
        self.container = container

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(safe(f"Kill {self.container}"), classes="title")
            yield Static(safe(f"Signal to send ({', '.join(SIGNALS)}, or type one):"))
            yield TypedInput(SIGNALS[0], id="signal")
            yield Static(safe("up/down: the usual ones   enter: show the plan   "
                              "escape: cancel"), classes="keys")
        yield Footer(compact=True)  # the dialog's own keys, not the pane's

    def on_mount(self) -> None:
        field = self.query_one(Input)
        field.cursor_blink = False  # a steady screen over slow SSH
        field.select_all()  # typing replaces the suggestion

    def action_step(self, by: int) -> None:
        field = self.query_one("#signal", Input)
        current = field.value.strip().upper().removeprefix("SIG")
        at = SIGNALS.index(current) if current in SIGNALS else -by
        field.value = SIGNALS[(at + by) % len(SIGNALS)]
        field.select_all()

    def action_submit(self) -> None:
        # Enter is a priority key: queued behind the letters typed just ahead of it, it
        # reads them all (as ScaleScreen's).
        field = self.query_one("#signal", Input)
        field.call_later(field.action_submit)

    @on(Input.Submitted, "#signal")
    def _submitted(self, event: Input.Submitted) -> None:
        signal = signal_of(event.value)
        if signal is None:  # the dialog stays: nothing to refuse or audit yet
            self.notify("a signal's name (TERM, SIGUSR2) or number (1-31)",
                        severity="warning", markup=False)
        else:
            self.dismiss(signal)
