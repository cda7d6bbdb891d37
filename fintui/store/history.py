"""Metric history for forecasts (SQLite, WAL): raw samples, averaged into 1-minute and then
1-hour points as they age, so months of history stay a few megabytes. Several fintui
processes (the console and `fintui collect`) may write the same file at once."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from fintui.model import UsageSample as Sample
from fintui.store.db import StateDB

RAW, MINUTE, HOUR = 0, 1, 2
BUCKET = {MINUTE: 60, HOUR: 3600}
COMPACT_EVERY = 60.0  # seconds of sample time between compactions

SCHEMA = """
CREATE TABLE IF NOT EXISTS series (
    id INTEGER PRIMARY KEY, kind TEXT NOT NULL, name TEXT NOT NULL, UNIQUE (kind, name));
CREATE TABLE IF NOT EXISTS samples (
    series INTEGER NOT NULL, tier INTEGER NOT NULL, ts INTEGER NOT NULL, value REAL NOT NULL,
    capacity REAL, n INTEGER NOT NULL DEFAULT 1,
    PRIMARY KEY (series, tier, ts)) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS samples_age ON samples (tier, ts);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value REAL NOT NULL);
"""


@dataclass(frozen=True, slots=True)
class Retention:
    raw: float = 3600.0  # seconds raw samples are kept before becoming 1-minute points
    minute: float = 86400.0  # ... 1-minute points before becoming 1-hour points
    hour: float = 90 * 86400.0  # ... 1-hour points before they are dropped


@dataclass(frozen=True, slots=True)
class Series:
    id: int
    kind: str
    name: str


class HistoryStore(StateDB):
    SCHEMA = SCHEMA
    WHAT = "history database"
    BUSY_TIMEOUT = 30.0  # two writers (console and collect) each hold it for milliseconds
    SYNCHRONOUS = "NORMAL"  # WAL stays consistent; a power cut may cost the last samples

    def __init__(self, path: Path, retention: Retention = Retention()) -> None:
        self.retention = retention
        super().__init__(path)

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        """One write transaction, taking the lock up front: a transaction that reads first
        and then writes can fail at once when another process wrote in between."""
        with self._connect() as db:  # commits on the way out, rolls back on an error
            db.execute("BEGIN IMMEDIATE")
            yield db

    def record(self, samples: Iterable[Sample], at: float) -> None:
        """Store one sample per series at `at` (epoch seconds); compacts now and then."""
        ts = int(at)
        with self._write() as db:
            self._insert(db, list(samples), ts)
            last = db.execute("SELECT value FROM meta WHERE key = 'compacted'").fetchone()
            if last is None or ts - last[0] >= COMPACT_EVERY or ts < last[0]:
                self._compact(db, ts)

    def record_many(self, batches: Iterable[tuple[float, Iterable[Sample]]]) -> None:
        """Many timestamps in one transaction (an import, the demo's weeks of history)."""
        newest = None
        with self._write() as db:
            for at, samples in batches:
                self._insert(db, list(samples), int(at))
                newest = int(at)
            if newest is not None:
                self._compact(db, newest)

    def copy_to(self, other: HistoryStore) -> None:
        """Replace `other`'s contents with this history (SQLite's online backup)."""
        with self._connect() as src, other._connect() as dst:
            src.backup(dst)

    def compact(self, now: float) -> None:
        with self._write() as db:
            self._compact(db, int(now))

    def _insert(self, db: sqlite3.Connection, rows: list[Sample], ts: int) -> None:
        db.executemany("INSERT OR IGNORE INTO series (kind, name) VALUES (?, ?)",
                       sorted({(s.kind, s.name) for s in rows}))
        ids = {(k, n): i for i, k, n in db.execute("SELECT id, kind, name FROM series")}
        db.executemany(
            "INSERT OR REPLACE INTO samples (series, tier, ts, value, capacity, n) "
            "VALUES (?, ?, ?, ?, ?, 1)",
            [(ids[(s.kind, s.name)], RAW, ts, float(s.value), s.capacity) for s in rows])

    def _compact(self, db: sqlite3.Connection, now: int) -> None:
        """Average raw samples older than their retention into minutes, minutes into hours,
        and drop hours past theirs. Only whole buckets move, and a bucket that already exists
        is merged by weight, so two processes compacting in turn never lose samples."""
        for source, target, keep in ((RAW, MINUTE, self.retention.raw),
                                     (MINUTE, HOUR, self.retention.minute)):
            size = BUCKET[target]
            cutoff = (now - int(keep)) // size * size
            db.execute(
                "INSERT INTO samples (series, tier, ts, value, capacity, n) "
                "SELECT series, ?, ts / ? * ?, SUM(value * n) / SUM(n), MAX(capacity), SUM(n) "
                "FROM samples WHERE tier = ? AND ts < ? GROUP BY series, ts / ? "
                "ON CONFLICT (series, tier, ts) DO UPDATE SET "
                "value = (value * n + excluded.value * excluded.n) / (n + excluded.n), "
                "capacity = MAX(COALESCE(capacity, excluded.capacity), "
                "COALESCE(excluded.capacity, capacity)), n = n + excluded.n",
                (target, size, size, source, cutoff, size))
            db.execute("DELETE FROM samples WHERE tier = ? AND ts < ?", (source, cutoff))
        db.execute("DELETE FROM samples WHERE tier = ? AND ts < ?",
                   (HOUR, now - int(self.retention.hour)))
        db.execute("DELETE FROM series WHERE id NOT IN (SELECT DISTINCT series FROM samples)")
        db.execute("INSERT OR REPLACE INTO meta VALUES ('compacted', ?)", (now,))

    def series(self) -> list[Series]:
        with self._connect() as db:
            return [Series(*row) for row in db.execute(
                "SELECT id, kind, name FROM series ORDER BY kind, name")]

    def points(self, series_id: int, since: float = 0.0
               ) -> tuple[list[tuple[float, float]], float | None]:
        """Every point of one series, oldest first, and its newest known capacity. Where tiers
        overlap (samples written late) the finer one wins."""
        with self._connect() as db:
            rows = db.execute(
                "SELECT tier, ts, value, capacity FROM samples WHERE series = ? AND ts >= ? "
                "ORDER BY ts, tier", (series_id, int(since))).fetchall()
        points: dict[float, float] = {}
        capacity = None
        for _tier, ts, value, cap in rows:
            points.setdefault(float(ts), value)
            if cap is not None:
                capacity = cap
        return sorted(points.items()), capacity

    def counts(self) -> dict[int, int]:
        """Rows per tier: what keeps the file small is visible (tests, `collect --stats`)."""
        with self._connect() as db:
            return dict(db.execute("SELECT tier, COUNT(*) FROM samples GROUP BY tier"))
