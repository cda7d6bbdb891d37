"""Four eyes: acts that wait for a second operator ([guard] approve), and policies'
proposals, kept as requests that another operator approves or rejects, or that expire.

SKELETON (pre-wired by the lead): `needs_approval` is final; the rest is for the approvals
work to fill in (store, gate, propose, approve, reject, pending)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from fintui.core.policy_rows import ApprovalRow
from fintui.ops.guard import Decision
from fintui.ops.plan import Outcome, Plan, Progress

if TYPE_CHECKING:
    from fintui.ops.operations import Operations


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


def propose(ops: Operations, plan: Plan, why: str) -> int:
    """File a plan a policy in mode "propose" made, as a request; its id."""
    raise NotImplementedError


async def approve(ops: Operations, request_id: int, progress: Progress | None) -> Outcome:
    raise NotImplementedError


def reject(ops: Operations, request_id: int, comment: str) -> str:
    raise NotImplementedError


def rows(ops: Operations) -> list[ApprovalRow]:
    return []


def approval_fields(ops: Operations) -> dict[str, Any]:
    """What an act run for an approved request adds to its audit records."""
    return {}
