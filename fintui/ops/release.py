"""Release in the operations layer: undo an isolation, finished or cut short: reconnect,
restore the restart policy, unpause, and remove a replacement that never ran."""

from __future__ import annotations

from typing import Any

from fintui.core import scaling
from fintui.core.act_journal import Journal
from fintui.core.text_safety import one_line
from fintui.model_ops import ContainerFacts, NetworkAttachment, RestartPolicy
from fintui.ops.guard import Decision
from fintui.ops.isolation import state_of_container
from fintui.ops.plan import Acting, Plan, Refused, now_iso
from fintui.store.isolations import Isolation


async def plan_release(ops: Acting, container: str) -> Plan:
    async def build(decision: Decision) -> Plan:
        facts = await ops.resolve(container)
        cid, name = facts.id, facts.name
        isolation = ops.isolations.active(cid)
        if isolation is None:
            raise Refused(f"{name} is not isolated: nothing to release")
        steps, warnings, leftover = await _release_steps(ops, facts, isolation)

        async def run(note: Journal) -> dict[str, Any]:
            return await _release(ops, cid, isolation, note)

        if isolation.partial:
            # Read from the container, not only the record: a change asked for whose answer
            # never came (the daemon frozen) may have been made all the same.
            found = _still_changed(facts, isolation)
            if leftover:
                found.append(f"its replacement {isolation.replacement} created, never started")
            warnings.insert(0, f"its isolation stopped half-way (recorded as done: "
                               f"{'; '.join(isolation.done) or 'nothing'}); found on it now: "
                               f"{'; '.join(found) or 'nothing of the isolation'}: release "
                               "puts back what is still changed")
        return Plan("release", name, f"release {name}", steps, {}, warnings=warnings,
                    decision=decision, run=run)

    return await ops.planned("release", container, {}, build)


def _networks(isolation: Isolation) -> list[NetworkAttachment]:
    return [NetworkAttachment.from_record(n) for n in isolation.networks]


def _still_changed(facts: ContainerFacts, isolation: Isolation) -> list[str]:
    """What of an isolation the container shows now, in the operator's words."""
    on = {n.network for n in facts.networks}
    found = [f"off network {one_line(n.network)}" for n in _networks(isolation)
             if n.network not in on]
    now = facts.restart_policy.label
    was = RestartPolicy.from_record(isolation.restart_policy).label
    if now != was:
        found.append(f"restart policy {now} (was {was})")
    if facts.paused:
        found.append("paused")
    return found


async def _release_steps(ops: Acting, facts: ContainerFacts, isolation: Isolation
                         ) -> tuple[list[str], list[str], str]:
    """The plan's steps and warnings; and the replacement to remove ("" for none): one the
    isolation asked for and that never ran."""
    on = {n.network for n in facts.networks}
    policy = RestartPolicy.from_record(isolation.restart_policy).label
    leftover = ""
    warnings = []
    if isolation.replacement_id:
        state = await state_of_container(ops.actions, isolation.replacement_id)
        if state and state not in scaling.LIVE_STATES and state != "exited":
            leftover = isolation.replacement_id
        elif state:
            warnings.append(f"the replacement ({isolation.replacement}) keeps running: remove "
                            "or scale it down yourself if it is no longer wanted")
        else:
            warnings.append(f"its replacement ({isolation.replacement}) no longer exists")
    elif isolation.replacement:
        warnings.append(f"the replacement ({isolation.replacement}) keeps running: remove or "
                        "scale it down yourself if it is no longer wanted")
    ended = not facts.live and facts.state != "created"
    if ended:  # Swarm stops an unhealthy task even paused; a kill ends any of them
        how = "exited" if facts.state == "exited" else f"stopped ({facts.state})"
        code = f" (exit code {facts.exit_code})" if facts.exit_code is not None else ""
        warnings.append(f"it has {how} since it was isolated{code}: release gives back its "
                        "networks and restart policy and does not start it")
    # Details lists the aliases naming this instance apart, "added by docker": say the same
    # here, so an alias seen there and missing here does not read as one about to be lost.
    steps = [*(f"reconnect network {one_line(n.network)} with aliases "
               f"{', '.join(one_line(a) for a in n.aliases) or '-'} "
               "(+ its name and id, added by docker)" for n in _networks(isolation)
               if n.network not in on),
             f"restore restart policy {policy}",
             "unpause it" if facts.paused else f"leave it {facts.state} (it is not started)"
             if ended else "leave its run state as it is"]
    if leftover:
        steps.append(f"remove the replacement {one_line(isolation.replacement)}: "
                     "created by the isolation and never started")
    return steps, warnings, leftover


async def _release(ops: Acting, cid: str, isolation: Isolation, note: Journal
                   ) -> dict[str, Any]:
    facts = await ops.actions.container(cid)  # as it is now: undo what is still to undo
    _, _, leftover = await _release_steps(ops, facts, isolation)
    on = {n.network for n in facts.networks}
    for attachment in _networks(isolation):
        if attachment.network in on:
            continue
        note.trying(f"reconnecting {attachment.network}")
        await ops.actions.network_connect(attachment, cid)
        note.changed(f"reconnected {attachment.network}")
    policy = RestartPolicy.from_record(isolation.restart_policy)
    note.trying(f"restoring restart policy {policy.label}")
    await ops.actions.set_restart_policy(cid, policy)
    note.changed(f"restart policy restored to {policy.label}")
    if facts.paused:
        note.trying("unpausing")
        await ops.actions.unpause(cid)
        note.changed("unpaused")
    removed = ""
    if leftover:
        note.trying(f"removing {isolation.replacement}")
        await ops.actions.stop_and_remove(leftover)
        note.changed(f"removed the replacement {isolation.replacement} (never started)")
        removed = isolation.replacement
    ops.isolations.release(cid, now_iso(ops.clock))
    return {"container": cid, "networks": isolation.networks,
            "restart_policy": isolation.restart_policy, "was_partial": isolation.partial,
            "replacement_left_running": "" if removed or not isolation.replacement
            else isolation.replacement, "replacement_removed": removed}
