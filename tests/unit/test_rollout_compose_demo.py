"""Compose rollouts and rollbacks end to end on the simulated cluster: replicas replaced new
before old, a canary's fault rolled back, a later batch's failure putting earlier ones back,
rollback to the audited image. (Against a real daemon: tests/integration/
test_rollout_compose.py.)"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path

import pytest

from fintui.clock import FixedClock
from fintui.config import load_settings
from fintui.model_ops import ContainerFacts, NetworkAttachment, RestartPolicy
from fintui.ops import rollout_compose_run
from fintui.ops.guard import Decision
from fintui.ops.operations import Failed, Operations, Refused
from fintui.ops.plan import Plan
from fintui.ops.rollout_compose import plan_compose_rollback, plan_compose_rollout
from fintui.sources.base import ActionFailed
from fintui.sources.demo import DEMO_START, DemoCluster
from fintui.sources.demo_actions import DemoActions
from fintui.sources.demo_cast import _id

TARGET = "agents/llm-infer"  # two replicas on ml/infer-agent:0.7.3 in the demo
OLD = "ml/infer-agent:0.7.3"
NEW = "ml/infer-agent:0.6.0"  # on the demo host too, unused


class Watched(DemoActions):
    """The demo, counting the service's running replicas after every removal, and making
    the new replicas numbered in `bad` go wrong as told (at once, or after `later` s)."""

    def __init__(self, cluster: DemoCluster) -> None:
        super().__init__(cluster)
        self.lowest: int | None = None
        self.bad: dict[str, str] = {}  # replica name -> behaviour it turns to
        self.later = 0.0
        self.refuse_create = ""  # the daemon's answer to every create (an image gone)
        self.stuck: set[str] = set()  # container ids whose first removal hangs

    def running(self) -> int:
        return sum(1 for s in self.cluster.specs if s.project == "agents"
                   and self.cluster._container(s).state == "running")

    async def stop_and_remove(self, container_id: str) -> None:
        if container_id in self.stuck:  # the first removal hangs until it is cut short
            self.stuck.discard(container_id)
            await asyncio.Event().wait()
        await super().stop_and_remove(container_id)
        now = self.running()
        self.lowest = now if self.lowest is None else min(self.lowest, now)

    async def create_copy(self, template: ContainerFacts, name: str,
                          labels: Mapping[str, str], network: NetworkAttachment | None,
                          restart_policy: RestartPolicy, image: str = "") -> str:
        if self.refuse_create:
            raise ActionFailed(self.refuse_create)
        new_id = await super().create_copy(template, name, labels, network, restart_policy,
                                           image)
        if name in self.bad:
            def turn() -> None:
                specs = self.cluster.specs
                at = next(i for i, s in enumerate(specs) if s.name == name)
                specs[at] = replace(specs[at], behaviour=self.bad[name])
            if self.later:
                asyncio.get_running_loop().call_later(self.later, turn)
            else:
                turn()
        return new_id


@pytest.fixture
def world(tmp_path: Path, monkeypatch: pytest.MonkeyPatch
          ) -> tuple[DemoCluster, Watched, Operations]:
    monkeypatch.setattr(rollout_compose_run, "SETTLE", 0.0)
    monkeypatch.setattr(rollout_compose_run, "POLL", 0.01)
    settings = load_settings(None)
    settings = replace(settings, paths=replace(settings.paths, state_dir=tmp_path),
                       audit=replace(settings.audit, path=tmp_path / "audit.jsonl"),
                       rollout=replace(settings.rollout, converge_timeout=2.0))
    clock = FixedClock(DEMO_START)
    cluster = DemoCluster(7, clock, 2.0)
    actions = Watched(cluster)
    return cluster, actions, Operations(actions, settings, "alice", False, clock)


async def rollout(ops: Operations, image: str, canary: int = 0, watch: float = 0.0,
                  parallelism: int = 1, target: str = TARGET) -> Plan:
    async def build(decision: Decision) -> Plan:
        return await plan_compose_rollout(ops, target, image, canary, watch, parallelism,
                                          decision)

    return await ops.planned("rollout", target, {"image": image}, build)


async def rollback(ops: Operations, target: str = TARGET) -> Plan:
    async def build(decision: Decision) -> Plan:
        return await plan_compose_rollback(ops, target, decision)

    return await ops.planned("rollback", target, {}, build)


def replicas(cluster: DemoCluster) -> dict[str, str]:
    """The service's replicas now: name -> image."""
    return {s.name: s.image for s in cluster.specs if s.project == "agents"}


