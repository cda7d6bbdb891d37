"""How a policy acts: as the identity `policy:<name>` (its role from [guard] roles like
anyone's), through the same operations layer as a person, so the guard, freeze windows,
approvals and the audit apply to it as they do to an operator."""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from typing import TYPE_CHECKING

from fintui.core.text_safety import one_line
from fintui.ops.identity import Identity
from fintui.ops.plan import AwaitingApproval, Failed, Plan, Refused, failure_line

if TYPE_CHECKING:
    from fintui.ops.operations import Operations
    from fintui.wiring import Parts

PREFIX = "policy:"
log = logging.getLogger("fintui.watch")  # the agent's log says what each policy did


def policy_identity(name: str) -> Identity:
    """The account a policy acts as: this process's uid (what the kernel says runs it), under
    the policy's own name, with no groups (a group's role never reaches a policy)."""
    return Identity(os.getuid(), f"{PREFIX}{name}")


def policy_operations(parts: Parts, name: str, endpoint: str = "",
                      override: str = "") -> Operations:
    """The operations layer as policy `name` on `endpoint` ("" the first); `override` is the
    policy's audited reason to act in a freeze window ("" for none)."""
    ops = parts.operations(endpoint, identity=policy_identity(name))
    ops.actor = f"{PREFIX}{name}"
    ops.override_reason = override
    return ops


@dataclass(frozen=True, slots=True)
class PolicyOutcome:
    ok: bool  # done, or filed for approval; False: refused or failed
    text: str  # what the Policies pane's "last" column says of it
    request_id: int | None = None  # the approval request it waits in, if any


async def run_as_policy(ops: Operations, plan: Plan, mode: str, why: str) -> PolicyOutcome:
    """Run a plan (mode "act") or file it for approval (mode "propose"); `why` says what made
    the policy act, for the proposal. Never raises for a refusal or a failure: it is audited
    already and comes back as the outcome."""
    outcome = await _run(ops, plan, mode, why)
    (log.info if outcome.ok else log.warning)("%s: %s", one_line(ops.actor), outcome.text)
    return outcome


async def _run(ops: Operations, plan: Plan, mode: str, why: str) -> PolicyOutcome:
    try:
        if mode == "propose":
            request = ops.propose(plan, why)
            return PolicyOutcome(True, f"proposed: {one_line(plan.summary)} (request "
                                       f"{request})", request)
        await ops.execute(plan)
    except AwaitingApproval as exc:
        return PolicyOutcome(True, f"waits for approval: {one_line(plan.summary)} (request "
                                   f"{exc.request_id})", exc.request_id)
    except Refused as exc:
        return PolicyOutcome(False, f"refused: {one_line(str(exc))}")
    except Failed as exc:
        return PolicyOutcome(False, one_line(failure_line(str(exc))))
    return PolicyOutcome(True, f"done: {one_line(plan.summary)}")
