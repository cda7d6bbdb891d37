"""Log lines as fintui keeps them: how a line too long to keep whole is cut into marked pieces,
and the last lines within a line and a character budget (what the log viewer keeps while
following and what a forensics capture writes; older lines drop off, and how many is counted).

A cut line reads `first piece »`, `» middle piece »`, `» last piece`: every piece but the last
ends with CONTINUES, every piece but the first starts with CONTINUED. "»" is Latin-1, so a
marked ASCII line stays on the terminal toolkits' fast path for measuring width."""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from itertools import chain

CONTINUES = " »"  # ends a piece whose line goes on in the next piece
CONTINUED = "» "  # starts a piece that carries on the line of the previous piece
TRUNCATED_PREFIX = "[fintui] log capture truncated: "  # first line of a capture that was cut
CAPTURE_MAX_CHARS = 16 * 1024 * 1024  # a forensics capture keeps at most the last 16 Mi chars


def mark(piece: str, first: bool, last: bool) -> str:
    """One piece of a cut line, with the seams it has made visible."""
    return ("" if first else CONTINUED) + piece + ("" if last else CONTINUES)


def cut(line: str, limit: int) -> list[str]:
    """`line` as pieces of at most `limit` characters (plus marks); a short line as it is."""
    if len(line) <= limit:
        return [line]
    ends = range(limit, len(line) + limit, limit)
    return [mark(line[end - limit:end], end == limit, end >= len(line)) for end in ends]


class LogTail:
    """At most `max_lines` lines and `max_chars` characters (a newline counts as one, so a run
    of empty lines is bounded too); the newest line is always kept."""

    def __init__(self, max_chars: int, max_lines: int | None = None) -> None:
        self.max_chars = max_chars
        self.max_lines = max_lines
        self._lines: deque[str] = deque()
        self.chars = 0
        self.dropped_lines = 0
        self.dropped_chars = 0

    def extend(self, lines: Iterable[str]) -> list[str]:
        """Add lines at the end; returns the oldest lines that fell off to make room."""
        batch = lines if isinstance(lines, list) else list(lines)
        kept = self._lines
        kept.extend(batch)
        self.chars += sum(map(len, batch)) + len(batch)
        over_lines = len(kept) - self.max_lines if self.max_lines is not None else 0
        dropped = [kept.popleft() for _ in range(min(over_lines, len(kept) - 1))]
        self.chars -= sum(map(len, dropped)) + len(dropped)
        while self.chars > self.max_chars and len(kept) > 1:
            old = kept.popleft()
            self.chars -= len(old) + 1
            dropped.append(old)
        gone = sum(map(len, dropped)) + len(dropped)
        self.dropped_lines += len(dropped)
        self.dropped_chars += gone
        return dropped

    def __iter__(self) -> Iterator[str]:
        return iter(self._lines)

    def __len__(self) -> int:
        return len(self._lines)

    def text(self) -> str:
        """The kept lines, newline-terminated, led by a TRUNCATED_PREFIX line if any fell off."""
        head = [] if not self.dropped_lines else [
            f"{TRUNCATED_PREFIX}{self.dropped_lines} earlier lines ({self.dropped_chars} "
            f"characters) left out; kept the last {len(self._lines)} lines ({self.chars} "
            "characters)"]
        if not head and not self._lines:
            return ""
        return "\n".join(chain(head, self._lines, [""]))  # one copy of a capture, not three


def saved_log_name(container: str, when: datetime) -> str:
    """`<container>-<UTC time>.log` for a saved log: the name kept to letters, digits, `.`,
    `_` and `-` (a container name is untrusted: no `/`, no `..`, no control characters)."""
    safe = re.sub(r"[^A-Za-z0-9._-]+", "_", container).strip("._-")[:100] or "container"
    return f"{safe}-{when.astimezone(UTC):%Y%m%dT%H%M%SZ}.log"
