"""Compose rollouts and rollbacks (rollout.py validates and calls these for "project/service").

A compose service has no update config of its own: its replicas are replaced here, a batch at a
time, each new replica up before an old one goes (rollout_compose_run.py). A rollback is a
rollout back to the image the audit log recorded before the last rollout of the service."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Iterable, Mapping
from typing import Any

from fintui.core import scaling
from fintui.core.act_journal import Journal
from fintui.core.text_safety import one_line
from fintui.model_ops import ContainerFacts
from fintui.model_release import ImageFacts, image_record
from fintui.ops.audit import AuditLog, AuditUnreadable
from fintui.ops.guard import Decision
from fintui.ops.plan import BIG_CHANGE, Acting, Plan, Refused
from fintui.ops.replicas import compose_members
from fintui.ops.rollout_compose_run import Replacer
from fintui.sources.capabilities import Releasable

# What compose wrote of the image a replica was made from: a new replica's is its own image.
COMPOSE_IMAGE = "com.docker.compose.image"

__all__ = ["batches", "plan_compose_rollback", "plan_compose_rollout", "previous_image"]


async def plan_compose_rollout(ops: Acting, target: str, image: str, canary: int,
                               watch: float, parallelism: int, decision: Decision) -> Plan:
    """Replace the replicas of compose service `target` ("project/service") with replicas on
    `image`: `canary` of them first, watched `watch` s, then the rest `parallelism` at a time."""
    return await _plan(ops, "rollout", target, image, canary, watch, parallelism, decision)


async def plan_compose_rollback(ops: Acting, target: str, decision: Decision) -> Plan:
    """Back to the image the last rollout of `target` replaced (the audit's), also when that
    rollout was cut short half way."""
    live, _ = scaling.compose_count(await compose_members(ops.actions, target),
                                    ops.isolations.active_ids())
    running = frozenset(c.image for c in live)
    try:
        records = await asyncio.to_thread(AuditLog.from_settings(ops.settings).records)
    except AuditUnreadable as exc:
        raise Refused(f"the audit log cannot be read, so the image before the last rollout "
                      f"is not known: {exc}") from None
    found = previous_image(records, target, ops.endpoint, running)
    if found is None:
        raise Refused(f"no rollout of {target} that changed its image is in the audit log: "
                      "there is no image to roll back to (roll out the one you want instead)")
    image, when = found
    return await _plan(ops, "rollback", target, image, 0, 0.0, 1, decision,
                       why=f"the image before the rollout of {when}" if when else "")


def previous_image(records: Iterable[Mapping[str, Any]], target: str,
                   endpoint: str = "", running: frozenset[str] = frozenset()
                   ) -> tuple[str, str] | None:
    """The image the newest rollout of `target` (on `endpoint`) that changed anything
    replaced, and when it was recorded; None when there is none. Pure.

    A rollout cut short (failed, or unknown: the console quit) counts, since it may have
    left the service half way; one whose image every replica still runs (`running` is that
    one image) changed nothing worth going back from, and an older one is looked at."""
    for record in reversed(list(records)):
        if (record.get("action") != "rollout" or record.get("target") != target
                or record.get("outcome") not in ("ok", "failed", "unknown")
                or str(record.get("endpoint") or "") != endpoint):
            continue
        before = (record.get("parameters") or {}).get("from")
        if isinstance(before, str) and before and running != {before}:
            return before, str(record.get("time") or "")
    return None


def batches(olds: list[ContainerFacts], canary: int,
            parallelism: int) -> list[list[ContainerFacts]]:
    """The order of replacement: the canaries (if any) alone first, then `parallelism` at a
    time. Pure."""
    first = [olds[:canary]] if canary > 0 else []
    rest = olds[canary:] if canary > 0 else olds
    size = max(1, parallelism)
    return first + [rest[i:i + size] for i in range(0, len(rest), size)]


def _names(containers: Iterable[ContainerFacts]) -> str:
    return ", ".join(one_line(c.name) for c in containers)


async def _plan(ops: Acting, action: str, target: str, image: str, canary: int, watch: float,
                parallelism: int, decision: Decision, why: str = "") -> Plan:
    members = await compose_members(ops.actions, target)
    isolated = ops.isolations.active_ids()
    live, leftovers = scaling.compose_count(members, isolated)
    if not live:
        raise Refused(f"no replica of {target} is running: there is nothing to replace "
                      f"(scale it up first)")
    olds = [c for c in live if c.image != image]
    if not olds:
        raise Refused(f"every running replica of {target} already runs {one_line(image)}")
    if canary >= len(olds):  # as for Swarm: some must be left to follow a canary that passes
        raise Refused(f"a canary must be fewer than the replicas of {target} to replace "
                      f"({len(olds)})")
    from_image = Counter(c.image for c in olds).most_common(1)[0][0]
    plan_batches = batches(olds, canary, parallelism)
    timeout = ops.settings.rollout.converge_timeout
    first_number = scaling.next_number(members)
    steps = _steps(target, image, from_image, plan_batches, canary, watch, timeout)
    warnings = _warnings(members, isolated, leftovers, olds, live, image)
    parameters: dict[str, Any] = {
        "kind": "compose", "image": image, "from": from_image, "to": image,
        "replicas": len(olds), "canary": canary, "watch": watch, "parallelism": parallelism}
    if len({c.image for c in olds}) > 1:
        parameters["from_images"] = sorted({c.image for c in olds})
    new, old = await _image_facts(ops, image, from_image)
    parameters.update(image_record("from", from_image, old), **image_record("to", image, new))
    if old is not None and new.id == old.id:
        warnings.append(f"{one_line(image)} is the same image as {one_line(from_image)} "
                        f"({new.id[:19]}): the replicas are made again, on the new name")
    labels = {COMPOSE_IMAGE: new.id} if new.id else {}

    async def run(note: Journal) -> dict[str, Any]:
        replacer = Replacer(ops.actions, note, target, image, first_number, timeout,
                            image_labels=labels)
        note.partial.update({"from": from_image, "to": image})
        total = len(olds)
        note(f"{target}: 0/{total} replica(s) on {one_line(image)}")  # the rows' mark counts
        for number, batch in enumerate(plan_batches):
            watched = watch if canary and number == 0 else 0.0
            await replacer.batch(batch, watched)
            note(f"{target}: {len(replacer.swaps)}/{total} replica(s) on {one_line(image)}")
        return {"from": from_image, "to": image, "created": replacer.created,
                "removed": replacer.removed, "replaced": replacer.replaced}

    verb = "roll back" if action == "rollback" else "roll out"
    summary = (f"{verb} compose service {target}: {len(olds)} replica(s) from "
               f"{one_line(from_image)} to {one_line(image)}"
               + (f" ({why})" if why else "")
               + (f", {canary} canary replica(s) watched {watch:g} s first" if canary else ""))
    twice = (f"this replaces {len(olds)} instances of {target}, more than {BIG_CHANGE}"
             if len(olds) > BIG_CHANGE else "")
    return Plan(action, target, summary, steps, parameters, double_confirm=bool(twice),
                double_confirm_reason=twice, warnings=warnings, decision=decision, run=run)


def _steps(target: str, image: str, from_image: str, plan_batches: list[list[ContainerFacts]],
           canary: int, watch: float, timeout: float) -> list[str]:
    shown = one_line(image)
    steps = []
    for number, batch in enumerate(plan_batches):
        head = "canary: " if canary and number == 0 else f"batch {number + 1}: "
        steps.append(f"{head}create {len(batch)} new replica(s) on {shown} from "
                     f"{_names(batch)}; wait until each runs (and is healthy, where it has a "
                     "health check)"
                     + (f"; watch them {watch:g} s for exits, restarts and failed health "
                        "checks" if canary and number == 0 else "")
                     + f"; then stop and remove {_names(batch)}")
    steps.append(f"never fewer running replicas of {target} than now: each new one is up "
                 f"before an old one goes (up to {timeout:g} s a batch)")
    steps.append(f"on a failure: that batch's new replicas are removed (its old ones still "
                 f"run), and replicas already replaced are put back on {one_line(from_image)} "
                 "the same way, one at a time; the act ends failed, naming why")
    return steps


def _warnings(members: list[ContainerFacts], isolated: set[str],
              leftovers: list[ContainerFacts], olds: list[ContainerFacts],
              live: list[ContainerFacts], image: str) -> list[str]:
    warnings = []
    isolated_here = sum(1 for c in members if c.id in isolated)
    if isolated_here:
        warnings.append(f"{isolated_here} isolated replica(s) are left as they are")
    if leftovers:
        warnings.append("not running, left as they are: " + ", ".join(
            f"{one_line(c.name)} ({c.state})" for c in leftovers))
    already = len(live) - len(olds)
    if already:
        warnings.append(f"{already} replica(s) already run {one_line(image)} and are kept")
    paused = [c for c in olds if c.paused]
    if paused:
        warnings.append(f"paused replica(s) {_names(paused)} are replaced by running ones")
    return warnings


async def _image_facts(ops: Acting, image: str,
                       from_image: str) -> tuple[ImageFacts, ImageFacts | None]:
    """The new image (Refused when this endpoint lacks it) and the one it replaces (None if
    the daemon no longer knows it by that name)."""
    images: Releasable = ops.actions
    new = await images.image_facts(image)
    if new is None:
        where = f" ({one_line(ops.endpoint)})" if ops.endpoint else ""
        raise Refused(f"image {one_line(image)} is not on this endpoint{where}: pull or load "
                      "it there first")
    return new, await images.image_facts(from_image)
