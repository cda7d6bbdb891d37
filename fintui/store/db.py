"""fintui's state database (SQLite, WAL): one file, several small stores over it."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import closing, contextmanager
from pathlib import Path


class StateUnavailable(Exception):
    """The state database cannot be opened; the message names it and why."""


class StateDB:
    SCHEMA = ""

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            with self._connect() as db:
                db.executescript(self.SCHEMA)
        except (OSError, sqlite3.Error) as exc:
            raise StateUnavailable(f"cannot open the state database {path}: {exc}") from None

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        with closing(sqlite3.connect(self.path, timeout=10)) as db, db:
            db.execute("PRAGMA journal_mode=WAL")  # a second fintui may read while we write
            yield db
