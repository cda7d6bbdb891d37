"""Decode a container's log stream into lines: multiplexed (no TTY) or raw (TTY). No I/O."""

from __future__ import annotations

import struct

_HEADER = struct.Struct(">BxxxL")  # stream type (0 stdin, 1 stdout, 2 stderr), 3 pad, length


class LogDecoder:
    """Feed chunks as they arrive; get back complete lines. Keeps partial frames and lines."""

    def __init__(self, multiplexed: bool) -> None:
        self.multiplexed = multiplexed
        self._frames = bytearray()
        self._text = bytearray()

    def feed(self, chunk: bytes) -> list[str]:
        if not self.multiplexed:
            self._text += chunk
            return self._lines()
        self._frames += chunk
        while len(self._frames) >= _HEADER.size:
            stream, length = _HEADER.unpack_from(self._frames)
            if stream > 2:
                # Not a multiplexed stream after all (a TTY container): treat the rest as text.
                self.multiplexed = False
                self._text += self._frames
                self._frames.clear()
                break
            if len(self._frames) < _HEADER.size + length:
                break
            self._text += self._frames[_HEADER.size:_HEADER.size + length]
            del self._frames[:_HEADER.size + length]
        return self._lines()

    def _lines(self) -> list[str]:
        *complete, rest = self._text.split(b"\n")
        self._text = bytearray(rest)
        return [line.rstrip(b"\r").decode("utf-8", "replace") for line in complete]

    def flush(self) -> list[str]:
        """Whatever is left when the stream ends, as a last line."""
        rest = bytes(self._text)
        self._text.clear()
        return [rest.decode("utf-8", "replace")] if rest else []
