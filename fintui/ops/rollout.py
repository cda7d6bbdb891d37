"""Releases in the operations layer: roll a service out to a new image (Swarm through its
update config, compose one replica at a time), with a canary and its watch window, and back."""

from __future__ import annotations

from fintui.ops.plan import Acting, Plan, Refused


async def plan_rollout(ops: Acting, service: str, image: str, canary: int = 0,
                       watch: float = 0.0, parallelism: int = 1) -> Plan:
    raise Refused("rollout is not built yet")


async def plan_rollback(ops: Acting, service: str) -> Plan:
    raise Refused("rollback is not built yet")
