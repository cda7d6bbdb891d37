"""Isolate in the operations layer (release: release.py).

Isolation records itself (with the container's original restart policy and networks) before
it changes anything and notes each step as it is done, so an isolation cut short can be
finished by isolating again, or undone by release, and neither ever takes `no` (set by the
first attempt) for the original restart policy. Execution works from a fresh read of the
container, not the one the plan was made from."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from fintui.core import scaling
from fintui.core.act_journal import Journal
from fintui.core.text_safety import one_line
from fintui.model_ops import NO_RESTART, ContainerFacts, NetworkAttachment, RestartPolicy
from fintui.ops.forensics import capture
from fintui.ops.guard import Decision
from fintui.ops.plan import Acting, Failed, Plan, Refused, now_iso
from fintui.ops.replicas import Copying, compose_replicas, create_started
from fintui.ops.scale import set_replicas
from fintui.sources.base import ContainerGone, NoSuchService
from fintui.sources.capabilities import ContainerReader
from fintui.store.db import StateUnavailable
from fintui.store.isolations import ISOLATED, PARTIAL, Isolation

__all__ = ["NO_RESTART", "Replacement", "Target", "plan_isolate", "state_of_container",
           "taken"]


@dataclass
class Replacement:
    kind: str  # none, swarm, compose, clone, have, swarm-own (Swarm has replaced it)
    text: str  # what the plan says
    service_id: str = ""
    warning: str = ""


@dataclass
class Target:
    """What isolating one container means now: from its facts and any unfinished record."""
    facts: ContainerFacts  # as it is now
    existing: Isolation | None  # an unfinished isolation of it, to be finished
    running: bool
    cut: list[NetworkAttachment]  # networks it is on now and can leave
    networks: list[NetworkAttachment]  # every network to give back on release
    policy: RestartPolicy  # the original restart policy
    replacement: Replacement
    warnings: list[str] = field(default_factory=list)

    @property
    def cid(self) -> str:
        return self.facts.id

    @property
    def name(self) -> str:
        return self.facts.name


async def _target(ops: Acting, facts: ContainerFacts, replace: bool) -> Target:
    existing = ops.isolations.active(facts.id)
    if existing and not existing.partial:
        raise Refused(f"{facts.name} is already isolated (since {existing.isolated_at}); "
                      "release it first")
    if existing and not existing.bundle and not existing.done:
        raise Refused(taken(facts.name, existing))
    cut = [n for n in facts.networks if n.network not in scaling.UNDETACHABLE]
    warnings = [f"network mode {n.network}: cannot be cut off, it is paused only"
                for n in facts.networks if n.network in scaling.UNDETACHABLE]
    running = facts.state == "running"
    if not running and not (existing and facts.paused):
        warnings.append(f"it is {facts.state}, not running: nothing to pause")
    policy = facts.restart_policy
    networks = cut
    if existing:  # the first attempt's record knows what it was before that attempt
        policy = RestartPolicy.from_record(existing.restart_policy)
        recorded = [NetworkAttachment.from_record(n) for n in existing.networks]
        known = {n.network for n in recorded}
        networks = [*recorded, *(n for n in cut if n.network not in known)]
        warnings.insert(0, f"an isolation begun {existing.isolated_at} stopped half-way; "
                           "this finishes it (original restart policy "
                           f"{policy.label} kept for release)")
    replacement = await _replacement(ops, facts, replace, existing)
    if replacement.warning:
        warnings.append(replacement.warning)
    return Target(facts, existing, running, cut, networks, policy, replacement, warnings)


def taken(name: str, other: Isolation) -> str:
    """Why an isolation cannot start: another one holds the container's record."""
    if not other.partial:
        return f"{name} was isolated by someone else meanwhile (since {other.isolated_at})"
    return (f"{name} is being isolated by another session (begun {other.isolated_at}); "
            f"if that session is gone, `fintui release {name}` clears its record")


