"""fintui's state database (SQLite, WAL): one file, several small stores over it."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import closing, contextmanager
from pathlib import Path

from fintui.store.private import private_dir


class StateUnavailable(Exception):
    """The state database cannot be opened; the message names it and why."""


class StateDB:
    SCHEMA = ""
    WHAT = "state database"  # how errors name the file
    BUSY_TIMEOUT = 10.0  # seconds a write waits for another process's lock
    SYNCHRONOUS = "FULL"  # SQLite's default: a committed change survives a power cut

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            private_dir(path.parent)  # beside forensics bundles and the audit log
            with self._connect() as db:
                db.executescript(self.SCHEMA)
        except (OSError, sqlite3.Error) as exc:
            raise StateUnavailable(f"cannot open the {self.WHAT} {path}: {exc}") from None

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        with closing(sqlite3.connect(self.path, timeout=self.BUSY_TIMEOUT)) as db, db:
            db.execute("PRAGMA journal_mode=WAL")  # a second fintui may read while we write
            db.execute(f"PRAGMA synchronous={self.SYNCHRONOUS}")
            yield db
