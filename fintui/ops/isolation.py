"""Isolate and release in the operations layer.

Isolation records itself (with the container's original restart policy and networks) before
it changes anything and notes each step as it is done, so an isolation cut short can be
finished by isolating again, or undone by release, and neither ever takes `no` (set by the
first attempt) for the original restart policy. Execution works from a fresh inspect, not the
one the plan was made from."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from fintui.core import scaling
from fintui.core.text_safety import one_line
from fintui.ops.forensics import capture
from fintui.sources.base import ActionFailed, ContainerGone
from fintui.store.db import StateUnavailable
from fintui.store.isolations import ISOLATED, PARTIAL, Isolation

if TYPE_CHECKING:
    from fintui.core.act_journal import Journal
    from fintui.ops.guard import Decision
    from fintui.ops.operations import Operations, Plan

NO_RESTART = {"Name": "no", "MaximumRetryCount": 0}


@dataclass
class Replacement:
    kind: str  # none, swarm, compose, clone, have
    text: str  # what the plan says
    service_id: str = ""
    warning: str = ""


@dataclass
class Target:
    """What isolating one container means now: from its inspect and any unfinished record."""
    data: dict[str, Any]  # the inspect, as it is now
    existing: Isolation | None  # an unfinished isolation of it, to be finished
    running: bool
    cut: list[dict[str, Any]]  # networks it is on now and can leave
    networks: list[dict[str, Any]]  # every network to give back on release
    policy: dict[str, Any]  # the original restart policy
    replacement: Replacement
    warnings: list[str] = field(default_factory=list)

    @property
    def cid(self) -> str:
        return str(self.data["Id"])

    @property
    def name(self) -> str:
        return str(self.data.get("Name", "")).lstrip("/")


async def _target(ops: Operations, data: dict[str, Any], replace: bool) -> Target:
    from fintui.ops.operations import Refused

    cid, name = str(data["Id"]), str(data.get("Name", "")).lstrip("/")
    existing = ops.isolations.active(cid)
    if existing and not existing.partial:
        raise Refused(f"{name} is already isolated (since {existing.isolated_at}); "
                      "release it first")
    if existing and not existing.bundle and not existing.done:
        raise Refused(_taken(name, existing))
    endpoints = scaling.network_endpoints(data)
    cut = [e for e in endpoints if e["network"] not in scaling.UNDETACHABLE]
    warnings = [f"network mode {e['network']}: cannot be cut off, it is paused only"
                for e in endpoints if e["network"] in scaling.UNDETACHABLE]
    state = scaling.state_of(data)
    running = state == "running"
    if state != "running" and not (existing and state == "paused"):
        warnings.append(f"it is {state}, not running: nothing to pause")
    policy = dict((data.get("HostConfig") or {}).get("RestartPolicy") or {"Name": "no"})
    networks = cut
    if existing:  # the first attempt's record knows what it was before that attempt
        policy = existing.restart_policy
        known = {e["network"] for e in existing.networks}
        networks = [*existing.networks, *(e for e in cut if e["network"] not in known)]
        warnings.insert(0, f"an isolation begun {existing.isolated_at} stopped half-way; "
                           "this finishes it (original restart policy "
                           f"{policy.get('Name') or 'no'} kept for release)")
    replacement = await _replacement(ops, data, replace, existing)
    if replacement.warning:
        warnings.append(replacement.warning)
    return Target(data, existing, running, cut, networks, policy, replacement, warnings)


def _taken(name: str, other: Isolation) -> str:
    """Why an isolation cannot start: another one holds the container's record."""
    if not other.partial:
        return f"{name} was isolated by someone else meanwhile (since {other.isolated_at})"
    return (f"{name} is being isolated by another session (begun {other.isolated_at}); "
            f"if that session is gone, `fintui release {name}` clears its record")


