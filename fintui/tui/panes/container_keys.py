"""The Containers pane's act keys: which key asks for which act, and how a viewer's greyed-out
key still reaches the guard (so the refusal is on screen and in the audit log)."""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from textual import events
from textual.binding import Binding
from textual.dom import DOMNode

from fintui.tui.widgets.navigation import bound_id

if TYPE_CHECKING:
    from fintui.model import Container

# Everyday acts (lazydocker's and k9s' keys where they are free here). Not in the footer: the
# footer at 80 columns is full; `?` and `fintui keys` list them.
ACT_BINDINGS = [
    Binding("r", "act('restart')", "Restart", show=False, id="containers.restart"),
    Binding("x", "act('stop')", "Stop / start", show=False, id="containers.stop"),
    Binding("p", "act('pause')", "Pause / unpause", show=False, id="containers.pause"),
    Binding("K", "act('kill')", "Kill (choose a signal)", show=False, id="containers.kill"),
    Binding("D", "act('remove')", "Remove", show=False, id="containers.remove"),
    Binding("E", "act('shell')", "Shell", show=False, id="containers.shell"),
]

# Binding id -> the act it asks for (the guard's word for it).
KEY_ACTS = {"containers.scale": "scale", "containers.isolate": "isolate",
            "containers.release": "release",
            "containers.rollout": "rollout", "containers.rollback": "rollback",
            **{b.id: b.action.split("'")[1] for b in ACT_BINDINGS if b.id}}


def act_for(act: str, container: Container) -> str:
    """What a key does to this row: x starts a container that is not running, p unpauses a
    paused one."""
    if act == "stop" and container.state not in ("running", "paused", "restarting"):
        return "start"
    if act == "pause" and container.state == "paused":
        return "unpause"
    return act


class ActKeys:
    """Mixed into the pane: act keys are shown greyed for a viewer, yet still asked for."""

    may_act: bool

    if TYPE_CHECKING:
        def action_act(self, action: str) -> None: ...

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "act" and not self.may_act:
            return None  # shown, but disabled: a viewer may look, not touch
        return True

    def on_key(self, event: events.Key) -> None:
        # A viewer's disabled key still reaches the guard, which refuses it on screen and in
        # the audit log: an attempt is worth recording. Keys come from the live (remapped)
        # bindings, so [keys] moves this too.
        action = KEY_ACTS.get(bound_id(cast(DOMNode, self), event.key) or "")
        if action and not self.may_act:
            event.stop()
            self.action_act(action)