async def _replacement(ops: Acting, facts: ContainerFacts, replace: bool,
                       existing: Isolation | None) -> Replacement:
    if not replace:
        return Replacement("none", "none (--no-replace)")
    if existing and existing.replacement and not existing.replacement_id:
        return Replacement("have", f"none: already done ({existing.replacement})")
    if existing and existing.replacement_id:
        made = await state_of_container(ops.actions, existing.replacement_id)
        if made in scaling.LIVE_STATES:
            return Replacement("have", f"none: {existing.replacement} already runs")
    if facts.swarm_service_id:
        service_name = facts.swarm_service_name
        try:
            service = await ops.actions.service(facts.swarm_service_id)
        except NoSuchService:
            return Replacement("none", "none", warning=f"its Swarm service {service_name} no "
                               "longer exists: nothing can replace it")
        if facts.state not in ("running", "paused"):
            # Swarm replaces a task that is no longer running by itself (it has already
            # started one for its slot): one more replica would be one too many.
            return Replacement("swarm-own", "no replacement to start: Swarm has started a "
                               f"task of its own in its place (it is {facts.state})",
                               warning=f"it is a Swarm task that is {facts.state}: Swarm "
                               f"replaces it itself, so {service_name} is not raised")
        # Swarm stops a task whose health check fails (paused or not) once its stop grace
        # period is over, and starts its own: the isolated task dies then.
        mortal = (f"Swarm stops an unhealthy task after its stop grace period "
                  f"({service.stop_grace:g}s), paused or not: its evidence is in the bundle; "
                  "the exited container stays for its logs") if facts.health else ""
        if not service.replicated:
            # Swarm keeps a paused task as running: a global service gets no new one.
            return Replacement("none", "none", warning=(
                f"{service_name} is a global-mode Swarm service: it runs one task per node "
                "and Swarm does not replace a paused task, so this node runs none of it "
                "until release (drain the node instead to move the work)"
                + (f"; {mortal}" if mortal else "")))
        return Replacement("swarm", f"raise Swarm service {service_name} by one replica",
                           facts.swarm_service_id, warning=mortal)
    if facts.compose_service and facts.compose_project:
        return Replacement("compose", "a new replica of compose service "
                           f"{facts.compose_project}/{facts.compose_service}")
    return Replacement("clone", f"a clone named {facts.name}-replacement-<time stamp>")


async def state_of_container(reader: ContainerReader, container: str) -> str:
    """A container's run state; "" when it does not exist."""
    try:
        return (await reader.container(container)).state
    except ContainerGone:
        return ""


def _steps(ops: Acting, target: Target) -> list[str]:
    left = f" (left {', '.join(target.existing.done)})" if target.existing and \
        target.existing.done else ""
    return [
        f"keep the forensics captured then: {target.existing.bundle}{left}" if target.existing
        else "capture forensics: inspect, last "
             f"{ops.settings.isolate.log_lines} log lines, filesystem diff, stats, processes",
        *(f"disconnect from network {one_line(n.network)}" for n in target.cut),
        f"set restart policy to no (was {target.policy.label})",
        "pause it (memory kept for inspection)" if target.running else "leave it stopped"
        if not target.existing else "leave its run state as it is",
        target.replacement.text if target.replacement.kind == "swarm-own"
        else f"start a replacement: {target.replacement.text}",
    ]


async def plan_isolate(ops: Acting, container: str, replace: bool = True) -> Plan:
    parameters = {"replace": replace}

    async def build(decision: Decision) -> Plan:
        target = await _target(ops, await ops.resolve(container), replace)

        async def run(note: Journal) -> dict[str, Any]:
            return await _isolate(ops, target, replace, note)

        verb = "finish isolating" if target.existing else "isolate"
        return Plan("isolate", target.name, f"{verb} {target.name}", _steps(ops, target),
                    parameters, warnings=target.warnings, decision=decision, run=run)

    return await ops.planned("isolate", container, parameters, build)


def _moved(planned: Target, now: Target) -> list[str]:
    """How the container changed between plan and confirmation, in the operator's words."""
    out = []
    if planned.running != now.running:
        out.append(f"it is {now.facts.state} now (was {planned.facts.state})")
    before = {n.network for n in planned.cut}
    after = {n.network for n in now.cut}
    out += [f"it joined network {n}" for n in sorted(after - before)]
    out += [f"it left network {n}" for n in sorted(before - after)]
    if planned.replacement.kind != now.replacement.kind:
        out.append(f"replacement now: {now.replacement.text}")
    return out


def _records(networks: list[NetworkAttachment]) -> list[dict[str, Any]]:
    return [n.to_record() for n in networks]


