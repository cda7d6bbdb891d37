"""Approval requests (four eyes), kept in the state database so that an act asked for in one
process (a verb, a console, a policy in the agent) is approved or rejected in another.

Every change of state is one UPDATE guarded by the state it leaves (`pending`): two operators
approving at once, or an approval racing the expiry, cannot both win."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from fintui.store.db import StateDB

PENDING = "pending"
APPROVED = "approved"  # approved, and running now
REJECTED = "rejected"
EXPIRED = "expired"
DONE = "done"
FAILED = "failed"
STATES = (PENDING, APPROVED, REJECTED, EXPIRED, DONE, FAILED)

_SCHEMA = """
CREATE TABLE IF NOT EXISTS approvals (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    action TEXT NOT NULL,
    target TEXT NOT NULL,
    summary TEXT NOT NULL,
    steps TEXT NOT NULL,           -- JSON: the plan's steps when it was asked for
    parameters TEXT NOT NULL,      -- JSON: the plan's parameters then
    request TEXT NOT NULL,         -- JSON: the act as asked (Plan.request), planned again
    keep TEXT,                     -- JSON: a clean's candidate ids, NULL for other acts
    requester TEXT NOT NULL,       -- the OS account's name, or policy:<name>
    requester_uid INTEGER NOT NULL,
    actor TEXT NOT NULL,           -- the name the audit showed (--as)
    endpoint TEXT NOT NULL,
    why TEXT NOT NULL,
    created REAL NOT NULL,         -- epoch seconds
    expires REAL NOT NULL,
    state TEXT NOT NULL,
    decided_by TEXT NOT NULL DEFAULT '',
    decided_at REAL,
    comment TEXT NOT NULL DEFAULT '',
    outcome TEXT NOT NULL DEFAULT ''  -- what the run came to, or why it did not run
);
CREATE INDEX IF NOT EXISTS approvals_state ON approvals (state, expires);
"""
_COLUMNS = ("id, action, target, summary, steps, parameters, request, keep, requester, "
            "requester_uid, actor, endpoint, why, created, expires, state, decided_by, "
            "decided_at, comment, outcome")


@dataclass(frozen=True, slots=True)
class Request:
    id: int
    action: str
    target: str
    summary: str
    steps: list[str]
    parameters: dict[str, Any]
    request: dict[str, Any]
    keep: list[str] | None
    requester: str
    requester_uid: int
    actor: str
    endpoint: str
    why: str
    created: float
    expires: float
    state: str = PENDING
    decided_by: str = ""
    decided_at: float | None = None
    comment: str = ""
    outcome: str = ""


def _request(row: tuple[Any, ...]) -> Request:
    return Request(row[0], row[1], row[2], row[3], json.loads(row[4]), json.loads(row[5]),
                   json.loads(row[6]), None if row[7] is None else json.loads(row[7]),
                   row[8], row[9], row[10], row[11], row[12], row[13], row[14], row[15],
                   row[16], row[17], row[18], row[19])


class ApprovalStore(StateDB):
    SCHEMA = _SCHEMA

    def file(self, asked: Request, dedupe: bool = False) -> tuple[int, bool]:
        """Keep a new pending request; its id and True. With `dedupe`, a pending (not yet
        expired) request of the same requester, action and target is kept instead: its id and
        False (one statement, so two sweeps cannot both file)."""
        values = (asked.action, asked.target, asked.summary, json.dumps(asked.steps),
                  json.dumps(asked.parameters), json.dumps(asked.request),
                  None if asked.keep is None else json.dumps(asked.keep), asked.requester,
                  asked.requester_uid, asked.actor, asked.endpoint, asked.why, asked.created,
                  asked.expires, PENDING)
        insert = ("INSERT INTO approvals (action, target, summary, steps, parameters, "
                  "request, keep, requester, requester_uid, actor, endpoint, why, created, "
                  "expires, state) SELECT ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?")
        same = ("SELECT id FROM approvals WHERE state = 'pending' AND requester = ? AND "
                "action = ? AND target = ? AND endpoint = ? AND expires > ?")
        key: tuple[object, ...] = (asked.requester, asked.action, asked.target, asked.endpoint,
                                   asked.created)
        if not asked.requester.startswith("policy:"):  # a policy's one request may change
            same += " AND request = ?"
            key = (*key, json.dumps(asked.request))
        with self._connect() as db:
            if dedupe:
                cursor = db.execute(f"{insert} WHERE NOT EXISTS ({same})", (*values, *key))
                if not cursor.rowcount:
                    row = db.execute(same + " ORDER BY id LIMIT 1", key).fetchone()
                    return int(row[0]), False
            else:
                cursor = db.execute(insert, values)
            return int(cursor.lastrowid or 0), True

    def forget(self, request_id: int) -> None:
        """Drop a request whose filing could not be audited (it never was)."""
        with self._connect() as db:
            db.execute("DELETE FROM approvals WHERE id = ? AND state = 'pending'",
                       (request_id,))

    def get(self, request_id: int) -> Request | None:
        with self._connect() as db:
            row = db.execute(f"SELECT {_COLUMNS} FROM approvals WHERE id = ?",
                             (request_id,)).fetchone()
        return None if row is None else _request(row)

    def decide(self, request_id: int, state: str, who: str, now: float,
               comment: str = "") -> bool:
        """Pending → approved or rejected, if it still is pending and not expired: False
        when another got there first (or the time ran out)."""
        with self._connect() as db:
            return bool(db.execute(
                "UPDATE approvals SET state = ?, decided_by = ?, decided_at = ?, comment = ? "
                "WHERE id = ? AND state = 'pending' AND expires > ?",
                (state, who, now, comment, request_id, now)).rowcount)

    def finish(self, request_id: int, state: str, outcome: str) -> None:
        """An approved request ran: done or failed, and what it came to."""
        with self._connect() as db:
            db.execute("UPDATE approvals SET state = ?, outcome = ? WHERE id = ? AND "
                       "state = 'approved'", (state, outcome, request_id))

    def expire(self, now: float) -> list[Request]:
        """Mark every pending request past its time expired; those this call marked (each is
        marked, and so audited, once whoever notices first)."""
        with self._connect() as db:
            rows = db.execute(f"SELECT {_COLUMNS} FROM approvals WHERE state = 'pending' AND "
                              "expires <= ?", (now,)).fetchall()
            marked = []
            for row in rows:
                if db.execute("UPDATE approvals SET state = 'expired', decided_at = ? WHERE "
                              "id = ? AND state = 'pending'", (now, row[0])).rowcount:
                    marked.append(_request(row))
        return marked

    def listing(self, since: float) -> list[Request]:
        """Pending requests (oldest first), then those decided since `since` (newest first)."""
        with self._connect() as db:
            pending = db.execute(f"SELECT {_COLUMNS} FROM approvals WHERE state = 'pending' "
                                 "ORDER BY id").fetchall()
            decided = db.execute(f"SELECT {_COLUMNS} FROM approvals WHERE state != 'pending' "
                                 "AND COALESCE(decided_at, created) >= ? ORDER BY id DESC",
                                 (since,)).fetchall()
        return [_request(r) for r in (*pending, *decided)]

