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
        """Every container, running or stopped, counts as using what it references (on its
        own endpoint: two daemons' `data` volumes are two volumes)."""
        stamp = now.isoformat()
        volume_rows = []
        image_rows = []
        for c in containers:
            image_rows.append((_key(c.image, c.endpoint), stamp))
            for m in c.mounts:
                if m.type == "volume" and m.name:
                    volume_rows.append((_key(m.name, c.endpoint), c.name,
                                        "rw" if m.rw else "ro", stamp, stamp))
        with self._connect() as db:
            db.executemany(
                "INSERT INTO volume_use VALUES (?, ?, ?, ?, ?) ON CONFLICT (volume, container) "
                "DO UPDATE SET last_seen = excluded.last_seen, mode = excluded.mode",
                volume_rows)
            db.executemany("INSERT INTO image_use VALUES (?, ?) ON CONFLICT (image) "
                           "DO UPDATE SET last_seen = excluded.last_seen", image_rows)

    def volume_last_used(self, endpoint: str = "") -> dict[str, datetime]:
        with self._connect() as db:
            rows = db.execute("SELECT volume, MAX(last_seen) FROM volume_use GROUP BY volume")
            return _of(endpoint, rows)

    def image_last_used(self, endpoint: str = "") -> dict[str, datetime]:
        """Keyed by the image reference containers were started from (tag or id)."""
        with self._connect() as db:
            return _of(endpoint, db.execute("SELECT image, last_seen FROM image_use"))

    def volume_history(self, volume: str, endpoint: str = ""
                       ) -> list[tuple[str, str, str, str]]:
        """(container, mode, first seen, last seen), most recent first."""
        with self._connect() as db:
            return list(db.execute(
                "SELECT container, mode, first_seen, last_seen FROM volume_use WHERE volume = ? "
                "ORDER BY last_seen DESC", (_key(volume, endpoint),)))


# A space never appears in a volume name or an image reference: "name @endpoint" cannot be
# mistaken for a name, and rows written before endpoints existed read as the unnamed one's.
def _key(name: str, endpoint: str) -> str:
    return f"{name} @{endpoint}" if endpoint else name


def _of(endpoint: str, rows: Iterable[tuple[str, str]]) -> dict[str, datetime]:
    """One endpoint's rows, by the plain name. Rows without an endpoint (seen through --host,
    or before endpoints were configured) count for every endpoint: erring towards "recently
    used" keeps data that a forgotten use would have let a cleanup take."""
    out: dict[str, datetime] = {}
    for key, raw in rows:
        name, _, where = key.partition(" @")
        if where in ("", endpoint) and (when := parse_docker_time(raw)) is not None:
            out[name] = max(when, out.get(name, when))
    return out
