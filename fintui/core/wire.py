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

from fintui.core.wire_base import WireError
from fintui.core.wire_decode import decode
from fintui.core.wire_encode import encode

__all__ = ["WireError", "decode", "encode"]
