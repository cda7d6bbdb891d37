"""Acts through the agent: plan, confirm, progress, done as the socket peer's OS account.

A caller asks for a plan (`POST /v1/plan`); the agent builds it with the operations layer,
as the caller (its role from [guard] roles by user or @group, its name in the audit), keeps it
under a ticket for a few minutes, and answers what it would do. The caller shows it and asks
for confirmation; `POST /v1/execute` with the ticket runs it. Only the account that planned
may run or drop its plan. A run goes on to its end when the caller goes away: an act cut off
halfway by a closed terminal would be the worst outcome of all; its record says how it ended.

Execution answers are a stream of NDJSON lines:
  {"kind": "step", "line": "..."}                    each progress line, as it happens
  {"kind": "done", "result": {...}, "lines": [...]}  the end: done
  {"kind": "refused", "message": "..."}              the guard or the plan said no
  {"kind": "failed", "message": "...", "result": {...}}"""

from __future__ import annotations

import asyncio
import secrets
import time
from collections import deque
from collections.abc import AsyncIterator, Awaitable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from fintui.agent.backend import AgentError
from fintui.core.wire import encode
from fintui.ops import approvals
from fintui.ops.clean import choose
from fintui.ops.identity import Identity
from fintui.ops.operations import Failed, Outcome, Plan, Refused
from fintui.ops.plan import AwaitingApproval
from fintui.ops.requests import ACTIONS, BadRequest, plan_request
from fintui.ops.requests import field as request_field

if TYPE_CHECKING:
    from fintui.ops.audit import AuditLog
    from fintui.ops.operations import Operations
    from fintui.watch.watch import Watch

PLAN_KEPT = 300.0  # seconds a plan waits for its confirmation: then plan again
OUTSIDE_ACTS = ("shell",)  # acts a console runs itself; the agent only records them
_REQUEST_LIFE = ("pending", "proposed", "approved", "rejected", "expired")
_PENDING_MAX = 64  # plans waiting per agent: more means a client that never confirms


@dataclass
class _Held:
    plan: Plan
    ops: Operations
    uid: int
    made: float


@dataclass
class _Run:
    """One execution: its lines so far, and the lines still to come for whoever listens."""
    lines: list[dict[str, Any]] = field(default_factory=list)
    changed: asyncio.Event = field(default_factory=asyncio.Event)
    over: bool = False

    def put(self, item: dict[str, Any]) -> None:
        self.lines.append(item)
        self.changed.set()


def plan_document(plan: Plan, ticket: str) -> dict[str, Any]:
    return {"ticket": ticket, "action": plan.action, "target": plan.target,
            "summary": plan.summary, "steps": plan.steps, "parameters": plan.parameters,
            "double_confirm": plan.double_confirm,
            "double_confirm_reason": plan.double_confirm_reason, "warnings": plan.warnings,
            "decision": {"allowed": plan.decision.allowed, "reason": plan.decision.reason,
                         "override": plan.decision.override},
            "cleanup": None if plan.cleanup is None else encode(plan.cleanup)}


