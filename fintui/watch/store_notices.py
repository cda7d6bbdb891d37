"""How a watch says a state file's fault (once, gathered) and its end. No Textual here."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

from fintui.core.store_faults import StoreFaults, fault_line, worked_line
from fintui.store.db import StateUnavailable
from fintui.watch.listener import WatchListener

log = logging.getLogger("fintui.watch")

# What goes without while a state file fails, said with its fault.
STORE_USES = {
    "usage": "volume and image last-use times are not recorded",
    "isolations": "isolation marks are not read",
    "volume history": "a volume's history cannot be shown",
    "history": "metric samples and forecasts wait",
    "alerts": "acks and silences made here are held in memory",
}
STORE_NOTICE_GATHER = 1.0  # seconds: faults found together (at start) share one notice


class StoreNotices:
    """The watch's side that talks: notices to every subscriber, or the log when headless."""

    listeners: list[WatchListener]

    def __init__(self) -> None:
        self.store_faults = StoreFaults()  # state files failing now: each said once
        self._fault_news: list[str] = []

    def store_failed(self, exc: StateUnavailable, use: str) -> None:
        """Say a state file's fault once (again only for a new reason): the watch goes on
        without it, and every later use tries the file again. Faults found within a moment
        of each other share one notice, one line a file, each led by the file's name."""
        if self.store_faults.failed(str(exc.path), use, exc.reason):
            if not self._fault_news:
                asyncio.get_running_loop().call_later(STORE_NOTICE_GATHER,
                                                      self._say_store_faults)
            self._fault_news.append(fault_line(exc.path, str(exc), STORE_USES[use]))

    def _say_store_faults(self) -> None:
        news, self._fault_news = self._fault_news, []
        if news:
            self._notice("\n".join(news), "state files" if len(news) > 1 else "state file",
                         True)

    def store_worked(self, path: Path, use: str, extra: str = "") -> None:
        if self.store_faults.worked(str(path), use):
            self._say_store_faults()  # a fault still waiting to be said comes first
            self._notice(worked_line(path, extra), "state file", False)

    def _notice(self, text: str, title: str, error: bool) -> None:
        if not self.listeners:  # headless: the log is where it is said
            (log.error if error else log.info)("%s: %s", title, text)
        for listener in list(self.listeners):
            listener.notice(text, title, error)
