"""Everyday acts on one or more containers: restart, stop, start, kill, pause, unpause and
remove (never its named volumes), guarded, planned and audited like every other act.

One plan covers every container named or matched (one confirmation); what makes no sense for
one of them (starting a running one) is left out with a warning before anything is done, and
a failure on one does not stop the others: the result names each."""

from __future__ import annotations

import fnmatch
from collections.abc import Sequence
from typing import Any

from fintui.core.act_journal import Journal
from fintui.core.container_lifecycle import (
    BRINGS_BACK,
    ENDING_SIGNALS,
    NOT_FOR_TASKS,
    STOP_GRACE,
    VERBS,
    signal_name,
    stops_first,
    takes_down,
    task_reason,
    why_not,
)
from fintui.core.text_safety import one_line
from fintui.model_ops import PROJECT, SERVICE, SWARM_SERVICE_NAME, ContainerFacts
from fintui.ops.guard import Decision
from fintui.ops.plan import BIG_CHANGE, Acting, Failed, Plan, Refused
from fintui.sources.base import ActionFailed, ContainerGone
from fintui.sources.capabilities import ClusterActions

# The act names, as the guard, freeze windows, the audit and the verbs say them.
CONTAINER_ACTIONS = ("restart", "stop", "start", "kill", "pause", "unpause", "remove")
# A name no container has: left out, and the verb says so (exit 1) though the rest is done.
NO_SUCH = "no such container"
# The line journalled before each call: a stop may take its whole grace period, silently.
_DOING = {"restart": "restarting {} (its stop may take up to {} s)…",
          "stop": "stopping {} (up to {} s, then SIGKILL)…", "start": "starting {}…",
          "pause": "pausing {}…", "unpause": "unpausing {}…", "remove": "removing {}…"}


def _name(container: ContainerFacts) -> str:
    return one_line(container.name)


def asked(targets: Sequence[str], match: str) -> str:
    """What was asked for, as a refusal's record names it."""
    return ", ".join([*targets, *([f"--match {match}"] if match else [])])


async def plan_container(ops: Acting, action: str, targets: Sequence[str],
                         signal: str = "", match: str = "") -> Plan:
    parameters: dict[str, Any] = {"containers": list(targets), "match": match}
    if action == "kill":
        parameters["signal"] = signal

    async def build(decision: Decision) -> Plan:
        if action not in CONTAINER_ACTIONS:
            raise Refused(f"unknown act {action!r} (one of {', '.join(CONTAINER_ACTIONS)})")
        sig = ""
        if action == "kill":
            try:
                sig = signal_name(signal)
            except ValueError as exc:
                raise Refused(str(exc)) from None
        elif signal:
            raise Refused(f"only kill sends a signal, not {action}")
        if not targets and not match:
            raise Refused("name the containers, or give a glob to match their names")
        found, missing = await _find(ops, targets, match)
        chosen: list[ContainerFacts] = []
        skipped: list[dict[str, str]] = []
        for container in found:
            reason = _why_not(action, container)
            if reason:
                skipped.append({"name": container.name, "id": container.id,
                                "reason": reason})
            else:
                chosen.append(container)
        if not chosen:
            raise Refused(_nothing(action, skipped, missing))
        warnings = [f"no container {one_line(t)!r}: left out" for t in missing]
        warnings += [f"left out {one_line(s['name'])}: {s['reason']}" for s in skipped]
        warnings += _act_warnings(ops, action, sig, chosen)
        why = await _why_twice(ops.actions, action, sig, chosen)
        skipped += [{"name": t, "id": "", "reason": NO_SUCH} for t in missing]
        return _plan(ops, action, sig, match, chosen, skipped, warnings, why, decision)

    return await ops.planned(action, asked(targets, match), parameters, build)


def _why_not(action: str, container: ContainerFacts) -> str:
    """Why the act is not done to this container ("" when it is)."""
    service = container.labels.get(SWARM_SERVICE_NAME, "")
    if service and action in NOT_FOR_TASKS:  # it would run beside Swarm's replacement
        return task_reason(one_line(service))
    return why_not(action, container.state)


