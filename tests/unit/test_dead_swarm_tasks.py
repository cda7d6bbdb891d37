"""Swarm tasks that are no longer running, on the simulated cluster (its Swarm service
`pricing`, three replicas): Swarm has replaced such a task itself, so isolating it raises no
replica (by hand, or by a proposal approved after its target died); a Swarm task with a
health check is said to die after its stop grace period once isolated; release says an
isolated task has exited; a stopped container is not `container.unhealthy`."""

from __future__ import annotations

import os
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest

from fintui.clock import FixedClock
from fintui.config import load_settings
from fintui.core.alerts import RestartWindow, Rule, observe
from fintui.model import ClusterSnapshot, Container, Health, SourceStatus
from fintui.ops.identity import Identity
from fintui.ops.operations import Operations
from fintui.sources.demo import DEMO_START, DemoCluster
from fintui.sources.demo_actions import DemoActions
from fintui.sources.engine_facts import service_facts

TASK = "pricing.1.k3j9x2a1"


class World:
    def __init__(self, tmp: Path) -> None:
        settings = load_settings(None)
        self.settings = replace(settings, paths=replace(settings.paths, state_dir=tmp),
                                audit=replace(settings.audit, path=tmp / "audit.jsonl"),
                                scale=replace(settings.scale, converge_timeout=2.0))
        self.clock = FixedClock(DEMO_START)
        self.cluster = DemoCluster(7, self.clock, 2.0)

    def ops(self, name: str = "alice") -> Operations:
        return Operations(DemoActions(self.cluster), self.settings, name, False, self.clock,
                          identity=Identity(os.getuid(), name))

    def killed_by_swarm(self, name: str) -> None:
        """As Swarm does to a task whose health check fails: SIGKILL, paused or not."""
        self.cluster.paused.discard(name)
        self.cluster.exited[name] = self.clock.now()
        self.cluster.exit_codes[name] = 137

    def replicas(self) -> int:
        return self.cluster.pricing_replicas


@pytest.fixture
def world(tmp_path: Path) -> World:
    return World(tmp_path)


async def test_isolating_a_swarm_task_that_exited_starts_no_replacement(world: World) -> None:
    world.killed_by_swarm(TASK)
    ops = world.ops()
    plan = await ops.plan_isolate(TASK)
    assert not any("raise Swarm service" in s for s in plan.steps)
    assert plan.steps[-1] == ("no replacement to start: Swarm has started a task of its own "
                              "in its place (it is exited)")
    assert "it is a Swarm task that is exited: Swarm replaces it itself, so pricing is not " \
           "raised" in plan.warnings
    outcome = await ops.execute(plan)
    assert world.replicas() == 3
    assert outcome.result["replacement"] == ""
    assert outcome.result["bundle"]  # its evidence is kept all the same
    assert ops.isolations.active(outcome.result["container"]) is not None


async def test_a_proposal_approved_after_its_target_died_raises_no_replica(
        world: World) -> None:
    policy = world.ops("policy:sick")
    policy.actor = "policy:sick"
    plan = await policy.plan_isolate(TASK)
    assert any("raise Swarm service pricing by one replica" in s for s in plan.steps)
    request = policy.propose(plan, "alert sick fired")
    world.killed_by_swarm(TASK)  # while the proposal waited
    outcome = await world.ops("bob").approve(request)
    assert world.replicas() == 3
    assert outcome.result["replacement"] == ""


async def test_a_running_swarm_task_is_replaced_and_its_grace_period_said(
        world: World) -> None:
    ops = world.ops()
    plan = await ops.plan_isolate(TASK)  # the demo's pricing tasks have a health check
    assert plan.steps[-1] == "start a replacement: raise Swarm service pricing by one replica"
    assert ("Swarm stops an unhealthy task after its stop grace period (10s), paused or not: "
            "its evidence is in the bundle; the exited container stays for its logs"
            ) in plan.warnings
    await ops.execute(plan)
    assert world.replicas() == 4
    # A container without a health check is never killed for one: not said.
    other = await ops.plan_isolate("risk-var-batch-1")
    assert not any("grace period" in w for w in other.warnings)


async def test_release_says_an_isolated_task_has_exited_since(world: World) -> None:
    ops = world.ops()
    await ops.execute(await ops.plan_isolate(TASK))
    world.killed_by_swarm(TASK)
    plan = await ops.plan_release(TASK)
    assert "it has exited since it was isolated (exit code 137): release gives back its " \
           "networks and restart policy and does not start it" in plan.warnings
    assert "leave it exited (it is not started)" in plan.steps
    assert "leave its run state as it is" not in plan.steps
    await ops.execute(plan)
    assert not ops.isolations.active_ids()
    # A paused one is unpaused, as before.
    await ops.execute(await ops.plan_isolate("pricing.2.p8d0s7q4"))
    again = await ops.plan_release("pricing.2.p8d0s7q4")
    assert "unpause it" in again.steps
    assert not any("since it was isolated" in w for w in again.warnings)


def test_a_service_says_its_stop_grace_period() -> None:
    base = {"ID": "s1", "Spec": {"Name": "pricing", "Mode": {"Replicated": {"Replicas": 3}}}}
    assert service_facts(base).stop_grace == 10.0  # Docker's default
    spec = {**base["Spec"], "TaskTemplate": {"ContainerSpec": {"StopGracePeriod": 30 * 10**9}}}
    assert service_facts({**base, "Spec": spec}).stop_grace == 30.0


def test_a_stopped_container_is_not_unhealthy() -> None:
    # Docker keeps the last health status of a container that stopped.
    rule = Rule("sick", "container.unhealthy", "==", 1, 0, "warning")
    now = DEMO_START
    boxes = (Container("id-a", "alive", "i", "running", "", health=Health.UNHEALTHY),
             Container("id-b", "dead", "i", "exited", "", health=Health.UNHEALTHY,
                       exit_code=137),
             Container("id-c", "held", "i", "paused", "", health=Health.UNHEALTHY))
    snap = ClusterSnapshot(now, SourceStatus("demo://", True), containers=boxes)
    read = {o.target: o.value for o in observe([rule], snap, RestartWindow(timedelta(0)))}
    assert read == {"alive": 1.0, "dead": 0.0, "held": 0.0}
