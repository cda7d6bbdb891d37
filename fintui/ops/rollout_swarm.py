"""Swarm rollouts and rollbacks: plans (rollout.py checks and calls these).

Swarm moves the tasks itself (a service update with an update config: parallelism, delay,
monitor, failure_action rollback); this side follows it task by task to its end
(rollout_follow.py). A canary of N is the update with Parallelism N and Delay and Monitor both
the watch: Swarm stops after the first N tasks for the watch, in which the canary rule
(fintui/core/canary.py) judges them; a fault rolls the service back, else Swarm goes on, N at a
time, each batch monitored as long."""

from __future__ import annotations

from typing import Any

from fintui.core.act_journal import Journal
from fintui.core.text_safety import one_line
from fintui.model_release import (
    ImageFacts,
    ServiceRelease,
    UpdatePolicy,
    bare_image,
    image_record,
)
from fintui.ops.guard import Decision
from fintui.ops.plan import BIG_CHANGE, Acting, Plan, Refused
from fintui.ops.rollout_follow import Follow
from fintui.sources.base import NoSuchService, NotSwarmManager
from fintui.sources.capabilities import Releasable

MONITOR = 5.0  # seconds Swarm watches each new task without a canary (Swarm's own default)
# A service Swarm is moving now (a paused update is not: a rollout or a rollback ends it).
BUSY = ("updating", "rollback_started")
VERDICT_MARGIN = 1.0  # seconds


async def _service(ops: Acting, name: str) -> ServiceRelease:
    releases: Releasable = ops.actions
    try:
        return await releases.service_release(name)
    except NoSuchService:
        raise Refused(f"no Swarm service {name!r}; compose services are named "
                      "project/service") from None
    except NotSwarmManager:
        raise Refused(f"{name}: this endpoint is not a Swarm manager; compose services are "
                      "named project/service") from None


async def _replicas(ops: Acting, svc: ServiceRelease) -> int:
    """Its replica count (a global service: the tasks meant to run, one per node)."""
    if svc.replicas is not None:
        return svc.replicas
    releases: Releasable = ops.actions
    return sum(1 for t in await releases.release_tasks(svc.id) if t.desired_state == "running")


def _busy(svc: ServiceRelease) -> None:
    if svc.update_state in BUSY:
        raise Refused(f"{svc.name} is being changed already (Swarm's update state: "
                      f"{svc.update_state}): wait for it to end, then try again")


async def _facts(ops: Acting, ref: str) -> ImageFacts | None:
    releases: Releasable = ops.actions
    return await releases.image_facts(ref) or (
        await releases.image_facts(bare_image(ref)) if "@" in ref else None)


