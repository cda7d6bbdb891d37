"""An act planned from its request body: {"action": "scale", "target": "pricing",
"replicas": 0}, as the agent's POST /v1/plan takes it and as Plan.request keeps it. The agent
plans its callers' acts with it, and an approval plans a waiting act again with it, so both
read a request the same way."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from fintui.ops.container_acts import CONTAINER_ACTIONS

if TYPE_CHECKING:
    from fintui.model import ClusterSnapshot, DiskUsage
    from fintui.ops.operations import Operations
    from fintui.ops.plan import Plan

ACTIONS = ("scale", "isolate", "release", "drain", "activate", "clean", *CONTAINER_ACTIONS,
           "rollout", "rollback")


class BadRequest(ValueError):
    """The body is not a request for an act: what is wrong with it, for the caller."""


async def plan_request(ops: Operations, body: dict[str, Any],
                       snapshot: ClusterSnapshot | None = None,
                       disk: DiskUsage | None = None) -> Plan:
    """Plan the act `body` asks for with `ops` (guarded and audited there as every plan is);
    `snapshot` and `disk` are what a clean plans from (None: read them now)."""
    action = field(body, "action", str)
    if action not in ACTIONS:
        raise BadRequest(f"unknown action {action!r} (one of {', '.join(ACTIONS)})")
    if action == "scale":
        return await ops.plan_scale(field(body, "target", str), field(body, "replicas", int))
    if action == "isolate":
        return await ops.plan_isolate(field(body, "target", str),
                                      replace=field(body, "replace", bool, True))
    if action == "release":
        return await ops.plan_release(field(body, "target", str))
    if action in ("drain", "activate"):
        return await ops.plan_node(field(body, "target", str),
                                   "drain" if action == "drain" else "active")
    if action in CONTAINER_ACTIONS:
        targets = field(body, "targets", list)
        if not all(isinstance(t, str) and t for t in targets):
            raise BadRequest("'targets' must be a list of container names or ids")
        return await ops.plan_container(action, targets, field(body, "signal", str, ""),
                                        field(body, "match", str, ""))
    if action == "rollout":
        watch = body.get("watch", 0.0)
        if isinstance(watch, bool) or not isinstance(watch, (int, float)):
            raise BadRequest("'watch' must be a number of seconds")
        return await ops.plan_rollout(field(body, "target", str), field(body, "image", str),
                                      field(body, "canary", int, 0), float(watch),
                                      field(body, "parallelism", int, 1))
    if action == "rollback":
        return await ops.plan_rollback(field(body, "target", str))
    return await ops.plan_clean(field(body, "match", str, ""), snapshot=snapshot, disk=disk)


def field(body: dict[str, Any], name: str, kind: type, default: Any = ...) -> Any:
    """body[name], of type `kind` (a bool is no int); BadRequest when missing or wrong."""
    value = body.get(name, default)
    if value is ...:
        raise BadRequest(f"{name!r} is missing")
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise BadRequest(f"{name!r} must be {kind.__name__}")
    if kind is str and name in ("action", "target", "ticket") and not value:
        raise BadRequest(f"{name!r} must not be empty")
    return value