class ActDesk:
    def __init__(self, watch: Watch) -> None:
        self.watch = watch
        self.held: dict[str, _Held] = {}
        self.running: set[asyncio.Task[None]] = set()
        self.stopping = False  # the agent is stopping: acts under way end, no new one begins

    def operations(self, who: Identity, endpoint: str = "", override: str = "",
                   read_only: bool = False) -> Operations:
        """The operations layer as the caller: its OS account is the actor (no --as here);
        a caller started --read-only (a browser session) asks to be judged a viewer."""
        ops = self.watch.parts.operations(endpoint, identity=who, read_only=read_only)
        ops.actor = who.user
        ops.via = "agent"
        ops.override_reason = override
        return ops

    def role(self, who: Identity, endpoint: str = "", read_only: bool = False
             ) -> dict[str, Any]:
        """The caller's role and what it may do now (a console greys its keys out with it)."""
        ops = self.operations(who, endpoint, read_only=read_only)
        may = {}
        for action in (*ACTIONS, "shell"):  # a shell runs at the console; the guard is ours
            decision = ops.may(action)
            may[action] = {"allowed": decision.allowed, "reason": decision.reason}
        return {"role": ops.role, "basis": ops.role_basis, "may": may}

    def _open(self) -> None:
        if self.stopping:
            raise AgentError("the agent is stopping: nothing was changed; try again when it "
                             "is back")

    async def plan(self, who: Identity, body: dict[str, Any]) -> dict[str, Any]:
        self._open()
        ops = self.operations(who, _field(body, "endpoint", str, ""),
                              _field(body, "override", str, ""),
                              _field(body, "read_only", bool, False))
        try:  # a clean plans from the agent's own latest sweep and disk reading
            plan = await plan_request(ops, body, self.watch.state.snapshot,
                                      self.watch.disks.get(ops.endpoint))
        except BadRequest as exc:
            raise AgentError(str(exc)) from None
        self._expire()
        if len(self.held) >= _PENDING_MAX:
            raise AgentError("too many plans wait for confirmation; try again in a while")
        ticket = secrets.token_hex(16)
        self.held[ticket] = _Held(plan, ops, who.uid, time.monotonic())
        return plan_document(plan, ticket)

    def record_outside(self, who: Identity, body: dict[str, Any]) -> dict[str, Any]:
        """A shell a console runs on its own terminal, begun or ended: guarded (as it begins)
        and written to this agent's audit log as the caller, like every act of theirs."""
        self._open()
        action, outcome = _field(body, "action", str), _field(body, "outcome", str)
        if action not in OUTSIDE_ACTS:
            raise AgentError(f"only {', '.join(OUTSIDE_ACTS)} is recorded this way")
        if outcome not in ("started", "ok", "failed"):
            raise AgentError("'outcome' is one of started, ok, failed")
        parameters, result = body.get("parameters") or {}, body.get("result")
        if not isinstance(parameters, dict) or not isinstance(result, dict | None):
            raise AgentError("'parameters' and 'result' are objects")
        ops = self.operations(who, _field(body, "endpoint", str, ""),
                              _field(body, "override", str, ""),
                              _field(body, "read_only", bool, False))
        # Refused (the guard, or no audit log) answers 403 as for every act.
        ops.record_outside(action, _field(body, "target", str), outcome, parameters, result)
        return {}

    async def preview_clean(self, who: Identity, body: dict[str, Any]) -> dict[str, Any]:
        """What a clean would remove and spare; changes nothing and needs no role."""
        ops = self.operations(who, _field(body, "endpoint", str, ""))
        cleanup = await ops.preview_clean(_field(body, "match", str, ""))
        return {"cleanup": encode(cleanup)}

    async def audit_tail(self, since: datetime | None, limit: int) -> dict[str, Any]:
        """The audit log's last records, readably (who did what: a desk may see it too)."""
        from fintui.ops.audit import AuditLog, AuditUnreadable

        log = AuditLog.from_settings(self.watch.parts.settings)

        def read() -> list[list[str]]:
            # A record's line, then its indented detail lines; the oldest fall off.
            blocks: deque[list[str]] = deque(maxlen=limit)
            for line in log.show(since):
                if not line.startswith(" ") or not blocks:
                    blocks.append([])
                blocks[-1].append(line)
            return list(blocks)

        try:
            blocks = await asyncio.to_thread(read)
        except AuditUnreadable as exc:
            raise AgentError(f"{log.path}: {exc}") from None
        return {"path": str(log.path), "lines": [line for b in blocks for line in b]}

    async def audit_records(self, limit: int) -> dict[str, Any]:
        """The log's newest records, their fields for the Audit pane (not plans or results):
        {"path", "records": [...], "problem"}, "problem" saying why none could be read."""
        from fintui.ops.audit import AuditLog
        from fintui.ops.audit_tail import read_tail

        log = AuditLog.from_settings(self.watch.parts.settings)
        tail = await asyncio.to_thread(read_tail, log.path, limit)
        return {"path": tail.source, "records": [e.fields() for e in tail.entries],
                "problem": tail.problem}

    async def volume_history(self, volume: str, endpoint: str) -> list[list[str]]:
        """Which containers used a volume, and when (the agent records it every sweep)."""
        ops = self.watch.ops
        rows = await asyncio.to_thread(ops.usage.volume_history, volume, endpoint)
        return [list(row) for row in rows]

    def drop(self, who: Identity, ticket: str) -> None:
        held = self.held.get(ticket)
        if held is not None and held.uid == who.uid:
            del self.held[ticket]

    def execute(self, who: Identity, body: dict[str, Any]) -> AsyncIterator[dict[str, Any]]:
        ticket = _field(body, "ticket", str)
        self._open()
        self._expire()
        held = self.held.get(ticket)
        if held is None or held.uid != who.uid:  # another's ticket is as good as none
            raise AgentError("no such plan (it expired or ran already): plan it again")
        del self.held[ticket]
        plan = held.plan
        keep = body.get("keep")
        if keep is not None:
            if plan.cleanup is None or not isinstance(keep, list) or \
                    not all(isinstance(k, str) for k in keep):
                raise AgentError("'keep' is a list of a clean plan's candidate ids")
            choose(plan, set(keep))
        run = _Run()
        task = asyncio.create_task(self._run(held.ops, plan, run))
        self.running.add(task)
        task.add_done_callback(self.running.discard)
        return _follow(run)

    async def _run(self, ops: Operations, plan: Plan, run: _Run) -> None:
        await self._to_the_end(run, ops.execute(plan, lambda line: run.put(
            {"kind": "step", "line": line})))

    async def _to_the_end(self, run: _Run, act: Awaitable[Outcome | None]) -> None:
        """Run an act and put how it ended as the run's last line (None: the act has said
        all it had to); the caller hears the end, however it ends."""
        try:
            outcome = await act
        except AwaitingApproval as exc:  # "refused" to an older caller; "request" says why
            run.put({"kind": "refused", "message": str(exc), "request": exc.request_id})
        except Refused as exc:
            run.put({"kind": "refused", "message": str(exc)})
        except Failed as exc:
            run.put({"kind": "failed", "message": str(exc), "result": exc.result})
        except Exception as exc:  # execute records it; the caller must hear the end too
            run.put({"kind": "failed", "message": f"{type(exc).__name__}: {exc}",
                     "result": {}})
        else:
            if outcome is not None:
                run.put({"kind": "done", "result": outcome.result, "lines": outcome.lines})
        finally:
            run.over = True
            run.changed.set()
            self.watch.wake()  # show the change at once

    # ---- policies and approvals (GET /v1/policies, POST /v1/approve, /v1/reject) -----------

    async def policies(self) -> dict[str, Any]:
        """{"policies": [PolicyRow as JSON], "approvals": [ApprovalRow as JSON]}."""
        from fintui.agent.policies_doc import policies_document

        return policies_document(self.watch)

    def approve(self, who: Identity, body: dict[str, Any]) -> AsyncIterator[dict[str, Any]]:
        """{"id": N}: approve request N as the caller and run it; lines as execute's, the
        first {"kind": "request", "request": {...}}. With "preview": true, only that line and
        {"kind": "plan", "plan": {...}} (the act as planned now; nothing is decided)."""
        self._open()
        request_id = _field(body, "id", int)
        preview = _field(body, "preview", bool, False)
        asked = approvals.lookup(self.watch.ops, request_id)
        # The request's own endpoint: its act is planned and run there.
        ops = self.operations(who, asked.endpoint if asked is not None else "",
                              _field(body, "override", str, ""),
                              _field(body, "read_only", bool, False))
        run = _Run()
        task = asyncio.create_task(self._approve(ops, request_id, preview, run))
        self.running.add(task)  # it goes on when the caller goes away, as execute's run
        task.add_done_callback(self.running.discard)
        return _follow(run)

    async def _approve(self, ops: Operations, request_id: int, preview: bool,
                       run: _Run) -> None:
        async def act() -> Outcome | None:
            if preview:
                asked, plan = await approvals.preview(ops, request_id)
                run.put({"kind": "request", "request": approvals.request_document(asked)})
                run.put({"kind": "plan", "plan": plan_document(plan, "")})
                return None
            found = approvals.lookup(ops, request_id)
            if found is not None:
                run.put({"kind": "request", "request": approvals.request_document(found)})
            return await ops.approve(request_id, lambda line: run.put(
                {"kind": "step", "line": line}))

        await self._to_the_end(run, act())

    async def reject(self, who: Identity, body: dict[str, Any]) -> dict[str, Any]:
        """{"id": N, "comment": "..."}: reject request N as the caller; {"message": ...}."""
        self._open()
        ops = self.operations(who, read_only=_field(body, "read_only", bool, False))
        # Refused (a viewer, decided already) answers 403 as for every act.
        message = ops.reject(_field(body, "id", int), _field(body, "comment", str, ""))
        self.watch.wake()
        return {"message": message}

    async def settle(self, timeout: float) -> None:
        """Let acts under way finish (the agent is stopping) before their loop goes."""
        if self.running:
            await asyncio.wait(set(self.running), timeout=timeout)

    def _expire(self) -> None:
        now = time.monotonic()
        for ticket in [t for t, h in self.held.items() if now - h.made > PLAN_KEPT]:
            del self.held[ticket]


