"""The operations layer as a caller of the agent sees it: the same plans, confirmation and
progress as `Operations`, but the agent makes, holds and runs each plan as this OS account.

The CLI's acting verbs and an attached console use it where they would use `Operations`:
plan_*, preview_clean, execute, may and role. Errors come as the operations layer's own:
Refused when nothing was done, Failed when an act began and did not finish."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

from fintui.agent.client import AgentClient, AgentFailed, AgentRefused, AgentUnavailable
from fintui.core.audit_rows import AuditEntry, AuditTail
from fintui.core.cleanup import CleanupPlan
from fintui.core.text_safety import one_line
from fintui.core.wire import WireError, decode
from fintui.model import ClusterSnapshot, DiskUsage
from fintui.ops.guard import Decision
from fintui.ops.operations import Failed, Operations, Outcome, Plan, Refused
from fintui.ops.plan import AwaitingApproval

REQUEST_TIMEOUT = 60.0  # a plan may inspect the cluster (a clean reads disk usage)
STREAM_SILENCE = 30.0  # the agent writes at least every second while an act runs


class RemoteOperations:
    def __init__(self, path: Path, endpoint: str = "", override: str = "",
                 read_only: bool = False) -> None:
        self.path = path
        self.endpoint = endpoint
        self.override_reason = override
        self.read_only = read_only  # the agent judges this caller a viewer (it may not act)
        self.role = "unknown"
        self.role_basis = "the agent has not said yet"
        self._may: dict[str, Decision] = {}

    async def refresh(self) -> None:
        """Ask the agent what this account may do (keys are greyed out from it)."""
        async with AgentClient(self.path, REQUEST_TIMEOUT) as client:
            answer = await client.role(self.endpoint, self.read_only)
        self.role = str(answer.get("role", "unknown"))
        self.role_basis = str(answer.get("basis", ""))
        may = answer.get("may")
        if isinstance(may, dict):
            self._may = {str(action): Decision(bool(d.get("allowed")), str(d.get("reason", "")))
                         for action, d in may.items() if isinstance(d, dict)}

    def adopt(self, other: RemoteOperations) -> None:
        """Take what the agent said of this account when `other` asked."""
        self.role, self.role_basis, self._may = other.role, other.role_basis, other._may

    def may(self, action: str) -> Decision:
        """What the agent said when last asked; it asks its guard again on every act."""
        return self._may.get(action, Decision(True))

    async def audit_tail(self, limit: int) -> AuditTail:
        """The agent's newest `limit` audit records (its log: a desk that may not read the
        file sees them too), as Operations.audit_tail. Never raises: `problem` says why."""
        source = f"the agent's log ({self.path})"
        try:
            async with AgentClient(self.path, REQUEST_TIMEOUT) as client:
                answer = await client.audit_records(limit)
        except AgentUnavailable as exc:
            return AuditTail(source=source, problem=f"cannot reach the agent: {exc.reason}")
        except (AgentFailed, AgentRefused) as exc:
            return AuditTail(source=source, problem=f"the agent's audit log: {exc}")
        records = answer.get("records")
        if not isinstance(records, list):
            return AuditTail(source=source, problem="this agent serves no audit records (an "
                             "older fintui agent): `fintui audit show` reads its log")
        return AuditTail(tuple(AuditEntry.of(r) for r in records if isinstance(r, dict)),
                         f"the agent's log {answer.get('path', '')}".rstrip(),
                         str(answer.get("problem") or ""))

    # ---- plans ---------------------------------------------------------------------------

    async def plan_scale(self, target: str, replicas: int) -> Plan:
        return await self._plan({"action": "scale", "target": target, "replicas": replicas})

    async def plan_isolate(self, container: str, replace: bool = True) -> Plan:
        return await self._plan({"action": "isolate", "target": container, "replace": replace})

    async def plan_release(self, container: str) -> Plan:
        return await self._plan({"action": "release", "target": container})

    async def plan_container(self, action: str, targets: Sequence[str], signal: str = "",
                             match: str = "") -> Plan:
        return await self._plan({"action": action, "targets": list(targets),
                                 "signal": signal, "match": match})

    async def plan_rollout(self, service: str, image: str, canary: int = 0,
                           watch: float = 0.0, parallelism: int = 1) -> Plan:
        return await self._plan({"action": "rollout", "target": service, "image": image,
                                 "canary": canary, "watch": watch,
                                 "parallelism": parallelism})

    async def plan_rollback(self, service: str) -> Plan:
        return await self._plan({"action": "rollback", "target": service})

    async def plan_node(self, node: str, availability: str) -> Plan:
        action = "drain" if availability == "drain" else "activate"
        return await self._plan({"action": action, "target": node})

    async def plan_clean(self, match: str = "", snapshot: ClusterSnapshot | None = None,
                         disk: DiskUsage | None = None) -> Plan:
        """The agent plans from its own latest sweep and disk reading, not the caller's."""
        return await self._plan({"action": "clean", "match": match})

    async def preview_clean(self, match: str = "", snapshot: ClusterSnapshot | None = None,
                            disk: DiskUsage | None = None) -> CleanupPlan:
        answer = await self._ask(lambda c: c.preview_clean(match, self.endpoint))
        try:
            cleanup: CleanupPlan = decode(CleanupPlan, answer.get("cleanup"))
        except WireError as exc:
            raise Refused(f"the agent's preview could not be read: {exc}") from None
        return cleanup

    async def record_outside(self, action: str, target: str, outcome: str,
                             parameters: dict[str, Any],
                             result: dict[str, Any] | None = None) -> None:
        """Audit on the agent an act run here (a shell), as Operations.record_outside:
        "started" is guarded there; Refused when it says no or cannot be reached."""
        request = {"action": action, "target": target, "outcome": outcome,
                   "parameters": parameters, "result": result, "endpoint": self.endpoint,
                   "override": self.override_reason, "read_only": self.read_only}

        async def send(client: AgentClient) -> dict[str, Any]:
            await client.record(request)
            return {}

        await self._ask(send)

    async def drop(self, plan: Plan) -> None:
        """Tell the agent a plan was not confirmed (it would expire anyway)."""
        if plan.ticket:
            with contextlib.suppress(AgentUnavailable, AgentFailed, AgentRefused):
                async with AgentClient(self.path, 5.0) as client:
                    await client.drop(plan.ticket)

    async def _plan(self, request: dict[str, Any]) -> Plan:
        request = {**request, "endpoint": self.endpoint, "override": self.override_reason,
                   "read_only": self.read_only}
        return _plan_of(await self._ask(lambda c: c.plan(request)))

    async def _ask(self, call: Callable[[AgentClient], Any]) -> dict[str, Any]:
        """One request; every way it can fail is a refusal: nothing was done."""
        with _refused_if_unanswered():
            async with AgentClient(self.path, REQUEST_TIMEOUT) as client:
                answer: dict[str, Any] = await call(client)
                return answer

    # ---- execution -----------------------------------------------------------------------

    async def execute(self, plan: Plan, progress: Callable[[str], None] | None = None
                      ) -> Outcome:
        if not plan.ticket:
            raise Refused("this plan was not made by the agent")
        keep = [i.id for i in plan.cleanup.candidates] if plan.cleanup is not None else None
        return await self._follow(plan, lambda c: c.execute(plan.ticket, keep, STREAM_SILENCE),
                                  progress)

    # ---- approvals -----------------------------------------------------------------------

    async def preview_approval(self, request_id: int) -> tuple[dict[str, Any], Plan]:
        """The request (as approvals.request_document) and its act as the agent plans it now
        for this account; Refused (audited there) when this account may not approve it."""
        found: dict[str, Any] = {}
        with _refused_if_unanswered():
            async with AgentClient(self.path, REQUEST_TIMEOUT) as client:
                async for item in client.approve(request_id, preview=True,
                                                 read_only=self.read_only,
                                                 override=self.override_reason,
                                                 read_timeout=REQUEST_TIMEOUT):
                    kind = item.get("kind")
                    if kind == "request" and isinstance(item.get("request"), dict):
                        found = item["request"]
                    elif kind == "plan" and isinstance(item.get("plan"), dict):
                        return found, _plan_of({**item["plan"], "ticket": ""})
                    elif kind in ("refused", "failed"):
                        raise Refused(one_line(str(item.get("message", ""))))
        raise Refused("the agent did not say how it would run the request")

    async def approve(self, request_id: int, progress: Callable[[str], None] | None = None
                      ) -> Outcome:
        """Approve request `request_id` on the agent as this account; it runs there (to its
        end, whether this caller stays or not), its progress lines as they come."""
        asked = Plan("approve", f"request {request_id}", f"approve request {request_id}", [],
                     {"request": request_id})
        return await self._follow(asked, lambda c: c.approve(
            request_id, read_only=self.read_only, override=self.override_reason,
            read_timeout=STREAM_SILENCE), progress)

    async def reject(self, request_id: int, comment: str = "") -> str:
        """Reject request `request_id` on the agent as this account; the message."""
        answer = await self._ask(lambda c: _said(c.reject(request_id, comment,
                                                          self.read_only)))
        return str(answer.get("message", ""))

    async def _follow(self, plan: Plan, stream: Callable[[AgentClient], Any],
                      progress: Callable[[str], None] | None) -> Outcome:
        """An act's NDJSON lines from the agent: progress, then how it ended."""
        lines: list[str] = []
        try:
            async with AgentClient(self.path, REQUEST_TIMEOUT) as client:
                async for item in stream(client):
                    kind = item.get("kind")
                    if kind == "step":
                        line = one_line(str(item.get("line", "")))
                        lines.append(line)
                        if progress is not None:
                            progress(line)
                    elif kind == "done":
                        result = item.get("result")
                        return Outcome(plan, result if isinstance(result, dict) else {},
                                       lines)
                    elif kind == "request" and isinstance(item.get("request"), dict):
                        asked = item["request"]  # an approval: the act it runs
                        plan.action = one_line(str(asked.get("action") or plan.action))
                        plan.target = one_line(str(asked.get("target") or plan.target))
                        plan.summary = one_line(str(asked.get("summary") or plan.summary))
                    elif kind == "refused":
                        message = one_line(str(item.get("message", "")))
                        request = item.get("request")
                        if isinstance(request, int) and not isinstance(request, bool):
                            raise AwaitingApproval(message, request)
                        raise Refused(message)
                    elif kind == "failed":
                        result = item.get("result")
                        raise Failed(one_line(str(item.get("message", ""))),
                                     result if isinstance(result, dict) else {})
        except AgentRefused as exc:
            raise Refused(str(exc)) from None
        except AgentFailed as exc:
            if exc.status == 400:  # the ticket expired or was not this account's: not begun
                raise Refused(_from_agent(str(exc))) from None
            raise Failed(self._lost(str(exc), lines)) from None
        except AgentUnavailable as exc:
            raise Failed(self._lost(exc.reason, lines)) from None
        raise Failed(self._lost("the agent ended the answer before the act did", lines))

    def _lost(self, why: str, lines: list[str]) -> str:
        done = f" after {len(lines)} step(s)" if lines else ""
        return (f"outcome unknown: lost the agent{done} ({why}); the act may have finished "
                "or stopped halfway: check the cluster, and `fintui audit show`")


