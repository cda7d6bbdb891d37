"""Releases in the operations layer: roll a service out to a new image (Swarm through its
update config, compose one replica at a time), with a canary and its watch window, and back.

This module guards and checks what every release shares (the image reference, the counts, the
watch); rollout_swarm.py plans Swarm's, rollout_compose.py compose's ("project/service")."""

from __future__ import annotations

import math
import re

from fintui.core.text_safety import one_line
from fintui.ops.guard import Decision
from fintui.ops.plan import Acting, Plan, Refused
from fintui.ops.rollout_swarm import plan_swarm_rollback, plan_swarm_rollout

# name[:tag][@sha256:digest], with a registry host (and port) in front, or an image id: no
# spaces, no control characters, nothing a shell or a terminal would read as more.
IMAGE_REF = re.compile(r"[A-Za-z0-9][A-Za-z0-9._/:-]*(@sha256:[0-9a-f]{64})?")
MAX_IMAGE = 512


def image_problem(image: str) -> str:
    """Why `image` is no image reference ("" when it is one). Pure."""
    if not image.strip():
        return "the image is empty: name one (name:tag)"
    if len(image) > MAX_IMAGE or not IMAGE_REF.fullmatch(image):
        return (f"{one_line(image)!r} is not an image reference (name:tag, name@sha256:..., "
                "or an id)")
    return ""


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
        if "/" in service:
            from fintui.ops.rollout_compose import plan_compose_rollout

            return await plan_compose_rollout(ops, service, image, canary, seconds,
                                              parallelism, decision)
        return await plan_swarm_rollout(ops, service, image, canary, seconds, parallelism,
                                        decision)

    return await ops.planned("rollout", service, parameters, build)


async def plan_rollback(ops: Acting, service: str) -> Plan:
    """Plan moving `service` back to the image before its last rollout (Swarm: its previous
    spec; compose: the image the audit recorded before the last rollout)."""

    async def build(decision: Decision) -> Plan:
        if "/" in service:
            from fintui.ops.rollout_compose import plan_compose_rollback

            return await plan_compose_rollback(ops, service, decision)
        return await plan_swarm_rollback(ops, service, decision)

    return await ops.planned("rollback", service, {}, build)
