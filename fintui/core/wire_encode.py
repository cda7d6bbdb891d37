"""The wire codec's encoder: a value of the project's dataclasses to JSON-able data, walked by
its runtime types, one compiled function per type (see fintui.core.wire)."""

from __future__ import annotations

import contextlib
import dataclasses
import math
from collections.abc import Mapping
from datetime import date, datetime, time, timedelta
from enum import Enum
from pathlib import PurePath
from typing import Any

from fintui.core.wire_base import Codec as _Codec
from fintui.core.wire_base import identity as _identity

# ---------------------------------------------------------------------------------- encoding

_NONFINITE = {math.inf: "inf", -math.inf: "-inf"}


def _encode_float(value: float) -> Any:
    # JSON has no nan/inf (json.dumps would write invalid JSON); None would be ambiguous for
    # `float | None` fields, so they travel as strings that the float decoder knows.
    if math.isfinite(value):
        return float(value)
    return "nan" if value != value else _NONFINITE[value]


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