async def _isolate(ops: Acting, planned: Target, replace: bool, note: Journal
                   ) -> dict[str, Any]:
    facts = await ops.actions.container(planned.cid)  # as it is now, not as planned
    other = ops.isolations.active(planned.cid)
    if planned.existing is None and other:
        raise Refused(taken(planned.name, other))
    try:
        target = await _target(ops, facts, replace)
    except Refused as exc:  # isolated by someone else since the plan
        raise Failed(str(exc)) from None
    moved = _moved(planned, target)
    for change in moved:
        note(f"changed since the plan: {change}; isolating it as it is now")
    cid, name = target.cid, target.name
    note.undo = f"`fintui release {name}` undoes it"
    # 1. On record before anything changes, forensics included: the record is the lock that
    # keeps a second session off the container, and release can undo whatever follows.
    if target.existing:
        ops.isolations.update(cid, networks=_records(target.networks))
    else:
        claimed = ops.isolations.claim(Isolation(
            cid, name, now_iso(ops.clock), _records(target.networks),
            target.policy.to_record(), "", "", PARTIAL))
        if claimed:
            raise Refused(taken(name, claimed))
    # 2. Evidence first: a later daemon restart would take a paused container's memory.
    if target.existing:
        bundle_path, digest, missing = target.existing.bundle, "", {}
        done = list(target.existing.done)
        note(f"forensics kept from the first attempt: {bundle_path}")
    else:
        try:
            bundle = await capture(ops.actions, cid, name,
                                   ops.settings.paths.state_dir / "forensics",
                                   ops.clock.now(), ops.settings.isolate.log_lines)
        except BaseException:  # nothing was changed: the container is free again
            with contextlib.suppress(StateUnavailable):
                ops.isolations.forget(cid)
            raise
        bundle_path, digest, missing = str(bundle.path), bundle.manifest_sha256, bundle.missing
        done = []
        ops.isolations.update(cid, bundle=bundle_path)
        note(f"forensics saved in {bundle_path}")

    def step(line: str) -> None:
        note.changed(line)
        done.append(line)
        ops.isolations.update(cid, done=done)

    # 3. Cut it off.
    for attachment in target.cut:
        note.trying(f"disconnecting from {attachment.network}")
        await ops.actions.network_disconnect(attachment.network, cid)
        step(f"disconnected from {attachment.network}")
    note.trying("setting restart policy to no")
    await ops.actions.set_restart_policy(cid, NO_RESTART)
    step("restart policy set to no")
    if target.running:
        note.trying("pausing")
        await ops.actions.pause(cid)
        step("paused")
    # 4. Replace it, from the container as it was before isolation changed it.
    replacement = await _replace(ops, target, note, step)
    ops.isolations.update(cid, state=ISOLATED)
    result: dict[str, Any] = {
        "container": cid, "bundle": bundle_path, "manifest_sha256": digest,
        "networks": _records(target.networks),
        "previous_restart_policy": target.policy.to_record(),
        "replacement": replacement, "not_captured": missing}
    if moved:
        result["changed_since_plan"] = moved
    if target.existing:
        result["finished"] = target.existing.isolated_at
    return result


async def _replace(ops: Acting, target: Target, note: Journal,
                   step: Callable[[str], None]) -> str:
    plan = target.replacement
    cid = target.cid
    if plan.kind in ("none", "have", "swarm-own"):
        if plan.warning:
            note(f"no replacement: {plan.warning}")
        return target.existing.replacement if target.existing else ""
    if plan.kind == "swarm":
        # Swarm does not replace a paused task: ask for one more.
        service = plan.text.removeprefix("raise Swarm service ").removesuffix(
            " by one replica")
        note.trying(f"raising service {service} by one replica")
        count = await set_replicas(ops.actions, plan.service_id, delta=1)
        text = f"service {service} replicas {count - 1} → {count}"
        ops.isolations.update(cid, replacement=text)
        step(f"service {service}: replicas raised to {count}")
        return text
    actions: Copying = ops.actions
    if target.existing and target.existing.replacement_id:
        # The first attempt's replacement never ran: it may be half-built, so make it anew.
        old = target.existing.replacement_id
        if await state_of_container(ops.actions, old):
            note.trying(f"removing {old}, made by the first attempt and never started")
            await actions.stop_and_remove(old)
            step(f"removed {old} (made by the first attempt, never started)")
    facts = target.facts
    labels = dict(facts.labels)
    if plan.kind == "compose":
        members = await compose_replicas(ops.actions, facts.compose_project,
                                         facts.compose_service)
        number = scaling.next_number(members)
        name = scaling.replica_name(facts.name, facts.compose_project, facts.compose_service,
                                    number)
        labels = scaling.replica_labels(facts, number)
    else:
        stamp = ops.clock.now().strftime("%Y%m%d%H%M%S")
        name = f"{target.name}-replacement-{stamp}"
    # Its name is on record before it is asked for: one made by a daemon that stopped
    # answering is still found (by name) and removed by release. It is made as the container
    # was before isolation: its networks and restart policy from then.
    ops.isolations.update(cid, replacement=name, replacement_id=name)
    networks = {n.network: n for n in facts.networks if n.network not in scaling.UNDETACHABLE}
    networks.update({n.network: n for n in target.networks if n.network not in networks})
    return await create_started(actions, facts, name, labels, networks.values(),
                                target.policy, note, made=lambda new_id: ops.isolations.update(
                                    cid, replacement_id=new_id))
