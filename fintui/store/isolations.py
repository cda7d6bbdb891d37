"""Isolated containers, remembered in SQLite so the mark survives restarts of fintui.

An isolation is written before it changes anything (state `partial`, with the container's
original restart policy and networks) and marked `isolated` once every step is done: an
isolation cut short is still on record, so release can undo it and restore what was there."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from fintui.store.db import StateDB

PARTIAL = "partial"
ISOLATED = "isolated"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS isolations (
    container_id TEXT NOT NULL,
    name TEXT NOT NULL,
    isolated_at TEXT NOT NULL,
    networks TEXT NOT NULL,        -- JSON: [{network, aliases, ipv4, ipv6}]
    restart_policy TEXT NOT NULL,  -- JSON: the policy before isolation
    replacement TEXT NOT NULL,     -- what was started instead, "" for none
    bundle TEXT NOT NULL,          -- forensics bundle directory
    released_at TEXT,              -- NULL while isolated
    state TEXT NOT NULL DEFAULT 'isolated',   -- 'partial' until every step is done
    replacement_id TEXT NOT NULL DEFAULT '',  -- the replacement container, once created
    done TEXT NOT NULL DEFAULT '[]'           -- JSON: the steps done so far
);
CREATE INDEX IF NOT EXISTS isolations_active ON isolations (container_id, released_at);
"""
# Columns added since the first schema, for a state database made by an older fintui.
_ADDED = {"state": "TEXT NOT NULL DEFAULT 'isolated'",
          "replacement_id": "TEXT NOT NULL DEFAULT ''", "done": "TEXT NOT NULL DEFAULT '[]'"}
_COLUMNS = ("container_id, name, isolated_at, networks, restart_policy, replacement, bundle, "
            "state, replacement_id, done")


@dataclass(frozen=True, slots=True)
class Isolation:
    container_id: str
    name: str
    isolated_at: str
    networks: list[dict[str, Any]]  # those it was (or is to be) cut off from
    restart_policy: dict[str, Any]  # the original one, from before the first step
    replacement: str
    bundle: str
    state: str = ISOLATED
    replacement_id: str = ""
    done: list[str] = field(default_factory=list)

    @property
    def partial(self) -> bool:
        return self.state == PARTIAL


class IsolationStore(StateDB):
    SCHEMA = _SCHEMA
    _upgraded = False

    @contextmanager
    def _db(self) -> Iterator[sqlite3.Connection]:
        with self._connect() as db:
            if not self._upgraded:
                have = {row[1] for row in db.execute("PRAGMA table_info(isolations)")}
                for column, kind in _ADDED.items():
                    if column not in have:
                        db.execute(f"ALTER TABLE isolations ADD COLUMN {column} {kind}")
                self._upgraded = True
            yield db

    def active(self, container_id: str) -> Isolation | None:
        with self._db() as db:
            row = db.execute(f"SELECT {_COLUMNS} FROM isolations WHERE container_id = ? AND "
                             "released_at IS NULL", (container_id,)).fetchone()
        if row is None:
            return None
        return Isolation(row[0], row[1], row[2], json.loads(row[3]), json.loads(row[4]),
                         row[5], row[6], row[7], row[8], json.loads(row[9]))

    def active_ids(self) -> set[str]:
        with self._db() as db:
            rows = db.execute(
                "SELECT container_id FROM isolations WHERE released_at IS NULL").fetchall()
        return {row[0] for row in rows}

    def record(self, isolation: Isolation) -> None:
        with self._db() as db:
            db.execute(f"INSERT INTO isolations ({_COLUMNS}, released_at) "
                       "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL)",
                       (isolation.container_id, isolation.name, isolation.isolated_at,
                        json.dumps(isolation.networks), json.dumps(isolation.restart_policy),
                        isolation.replacement, isolation.bundle, isolation.state,
                        isolation.replacement_id, json.dumps(isolation.done)))

    def claim(self, isolation: Isolation) -> Isolation | None:
        """Record an isolation unless the container already has an open one, in one statement
        (so two sessions cannot both get it): None when recorded, else the open one. The
        record is written before anything changes, forensics included: it is the lock."""
        with self._db() as db:
            added = db.execute(
                f"INSERT INTO isolations ({_COLUMNS}, released_at) "
                "SELECT ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL WHERE NOT EXISTS (SELECT 1 FROM "
                "isolations WHERE container_id = ? AND released_at IS NULL)",
                (isolation.container_id, isolation.name, isolation.isolated_at,
                 json.dumps(isolation.networks), json.dumps(isolation.restart_policy),
                 isolation.replacement, isolation.bundle, isolation.state,
                 isolation.replacement_id, json.dumps(isolation.done),
                 isolation.container_id)).rowcount
        if added:
            return None
        return self.active(isolation.container_id) or isolation

    def forget(self, container_id: str) -> None:
        """Drop an open isolation that changed nothing (its forensics could not be taken)."""
        with self._db() as db:
            db.execute("DELETE FROM isolations WHERE container_id = ? AND released_at IS NULL "
                       "AND state = ? AND done = '[]'", (container_id, PARTIAL))

    def update(self, container_id: str, *, done: list[str] | None = None,
               replacement: str | None = None, replacement_id: str | None = None,
               state: str | None = None, networks: list[dict[str, Any]] | None = None,
               bundle: str | None = None) -> None:
        """Note a step of the open isolation of a container as soon as it is done."""
        changes: dict[str, str] = {}
        if bundle is not None:
            changes["bundle"] = bundle
        if networks is not None:
            changes["networks"] = json.dumps(networks)
        if done is not None:
            changes["done"] = json.dumps(done)
        if replacement is not None:
            changes["replacement"] = replacement
        if replacement_id is not None:
            changes["replacement_id"] = replacement_id
        if state is not None:
            changes["state"] = state
        if not changes:
            return
        assignments = ", ".join(f"{column} = ?" for column in changes)
        with self._db() as db:
            db.execute(f"UPDATE isolations SET {assignments} WHERE container_id = ? AND "
                       "released_at IS NULL", (*changes.values(), container_id))

    def release(self, container_id: str, when: str) -> None:
        with self._db() as db:
            db.execute("UPDATE isolations SET released_at = ? WHERE container_id = ? AND "
                       "released_at IS NULL", (when, container_id))
