"""The newest records of an audit log, read from its end: the Audit pane (and the agent for it)
reads a few hundred lines, however long the log has grown. Blocking file I/O: call it in a
thread (asyncio.to_thread). Checking the chain is `fintui audit verify`'s work, not this."""

from __future__ import annotations

import json
import os
from pathlib import Path

from fintui.core.audit_rows import AuditEntry, AuditTail

CHUNK = 64 * 1024


def read_tail(path: Path, limit: int) -> AuditTail:
    """The last `limit` records (oldest first); a missing log is an empty one (nothing
    recorded yet), one that cannot be read says why in `problem`, never raises."""
    try:
        with open(path, "rb") as handle:
            lines = _last_lines(handle.fileno(), limit)
    except FileNotFoundError:
        return AuditTail(source=str(path))
    except OSError as exc:
        return AuditTail(source=str(path), problem=(
            f"cannot read the audit log {path}: {exc.strerror or exc} (a desk account sees "
            "it through `fintui agent`)"))
    entries = []
    bad = 0
    for raw in lines:
        try:
            record = json.loads(raw)
        except ValueError:
            record = None
        if isinstance(record, dict):
            entries.append(AuditEntry.of(record))
        else:
            bad += 1
    problem = (f"{bad} line(s) of {path} are not records: run `fintui audit verify`"
               if bad else "")
    return AuditTail(tuple(entries), str(path), problem)


def _last_lines(fd: int, limit: int) -> list[bytes]:
    """The last `limit` complete non-blank lines. A last line without its end of line is an
    append cut short (no record), as the log's own reader treats it."""
    end = os.fstat(fd).st_size
    start = end
    data = b""
    while start > 0 and data.count(b"\n") <= limit:
        step = min(CHUNK, start)
        start -= step
        data = os.pread(fd, step, start) + data
    lines = data.split(b"\n")
    lines.pop()  # after the last end of line: empty, or an unfinished append
    if start > 0:
        lines = lines[1:]  # the first is the end of a line read only in part
    return [line for line in lines if line.strip()][-limit:] if limit > 0 else []
