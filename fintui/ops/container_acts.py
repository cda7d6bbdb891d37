"""Everyday acts on one or more containers: restart, stop, start, kill, pause, unpause and
remove (never its named volumes), guarded, planned and audited like every other act."""

from __future__ import annotations

from collections.abc import Sequence

from fintui.ops.plan import Acting, Plan, Refused

# The act names, as the guard, freeze windows, the audit and the verbs say them.
CONTAINER_ACTIONS = ("restart", "stop", "start", "kill", "pause", "unpause", "remove")


async def plan_container(ops: Acting, action: str, targets: Sequence[str],
                         signal: str = "", match: str = "") -> Plan:
    raise Refused(f"{action} is not built yet")
