"""The container log decoder on big streams: throughput, the longest single feed (how long the
event loop would be held per chunk) and peak memory. Run by hand:

    .venv/bin/python benchmarks/log_decoder.py [--mib-long 32] [--mib-lines 128]
        [--decoder PATH/log_stream.py] [--timeout 300]

Four streams, written to a temporary folder and read back in 64 KiB chunks as aiohttp hands
them over: one line of --mib-long MiB with no newline (TTY, and multiplexed in the 16 KiB frames
of the json-file driver's partial messages), and --mib-lines MiB of ordinary lines (one frame
per line, and TTY with CRLF). Each run is a fresh process, so its peak RSS is its own.

Reported as ratios against the anchor, measured in the same run over the same bytes: reading
the whole stream and one `bytes.split(b"\\n")` (what any decoder must at least do, at C speed).
`--decoder` loads another copy of log_stream.py (e.g. `git show HEAD~1:...`) to compare."""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import random
import resource
import struct
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

CHUNK = 64 * 1024
ROOT = Path(__file__).resolve().parent.parent


def frame(payload: bytes) -> bytes:
    return struct.pack(">BxxxL", 1, len(payload)) + payload


def write_streams(folder: Path, mib_long: int, mib_lines: int) -> dict[str, tuple[Path, bool]]:
    """name -> (file, multiplexed)."""
    long_size = mib_long * 1024 * 1024
    streams = {"long-tty": (folder / "long-tty", False), "long-mux": (folder / "long-mux", True),
               "lines-mux": (folder / "lines-mux", True),
               "lines-tty": (folder / "lines-tty", False)}
    with open(streams["long-tty"][0], "wb") as out:
        for _ in range(0, long_size, CHUNK):
            out.write(b"x" * CHUNK)
    with open(streams["long-mux"][0], "wb") as out:
        piece = frame(b"x" * 16384)
        for _ in range(0, long_size, 16384):
            out.write(piece)
    rng = random.Random(17)
    words = [b"order", b"fill", b"XSHG", b"10.25", b"latency=3ms", "成交".encode(), b"id=42"]
    templates = [b" ".join(rng.choice(words) for _ in range(rng.randint(4, 30)))
                 for _ in range(997)]
    with open(streams["lines-mux"][0], "wb") as mux, open(streams["lines-tty"][0], "wb") as tty:
        written, i = 0, 0
        while written < mib_lines * 1024 * 1024:
            line = b"2026-05-09T07:35:25.%06dZ " % i + templates[i % len(templates)]
            mux.write(frame(line + b"\n"))
            tty.write(line + b"\r\n")
            written += len(line) + 1
            i += 1
    return streams


def rss_kib() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def child(mode: str, path: str, multiplexed: bool, decoder: str) -> dict[str, Any]:
    base = rss_kib()
    if mode == "anchor":
        start = time.perf_counter()
        data = Path(path).read_bytes()
        lines = data.split(b"\n")
        seconds = time.perf_counter() - start
        return {"seconds": seconds, "longest_feed": seconds, "lines": len(lines),
                "peak_kib": rss_kib() - base}
    spec = importlib.util.spec_from_file_location("log_stream_under_test", decoder)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    dec = module.LogDecoder(multiplexed=multiplexed)
    count, longest = 0, 0.0
    start = time.perf_counter()
    with open(path, "rb", buffering=0) as stream:
        while chunk := stream.read(CHUNK):
            t0 = time.perf_counter()
            count += len(dec.feed(chunk))  # lines are dropped at once, as when following
            longest = max(longest, time.perf_counter() - t0)
    count += len(dec.flush())
    return {"seconds": time.perf_counter() - start, "longest_feed": longest, "lines": count,
            "peak_kib": rss_kib() - base}


def run_child(mode: str, path: Path, multiplexed: bool, decoder: str,
              timeout: float) -> dict[str, Any] | None:
    try:
        done = subprocess.run([sys.executable, __file__, "--child", mode, str(path),
                               str(int(multiplexed)), decoder],
                              capture_output=True, text=True, timeout=timeout, check=True)
    except subprocess.TimeoutExpired:
        return None
    result: dict[str, Any] = json.loads(done.stdout)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--mib-long", type=int, default=32)
    parser.add_argument("--mib-lines", type=int, default=128)
    parser.add_argument("--decoder", default=str(ROOT / "fintui/sources/log_stream.py"))
    parser.add_argument("--timeout", type=float, default=300.0)
    parser.add_argument("--child", nargs=4, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        mode, path, multiplexed, decoder = args.child
        print(json.dumps(child(mode, path, multiplexed == "1", decoder)))
        return
    print(f"decoder {args.decoder}")
    print(f"{'stream':<10} {'MiB':>5} {'lines':>9} {'seconds':>8} {'x anchor':>9} "
          f"{'longest feed':>13} {'peak MiB':>9} {'x anchor':>9}")
    with tempfile.TemporaryDirectory() as tmp:
        for name, (path, multiplexed) in write_streams(Path(tmp), args.mib_long,
                                                       args.mib_lines).items():
            mib = os.path.getsize(path) / 2**20
            anchor = run_child("anchor", path, multiplexed, args.decoder, args.timeout)
            assert anchor is not None
            got = run_child("decoder", path, multiplexed, args.decoder, args.timeout)
            if got is None:
                print(f"{name:<10} {mib:>5.0f}  did not finish in {args.timeout:.0f} s "
                      f"({args.timeout / anchor['seconds']:.0f}x the anchor's "
                      f"{anchor['seconds']:.2f} s)")
                continue
            print(f"{name:<10} {mib:>5.0f} {got['lines']:>9} {got['seconds']:>8.2f} "
                  f"{got['seconds'] / anchor['seconds']:>8.1f}x "
                  f"{got['longest_feed'] * 1000:>10.1f} ms "
                  f"{got['peak_kib'] / 1024:>9.1f} "
                  f"{got['peak_kib'] / max(anchor['peak_kib'], 1):>8.2f}x")
    print("anchor: read the whole stream and bytes.split(b'\\n'), in a process of its own; "
          "peak = growth of the process's peak RSS while decoding")


if __name__ == "__main__":
    main()