async def _find(ops: Acting, targets: Sequence[str], match: str
                ) -> tuple[list[ContainerFacts], list[str]]:
    """Every container named or matched, each once, in the order asked; the names not
    found. None found at all: Refused, naming what was asked."""
    found: dict[str, ContainerFacts] = {}
    missing: list[str] = []
    for target in targets:
        try:
            container = await ops.resolve(target)
        except Refused:
            missing.append(target)
            continue
        found.setdefault(container.id, container)
    if match:
        for container in sorted(await ops.actions.containers({}), key=lambda c: c.name):
            if fnmatch.fnmatchcase(container.name, match):
                found.setdefault(container.id, container)
    if not found:
        what = [f"no container {one_line(t)!r}" for t in missing]
        if match:
            what.append(f"no container name matches {one_line(match)!r}")
        raise Refused("; ".join(what))
    return list(found.values()), missing


def _nothing(action: str, skipped: list[dict[str, str]], missing: list[str]) -> str:
    """Why nothing is done: each container left out, and each name that none has."""
    verb = VERBS[action][0]
    absent = "".join(f"; no container {one_line(t)!r}" for t in missing)
    if len(skipped) == 1:
        name, reason = one_line(skipped[0]["name"]), skipped[0]["reason"]
        if reason.startswith("it is a task of Swarm"):  # the whole sentence is about it
            return f"{name}{reason[2:]}{absent}"
        return f"cannot {verb} {name}: {reason}{absent}"
    by_reason: dict[str, list[str]] = {}  # eight tasks of one service: one sentence
    for s in skipped:
        by_reason.setdefault(s["reason"], []).append(one_line(s["name"]))
    return f"nothing to {verb}: " + "; ".join(
        f"{', '.join(names)}: {reason}" for reason, names in by_reason.items()) + absent


def _act_warnings(ops: Acting, action: str, sig: str, chosen: list[ContainerFacts]
                  ) -> list[str]:
    warnings: list[str] = []
    isolated = ops.isolations.active_ids()
    tasks: dict[str, list[str]] = {}  # Swarm service → its tasks this act ends
    for container in chosen:
        if container.id in isolated:
            warnings.append(f"{_name(container)} is isolated: this {VERBS[action][0]} does "
                            f"not release it (fintui release {_name(container)})")
        service = container.labels.get(SWARM_SERVICE_NAME, "")
        if service and takes_down(action, sig):
            tasks.setdefault(one_line(service), []).append(_name(container))
    for service, names in tasks.items():  # once per service, however many of its tasks
        who = f"{names[0]} is a task" if len(names) == 1 else \
            f"{', '.join(names)} are tasks"
        warnings.append(f"{who} of Swarm service {service}: Swarm replaces a "
                        f"{VERBS[action][1]} task with a new one; to run fewer, scale the "
                        "service instead")
    return warnings


def _service_of(container: ContainerFacts) -> tuple[str, dict[str, str]]:
    """The service a container is a replica of, as said to the operator, and its labels."""
    swarm = container.labels.get(SWARM_SERVICE_NAME, "")
    if swarm:
        return f"Swarm service {one_line(swarm)}", {SWARM_SERVICE_NAME: swarm}
    if container.compose_project and container.compose_service:
        return (f"compose service {one_line(container.compose_project)}/"
                f"{one_line(container.compose_service)}",
                {PROJECT: container.compose_project, SERVICE: container.compose_service})
    return "", {}


async def _why_twice(actions: ClusterActions, action: str, sig: str,
                     chosen: list[ContainerFacts]) -> str:
    """Why this act asks twice ("" when it does not): it leaves a compose service with no
    running replica (Swarm starts new tasks for its own), or it touches many containers at
    once."""
    reasons: list[str] = []
    if takes_down(action, sig):
        groups: dict[str, tuple[dict[str, str], set[str]]] = {}
        for container in chosen:
            service, labels = _service_of(container)
            if SWARM_SERVICE_NAME in labels:
                continue
            if service and container.state in ("running", "restarting"):
                groups.setdefault(service, (labels, set()))[1].add(container.id)
        for service, (labels, down) in groups.items():
            running = {c.id for c in await actions.containers(labels)
                       if c.state in ("running", "restarting")}
            if not running - down:
                reasons.append(f"this {VERBS[action][0]}s the last running replica(s) of "
                               f"{service}: none of its replicas will run")
    if action not in BRINGS_BACK and len(chosen) > BIG_CHANGE:
        reasons.append(f"this {VERBS[action][0]}s {len(chosen)} containers at once, more "
                       f"than {BIG_CHANGE}")
    return "; ".join(reasons)


