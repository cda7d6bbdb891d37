"""A text field that keeps the order keys were typed in.

Textual's Input inserts a character when the key reaches it, but runs its own editing keys
(Backspace, arrows, ctrl+w…) only once the key has bubbled back up to the app: typed fast, as
over SSH, the next character overtook the Backspace and both looked lost (textual#6605; the
fix proposed upstream, textual#6631, runs the widget's own bindings inline, as this does)."""

from __future__ import annotations

from textual import events
from textual.binding import BindingsMap
from textual.widgets import Input

from fintui.tui.key_order import KeysInOrder, hold_keys_for

MOVE_SECONDS = 0.3  # a key that moves no focus (up in a one-line field) holds the next this long

# Input's own editing keys, as the class declares them (no fintui keymap moves these).
_OWN = BindingsMap(Input.BINDINGS).key_to_bindings


class TypedInput(Input):
    async def on_key(self, event: events.Key) -> None:
        app = self.app
        if isinstance(app, KeysInOrder) and app.holding:
            # An earlier key (enter, tab) is moving the focus away: this one was typed after
            # it, so it goes where the focus lands, not into this field.
            event.stop()
            event.prevent_default()
            app.hold_forwarded(event)
            return
        if event.is_printable:
            return  # Input inserts it, in order
        for binding in _OWN.get(event.key, ()):
            if binding.priority:
                continue  # the app ran those before the key came here
            event.stop()
            event.prevent_default()
            if binding.action == "submit":
                self._hold_until_focus_moves()
            await self.run_action(binding.action)
            return
        self._hold_until_focus_moves()  # tab, escape…: the app acts on it, focus may move

    def _hold_until_focus_moves(self) -> None:
        hold_keys_for(self, ready=lambda: not self.has_focus, seconds=MOVE_SECONDS)
