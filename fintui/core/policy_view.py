"""How the Policies pane and `fintui policies` show policy and approval rows: table rows, the
plain text of the verb, the configured policies as rows where no watch runs them, and the rows
to and from JSON. Pure: no I/O, no Textual."""

from __future__ import annotations

import re
import textwrap
from collections.abc import Iterable, Sequence
from dataclasses import asdict, replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from fintui.core.format import human_duration
from fintui.core.policy_rows import (
    ARMED,
    COOLING,
    ELSEWHERE,
    FROZEN,
    HELD,
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
NOBODY = "the agent is away: nothing runs the policies now"  # no process holds the lock
DAY_ORDER = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")

# A narrow terminal keeps the name, its state and what it acts on longest. Each column has a
# fixed room (CAPS): which columns show depends on the width alone, never on how long the
# text is now (a column that came and went with the text made the table jump).
POLICY_HEADERS: tuple[Header, ...] = (
    # At 80 columns: name, state, what it acts on and what it does next; the lines under the
    # table have the selected one whole.
    Header("name", "Policy", 0), Header("kind", "Kind", 4),
    Header("service", "Service", 2, 8), Header("state", "State", 1),
    Header("last", "Last act", 5, 12), Header("when", "When", 6),
    Header("next", "Next", 3, 20), Header("mode", "Mode", 8), Header("detail", "Detail", 7, 12))
POLICY_CAPS = {"name": 17, "kind": 9, "service": 13, "state": 13, "last": 40, "when": 10,
               "next": 44, "mode": 7, "detail": 40}
# At 80 columns: number, state, act, target and when it expires (then who asked).
APPROVAL_HEADERS: tuple[Header, ...] = (
    Header("id", "#", 0), Header("state", "State", 1), Header("action", "Act", 2),
    Header("target", "Target", 3, 10), Header("requester", "Requested by", 5),
    Header("age", "Age", 6), Header("expires", "Expires", 4), Header("why", "Why", 7, 12),
    Header("summary", "Summary", 8, 16))
APPROVAL_CAPS = {"id": 4, "state": 8, "action": 8, "target": 14, "requester": 20, "age": 10,
                 "expires": 10, "why": 30, "summary": 40}
PADDING = 1  # the tables' cell padding, each side


def stable_widths(headers: Sequence[Header], caps: dict[str, int], rows: Sequence[Row],
                  room: int) -> dict[str, int]:
    """The columns shown in `room` cells and their widths. The set is chosen by priority
    from the caps and the room only; a column with a least width takes what room is left
    when its cap does not fit. Each is as wide as its text needs, up to what it was given;
    the room left over widens the columns whose text would be cut."""
    given: dict[str, int] = {}
    left = room
    for h in sorted(headers, key=lambda h: h.priority if h.priority is not None else 99):
        cap = max(caps.get(h.key, 12), len(h.title))
        width = cap if cap + 2 * PADDING <= left else (
            left - 2 * PADDING if h.least and left - 2 * PADDING >= h.least else 0)
        if width:
            given[h.key] = width
            left -= width + 2 * PADDING
    wants = {key: max([len(r.text(key)) for r in rows] or [0]) for key in given}
    widths = {key: max(len(h.title), min(given[key], wants[key]))
              for h in headers if (key := h.key) in given}
    # What the shown columns leave unused goes to those whose text is cut: the free text
    # (the last kept, as Next or Summary) first, the names after.
    spare = room - sum(w + 2 * PADDING for w in widths.values())
    for h in sorted(headers, key=lambda h: -(h.priority if h.priority is not None else 99)):
        if h.key in widths and spare > 0:
            more = min(spare, max(wants[h.key] - widths[h.key], 0))
            widths[h.key] += more
            spare -= more
    return widths


_POLICY_TONES: dict[str, Tone] = {ARMED: "ok", COOLING: "warn", FROZEN: "warn", HELD: "warn",
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
    """An alert rule's scope in words, for an isolation row's "service": a service's bare
    name (scripts compare it with a schedule's or autoscale's service), "container GLOB" or
    "label k=v" for the others, "any container" for none."""
    return ", ".join(value if key == "service" else f"{key} {value}"
                     for key, value in scope) or "any container"


def runner_text(rows: Iterable[PolicyRow], deliver: bool, read_only: bool,
                holder: str | None = None) -> str:
    """Who runs the policies, as a console with its own watch says it: what its rows say
    (another process holding the runner's lock, or --read-only), not what it hoped. `holder`
    is the lock holder's pid ("" unknown, None: no process holds it)."""
    if not deliver:
        if holder is None:
            return NOBODY
        return (f"run by process {holder}" if holder else "run by another process") + \
            " (the agent, or a console with --no-agent)"
    if read_only:
        return "not run by this console: it is --read-only, policies do not act here"
    elsewhere = next((r for r in rows if r.state == ELSEWHERE), None)
    if elsewhere is not None:
        return f"not run by this console: {elsewhere.detail or 'another process runs them'}"
    return "run by this console (no agent runs)"


def unrun(rows: Iterable[PolicyRow]) -> list[PolicyRow]:
    """Rows that say "run elsewhere" where no process runs the policies: they are not run."""
    return [replace(r, state=UNKNOWN, detail="nothing runs the policies now", next="")
            if r.state == ELSEWHERE else r for r in rows]


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
    """One policy in full, for the lines under the table: its state (cut in the table at 80
    columns), what it does next, what it did last and when, and why it is in its state."""
    when = ago(row.last_at, now)
    said = [f"next: {row.next}" if row.next else "",
            f"last: {row.last}" + (f" ({when})" if when else "") if row.last else "",
            row.detail, "proposes, does not act" if row.mode == "propose" else ""]
    return one_line(f"{row.name} ({row.state}): " + " · ".join(x for x in said if x))


def expires_at_text(row: ApprovalRow, now: datetime, relative: bool = True) -> str:
    """"expires 10:25:00 UTC (in 25m)" while a request waits: the absolute time stays true
    on a screen that is not redrawn; "expired 10:25:00 UTC" past it; "" once decided."""
    moment = parse_time(row.expires_at)
    if moment is None or row.state not in (PENDING, "expired"):
        return ""
    at = moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC" if abs(
        (moment - now).total_seconds()) >= 86400 else "%H:%M:%S UTC")
    until = expiry(row, now)
    if not until.startswith("in "):
        return f"expired {at}"
    return f"expires {at} ({until})" if relative else f"expires {at}"


