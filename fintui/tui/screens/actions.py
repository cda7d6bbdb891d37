"""The screens of an action: ask how many (scale), show the plan and confirm (twice for big
ones), then show progress while the operations layer works."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import events, on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Footer, Input, Static

from fintui.ops.approvals import refusal_line
from fintui.ops.operations import Failed, Plan, Refused, failure_line
from fintui.ops.plan import second_reason
from fintui.tui.widgets.safe import safe, safe_block
from fintui.tui.widgets.typed_input import TypedInput

if TYPE_CHECKING:
    from fintui.agent.remote_ops import Acts

MODAL_CSS = """
{name} {{ align: center middle; }}
{name} > Vertical {{ width: 90; max-width: 95%; height: auto; max-height: 90%;
                    border: thick $primary; background: $surface; padding: 0 1; }}
{name} .title {{ text-style: bold; color: $primary; padding: 0 0 1 0; }}
{name} .warn {{ color: $warning; }}
{name} .danger {{ color: $error; text-style: bold; }}
{name} .keys {{ color: $text-muted; padding: 1 0 0 0; }}
"""


# An outcome longer than this (three lines of a dialog at 80 columns, with the close keys)
# is cut on the state line and given in full in the log, which scrolls.
LONG = 150


def cut_outcome(outcome: str) -> tuple[str, str]:
    """(the outcome for the log, or "" when short; what the state line says): so that the
    close keys after it stay in view even at 80x24."""
    if len(outcome) <= LONG:
        return "", outcome
    return outcome, outcome[:LONG].rsplit(" ", 1)[0] + "… (in full above)"


class ScaleScreen(ModalScreen[int | None]):
    """How many replicas? Returns the number, or None when cancelled."""

    TYPE_AHEAD = True  # a count typed right after `s` belongs here (see key_order)

    # Enter is the screen's (priority): the footer names it, then the field submits.
    BINDINGS = [Binding("enter", "submit", "Scale", id="scale.submit", priority=True),
                Binding("escape", "dismiss(None)", "Cancel", id="scale.cancel")]
    DEFAULT_CSS = MODAL_CSS.format(name="ScaleScreen")

    def __init__(self, target: str, current: int) -> None:
        super().__init__()
        self.target = target
        self.current = current

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(safe(f"Scale {self.target}"), classes="title")
            yield Static(safe(f"{self.current} running now. Desired replicas:"))
            yield TypedInput(str(self.current), type="integer", id="replicas")
            yield Static(safe("enter: show the plan   escape: cancel"), classes="keys")
        yield Footer(compact=True)  # the dialog's own keys, not the pane's

    def on_mount(self) -> None:
        self.query_one(Input).cursor_blink = False  # a steady screen over slow SSH

    def action_submit(self) -> None:
        # Enter is a priority key: it runs before the field has taken the digits typed just
        # ahead of it (`s`, `4`, enter in one read). Queued behind them, it reads them all.
        field = self.query_one("#replicas", Input)
        field.call_later(field.action_submit)

    @on(Input.Submitted, "#replicas")
    def _submitted(self, event: Input.Submitted) -> None:
        try:
            replicas = int(event.value)
        except ValueError:
            replicas = -1
        if replicas < 0:  # the dialog stays: nothing to refuse or audit yet
            self.notify("enter a whole number, 0 or more", severity="warning", markup=False)
        else:
            self.dismiss(replicas)


class ConfirmScreen(ModalScreen[bool]):
    """The plan, and y/n. Scaling to zero or touching many instances asks a second time."""

    BINDINGS = [
        Binding("y", "yes", "Confirm", id="confirm.yes"),
        Binding("n,escape", "no", "Cancel", id="confirm.no"),
        # A long plan scrolls (its warnings may be last); the y/n line below stays in view.
        Binding("pagedown", "scroll('page_down')", "Scroll"),  # named when there is more
        Binding("pageup", "scroll('page_up')", show=False),
        Binding("down", "scroll('scroll_down')", show=False),
        Binding("up", "scroll('scroll_up')", show=False),
        Binding("end", "scroll('scroll_end')", show=False),
        Binding("home", "scroll('scroll_home')", show=False),
    ]
    DEFAULT_CSS = MODAL_CSS.format(name="ConfirmScreen") + """
    ConfirmScreen #plan { height: auto; }
    """

    def __init__(self, plan: Plan) -> None:
        super().__init__()
        self.plan = plan
        self.asked = 0

    def compose(self) -> ComposeResult:
        plan = self.plan
        with Vertical():
            with VerticalScroll(id="plan", can_focus=False):
                yield Static(safe(plan.summary), classes="title")
                yield Static(safe_block("\n".join(f"• {step}" for step in plan.steps)))
                for warning in plan.warnings:
                    yield Static(safe(f"! {warning}"), classes="warn")
                if plan.decision.override:
                    yield Static(safe(f"! {plan.decision.reason}: {plan.decision.override}"),
                                 classes="warn")
                yield Static(id="second", classes="danger")
            yield Static(safe("y: go ahead   n / escape: cancel (nothing changes)"),
                         classes="keys")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self._fit(self.app.size.height)

    def on_resize(self, event: events.Resize) -> None:
        self._fit(event.size.height)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "scroll":  # only a plan taller than the dialog scrolls (and says so)
            return self.query_one("#plan", VerticalScroll).max_scroll_y > 0
        return True

    def _fit(self, height: int) -> None:
        # The dialog is at most 90% of the screen above the footer (MODAL_CSS); its body
        # scrolls within that, less the border and the y/n line, which so stays in view.
        body = (height - 1) * 9 // 10 - 4
        self.query_one("#plan", VerticalScroll).styles.max_height = max(3, body)
        self.call_after_refresh(self.refresh_bindings)  # whether it scrolls, once laid out

    def action_yes(self) -> None:
        self.asked += 1
        if self.plan.double_confirm and self.asked == 1:
            self.query_one("#second", Static).update(safe(
                f"{second_reason(self.plan)} Press y again to confirm."))
            self.query_one("#plan", VerticalScroll).scroll_end(animate=False)
            return
        self.dismiss(True)

    def action_no(self) -> None:
        self.dismiss(False)

    def action_scroll(self, how: str) -> None:
        getattr(self.query_one("#plan", VerticalScroll), f"action_{how}")()


class ProgressScreen(ModalScreen[None]):
    """Runs a confirmed plan through the operations layer and shows each step as it happens."""

    BINDINGS = [Binding("escape,enter", "close", "Close", id="progress.close")]
    DEFAULT_CSS = MODAL_CSS.format(name="ProgressScreen") + """
    ProgressScreen #steps { height: 12; border: round $panel; }
    """

    def __init__(self, ops: Acts, plan: Plan) -> None:
        super().__init__()
        self.ops = ops
        self.plan = plan
        self.finished = False
        self.outcome = ""
        self.lines: list[str] = []

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(safe(self.plan.summary), classes="title")
            # Wrapped, not cut at the edge: a bundle path or a note is read in full.
            with VerticalScroll(id="steps"):
                yield Static(id="lines")
            yield Static(safe("working… (the screen stays live; this cannot be interrupted)"),
                         id="state")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.start()

    def start(self) -> None:
        """Run the plan; a screen that only shows an act run elsewhere follows it instead."""
        self.run_plan()

    @work(exclusive=True, group="action", exit_on_error=False)
    async def run_plan(self) -> None:
        state = self.query_one("#state", Static)
        step = self.write_line

        try:
            outcome = await self.ops.execute(self.plan, step)
        except (Refused, Failed) as exc:
            self.outcome = refusal_line(exc) if isinstance(exc, Refused) else \
                failure_line(str(exc))
            state.set_classes("danger")
        else:
            self.outcome = "done"
            bundle = outcome.result.get("bundle")
            if bundle:
                step(f"forensics bundle: {bundle}")
            for warning in self.plan.warnings:
                step(f"note: {warning}")
        self.finished = True
        full, shown = cut_outcome(self.outcome)
        if full:
            step(full)
        state.update(safe(f"{shown}   (enter / escape to close)"))

    def write_line(self, line: str) -> None:
        """Add a line (untrusted: escapes made visible), wrapped, and keep the newest in view."""
        self.lines.append(line)
        self.query_one("#lines", Static).update(safe_block("\n".join(self.lines)))
        self.query_one("#steps", VerticalScroll).scroll_end(animate=False)

    def action_close(self) -> None:
        if self.finished:
            self.dismiss(None)
        else:
            self.notify("still working: wait for it to finish", severity="warning",
                        markup=False)
