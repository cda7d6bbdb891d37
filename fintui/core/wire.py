"""A codec between the project's dataclasses and JSON-able values, for snapshots that an agent
sends to consoles over a socket. Pure: no I/O, and nothing from Textual.

`encode` walks a value by its runtime types; `decode` is guided by the type hints of the class
asked for, so a tuple comes back a tuple, a timestamp a datetime, a `Health` a `Health`. Both
compile a small function per type on first use and cache it: a snapshot of hundreds of
containers is encoded and decoded every sweep, and resolving hints each time would dominate.

Compatibility between versions: fields missing from the data take their defaults (an older
agent talking to a newer console) and unknown keys are ignored (a newer agent, an older
console)."""

from __future__ import annotations

import contextlib
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

__all__ = ["WireError", "decode", "encode"]

_Codec = Callable[[Any], Any]


class WireError(ValueError):
    """Data that does not fit the type asked for; the message starts with the field's path
    (`containers[3].stats.cpu_percent: expected float, got str`)."""

    def __init__(self, message: str, path: str = "") -> None:
        super().__init__(f"{path}: {message}" if path else message)
        self.path = path
        self.reason = message


class _Fail(Exception):
    """Raised deep inside decoding; each container level adds its segment on the way out, so
    the success path never builds path strings."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason
        self.segments: list[str] = []  # innermost first: "[3]" for indexes, names for fields


def _join(segments: list[str]) -> str:
    out = ""
    for seg in reversed(segments):
        out += seg if seg.startswith("[") or not out else f".{seg}"
    return out


# ---------------------------------------------------------------------------------- encoding

_NONFINITE = {math.inf: "inf", -math.inf: "-inf"}


def _encode_float(value: float) -> Any:
    # JSON has no nan/inf (json.dumps would write invalid JSON); None would be ambiguous for
    # `float | None` fields, so they travel as strings that the float decoder knows.
    if math.isfinite(value):
        return float(value)
    return "nan" if value != value else _NONFINITE[value]


def _identity(value: Any) -> Any:
    return value


_PLAIN: frozenset[type] = frozenset({str, int, bool, type(None)})
_ENCODERS: dict[type, _Codec] = {t: _identity for t in _PLAIN}
_ENCODERS[float] = _encode_float


def encode(value: Any) -> Any:
    """A JSON-able form of `value`: dataclasses become dicts of their fields, tuples, lists
    and sets lists, datetimes ISO 8601 strings, timedeltas seconds, enums their values, paths
    strings, and non-finite floats "nan", "inf" or "-inf". TypeError for anything else (and
    for dict keys that are not strings)."""
    kind = type(value)
    codec = _ENCODERS.get(kind)
    if codec is None:
        codec = _ENCODERS[kind] = _encoder_for(kind)
    return codec(value)


def _encode_items(items: Any) -> list[Any]:
    out = []
    for item in items:
        out.append(item if type(item) in _PLAIN else encode(item))
    return out


def _encode_set(items: Any) -> list[Any]:
    out = _encode_items(items)
    with contextlib.suppress(TypeError):  # sets have no order: sorted, the form is stable
        out.sort()
    return out


def _encode_dict(mapping: Mapping[Any, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, item in mapping.items():
        if isinstance(key, Enum):
            key = key.value
        if not isinstance(key, str):
            raise TypeError(f"cannot encode a dict key of type {type(key).__name__}: "
                            "wire dicts need str keys")
        out[str(key)] = item if type(item) in _PLAIN else encode(item)
    return out


def _encode_dataclass(cls: type) -> _Codec:
    names = tuple(f.name for f in dataclasses.fields(cls))

    def run(value: Any) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for name in names:
            item = getattr(value, name)
            out[name] = item if type(item) in _PLAIN else encode(item)
        return out

    return run


def _encoder_for(kind: type) -> _Codec:
    # Order matters: enums may subclass str or int, bool subclasses int, datetime subclasses
    # date, and a NamedTuple is a tuple.
    if issubclass(kind, Enum):
        return lambda value: encode(value.value)
    if issubclass(kind, float):
        return _encode_float
    if dataclasses.is_dataclass(kind):
        return _encode_dataclass(kind)
    if issubclass(kind, (datetime, date, time)):
        return lambda value: value.isoformat()
    if issubclass(kind, timedelta):
        return lambda value: value.total_seconds()
    if issubclass(kind, PurePath):
        return str
    if issubclass(kind, (list, tuple)):
        return _encode_items
    if issubclass(kind, (set, frozenset)):
        return _encode_set
    if issubclass(kind, Mapping):
        return _encode_dict
    if issubclass(kind, bool):
        return bool
    if issubclass(kind, int):
        return int
    if issubclass(kind, str):
        return str
    raise TypeError(f"cannot encode a {kind.__module__}.{kind.__qualname__}")


# ---------------------------------------------------------------------------------- decoding

_DECODERS: dict[Any, _Codec] = {}


def decode(cls: Any, data: Any) -> Any:
    """The value of type `cls` (a dataclass or any supported hint: `list[Alert]`,
    `X | None`, ...) that `encode` gave `data` for. WireError names the field that does not
    fit."""
    try:
        return _decoder(cls)(data)
    except _Fail as exc:
        raise WireError(exc.reason, _join(exc.segments)) from None


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
    raise _Fail(f"expected str, got {_got(data)}")


def _decode_int(data: Any) -> Any:
    if isinstance(data, int) and not isinstance(data, bool):
        return data
    raise _Fail(f"expected int, got {_got(data)}")


def _decode_bool(data: Any) -> Any:
    if isinstance(data, bool):
        return data
    raise _Fail(f"expected bool, got {_got(data)}")


_FLOAT_WORDS = {"nan": math.nan, "inf": math.inf, "-inf": -math.inf}


def _decode_float(data: Any) -> Any:
    kind = type(data)
    if kind is float:
        return data
    if kind is int:  # JSON writes 2.0 as 2.0, but a hand-written or older peer may send 2
        return float(data)
    if kind is str and data in _FLOAT_WORDS:
        return _FLOAT_WORDS[data]
    raise _Fail(f"expected float, got {_got(data)}")


def _decode_none(data: Any) -> Any:
    if data is None:
        return None
    raise _Fail(f"expected null, got {_got(data)}")


def _from_string(cls: Any, parse: Callable[[str], Any]) -> _Codec:
    def run(data: Any) -> Any:
        if not isinstance(data, str):
            raise _Fail(f"expected {cls.__name__} (a string), got {_got(data)}")
        try:
            return parse(data)
        except ValueError:
            raise _Fail(f"not a valid {cls.__name__}: {data!r}") from None

    return run


def _decode_timedelta(data: Any) -> Any:
    if isinstance(data, (int, float)) and not isinstance(data, bool):
        try:
            return timedelta(seconds=data)
        except (OverflowError, ValueError):
            raise _Fail(f"not a valid timedelta: {data!r}") from None
    raise _Fail(f"expected timedelta (seconds), got {_got(data)}")


def _decode_enum(cls: type[Enum]) -> _Codec:
    def run(data: Any) -> Any:
        try:
            return cls(data)
        except (ValueError, TypeError):
            raise _Fail(f"not a valid {cls.__name__}: {data!r}") from None

    return run


def _sequence(item: _Codec, build: Callable[[list[Any]], Any], name: str) -> _Codec:
    def run(data: Any) -> Any:
        if not isinstance(data, (list, tuple)):
            raise _Fail(f"expected {name}, got {_got(data)}")
        out = []
        for index, raw in enumerate(data):
            try:
                out.append(item(raw))
            except _Fail as exc:
                exc.segments.append(f"[{index}]")
                raise
        return build(out)

    return run


def _fixed_tuple(items: tuple[_Codec, ...], name: str,
                 build: Callable[[list[Any]], Any] = tuple) -> _Codec:
    def run(data: Any) -> Any:
        if not isinstance(data, (list, tuple)):
            raise _Fail(f"expected {name}, got {_got(data)}")
        if len(data) != len(items):
            raise _Fail(f"expected {name} of {len(items)} items, got {len(data)}")
        out = []
        for index, (codec, raw) in enumerate(zip(items, data, strict=True)):
            try:
                out.append(codec(raw))
            except _Fail as exc:
                exc.segments.append(f"[{index}]")
                raise
        return build(out)

    return run


def _mapping(key: _Codec, value: _Codec) -> _Codec:
    def run(data: Any) -> Any:
        if not isinstance(data, dict):
            raise _Fail(f"expected dict, got {_got(data)}")
        out = {}
        for raw_key, raw in data.items():
            try:
                out[key(raw_key)] = value(raw)
            except _Fail as exc:
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
        deepest: _Fail | None = None
        for codec in codecs:
            try:
                return codec(data)
            except _Fail as exc:
                if exc.segments and (deepest is None or
                                     len(exc.segments) > len(deepest.segments)):
                    deepest = exc
        # A member that failed inside (a dataclass with one bad field) says more than a
        # blanket "expected A | B".
        if deepest is not None:
            raise deepest
        raise _Fail(f"expected {name}, got {_got(data)}")

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
            raise _Fail(f"expected {name}, got {data!r}") from None

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
            raise _Fail(f"expected {cls.__name__}, got {_got(data)}")
        kwargs = {}
        for name, codec, required in spec:
            if name not in data:
                if required:
                    failure = _Fail("missing required field")
                    failure.segments.append(name)
                    raise failure
                continue
            try:
                kwargs[name] = codec(data[name])
            except _Fail as exc:
                exc.segments.append(name)
                raise
        try:
            return cls(**kwargs)
        except (TypeError, ValueError) as exc:  # a __post_init__ that refuses the values
            raise _Fail(f"cannot build {cls.__name__}: {exc}") from None

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
