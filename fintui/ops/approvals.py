"""Four eyes: acts that wait for a second operator ([guard] approve), and policies'
proposals, kept as requests that another operator approves or rejects, or that expire.

A request keeps the act as asked (Plan.request), who asked (OS account, uid, the name the audit
showed), why and until when. Approval plans the act again as the approver and runs it; every
record of that run names the request, the requester and the approver. Requests live in the
state database (fintui.store.approvals), so any process on the state folder sees them."""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from fintui.core.policy_rows import ApprovalRow
from fintui.core.text_safety import one_line
from fintui.ops.audit import AuditUnavailable
from fintui.ops.guard import Decision
from fintui.ops.plan import AwaitingApproval, Failed, Outcome, Plan, Progress, Refused
from fintui.store.approvals import (
    APPROVED,
    DONE,
    EXPIRED,
    FAILED,
    PENDING,
    REJECTED,
    ApprovalStore,
    Request,
)
from fintui.store.db import StateUnavailable

if TYPE_CHECKING:
    from fintui.ops.operations import Operations

DECIDED_SHOWN = 86400.0  # seconds a decided request stays in the list


def needs_approval(plan: Plan, approve: Sequence[str]) -> str:
    """Why this plan waits for a second operator, in words; "" when it does not."""
    if not approve:
        return ""
    action = plan.action
    if action == "drain" and plan.parameters.get("availability", "drain") == "active":
        action = "activate"  # putting a node back is not the drain four eyes guard
    if action in approve:
        return f"[guard] approve lists {action}"
    if "scale-to-zero" in approve and action == "scale" and plan.parameters.get("replicas") == 0:
        return "[guard] approve lists scale-to-zero"
    if "clean-named-volumes" in approve and plan.cleanup is not None and any(
            i.kind == "volume" and not _anonymous(i.name) for i in plan.cleanup.candidates):
        return "[guard] approve lists clean-named-volumes"
    return ""


def _anonymous(name: str) -> bool:
    """Docker names an anonymous volume with 64 hex digits."""
    return len(name) == 64 and all(c in "0123456789abcdef" for c in name)


def gate(ops: Operations, plan: Plan, decision: Decision) -> None:
    """Called by Operations.execute after the guard: raises AwaitingApproval (having filed
    the request and audited it) when the plan must wait; returns when it may run (it needs
    no approval, or `ops.approval` is the approved request it runs for)."""
    why = needs_approval(plan, ops.settings.guard.approve)
    if not why or ops.approval is not None:
        return
    # A policy asks again on every sweep its condition holds: one request waits, not many.
    # A person asking twice for the very same act gets the request that waits (the store
    # compares the act as asked too: another replica count is another request).
    request_id = _file(ops, plan, why, "pending", dedupe=True,
                       decision=decision)
    raise AwaitingApproval(waiting_message(request_id, why, _store(ops).get(request_id)),
                           request_id)


def propose(ops: Operations, plan: Plan, why: str) -> int:
    """File a plan a policy in mode "propose" made, as a request; its id. While one of the
    same policy, action and target waits, that one's id (no second request)."""
    said = f"proposed by {ops.identity.user}" + (f": {one_line(why)}" if why else "")
    return _file(ops, plan, said, "proposed", dedupe=True, decision=plan.decision)


def waiting_message(request_id: int, why: str, asked: Request | None) -> str:
    """What the requester is told: which request, why, until when, what the other runs."""
    until = f" until {stamp(asked.expires)}" if asked is not None else ""
    return (f"request {request_id} ({why}) waits for a second operator{until}: nothing was "
            f"changed; another operator runs `fintui approve {request_id}` (or `fintui reject "
            f"{request_id}`)")


def _file(ops: Operations, plan: Plan, why: str, outcome: str, dedupe: bool,
          decision: Decision) -> int:
    """Keep the request and audit it (fail closed: a request not audited is not kept)."""
    if not plan.request:  # approval plans the act again from it: without it, none can
        raise ops._refusal(plan.action, plan.target, plan.parameters, decision,
                           f"{why}, and this act cannot be filed for approval (it was not "
                           "planned by the operations layer)")
    now = ops.clock.now().timestamp()
    keep = [i.id for i in plan.cleanup.candidates] if plan.cleanup is not None else None
    asked = Request(0, plan.action, plan.target, plan.summary, list(plan.steps),
                    dict(plan.parameters), dict(plan.request), keep, ops.identity.user,
                    ops.identity.uid, ops.actor, ops.endpoint, why, now,
                    now + ops.settings.guard.approval_ttl)
    store = _store(ops)
    try:
        request_id, new = store.file(asked, dedupe)
    except StateUnavailable as exc:
        raise ops._refusal(plan.action, plan.target, plan.parameters, decision,
                           f"cannot keep the request for approval: {one_line(str(exc))}; "
                           "nothing was changed") from None
    if new:
        try:
            _audit(ops, replace(asked, id=request_id), outcome, decision)
        except AuditUnavailable as exc:
            store.forget(request_id)
            raise Refused(f"{exc}; nothing was changed") from None
    return request_id