Acts = Operations | RemoteOperations  # what a verb or a console acts through


async def drop_plan(ops: Acts, plan: Plan) -> None:
    """A plan not confirmed: the agent may forget it now (a local one holds nothing)."""
    if isinstance(ops, RemoteOperations):
        await ops.drop(plan)


async def reject_request(ops: Acts, request_id: int, comment: str = "") -> str:
    """Reject a waiting request through either layer (the agent's answers over its socket;
    a local one at once); the message to show. Refused when it may not."""
    if isinstance(ops, RemoteOperations):
        return await ops.reject(request_id, comment)
    return ops.reject(request_id, comment)


async def _said(message: Any) -> dict[str, Any]:
    return {"message": await message}


@contextlib.contextmanager
def _refused_if_unanswered() -> Iterator[None]:
    """A request the agent refused, failed or never got is a refusal: nothing was done."""
    try:
        yield
    except AgentRefused as exc:
        raise Refused(str(exc)) from None
    except AgentFailed as exc:
        raise Refused(_from_agent(str(exc))) from None
    except AgentUnavailable as exc:
        raise Refused(f"cannot reach the agent: {exc.reason}; nothing was changed") from None


def _from_agent(message: str) -> str:
    return message if message.startswith("the agent") else f"the agent: {message}"


def _plan_of(document: dict[str, Any]) -> Plan:
    """A Plan from the agent's answer: shown and confirmed here, run there by its ticket."""
    try:
        decision = document.get("decision") or {}
        cleanup_doc = document.get("cleanup")
        plan = Plan(action=str(document["action"]), target=str(document["target"]),
                    summary=str(document["summary"]),
                    steps=[str(s) for s in document.get("steps") or []],
                    parameters=dict(document.get("parameters") or {}),
                    double_confirm=bool(document.get("double_confirm")),
                    # an older agent sends none: the screens then say it in general words
                    double_confirm_reason=str(document.get("double_confirm_reason") or ""),
                    warnings=[str(w) for w in document.get("warnings") or []],
                    decision=Decision(bool(decision.get("allowed", True)),
                                      str(decision.get("reason", "")),
                                      str(decision.get("override", ""))),
                    cleanup=None if cleanup_doc is None else decode(CleanupPlan, cleanup_doc),
                    ticket=str(document["ticket"]))
    except (KeyError, TypeError, AttributeError, WireError) as exc:
        raise Refused(f"the agent's plan could not be read ({type(exc).__name__}: {exc})"
                      ) from None
    return plan
