"""Container log streams: multiplexed frames split anywhere, and raw TTY output; lines longer
than the cap cut into marked pieces."""

from __future__ import annotations

import random
import struct

from fintui.core.log_lines import CONTINUED, CONTINUES, mark
from fintui.sources.log_stream import MAX_LINE_BYTES, LogDecoder


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


def test_a_line_without_end_comes_out_in_marked_pieces_as_it_streams() -> None:
    # A container printing megabytes without a newline: pieces appear while the frame is still
    # arriving, each at most the cap, marked at every seam, and nothing is lost.
    cap, size = MAX_LINE_BYTES, 16 * MAX_LINE_BYTES + 10
    data = struct.pack(">BxxxL", 1, size) + b"x" * size
    decoder = LogDecoder(multiplexed=True)
    streamed: list[str] = []
    for i in range(0, len(data), 4096):
        streamed += decoder.feed(data[i:i + 4096])
    assert len(streamed) == 16  # before the stream ends: the decoder holds less than the cap
    last = decoder.flush()
    pieces = streamed + last
    assert pieces[0].endswith(CONTINUES) and not pieces[0].startswith(CONTINUED)
    assert all(p.startswith(CONTINUED) and p.endswith(CONTINUES) for p in pieces[1:-1])
    assert last == [CONTINUED + "x" * 10]
    bare = [p.removeprefix(CONTINUED).removesuffix(CONTINUES) for p in pieces]
    assert all(len(p) <= cap for p in bare) and "".join(bare) == "x" * size


def test_utf8_split_across_frames_and_across_a_piece_seam_decodes_whole() -> None:
    accented = "é".encode()  # two bytes
    data = frame(1, b"caf" + accented[:1]) + frame(1, accented[1:] + b"\n")
    assert LogDecoder(multiplexed=True).feed(data) == ["café"]
    # The cap falls between the two bytes of "é": the character moves to the next piece.
    line = b"x" * (MAX_LINE_BYTES - 1) + accented + b"yz\n"
    decoder = LogDecoder(multiplexed=False)
    pieces = [p for i in range(0, len(line), 1000) for p in decoder.feed(line[i:i + 1000])]
    assert pieces == ["x" * (MAX_LINE_BYTES - 1) + CONTINUES, CONTINUED + "éyz"]


def test_a_line_exactly_at_the_cap_is_one_unmarked_line() -> None:
    line = b"y" * MAX_LINE_BYTES
    assert LogDecoder(multiplexed=False).feed(line + b"\nnext\n") == ["y" * MAX_LINE_BYTES, "next"]


def expected(payload: bytes, cap: int) -> list[str]:
    """The model: every line whole, or cut every `cap` bytes with each character in the piece
    that holds its last byte; a trailing CR dropped."""
    out: list[str] = []
    for raw in payload.split(b"\n")[:-1]:
        if len(raw) <= cap:
            out.append(raw.rstrip(b"\r").decode())
            continue
        pieces = [""] * -(-len(raw) // cap)
        end = 0
        for ch in raw.decode():
            end += len(ch.encode())
            pieces[(end - 1) // cap] += ch
        pieces[-1] = pieces[-1].rstrip("\r")
        out += [mark(p, i == 0, i == len(pieces) - 1) for i, p in enumerate(pieces)]
    return out


def test_any_framing_and_chunking_gives_the_modelled_lines() -> None:
    rng = random.Random(20260517)
    alphabet = ["a", "b", " ", "é", "€", "𝄞", "\r", "[", "]"]
    for _ in range(200):
        cap = rng.choice([8, 16, 33])
        lines = ["".join(rng.choice(alphabet) for _ in range(rng.choice([0, 3, cap, 4 * cap])))
                 for _ in range(rng.randint(1, 12))]
        payload = "".join(line + rng.choice(["\n", "\r\n"]) for line in lines).encode()
        multiplexed = rng.random() < 0.7
        data, pos = b"", 0
        while multiplexed and pos < len(payload):  # frames cut anywhere, stdout or stderr
            step = rng.randint(1, 2 * cap)
            data += frame(rng.choice([1, 2]), payload[pos:pos + step])
            pos += step
        data = data if multiplexed else payload
        decoder = LogDecoder(multiplexed=multiplexed, max_line=cap)
        got: list[str] = []
        pos = 0
        while pos < len(data):
            step = rng.choice([1, 2, 7, 64, 1000])
            got += decoder.feed(data[pos:pos + step])
            pos += step
        assert got + decoder.flush() == expected(payload, cap), (cap, lines)


def test_fallback_to_text_when_the_first_header_arrives_byte_by_byte() -> None:
    decoder = LogDecoder(multiplexed=True)
    data = b"hello world\nmore\n"
    assert [line for i in range(len(data)) for line in decoder.feed(data[i:i + 1])] == \
        ["hello world", "more"]
