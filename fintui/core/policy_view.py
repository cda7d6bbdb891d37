"""How the Policies pane and `fintui policies` show policy and approval rows: table rows, the
plain text of the verb, the configured policies as rows where no watch runs them, and the rows
to and from JSON. Pure: no I/O, no Textual."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import asdict
from datetime import datetime
from typing import TYPE_CHECKING, Any

from fintui.core.format import human_duration
from fintui.core.policy_rows import (
    ARMED,
    COOLING,
    ELSEWHERE,
    FROZEN,
    REFUSED,
    UNKNOWN,
    WAITING,
    ApprovalRow,
    PolicyRow,
)
from fintui.core.table_rows import Header, Row, Tone, plain_row
from fintui.core.text_safety import one_line
from fintui.core.wire import decode
from fintui.model import AlertRule

if TYPE_CHECKING:
    from fintui.config_guard import PoliciesSettings

NOT_RUNNING = "not running (no agent)"  # `fintui policies` with no agent: nothing runs them
PENDING = "pending"
DAY_ORDER = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")

# A narrow terminal keeps the name, its state and what it acts on longest.
POLICY_HEADERS: tuple[Header, ...] = (
    # At 80 columns: name, state, what it acts on (cut) and what it does next; the line under
    # the table has the selected one whole.
    Header("name", "Policy", 0), Header("kind", "Kind", 4),
    Header("service", "Service", 2, 8), Header("state", "State", 1),
    Header("last", "Last act", 5, 12), Header("when", "When", 6),
    Header("next", "Next", 3, 20), Header("mode", "Mode", 8), Header("detail", "Detail", 7, 12))
APPROVAL_HEADERS: tuple[Header, ...] = (
    Header("id", "#", 0), Header("state", "State", 1), Header("action", "Act", 2),
    Header("target", "Target", 3, 10), Header("requester", "Requested by", 4),
    Header("age", "Age", 6), Header("expires", "Expires", 5), Header("why", "Why", 7, 12),
    Header("summary", "Summary", 8, 16))

_POLICY_TONES: dict[str, Tone] = {ARMED: "ok", COOLING: "warn", FROZEN: "warn",
                                  WAITING: "warn", REFUSED: "bad", ELSEWHERE: "muted",
                                  UNKNOWN: "muted", NOT_RUNNING: "muted"}
_APPROVAL_TONES: dict[str, Tone] = {PENDING: "warn", "approved": "ok", "done": "ok",
                                    "rejected": "muted", "expired": "muted", "failed": "bad"}


def parse_time(text: str) -> datetime | None:
    """An ISO 8601 time from a row ("" or unreadable: None)."""
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else None


def ago(text: str, now: datetime) -> str:
    """"5m ago" for a row's time, "" for none."""
    moment = parse_time(text)
    if moment is None:
        return ""
    return f"{human_duration(max((now - moment).total_seconds(), 0.0))} ago"


def expiry(row: ApprovalRow, now: datetime) -> str:
    """"in 25m" while a request waits, "expired" once its time is past, "" once decided."""
    moment = parse_time(row.expires_at)
    if row.state != PENDING or moment is None:
        return "expired" if row.state == "expired" else ""
    left = (moment - now).total_seconds()
    return f"in {human_duration(left)}" if left > 0 else "expired"


def days_text(days: Sequence[str]) -> str:
    """["mon", ..., "fri"] as "mon-fri"; others as a list."""
    wanted = [d for d in DAY_ORDER if d in days]
    if len(wanted) >= 3:
        first = DAY_ORDER.index(wanted[0])
        if wanted == list(DAY_ORDER[first:first + len(wanted)]):
            return f"{wanted[0]}-{wanted[-1]}"
    return ",".join(wanted) or "no day"


def scope_text(scope: Sequence[tuple[str, str]]) -> str:
    """An alert rule's scope in words, for an isolation row's "service"."""
    return ", ".join(f"{key} {value}" for key, value in scope) or "any container"


def configured_rows(policies: PoliciesSettings, rules: Iterable[AlertRule], state: str,
                    detail: str = "") -> list[PolicyRow]:
    """The configured policies as rows in one state: where no watch runs them (`fintui
    policies` with no agent), or before the watch has said anything of them."""
    rows = [PolicyRow(s.name, "schedule", s.service, state, detail,
                      next=f"{s.at} {days_text(s.days)} {s.timezone} → {s.replicas}",
                      mode=s.mode) for s in policies.schedule]
    rows += [PolicyRow(a.name, "autoscale", a.service, state, detail,
                       next=(f"{a.metric} > {a.scale_out_above:g}: +{a.step}, "
                             f"< {a.scale_in_below:g}: -{a.step} ({a.min} to {a.max} "
                             "replicas)"),
                       mode=a.mode) for a in policies.autoscale]
    rows += [PolicyRow(r.name, "isolate", scope_text(r.scope), state, detail,
                       next=f"isolate when {r.metric} fires (at most {r.max_per_hour}/h)")
             for r in rules if r.action == "isolate"]
    return rows


