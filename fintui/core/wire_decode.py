"""The wire codec's decoder: JSON-able data back to the type asked for, guided by its type
hints, one compiled function per type (see fintui.core.wire)."""

from __future__ import annotations

import dataclasses
import math
import sys
import types
import typing
from collections.abc import Callable, Mapping, MutableMapping, MutableSequence, Sequence
from collections.abc import Set as AbstractSet
from datetime import date, datetime, time, timedelta
from enum import Enum
from pathlib import PurePath
from typing import Any, Literal, TypeVar, Union, get_args, get_origin

from fintui.core.wire_base import Codec as _Codec
from fintui.core.wire_base import DecodeFailure, WireError, join_path
from fintui.core.wire_base import identity as _identity
from fintui.core.wire_encode import encode

_DECODERS: dict[Any, _Codec] = {}


def decode(cls: Any, data: Any) -> Any:
    """The value of type `cls` (a dataclass or any supported hint: `list[Alert]`,
    `X | None`, ...) that `encode` gave `data` for. WireError names the field that does not
    fit."""
    try:
        return _decoder(cls)(data)
    except DecodeFailure as exc:
        raise WireError(exc.reason, join_path(exc.segments)) from None


def _got(data: Any) -> str:
    return "null" if data is None else type(data).__name__


def _name(tp: Any) -> str:
    if isinstance(tp, type) and get_origin(tp) is None:
        return tp.__name__
    return str(tp).replace("typing.", "")


def _decoder(tp: Any) -> _Codec:
    try:
        found = _DECODERS.get(tp)
    except TypeError:  # an unhashable hint (a Literal of a list, say): compile every time
        return _compile(tp)
    if found is None:
        found = _DECODERS[tp] = _compile(tp)
    return found


def _decode_str(data: Any) -> Any:
    if isinstance(data, str):
        return data
    raise DecodeFailure(f"expected str, got {_got(data)}")


def _decode_int(data: Any) -> Any:
    if isinstance(data, int) and not isinstance(data, bool):
        return data
    raise DecodeFailure(f"expected int, got {_got(data)}")


def _decode_bool(data: Any) -> Any:
    if isinstance(data, bool):
        return data
    raise DecodeFailure(f"expected bool, got {_got(data)}")


_FLOAT_WORDS = {"nan": math.nan, "inf": math.inf, "-inf": -math.inf}


def _decode_float(data: Any) -> Any:
    kind = type(data)
    if kind is float:
        return data
    if kind is int:  # JSON writes 2.0 as 2.0, but a hand-written or older peer may send 2
        return float(data)
    if kind is str and data in _FLOAT_WORDS:
        return _FLOAT_WORDS[data]
    raise DecodeFailure(f"expected float, got {_got(data)}")


def _decode_none(data: Any) -> Any:
    if data is None:
        return None
    raise DecodeFailure(f"expected null, got {_got(data)}")


def _from_string(cls: Any, parse: Callable[[str], Any]) -> _Codec:
    def run(data: Any) -> Any:
        if not isinstance(data, str):
            raise DecodeFailure(f"expected {cls.__name__} (a string), got {_got(data)}")
        try:
            return parse(data)
        except ValueError:
            raise DecodeFailure(f"not a valid {cls.__name__}: {data!r}") from None

    return run


def _decode_timedelta(data: Any) -> Any:
    if isinstance(data, (int, float)) and not isinstance(data, bool):
        try:
            return timedelta(seconds=data)
        except (OverflowError, ValueError):
            raise DecodeFailure(f"not a valid timedelta: {data!r}") from None
    raise DecodeFailure(f"expected timedelta (seconds), got {_got(data)}")


def _decode_enum(cls: type[Enum]) -> _Codec:
    def run(data: Any) -> Any:
        try:
            return cls(data)
        except (ValueError, TypeError):
            raise DecodeFailure(f"not a valid {cls.__name__}: {data!r}") from None

    return run


