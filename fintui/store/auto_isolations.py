"""What each `action = "isolate"` rule did, and when, by service: the count behind
max_per_hour survives a restart of the watch (the agent), and the Policies pane's "last"."""

from __future__ import annotations

from dataclasses import dataclass

from fintui.store.db import StateDB

KEEP = 7 * 86400.0  # seconds of rows kept: the last act of a quiet rule still shows


@dataclass(frozen=True, slots=True)
class AutoAct:
    id: int
    at: float  # Unix time it was decided
    rule: str
    service: str  # the group key (Swarm service or compose project/service, @endpoint)
    container: str  # its name
    kind: str  # isolate, propose, never (fintui.core.isolate_limits)
    outcome: str = ""  # how it ended, in the pane's words ("" while it runs)
    bundle: str = ""  # the forensics bundle of an isolation


class AutoIsolationStore(StateDB):
    SCHEMA = """
    CREATE TABLE IF NOT EXISTS auto_isolations (
        id INTEGER PRIMARY KEY AUTOINCREMENT, at REAL NOT NULL, rule TEXT NOT NULL,
        service TEXT NOT NULL, container TEXT NOT NULL, kind TEXT NOT NULL,
        outcome TEXT NOT NULL DEFAULT '', bundle TEXT NOT NULL DEFAULT ''
    );
    CREATE INDEX IF NOT EXISTS auto_isolations_at ON auto_isolations (at);
    """

    def note(self, act: AutoAct) -> AutoAct:
        """Keep a decision (before its act runs: one cut short still counts); it with its id."""
        with self._connect() as db:
            db.execute("DELETE FROM auto_isolations WHERE at < ?", (act.at - KEEP,))
            cursor = db.execute(
                "INSERT INTO auto_isolations (at, rule, service, container, kind, outcome, "
                "bundle) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (act.at, act.rule, act.service, act.container, act.kind, act.outcome,
                 act.bundle))
            return AutoAct(int(cursor.lastrowid or 0), act.at, act.rule, act.service,
                           act.container, act.kind, act.outcome, act.bundle)

    def finish(self, act_id: int, outcome: str, bundle: str = "") -> None:
        with self._connect() as db:
            db.execute("UPDATE auto_isolations SET outcome = ?, bundle = ? WHERE id = ?",
                       (outcome, bundle, act_id))

    def since(self, at: float) -> list[AutoAct]:
        """Every decision from `at` on, oldest first."""
        with self._connect() as db:
            rows = db.execute(
                "SELECT id, at, rule, service, container, kind, outcome, bundle FROM "
                "auto_isolations WHERE at >= ? ORDER BY at, id", (at,)).fetchall()
        return [AutoAct(*row) for row in rows]

    def last_of_each(self) -> dict[str, AutoAct]:
        """Each rule's latest decision."""
        with self._connect() as db:
            rows = db.execute(
                "SELECT id, at, rule, service, container, kind, outcome, bundle FROM "
                "auto_isolations WHERE id IN (SELECT MAX(id) FROM auto_isolations "
                "GROUP BY rule)").fetchall()
        return {row[2]: AutoAct(*row) for row in rows}
