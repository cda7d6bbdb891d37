"""Operations: every change goes guard → plan → (confirm) → execute → audit, here and only here.

The TUI and the CLI call these same methods. A refusal and a failure are audited like a success;
an action whose audit record cannot be written does not happen (fail closed)."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Sequence
from typing import Any

from fintui.clock import Clock
from fintui.config import Settings
from fintui.core.act_journal import Journal
from fintui.core.audit_rows import AuditTail
from fintui.core.cleanup import CleanupPlan
from fintui.core.policy_rows import ApprovalRow
from fintui.core.text_safety import one_line
from fintui.model import ClusterSnapshot, DiskUsage
from fintui.model_ops import ContainerFacts
from fintui.ops import (
    approvals,
    clean,
    container_acts,
    isolation,
    nodes,
    release,
    rollout,
    scale,
)
from fintui.ops.audit import AuditLog, AuditUnavailable
from fintui.ops.audit_tail import read_tail
from fintui.ops.guard import Decision, decide, role_and_basis
from fintui.ops.identity import Identity, current_identity
from fintui.ops.plan import (
    BIG_CHANGE,
    CONTAINER_REF,
    Build,
    Failed,
    Outcome,
    Plan,
    Progress,
    Refused,
    failure_line,
    now_iso,
)
from fintui.private_files import private_dir
from fintui.sources.base import (
    ActionFailed,
    ClusterActions,
    ClusterSource,
    ContainerGone,
    SourceUnavailable,
)
from fintui.store.db import StateUnavailable
from fintui.store.isolations import IsolationStore
from fintui.store.usage import UsageStore

# The act's vocabulary lives in plan.py (the act modules import it from there); callers
# import it from here as they always have.
__all__ = ["BIG_CHANGE", "Failed", "Operations", "Outcome", "Plan", "Progress", "Refused",
           "failure_line"]


class Operations:
    def __init__(self, actions: ClusterActions, settings: Settings, actor: str, read_only: bool,
                 clock: Clock, override_reason: str = "",
                 source: ClusterSource | None = None, endpoint: str = "",
                 identity: Identity | None = None) -> None:
        self.actions = actions
        self.endpoint = endpoint  # the configured endpoint acted on; in every audit record
        self.source = source
        self.settings = settings
        # `actor` is the name the audit shows (--as may set it for a shared login); the role
        # comes from the OS account alone, and every record names that account too.
        self.actor = actor
        self.identity = identity or current_identity()
        self.role, self.role_basis = role_and_basis(self.identity, settings.guard, read_only)
        self.clock = clock
        self.override_reason = override_reason
        self.via = ""  # "agent": done by the agent for a caller (its record says so)
        # The approved request this layer now runs (fintui.ops.approvals), else None.
        self.approval: Any = None
        private_dir(settings.paths.state_dir, tighten=True)  # bundles, isolations: owner-only
        self.audit = AuditLog.from_settings(settings)
        self.isolations = IsolationStore(settings.paths.state_dir / "state.sqlite")
        self.usage = UsageStore(settings.paths.state_dir / "state.sqlite")

    # ---- guard and audit ---------------------------------------------------------------

    def may(self, action: str) -> Decision:
        """What the guard says now (the TUI greys out keys with it)."""
        decision = decide(action, self.role, self.settings.guard.freeze, self.clock.now(),
                          self.override_reason)
        if not decision.allowed and self.role != "operator":  # say whose role, and why
            return Decision(False, f"{decision.reason} (account {self.identity.user}, by "
                                   f"{self.role_basis})")
        return decision

    def _record(self, action: str, target: str, outcome: str, parameters: dict[str, Any],
                steps: list[str], decision: Decision, error: str = "",
                result: dict[str, Any] | None = None) -> None:
        record: dict[str, Any] = {
            "time": now_iso(self.clock), "actor": self.actor, "uid": self.identity.uid,
            "user": self.identity.user, "role": self.role, "action": action, "target": target,
            "parameters": parameters, "plan": steps,
            "outcome": outcome,
        }
        if self.endpoint:
            record["endpoint"] = self.endpoint
        if self.via:
            record["via"] = self.via
        if error:
            record["error"] = error
        if decision.override:
            record["override"] = decision.override
            record["freeze"] = decision.reason
        if result:
            record["result"] = result
        record.update(approvals.approval_fields(self))
        self.audit.append(record)

    def record(self, action: str, target: str, parameters: dict[str, Any]) -> None:
        """Pass the guard and audit an act that changes no container (an ack, a silence):
        muting a page is a change, so a viewer is refused (and audited). No record, no act."""
        decision = self._guard(action, target, parameters)
        try:
            self._record(action, target, "ok", parameters, [], decision)
        except AuditUnavailable as exc:
            raise Refused(str(exc)) from None

    def record_outside(self, action: str, target: str, outcome: str,
                       parameters: dict[str, Any], result: dict[str, Any] | None = None
                       ) -> None:
        """Audit an act that runs elsewhere (a shell on a console's own terminal) as it
        begins ("started": guarded first, a refusal audited) and ends ("ok" or "failed")."""
        decision = self._guard(action, target, parameters) if outcome == "started" \
            else Decision(True)
        try:
            self._record(action, target, outcome, parameters, [], decision,
                         error=str((result or {}).get("error") or ""), result=result)
        except AuditUnavailable as exc:
            raise Refused(str(exc)) from None

    async def audit_tail(self, limit: int) -> AuditTail:
        """The log's newest `limit` records, read in a thread (the Audit pane; an attached
        console asks RemoteOperations.audit_tail the same). Never raises: `problem` says why."""
        return await asyncio.to_thread(read_tail, self.audit.path, limit)

    def _refusal(self, action: str, target: str, parameters: dict[str, Any],
                 decision: Decision, reason: str) -> Refused:
        """Audit a refusal; the exception to raise says why, and if the record itself could
        not be written, that too."""
        try:
            self._record(action, target, "refused", parameters, [], decision, error=reason)
        except AuditUnavailable as exc:
            return Refused(f"{reason} (and {exc})")
        return Refused(reason)

    def _guard(self, action: str, target: str, parameters: dict[str, Any]) -> Decision:
        decision = self.may(action)
        if not decision.allowed:
            raise self._refusal(action, target, parameters, decision, decision.reason)
        return decision

    async def execute(self, plan: Plan, progress: Progress | None = None) -> Outcome:
        """Run a confirmed plan. The guard is asked again: a freeze may have begun since."""
        decision = self._guard(plan.action, plan.target, plan.parameters)
        approvals.gate(self, plan, decision)  # four eyes: may file a request and stop here
        try:  # fail closed: no record of the intent, no action
            self._record(plan.action, plan.target, "started", plan.parameters, plan.steps,
                         decision)
        except AuditUnavailable as exc:
            raise Refused(str(exc)) from None
        assert plan.run is not None
        journal = Journal(progress)  # each change, as it is made
        try:
            result = await plan.run(journal)
        except Refused as exc:  # found at execution, before any change: another got there
            reason = str(exc)
            raise Refused(reason + self._unrecorded(plan, "refused", decision, error=reason,
                                                    result=journal.failed_result())) from None
        except (ActionFailed, ContainerGone, SourceUnavailable, Failed, OSError,
                sqlite3.Error) as exc:
            reason = one_line(str(exc) or type(exc).__name__)
            if isinstance(exc, ContainerGone):  # the operator's name for it, not its id
                gone = plan.target if plan.action in ("isolate", "release") else str(exc)
                reason = f"container {one_line(gone)} vanished during the action"
            if isinstance(exc, (ActionFailed, ContainerGone)):
                journal.pending = ""  # the daemon answered: it refused, so it did not do it
            raise self._failure(plan, decision, journal, reason) from None
        except Exception as exc:  # a fault of fintui's own still leaves no act unrecorded
            raise self._failure(plan, decision, journal, one_line(
                f"internal error, {type(exc).__name__}: {exc}")) from exc
        except BaseException:  # interrupted (^C, cancelled): record it, then stop
            self._failure(plan, decision, journal, "interrupted")
            raise
        unrecorded = self._unrecorded(plan, "ok", decision,
                                      result={**result, "done": journal.done})
        if unrecorded:  # it was done; say so, and that the log lacks its outcome
            raise Failed(f"done, {unrecorded.lstrip('; ')}")
        return Outcome(plan, result, journal.lines)

    def _failure(self, plan: Plan, decision: Decision, journal: Journal, reason: str
                 ) -> Failed:
        """Record an act cut short with every change it made; the exception says them too."""
        message = f"{reason}; {journal.summary()}"
        result = journal.failed_result()
        return Failed(message + self._unrecorded(plan, "failed", decision, error=message,
                                                 result=result), result)

    def _unrecorded(self, plan: Plan, outcome: str, decision: Decision, error: str = "",
                    result: dict[str, Any] | None = None) -> str:
        """Write an act's outcome record; "" when written, else why not (for the message)."""
        try:
            self._record(plan.action, plan.target, outcome, plan.parameters, plan.steps,
                         decision, error=error, result=result)
        except AuditUnavailable as exc:
            return f"; its outcome is not in the audit log: {exc}"
        return ""

    async def planned(self, action: str, target: str, parameters: dict[str, Any],
                      build: Build) -> Plan:
        """Guard, then build the plan; a refusal (of the guard or the plan) is audited."""
        decision = self._guard(action, target, parameters)
        try:
            plan = await build(decision)
            why = approvals.needs_approval(plan, self.settings.guard.approve)
            if why and self.approval is None:
                plan.warnings.append(f"{why}: it waits for a second operator's approval")
            return plan
        except Refused as exc:
            raise self._refusal(action, target, parameters, decision, str(exc)) from None
        except (ActionFailed, SourceUnavailable, StateUnavailable) as exc:
            # StateUnavailable: the isolation records cannot be read; nothing was changed.
            raise self._refusal(action, target, parameters, decision,
                                one_line(str(exc))) from None

    # ---- approvals (fintui/ops/approvals.py) ---------------------------------------------

    def propose(self, plan: Plan, why: str) -> int:
        """File a policy's plan as a request for an operator's approval; its id."""
        return approvals.propose(self, plan, why)

    async def approve(self, request_id: int, progress: Progress | None = None) -> Outcome:
        """Approve request `request_id` as this layer's account and run it (Refused: the
        requester itself, an expired or decided request, a viewer; all audited)."""
        return await approvals.approve(self, request_id, progress)

    def reject(self, request_id: int, comment: str = "") -> str:
        """Reject a waiting request; the message to show."""
        return approvals.reject(self, request_id, comment)

    def approval_rows(self) -> list[ApprovalRow]:
        """The requests waiting, and those decided lately (expired ones marked so)."""
        return approvals.rows(self)

    # ---- scale (fintui/ops/scale.py) -----------------------------------------------------

    async def plan_scale(self, target: str, replicas: int) -> Plan:
        return asked(await scale.plan_scale(self, target, replicas), action="scale",
                     target=target, replicas=replicas)

    # ---- container acts (fintui/ops/container_acts.py) -----------------------------------

    async def plan_container(self, action: str, targets: Sequence[str], signal: str = "",
                             match: str = "") -> Plan:
        """restart, stop, start, kill (with `signal`), pause, unpause or remove containers
        named by id or name, and those whose name matches the glob `match`."""
        return asked(await container_acts.plan_container(self, action, targets, signal, match),
                     action=action, targets=list(targets), signal=signal, match=match)

    # ---- releases (fintui/ops/rollout.py) ------------------------------------------------

    async def plan_rollout(self, service: str, image: str, canary: int = 0,
                           watch: float = 0.0, parallelism: int = 1) -> Plan:
        """A Swarm service or compose project/service to a new image."""
        return asked(await rollout.plan_rollout(self, service, image, canary, watch,
                                                parallelism),
                     action="rollout", target=service, image=image, canary=canary,
                     watch=watch, parallelism=parallelism)

    async def plan_rollback(self, service: str) -> Plan:
        """Back to the image before the last rollout."""
        return asked(await rollout.plan_rollback(self, service), action="rollback",
                     target=service)

    # ---- isolate and release -------------------------------------------------------------

    async def resolve(self, container: str) -> ContainerFacts:
        # A container is named by an id or a name: never "" or a path, which the daemon's
        # URL would read as another endpoint ("/containers//json" lists every container).
        if not CONTAINER_REF.fullmatch(container):
            raise Refused(f"no container {one_line(container)!r}")
        try:
            return await self.actions.container(container)
        except ContainerGone:
            raise Refused(f"no container {one_line(container)!r}") from None

    async def plan_isolate(self, container: str, replace: bool = True) -> Plan:
        """Cut a faulty instance off, keep its evidence, replace it (fintui/ops/isolation.py);
        an unfinished isolation of it is finished."""
        return asked(await isolation.plan_isolate(self, container, replace), action="isolate",
                     target=container, replace=replace)

    async def plan_release(self, container: str) -> Plan:
        """Undo an isolation, finished or cut short: reconnect, restore, unpause."""
        return asked(await release.plan_release(self, container), action="release",
                     target=container)

    # ---- Swarm nodes (fintui/ops/nodes.py) -------------------------------------------------

    async def plan_node(self, node: str, availability: str) -> Plan:
        """Drain a node, or make it active again ("active", "pause", "drain")."""
        return asked(await nodes.plan_node(self, node, availability),
                     action="drain" if availability == "drain" else "activate", target=node,
                     availability=availability)

    # ---- clean (fintui/ops/clean.py) -----------------------------------------------------

    async def preview_clean(self, match: str = "", snapshot: ClusterSnapshot | None = None,
                            disk: DiskUsage | None = None) -> CleanupPlan:
        """What a cleanup would remove and spare, now. Changes nothing; needs no role."""
        return await clean.preview_clean(self, match, snapshot, disk)

    async def plan_clean(self, match: str = "", snapshot: ClusterSnapshot | None = None,
                         disk: DiskUsage | None = None) -> Plan:
        return asked(await clean.plan_clean(self, match, snapshot, disk), action="clean",
                     match=match)


def asked(plan: Plan, **request: Any) -> Plan:
    """The plan, knowing the request that made it (to plan it again on approval)."""
    plan.request = request
    return plan
