"""Decode a container's log stream into lines: multiplexed (no TTY) or raw (TTY). No I/O.

Linear in the bytes fed: each byte is scanned once, frame payloads are never re-sliced, and
only the unfinished line (at most MAX_LINE_BYTES) is kept between chunks. A line longer than
MAX_LINE_BYTES comes out as several pieces, marked at the seams as core.log_lines describes
(`first piece »`, `» middle »`, `» last`). Pieces are cut on UTF-8 character boundaries: an
incremental decoder carries a character split between two pieces over to the next one.
"""

from __future__ import annotations

import codecs
import struct

from fintui.core.log_lines import mark

_HEADER = struct.Struct(">BxxxL")  # stream type (0 stdin, 1 stdout, 2 stderr), 3 pad, length

MAX_LINE_BYTES = 64 * 1024  # a longer line is emitted in marked pieces of this many bytes


class LogDecoder:
    """Feed chunks as they arrive; get back complete lines (or marked pieces of long ones)."""

    def __init__(self, multiplexed: bool, max_line: int = MAX_LINE_BYTES) -> None:
        self.multiplexed = multiplexed
        self.max_line = max_line
        self._head = bytearray()  # a frame header split across chunks
        self._left = 0  # payload bytes of the current frame still to come
        self._line = bytearray()  # the unfinished line, never more than max_line bytes
        self._pieces = False  # the unfinished line was already emitted in part
        self._utf8 = codecs.getincrementaldecoder("utf-8")("replace")

    def feed(self, chunk: bytes) -> list[str]:
        out: list[str] = []
        if not self.multiplexed:
            self._text(chunk, out)
            return out
        payloads: list[bytes] = []  # joined once per chunk: many small frames, one text scan
        pos, size = 0, len(chunk)
        text_from = -1  # where the stream turned out not to be multiplexed after all
        while pos < size:
            if self._left:
                take = min(self._left, size - pos)
                payloads.append(chunk if take == size else chunk[pos:pos + take])
                self._left -= take
                pos += take
                continue
            if not self._head and size - pos >= _HEADER.size:
                stream, self._left = _HEADER.unpack_from(chunk, pos)
                if stream > 2:
                    text_from = pos
                    break
                pos += _HEADER.size
                if self._left <= size - pos:  # the usual case: the whole frame is here
                    payloads.append(chunk[pos:pos + self._left])
                    pos += self._left
                    self._left = 0
                continue
            need = _HEADER.size - len(self._head)
            self._head += chunk[pos:pos + need]
            pos += need
            if len(self._head) < _HEADER.size:
                break
            stream, self._left = _HEADER.unpack(self._head)
            if stream > 2:
                text_from = pos
                break
            self._head.clear()
        if text_from >= 0:
            # Not a multiplexed stream after all (a TTY container): the rest is text, with the
            # bytes taken for a header (some maybe from an earlier chunk) put back in front.
            self.multiplexed = False
            self._left = 0
            payloads.append(bytes(self._head) + chunk[text_from:])
            self._head.clear()
        if payloads:
            self._text(payloads[0] if len(payloads) == 1 else b"".join(payloads), out)
        return out

    def flush(self) -> list[str]:
        """Whatever is left when the stream ends, as a last line."""
        out: list[str] = []
        if self._line or self._pieces:
            self._emit(out, final=True, strip_cr=False)
        return out

    def _text(self, data: bytes, out: list[str]) -> None:
        first = data.find(b"\n")
        if first < 0:
            self._add(data, 0, len(data), out)
            return
        self._add(data, 0, first, out)
        self._emit(out, final=True)
        last = data.rfind(b"\n")
        if last > first:
            self._block(data, first + 1, last, out)
        self._add(data, last + 1, len(data), out)

    def _block(self, data: bytes, start: int, end: int, out: list[str]) -> None:
        """Complete lines data[start:end], newline-separated, with nothing pending before."""
        block = data[start:end]
        raw = block.split(b"\n")
        if len(block) > self.max_line and max(map(len, raw)) > self.max_line:
            for line in raw:  # rare: at least one line to cut into pieces
                self._add(line, 0, len(line), out)
                self._emit(out, final=True)
            return
        # The common case at C speed: one decode and one split for the whole block. A newline
        # is never part of a multi-byte character, so decoding across lines changes nothing.
        lines = block.decode("utf-8", "replace").split("\n")
        if b"\r" in block:
            lines = [line.rstrip("\r") for line in lines]
        out.extend(lines)

    def _add(self, data: bytes, start: int, end: int, out: list[str]) -> None:
        """Append data[start:end] to the unfinished line, emitting full pieces as they fill."""
        while end - start > self.max_line - len(self._line):
            take = self.max_line - len(self._line)
            self._line += data[start:start + take]
            start += take
            self._emit(out, final=False)
        if start < end:
            self._line += data[start:end] if start or end < len(data) else data

    def _emit(self, out: list[str], final: bool, strip_cr: bool = True) -> None:
        raw = self._line.rstrip(b"\r") if final and strip_cr else self._line
        if not self._pieces and final:
            out.append(raw.decode("utf-8", "replace"))
        else:
            text = self._utf8.decode(bytes(raw), final=final)
            out.append(mark(text, first=not self._pieces, last=final))
        self._pieces = not final
        self._line.clear()