def _sequence(item: _Codec, build: Callable[[list[Any]], Any], name: str) -> _Codec:
    def run(data: Any) -> Any:
        if not isinstance(data, (list, tuple)):
            raise DecodeFailure(f"expected {name}, got {_got(data)}")
        out = []
        for index, raw in enumerate(data):
            try:
                out.append(item(raw))
            except DecodeFailure as exc:
                exc.segments.append(f"[{index}]")
                raise
        return build(out)

    return run


def _fixed_tuple(items: tuple[_Codec, ...], name: str,
                 build: Callable[[list[Any]], Any] = tuple) -> _Codec:
    def run(data: Any) -> Any:
        if not isinstance(data, (list, tuple)):
            raise DecodeFailure(f"expected {name}, got {_got(data)}")
        if len(data) != len(items):
            raise DecodeFailure(f"expected {name} of {len(items)} items, got {len(data)}")
        out = []
        for index, (codec, raw) in enumerate(zip(items, data, strict=True)):
            try:
                out.append(codec(raw))
            except DecodeFailure as exc:
                exc.segments.append(f"[{index}]")
                raise
        return build(out)

    return run


def _mapping(key: _Codec, value: _Codec) -> _Codec:
    def run(data: Any) -> Any:
        if not isinstance(data, dict):
            raise DecodeFailure(f"expected dict, got {_got(data)}")
        out = {}
        for raw_key, raw in data.items():
            try:
                out[key(raw_key)] = value(raw)
            except DecodeFailure as exc:
                exc.segments.append(f"[{raw_key!r}]")
                raise
        return out

    return run


def _optional(inner: _Codec) -> _Codec:
    def run(data: Any) -> Any:
        return None if data is None else inner(data)

    return run


def _union(members: tuple[Any, ...], name: str) -> _Codec:
    codecs = tuple(_decoder(m) for m in members)

    def run(data: Any) -> Any:
        deepest: DecodeFailure | None = None
        for codec in codecs:
            try:
                return codec(data)
            except DecodeFailure as exc:
                if exc.segments and (deepest is None or
                                     len(exc.segments) > len(deepest.segments)):
                    deepest = exc
        # A member that failed inside (a dataclass with one bad field) says more than a
        # blanket "expected A | B".
        if deepest is not None:
            raise deepest
        raise DecodeFailure(f"expected {name}, got {_got(data)}")

    return run


def _literal(values: tuple[Any, ...], name: str) -> _Codec:
    # Keyed by the wire form and its type, so 1, True and "1" stay apart, and Literal
    # enum members are matched by their values.
    allowed: dict[tuple[type, Any], Any] = {}
    for value in values:
        wire = encode(value)
        allowed[(type(wire), wire)] = value

    def run(data: Any) -> Any:
        try:
            return allowed[(type(data), data)]
        except (KeyError, TypeError):
            raise DecodeFailure(f"expected {name}, got {data!r}") from None

    return run


def _hints(cls: type) -> dict[str, Any]:
    module = sys.modules.get(cls.__module__)
    try:
        return typing.get_type_hints(cls, vars(module) if module else None)
    except NameError as exc:  # e.g. a class defined inside a function, naming its neighbours
        raise TypeError(f"cannot resolve the type hints of {cls.__qualname__}: {exc}") from None


def _decode_dataclass(cls: type) -> _Codec:
    # Resolved on first use, not at compile time: a dataclass may name itself (a tree), and
    # the cache entry must exist before its fields are compiled.
    spec: list[tuple[str, _Codec, bool]] | None = None

    def resolve() -> list[tuple[str, _Codec, bool]]:
        hints = _hints(cls)
        return [(f.name, _decoder(hints.get(f.name, Any)),
                 f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING)
                for f in dataclasses.fields(cls) if f.init]

    def run(data: Any) -> Any:
        nonlocal spec
        if spec is None:
            spec = resolve()
        if not isinstance(data, dict):
            raise DecodeFailure(f"expected {cls.__name__}, got {_got(data)}")
        kwargs = {}
        for name, codec, required in spec:
            if name not in data:
                if required:
                    failure = DecodeFailure("missing required field")
                    failure.segments.append(name)
                    raise failure
                continue
            try:
                kwargs[name] = codec(data[name])
            except DecodeFailure as exc:
                exc.segments.append(name)
                raise
        try:
            return cls(**kwargs)
        except (TypeError, ValueError) as exc:  # a __post_init__ that refuses the values
            raise DecodeFailure(f"cannot build {cls.__name__}: {exc}") from None

    return run