async def _follow(run: _Run) -> AsyncIterator[dict[str, Any]]:
    sent = 0
    while True:
        while sent < len(run.lines):
            sent += 1
            yield run.lines[sent - 1]
        if run.over:
            return
        run.changed.clear()
        if sent == len(run.lines) and not run.over:
            await run.changed.wait()


def _field(body: dict[str, Any], name: str, kind: type, default: Any = ...) -> Any:
    try:
        return request_field(body, name, kind, default)
    except BadRequest as exc:
        raise AgentError(str(exc)) from None


def close_unfinished(log: AuditLog, now: str) -> list[dict[str, Any]]:
    """Acts this agent began and never recorded the end of (it was killed, or its host went
    down, in the middle): each gets an `unknown` record now, so the log never leaves one
    looking as if it were still running. Returns the records written."""
    open_acts: list[dict[str, Any]] = []
    for record in log.records():
        if record.get("via") != "agent" or record.get("outcome") in _REQUEST_LIFE:
            continue  # a request's own records are no act's end
        if record.get("outcome") == "started":
            open_acts.append(record)
            continue
        key = _act_key(record)
        for started in open_acts:  # the oldest open one of the same act ends here
            if _act_key(started) == key:
                open_acts.remove(started)
                break
    written = []
    for started in open_acts:
        record = {field: started[field] for field in (
            "actor", "uid", "user", "role", "action", "target", "parameters", "plan",
            "endpoint", "via") if field in started}
        record.update(time=now, outcome="unknown", error=(
            f"the agent stopped during this act (begun {started.get('time')}): it may have "
            "finished or stopped halfway; check the cluster"))
        log.append(record)
        written.append(record)
    return written


def _act_key(record: dict[str, Any]) -> tuple[Any, ...]:
    return (record.get("action"), record.get("target"), record.get("uid"),
            record.get("endpoint"))
