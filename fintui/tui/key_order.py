"""Keys act in the order they were typed, and a dialog takes the keys typed while it opens.

Textual runs a focused widget's bindings only when the key has bubbled back to the app, while
an Input inserts a printable character at once: Backspace and the next character arriving in
one read came out in the wrong order (both looked lost), and `s4` switched the pane behind the
scale dialog (textual#6605; the fix, textual#6631, is not released). Here the app resolves a
key's binding when the key arrives, through the public `Screen.active_bindings`, before any
later key is looked at; what no binding takes goes on as Textual would send it.

An act that opens its dialog later (after a plan is made, perhaps by the agent) holds the keys
typed meanwhile and hands them to the dialog once it has focus: a scale count typed fast lands
in the count. A dialog that asks for a yes never gets keys typed before it showed: a `y`
typed ahead must not confirm a plan nobody has read."""

from __future__ import annotations

import functools
import time
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from textual import events
from textual.app import App
from textual.dom import DOMNode
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import Input, TextArea

HOLD_SECONDS = 3.0  # at most this long: a flow that never opens a dialog gives the keys back


class KeysInOrder(App[int]):
    _held: list[events.Key] | None = None
    _held_on: Screen[object] | None = None
    _held_ready: Callable[[], bool] | None = None
    _held_early: list[events.Key] = []  # each hold sets its own list
    _held_until = 0.0
    _hold_timer: Timer | None = None

    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, events.Key) and not event.is_forwarded:
            if self._held is not None:
                self._held.append(event)
                return
            if await self._run_binding_now(event):
                return
        await super().on_event(event)

    async def _run_binding_now(self, event: events.Key) -> bool:
        """Run the key's binding at once, as the bubbling would later; False if none takes it
        (typed text, a disabled key a widget handles itself, or no binding at all)."""
        focused = self.focused
        if isinstance(focused, Input | TextArea):
            return False  # a text field keeps its keys in order itself (TypedInput)
        if focused is not None and focused.check_consume_key(event.key, event.character):
            return False
        try:
            active = self.screen.active_bindings.get(event.key)
        except Exception:  # no screen yet (starting or closing): Textual's own path decides
            return False
        if active is None or not active.enabled or active.binding.priority:
            return False  # priority bindings: Textual runs those first anyway
        return await self.run_action(active.binding.action, active.node)

    # ---- holding keys while a dialog opens --------------------------------------------

    def hold_keys(self, ready: Callable[[], bool] | None = None,
                  seconds: float = HOLD_SECONDS) -> None:
        """Keys typed from now wait for the dialog an act is about to open, or, given `ready`,
        until it says the field they are meant for has focus (focus moves a beat later)."""
        if self._held is not None:
            return
        self._held, self._held_on, self._held_ready = [], self.screen, ready
        self._held_early = []
        self._held_until = time.monotonic() + seconds
        self._hold_timer = self.set_interval(0.02, self._check_hold)

    @property
    def holding(self) -> bool:
        return self._held is not None

    def hold_forwarded(self, event: events.Key) -> None:
        """A key that reached a field before the hold began (it was typed before the keys the
        app holds): it goes back first, in the order the field got them."""
        self._held_early.append(event)

    def hold_all(self, seconds: float) -> None:
        """Hold every key typed until release or drop (a shell opening: the keys typed after
        `E` are not the console's), up to `seconds`."""
        if self._held is None:
            self.hold_keys(lambda: False, seconds)
        else:
            self._held_ready, self._held_until = (lambda: False), time.monotonic() + seconds

    def drop_held_keys(self) -> int:
        """Forget the keys held; how many there were."""
        dropped = len(self._held or ()) + len(self._held_early)
        if self._held is not None:
            self._held = []
        self._held_early = []
        return dropped

    def release_keys(self) -> None:
        """The act ended without (or after) its dialog: typed keys go where they would have."""
        self._give_back(to_dialog=False)

    def _check_hold(self) -> None:
        if self._held is None:
            return
        screen = self.screen
        if self._held_ready is not None:
            if self._held_ready():
                self._give_back(to_dialog=False)
        elif screen is not self._held_on and (screen.focused is not None
                                              or not screen.focus_chain):
            self._give_back(to_dialog=True)
        if self._held is not None and time.monotonic() > self._held_until:
            self._give_back(to_dialog=False)

    def _give_back(self, to_dialog: bool) -> None:
        keys = [*self._held_early, *(self._held or [])]
        self._held, self._held_on, self._held_early = None, None, []
        if self._hold_timer is not None:
            self._hold_timer.stop()
            self._hold_timer = None
        if to_dialog and not getattr(self.screen, "TYPE_AHEAD", False):
            return  # a confirmation: keys typed before it showed must not answer it
        for key in keys:
            self.post_message(events.Key(key.key, key.character))


def hold_keys_for(node: DOMNode, ready: Callable[[], bool] | None = None,
                  seconds: float = HOLD_SECONDS) -> None:
    """An act that opens a dialog later starts (or a field is about to take focus): hold the
    keys typed until it is there."""
    if isinstance(node.app, KeysInOrder):
        node.app.hold_keys(ready, seconds)


Flow = TypeVar("Flow", bound=Callable[..., Awaitable[None]])


def gives_keys_back(flow: Flow) -> Flow:
    """An act's flow: however it ends (refused, cancelled, done), held keys are let go."""

    @functools.wraps(flow)
    async def run(self: KeysInOrder, *args: Any, **kwargs: Any) -> None:
        try:
            await flow(self, *args, **kwargs)
        finally:
            self.release_keys()

    return run  # type: ignore[return-value]