async def _replacement(ops: Operations, data: dict[str, Any], replace: bool,
                       existing: Isolation | None) -> Replacement:
    labels = (data.get("Config") or {}).get("Labels") or {}
    name = str(data.get("Name", "")).lstrip("/")
    if not replace:
        return Replacement("none", "none (--no-replace)")
    if existing and existing.replacement and not existing.replacement_id:
        return Replacement("have", f"none: already done ({existing.replacement})")
    if existing and existing.replacement_id:
        made = await _state(ops, existing.replacement_id)
        if made in scaling.LIVE_STATES:
            return Replacement("have", f"none: {existing.replacement} already runs")
    if scaling.SWARM_SERVICE_ID in labels:
        service_id = labels[scaling.SWARM_SERVICE_ID]
        service_name = labels.get(scaling.SWARM_SERVICE_NAME, service_id)
        try:
            service = await ops.actions.service(service_id)
        except ActionFailed as exc:
            if exc.status != 404:
                raise
            return Replacement("none", "none", warning=f"its Swarm service {service_name} no "
                               "longer exists: nothing can replace it")
        if "Replicated" not in ((service.get("Spec") or {}).get("Mode") or {}):
            # Swarm keeps a paused task as running: a global service gets no new one.
            return Replacement("none", "none", warning=(
                f"{service_name} is a global-mode Swarm service: it runs one task per node "
                "and Swarm does not replace a paused task, so this node runs none of it "
                "until release (drain the node instead to move the work)"))
        return Replacement("swarm", f"raise Swarm service {service_name} by one replica",
                           service_id)
    if scaling.SERVICE in labels and scaling.PROJECT in labels:
        return Replacement("compose", "a new replica of compose service "
                           f"{labels[scaling.PROJECT]}/{labels[scaling.SERVICE]}")
    return Replacement("clone", f"a clone named {name}-replacement-<time stamp>")


async def _state(ops: Operations, container: str) -> str:
    """A container's run state; "" when it does not exist."""
    try:
        return scaling.state_of(await ops.actions.inspect(container))
    except ContainerGone:
        return ""


def _steps(ops: Operations, target: Target) -> list[str]:
    left = f" (left {', '.join(target.existing.done)})" if target.existing and \
        target.existing.done else ""
    return [
        f"keep the forensics captured then: {target.existing.bundle}{left}" if target.existing
        else "capture forensics: inspect, last "
             f"{ops.settings.ops.log_lines} log lines, filesystem diff, stats, processes",
        *(f"disconnect from network {one_line(e['network'])}" for e in target.cut),
        f"set restart policy to no (was {target.policy.get('Name') or 'no'})",
        "pause it (memory kept for inspection)" if target.running else "leave it stopped"
        if not target.existing else "leave its run state as it is",
        f"start a replacement: {target.replacement.text}",
    ]


async def plan_isolate(ops: Operations, container: str, replace: bool = True) -> Plan:
    from fintui.ops.operations import Plan

    parameters = {"replace": replace}

    async def build(decision: Decision) -> Plan:
        target = await _target(ops, await ops._resolve(container), replace)

        async def run(note: Journal) -> dict[str, Any]:
            return await _isolate(ops, target, replace, note)

        verb = "finish isolating" if target.existing else "isolate"
        return Plan("isolate", target.name, f"{verb} {target.name}", _steps(ops, target),
                    parameters, warnings=target.warnings, decision=decision, run=run)

    return await ops._planned("isolate", container, parameters, build)


def _moved(planned: Target, now: Target) -> list[str]:
    """How the container changed between plan and confirmation, in the operator's words."""
    out = []
    if planned.running != now.running:
        out.append(f"it is {scaling.state_of(now.data)} now (was "
                   f"{scaling.state_of(planned.data)})")
    before = {e["network"] for e in planned.cut}
    after = {e["network"] for e in now.cut}
    out += [f"it joined network {n}" for n in sorted(after - before)]
    out += [f"it left network {n}" for n in sorted(before - after)]
    if planned.replacement.kind != now.replacement.kind:
        out.append(f"replacement now: {now.replacement.text}")
    return out


