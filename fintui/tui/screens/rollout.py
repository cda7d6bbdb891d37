"""The screens of a release from the console: which image (from those on the endpoint, or
typed), how big a canary, how many at a time; and a progress screen that may be closed while
the release goes on (it runs in the console's own worker, not the screen's)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Footer, Input, OptionList, Static
from textual.widgets.option_list import Option

from fintui.core.image_choices import ImageChoice
from fintui.core.running_acts import RunningAct
from fintui.ops.rollout import image_problem
from fintui.tui.key_order import KeysInOrder
from fintui.tui.screens.actions import MODAL_CSS, ProgressScreen, cut_outcome
from fintui.tui.widgets.safe import safe, safe_block, safe_line
from fintui.tui.widgets.typed_input import TypedInput

if TYPE_CHECKING:
    from fintui.agent.remote_ops import Acts
    from fintui.ops.operations import Plan


@dataclass(frozen=True, slots=True)
class RolloutChoice:
    image: str
    canary: int  # replicas first, then the watch window; 0: no canary
    parallelism: int  # replicas replaced at a time


class RolloutScreen(ModalScreen[RolloutChoice | None]):
    """Roll a service out to an image. Returns the choice, or None when cancelled."""

    TYPE_AHEAD = True  # a tag typed right after `R` belongs here (see key_order)

    # Enter is the screen's (priority), from any field: the footer names it.
    BINDINGS = [Binding("enter", "submit", "Show the plan", id="rollout.submit", priority=True),
                Binding("escape", "dismiss(None)", "Cancel", id="rollout.cancel")]
    DEFAULT_CSS = MODAL_CSS.format(name="RolloutScreen") + """
    RolloutScreen .title { padding: 0; }
    RolloutScreen #images { height: auto; max-height: 7; border: round $panel; }
    RolloutScreen Horizontal { height: 1; margin: 1 0 0 0; }
    RolloutScreen .label { width: auto; padding: 0 1 0 0; }
    RolloutScreen #image { width: 1fr; }
    RolloutScreen #canary, RolloutScreen #parallelism { width: 8; margin: 0 2 0 0; }
    RolloutScreen .keys { padding: 0; margin: 1 0 0 0; }
    RolloutScreen #problem { display: none; margin: 1 0 0 0; }
    RolloutScreen #problem.-shown { display: block; }
    """

    def __init__(self, service: str, current: str, choices: list[ImageChoice],
                 replicas: int = 0) -> None:
        super().__init__()
        self.service = service
        self.current = current
        self.choices = choices
        self.replicas = replicas  # running now, as the rows say (0: not known)

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(safe(f"Roll out {self.service} (now {self.current})"),
                         classes="title")
            if self.choices:
                yield OptionList(*(Option(safe(c.label)) for c in self.choices), id="images",
                                 markup=False)
            else:
                yield Static(safe("no other image on this endpoint: type one"))
            with Horizontal():
                yield Static("image", classes="label")
                yield TypedInput(self.current, compact=True, id="image")
            with Horizontal():
                yield Static("canary", classes="label")
                yield TypedInput("0", type="integer", compact=True, id="canary")
                yield Static("at a time", classes="label")
                yield TypedInput("1", type="integer", compact=True, id="parallelism")
            yield Static(id="problem", classes="warn")  # a bad value, said by its field
            yield Static(safe("↑↓ choose  tab: next field  enter: show the plan  "
                              "escape: cancel"), classes="keys")
        yield Footer(compact=True)  # the dialog's own keys, not the pane's

    def on_mount(self) -> None:
        for field in self.query(Input):
            field.cursor_blink = False  # a steady screen over slow SSH
        if self.choices:
            images = self.query_one("#images", OptionList)
            # The first image that is not the running one: the likely next release.
            first = next((i for i, c in enumerate(self.choices)
                          if c.ref != self.current.split("@", 1)[0]), 0)
            images.highlighted = first
            images.focus()
        else:
            self.query_one("#image", Input).focus()

    @on(OptionList.OptionHighlighted, "#images")
    def _chosen(self, event: OptionList.OptionHighlighted) -> None:
        self.query_one("#image", Input).value = self.choices[event.option_index].ref

    def action_submit(self) -> None:
        # Enter is a priority key: it runs before a field has taken the characters typed
        # just ahead of it. Queued behind them, the choice reads them all.
        focused = self.focused
        if isinstance(focused, Input):
            focused.call_later(self._submit)
        else:
            self._submit()

    def _after_typed_keys(self) -> None:
        """Keys typed before enter are still held (a tab was moving the focus when they came):
        read the fields once they have landed in the field the focus moved to."""
        if isinstance(self.app, KeysInOrder) and self.app.holding:
            self.set_timer(0.02, self._after_typed_keys)
        else:
            self.app.call_later(self.action_submit)  # behind the keys given back

    def _number(self, field: str) -> int:
        try:
            return int(self.query_one(f"#{field}", Input).value)
        except ValueError:
            return -1

    def _submit(self) -> None:
        if isinstance(self.app, KeysInOrder) and self.app.holding:
            self._after_typed_keys()
            return
        image = self.query_one("#image", Input).value.strip()
        canary, parallelism = self._number("canary"), self._number("parallelism")
        field, problem = self._problem(image, canary, parallelism)
        if problem:  # the dialog stays, the choices kept: nothing to refuse or audit yet
            shown = self.query_one("#problem", Static)
            shown.update(safe(f"{field}: {problem}"))
            shown.add_class("-shown")
            self.query_one(f"#{field}", Input).focus()
            return
        self.dismiss(RolloutChoice(image, canary, parallelism))

    def _problem(self, image: str, canary: int, parallelism: int) -> tuple[str, str]:
        """The first field with a bad value and why ("" when none), as the planner would
        refuse it, but before anything is asked of it."""
        if not image:
            return "image", "choose or type one"
        if problem := image_problem(image):
            return "image", problem
        if canary < 0:
            return "canary", "a whole number, 0 (none) or more"
        if self.replicas and canary >= self.replicas:
            return "canary", (f"fewer than the {self.replicas} replica(s) of "
                              f"{self.service} (0: no canary)")
        if parallelism < 1:
            return "parallelism", "replicas at a time: a whole number, 1 or more"
        return "", ""


class ReleaseProgressScreen(ProgressScreen):
    """A release's lines as they come. The release is the console's, not this screen's:
    closing it (b, escape) leaves it running, its service's rows marked, and R on them (or
    on their group) opens this again with every line so far."""

    # While it runs these keys put it in the background; once it has ended they only close
    # (check_action hides the one that does not apply, so the footer names the right one).
    BINDINGS = [Binding("b,escape,enter", "background", "Keep running in the background",
                        id="release.background"),
                Binding("escape,enter", "close", "Close", id="release.close")]

    def __init__(self, ops: Acts, plan: Plan, act: RunningAct) -> None:
        super().__init__(ops, plan)
        self.act = act
        self.shown = False  # mounted: is_mounted is False still while on_mount runs

    def start(self) -> None:
        self.shown = True
        self.follow()  # the console's worker runs the plan: this screen only shows it

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "background":
            return not self.act.finished
        if action == "close":
            return self.act.finished
        return True

    def follow(self) -> None:
        """Show the act's lines and state as they are now (called on each new line)."""
        if not self.shown:
            return
        act = self.act
        lines, outcome = list(act.lines), act.outcome
        if act.finished:
            full, outcome = cut_outcome(outcome)
            lines += [full] if full else []
        if lines != self.lines:
            self.lines = lines
            self.query_one("#lines", Static).update(safe_block("\n".join(self.lines)))
            self.query_one("#steps").scroll_end(animate=False)
        state = self.query_one("#state", Static)
        if act.finished:
            if not self.finished:
                self.refresh_bindings()
            self.finished, self.outcome = True, act.outcome
            state.set_classes("" if act.ok else "danger")
            state.update(safe(f"{outcome}   (enter / escape to close)"))
        else:
            state.update(safe("working…  b / escape: keep it running in the background"))

    def action_background(self) -> None:
        app, act = self.app, self.act
        self.dismiss(None)
        if not act.finished:  # said on the screen below, once this one is gone
            app.call_after_refresh(app.notify, safe_line(background_note(act)), markup=False)

    def action_close(self) -> None:
        self.dismiss(None)


