"""Container log streams: multiplexed frames split anywhere, and raw TTY output."""

from __future__ import annotations

import struct

from fintui.sources.log_stream import LogDecoder


def frame(stream: int, payload: bytes) -> bytes:
    return struct.pack(">BxxxL", stream, len(payload)) + payload


def test_frames_split_at_every_byte_give_the_same_lines() -> None:
    data = frame(1, b"quote XSHG 10.25\n") + frame(2, b"warn: slow\nparti") + frame(1, b"al\n")
    whole = LogDecoder(multiplexed=True).feed(data)
    assert whole == ["quote XSHG 10.25", "warn: slow", "partial"]
    decoder = LogDecoder(multiplexed=True)
    pieces: list[str] = []
    for i in range(len(data)):
        pieces += decoder.feed(data[i:i + 1])
    assert pieces == whole


def test_tty_stream_is_plain_text_with_crlf() -> None:
    decoder = LogDecoder(multiplexed=False)
    assert decoder.feed(b"one\r\ntw") == ["one"]
    assert decoder.feed(b"o\n") == ["two"]
    assert decoder.feed(b"tail without newline") == []
    assert decoder.flush() == ["tail without newline"]


def test_not_really_multiplexed_falls_back_to_text() -> None:
    decoder = LogDecoder(multiplexed=True)
    assert decoder.feed(b"hello world\nmore\n") == ["hello world", "more"]


def test_invalid_utf8_is_replaced_not_raised() -> None:
    assert LogDecoder(multiplexed=False).feed(b"bad \xff byte\n") == ["bad \ufffd byte"]