def _decode_namedtuple(cls: type) -> _Codec:
    hints = _hints(cls)
    fields: tuple[str, ...] = cls._fields  # type: ignore[attr-defined]
    return _fixed_tuple(tuple(_decoder(hints.get(f, Any)) for f in fields), cls.__name__,
                        lambda values: cls(*values))


_SCALARS: dict[Any, _Codec] = {
    str: _decode_str, int: _decode_int, bool: _decode_bool, float: _decode_float,
    type(None): _decode_none, None: _decode_none, Any: _identity, object: _identity,
    timedelta: _decode_timedelta,
}
_SEQUENCES: dict[Any, Callable[[list[Any]], Any]] = {
    tuple: tuple, Sequence: tuple, list: list, MutableSequence: list,
    frozenset: frozenset, AbstractSet: frozenset, set: set,
}


def _compile(tp: Any) -> _Codec:
    try:
        scalar = _SCALARS.get(tp)
    except TypeError:  # unhashable: not one of them
        scalar = None
    if scalar is not None:
        return scalar
    if isinstance(tp, TypeVar):  # an unparametrised generic: nothing to check against
        return _identity
    if isinstance(tp, typing.NewType):
        return _decoder(tp.__supertype__)
    if hasattr(typing, "TypeAliasType") and isinstance(tp, typing.TypeAliasType):
        return _decoder(tp.__value__)  # `type X = ...` (3.12+)
    origin, args = get_origin(tp), get_args(tp)
    if origin is Union or origin is types.UnionType:
        members = tuple(a for a in args if a is not type(None))
        if len(members) == 1 and len(members) < len(args):
            return _optional(_decoder(members[0]))  # the common `X | None`, without trying
        return _union(args, _name(tp))
    if origin is Literal:
        return _literal(args, _name(tp))
    if origin is tuple:
        if len(args) == 2 and args[1] is Ellipsis:
            return _sequence(_decoder(args[0]), tuple, _name(tp))
        if args == ((),):  # tuple[()]: the empty tuple
            return _fixed_tuple((), _name(tp))
        return _fixed_tuple(tuple(_decoder(a) for a in args), _name(tp))
    if origin in _SEQUENCES:
        return _sequence(_decoder(args[0] if args else Any), _SEQUENCES[origin], _name(tp))
    if origin in (dict, Mapping, MutableMapping):
        key, value = args if args else (Any, Any)
        return _mapping(_decoder(key), _decoder(value))
    if origin is not None and dataclasses.is_dataclass(origin):
        return _decoder(origin)  # a parametrised generic dataclass: its TypeVars pass through
    if not isinstance(tp, type):
        raise TypeError(f"cannot decode {tp!r}")
    if tp in _SEQUENCES:
        return _sequence(_identity, _SEQUENCES[tp], tp.__name__)
    if tp in (dict, Mapping, MutableMapping):
        return _mapping(_decode_str, _identity)
    if dataclasses.is_dataclass(tp):
        return _decode_dataclass(tp)
    if issubclass(tp, Enum):
        return _decode_enum(tp)
    if issubclass(tp, datetime):
        return _from_string(tp, tp.fromisoformat)
    if issubclass(tp, (date, time)):
        return _from_string(tp, tp.fromisoformat)
    if issubclass(tp, PurePath):
        return _from_string(tp, tp)
    if issubclass(tp, tuple) and hasattr(tp, "_fields"):
        return _decode_namedtuple(tp)
    raise TypeError(f"cannot decode {tp.__module__}.{tp.__qualname__}")