def background_note(act: RunningAct) -> str:
    verb = "rollout" if act.action == "rollout" else "rollback"
    return (f"the {verb} of {act.service} goes on in the background: its rows show it; "
            f"{'R' if act.action == 'rollout' else 'B'} on them opens it again")


class LeaveScreen(ModalScreen[bool]):
    """Quit while releases run? Each is named, with what quitting leaves of it. True: quit."""

    BINDINGS = [Binding("y,q", "dismiss(True)", "Quit anyway", id="leave.quit"),
                Binding("n,escape", "dismiss(False)", "Stay", id="leave.stay")]
    DEFAULT_CSS = MODAL_CSS.format(name="LeaveScreen") + """
    LeaveScreen VerticalScroll { height: auto; max-height: 14; }
    """

    def __init__(self, running: list[tuple[str, str]]) -> None:
        super().__init__()
        self.running = running  # (what runs, what quitting leaves of it)

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(safe("A release is still running: quit?" if len(self.running) == 1
                              else f"{len(self.running)} releases are still running: quit?"),
                         classes="title")
            with VerticalScroll():
                for what, left in self.running:
                    yield Static(safe(what), classes="warn")
                    yield Static(safe(f"Quitting stops following it: {left}."))
            yield Static(safe("y / q: quit anyway   n / escape: stay (it goes on)"),
                         classes="keys")
        yield Footer(compact=True)
