"""The operator's [keys] table checked against every binding before the console starts:
unknown binding ids, unusable key names and keys that would clash are all reported at
once, in words. Pure: the console hands in its bindings as KeySpecs."""

from __future__ import annotations

import difflib
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class KeySpec:
    id: str | None  # None: a widget's built-in binding, which cannot be rebound
    keys: tuple[str, ...]
    scope: str  # the class that declares it
    description: str


class KeymapError(Exception):
    def __init__(self, problems: list[str]) -> None:
        super().__init__("[keys]: " + "\n[keys]: ".join(problems))
        self.problems = problems


def split_keys(text: str) -> tuple[str, ...]:
    return tuple(k.strip() for k in text.split(",") if k.strip())


def resolve(specs: Sequence[KeySpec], chains: Mapping[str, Sequence[str]],
            keymap: Mapping[str, str], normalise: Callable[[str], str | None]
            ) -> dict[str, tuple[str, ...]]:
    """Final keys by binding id. A clash is two different bindings on one key where both
    are live at once (the same chain of scopes) and the operator moved at least one of them:
    the shipped defaults overlap on purpose (enter on a pane and on its table).
    `normalise` turns what the operator wrote ("/", "ctrl+X") into the console's key name,
    or None when it is no key at all."""
    ids = {s.id for s in specs if s.id}
    problems: list[str] = []
    wanted: dict[str, tuple[str, ...]] = {}
    for binding_id, text in keymap.items():
        if binding_id not in ids:
            near = difflib.get_close_matches(binding_id, sorted(ids), n=1)
            hint = f" (did you mean {near[0]!r}?)" if near else ""
            problems.append(f"{binding_id!r} is not a binding id{hint}; "
                            "`fintui keys` lists them")
            continue
        keys = split_keys(text)
        if not keys:
            problems.append(f"{binding_id} = {text!r}: no key given")
        named = [(key, normalise(key)) for key in keys]
        for key, name in named:
            if name is None:
                problems.append(f"{binding_id} = {text!r}: {key!r} is not a key name "
                                "(examples: x, X, ctrl+x, f5, /, slash, question_mark)")
        wanted[binding_id] = tuple(name for _, name in named if name)
    final = [(s, wanted.get(s.id, s.keys) if s.id else s.keys) for s in specs]
    seen: set[tuple[str, str, str]] = set()
    for chain_name, scopes in chains.items():
        live = [(s, keys) for s, keys in final if s.scope in scopes]
        by_key: dict[str, list[KeySpec]] = {}
        for spec, keys in live:
            for key in keys:
                by_key.setdefault(key, []).append(spec)
        for key, owners in by_key.items():
            for i, first in enumerate(owners):
                for second in owners[i + 1:]:
                    moved = first.id in keymap or second.id in keymap
                    pair = tuple(sorted((_name(first), _name(second))))
                    if not moved or first == second or (key, *pair) in seen:
                        continue
                    seen.add((key, pair[0], pair[1]))
                    # The one the operator moved is named first.
                    a, b = (second, first) if first.id not in keymap else (first, second)
                    problems.append(f"{key!r} is bound to both {_name(a)} ({a.description}) "
                                    f"and {_name(b)} ({b.description}) in {chain_name}")
    if problems:
        raise KeymapError(problems)
    return {s.id: keys for s, keys in final if s.id}


def keymap_strings(resolved: Mapping[str, tuple[str, ...]], keymap: Mapping[str, str]
                   ) -> dict[str, str]:
    """What the console's keymap gets: only the bindings the operator moved."""
    return {binding_id: ",".join(resolved[binding_id]) for binding_id in keymap}


def _name(spec: KeySpec) -> str:
    return spec.id or f"{spec.scope}'s built-in key"


# Characters whose Unicode name the console shortens (as Textual names their key events).
_SHORT_NAMES = {"solidus": "slash", "reverse_solidus": "backslash", "commercial_at": "at",
                "hyphen_minus": "minus", "plus_sign": "plus", "low_line": "underscore"}
_CONTROL_NAMES = {"\t": "tab"}  # no Unicode name


def character_key(character: str) -> str:
    """The key name of one typed character: "a" is a, "/" is slash, "?" is question_mark
    (its Unicode name, lower case, words joined by "_")."""
    if character.isalnum():
        return character
    try:
        name = unicodedata.name(character).lower().replace("-", "_").replace(" ", "_")
    except ValueError:
        name = _CONTROL_NAMES.get(character, character)
    return _SHORT_NAMES.get(name, name)
