"""Operations: every change goes guard → plan → (confirm) → execute → audit, here and only here.

The TUI and the CLI call these same methods. A refusal and a failure are audited like a success;
an action whose audit record cannot be written does not happen (fail closed)."""

from __future__ import annotations

import asyncio
import re
import sqlite3
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from fintui.clock import Clock
from fintui.config import Settings
from fintui.core import scaling
from fintui.core.act_journal import Journal
from fintui.core.cleanup import CleanupPlan
from fintui.core.text_safety import one_line
from fintui.model import ClusterSnapshot, DiskUsage
from fintui.ops import clean, isolation, nodes
from fintui.ops.audit import AuditLog, AuditUnavailable
from fintui.ops.guard import Decision, decide, role_and_basis
from fintui.ops.identity import Identity, current_identity
from fintui.sources.base import (
    ActionFailed,
    ClusterActions,
    ClusterSource,
    ContainerGone,
    SourceUnavailable,
)
from fintui.store.db import StateUnavailable
from fintui.store.isolations import IsolationStore
from fintui.store.private import private_dir
from fintui.store.usage import UsageStore

Progress = Callable[[str], None]
UPDATE_RETRIES = 5  # "update out of sequence": another writer changed the service meanwhile
BIG_CHANGE = 5  # touching more instances than this asks twice
CONTAINER_REF = re.compile(r"/?[A-Za-z0-9][A-Za-z0-9_.-]*")  # Docker's names, and ids


class Refused(Exception):
    """Guard or plan said no; the message is for the operator."""