def with_configured(rows: Sequence[PolicyRow], configured: Iterable[PolicyRow]
                    ) -> list[PolicyRow]:
    """The watch's rows, and every configured policy it has not reported (yet)."""
    seen = {(r.kind, r.name) for r in rows}
    return [*rows, *(c for c in configured if (c.kind, c.name) not in seen)]


# ---- the pane's tables --------------------------------------------------------------------

def policy_table(rows: Iterable[PolicyRow], now: datetime) -> list[Row]:
    """A row a policy, keyed by kind and name (unique: names are unique per kind)."""
    return [plain_row(f"{r.kind}/{r.name}", POLICY_HEADERS,
                      (r.name, r.kind, r.service, r.state, r.last, ago(r.last_at, now),
                       r.next, r.mode, r.detail),
                      {"state": _POLICY_TONES.get(r.state, "")})
            for r in rows]


def policy_detail(row: PolicyRow, now: datetime) -> str:
    """One policy in full, for the line under the table: what it does next, what it did last
    and when, and why it is in its state."""
    when = ago(row.last_at, now)
    said = [f"next: {row.next}" if row.next else "",
            f"last: {row.last}" + (f" ({when})" if when else "") if row.last else "",
            row.detail, "proposes, does not act" if row.mode == "propose" else ""]
    return one_line(f"{row.name}: " + " · ".join(x for x in said if x))


def approval_detail(row: ApprovalRow) -> str:
    """One request in full, for the line over the table: its act, why it waits, who
    decided it."""
    said = [row.summary, f"why: {row.why}" if row.why else "",
            f"decided by {row.decided_by}" if row.decided_by else ""]
    return one_line(f"#{row.id} {row.state}: " + " · ".join(x for x in said if x))


def approval_table(rows: Iterable[ApprovalRow], now: datetime) -> list[Row]:
    """A row a request, keyed by its number; waiting ones first, then the newest."""
    ordered = sorted(rows, key=lambda r: (r.state != PENDING, -r.id))
    return [plain_row(str(r.id), APPROVAL_HEADERS,
                      (str(r.id), r.state, r.action, r.target, r.requester,
                       ago(r.requested_at, now), expiry(r, now),
                       r.why or (f"by {r.decided_by}" if r.decided_by else ""), r.summary),
                      {"state": _APPROVAL_TONES.get(r.state, "")})
            for r in ordered]


def pending_count(rows: Iterable[ApprovalRow]) -> int:
    return sum(r.state == PENDING for r in rows)


# ---- `fintui policies` --------------------------------------------------------------------

def _fit(text: str, width: int) -> str:
    return one_line(text, width)


def policies_text(policies: Sequence[PolicyRow], approvals: Sequence[ApprovalRow],
                  now: datetime, width: int = 80) -> list[str]:
    """The verb's plain text: a line a policy (and indented lines for what it did, does next
    and why), then a line a request; every line cut to `width`."""
    lines = [f"policies ({len(policies)}):" if policies else "policies: none configured"]
    for p in policies:
        lines.append(_fit(f"  {p.name}  {p.kind}  {p.service}  {p.state}"
                          + ("  (propose)" if p.mode == "propose" else ""), width))
        if p.detail:
            lines.append(_fit(f"      {p.detail}", width))
        if p.last:
            when = ago(p.last_at, now)
            lines.append(_fit(f"      last: {p.last}" + (f" ({when})" if when else ""), width))
        if p.next:
            lines.append(_fit(f"      next: {p.next}", width))
    waiting = pending_count(approvals)
    lines.append(f"approvals: {waiting} waiting" + (f", {len(approvals) - waiting} decided "
                                                    "lately" if len(approvals) > waiting
                                                    else ""))
    for r in sorted(approvals, key=lambda r: (r.state != PENDING, -r.id)):
        until = expiry(r, now)
        lines.append(_fit(f"  #{r.id}  {r.state}  {r.action} {r.target}  by {r.requester} "
                          f"{ago(r.requested_at, now)}"
                          + (f", expires {until}" if until.startswith("in ") else ""), width))
        lines.append(_fit(f"      {r.summary}", width))
        if r.why:
            lines.append(_fit(f"      why: {r.why}", width))
        if r.decided_by:
            lines.append(_fit(f"      decided by {r.decided_by}", width))
    return lines


# ---- JSON (the agent's GET /v1/policies, `fintui policies --json`) ------------------------

def rows_document(policies: Iterable[PolicyRow], approvals: Iterable[ApprovalRow]
                  ) -> dict[str, Any]:
    """Every field of every row."""
    return {"policies": [asdict(r) for r in policies],
            "approvals": [asdict(r) for r in approvals]}


def rows_of(document: dict[str, Any]) -> tuple[list[PolicyRow], list[ApprovalRow]]:
    """The rows from a document `rows_document` made (WireError: it does not fit)."""
    policies: list[PolicyRow] = decode(list[PolicyRow], document.get("policies") or [])
    approvals: list[ApprovalRow] = decode(list[ApprovalRow], document.get("approvals") or [])
    return policies, approvals