async def test_a_rollout_replaces_every_replica_new_before_old(
        world: tuple[DemoCluster, Watched, Operations]) -> None:
    cluster, actions, ops = world
    plan = await rollout(ops, NEW)
    assert plan.parameters["from"] == OLD and plan.parameters["to"] == NEW
    assert plan.parameters["to_id"].startswith("sha256:")
    assert any("never fewer running replicas" in step for step in plan.steps)
    outcome = await ops.execute(plan)
    assert replicas(cluster) == {"agents-llm-infer-3": NEW, "agents-llm-infer-4": NEW}
    assert actions.lowest == 2  # two ran at the start; never fewer
    assert outcome.result["replaced"] == ["agents-llm-infer-1 → agents-llm-infer-3",
                                          "agents-llm-infer-2 → agents-llm-infer-4"]
    records = ops.audit.records()
    assert [r["outcome"] for r in records] == ["started", "ok"]
    assert records[-1]["parameters"]["from"] == OLD
    assert records[-1]["result"]["removed"] == ["agents-llm-infer-1", "agents-llm-infer-2"]


async def test_a_canary_fault_in_its_watch_rolls_it_back_and_keeps_the_old_ones(
        world: tuple[DemoCluster, Watched, Operations]) -> None:
    cluster, actions, ops = world
    actions.bad = {"agents-llm-infer-3": "exited"}
    actions.later = 0.1  # up at first, then it stops during its watch
    plan = await rollout(ops, NEW, canary=1, watch=1.0)
    assert plan.steps[0].startswith("canary: create 1 new replica(s)")
    with pytest.raises(Failed, match="canary agents-llm-infer-3 stopped") as failed:
        await ops.execute(plan)
    assert str(failed.value).startswith("rolled back: canary")
    assert replicas(cluster) == {"agents-llm-infer-1": OLD, "agents-llm-infer-2": OLD}
    assert actions.lowest == 2
    record = ops.audit.records()[-1]
    assert record["outcome"] == "failed"
    assert record["result"]["removed"] == ["agents-llm-infer-3"]
    assert record["result"]["replaced"] == []
    assert record["result"]["rolled_back"] is True  # the verbs say "rolled back"


async def test_the_demos_broken_image_fails_its_canary(
        world: tuple[DemoCluster, Watched, Operations]) -> None:
    cluster, _, ops = world
    with pytest.raises(Failed, match=r"canary agents-llm-infer-3 (keeps restarting|restarted)"):
        await ops.execute(await rollout(ops, "ml/infer-agent:bad", canary=1, watch=1.0))
    assert replicas(cluster) == {"agents-llm-infer-1": OLD, "agents-llm-infer-2": OLD}


async def test_a_later_batch_failing_puts_the_earlier_replaced_ones_back(
        world: tuple[DemoCluster, Watched, Operations]) -> None:
    cluster, actions, ops = world
    actions.bad = {"agents-llm-infer-4": "unhealthy"}
    with pytest.raises(Failed, match="agents-llm-infer-4 failed its health check"):
        await ops.execute(await rollout(ops, NEW))
    # -1 was replaced by -3; -4 failed: -4 removed, -1 made again (as -5), then -3 removed.
    assert replicas(cluster) == {"agents-llm-infer-2": OLD, "agents-llm-infer-5": OLD}
    assert actions.lowest == 2
    result = ops.audit.records()[-1]["result"]
    assert result["restored"] == [f"agents-llm-infer-5 on {OLD}"]
    assert result["replaced"] == ["agents-llm-infer-1 → agents-llm-infer-3"]


async def test_rollback_returns_to_the_image_the_audit_recorded(
        world: tuple[DemoCluster, Watched, Operations]) -> None:
    cluster, _, ops = world
    with pytest.raises(Refused, match="no rollout of agents/llm-infer that changed its image"):
        await rollback(ops)
    # Through the operations door, as the verbs and the console call it.
    await ops.execute(await ops.plan_rollout(TARGET, NEW, parallelism=2))
    back = await ops.plan_rollback(TARGET)
    assert back.action == "rollback" and back.parameters["to"] == OLD
    await ops.execute(back)
    assert set(replicas(cluster).values()) == {OLD}
    with pytest.raises(Refused, match="no rollout of agents/llm-infer that changed"):
        await rollback(ops)  # the last rollout's from-image is what runs now
    assert [r["outcome"] for r in ops.audit.records()] == [
        "refused", "started", "ok", "started", "ok", "refused"]


def test_a_rollout_cut_short_half_way_can_be_rolled_back() -> None:
    from fintui.ops.rollout_compose import previous_image

    done = {"action": "rollout", "target": "p/s", "outcome": "ok", "time": "t1",
            "parameters": {"from": "app:1", "to": "app:2"}}
    cut = {"action": "rollout", "target": "p/s", "outcome": "unknown", "time": "t2",
           "parameters": {"from": "app:2", "to": "app:3"}}
    # Half way (the console quit): back to what the cut-short rollout replaced.
    assert previous_image([done, cut], "p/s", running=frozenset({"app:2", "app:3"})) == (
        "app:2", "t2")
    # It was undone whole (everything runs app:2 again): the one before it.
    assert previous_image([done, cut], "p/s", running=frozenset({"app:2"})) == ("app:1", "t1")
    assert previous_image([done], "p/s", running=frozenset({"app:1"})) is None


