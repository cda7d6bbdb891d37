"""Searching log lines by words, and where a line reads as an error or a warning. Pure: the
console turns the spans into styles.

A search is its whitespace-separated words: a line matches when it holds every word, in any
order, whatever the case (`WARN XSHG` matches `warn: venue xshg timed out`).

A line's level is the worst level word it holds as a whole word: ERROR, FATAL, CRITICAL or PANIC
makes an error line, WARN or WARNING a warning line. The words count in capitals, as log levels
are written (`0 errors` in a message is not an error line), and in the `level=error` /
`"level":"warn"` forms of structured logs, in any case."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

Kind = Literal["error", "warn", "match"]

_ERROR = ("ERROR", "FATAL", "CRITICAL", "PANIC")
_WARN = ("WARN", "WARNING")
_WORD = r"\b(?P<word>" + "|".join(_ERROR + _WARN) + r")\b"
_FIELD = r"(?i:\blevel\"?\s*[=:]\s*\"?(?P<field>error|fatal|critical|panic|warning|warn)\b)"
_LEVEL_WORD = re.compile(_WORD)
_LEVEL = re.compile(f"{_WORD}|{_FIELD}")


def level(line: str) -> tuple[Kind, int, int] | None:
    """The line's level and where its level word is; an error word outranks a warning one."""
    found: tuple[Kind, int, int] | None = None
    # The case-blind field pattern costs more; most lines have no "level" to find.
    pattern = _LEVEL if "evel" in line or "EVEL" in line else _LEVEL_WORD
    for m in pattern.finditer(line):
        group = "word" if m.group("word") else "field"  # the word pattern has no "field"
        word = m.group(group).upper()
        kind: Kind = "error" if word in _ERROR else "warn"
        if kind == "error":
            return kind, m.start(group), m.end(group)
        if found is None:
            found = kind, m.start(group), m.end(group)
    return found


@dataclass(frozen=True, slots=True)
class Search:
    """The words of a search, each compiled once (case-insensitive, taken literally)."""

    words: tuple[str, ...]
    _patterns: tuple[re.Pattern[str], ...]
    _any: re.Pattern[str] | None

    @classmethod
    def parse(cls, query: str) -> Search:
        # Lowercased and deduplicated, longest first: where one word holds another, the
        # longer one is highlighted whole.
        words = tuple(sorted({w.lower() for w in query.split()}, key=lambda w: (-len(w), w)))
        patterns = tuple(re.compile(re.escape(w), re.IGNORECASE) for w in words)
        joined = re.compile("|".join(map(re.escape, words)), re.IGNORECASE) if words else None
        return cls(words, patterns, joined)

    def __bool__(self) -> bool:
        return bool(self.words)

    def matches(self, line: str) -> bool:
        """Every word is somewhere in the line; an empty search matches every line."""
        return all(p.search(line) for p in self._patterns)

    def spans(self, line: str) -> list[tuple[int, int]]:
        """Where the words are in the line, left to right, not overlapping."""
        return [] if self._any is None else [m.span() for m in self._any.finditer(line)]


def marks(line: str, search: Search, every_word: bool = False) -> list[tuple[int, int, Kind]]:
    """Spans to style: the whole line by its level (then its level word again, to be bolded),
    then each searched word (with `every_word`, only in a line that holds them all); later
    spans are drawn over earlier ones."""
    out: list[tuple[int, int, Kind]] = []
    found = level(line)
    if found is not None:
        kind, start, end = found
        out += [(0, len(line), kind), (start, end, kind)]
    if search and (not every_word or search.matches(line)):
        out += [(start, end, "match") for start, end in search.spans(line)]
    return out
