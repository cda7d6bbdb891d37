"""Stale-storage cleanup in the operations layer: preview, plan, and an execution that checks
every candidate again right before deleting it."""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Any

from fintui.core.act_journal import Journal
from fintui.core.cleanup import CleanupPlan, plan_cleanup, protected
from fintui.core.format import human_bytes
from fintui.core.text_safety import one_line
from fintui.model import CleanupItem, ClusterSnapshot, DiskUsage
from fintui.ops.guard import Decision
from fintui.ops.plan import BIG_CHANGE, Acting, Plan, Refused
from fintui.sources.base import ActionFailed, ContainerGone, ObjectGone
from fintui.sources.capabilities import ContainerReader, Nuker
from fintui.store.db import StateUnavailable


async def preview_clean(ops: Acting, match: str = "",
                        snapshot: ClusterSnapshot | None = None,
                        disk: DiskUsage | None = None) -> CleanupPlan:
    """What a cleanup would remove and spare, now. Changes nothing; needs no role."""
    if ops.source is None:
        raise Refused("no cluster source to plan a cleanup from")
    snap = snapshot or await ops.source.sweep()
    df = disk or await ops.source.disk_usage()
    # With several endpoints only this daemon's containers use (or are) its storage.
    containers = snap.containers_of(ops.endpoint)
    now = ops.clock.now()

    def last_used() -> tuple[dict[str, datetime], dict[str, datetime]]:
        ops.usage.record(containers, now)  # they are in use right now
        return ops.usage.volume_last_used(ops.endpoint), ops.usage.image_last_used(ops.endpoint)

    # In a thread: a locked state file waits out SQLite's busy timeout, never the screen.
    try:
        volumes_used, images_used = await asyncio.to_thread(last_used)
    except StateUnavailable as exc:
        # Without "last used" every volume would look stale: refuse rather than guess.
        raise Refused(f"cannot tell when storage was last used: {one_line(str(exc))}"
                      ) from None
    return plan_cleanup(df, containers, ops.settings.cleanup, now, volumes_used, images_used,
                        match)


async def plan_clean(ops: Acting, match: str = "", snapshot: ClusterSnapshot | None = None,
                     disk: DiskUsage | None = None) -> Plan:
    parameters = {"match": match}

    async def build(decision: Decision) -> Plan:
        cleanup = await preview_clean(ops, match, snapshot, disk)
        plan = Plan("clean", match or "*", "", [], parameters, decision=decision,
                    cleanup=cleanup)
        describe(plan)

        async def run(note: Journal) -> dict[str, Any]:
            return await run_clean(ops, plan, note)

        plan.run = run
        return plan

    return await ops.planned("clean", match or "*", parameters, build)


def describe(plan: Plan, left_out: list[CleanupItem] | None = None) -> None:
    """The plan's summary and steps (what the audit's `started` record and the progress title
    say) from the candidates it will remove, and those the operator unticked."""
    assert plan.cleanup is not None
    left_out = left_out or []
    chosen = plan.cleanup.candidates
    plan.summary = (f"remove {len(chosen)} stale object(s), "
                    f"{human_bytes(sum(i.bytes for i in chosen))}")
    plan.double_confirm_reason = why_twice(len(chosen))
    plan.double_confirm = bool(plan.double_confirm_reason)
    plan.steps = [f"remove {i.kind} {i.name} ({i.reason})" for i in plan.cleanup.candidates]
    if left_out:
        plan.summary += f"; {len(left_out)} left out by the operator"
        plan.steps += [f"leave {i.kind} {i.name} (unticked by the operator)" for i in left_out]
        plan.parameters["left_out"] = [{"kind": i.kind, "name": i.name, "id": i.id}
                                       for i in left_out]


def why_twice(removing: int) -> str:
    """Why a clean asks twice ("" when it does not): it removes many objects at once."""
    if removing > BIG_CHANGE:
        return f"this removes {removing} objects, more than {BIG_CHANGE}"
    return ""


def choose(plan: Plan, ticked: set[str]) -> None:
    """Narrow a clean plan to the candidates the operator kept ticked, before it runs: its
    records then list only what it removes, and name what the operator left out."""
    assert plan.cleanup is not None
    candidates = plan.cleanup.candidates
    plan.cleanup.candidates = [i for i in candidates if i.id in ticked]
    describe(plan, [i for i in candidates if i.id not in ticked])


async def run_clean(ops: Acting, plan: Plan, note: Journal) -> dict[str, Any]:
    """Each candidate checked again, then removed; each removal is kept as it completes, so a
    clean cut short (the daemon gone at item 12) records the eleven it did."""
    assert plan.cleanup is not None
    chosen = plan.cleanup.candidates  # what the operator kept ticked (choose())
    nuker: Nuker = ops.actions
    removed: list[dict[str, Any]] = []
    skipped: list[dict[str, str]] = []
    failed: list[dict[str, str]] = []
    freed: dict[str, int] = {}
    # The same lists, filled as it goes: a failed clean's record carries what it did.
    note.partial.update(removed=removed, skipped=skipped, failed=failed, freed_bytes=freed)
    for number, item in enumerate(chosen, start=1):
        note(f"[{number}/{len(chosen)}] {item.kind} {item.name}")
        why = await changed_since_plan(ops, item)
        if why:
            skipped.append({"kind": item.kind, "name": item.name, "id": item.id,
                            "reason": why})
            note(f"  skipped: {why}")
            continue
        try:
            note.pending = f"remove {item.kind} {item.name}"  # the line above says so
            await nuker.remove_storage(item.kind, item.id)
        except ObjectGone:
            skipped.append({"kind": item.kind, "name": item.name, "id": item.id,
                            "reason": "already gone"})
            note.pending = ""
            note("  skipped: already gone")
            continue
        except ActionFailed as exc:  # a 409 (in use) is reported, not fatal
            failed.append({"kind": item.kind, "name": item.name, "id": item.id,
                           "error": one_line(str(exc))})
            note.pending = ""
            note(f"  failed: {one_line(str(exc))}")
            continue
        removed.append({"kind": item.kind, "name": item.name, "id": item.id,
                        "bytes": item.bytes})
        freed[item.kind] = freed.get(item.kind, 0) + item.bytes
        note.changed(f"  removed, {human_bytes(item.bytes)}", f"removed {item.kind} {item.name}")
    return {"removed": removed, "skipped": skipped, "failed": failed,
            "freed_bytes": freed, "freed_total": sum(freed.values())}


async def changed_since_plan(ops: Acting, item: CleanupItem) -> str:
    """Check a candidate again right before deleting it: still there, still unused, still
    not protected. Returns why to skip it, or ""."""
    nuker: Nuker = ops.actions
    reader: ContainerReader = ops.actions
    try:
        labels = await nuker.storage_labels(item.kind, item.id)
        why = protected(item.name, labels.items(), ops.settings.cleanup)
        if why:
            return f"now {why}"
        if item.kind == "container":
            if (await reader.container(item.id)).live:
                return "it is running now"
            return ""
        users = await nuker.storage_users(item.kind, item.id)
    except (ObjectGone, ContainerGone):
        return "already gone"
    if users:
        return f"in use now by {', '.join(users[:3])}"
    return ""