@pytest.mark.parametrize(("target", "image", "words"), [
    ("ghost/svc", NEW, "no containers of compose service ghost/svc"),
    (TARGET, OLD, f"every running replica of {TARGET} already runs {OLD}"),
    (TARGET, "nosuch/model:1.0", "image nosuch/model:1.0 is not on this endpoint"),
    (TARGET, NEW, "a canary must be fewer than the replicas of agents/llm-infer to replace"),
])
async def test_compose_refusals_are_clear_and_audited(
        world: tuple[DemoCluster, Watched, Operations], target: str, image: str,
        words: str) -> None:
    _, _, ops = world
    with pytest.raises(Refused, match=words):
        await rollout(ops, image, target=target, canary=2 if "canary" in words else 0)
    record = ops.audit.records()[-1]
    assert record["outcome"] == "refused" and words in record["error"]


async def test_an_isolated_replica_is_left_alone_and_not_counted(
        world: tuple[DemoCluster, Watched, Operations]) -> None:
    cluster, _, ops = world
    await ops.execute(await ops.plan_isolate("agents-llm-infer-1", replace=False))
    plan = await rollout(ops, NEW)
    assert plan.parameters["replicas"] == 1
    assert "1 isolated replica(s) are left as they are" in plan.warnings
    outcome = await ops.execute(plan)
    assert outcome.result["replaced"] == ["agents-llm-infer-2 → agents-llm-infer-3"]
    assert replicas(cluster) == {"agents-llm-infer-1": OLD, "agents-llm-infer-3": NEW}


async def test_an_image_gone_before_the_first_replica_is_a_failure_that_changed_nothing(
        world: tuple[DemoCluster, Watched, Operations]) -> None:
    cluster, actions, ops = world
    plan = await rollout(ops, NEW)
    actions.refuse_create = f"No such image: {NEW}"  # removed between the plan and `y`
    with pytest.raises(Failed) as failed:
        await ops.execute(plan)
    message = str(failed.value)
    assert message.startswith(f"a new replica could not be made: No such image: {NEW}")
    # The daemon answered: nothing to guess about, and nothing was rolled back.
    assert "no answer" not in message and "may still have done it" not in message
    assert "rolled back" not in message
    assert message.endswith("nothing was changed")
    assert replicas(cluster) == {"agents-llm-infer-1": OLD, "agents-llm-infer-2": OLD}
    record = ops.audit.records()[-1]
    assert record["outcome"] == "failed" and record["result"]["rolled_back"] is False
    assert "unanswered" not in record["result"]


async def test_a_rollout_cut_short_removes_the_new_replicas_of_the_batch_under_way(
        world: tuple[DemoCluster, Watched, Operations]) -> None:
    cluster, _, ops = world
    lines: list[str] = []
    plan = await rollout(ops, NEW, canary=1, watch=30.0)
    running = asyncio.create_task(ops.execute(plan, progress=lines.append))
    for _ in range(500):  # until its canary is being watched
        if any(line.startswith("watching 1 canary") for line in lines):
            break
        await asyncio.sleep(0.01)
    assert "agents-llm-infer-3" in replicas(cluster)
    running.cancel()  # ^C, or the console closing
    with pytest.raises(asyncio.CancelledError):
        await running
    # No stray: the next rollout finds the service as it was, two replicas on the old image.
    assert replicas(cluster) == {"agents-llm-infer-1": OLD, "agents-llm-infer-2": OLD}
    assert "removed new replica agents-llm-infer-3" in lines
    record = ops.audit.records()[-1]
    assert record["outcome"] == "failed" and record["error"].startswith("interrupted")
    assert "removed new replica agents-llm-infer-3" in record["result"]["done"]


async def test_a_rollout_cut_short_while_an_old_replica_goes_finishes_that_swap(
        world: tuple[DemoCluster, Watched, Operations]) -> None:
    cluster, actions, ops = world
    lines: list[str] = []
    plan = await rollout(ops, NEW, parallelism=2)
    actions.stuck = {_id("agents-llm-infer-1")}
    running = asyncio.create_task(ops.execute(plan, progress=lines.append))
    for _ in range(500):  # until both new replicas are up and the old ones go
        if any(line.startswith("agents-llm-infer-4 is up") for line in lines) and \
                not actions.stuck:
            break
        await asyncio.sleep(0.01)
    else:
        raise AssertionError(f"the old replica's removal never began: {lines}")
    running.cancel()
    with pytest.raises(asyncio.CancelledError):
        await running
    # -3 replaced -1 (whose removal was under way, and is finished); -4 was not yet in -2's
    # place: it goes, -2 stays. As many replicas as at the start, none astray.
    assert replicas(cluster) == {"agents-llm-infer-2": OLD, "agents-llm-infer-3": NEW}
    assert actions.lowest == 2
    done = ops.audit.records()[-1]["result"]["done"]
    assert "removed agents-llm-infer-1" in done
    assert "removed new replica agents-llm-infer-4" in done
