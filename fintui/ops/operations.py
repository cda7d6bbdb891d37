"""Operations: every change goes guard → plan → (confirm) → execute → audit, here and only here.

The TUI and the CLI call these same methods. A refusal and a failure are audited like a success;
an action whose audit record cannot be written does not happen (fail closed)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from fintui.clock import Clock
from fintui.config import Settings
from fintui.core import scaling
from fintui.core.cleanup import CleanupPlan
from fintui.core.text_safety import one_line
from fintui.model import ClusterSnapshot, DiskUsage
from fintui.ops import clean, nodes
from fintui.ops.audit import AuditLog, AuditUnavailable
from fintui.ops.forensics import capture
from fintui.ops.guard import Decision, decide, role_and_basis
from fintui.ops.identity import Identity, current_identity
from fintui.sources.base import (
    ActionFailed,
    ClusterActions,
    ClusterSource,
    ContainerGone,
    SourceUnavailable,
)
from fintui.store.isolations import Isolation, IsolationStore
from fintui.store.private import private_dir
from fintui.store.usage import UsageStore

Progress = Callable[[str], None]
UPDATE_RETRIES = 5  # "update out of sequence": another writer changed the service meanwhile
BIG_CHANGE = 5  # touching more instances than this asks twice


class Refused(Exception):
    """Guard or plan said no; the message is for the operator."""


class Failed(Exception):
    """The action started and did not finish; the message says where it stopped."""


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
    run: Callable[[Progress], Awaitable[dict[str, Any]]] | None = None
    cleanup: CleanupPlan | None = None  # for clean: what it would remove and what it spares
    selected: set[str] | None = None  # for clean: ids the operator kept ticked (None: all)


@dataclass(frozen=True, slots=True)
class Outcome:
    plan: Plan
    result: dict[str, Any]
    lines: list[str]


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
        report = progress or (lambda _line: None)
        decision = self._guard(plan.action, plan.target, plan.parameters)
        try:  # fail closed: no record of the intent, no action
            self._record(plan.action, plan.target, "started", plan.parameters, plan.steps,
                         decision)
        except AuditUnavailable as exc:
            raise Refused(str(exc)) from None
        assert plan.run is not None
        lines: list[str] = []

        def note(line: str) -> None:
            lines.append(line)
            report(line)

        try:
            result = await plan.run(note)
        except (ActionFailed, ContainerGone, SourceUnavailable, Failed, OSError) as exc:
            message = one_line(str(exc) or type(exc).__name__)
            if isinstance(exc, ContainerGone):
                message = f"container {exc} vanished during the action"
            raise Failed(message + self._unrecorded(plan, "failed", decision, error=message)
                         ) from None
        unrecorded = self._unrecorded(plan, "ok", decision, result=result)
        if unrecorded:  # it was done; say so, and that the log lacks its outcome
            raise Failed(f"done, {unrecorded.lstrip('; ')}")
        return Outcome(plan, result, lines)

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
        except (ActionFailed, SourceUnavailable) as exc:
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
            if exc.status != 404:
                raise
            standalone = await self.actions.list_containers({})
            if any(target in [n.lstrip("/") for n in c.get("Names") or []]
                   for c in standalone):
                raise Refused(f"{target} is a standalone container: only Swarm services and "
                              "compose services (project/service) can be scaled") from None
            raise Refused(f"no Swarm service {target!r}; compose services are named "
                          "project/service") from None
        spec = service.get("Spec") or {}
        if "Replicated" not in (spec.get("Mode") or {}):
            raise Refused(f"{target} is a global-mode service: it runs one task per node and "
                          "cannot be scaled")
        current = int(spec["Mode"]["Replicated"].get("Replicas", 0))
        service_id = str(service["ID"])

        async def run(note: Progress) -> dict[str, Any]:
            await self._update_replicas(service_id, replicas)
            note(f"service {target}: desired replicas {current} → {replicas}")
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
        active = [c for c in members if c["Id"] not in isolated]
        current = len(active)
        newest = members[-1]
        if replicas >= current:
            numbers = [scaling.number_of(c) for c in members]
            first = max(numbers, default=0) + 1
            new_numbers = list(range(first, first + replicas - current))
            steps = [f"create {len(new_numbers)} replica(s) of {target} from "
                     f"{one_line(newest['Names'][0].lstrip('/'))} "
                     f"({one_line(str(newest.get('Image')))}), numbers {new_numbers}"
                     ] if new_numbers else ["nothing to do: already at that count"]
            victims: list[dict[str, Any]] = []
        else:
            new_numbers = []
            victims = [dict(v) for v in scaling.scale_down_victims(active, replicas, isolated)]
            steps = [f"stop and remove {one_line(v['Names'][0].lstrip('/'))}" for v in victims]
        warnings = [f"{len(members) - current} isolated replica(s) are kept and not counted"
                    ] if len(members) > current else []

        async def run(note: Progress) -> dict[str, Any]:
            made, removed = [], []
            if new_numbers:
                template = await self.actions.inspect(str(newest["Id"]))
                for number in new_numbers:
                    made.append(await self._start_replica(template, number, note))
            for victim in victims:
                name = victim["Names"][0].lstrip("/")
                note(f"stopping {name}")
                await self.actions.stop_and_remove(str(victim["Id"]))
                removed.append(name)
                note(f"removed {name}")
            return {"created": made, "removed": removed, "from": current, "to": replicas}

        return Plan("scale", target, f"scale compose service {target} from {current} to "
                    f"{replicas}", steps,
                    {"replicas": replicas, "from": current, "kind": "compose"},
                    double_confirm=replicas == 0 or abs(replicas - current) > BIG_CHANGE,
                    warnings=warnings, decision=decision, run=run)

    async def _start_replica(self, template: dict[str, Any], number: int,
                             note: Progress) -> str:
        name, body, extra = scaling.replica_body(template, number)
        return await self._create_started(name, body, extra, note)

    async def _create_started(self, name: str, body: dict[str, Any],
                              extra: list[dict[str, Any]], note: Progress) -> str:
        note(f"creating {name}")
        new_id = await self.actions.create(name, body)
        for endpoint in extra:
            await self.actions.network_connect(endpoint["network"], new_id,
                                               scaling.endpoint_config(endpoint))
        await self.actions.start(new_id)
        note(f"started {name}")
        return name

    # ---- isolate and release -------------------------------------------------------------

    async def _resolve(self, container: str) -> dict[str, Any]:
        try:
            return await self.actions.inspect(container)
        except ContainerGone:
            raise Refused(f"no container {container!r}") from None

    async def plan_isolate(self, container: str, replace: bool = True) -> Plan:
        parameters = {"replace": replace}

        async def build(decision: Decision) -> Plan:
            data = await self._resolve(container)
            cid, name = str(data["Id"]), str(data.get("Name", "")).lstrip("/")
            existing = self.isolations.active(cid)
            if existing:
                raise Refused(f"{name} is already isolated (since {existing.isolated_at}); "
                              "release it first")
            labels = (data.get("Config") or {}).get("Labels") or {}
            endpoints = scaling.network_endpoints(data)
            detachable = [e for e in endpoints if e["network"] not in scaling.UNDETACHABLE]
            warnings = [f"network mode {e['network']}: cannot be cut off, it is paused only"
                        for e in endpoints if e["network"] in scaling.UNDETACHABLE]
            state = (data.get("State") or {}).get("Status")
            if state != "running":
                warnings.append(f"it is {state}, not running: nothing to pause")
            replacement = ("none (--no-replace)" if not replace
                           else f"raise Swarm service {labels[scaling.SWARM_SERVICE_NAME]} "
                                "by one replica" if scaling.SWARM_SERVICE_ID in labels
                           else "a new replica of compose service "
                                f"{labels[scaling.PROJECT]}/{labels[scaling.SERVICE]}"
                           if scaling.SERVICE in labels and scaling.PROJECT in labels
                           else f"a clone named {name}-replacement")
            policy = ((data.get("HostConfig") or {}).get("RestartPolicy") or {}).get("Name")
            steps = [
                "capture forensics: inspect, last "
                f"{self.settings.ops.log_lines} log lines, filesystem diff, stats, processes",
                *(f"disconnect from network {one_line(e['network'])}" for e in detachable),
                f"set restart policy to no (was {policy or 'no'})",
                "pause it (memory kept for inspection)" if state == "running"
                else "leave it stopped",
                f"start a replacement: {replacement}",
            ]

            async def run(note: Progress) -> dict[str, Any]:
                return await self._isolate(data, replace, note)

            return Plan("isolate", name, f"isolate {name}", steps, parameters,
                        warnings=warnings, decision=decision, run=run)

        return await self._planned("isolate", container, parameters, build)

    async def _isolate(self, data: dict[str, Any], replace: bool, note: Progress
                       ) -> dict[str, Any]:
        cid, name = str(data["Id"]), str(data.get("Name", "")).lstrip("/")
        if self.isolations.active(cid):
            raise Failed(f"{name} was isolated by someone else meanwhile")
        # 1. Evidence first: a later daemon restart would take a paused container's memory.
        bundle = await capture(self.actions, cid, name, self.settings.state_dir / "forensics",
                               self.clock.now(), self.settings.ops.log_lines)
        note(f"forensics saved in {bundle.path}")
        # 2. Cut it off.
        endpoints = scaling.network_endpoints(data)
        detached = []
        for endpoint in endpoints:
            if endpoint["network"] in scaling.UNDETACHABLE:
                continue
            await self.actions.network_disconnect(endpoint["network"], cid)
            detached.append(endpoint)
            note(f"disconnected from {endpoint['network']}")
        policy = dict((data.get("HostConfig") or {}).get("RestartPolicy") or {"Name": "no"})
        await self.actions.set_restart_policy(cid, {"Name": "no", "MaximumRetryCount": 0})
        note("restart policy set to no")
        if (data.get("State") or {}).get("Status") == "running":
            await self.actions.pause(cid)
            note("paused")
        # 3. Replace it.
        replacement = ""
        if replace:
            replacement = await self._replace(data, note)
        # 4. Remember it, so the pane marks it and release can undo it.
        self.isolations.record(Isolation(cid, name, _now_iso(self.clock), detached, policy,
                                         replacement, str(bundle.path)))
        return {"container": cid, "bundle": str(bundle.path),
                "manifest_sha256": bundle.manifest_sha256, "networks": detached,
                "previous_restart_policy": policy, "replacement": replacement,
                "not_captured": bundle.missing}

    async def _replace(self, data: dict[str, Any], note: Progress) -> str:
        labels = (data.get("Config") or {}).get("Labels") or {}
        name = str(data.get("Name", "")).lstrip("/")
        if scaling.SWARM_SERVICE_ID in labels:
            # Swarm does not replace a paused task: ask for one more.
            service = labels.get(scaling.SWARM_SERVICE_NAME, labels[scaling.SWARM_SERVICE_ID])
            count = await self._update_replicas(labels[scaling.SWARM_SERVICE_ID], delta=1)
            note(f"service {service}: replicas raised to {count}")
            return f"service {service} replicas {count - 1} → {count}"
        if scaling.SERVICE in labels and scaling.PROJECT in labels:
            members = await self._compose_replicas(labels[scaling.PROJECT],
                                                   labels[scaling.SERVICE])
            number = max((scaling.number_of(c) for c in members), default=0) + 1
            return await self._start_replica(data, number, note)
        stamp = self.clock.now().strftime("%Y%m%d%H%M%S")
        body, extra = scaling.clone_body(data)
        return await self._create_started(f"{name}-replacement-{stamp}", body, extra, note)

    async def plan_release(self, container: str) -> Plan:
        async def build(decision: Decision) -> Plan:
            data = await self._resolve(container)
            cid, name = str(data["Id"]), str(data.get("Name", "")).lstrip("/")
            isolation = self.isolations.active(cid)
            if isolation is None:
                raise Refused(f"{name} is not isolated: nothing to release")
            policy = isolation.restart_policy.get("Name") or "no"
            steps = [*(f"reconnect network {one_line(e['network'])} with aliases "
                       f"{', '.join(e['aliases']) or '-'}" for e in isolation.networks),
                     f"restore restart policy {policy}",
                     "unpause it" if (data.get("State") or {}).get("Paused") else
                     "leave its run state as it is"]
            warnings = [f"the replacement ({isolation.replacement}) keeps running: remove or "
                        "scale it down yourself if it is no longer wanted"
                        ] if isolation.replacement else []

            async def run(note: Progress) -> dict[str, Any]:
                for endpoint in isolation.networks:
                    await self.actions.network_connect(endpoint["network"], cid,
                                                       scaling.endpoint_config(endpoint))
                    note(f"reconnected {endpoint['network']}")
                await self.actions.set_restart_policy(cid, isolation.restart_policy)
                note(f"restart policy restored to {policy}")
                current = await self.actions.inspect(cid)
                if (current.get("State") or {}).get("Paused"):
                    await self.actions.unpause(cid)
                    note("unpaused")
                self.isolations.release(cid, _now_iso(self.clock))
                return {"container": cid, "networks": isolation.networks,
                        "replacement_left_running": isolation.replacement}

            return Plan("release", name, f"release {name}", steps, {}, warnings=warnings,
                        decision=decision, run=run)

        return await self._planned("release", container, {}, build)

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