async def plan_swarm_rollout(ops: Acting, name: str, image: str, canary: int, watch: float,
                             parallelism: int, decision: Decision) -> Plan:
    svc = await _service(ops, name)
    _busy(svc)
    replicas = await _replicas(ops, svc)
    if canary and canary >= replicas:
        raise Refused(f"a canary of {canary} of {name}'s {replicas} replica(s) is no canary: "
                      f"choose fewer than {replicas}, or roll out without --canary")
    current = bare_image(svc.image)
    if bare_image(image) == current:
        raise Refused(f"{name} already runs {one_line(image)}")
    new = await _facts(ops, image)
    if new is None:
        where = f" ({one_line(ops.endpoint)})" if ops.endpoint else ""
        raise Refused(f"image {one_line(image)} is not on this endpoint{where}: there is no "
                      "registry to pull it from here, so load or tag it there first")
    old = await _facts(ops, svc.image)
    if canary:
        # Swarm holds the rest back a little longer than the watch: the verdict on the
        # canary (read every POLL s) comes before Swarm would move on.
        policy = UpdatePolicy(canary, delay=watch + VERDICT_MARGIN, monitor=watch)
    else:
        policy = UpdatePolicy(parallelism, delay=0.0, monitor=min(MONITOR, watch))
    # Swarm waits the watch after every batch: the time to converge comes on top.
    timeout = ops.settings.rollout.converge_timeout + (
        policy.delay * -(-replicas // canary) if canary else 0.0)
    parameters: dict[str, Any] = {
        "kind": "swarm", "image": image, "from": current, "to": image, "replicas": replicas,
        "canary": canary, "watch": watch, "parallelism": policy.parallelism,
        **image_record("from", svc.image, old), **image_record("to", image, new)}
    warnings: list[str] = []
    if canary and parallelism not in (1, canary):
        warnings.append(f"with a canary Swarm moves {canary} task(s) at a time (its update "
                        f"config has one parallelism): --parallelism {parallelism} is not used")
    if old is not None and new.id == old.id:
        warnings.append(f"{one_line(image)} is the same image as {one_line(current)} "
                        f"({new.id[:19]}): the tasks are started again, on the new name")
    if canary:
        steps = [f"update service {name} to {one_line(image)}: {canary} task(s) first "
                 f"(the canary), failure action rollback",
                 f"watch the canary {watch:g} s: a failed or unhealthy task, an exit or a "
                 "restart rolls the whole service back",
                 f"then the rest, {canary} at a time, each batch monitored {watch:g} s"]
    else:
        steps = [f"update service {name} to {one_line(image)}: {policy.parallelism} task(s) "
                 f"at a time, each monitored {policy.monitor:g} s; Swarm rolls back on a "
                 "failure"]
    steps.append(f"follow it until every task runs {one_line(image)} (at most {timeout:g} s)")

    follow = Follow(ops.actions, svc, timeout, replicas)

    async def run(note: Journal) -> dict[str, Any]:
        note.partial.update(_document(name, parameters, "failed"))
        follow.earlier = frozenset(t.id for t in await follow.releases.release_tasks(svc.id))
        note.trying(f"updating service {name} to {image}")
        await follow.releases.update_image(svc.id, image, policy)
        note.changed(f"service {name}: image {one_line(current)} → {one_line(image)}")
        note.undo = f"to go back: fintui rollback {name}"
        tasks = await follow.rollout(note, image, canary, watch)
        return _document(name, parameters, "completed", tasks=tasks)

    summary = (f"roll out Swarm service {name}: {replicas} task(s) from {one_line(current)} "
               f"to {one_line(image)}"
               + (f", {canary} canary task(s) watched {watch:g} s first" if canary else ""))
    twice = (f"this replaces {replicas} instances of {name}, more than {BIG_CHANGE}"
             if replicas > BIG_CHANGE and not canary else "")
    return Plan("rollout", name, summary, steps, parameters, double_confirm=bool(twice),
                double_confirm_reason=twice, warnings=warnings, decision=decision, run=run)


async def plan_swarm_rollback(ops: Acting, name: str, decision: Decision) -> Plan:
    svc = await _service(ops, name)
    _busy(svc)
    if not svc.previous_image or svc.update_state == "rollback_completed":
        # Swarm keeps one previous spec; after a rollback it is the spec rolled back from
        # (a second rollback would put back the image just taken away).
        raise Refused(f"{name} has no previous spec to go back to: it was never updated, or "
                      "its last change was a rollback (roll out the image you want instead)")
    if bare_image(svc.previous_image) == bare_image(svc.image):
        raise Refused(f"{name} already runs {one_line(bare_image(svc.image))}, the image of "
                      "its previous spec (its last update changed something else)")
    replicas = await _replicas(ops, svc)
    old, new = await _facts(ops, svc.image), await _facts(ops, svc.previous_image)
    timeout = ops.settings.rollout.converge_timeout
    to = bare_image(svc.previous_image)
    parameters: dict[str, Any] = {
        "kind": "swarm", "image": svc.previous_image, "from": bare_image(svc.image),
        "to": to, "replicas": replicas,
        **image_record("from", svc.image, old), **image_record("to", svc.previous_image, new)}
    follow = Follow(ops.actions, svc, timeout, replicas)

    async def run(note: Journal) -> dict[str, Any]:
        note.partial.update(_document(name, parameters, "failed"))
        note.trying(f"rolling service {name} back to its previous spec")
        await follow.releases.rollback_service(svc.id)
        note.changed(f"service {name}: rolling back to {one_line(to)}")
        tasks = await follow.back(note, to)
        return _document(name, parameters, "completed", tasks=tasks)

    return Plan("rollback", name,
                f"roll Swarm service {name} back from {one_line(bare_image(svc.image))} to "
                f"{one_line(to)} (its previous spec)",
                [f"ask Swarm to roll {name} back to its previous spec ({one_line(to)})",
                 f"follow it until every task runs {one_line(to)} (at most {timeout:g} s)"],
                parameters, decision=decision, run=run)


def _document(name: str, parameters: dict[str, Any], outcome: str,
              **more: Any) -> dict[str, Any]:
    """The result a record (and `--json`) carries: from and to, with digests, and the end."""
    keep = ("kind", "from", "to", "from_id", "to_id", "from_digests", "to_digests", "canary",
            "watch", "replicas")
    return {"service": name, **{k: parameters[k] for k in keep if k in parameters},
            "outcome": outcome, "rolled_back": False, "reason": "", **more}
