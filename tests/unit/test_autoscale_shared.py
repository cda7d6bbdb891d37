"""Policies that share a service over the demo cluster (Monday 09:30 in Shanghai at the
start): their acts on it run one at a time, the next planned against the first's result; any
policy's act restarts the count and the cooldown of the service's autoscale policies; an
approved proposal starts the cooldown; a console's runner leaves the policies to an agent."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest

from fintui.core.policy_rows import ARMED, COOLING, ELSEWHERE
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


def schedule(name: str, replicas: int) -> str:
    return f"""
[[policies.schedule]]
name = "{name}"
service = "pricing"
replicas = {replicas}
at = "09:31"
days = ["mon"]
timezone = "Asia/Shanghai"
"""


def scales(parts: Parts) -> list[tuple[str, str]]:
    return [(r["actor"], r["outcome"]) for r in audit(parts) if r["action"] == "scale"]


async def test_two_acts_due_together_run_one_after_the_other(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    parts = demo_parts(tmp_path, schedule("up", 5) + schedule("down", 2))
    read = parts.actions.service  # type: ignore[attr-defined]

    async def slow_daemon(name: str) -> Any:  # as a real one: acts overlap unless kept apart
        await asyncio.sleep(0.05)
        return await read(name)

    monkeypatch.setattr(parts.actions, "service", slow_daemon)
    watch = Watch(parts, parts.operations())
    await sweep(watch)
    advance(parts, 60)  # 09:31: both are due in the same sweep
    for _ in range(4):
        snap = await sweep(watch)
    assert desired(snap) == 2
    assert row(watch, "up").last == "done: scale Swarm service pricing from 3 to 5"
    assert row(watch, "down").last == "done: scale Swarm service pricing from 5 to 2"


async def test_a_schedules_act_restarts_the_autoscale_count_and_cooldown(
        tmp_path: Path) -> None:
    parts = demo_parts(tmp_path, schedule("open", 4) + BURST)
    watch = Watch(parts, parts.operations())
    for _ in range(3):  # loaded, then 2 of 3 readings under
        await sweep(watch, 5)
    assert "2 of 3 under 20" in row(watch, "burst").detail
    advance(parts, 60)
    for _ in range(10):  # the schedule acts; readings still under, inside the cooldown
        snap = await sweep(watch, 5)
    assert desired(snap) == 4
    assert scales(parts) == [("policy:open", "started"), ("policy:open", "ok")]
    assert row(watch, "burst").state == COOLING


async def test_an_approved_proposal_starts_the_cooldown(tmp_path: Path) -> None:
    parts = demo_parts(tmp_path, BURST + 'mode = "propose"\n')
    watch = Watch(parts, parts.operations())
    for _ in range(5):
        await sweep(watch, 90)
    [asked] = watch.approval_rows()
    advance(parts, 31)  # decided after the proposal's own cooldown
    operator = parts.operations()
    await operator.approve(asked.id)
    for _ in range(12):  # the load went with the new replica: readings under
        snap = await sweep(watch, 5)
    assert desired(snap) == 4
    assert len(watch.approval_rows()) == 1  # no scale-in proposed right after
    state = row(watch, "burst")
    assert state.state == COOLING
    assert state.last == (f"request {asked.id} approved by {operator.identity.user} and "
                          f"done: {asked.summary}")


async def test_a_consoles_runner_leaves_the_policies_to_an_agent(tmp_path: Path) -> None:
    answers = False

    async def agent_answers(path: Path, timeout: float = 1.0) -> bool:
        return answers

    parts = demo_parts(tmp_path, BURST)
    console = Watch(parts, parts.operations())  # --no-agent: it takes the policies
    console.policies.handover.answers = agent_answers  # as fintui.agent.supervise gives it
    for _ in range(2):
        await sweep(console, 50)
    assert row(console, "burst").state == ARMED
    answers = True  # an agent started
    agent = Watch(parts, parts.operations())
    agent.policies.handover.agent = True
    await sweep(agent, 50)
    assert row(agent, "burst").state == ELSEWHERE  # the console holds the lock, for now
    advance(parts, 10)
    await sweep(console, 50)
    state = row(console, "burst")
    assert state.state == ELSEWHERE
    assert state.detail == f"the agent at {parts.settings.agent.socket} runs them"
    # Automatic isolation asks the same question: it does not take the lock back.
    assert console.isolator._why_not() == state.detail
    assert not console.policies.lock.held
    for _ in range(6):
        await sweep(agent, 90)
    assert row(agent, "burst").state == COOLING  # it took them, and scaled out
    for _ in range(4):
        await sweep(console, 90)
    assert [actor for actor, _ in scales(parts)] == ["policy:burst"] * 2
