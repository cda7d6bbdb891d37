"""What changed between two snapshots, in wire form, and the new snapshot back from the old
one and those changes. Pure: no I/O, and nothing from Textual.

An agent sends a console its first snapshot whole, then one delta a sweep. A delta is a
JSON-able dict; each key is left out when it has nothing to say:

    fields   {name: value}  top-level ClusterSnapshot fields that changed, whole, in wire
                            form (`containers` is among them only when ids are not unique)
    changed  {id: {name: value}}  containers still there: only their fields that changed
    added    {id: container}      new containers, whole
    removed  [id, ...]            containers gone
    order    [id, ...]            every container id, in the new order; only when the ids or
                                  their order changed

Comparing the dataclasses (not their wire forms) is what makes this cheap: the containers
that did not change are never encoded by the agent nor decoded by the console, and the
console keeps their very objects."""

from __future__ import annotations

import dataclasses
import typing
from collections.abc import Mapping, Sequence
from typing import Any

from fintui.core.wire import WireError, decode, encode
from fintui.model import ClusterSnapshot, Container

__all__ = ["DeltaError", "apply_delta", "snapshot_delta"]

_PLAIN = (str, int, bool, type(None))  # already their wire form; float needs nan care
_SNAPSHOT_HINTS = typing.get_type_hints(ClusterSnapshot)
_CONTAINER_HINTS = typing.get_type_hints(Container)
_OTHER_FIELDS = tuple(f.name for f in dataclasses.fields(ClusterSnapshot)
                      if f.name != "containers")
_CONTAINER_FIELDS = tuple(f.name for f in dataclasses.fields(Container))


class DeltaError(ValueError):
    """A delta that does not fit the snapshot it is applied to (not its base)."""


# ---------------------------------------------------------------------------------- making

def snapshot_delta(old: ClusterSnapshot, new: ClusterSnapshot) -> dict[str, Any]:
    """The changes that turn `old` into `new` (as values: `apply_delta(old, d) == new`)."""
    delta: dict[str, Any] = {}
    fields: dict[str, Any] = {}
    for name in _OTHER_FIELDS:
        before, after = getattr(old, name), getattr(new, name)
        if before is not after and before != after:
            fields[name] = encode(after)
    parts = _containers_delta(old.containers, new.containers)
    if parts is None:  # ids not unique (never seen, but possible): keyed changes cannot say it
        fields["containers"] = encode(new.containers)
    else:
        delta.update(parts)
    if fields:
        delta["fields"] = fields
    return delta


def _containers_delta(old: Sequence[Container], new: Sequence[Container]
                      ) -> dict[str, Any] | None:
    before = {c.id: c for c in old}
    new_ids = [c.id for c in new]
    now = set(new_ids)
    if len(before) != len(old) or len(now) != len(new_ids):
        return None
    changed: dict[str, Any] = {}
    added: dict[str, Any] = {}
    for container in new:
        prev = before.get(container.id)
        if prev is None:
            added[container.id] = encode(container)
        elif prev is not container and prev != container:
            fields = _fields_changed(prev, container)
            if fields:
                changed[container.id] = fields
    out: dict[str, Any] = {}
    if changed:
        out["changed"] = changed
    if added:
        out["added"] = added
    removed = [cid for cid in before if cid not in now]
    if removed:
        out["removed"] = removed
    if new_ids != list(before):  # dicts keep insertion order: `before` is the old order
        out["order"] = new_ids
    return out


def _fields_changed(old: Container, new: Container) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name in _CONTAINER_FIELDS:
        before, after = getattr(old, name), getattr(new, name)
        if before is not after and before != after:
            out[name] = after if type(after) in _PLAIN else encode(after)
    return out


# -------------------------------------------------------------------------------- applying

def apply_delta(base: ClusterSnapshot, delta: Mapping[str, Any]) -> ClusterSnapshot:
    """The snapshot that `delta` (from `snapshot_delta(base, new)`, through JSON) describes:
    equal to what decoding `new` whole gives. DeltaError when it does not fit `base`;
    WireError when a value does not fit its field. Unknown fields are ignored (a newer
    agent)."""
    if not isinstance(delta, Mapping):
        raise DeltaError(f"a delta is an object, got {type(delta).__name__}")
    fields = _mapping(delta, "fields")
    changes: dict[str, Any] = {}
    for name, raw in fields.items():
        hint = _SNAPSHOT_HINTS.get(name)
        if hint is not None:
            changes[name] = _decode_field(hint, raw, name)
    if "containers" not in changes and _touches_containers(delta):
        changes["containers"] = _apply_containers(base.containers, delta)
    if not changes:
        return base
    try:
        return dataclasses.replace(base, **changes)
    except (TypeError, ValueError) as exc:
        raise DeltaError(f"cannot build the snapshot: {exc}") from None


def _touches_containers(delta: Mapping[str, Any]) -> bool:
    return any(key in delta for key in ("changed", "added", "removed", "order"))


def _apply_containers(base: Sequence[Container], delta: Mapping[str, Any]
                      ) -> tuple[Container, ...]:
    by_id = {c.id: c for c in base}
    if len(by_id) != len(base):
        raise DeltaError("the base has containers with the same id: a delta cannot key them")
    removed = delta.get("removed") or []
    if not isinstance(removed, list):
        raise DeltaError("removed: expected a list of ids")
    for cid in removed:
        if not isinstance(cid, str) or by_id.pop(cid, None) is None:
            raise DeltaError(f"removed: no container {cid!r} in the base")
    for cid, raw in _mapping(delta, "changed").items():
        old = by_id.get(cid)
        if old is None:
            raise DeltaError(f"changed: no container {cid!r} in the base")
        if not isinstance(raw, Mapping):
            raise DeltaError(f"changed[{cid!r}]: expected an object")
        by_id[cid] = _changed(old, raw, cid)
    added = _mapping(delta, "added")
    for cid, raw in added.items():
        if cid in by_id:
            raise DeltaError(f"added: container {cid!r} is in the base already")
        container = _decode_field(Container, raw, f"added[{cid!r}]")
        if container.id != cid:
            raise DeltaError(f"added[{cid!r}]: its id is {container.id!r}")
        by_id[cid] = container
    order = delta.get("order")
    if order is None:
        if removed or added:
            raise DeltaError("containers were added or removed, but no order was sent")
        return tuple(by_id[c.id] for c in base)
    if (not isinstance(order, list) or len(order) != len(by_id)
            or not all(isinstance(cid, str) for cid in order) or set(order) != by_id.keys()):
        raise DeltaError("order: not every container once")
    return tuple(by_id[cid] for cid in order)


def _changed(old: Container, raw: Mapping[str, Any], cid: str) -> Container:
    changes = {name: _decode_field(_CONTAINER_HINTS[name], value, f"changed[{cid!r}].{name}")
               for name, value in raw.items() if name in _CONTAINER_HINTS}
    if changes.get("id", cid) != cid:
        raise DeltaError(f"changed[{cid!r}]: its id would change")
    try:
        return dataclasses.replace(old, **changes)
    except (TypeError, ValueError) as exc:
        raise DeltaError(f"changed[{cid!r}]: {exc}") from None


def _decode_field(hint: Any, raw: Any, where: str) -> Any:
    try:
        return decode(hint, raw)
    except WireError as exc:
        raise WireError(exc.reason, f"{where}.{exc.path}" if exc.path else where) from None


def _mapping(delta: Mapping[str, Any], key: str) -> Mapping[str, Any]:
    value = delta.get(key) or {}
    if not isinstance(value, Mapping):
        raise DeltaError(f"{key}: expected an object, got {type(value).__name__}")
    return value
