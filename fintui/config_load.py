"""Reading a TOML file against the declared settings (config_schema.py): every value is checked
by its declaration, and a problem is one line naming the file, the line and the dotted key. Works
on any declared tree, so a setting's checks are tested where it is declared."""

from __future__ import annotations

import difflib
import re
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any, TypeVar

from fintui.config_checks import parse_duration
from fintui.config_schema import Meta, declared

T = TypeVar("T")

# What a user would call each kind's TOML type, in "expected number, got string".
_EXPECTED = {"bool": "boolean", "int": "integer", "float": "number", "str": "string",
             "duration": "string", "path": "string", "strings": "list", "table": "a table",
             "section": "a table", "pairs": "table"}


class ConfigError(Exception):
    def __init__(self, path: str, message: str, key: str = "", line: int | None = None) -> None:
        self.path = path
        self.key = key
        self.line = line
        self.message = message
        super().__init__(str(self))

    def __str__(self) -> str:
        where = self.path if self.line is None else f"{self.path}:{self.line}"
        key = f" key '{self.key}':" if self.key else ""
        return f"{where}:{key} {self.message}"


def find_key_line(text: str, dotted: str) -> int | None:
    """The line that sets `dotted` (a.b.c) in TOML text, by tracking table headers."""
    *table, key = dotted.split(".")
    current: list[str] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        header = re.match(r"^\[\[?\s*([^\]]+?)\s*\]\]?", line)
        if header:
            current = [part.strip().strip('"') for part in header.group(1).split(".")]
            if current == [*table, key]:
                return number
            continue
        assign = re.match(r"^([A-Za-z0-9_.\"-]+)\s*=", line)
        if assign:
            path = current + [p.strip().strip('"') for p in assign.group(1).split(".")]
            if path == dotted.split(".") or path[: len(table) + 1] == [*table, key]:
                return number
    return None


def parse_toml(text: str, path: str) -> dict[str, Any]:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        # tomllib puts "(at line N, column M)" in its message; lift the line out.
        match = re.search(r"\(at line (\d+), column \d+\)", str(exc))
        line = int(match.group(1)) if match else None
        message = re.sub(r"\s*\(at line \d+, column \d+\)", "", str(exc))
        raise ConfigError(path, f"TOML syntax error: {message}", line=line) from None


def _type_name(value: Any) -> str:
    return {bool: "boolean", int: "integer", float: "number", str: "string", list: "list",
            dict: "table"}.get(type(value), type(value).__name__)


def _typed(kind: str, value: Any) -> tuple[bool, Any]:
    """Whether `value` has the TOML type `kind` wants, and the value as kept (ints where a
    number is wanted become floats)."""
    if isinstance(value, bool) or kind == "bool":
        return kind == "bool" and isinstance(value, bool), value
    if kind == "float":
        return isinstance(value, int | float), float(value) \
            if isinstance(value, int | float) else value
    wanted: type = {"int": int, "strings": list, "table": dict, "section": dict,
                    "pairs": dict}.get(kind, str)
    return isinstance(value, wanted), value


def defaults_of(cls: type) -> dict[str, Any]:
    """The declared defaults of a tree, shaped as its TOML file (values as written)."""
    out: dict[str, Any] = {}
    for _, key, meta in declared(cls):
        if meta.kind == "section":
            assert meta.item is not None
            out[key] = defaults_of(meta.item)
        else:
            written = meta.written
            out[key] = list(written) if isinstance(written, list) else \
                dict(written) if isinstance(written, dict) else written
    return out


