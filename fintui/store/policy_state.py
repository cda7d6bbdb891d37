"""What the policies have done, in the state database, so that a restarted agent neither
repeats an act (a schedule's occurrence applied twice, a cooldown forgotten) nor forgets what
the Policies pane shows of each policy's last act."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from fintui.store.db import StateDB

_SCHEMA = """
CREATE TABLE IF NOT EXISTS policy_last (
    name TEXT PRIMARY KEY,         -- the policy's name
    at TEXT NOT NULL,              -- ISO 8601 UTC: when its last act or decision ended
    text TEXT NOT NULL,            -- what it did and how it ended, for the pane
    outcome TEXT NOT NULL,         -- ok, waiting, refused, failed, applied
    acted_at TEXT NOT NULL DEFAULT '',  -- ISO 8601 UTC of its last act (the cooldown's start)
    request INTEGER                -- the approval request it waits in, NULL for none
);
CREATE TABLE IF NOT EXISTS policy_applied (
    name TEXT NOT NULL,
    occurrence TEXT NOT NULL,      -- a schedule's occurrence, UTC to the minute
    at TEXT NOT NULL,
    PRIMARY KEY (name, occurrence)
);
CREATE TABLE IF NOT EXISTS policy_seen (
    name TEXT PRIMARY KEY,
    first_seen TEXT NOT NULL       -- ISO 8601 UTC: when a runner first ran it (no catch-up
                                   -- of a schedule's occurrences from before then)
);
"""
KEEP_OCCURRENCES = 50  # per schedule: only the latest matters, a few more for the record


@dataclass(frozen=True, slots=True)
class LastAct:
    at: str
    text: str
    outcome: str
    acted_at: str = ""
    request: int | None = None  # the approval request its act (or proposal) waits in


class PolicyStateStore(StateDB):
    SCHEMA = _SCHEMA
    WHAT = "policy state"

    def load(self, names: Iterable[str] = (), now: str = ""
             ) -> tuple[dict[str, LastAct], dict[str, set[str]], dict[str, str]]:
        """Every policy's last act, each schedule's applied occurrences, and when each policy
        was first seen (`names` not seen before are recorded as first seen `now`)."""
        with self._connect() as db:
            db.executemany("INSERT OR IGNORE INTO policy_seen (name, first_seen) VALUES (?, ?)",
                           [(name, now) for name in names])
            seen = dict(db.execute("SELECT name, first_seen FROM policy_seen").fetchall())
            last = {row[0]: LastAct(*row[1:]) for row in db.execute(
                "SELECT name, at, text, outcome, acted_at, request FROM policy_last")}
            applied: dict[str, set[str]] = {}
            for name, occurrence in db.execute(
                    "SELECT name, occurrence FROM policy_applied"):
                applied.setdefault(name, set()).add(occurrence)
        return last, applied, seen

    def note(self, name: str, last: LastAct, occurrence: str = "") -> None:
        """Keep a policy's last act (and the occurrence it applied), in one transaction."""
        with self._connect() as db:
            db.execute("INSERT INTO policy_last (name, at, text, outcome, acted_at, request) "
                       "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (name) DO UPDATE SET at = "
                       "excluded.at, text = excluded.text, outcome = excluded.outcome, "
                       "acted_at = excluded.acted_at, request = excluded.request",
                       (name, last.at, last.text, last.outcome, last.acted_at, last.request))
            if occurrence:
                db.execute("INSERT OR IGNORE INTO policy_applied (name, occurrence, at) "
                           "VALUES (?, ?, ?)", (name, occurrence, last.at))
                db.execute("DELETE FROM policy_applied WHERE name = ? AND occurrence NOT IN "
                           "(SELECT occurrence FROM policy_applied WHERE name = ? ORDER BY "
                           "occurrence DESC LIMIT ?)", (name, name, KEEP_OCCURRENCES))