async def _isolate(ops: Operations, planned: Target, replace: bool, note: Journal
                   ) -> dict[str, Any]:
    from fintui.ops.operations import Failed, Refused, _now_iso

    data = await ops.actions.inspect(planned.cid)  # as it is now, not as planned
    other = ops.isolations.active(planned.cid)
    if planned.existing is None and other:
        raise Refused(_taken(planned.name, other))
    try:
        target = await _target(ops, data, replace)
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
        ops.isolations.update(cid, networks=target.networks)
    else:
        taken = ops.isolations.claim(Isolation(cid, name, _now_iso(ops.clock),
                                               target.networks, target.policy, "", "",
                                               PARTIAL))
        if taken:
            raise Refused(_taken(name, taken))
    # 2. Evidence first: a later daemon restart would take a paused container's memory.
    if target.existing:
        bundle_path, digest, missing = target.existing.bundle, "", {}
        done = list(target.existing.done)
        note(f"forensics kept from the first attempt: {bundle_path}")
    else:
        try:
            bundle = await capture(ops.actions, cid, name, ops.settings.state_dir / "forensics",
                                   ops.clock.now(), ops.settings.ops.log_lines)
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
    for endpoint in target.cut:
        note.trying(f"disconnecting from {endpoint['network']}")
        await ops.actions.network_disconnect(endpoint["network"], cid)
        step(f"disconnected from {endpoint['network']}")
    note.trying("setting restart policy to no")
    await ops.actions.set_restart_policy(cid, NO_RESTART)
    step("restart policy set to no")
    if target.running:
        note.trying("pausing")
        await ops.actions.pause(cid)
        step("paused")
    # 4. Replace it, from the container as it was before isolation changed it.
    template = scaling.as_before(data, target.networks, target.policy)
    replacement = await _replace(ops, target, template, note, step)
    ops.isolations.update(cid, state=ISOLATED)
    result: dict[str, Any] = {
        "container": cid, "bundle": bundle_path, "manifest_sha256": digest,
        "networks": target.networks, "previous_restart_policy": target.policy,
        "replacement": replacement, "not_captured": missing}
    if moved:
        result["changed_since_plan"] = moved
    if target.existing:
        result["finished"] = target.existing.isolated_at
    return result


async def _replace(ops: Operations, target: Target, template: dict[str, Any], note: Journal,
                   step: Callable[[str], None]) -> str:
    plan = target.replacement
    cid = target.cid
    if plan.kind in ("none", "have"):
        if plan.warning:
            note(f"no replacement: {plan.warning}")
        return target.existing.replacement if target.existing else ""
    if plan.kind == "swarm":
        # Swarm does not replace a paused task: ask for one more.
        service = plan.text.removeprefix("raise Swarm service ").removesuffix(
            " by one replica")
        note.trying(f"raising service {service} by one replica")
        count = await ops._update_replicas(plan.service_id, delta=1)
        text = f"service {service} replicas {count - 1} → {count}"
        ops.isolations.update(cid, replacement=text)
        step(f"service {service}: replicas raised to {count}")
        return text
    if target.existing and target.existing.replacement_id:
        # The first attempt's replacement never ran: it may be half-built, so make it anew.
        old = target.existing.replacement_id
        if await _state(ops, old):
            note.trying(f"removing {old}, made by the first attempt and never started")
            await ops.actions.stop_and_remove(old)
            step(f"removed {old} (made by the first attempt, never started)")
    labels = (template.get("Config") or {}).get("Labels") or {}
    if plan.kind == "compose":
        members = await ops._compose_replicas(labels[scaling.PROJECT], labels[scaling.SERVICE])
        number = max((scaling.number_of(c) for c in members), default=0) + 1
        name, body, extra = scaling.replica_body(template, number)
    else:
        stamp = ops.clock.now().strftime("%Y%m%d%H%M%S")
        name = f"{target.name}-replacement-{stamp}"
        body, extra = scaling.clone_body(template)
    # Its name is on record before it is asked for: one made by a daemon that stopped
    # answering is still found (by name) and removed by release.
    ops.isolations.update(cid, replacement=name, replacement_id=name)
    await ops._create_started(name, body, extra, note,
                              made=lambda new_id: ops.isolations.update(
                                  cid, replacement_id=new_id))
    return name


async def plan_release(ops: Operations, container: str) -> Plan:
    from fintui.ops.operations import Plan, Refused

    async def build(decision: Decision) -> Plan:
        data = await ops._resolve(container)
        cid, name = str(data["Id"]), str(data.get("Name", "")).lstrip("/")
        isolation = ops.isolations.active(cid)
        if isolation is None:
            raise Refused(f"{name} is not isolated: nothing to release")
        steps, warnings, leftover = await _release_steps(ops, data, isolation)

        async def run(note: Journal) -> dict[str, Any]:
            return await _release(ops, cid, isolation, note)

        if isolation.partial:
            # Read from the container, not only the record: a change asked for whose answer
            # never came (the daemon frozen) may have been made all the same.
            found = _still_changed(data, isolation)
            if leftover:
                found.append(f"its replacement {isolation.replacement} created, never started")
            warnings.insert(0, f"its isolation stopped half-way (recorded as done: "
                               f"{'; '.join(isolation.done) or 'nothing'}); found on it now: "
                               f"{'; '.join(found) or 'nothing of the isolation'}: release "
                               "puts back what is still changed")
        return Plan("release", name, f"release {name}", steps, {}, warnings=warnings,
                    decision=decision, run=run)

    return await ops._planned("release", container, {}, build)