async def preview(ops: Operations, request_id: int) -> tuple[Request, Plan]:
    """The request, and its act planned now as this layer's account would run it, checked as
    an approval is (Refused, audited, when it would be refused); decides nothing."""
    asked, _ = _approvable(ops, request_id)
    return asked, await _plan_now(ops, replace(asked, decided_by=ops.identity.user))


async def approve(ops: Operations, request_id: int, progress: Progress | None) -> Outcome:
    """Approve the request as this layer's account and run it, as planned now (Refused when
    it may not be: audited)."""
    asked, decision = _approvable(ops, request_id)
    store = _store(ops)
    now = ops.clock.now().timestamp()
    if not store.decide(request_id, APPROVED, ops.identity.user, now):
        latest = store.get(request_id)
        raise _refused(ops, asked, "another operator decided it first" if latest is None
                       or latest.state != PENDING else "it expired")
    approved = replace(asked, state=APPROVED, decided_by=ops.identity.user, decided_at=now)
    try:
        _audit(ops, approved, "approved", decision)  # a freeze overridden: said here too
    except AuditUnavailable as exc:  # no record of the approval, no act
        store.finish(request_id, FAILED, str(exc))
        raise Refused(f"{exc}; nothing was changed") from None
    try:
        plan = await _plan_now(ops, approved)
        if progress is not None:
            progress(f"approved request {request_id} of {one_line(asked.requester)}: "
                     f"{one_line(plan.summary)}")
        ops.approval = approved
        outcome = await ops.execute(plan, progress)
    except (Refused, Failed) as exc:
        store.finish(request_id, FAILED, one_line(str(exc)))
        raise
    except BaseException as exc:  # execute recorded it; the request must not stay running
        store.finish(request_id, FAILED, one_line(f"{type(exc).__name__}: {exc}"))
        raise
    finally:
        ops.approval = None
    store.finish(request_id, DONE, f"done: {one_line(plan.summary)}")
    return outcome


def _approvable(ops: Operations, request_id: int) -> tuple[Request, Decision]:
    """The request, if this account may approve it now, and the guard's word; else Refused
    (audited)."""
    store = _store(ops)
    now = ops.clock.now().timestamp()
    try:
        _expire_due(ops, store, now)
        asked = store.get(request_id)
    except StateUnavailable as exc:
        raise ops._refusal("approve", f"request {request_id}", {"request": request_id},
                           Decision(True), one_line(str(exc))) from None
    if asked is None:
        raise ops._refusal("approve", f"request {request_id}", {"request": request_id},
                           Decision(True), f"no such request {request_id} (see `fintui "
                           "policies`)")
    if asked.state == EXPIRED:
        raise _refused(ops, asked, f"it expired at {stamp(asked.expires)} and does nothing; "
                       "ask for the act again")
    if asked.state != PENDING:
        by = f" by {asked.decided_by}" if asked.decided_by else ""
        raise _refused(ops, asked, f"it was {asked.state}{by} already")
    if asked.endpoint != ops.endpoint:
        raise _refused(ops, asked, f"it is for endpoint {asked.endpoint or '(the first)'}, "
                       f"not {ops.endpoint or '(the first)'}")
    if not is_policy(asked.requester) and asked.requester == ops.identity.user:
        raise _refused(ops, asked, f"{ops.identity.user} asked for it: a second operator "
                       "must approve it (the requester may `fintui reject` it)")
    decision = ops.may(asked.action)
    if not decision.allowed:
        raise _refused(ops, asked, decision.reason, decision)
    return asked, decision


async def _plan_now(ops: Operations, asked: Request) -> Plan:
    """The request's act planned again now, as this layer's account, for this request; the
    plan's refusal (the target vanished) is the answer, as is a plan of another kind."""
    from fintui.ops.clean import choose
    from fintui.ops.requests import BadRequest, plan_request

    saved, ops.approval = ops.approval, asked
    try:
        plan = await plan_request(ops, asked.request)
    except BadRequest as exc:
        raise _refused(ops, asked, f"its request cannot be planned: {exc}") from None
    finally:
        ops.approval = saved
    if asked.keep is not None and plan.cleanup is not None:
        choose(plan, set(asked.keep))  # never more than was asked for
    kind, was = plan.parameters.get("kind"), asked.parameters.get("kind")
    if (plan.action, plan.target, kind) != (asked.action, asked.target, was):
        raise _refused(ops, asked, f"the act planned now ({one_line(plan.summary)}) is not "
                       f"the one asked for ({one_line(asked.summary)})")
    return plan


