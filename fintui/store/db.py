"""fintui's state database (SQLite, WAL): one file, several small stores over it."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import closing, contextmanager
from pathlib import Path

from fintui.private_files import private_dir


class StateUnavailable(sqlite3.Error):
    """A state file cannot be opened, read or written; the message names it and why.
    An sqlite3.Error, so code that catches the driver's errors keeps catching it."""

    def __init__(self, message: str, path: Path, reason: str) -> None:
        super().__init__(message)
        self.path = path
        self.reason = reason  # the cause alone ("database is locked"), to tell faults apart


class StateDB:
    SCHEMA = ""
    WHAT = "state database"  # how errors name the file
    BUSY_TIMEOUT = 10.0  # seconds a write waits for another process's lock
    SYNCHRONOUS = "FULL"  # SQLite's default: a committed change survives a power cut

    def __init__(self, path: Path) -> None:
        """Never fails: a file that is locked, read-only or corrupt now may be fine later, so
        opening is tried again by every use, and each use that fails raises StateUnavailable."""
        self.path = path
        self._ready = False  # the folder and the schema are known to be there
        try:
            with self._connect():
                pass
        except StateUnavailable:
            pass

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        ready = self._ready
        try:
            if not ready:
                private_dir(self.path.parent)  # beside forensics bundles and the audit log
            with closing(sqlite3.connect(self.path, timeout=self.BUSY_TIMEOUT)) as db, db:
                db.execute("PRAGMA journal_mode=WAL")  # a second fintui may read while we write
                db.execute(f"PRAGMA synchronous={self.SYNCHRONOUS}")
                if not ready:
                    db.executescript(self.SCHEMA)
                    self._ready = True
                yield db
        except StateUnavailable:
            raise  # another store's, from inside this block: already says which file
        except (OSError, sqlite3.Error) as exc:
            # A file replaced or emptied meanwhile needs its schema again: check next time.
            self._ready = False
            doing = "use" if ready else "open"
            raise StateUnavailable(f"cannot {doing} the {self.WHAT} {self.path}: {exc}",
                                   self.path, str(exc)) from None