_FROM_TO = re.compile(r"\bfrom (\d+) to (\d+)\b")


def _direction(summary: str) -> str:
    found = _FROM_TO.search(summary)
    if found is None:
        return ""
    before, after = int(found.group(1)), int(found.group(2))
    return "scale-out" if after > before else "scale-in" if after < before else "no change"


def drift_text(asked: str, now: str) -> str:
    """A warning when the act as planned now is not the act asked for ("" when it is): a
    scale-out that became a scale-in (the replicas moved meanwhile) above all."""
    if one_line(asked) == one_line(now):
        return ""
    was, is_now = _direction(asked), _direction(now)
    if was and is_now and was != is_now:
        return (f"CHANGED: asked as a {was}, it is a {is_now} now (the replicas moved "
                "since it was asked)")
    return "the act as planned now differs from the one asked for: read both"


def decision_text(row: ApprovalRow) -> str:
    """Who decided a request and how ("rejected by bob: not during the open")."""
    if not row.decided_by:
        return ""
    verb = {"rejected": "rejected", "expired": "expired"}.get(row.state, "approved")
    comment = one_line(str(getattr(row, "comment", "") or ""))  # rows that carry one
    return f"{verb} by {row.decided_by}" + (f": {comment}" if comment else "")


def approval_detail(row: ApprovalRow, now: datetime) -> str:
    """One request in full, for the lines over the table: its act, why it waits, when it
    expires, who decided it."""
    said = [row.summary, f"why: {row.why}" if row.why else "", expires_at_text(row, now),
            decision_text(row)]
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

def _fit(text: str, width: int | None) -> list[str]:
    """A line whole (`width` None: piped, never cut), or wrapped to `width` under its own
    indent: nothing is lost to an "…"."""
    line = one_line(text)
    if width is None or len(line) <= width:
        return [line]
    indent = " " * (len(line) - len(line.lstrip(" ")) + 2)
    return textwrap.wrap(line, max(width, len(indent) + 10), subsequent_indent=indent,
                         break_on_hyphens=False) or [line]


def policies_text(policies: Sequence[PolicyRow], approvals: Sequence[ApprovalRow],
                  now: datetime, width: int | None = None) -> list[str]:
    """The verb's plain text: a line a policy (and indented lines for what it did, does next
    and why), then a line a request; every line wrapped to `width` (None: whole)."""
    lines = [f"policies ({len(policies)}):" if policies else "policies: none configured"]
    for p in policies:
        lines += _fit(f"  {p.name}  {p.kind}  {p.service}  {p.state}"
                      + ("  (propose)" if p.mode == "propose" else ""), width)
        if p.detail:
            lines += _fit(f"      {p.detail}", width)
        if p.last:
            when = ago(p.last_at, now)
            lines += _fit(f"      last: {p.last}" + (f" ({when})" if when else ""), width)
        if p.next:
            lines += _fit(f"      next: {p.next}", width)
    waiting = pending_count(approvals)
    lines.append(f"approvals: {waiting} waiting" + (f", {len(approvals) - waiting} decided "
                                                    "lately" if len(approvals) > waiting
                                                    else ""))
    for r in sorted(approvals, key=lambda r: (r.state != PENDING, -r.id)):
        until = expiry(r, now)
        lines += _fit(f"  #{r.id}  {r.state}  {r.action} {r.target}  by {r.requester} "
                      f"{ago(r.requested_at, now)}"
                      + (f", expires {until}" if until.startswith("in ") else ""), width)
        lines += _fit(f"      {r.summary}", width)
        if r.why:
            lines += _fit(f"      why: {r.why}", width)
        at = expires_at_text(r, now)
        if at:
            lines += _fit(f"      {at}", width)
        decided = decision_text(r)
        if decided:
            lines += _fit(f"      {decided}", width)
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