def _policy_name(policy: dict[str, Any] | None) -> str:
    return str((policy or {}).get("Name") or "no")


def _still_changed(data: dict[str, Any], isolation: Isolation) -> list[str]:
    """What of an isolation the container shows now, in the operator's words."""
    on = {e["network"] for e in scaling.network_endpoints(data)}
    found = [f"off network {one_line(e['network'])}" for e in isolation.networks
             if e["network"] not in on]
    now = _policy_name((data.get("HostConfig") or {}).get("RestartPolicy"))
    was = _policy_name(isolation.restart_policy)
    if now != was:
        found.append(f"restart policy {now} (was {was})")
    if (data.get("State") or {}).get("Paused"):
        found.append("paused")
    return found


async def _release_steps(ops: Operations, data: dict[str, Any], isolation: Isolation
                         ) -> tuple[list[str], list[str], str]:
    """The plan's steps and warnings; and the replacement to remove ("" for none): one the
    isolation asked for and that never ran."""
    on = {e["network"] for e in scaling.network_endpoints(data)}
    policy = isolation.restart_policy.get("Name") or "no"
    leftover = ""
    warnings = []
    if isolation.replacement_id:
        state = await _state(ops, isolation.replacement_id)
        if state and state not in scaling.LIVE_STATES and state != "exited":
            leftover = isolation.replacement_id
        elif state:
            warnings.append(f"the replacement ({isolation.replacement}) keeps running: remove "
                            "or scale it down yourself if it is no longer wanted")
        else:
            warnings.append(f"its replacement ({isolation.replacement}) no longer exists")
    elif isolation.replacement:
        warnings.append(f"the replacement ({isolation.replacement}) keeps running: remove or "
                        "scale it down yourself if it is no longer wanted")
    steps = [*(f"reconnect network {one_line(e['network'])} with aliases "
               f"{', '.join(e['aliases']) or '-'}" for e in isolation.networks
               if e["network"] not in on),
             f"restore restart policy {policy}",
             "unpause it" if (data.get("State") or {}).get("Paused") else
             "leave its run state as it is"]
    if leftover:
        steps.append(f"remove the replacement {one_line(isolation.replacement)}: "
                     "created by the isolation and never started")
    return steps, warnings, leftover


async def _release(ops: Operations, cid: str, isolation: Isolation, note: Journal
                   ) -> dict[str, Any]:
    from fintui.ops.operations import _now_iso

    data = await ops.actions.inspect(cid)  # as it is now: undo what is still to undo
    _, _, leftover = await _release_steps(ops, data, isolation)
    on = {e["network"] for e in scaling.network_endpoints(data)}
    for endpoint in isolation.networks:
        if endpoint["network"] in on:
            continue
        note.trying(f"reconnecting {endpoint['network']}")
        await ops.actions.network_connect(endpoint["network"], cid,
                                          scaling.endpoint_config(endpoint))
        note.changed(f"reconnected {endpoint['network']}")
    policy = isolation.restart_policy.get("Name") or "no"
    note.trying(f"restoring restart policy {policy}")
    await ops.actions.set_restart_policy(cid, isolation.restart_policy)
    note.changed(f"restart policy restored to {policy}")
    if (data.get("State") or {}).get("Paused"):
        note.trying("unpausing")
        await ops.actions.unpause(cid)
        note.changed("unpaused")
    removed = ""
    if leftover:
        note.trying(f"removing {isolation.replacement}")
        await ops.actions.stop_and_remove(leftover)
        note.changed(f"removed the replacement {isolation.replacement} (never started)")
        removed = isolation.replacement
    ops.isolations.release(cid, _now_iso(ops.clock))
    return {"container": cid, "networks": isolation.networks,
            "restart_policy": isolation.restart_policy, "was_partial": isolation.partial,
            "replacement_left_running": "" if removed or not isolation.replacement
            else isolation.replacement, "replacement_removed": removed}
