"""Releases in the operations layer: roll a service out to a new image (Swarm through its
update config, compose one replica at a time), with a canary and its watch window, and back.

This module guards and checks what every release shares (the image reference, the counts, the
watch); rollout_swarm.py plans Swarm's, rollout_compose.py compose's ("project/service")."""

from __future__ import annotations

import math
import re

from fintui.core.image_choices import repository
from fintui.core.text_safety import one_line
from fintui.ops.guard import Decision
from fintui.ops.plan import Acting, Plan, Refused
from fintui.ops.rollout_compose import plan_compose_rollback, plan_compose_rollout
from fintui.ops.rollout_swarm import plan_swarm_rollback, plan_swarm_rollout
from fintui.sources.capabilities import Releasable

# name[:tag][@sha256:digest], with a registry host (and port) in front, or an image id: no
# spaces, no control characters, nothing a shell or a terminal would read as more.
IMAGE_REF = re.compile(r"[A-Za-z0-9][A-Za-z0-9._/:-]*(@sha256:[0-9a-f]{64})?")
MAX_IMAGE = 512
# An image id, short (12 hex digits, as `docker images` shows it) or full.
IMAGE_ID = re.compile(r"(sha256:)?[0-9a-f]{12,64}")


def image_problem(image: str) -> str:
    """Why `image` is no image reference ("" when it is one). Pure."""
    if not image.strip():
        return "the image is empty: name one (name:tag)"
    if len(image) > MAX_IMAGE or not IMAGE_REF.fullmatch(image):
        return (f"{one_line(image)!r} is not an image reference (name:tag, name@sha256:..., "
                "or an id)")
    return ""


async def full_id(ops: Acting, image: str) -> str:
    """An image id, short or long, as the full `sha256:…` id the daemon has: Swarm would read
    `436593aaee17` as a name (`436593aaee17:latest`) and fail on every task. Anything else,
    or an id this endpoint lacks (its kind's planner refuses that), as it was given."""
    if not IMAGE_ID.fullmatch(image):
        return image
    releases: Releasable = ops.actions
    facts = await releases.image_facts(image)
    bare = image.removeprefix("sha256:")
    if facts is not None and facts.id.removeprefix("sha256:").startswith(bare):
        return facts.id
    return image  # not here, or a repository named with hex digits: as it is


def other_repository(current: str, image: str) -> str:
    """A warning when `image` is of another repository than the one running ("" when the
    same, or when either is an id, which names no repository). Pure."""
    if not current or IMAGE_ID.fullmatch(image) or IMAGE_ID.fullmatch(current):
        return ""
    now, to = repository(current), repository(image)
    if now == to:
        return ""
    return (f"{one_line(image)} is of another repository than the running {one_line(now)}: "
            "check that it is this service's image")


def check_release(image: str, canary: int, watch: float, parallelism: int) -> None:
    """Refused for what no service could be rolled out with; the counts of one service are
    checked by its kind's planner (a canary must be fewer than its replicas)."""
    if problem := image_problem(image):
        raise Refused(problem)
    if parallelism < 1:
        raise Refused("parallelism must be 1 or more (replicas replaced at a time)")
    if canary < 0:
        raise Refused("canary must be 0 (none) or more replicas")
    if not math.isfinite(watch) or watch <= 0:
        raise Refused("the watch must be longer than 0 s (like 30s or 2m)")


async def plan_rollout(ops: Acting, service: str, image: str, canary: int = 0,
                       watch: float = 0.0, parallelism: int = 1) -> Plan:
    """Plan moving `service` (a Swarm service, or compose "project/service") to `image`;
    `canary` replicas first, watched `watch` s (0: [rollout] watch) before the rest follow."""
    seconds = watch if watch else ops.settings.rollout.watch
    parameters = {"image": image, "canary": canary, "watch": seconds,
                  "parallelism": parallelism}

    async def build(decision: Decision) -> Plan:
        check_release(image, canary, seconds, parallelism)
        to = await full_id(ops, image)
        if "/" in service:
            plan = await plan_compose_rollout(ops, service, to, canary, seconds, parallelism,
                                              decision)
        else:
            plan = await plan_swarm_rollout(ops, service, to, canary, seconds, parallelism,
                                            decision)
        if warning := other_repository(str(plan.parameters.get("from") or ""), to):
            plan.warnings.append(warning)
        return plan

    return await ops.planned("rollout", service, parameters, build)


async def plan_rollback(ops: Acting, service: str) -> Plan:
    """Plan moving `service` back to the image before its last rollout (Swarm: its previous
    spec; compose: the image the audit recorded before the last rollout)."""

    async def build(decision: Decision) -> Plan:
        if "/" in service:
            return await plan_compose_rollback(ops, service, decision)
        return await plan_swarm_rollback(ops, service, decision)

    return await ops.planned("rollback", service, {}, build)
