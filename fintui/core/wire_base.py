"""What both halves of the wire codec share: the error a caller catches, the failure that
carries a field's path out of the decoder, and the do-nothing codec."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

Codec = Callable[[Any], Any]  # one compiled encoder or decoder


class WireError(ValueError):
    """Data that does not fit the type asked for; the message starts with the field's path
    (`containers[3].stats.cpu_percent: expected float, got str`)."""

    def __init__(self, message: str, path: str = "") -> None:
        super().__init__(f"{path}: {message}" if path else message)
        self.path = path
        self.reason = message


class DecodeFailure(Exception):
    """Raised deep inside decoding; each container level adds its segment on the way out, so
    the success path never builds path strings."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason
        self.segments: list[str] = []  # innermost first: "[3]" for indexes, names for fields


def join_path(segments: list[str]) -> str:
    out = ""
    for seg in reversed(segments):
        out += seg if seg.startswith("[") or not out else f".{seg}"
    return out


def identity(value: Any) -> Any:
    return value
