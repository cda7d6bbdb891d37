"""Who used which volume and image, and when, as fintui saw it: for "last used" in cleanup
TTLs and for a volume's history in the Volumes pane."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from fintui.model import Container
from fintui.store.db import StateDB
from fintui.timeparse import parse_docker_time


class UsageStore(StateDB):
    SCHEMA = """
    CREATE TABLE IF NOT EXISTS volume_use (
        volume TEXT NOT NULL, container TEXT NOT NULL, mode TEXT NOT NULL,
        first_seen TEXT NOT NULL, last_seen TEXT NOT NULL,
        PRIMARY KEY (volume, container)
    );
    CREATE TABLE IF NOT EXISTS image_use (image TEXT PRIMARY KEY, last_seen TEXT NOT NULL);
    """

    def record(self, containers: Iterable[Container], now: datetime) -> None:
        """Every container, running or stopped, counts as using what it references."""
        stamp = now.isoformat()
        volume_rows = []
        image_rows = []
        for c in containers:
            image_rows.append((c.image, stamp))
            for m in c.mounts:
                if m.type == "volume" and m.name:
                    volume_rows.append((m.name, c.name, "rw" if m.rw else "ro", stamp, stamp))
        with self._connect() as db:
            db.executemany(
                "INSERT INTO volume_use VALUES (?, ?, ?, ?, ?) ON CONFLICT (volume, container) "
                "DO UPDATE SET last_seen = excluded.last_seen, mode = excluded.mode",
                volume_rows)
            db.executemany("INSERT INTO image_use VALUES (?, ?) ON CONFLICT (image) "
                           "DO UPDATE SET last_seen = excluded.last_seen", image_rows)

    def volume_last_used(self) -> dict[str, datetime]:
        with self._connect() as db:
            rows = db.execute("SELECT volume, MAX(last_seen) FROM volume_use GROUP BY volume")
            return {v: t for v, raw in rows if (t := parse_docker_time(raw)) is not None}

    def image_last_used(self) -> dict[str, datetime]:
        """Keyed by the image reference containers were started from (tag or id)."""
        with self._connect() as db:
            rows = db.execute("SELECT image, last_seen FROM image_use")
            return {i: t for i, raw in rows if (t := parse_docker_time(raw)) is not None}

    def volume_history(self, volume: str) -> list[tuple[str, str, str, str]]:
        """(container, mode, first seen, last seen), most recent first."""
        with self._connect() as db:
            return list(db.execute(
                "SELECT container, mode, first_seen, last_seen FROM volume_use WHERE volume = ? "
                "ORDER BY last_seen DESC", (volume,)))
