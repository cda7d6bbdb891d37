"""Isolated containers, remembered in SQLite so the mark survives restarts of fintui."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from fintui.store.db import StateDB

_SCHEMA = """
CREATE TABLE IF NOT EXISTS isolations (
    container_id TEXT NOT NULL,
    name TEXT NOT NULL,
    isolated_at TEXT NOT NULL,
    networks TEXT NOT NULL,        -- JSON: [{network, aliases, ipv4, ipv6}]
    restart_policy TEXT NOT NULL,  -- JSON: the policy before isolation
    replacement TEXT NOT NULL,     -- what was started instead, "" for none
    bundle TEXT NOT NULL,          -- forensics bundle directory
    released_at TEXT               -- NULL while isolated
);
CREATE INDEX IF NOT EXISTS isolations_active ON isolations (container_id, released_at);
"""


@dataclass(frozen=True, slots=True)
class Isolation:
    container_id: str
    name: str
    isolated_at: str
    networks: list[dict[str, Any]]
    restart_policy: dict[str, Any]
    replacement: str
    bundle: str


class IsolationStore(StateDB):
    SCHEMA = _SCHEMA

    def active(self, container_id: str) -> Isolation | None:
        with self._connect() as db:
            row = db.execute(
                "SELECT container_id, name, isolated_at, networks, restart_policy, replacement,"
                " bundle FROM isolations WHERE container_id = ? AND released_at IS NULL",
                (container_id,)).fetchone()
        if row is None:
            return None
        return Isolation(row[0], row[1], row[2], json.loads(row[3]), json.loads(row[4]),
                         row[5], row[6])

    def active_ids(self) -> set[str]:
        with self._connect() as db:
            rows = db.execute(
                "SELECT container_id FROM isolations WHERE released_at IS NULL").fetchall()
        return {row[0] for row in rows}

    def record(self, isolation: Isolation) -> None:
        with self._connect() as db:
            db.execute("INSERT INTO isolations VALUES (?, ?, ?, ?, ?, ?, ?, NULL)",
                       (isolation.container_id, isolation.name, isolation.isolated_at,
                        json.dumps(isolation.networks), json.dumps(isolation.restart_policy),
                        isolation.replacement, isolation.bundle))

    def release(self, container_id: str, when: str) -> None:
        with self._connect() as db:
            db.execute("UPDATE isolations SET released_at = ? WHERE container_id = ? AND "
                       "released_at IS NULL", (when, container_id))
