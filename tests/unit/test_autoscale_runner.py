"""Autoscaling run by a paging watch over the demo cluster: three readings over the threshold
scale out once, as policy:<name> in the audit; the cooldown holds; a freeze or a viewer role
stops it without flooding the audit log; a restarted watch remembers the cooldown; only one
process on a state folder runs policies."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fintui.core.policy_rows import (
    ARMED,
    COOLING,
    ELSEWHERE,
    FROZEN,
    HELD,
    REFUSED,
    WAITING,
)
from fintui.watch.watch import Watch
from fintui.wiring import Parts
from tests.unit.policy_demo import advance, audit, demo_parts, desired, row, sweep

BURST = """
[[policies.autoscale]]
name = "burst"
service = "pricing"
metric = "cpu"
scale_out_above = 70
scale_in_below = 20
min = 2
max = 5
cooldown = "30s"
"""
ALWAYS = """
[[guard.freeze]]
name = "all-day"
days = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
start = "00:00"
end = "23:59"
timezone = "UTC"
actions = ["scale"]
"""


def scales(parts: Parts) -> list[dict[str, Any]]:
    return [r for r in audit(parts) if r["action"] == "scale"]


async def test_three_readings_over_scale_out_once_then_the_cooldown_holds(
        tmp_path: Path) -> None:
    parts = demo_parts(tmp_path, BURST)
    watch = Watch(parts, parts.operations())
    await sweep(watch, 50)  # the first loads what the policies did before
    await sweep(watch, 90)
    await sweep(watch, 90)
    assert desired(await sweep(watch, 50)) == 3  # a reading between restarts the count
    for _ in range(2):
        await sweep(watch, 90)
    assert row(watch, "burst").detail.startswith("cpu 90% · 2 of 3 over 70")
    await sweep(watch, 90)  # the third in a row
    assert desired(await sweep(watch, 90)) == 4
    records = scales(parts)
    assert [(r["actor"], r["outcome"]) for r in records] == [
        ("policy:burst", "started"), ("policy:burst", "ok")]
    assert records[0]["parameters"]["replicas"] == 4
    assert row(watch, "burst").state == COOLING
    assert row(watch, "burst").last == "done: scale Swarm service pricing from 3 to 4"
    for _ in range(10):  # 5 s of load inside a 30 s cooldown: no second act
        await sweep(watch, 95)
    assert len(scales(parts)) == 2
    advance(parts, 30)
    await sweep(watch, 95)  # cooled: the readings counted meanwhile, so it acts at once
    assert desired(await sweep(watch, 95)) == 5
    advance(parts, 31)
    for _ in range(4):
        await sweep(watch, 95)
    assert len(scales(parts)) == 4  # at max: nothing more
    assert row(watch, "burst").next == "scales in to 4 after 3 readings < 20%"
    for _ in range(4):
        await sweep(watch, 5)
    assert desired(await sweep(watch, 5)) == 4  # three readings under: in by one


async def test_a_restarted_watch_keeps_the_cooldown_and_the_last_act(tmp_path: Path) -> None:
    parts = demo_parts(tmp_path, BURST)
    first = Watch(parts, parts.operations())
    for _ in range(5):
        await sweep(first, 90)
    assert len(scales(parts)) == 2
    first.policies.lock.release()  # the first agent is gone
    again = Watch(parts, parts.operations())
    for _ in range(6):
        await sweep(again, 90)
    assert len(scales(parts)) == 2  # still cooling down: it remembered
    assert row(again, "burst").state == COOLING
    assert row(again, "burst").last.startswith("done: scale")


async def test_a_freeze_shows_frozen_and_audits_nothing_an_override_acts(
        tmp_path: Path) -> None:
    parts = demo_parts(tmp_path / "frozen", BURST + ALWAYS)
    watch = Watch(parts, parts.operations())
    for _ in range(6):
        await sweep(watch, 90)
    assert row(watch, "burst").state == FROZEN
    assert "all-day" in row(watch, "burst").detail
    assert scales(parts) == []
    watch.policies.lock.release()

    policy = BURST + 'override_freeze = "market open surge"\n'
    parts = demo_parts(tmp_path / "override", policy + ALWAYS)
    watch = Watch(parts, parts.operations())
    for _ in range(5):
        await sweep(watch, 90)
    records = scales(parts)
    assert records[-1]["outcome"] == "ok"
    assert records[-1]["override"] == "market open surge"


async def test_a_viewer_policy_is_refused_without_a_record_each_sweep(tmp_path: Path) -> None:
    parts = demo_parts(tmp_path, BURST + '\n[guard]\nroles = { "policy:burst" = "viewer" }\n')
    watch = Watch(parts, parts.operations())
    for _ in range(6):
        await sweep(watch, 90)
    assert row(watch, "burst").state == REFUSED
    assert "viewer" in row(watch, "burst").detail
    assert scales(parts) == []


async def test_one_runner_per_state_folder_others_say_where(tmp_path: Path) -> None:
    parts = demo_parts(tmp_path, BURST)
    first = Watch(parts, parts.operations())
    await sweep(first, 50)
    await sweep(first, 50)
    second = Watch(parts, parts.operations())
    for _ in range(5):
        await sweep(second, 90)
    state = row(second, "burst")
    assert state.state == ELSEWHERE
    assert "runs them" in state.detail
    assert scales(parts) == []  # the second never acted
    # A console attached to an agent (its watch does not page) says the agent runs them.
    attached = Watch(parts, parts.operations(), deliver=False)
    await sweep(attached, 90)
    assert row(attached, "burst").state == ELSEWHERE
    assert row(first, "burst").state == ARMED


async def test_read_only_never_acts(tmp_path: Path) -> None:
    parts = demo_parts(tmp_path, BURST, "--read-only")
    watch = Watch(parts, parts.operations())
    for _ in range(5):
        await sweep(watch, 90)
    assert row(watch, "burst").state == REFUSED
    assert scales(parts) == []


async def test_a_policy_in_propose_mode_files_one_request_and_waits(tmp_path: Path) -> None:
    parts = demo_parts(tmp_path, BURST + 'mode = "propose"\n')
    watch = Watch(parts, parts.operations())
    for _ in range(8):
        snap = await sweep(watch, 90)
    assert desired(snap) == 3  # nothing changed: it waits for an operator
    pending = [r for r in watch.approval_rows() if r.state == "pending"]
    assert [(r.requester, r.action, r.target) for r in pending] == [
        ("policy:burst", "scale", "pricing")]
    state = row(watch, "burst")
    assert state.state == WAITING
    assert state.last.startswith("proposed: scale Swarm service pricing from 3 to 4")
    watch.policies.lock.release()
    watch = Watch(parts, parts.operations())  # restarted: it knows its request still waits
    advance(parts, 31)
    for _ in range(4):  # past the cooldown, still over: no second request while one waits
        await sweep(watch, 90)
    assert row(watch, "burst").state == WAITING
    assert len([r for r in watch.approval_rows() if r.state == "pending"]) == 1
    operator = parts.operations()
    operator.reject(pending[0].id, "not now")
    for _ in range(12):  # the runner looks at its request every 5 s of the watch's clock
        await sweep(watch, 90)
    state = row(watch, "burst")
    assert state.last == (f"request {pending[0].id} rejected by {operator.identity.user}: "
                          f"{pending[0].summary}")
    assert state.state == COOLING  # one cooldown from the rejection
    advance(parts, 31)
    for _ in range(6):  # cooled, still over: not proposed again until the reading leaves
        await sweep(watch, 90)
    assert len(watch.approval_rows()) == 1
    assert "proposes again once the reading has left" in row(watch, "burst").detail
    await sweep(watch, 50)
    for _ in range(4):  # left the threshold and came back: proposed again
        await sweep(watch, 90)
    assert [r.state for r in watch.approval_rows()] == ["pending", "rejected"]


async def test_an_isolated_task_is_never_counted_and_holds_a_swarm_scale_in(
        tmp_path: Path) -> None:
    # The demo reports an isolated (paused) task as not running, so a scale never sees all
    # its tasks run: a short converge wait ends that act (it is the plan that matters here).
    parts = demo_parts(tmp_path, BURST.replace('cooldown = "30s"', 'cooldown = "0s"')
                       + '\n[scale]\nconverge_timeout = 1\n')
    watch = Watch(parts, parts.operations())
    snap = await sweep(watch, 50)
    victim = next(c for c in snap.containers if c.service == "pricing")
    ops = parts.operations()
    await ops.execute(await ops.plan_isolate(victim.name))
    for _ in range(5):
        snap = await sweep(watch, 5)
    assert desired(snap) == 4  # three serving, one isolated (Swarm's replacement)
    state = row(watch, "burst")
    assert "3 replica(s), 1 isolated" in state.detail
    assert "scale-in held: 1 isolated task(s)" in state.detail
    assert state.state == HELD
    assert scales(parts) == []
    for _ in range(4):
        snap = await sweep(watch, 90)
    assert desired(snap) == 5  # out to 4 serving: the isolated one keeps its slot
    first = scales(parts)[0]
    assert (first["actor"], first["outcome"], first["parameters"]["replicas"]) == (
        "policy:burst", "started", 5)
    # That act failed (the demo's tasks never all run): audited once, tried again after 60 s.
    for _ in range(6):
        await sweep(watch, 95)
    assert [r["outcome"] for r in scales(parts)] == ["started", "failed"]
    assert "tries again at" in row(watch, "burst").detail
    advance(parts, 60)
    for _ in range(4):
        await sweep(watch, 95)
    assert [r["outcome"] for r in scales(parts)] == ["started", "failed"] * 2