class Failed(Exception):
    """The action started and did not finish; the message says where it stopped, `result`
    what its audit record holds of what it did (as for a clean: removed, skipped, ...)."""

    def __init__(self, message: str, result: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.result: dict[str, Any] = result or {}


@dataclass
class Plan:
    action: str  # scale, isolate, release
    target: str
    summary: str
    steps: list[str]
    parameters: dict[str, Any]
    double_confirm: bool = False
    warnings: list[str] = field(default_factory=list)
    decision: Decision = field(default_factory=lambda: Decision(True))
    run: Callable[[Journal], Awaitable[dict[str, Any]]] | None = None
    cleanup: CleanupPlan | None = None  # for clean: what it would remove and what it spares
    ticket: str = ""  # made by the agent: what runs it there (fintui.agent.remote_ops)


@dataclass(frozen=True, slots=True)
class Outcome:
    plan: Plan
    result: dict[str, Any]
    lines: list[str]


def failure_line(message: str) -> str:
    """How a Failed act is said: "failed: ...", unless nobody knows whether it did."""
    return message if message.startswith("outcome unknown") else f"failed: {message}"


def _name(container: Mapping[str, Any]) -> str:
    """A container's name from a list entry, for messages (untrusted: one line)."""
    return one_line(str((container.get("Names") or ["?"])[0]).lstrip("/"))


def _now_iso(clock: Clock) -> str:
    return clock.now().isoformat().replace("+00:00", "Z")


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
        private_dir(settings.state_dir, tighten=True)  # bundles, isolations: owner-only
        self.audit = AuditLog.from_settings(settings)
        self.isolations = IsolationStore(settings.state_dir / "state.sqlite")
        self.usage = UsageStore(settings.state_dir / "state.sqlite")

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
            "time": _now_iso(self.clock), "actor": self.actor, "uid": self.identity.uid,
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
        self.audit.append(record)

    def record(self, action: str, target: str, parameters: dict[str, Any]) -> None:
        """Pass the guard and audit an act that changes no container (an ack, a silence):
        muting a page is a change, so a viewer is refused (and audited). No record, no act."""
        decision = self._guard(action, target, parameters)
        try:
            self._record(action, target, "ok", parameters, [], decision)
        except AuditUnavailable as exc:
            raise Refused(str(exc)) from None

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

    async def _planned(self, action: str, target: str, parameters: dict[str, Any],
                       build: Callable[[Decision], Awaitable[Plan]]) -> Plan:
        decision = self._guard(action, target, parameters)
        try:
            return await build(decision)
        except Refused as exc:
            raise self._refusal(action, target, parameters, decision, str(exc)) from None
        except (ActionFailed, SourceUnavailable, StateUnavailable) as exc:
            # StateUnavailable: the isolation records cannot be read; nothing was changed.
            raise self._refusal(action, target, parameters, decision,
                                one_line(str(exc))) from None

    # ---- scale ---------------------------------------------------------------------------

    async def plan_scale(self, target: str, replicas: int) -> Plan:
        parameters = {"replicas": replicas}

        async def build(decision: Decision) -> Plan:
            limit = self.settings.ops.max_replicas
            if not 0 <= replicas <= limit:
                raise Refused(f"replicas must be between 0 and {limit} (scale.max_replicas)")
            if "/" in target:
                return await self._plan_compose_scale(target, replicas, decision)
            return await self._plan_swarm_scale(target, replicas, decision)

        return await self._planned("scale", target, parameters, build)

    async def _plan_swarm_scale(self, target: str, replicas: int, decision: Decision) -> Plan:
        try:
            service = await self.actions.service(target)
        except ActionFailed as exc:
            # 404: no such service; 503: no Swarm here at all. A container's name is told
            # apart either way: scaling it means nothing, Swarm or not.
            if exc.status not in (404, 503):
                raise
            standalone = await self.actions.list_containers({})
            if any(target in [n.lstrip("/") for n in c.get("Names") or []]
                   for c in standalone):
                raise Refused(f"{target} is a standalone container: only Swarm services and "
                              "compose services (project/service) can be scaled") from None
            if exc.status != 404:
                raise
            raise Refused(f"no Swarm service {target!r}; compose services are named "
                          "project/service") from None
        spec = service.get("Spec") or {}
        if "Replicated" not in (spec.get("Mode") or {}):
            raise Refused(f"{target} is a global-mode service: it runs one task per node and "
                          "cannot be scaled")
        current = int(spec["Mode"]["Replicated"].get("Replicas", 0))
        service_id = str(service["ID"])

        async def run(note: Journal) -> dict[str, Any]:
            note.trying(f"setting desired replicas of {target} to {replicas}")
            await self._update_replicas(service_id, replicas)
            note.changed(f"service {target}: desired replicas {current} → {replicas}")
            return await self._converge(service_id, target, replicas, note)

        return Plan("scale", target, f"scale Swarm service {target} from {current} to {replicas}",
                    [f"set desired replicas of {target}: {current} → {replicas}",
                     f"wait up to {self.settings.ops.converge_timeout:g} s for tasks to run"],
                    {"replicas": replicas, "from": current, "kind": "swarm"},
                    double_confirm=replicas == 0 or abs(replicas - current) > BIG_CHANGE,
                    decision=decision, run=run)

    async def _update_replicas(self, service_id: str, replicas: int | None = None,
                               delta: int = 0) -> int:
        """Set (or shift by delta) a service's replicas with its version index, retrying when
        another writer got there first. Returns the new count."""
        for attempt in range(UPDATE_RETRIES):
            service = await self.actions.service(service_id)
            spec = service["Spec"]
            if "Replicated" not in (spec.get("Mode") or {}):
                raise Failed(f"service {service_id[:12]} is global-mode: it has no replica "
                             "count to change")
            current = int(spec["Mode"]["Replicated"].get("Replicas", 0))
            wanted = replicas if replicas is not None else current + delta
            spec["Mode"]["Replicated"]["Replicas"] = wanted
            try:
                await self.actions.update_service(service_id, int(service["Version"]["Index"]),
                                                  spec)
                return wanted
            except ActionFailed as exc:
                if "out of sequence" not in str(exc) or attempt == UPDATE_RETRIES - 1:
                    raise
                await asyncio.sleep(0.2 * (attempt + 1))
        raise Failed("service update kept conflicting")  # unreachable; keeps mypy sure

    async def _converge(self, service_id: str, name: str, replicas: int,
                        note: Progress) -> dict[str, Any]:
        deadline = time.monotonic() + self.settings.ops.converge_timeout
        running = -1
        failures: dict[str, str] = {}
        while True:
            tasks = await self.actions.service_tasks(service_id)
            live = [t for t in tasks if t.get("DesiredState") == "running"]
            now_running = sum(1 for t in live if (t.get("Status") or {}).get("State")
                              == "running")
            for task in tasks:
                status = task.get("Status") or {}
                if status.get("State") in ("failed", "rejected") and status.get("Err"):
                    failures[str(task.get("ID"))[:12]] = str(status["Err"])
            if now_running != running:
                running = now_running
                note(f"{name}: {running}/{replicas} tasks running")
            if running == replicas and len(live) == replicas:
                return {"running": running, "desired": replicas, "failed_tasks": failures}
            if time.monotonic() > deadline:
                detail = "; ".join(f"task {k}: {v}" for k, v in list(failures.items())[:3])
                raise Failed(f"{name}: only {running}/{replicas} tasks running after "
                             f"{self.settings.ops.converge_timeout:g} s"
                             + (f" ({detail})" if detail else ""))
            await asyncio.sleep(0.5)

    async def _compose_replicas(self, project: str, service: str) -> list[dict[str, Any]]:
        listed = await self.actions.list_containers({scaling.PROJECT: project,
                                                     scaling.SERVICE: service})
        return [dict(c) for c in scaling.by_number(listed)]

    async def _plan_compose_scale(self, target: str, replicas: int, decision: Decision) -> Plan:
        project, _, service = target.partition("/")
        members = await self._compose_replicas(project, service)
        if not members:
            raise Refused(f"no containers of compose service {target} (labels "
                          f"{scaling.PROJECT}={project}, {scaling.SERVICE}={service})")
        isolated = self.isolations.active_ids()
        # What runs counts, not what exists: a replica left created (or exited) by an act cut
        # short is brought back before any new one is made.
        live, leftovers = scaling.compose_count(members, isolated)
        current = len(live)
        # The template is a replica that runs (else the newest that exists): never a
        # leftover that never ran, which this same plan may remove.
        newest = dict(live[-1]) if live else members[-1]
        revive: list[dict[str, Any]] = []
        new_numbers: list[int] = []
        victims: list[dict[str, Any]] = []
        steps: list[str] = []
        if replicas > current:
            revive = [dict(c) for c in leftovers[:replicas - current]]
            first = max((scaling.number_of(c) for c in members), default=0) + 1
            new_numbers = list(range(first, first + replicas - current - len(revive)))
            for c in revive:
                how = ("start" if scaling.revive_by_starting(c) else
                       "remove and re-create (it never ran: it may be half-made)")
                steps.append(f"{how} {_name(c)}: {scaling.state_of(c)}, not counted as "
                             "running")
            if new_numbers:
                steps.append(f"create {len(new_numbers)} replica(s) of {target} from "
                             f"{_name(newest)} ({one_line(str(newest.get('Image')))}), "
                             f"numbers {new_numbers}")
        elif replicas < current:
            victims = [dict(v) for v in scaling.scale_down_victims(live, replicas, isolated)]
            steps = [f"stop and remove {_name(v)}" for v in victims]
        else:
            steps = [f"nothing to do: {current} replica(s) already running"]
        isolated_here = sum(1 for c in members if str(c.get("Id")) in isolated)
        warnings = [f"{isolated_here} isolated replica(s) are kept and not counted"
                    ] if isolated_here else []
        idle = [c for c in leftovers if all(c["Id"] != r["Id"] for r in revive)]
        if idle:
            warnings.append("not running, not counted, left as they are: " + ", ".join(
                f"{_name(c)} ({scaling.state_of(c)})" for c in idle))

        async def run(note: Journal) -> dict[str, Any]:
            made: list[str] = []
            removed: list[str] = []
            note.partial.update(created=made, removed=removed, **{"from": current,
                                                                  "to": replicas})
            template = await self.actions.inspect(str(newest["Id"])) \
                if revive or new_numbers else {}
            for leftover in revive:
                made.append(await self._revive(leftover, template, note))
            for number in new_numbers:
                made.append(await self._start_replica(template, number, note))
            for victim in victims:
                name = _name(victim)
                note(f"stopping {name}")
                note.trying(f"stopping and removing {name}")
                await self.actions.stop_and_remove(str(victim["Id"]))
                removed.append(name)
                note.changed(f"removed {name}")
            return {"created": made, "removed": removed, "from": current, "to": replicas}

        return Plan("scale", target, f"scale compose service {target} from {current} "
                    f"running to {replicas}", steps,
                    {"replicas": replicas, "from": current, "kind": "compose"},
                    double_confirm=replicas == 0 or abs(replicas - current) > BIG_CHANGE,
                    warnings=warnings, decision=decision, run=run)

    async def _revive(self, leftover: dict[str, Any], template: dict[str, Any],
                      note: Journal) -> str:
        """Bring back a replica that exists and does not run: start one that ran before,
        make one that never ran anew under its number (its create may have been cut short)."""
        name = _name(leftover)
        if scaling.revive_by_starting(leftover):
            note.trying(f"starting {name}")
            await self.actions.start(str(leftover["Id"]))
            note.changed(f"started {name} (was {scaling.state_of(leftover)})")
            return name
        note.trying(f"removing {name} ({scaling.state_of(leftover)}, never ran)")
        await self.actions.stop_and_remove(str(leftover["Id"]))
        note.changed(f"removed {name} ({scaling.state_of(leftover)}, never ran)")
        return await self._start_replica(template, scaling.number_of(leftover), note)

    async def _start_replica(self, template: dict[str, Any], number: int,
                             note: Journal) -> str:
        name, body, extra = scaling.replica_body(template, number)
        return await self._create_started(name, body, extra, note)

    async def _create_started(self, name: str, body: dict[str, Any],
                              extra: list[dict[str, Any]], note: Journal,
                              made: Callable[[str], None] | None = None) -> str:
        """Create, join the other networks, start; `made` learns the new id first."""
        note(f"creating {name}")
        note.trying(f"creating {name}")
        new_id = await self.actions.create(name, body)
        note.changed(f"created {name}", report=False)
        if made is not None:
            made(new_id)
        for endpoint in extra:
            note.trying(f"connecting {name} to {endpoint['network']}")
            await self.actions.network_connect(endpoint["network"], new_id,
                                               scaling.endpoint_config(endpoint))
            note.changed(f"connected {name} to {endpoint['network']}", report=False)
        note.trying(f"starting {name}")
        await self.actions.start(new_id)
        note.changed(f"started {name}")
        return name

    # ---- isolate and release -------------------------------------------------------------

    async def _resolve(self, container: str) -> dict[str, Any]:
        # A container is named by an id or a name: never "" or a path, which the daemon's
        # URL would read as another endpoint ("/containers//json" lists every container).
        if not CONTAINER_REF.fullmatch(container):
            raise Refused(f"no container {one_line(container)!r}")
        try:
            data = await self.actions.inspect(container)
        except ContainerGone:
            raise Refused(f"no container {one_line(container)!r}") from None
        if not isinstance(data, dict) or "Id" not in data:
            raise Refused(f"no container {one_line(container)!r}")
        return data

    async def plan_isolate(self, container: str, replace: bool = True) -> Plan:
        """Cut a faulty instance off, keep its evidence, replace it (fintui/ops/isolation.py);
        an unfinished isolation of it is finished."""
        return await isolation.plan_isolate(self, container, replace)

    async def plan_release(self, container: str) -> Plan:
        """Undo an isolation, finished or cut short: reconnect, restore, unpause."""
        return await isolation.plan_release(self, container)

    # ---- Swarm nodes (fintui/ops/nodes.py) -------------------------------------------------

    async def plan_node(self, node: str, availability: str) -> Plan:
        """Drain a node, or make it active again ("active", "pause", "drain")."""
        return await nodes.plan_node(self, node, availability)

    # ---- clean (fintui/ops/clean.py) -----------------------------------------------------

    async def preview_clean(self, match: str = "", snapshot: ClusterSnapshot | None = None,
                            disk: DiskUsage | None = None) -> CleanupPlan:
        """What a cleanup would remove and spare, now. Changes nothing; needs no role."""
        return await clean.preview_clean(self, match, snapshot, disk)

    async def plan_clean(self, match: str = "", snapshot: ClusterSnapshot | None = None,
                         disk: DiskUsage | None = None) -> Plan:
        return await clean.plan_clean(self, match, snapshot, disk)
