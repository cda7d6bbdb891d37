"""What an act has changed so far, kept as it goes, so that an act cut short says exactly what it
left behind (in the operator's message and in its audit record). Pure: no I/O."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

SHOWN = 12  # changes named in a one-line message; the audit record's result keeps them all


class Journal:
    """The progress callback an act's run gets: `journal(line)` reports a line; `changed(line)`
    reports a change that has just been made and keeps it; `trying(what)` names a change asked
    for and not yet answered (a daemon that stops answering may still make it). `partial` holds
    result fields the act fills as it goes (a failed act's record carries them); `undo` says
    how to undo it."""

    def __init__(self, report: Callable[[str], None] | None = None) -> None:
        self._report = report or (lambda _line: None)
        self.lines: list[str] = []
        self.done: list[str] = []
        self.partial: dict[str, Any] = {}
        self.undo = ""
        self.pending = ""

    def __call__(self, line: str) -> None:
        self.lines.append(line)
        self._report(line)

    def trying(self, what: str) -> None:
        """Name the change about to be asked for (not reported: the step's line follows)."""
        self.pending = what

    def changed(self, line: str, kept: str = "", report: bool = True) -> None:
        """Report `line` (unless told not to); keep `kept`, where the line alone would not
        name the change."""
        self.pending = ""
        self.done.append(kept or line)
        if report:
            self(line)

    def summary(self) -> str:
        """What a failed act changed, for its message: every change, or that there was none,
        and a change asked for that got no answer (the daemon may still have made it)."""
        unknown = (f"no answer to {self.pending!r}: the daemon may still have done it"
                   if self.pending else "")
        undo = f" ({self.undo})" if self.undo and (self.done or self.pending) else ""
        if not self.done:
            return (f"nothing is known to have changed; {unknown}{undo}" if unknown
                    else "nothing was changed")
        shown = "; ".join(self.done[:SHOWN])
        more = f"; and {len(self.done) - SHOWN} more" if len(self.done) > SHOWN else ""
        return f"changed before it stopped: {shown}{more}{'; ' + unknown if unknown else ''}{undo}"

    def failed_result(self) -> dict[str, Any]:
        """The result a failed act's record carries: what it filled in, and each change."""
        unknown = {"unanswered": self.pending} if self.pending else {}
        return {**self.partial, "done": list(self.done), **unknown}
