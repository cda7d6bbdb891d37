"""What the Audit pane shows: who did what, newest first, with its outcome. An audit record
(one JSON line of the log, or the same fields as the agent serves them) becomes an AuditEntry,
and entries become rows with tones. Pure: the log is read in fintui.ops.audit_tail."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from fintui.core.fit import Want, fit
from fintui.core.table_rows import Cell, Row, Tone, headers
from fintui.core.text_safety import one_line

AUDIT_SHOWN = 200  # the newest records the pane reads and shows

# (title, priority: 0 is kept longest, least width of a column that shrinks to fit, longest
# text shown). At 80 columns Time, Who, Action, Target and Outcome stay; wider terminals add
# the endpoint and the error or override reason.
COLUMNS = (("Time", 0, 0, 0), ("Who", 2, 0, 24), ("Action", 1, 0, 12),
           ("Target", 4, 10, 40), ("Outcome", 3, 0, 0), ("Endpoint", 5, 0, 16),
           ("Detail", 6, 16, 120))
HEADERS = headers(*(name for name, *_ in COLUMNS))
_TONES: dict[str, Tone] = {"ok": "ok", "refused": "bad", "failed": "bad", "started": "warn",
                           "unknown": "warn"}
# The fields an entry keeps (all the pane and `audit show` need; plans and results stay in
# the log): the agent serves records with just these.
FIELDS = ("time", "actor", "user", "role", "action", "target", "outcome", "error",
          "override", "endpoint", "via", "hash", "change")


@dataclass(frozen=True, slots=True)
class AuditEntry:
    """One audit record as the pane shows it; every field as written (untrusted text)."""

    time: str = ""
    actor: str = ""
    user: str = ""
    role: str = ""
    action: str = ""
    target: str = ""
    outcome: str = ""
    error: str = ""
    override: str = ""
    endpoint: str = ""
    via: str = ""
    hash: str = ""
    change: str = ""  # what it changed from and to: `img:1 → img:2`, `3 → 5` (its parameters)

    @classmethod
    def of(cls, record: Mapping[str, Any]) -> AuditEntry:
        """From a record's JSON object: absent fields are empty, anything else is its text."""
        fields = {name: "" if record.get(name) is None else str(record[name])
                  for name in FIELDS}
        if not fields["change"]:
            fields["change"] = change_of(record.get("parameters"))
        return cls(**fields)

    def fields(self) -> dict[str, str]:
        """The non-empty fields, as the agent serves them."""
        return {name: value for name in FIELDS if (value := getattr(self, name))}


@dataclass(frozen=True, slots=True)
class AuditTail:
    """The newest records of a log (oldest first, as written), where they came from, and why
    none could be read ("" when they could)."""

    entries: tuple[AuditEntry, ...] = ()
    source: str = ""  # the log's path, or the agent's
    problem: str = ""


def when(entry: AuditEntry, now: datetime) -> str:
    """The record's time in the console's zone (that of `now`, as every pane shows times):
    HH:MM:SS today, with the date on another day; the text as written if it is no time."""
    try:
        stamp = datetime.fromisoformat(entry.time)
    except ValueError:
        return one_line(entry.time, 19) or "-"
    if stamp.tzinfo is not None and now.tzinfo is not None:
        stamp = stamp.astimezone(now.tzinfo)
    return f"{stamp:%H:%M:%S}" if stamp.date() == now.date() else f"{stamp:%Y-%m-%d %H:%M:%S}"


def who(entry: AuditEntry) -> str:
    """The name the act was done under, and the OS account when --as named someone else."""
    name = entry.actor or entry.user or "?"
    return name + (f" [{entry.user}]" if entry.user and entry.user != name else "")


def change_of(parameters: Any) -> str:
    """A release's images or a scale's counts, from and to, as its record's parameters say."""
    if not isinstance(parameters, Mapping):
        return ""
    before = parameters.get("from")
    after = parameters.get("to", parameters.get("replicas"))
    if before is None or after is None or isinstance(before, (dict, list)):
        return ""
    return f"{before} → {after}"


def detail(entry: AuditEntry) -> str:
    """What it changed (from → to), why it failed or was refused, the override's reason."""
    parts = [entry.change, entry.error,
             f"override: {entry.override}" if entry.override else ""]
    return "; ".join(p for p in parts if p) or "-"


def audit_rows(entries: Sequence[AuditEntry], now: datetime) -> list[Row]:
    """One row per record, newest first; every text made one safe line (targets, errors and
    names are untrusted: escapes shown, never markup)."""
    rows = []
    caps = {name: cap for name, _priority, _least, cap in COLUMNS}
    count = len(entries)
    for back, entry in enumerate(reversed(entries)):
        texts = {"Time": when(entry, now), "Who": who(entry), "Action": entry.action or "?",
                 "Target": entry.target or "-", "Outcome": entry.outcome or "?",
                 "Endpoint": entry.endpoint or "-", "Detail": detail(entry)}
        # The record's hash is unique in the chain: the cursor stays on its row as new
        # records arrive above it.
        key = entry.hash or f"#{count - back}"
        rows.append(Row(key, {
            name: Cell(one_line(text, caps[name]),
                       _TONES.get(entry.outcome, "") if name == "Outcome" else "")
            for name, text in texts.items()}))
    return rows


def audit_widths(rows: Sequence[Row], available: int, padding: int) -> dict[str, int]:
    """Columns that do not fit are dropped by priority; the target and the detail shrink
    (their text cut) before they go. No endpoint column when no record names one."""
    wants = []
    for name, priority, least, _cap in COLUMNS:
        if name == "Endpoint" and all(row.text(name) == "-" for row in rows):
            continue
        width = max([len(name)] + [len(row.text(name)) for row in rows])
        wants.append(Want(name, width, priority, min(least, width)))
    return fit(wants, available, padding)
