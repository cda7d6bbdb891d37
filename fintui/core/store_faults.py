"""Which state files are failing, and for which uses, so that the console says a fault once
when it starts (or its reason changes) and once when it is gone, never at every sweep. Pure.

One file serves several uses (the usage notes are written, the isolation marks read): a lock
held by another process fails the writes while the reads go on, so a use that works says
nothing about the others, and the file counts as recovered only when every failing use of it
has worked again."""

from __future__ import annotations

from pathlib import Path


class StoreFaults:
    def __init__(self) -> None:
        self._failing: dict[str, dict[str, str]] = {}  # file -> use -> why it failed

    def failed(self, file: str, use: str, why: str) -> bool:
        """Note a failure; True when it is news (a new reason for this file) to be said."""
        uses = self._failing.setdefault(file, {})
        news = why not in uses.values()
        uses[use] = why
        return news

    def worked(self, file: str, use: str) -> bool:
        """Note a success; True when the file has just recovered from every failure."""
        uses = self._failing.get(file)
        if uses is None or uses.pop(use, None) is None:
            return False
        if uses:
            return False
        del self._failing[file]
        return True

    def why(self, file: str) -> str:
        """The latest reason a file is failing, "" when it is not."""
        return next(reversed(self._failing.get(file, {}).values()), "")


def fault_line(path: Path, message: str, consequence: str) -> str:
    """A state file's fault for a notice, led by the file's name (a narrow screen shows the
    start of it), its full path last: "alerts.toml: cannot read: silence 1: missing key
    'author'; not overwritten. Acks and … held in memory; retrying. (/var/lib/…/alerts.toml)"."""
    said = message.replace(f" {path}", "").replace(str(path), path.name)
    return f"{path.name}: {said}. {consequence[:1].upper()}{consequence[1:]}; retrying. ({path})"


def worked_line(path: Path, extra: str = "") -> str:
    return f"{path.name} works again{extra} ({path})"
