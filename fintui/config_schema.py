"""How a setting is declared: once, as a dataclass field whose metadata carries the TOML default
as written, the check, the unit and a one-line help. Defaults, validation, the shipped
default.toml and the README's settings table are all read from these declarations
(config_tree.py holds them; config_load.py and config_doc.py read them)."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar, cast

from fintui.config_checks import Check, between, parse_duration, span

T = TypeVar("T")

# What a value is in TOML, and so how it is checked and converted.
KINDS = ("bool", "int", "float", "str", "duration", "strings", "path", "table", "section",
         "array", "pairs")  # pairs: an array item's inline table, kept as sorted pairs


@dataclass(frozen=True, slots=True)
class Meta:
    kind: str  # one of KINDS
    written: Any  # the default as written in TOML ("7d", "", 2.0, [], {})
    help: str  # one line: the README's table and the first comment line in default.toml
    check: Check | None = None
    notes: str = ""  # further comment lines for default.toml, kept as written
    allowed: str = ""  # the range or choices, in words, for the README
    key: str = ""  # the TOML key where it is not the field's name ("for")
    required: bool = False  # an array item's field that must be given
    item: type | None = None  # section: its dataclass; array: the item's; table: value type
    # Where the written value is not the value: a path's default under the state folder,
    # an array item built into a shared type.
    resolve: Callable[[Any, Path], Any] | None = None
    convert: Callable[[Any], Any] | None = None


def meta_of(f: dataclasses.Field[Any]) -> Meta | None:
    found = f.metadata.get("setting")
    return found if isinstance(found, Meta) else None


def declared(cls: type) -> list[tuple[str, str, Meta]]:
    """(field name, TOML key, declaration) of each setting of a declared dataclass, in order.
    Fields without a declaration (the source file, values as written) are not settings."""
    out = []
    for f in dataclasses.fields(cls):
        meta = meta_of(f)
        if meta is not None:
            out.append((f.name, meta.key or f.name, meta))
    return out


def _field(default: T, meta: Meta) -> T:
    value: Any = default
    spec: Any = field(default_factory=lambda: value, metadata={"setting": meta}) \
        if isinstance(value, list | dict) or dataclasses.is_dataclass(value) \
        else field(default=value, metadata={"setting": meta})
    # A field specifier: @dataclass turns it into the default; typed as the value it gives.
    return cast(T, spec)


def number(default: T, help: str, low: float, high: float, unit: str = "",
           notes: str = "") -> T:
    """An int or float setting (the default's type) from `low` to `high`; inf and nan are in
    no range. `unit` ("seconds") goes in the range message and the README."""
    kind = "float" if isinstance(default, float) else "int"
    allowed = (f"{low:g} to {high:g}" if kind == "float" else f"{low} to {high}") + \
        (f" {unit}" if unit else "")
    return _field(default, Meta(kind, default, help, between(low, high, unit), notes,
                                allowed))


def flag(default: bool, help: str, notes: str = "") -> bool:
    return _field(default, Meta("bool", default, help, None, notes, "true or false"))


def text(default: str, help: str, check: Check | None = None, allowed: str = "",
         notes: str = "") -> str:
    return _field(default, Meta("str", default, help, check, notes, allowed))


def choice(default: str, help: str, choices: tuple[str, ...], notes: str = "") -> str:
    from fintui.config_checks import one_of

    return text(default, help, one_of(choices), ", ".join(choices), notes)


def duration(default: str, help: str, low: str, high: str, notes: str = "") -> float:
    """A duration written like 7d, 12h, 30m, 45s (or 1d12h); the value is in seconds."""
    seconds = parse_duration(default)
    assert seconds is not None, default
    return _field(seconds, Meta("duration", default, help, span(low, high), notes,
                                f"{low} to {high}"))


def strings(default: tuple[str, ...], help: str, check: Check | None = None,
            notes: str = "") -> tuple[str, ...]:
    """A list of strings in TOML, a tuple in the settings."""
    return _field(default, Meta("strings", list(default), help, check, notes,
                                "list of strings", convert=tuple))


def path(help: str, resolve: Callable[[str, Path], Any], notes: str = "",
         check: Check | None = None) -> Any:
    """A path written as a string; "" picks a default that `resolve` derives (usually under the
    state folder). The settings hold the resolved value."""
    return _field(Path(), Meta("path", "", help, check, notes, "a path", resolve=resolve))


def section(cls: type[T], help: str = "", notes: str = "") -> T:
    """A [table] of settings: `cls` is a dataclass of declared fields."""
    return _field(cls(), Meta("section", {}, help, None, notes, item=cls))


def table(value_type: type, help: str, check: Check, allowed: str, notes: str = "") -> Any:
    """A table whose keys are the user's own names ([keys], guard.roles)."""
    return _field({}, Meta("table", {}, help, check, notes, allowed, item=value_type))


def array(item: type, help: str, notes: str = "",
          build: Callable[[Any], Any] | None = None) -> Any:
    """An array of tables ([[endpoints]]): each item's fields are declared on `item`; `build`
    turns the item into the type the rest of fintui uses (else the item itself)."""
    return _field((), Meta("array", [], help, None, notes, "array of tables", item=item,
                           convert=build))


def given(kind: str, help: str, check: Check | None = None, key: str = "",
          allowed: str = "", convert: Callable[[Any], Any] | None = None) -> Any:
    """A field an array item must give (no default)."""
    return field(metadata={"setting": Meta(kind, None, help, check, "", allowed, key, True,
                                           convert=convert)})


def optional(kind: str, default: Any, help: str, check: Check | None = None,
             allowed: str = "", convert: Callable[[Any], Any] | None = None) -> Any:
    """A field an array item may leave out."""
    written = ({} if kind == "pairs" else list(default)) if isinstance(default, tuple) \
        else default
    if kind == "duration":  # written as "2m", kept in seconds
        default = parse_duration(written)
        assert default is not None, written
    return _field(default, Meta(kind, written, help, check, "", allowed, convert=convert))


def pairs(value: Mapping[str, Any]) -> tuple[tuple[str, str], ...]:
    """A TOML inline table as sorted (key, value) pairs: hashable and in a stable order."""
    return tuple(sorted((str(k), str(v)) for k, v in value.items()))