class Reader:
    """Checks one user file's values against a declared tree."""

    def __init__(self, path: str, text: str) -> None:
        self.path, self.text = path, text

    def fail(self, message: str, dotted: str, line: int | None = None) -> ConfigError:
        return ConfigError(self.path, message, dotted,
                           line if line is not None else find_key_line(self.text, dotted))

    def merge(self, cls: type, user: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
        """The declared defaults with the user's values over them, each checked."""
        merged = defaults_of(cls) if not prefix else {}
        by_key = {key: meta for _, key, meta in declared(cls)}
        for key, value in user.items():
            dotted = f"{prefix}{key}"
            meta = by_key.get(key)
            if meta is None:
                raise self.fail("unknown setting" + _did_you_mean(key, by_key, prefix), dotted)
            merged[key] = self.value(meta, value, dotted)
        return merged

    def value(self, meta: Meta, value: Any, dotted: str) -> Any:
        if meta.kind == "section":
            if not isinstance(value, dict):
                raise self.fail(f"expected a table, got {_type_name(value)}", dotted)
            assert meta.item is not None
            return {**defaults_of(meta.item), **self.merge(meta.item, value, f"{dotted}.")}
        if meta.kind == "table":
            return self.free_table(meta, value, dotted)
        if meta.kind == "array":
            return self.array(meta, value, dotted)
        ok, kept = _typed(meta.kind, value)
        if not ok:
            raise self.fail(f"expected {_EXPECTED[meta.kind]}, got {_type_name(value)}", dotted)
        if meta.kind == "strings" and not all(isinstance(v, str) for v in kept):
            raise self.fail("expected list of strings", dotted)
        # The check sees the value as written: "(got -1)", not "(got -1.0)".
        problem = meta.check(value) if meta.check else None
        if problem:
            raise self.fail(problem, dotted)
        return kept

    def free_table(self, meta: Meta, value: Any, dotted: str) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise self.fail(f"expected a table, got {_type_name(value)}", dotted)
        assert meta.item is not None
        for name, item in value.items():
            problem = (f"expected {_type_name(meta.item())}, got {_type_name(item)}"
                       if not isinstance(item, meta.item) else
                       meta.check(item) if meta.check else None)
            if problem:
                raise self.fail(problem, f"{dotted}.{name}",
                                find_key_line(self.text, f"{dotted}.{name}")
                                or find_key_line(self.text, dotted))
        return dict(value)

    def array(self, meta: Meta, value: Any, dotted: str) -> list[dict[str, Any]]:
        if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
            raise self.fail("expected an array of tables", dotted)
        assert meta.item is not None
        fields = {key: item_meta for _, key, item_meta in declared(meta.item)}
        headers = [n for n, line in enumerate(self.text.splitlines(), start=1)
                   if re.match(rf"^\s*\[\[\s*{re.escape(dotted)}\s*\]\]", line)]
        out = []
        for index, item in enumerate(value):
            line = headers[index] if index < len(headers) else find_key_line(self.text, dotted)
            where = f"{dotted}[{index}]"
            for name in item:
                if name not in fields:
                    raise self.fail("unknown setting" + _did_you_mean(name, fields, ""),
                                    f"{where}.{name}", line)
            kept: dict[str, Any] = {}
            for name, field_meta in fields.items():
                if name not in item:
                    if field_meta.required:
                        raise self.fail("missing", f"{where}.{name}", line)
                    continue
                ok, entry = _typed(field_meta.kind, item[name])
                if not ok or (field_meta.kind == "strings"
                              and not all(isinstance(v, str) for v in entry)):
                    raise self.fail(f"expected {_EXPECTED[field_meta.kind]}"
                                    + (" of strings" if field_meta.kind == "strings" else ""),
                                    f"{where}.{name}", line)
                problem = field_meta.check(entry) if field_meta.check else None
                if problem:
                    raise self.fail(problem, f"{where}.{name}", line)
                kept[name] = entry
            across = getattr(meta.item, "item_problem", None)  # what spans the item's fields
            problem_at = across({**defaults_of(meta.item), **kept}) if across else None
            if problem_at:
                raise self.fail(problem_at[1], f"{where}.{problem_at[0]}", line)
            out.append(kept)
        return out


def _did_you_mean(key: str, known: Mapping[str, Any], prefix: str) -> str:
    near = difflib.get_close_matches(key, sorted(known), n=1)
    return f" (did you mean '{prefix}{near[0]}'?)" if near else ""


def build(cls: type[T], written: Mapping[str, Any], state_dir: Path) -> T:
    """The typed tree from checked values: durations in seconds, lists as tuples, paths with
    their defaults derived (under `state_dir` where the declaration says so)."""
    kwargs: dict[str, Any] = {}
    for name, key, meta in declared(cls):
        if key in written:
            kwargs[name] = _built(meta, written[key], state_dir)
    return cls(**kwargs)


def _built(meta: Meta, value: Any, state_dir: Path) -> Any:
    if meta.kind == "section":
        assert meta.item is not None
        return build(meta.item, value, state_dir)
    if meta.kind == "array":
        assert meta.item is not None
        items: list[Any] = [build(meta.item, v, state_dir) for v in value]
        return tuple(meta.convert(i) for i in items) if meta.convert else tuple(items)
    if meta.kind == "table":
        return dict(value)
    if meta.kind == "path":
        assert meta.resolve is not None
        return meta.resolve(value, state_dir)
    if meta.kind == "duration":
        seconds = parse_duration(value)
        assert seconds is not None  # checked when the file was read
        return seconds
    return meta.convert(value) if meta.convert else value


def flat(cls: type, written: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """Dotted key -> value as written, for every setting of a tree."""
    out: dict[str, Any] = {}
    for _, key, meta in declared(cls):
        if key not in written:
            continue
        if meta.kind == "section":
            assert meta.item is not None
            out.update(flat(meta.item, written[key], f"{prefix}{key}."))
        else:
            out[f"{prefix}{key}"] = written[key]
    return out
