"""Every binding of the console, as the keymap checker sees it, and the key-name rules."""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping

from textual.app import App
from textual.binding import Binding, BindingsMap
from textual.dom import DOMNode
from textual.keys import REPLACED_KEYS, Keys, key_to_character
from textual.screen import Screen

from fintui.core.keymap import KeySpec, character_key, keymap_strings, resolve
from fintui.tui.panes.registry import PANES
from fintui.tui.screens.actions import ConfirmScreen, ProgressScreen, ScaleScreen
from fintui.tui.screens.approval import RejectScreen
from fintui.tui.screens.cleanup import CleanupScreen
from fintui.tui.screens.details import DetailsScreen
from fintui.tui.screens.help import HelpScreen, place
from fintui.tui.screens.logs import LogScreen
from fintui.tui.screens.rollout import ReleaseProgressScreen, RolloutScreen
from fintui.tui.screens.signal import SignalScreen
from fintui.tui.screens.silence import SilenceScreen
from fintui.tui.screens.volume import VolumeScreen
from fintui.tui.widgets.navigation import NavLog, NavTable, NavTree

_MODIFIERS = ("ctrl", "alt", "shift", "meta", "super", "hyper")
_NAMED = {k.value for k in Keys if "+" not in k.value and not k.value.startswith("<")}


Chain = tuple[type[DOMNode], ...]


def _chains(app: type[App[int]]) -> dict[str, Chain]:
    """Which classes' bindings are live together: a key is only a clash inside one chain."""
    panes: dict[str, Chain] = {f"the {spec.title} pane": (spec.widget, spec.table)
                               for spec in PANES}
    screens: dict[str, Chain] = {
        "the log viewer": (LogScreen, NavLog), "container details": (DetailsScreen, NavTree),
        "the help screen": (HelpScreen, NavTable),
        "the cleanup preview": (CleanupScreen, NavTable),
        "the confirmation": (ConfirmScreen,), "the progress screen": (ProgressScreen,),
        "the scale prompt": (ScaleScreen,), "the silence form": (SilenceScreen,),
        "the signal prompt": (SignalScreen,),
        "the rollout form": (RolloutScreen,),
        "a release's progress": (ReleaseProgressScreen,),
        "volume details": (VolumeScreen,), "the reject form": (RejectScreen,)}
    on_main: Chain = (app, Screen)
    chains = {name: on_main + classes for name, classes in panes.items()}
    chains.update({name: (app, *classes) for name, classes in screens.items()})
    return chains


def class_bindings(cls: type[DOMNode]) -> dict[str, list[Binding]]:
    """A class's bindings by key, its own over its bases' (as Textual merges them), read from
    each class's public BINDINGS. None of these classes opts out of inheriting bindings."""
    keys: dict[str, list[Binding]] = {}
    for base in reversed(cls.__mro__):
        if issubclass(base, DOMNode):
            keys.update(BindingsMap(base.__dict__.get("BINDINGS", [])).key_to_bindings)
    return keys


def key_specs(app: type[App[int]]) -> tuple[list[KeySpec], dict[str, tuple[str, ...]]]:
    """Every binding of every class in the console, and the chains of scopes."""
    chains = _chains(app)
    classes = {cls for chain in chains.values() for cls in chain}
    specs: list[KeySpec] = []
    for cls in sorted(classes, key=lambda c: c.__name__):
        grouped: dict[tuple[str | None, str], list[str]] = {}
        descriptions: dict[tuple[str | None, str], str] = {}
        for key, bindings in class_bindings(cls).items():
            for binding in bindings:
                ident = (binding.id, binding.action if binding.id is None else "")
                grouped.setdefault(ident, []).append(key)
                descriptions[ident] = binding.description or binding.action
        specs += [KeySpec(ident[0], tuple(keys), cls.__name__, descriptions[ident])
                  for ident, keys in grouped.items()]
    return specs, {name: tuple(c.__name__ for c in chain) for name, chain in chains.items()}


def normalise_key(text: str) -> str | None:
    """The console's name for a key as an operator may write it: "/" is slash, "?" is
    question_mark, "Ctrl+X" is ctrl+x; None when it names no key."""
    *mods, last = text.strip().split("+") if text.strip() not in ("+",) else ["+"]
    modifiers = [m.lower() for m in mods]
    if any(m not in _MODIFIERS for m in modifiers) or not last:
        return None
    if len(last) == 1:
        if not last.isprintable() or last.isspace():
            return None
        name = character_key(last)
        if modifiers and last.isalpha():
            name = last.lower()
    else:
        name = last.lower()
        if name not in _NAMED and not _is_character_name(name):
            return None
    return "+".join([*modifiers, name])


def _is_character_name(name: str) -> bool:
    """question_mark, slash, minus...: the names Textual gives printable keys."""
    if name in REPLACED_KEYS:
        return True
    try:
        unicodedata.lookup(name.replace("_", " "))
    except KeyError:
        return False
    return True


def console_keymap(app: type[App[int]], keymap: Mapping[str, str]) -> dict[str, str]:
    """The keymap for App.set_keymap, or KeymapError saying every problem in the table."""
    specs, chains = key_specs(app)
    return keymap_strings(resolve(specs, chains, keymap, normalise_key), keymap)


def binding_table(app: type[App[int]], keymap: Mapping[str, str]
                  ) -> list[tuple[str, str, str, str]]:
    """(id, keys, where, what) for every binding an operator may move: `fintui keys`."""
    specs, _ = key_specs(app)
    moved = console_keymap(app, keymap)
    rows: dict[str, tuple[str, list[str], str]] = {}
    for spec in specs:
        if spec.id:
            keys = ", ".join(typed(k) for k in moved.get(spec.id, ",".join(spec.keys))
                             .split(","))
            where = rows.setdefault(spec.id, (keys, [], spec.description))[1]
            where.append(_places(app).get(spec.scope, spec.scope))
    return [(ident, keys, ", ".join(sorted(set(where))), what)
            for ident, (keys, where, what) in sorted(rows.items())]




def typed(key: str) -> str:
    """A key as it is typed and may be written in [keys]: "?" for question_mark, "]" for
    right_square_bracket; named keys (escape, enter, ctrl+x) as they are."""
    character = "/" if key.strip() == "slash" else key_to_character(key.strip())
    return character if character and len(character) == 1 and character.isprintable() \
        and not character.isspace() and not character.isalnum() else key.strip()


def _places(app: type[App[int]]) -> dict[str, str]:
    """Each class's place in words, by class name, for every class with bindings."""
    specs_chains = _chains(app)
    return {cls.__name__: place(cls) for chain in specs_chains.values() for cls in chain}
