"""Runs `fintui` in a pseudo-terminal, as an operator's terminal would, and keeps every byte
it writes: what reaches the terminal, escape codes included."""

from __future__ import annotations

import fcntl
import os
import re
import select
import struct
import subprocess
import sys
import termios
import time
from collections.abc import Mapping, Sequence

SGR = re.compile(rb"\x1b\[([0-9;:]*)m")


def colour_codes(output: bytes) -> list[str]:
    """Every SGR parameter that sets a colour other than the terminal's default (39, 49):
    3x/4x/9x/10x, and 38/48 (256-colour or 24-bit) with what follows them."""
    found = []
    for match in SGR.finditer(output):
        params = match.group(1).decode().replace(":", ";").split(";")
        i = 0
        while i < len(params):
            p = params[i]
            if p in ("38", "48", "58"):
                width = 3 if params[i + 1:i + 2] == ["5"] else 5
                found.append(";".join(params[i:i + width]))
                i += width
                continue
            if p.isdigit() and (30 <= int(p) <= 37 or 40 <= int(p) <= 47
                                or 90 <= int(p) <= 97 or 100 <= int(p) <= 107):
                found.append(p)
            i += 1
    return found


def run_in_pty(args: Sequence[str], env: Mapping[str, str], keys: Sequence[tuple[float, bytes]],
               size: tuple[int, int] = (80, 24), ready: bytes = b"", timeout: float = 60.0
               ) -> bytes:
    """`python -m fintui ARGS` in a pty of `size` (columns, rows); once `ready` has been
    written, each key is typed after its pause in seconds. Returns all it wrote."""
    master, slave = os.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", size[1], size[0], 0, 0))
    process = subprocess.Popen([sys.executable, "-m", "fintui", *args], stdin=slave,
                               stdout=slave, stderr=slave, env=dict(env), close_fds=True,
                               start_new_session=True)
    os.close(slave)
    output = bytearray()
    deadline = time.monotonic() + timeout
    pending = list(keys)
    next_at: float | None = None
    try:
        while time.monotonic() < deadline:
            readable, _, _ = select.select([master], [], [], 0.05)
            if readable:
                try:
                    chunk = os.read(master, 65536)
                except OSError:  # the other side closed: it has exited
                    break
                if not chunk:
                    break
                output += chunk
            if next_at is None and ready in output:
                next_at = time.monotonic() + (pending[0][0] if pending else 0)
            if next_at is not None and pending and time.monotonic() >= next_at:
                os.write(master, pending.pop(0)[1])
                next_at = time.monotonic() + (pending[0][0] if pending else 0)
            if process.poll() is not None and not readable:
                break
    finally:
        if process.poll() is None:
            process.kill()
        process.wait(10)
        os.close(master)
    return bytes(output)