def reject(ops: Operations, request_id: int, comment: str) -> str:
    """Reject a waiting request as this layer's account (an operator; the requester may
    withdraw its own); the message to show. Refused (audited) when it may not."""
    store = _store(ops)
    now = ops.clock.now().timestamp()
    _expire_due(ops, store, now)
    asked = store.get(request_id)
    if asked is None:
        raise ops._refusal("reject", f"request {request_id}", {"request": request_id},
                           Decision(True), f"no such request {request_id}")
    if asked.state != PENDING:
        raise _refused(ops, asked, f"it was {asked.state} already", verb="reject")
    own = asked.requester == ops.identity.user
    if ops.role != "operator" and not own:
        raise _refused(ops, asked, f"role {ops.role!r} may not reject: viewers are "
                       f"read-only (account {ops.identity.user}, by {ops.role_basis})",
                       verb="reject")
    if not store.decide(request_id, REJECTED, ops.identity.user, now, comment):
        raise _refused(ops, asked, "another operator decided it first (or it expired)",
                       verb="reject")
    rejected = replace(asked, state=REJECTED, decided_by=ops.identity.user, decided_at=now,
                       comment=comment)
    said = "withdrawn" if own else "rejected"
    try:
        _audit(ops, rejected, "rejected", error=comment)
    except AuditUnavailable as exc:
        return f"request {request_id} {said}: nothing was done (not in the audit log: {exc})"
    return f"request {request_id} {said}: nothing was done"


def rows(ops: Operations) -> list[ApprovalRow]:
    """Pending requests first (oldest first), then those decided in the last day; expired
    ones are marked so (and audited, once). StateUnavailable when the state cannot be read."""
    store = _store(ops)
    now = ops.clock.now().timestamp()
    _expire_due(ops, store, now)
    return [row_of(r) for r in store.listing(now - DECIDED_SHOWN)]


def row_of(asked: Request) -> ApprovalRow:
    return ApprovalRow(asked.id, asked.action, asked.target, asked.summary, asked.requester,
                       iso(asked.created), iso(asked.expires), asked.state, asked.why,
                       asked.decided_by)


def request_document(asked: Request) -> dict[str, Any]:
    """A request as JSON (the agent's answer, `fintui approve --json`)."""
    return {"id": asked.id, "action": asked.action, "target": asked.target,
            "summary": asked.summary, "steps": asked.steps, "requester": asked.requester,
            "requester_uid": asked.requester_uid, "actor": asked.actor,
            "endpoint": asked.endpoint, "why": asked.why, "requested_at": iso(asked.created),
            "expires_at": iso(asked.expires), "state": asked.state,
            "decided_by": asked.decided_by, "comment": asked.comment,
            "outcome": asked.outcome}


def lookup(ops: Operations, request_id: int) -> Request | None:
    """The request as kept now (None: no such request), to choose its endpoint's layer."""
    return _store(ops).get(request_id)


def approval_fields(ops: Operations) -> dict[str, Any]:
    """What an act run for an approved request adds to its audit records (and the records
    of a request's own life: pending, approved, rejected, expired)."""
    asked = ops.approval
    if not isinstance(asked, Request):
        return {}
    fields: dict[str, Any] = {"request": asked.id, "requester": asked.requester,
                              "requester_uid": asked.requester_uid}
    if asked.actor != asked.requester:
        fields["requested_as"] = asked.actor
    if asked.state == PENDING:
        fields["why"] = asked.why
    if asked.decided_by and asked.state != REJECTED:
        fields["approver"] = asked.decided_by
    elif asked.decided_by:
        fields["rejected_by"] = asked.decided_by
    return fields


def is_policy(user: str) -> bool:
    return user.startswith("policy:")


def stamp(epoch: float) -> str:
    return f"{datetime.fromtimestamp(epoch, UTC):%Y-%m-%d %H:%M:%S} UTC"


def iso(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, UTC).isoformat(timespec="seconds").replace(
        "+00:00", "Z")


def _store(ops: Operations) -> ApprovalStore:
    return ApprovalStore(ops.settings.paths.state_dir / "state.sqlite")


def _expire_due(ops: Operations, store: ApprovalStore, now: float) -> None:
    for gone in store.expire(now):
        with contextlib.suppress(AuditUnavailable):  # marked once: its record is a note
            _audit(ops, replace(gone, state=EXPIRED), "expired",
                   error=f"no operator approved it by {stamp(gone.expires)}: nothing was done")


def _refused(ops: Operations, asked: Request, reason: str,
             decision: Decision | None = None, verb: str = "approve") -> Refused:
    """Audit a refused approval (or rejection) of `asked`; the Refused to raise."""
    message = f"cannot {verb} request {asked.id}: {reason}"
    try:
        _audit(ops, replace(asked, decided_by=ops.identity.user if verb == "approve" else ""),
               "refused", decision, error=message)
    except AuditUnavailable as exc:
        return Refused(f"{message} (and {exc})")
    return Refused(message)


def _audit(ops: Operations, asked: Request, outcome: str, decision: Decision | None = None,
           error: str = "") -> None:
    """One record of a request's life, by this layer's account, naming the request."""
    saved, ops.approval = ops.approval, asked
    try:
        ops._record(asked.action, asked.target, outcome, asked.parameters, asked.steps,
                    decision or Decision(True), error=error)
    finally:
        ops.approval = saved


def refusal_line(exc: Refused) -> str:
    """How a view says an act that did not run: waiting for approval is no refusal."""
    if isinstance(exc, AwaitingApproval):
        return f"waiting for approval: {exc}"
    return f"refused: {exc}"