def _step(action: str, sig: str, container: ContainerFacts) -> str:
    service, _ = _service_of(container)
    about = f" ({container.state}{', ' + service if service else ''})"
    if action == "kill":
        return f"send {sig} to {_name(container)}{about}"
    if action == "remove" and stops_first(action, container.state):
        return f"stop and remove {_name(container)}{about}, keeping its volumes"
    if action == "remove":
        return f"remove {_name(container)}{about}, keeping its volumes"
    return f"{VERBS[action][0]} {_name(container)}{about}"


def _plan(ops: Acting, action: str, sig: str, match: str, chosen: list[ContainerFacts],
          skipped: list[dict[str, str]], warnings: list[str], why: str,
          decision: Decision) -> Plan:
    verb, done_verb = VERBS[action]
    names = [c.name for c in chosen]
    shown = ", ".join(one_line(n) for n in names[:5]) + (
        f" and {len(names) - 5} more" if len(names) > 5 else "")
    what = f"container {shown}" if len(names) == 1 else f"{len(names)} containers: {shown}"
    summary = f"send {sig} to {what}" if action == "kill" else f"{verb} {what}"

    if action == "kill":  # a signal that does not end it leaves it running: say what was sent
        done_verb = f"sent {sig}"

    def done_line(name: str) -> str:
        if action != "kill":
            return f"{done_verb} {name}"
        return f"sent {sig} to {name}" + ("" if sig in ENDING_SIGNALS else
                                          " (it may still run)")

    async def run(note: Journal) -> dict[str, Any]:
        rows: list[dict[str, Any]] = []
        note.partial.update(action=action, containers=rows, skipped=skipped)
        for container in chosen:
            name = _name(container)
            note.trying(f"{verb} {name}")
            try:
                if stops_first(action, container.state):
                    note.trying(f"stopping {name}")
                    note(_DOING["stop"].format(name, STOP_GRACE))
                    await ops.actions.stop(container.id)
                    note.changed(f"stopped {name}")
                    note.trying(f"removing {name}")
                note(_DOING[action].format(name, STOP_GRACE) if action in _DOING
                     else f"sending {sig} to {name}…")
                await _act(ops.actions, action, container.id, sig)
            except (ActionFailed, ContainerGone) as exc:
                # The daemon answered: it did not do it. The others are still tried.
                note.pending = ""
                error = "it vanished" if isinstance(exc, ContainerGone) else \
                    one_line(str(exc) or type(exc).__name__)
                rows.append({"name": container.name, "id": container.id, "done": False,
                             "error": error})
                note(f"{name}: not {done_verb}: {error}")
                continue
            rows.append({"name": container.name, "id": container.id, "done": True,
                         "error": ""})
            note.changed(done_line(name))
        failed = [r for r in rows if not r["done"]]
        if failed:
            raise Failed(f"{len(failed)} of {len(rows)} not {done_verb}: " + "; ".join(
                f"{one_line(r['name'])}: {r['error']}" for r in failed))
        return {"action": action, "containers": rows, "skipped": skipped,
                **({"signal": sig} if sig else {})}

    parameters: dict[str, Any] = {"containers": names, "ids": [c.id for c in chosen],
                                  "match": match, "skipped": [s["name"] for s in skipped],
                                  "missing": [s["name"] for s in skipped
                                              if s["reason"] == NO_SUCH]}
    if sig:
        parameters["signal"] = sig
    return Plan(action, ", ".join(names), summary, [_step(action, sig, c) for c in chosen],
                parameters, double_confirm=bool(why), double_confirm_reason=why,
                warnings=warnings, decision=decision, run=run)


async def _act(actions: ClusterActions, action: str, container_id: str, sig: str) -> None:
    if action == "restart":
        await actions.restart(container_id)
    elif action == "stop":
        await actions.stop(container_id)
    elif action == "start":
        await actions.start(container_id)
    elif action == "kill":
        await actions.kill(container_id, sig)
    elif action == "pause":
        await actions.pause(container_id)
    elif action == "unpause":
        await actions.unpause(container_id)
    else:
        await actions.remove_container(container_id)
