"""The everyday container acts (restart, stop, start, kill, pause, unpause, remove) on the
simulated cluster: one plan for every container named or matched, what makes no sense refused
or left out before anything is done, the last running replica asked twice, every act audited.
(The same acts run against a real daemon in tests/integration/test_container_acts.py.)"""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from fintui.clock import FixedClock
from fintui.config import load_settings
from fintui.core.container_lifecycle import signal_name, why_not
from fintui.model import Container
from fintui.ops.operations import Failed, Operations, Refused
from fintui.sources.base import ActionFailed
from fintui.sources.demo import DEMO_START, DemoCluster
from fintui.sources.demo_actions import DemoActions


@pytest.fixture
def world(tmp_path: Path) -> tuple[DemoCluster, Operations]:
    settings = load_settings(None)
    settings = replace(settings, paths=replace(settings.paths, state_dir=tmp_path),
                       audit=replace(settings.audit, path=tmp_path / "audit.jsonl"))
    clock = FixedClock(DEMO_START)
    cluster = DemoCluster(7, clock, 2.0)
    return cluster, Operations(DemoActions(cluster), settings, "alice", False, clock)


async def seen(cluster: DemoCluster, name: str) -> Container | None:
    """The container as the next sweep shows it (None: gone)."""
    snapshot = await cluster.sweep()
    return next((c for c in snapshot.containers if c.name == name), None)


def records(ops: Operations) -> list[dict[str, Any]]:
    return ops.audit.records()


async def test_restart_gives_a_new_start_time(world: tuple[DemoCluster, Operations]) -> None:
    cluster, ops = world
    before = await seen(cluster, "md-feed-sse")
    assert before is not None and before.started_at is not None
    plan = await ops.plan_container("restart", ["md-feed-sse"])
    assert plan.summary == "restart container md-feed-sse"
    assert plan.steps == ["restart md-feed-sse (running)"]
    assert not plan.double_confirm
    outcome = await ops.execute(plan)
    assert outcome.result["containers"] == [
        {"name": "md-feed-sse", "id": before.id, "done": True, "error": ""}]
    after = await seen(cluster, "md-feed-sse")
    assert after is not None and after.state == "running"
    assert after.started_at is not None and after.started_at > before.started_at
    assert after.status.startswith("Up ") and "seconds" in after.status
    assert [(r["action"], r["outcome"]) for r in records(ops)] == [
        ("restart", "started"), ("restart", "ok")]
    assert records(ops)[-1]["target"] == "md-feed-sse"


async def test_stop_then_start(world: tuple[DemoCluster, Operations]) -> None:
    cluster, ops = world
    await ops.execute(await ops.plan_container("stop", ["fix-gateway"]))
    stopped = await seen(cluster, "fix-gateway")
    assert stopped is not None and stopped.state == "exited" and stopped.exit_code == 0
    with pytest.raises(Refused, match="cannot stop fix-gateway: it is not running"):
        await ops.plan_container("stop", ["fix-gateway"])
    await ops.execute(await ops.plan_container("start", ["fix-gateway"]))
    started = await seen(cluster, "fix-gateway")
    assert started is not None and started.state == "running"


async def test_start_of_a_finished_job_runs_it(world: tuple[DemoCluster, Operations]) -> None:
    cluster, ops = world
    await ops.execute(await ops.plan_container("start", ["nightly-report"]))
    job = await seen(cluster, "nightly-report")
    assert job is not None and job.state == "running"


async def test_kill_sends_the_chosen_signal(world: tuple[DemoCluster, Operations]) -> None:
    cluster, ops = world
    plan = await ops.plan_container("kill", ["md-feed-sse"], signal="term")
    assert plan.summary == "send SIGTERM to container md-feed-sse"
    assert plan.parameters["signal"] == "SIGTERM"
    outcome = await ops.execute(plan)
    assert outcome.result["signal"] == "SIGTERM"
    killed = await seen(cluster, "md-feed-sse")
    assert killed is not None and killed.state == "exited" and killed.exit_code == 143
    assert records(ops)[-1]["parameters"]["signal"] == "SIGTERM"


async def test_kill_defaults_to_sigkill(world: tuple[DemoCluster, Operations]) -> None:
    _, ops = world
    plan = await ops.plan_container("kill", ["md-feed-sse"])
    assert plan.steps == ["send SIGKILL to md-feed-sse (running)"]


@pytest.mark.parametrize(("text", "name"), [
    ("", "SIGKILL"), ("SIGTERM", "SIGTERM"), ("TERM", "SIGTERM"), ("15", "SIGTERM"),
    ("hup", "SIGHUP"), (" sigusr1 ", "SIGUSR1"), ("9", "SIGKILL")])
def test_signal_names(text: str, name: str) -> None:
    assert signal_name(text) == name


@pytest.mark.parametrize("text", ["SIGFOO", "0", "99", "-9", "TERM!", "KILL 9"])
async def test_an_unknown_signal_is_refused_before_anything(
        world: tuple[DemoCluster, Operations], text: str) -> None:
    cluster, ops = world
    with pytest.raises(Refused, match="unknown signal"):
        await ops.plan_container("kill", ["md-feed-sse"], signal=text)
    assert records(ops)[-1]["outcome"] == "refused"
    running = await seen(cluster, "md-feed-sse")
    assert running is not None and running.state == "running"


async def test_only_kill_takes_a_signal(world: tuple[DemoCluster, Operations]) -> None:
    _, ops = world
    with pytest.raises(Refused, match="only kill sends a signal"):
        await ops.plan_container("stop", ["md-feed-sse"], signal="TERM")


async def test_pause_and_unpause(world: tuple[DemoCluster, Operations]) -> None:
    cluster, ops = world
    await ops.execute(await ops.plan_container("pause", ["fix-gateway"]))
    paused = await seen(cluster, "fix-gateway")
    assert paused is not None and paused.state == "paused"
    with pytest.raises(Refused, match="it is already paused"):
        await ops.plan_container("pause", ["fix-gateway"])
    with pytest.raises(Refused, match="unpause it first"):
        await ops.plan_container("kill", ["fix-gateway"])
    await ops.execute(await ops.plan_container("unpause", ["fix-gateway"]))
    back = await seen(cluster, "fix-gateway")
    assert back is not None and back.state == "running"
    with pytest.raises(Refused, match=r"not paused \(running\)"):
        await ops.plan_container("unpause", ["fix-gateway"])


async def test_remove_keeps_the_named_volume(world: tuple[DemoCluster, Operations]) -> None:
    cluster, ops = world
    running = await ops.plan_container("remove", ["md-feed-sse"])
    assert running.steps == ["stop and remove md-feed-sse (running), keeping its volumes"]
    await ops.execute(await ops.plan_container("stop", ["md-feed-sse"]))
    plan = await ops.plan_container("remove", ["md-feed-sse"])
    assert plan.steps == ["remove md-feed-sse (exited), keeping its volumes"]
    await ops.execute(plan)
    assert await seen(cluster, "md-feed-sse") is None
    volumes = {v.name for v in (await cluster.disk_usage()).volumes}
    assert "md-feed-sse-data" in volumes


@pytest.mark.parametrize(("action", "state", "words"), [
    ("start", "running", "already running"), ("start", "paused", "unpause it instead"),
    ("stop", "exited", "not running"), ("stop", "created", "not running"),
    ("kill", "exited", "not running"), ("pause", "exited", "not running"),
    ("unpause", "running", "not paused"), ("remove", "removing", "being removed"),
    ("restart", "paused", "unpause it first"), ("restart", "removing", "being removed"),
    ("kill", "restarting", "stop it instead"), ("pause", "restarting", "restarting")])
def test_what_makes_no_sense(action: str, state: str, words: str) -> None:
    assert words in why_not(action, state)


@pytest.mark.parametrize(("action", "state"), [
    ("start", "exited"), ("start", "created"), ("stop", "running"), ("stop", "paused"),
    ("restart", "exited"), ("restart", "running"), ("kill", "running"),
    ("remove", "exited"), ("remove", "created"), ("unpause", "paused")])
def test_what_makes_sense(action: str, state: str) -> None:
    assert why_not(action, state) == ""


async def test_match_covers_every_name_in_one_plan(world: tuple[DemoCluster, Operations]
                                                    ) -> None:
    _, ops = world
    plan = await ops.plan_container("restart", [], match="agents-*")
    assert plan.summary == "restart 2 containers: agents-llm-infer-1, agents-llm-infer-2"
    assert plan.steps == [
        "restart agents-llm-infer-1 (running, compose service agents/llm-infer)",
        "restart agents-llm-infer-2 (running, compose service agents/llm-infer)"]
    outcome = await ops.execute(plan)
    assert [r["done"] for r in outcome.result["containers"]] == [True, True]
    assert records(ops)[-1]["target"] == "agents-llm-infer-1, agents-llm-infer-2"


async def test_names_and_match_together_once_each(world: tuple[DemoCluster, Operations]
                                                  ) -> None:
    _, ops = world
    plan = await ops.plan_container("pause", ["agents-llm-infer-2", "md-feed-sse"],
                                    match="agents-*")
    assert plan.parameters["containers"] == ["agents-llm-infer-2", "md-feed-sse",
                                             "agents-llm-infer-1"]


async def test_nothing_found_is_refused_naming_what_was_asked(
        world: tuple[DemoCluster, Operations]) -> None:
    _, ops = world
    asked = "no container 'ghost'; no container name matches 'zz-*'"
    with pytest.raises(Refused, match=re.escape(asked)):
        await ops.plan_container("stop", ["ghost"], match="zz-*")
    record = records(ops)[-1]
    assert record["outcome"] == "refused" and record["target"] == "ghost, --match zz-*"
    with pytest.raises(Refused, match="name the containers"):
        await ops.plan_container("stop", [])


async def test_an_unknown_name_among_known_is_left_out_with_a_warning(
        world: tuple[DemoCluster, Operations]) -> None:
    _, ops = world
    plan = await ops.plan_container("restart", ["ghost", "md-feed-sse"])
    assert plan.parameters["containers"] == ["md-feed-sse"]
    assert "no container 'ghost': left out" in plan.warnings


async def test_with_several_what_makes_no_sense_is_left_out(
        world: tuple[DemoCluster, Operations]) -> None:
    _, ops = world
    plan = await ops.plan_container("start", ["nightly-report", "md-feed-sse"])
    assert plan.parameters["containers"] == ["nightly-report"]
    assert plan.warnings == ["left out md-feed-sse: it is already running"]
    outcome = await ops.execute(plan)
    assert outcome.result["skipped"][0]["name"] == "md-feed-sse"
    # One reason, said once for all it holds for (eight tasks of a service: one sentence).
    with pytest.raises(Refused, match="nothing to start: md-feed-sse, fix-gateway: it is "
                                      r"already running$"):
        await ops.plan_container("start", ["md-feed-sse", "fix-gateway"])


async def test_stopping_the_last_running_replica_asks_twice(
        world: tuple[DemoCluster, Operations]) -> None:
    _, ops = world
    one = await ops.plan_container("stop", ["agents-llm-infer-1"])
    assert not one.double_confirm  # its sibling runs on
    both = await ops.plan_container("stop", [], match="agents-llm-infer-*")
    assert both.double_confirm
    assert both.double_confirm_reason == ("this stops the last running replica(s) of compose "
                                          "service agents/llm-infer: none of its replicas will "
                                          "run")
    alone = await ops.plan_container("kill", ["risk-var-batch-1"], signal="TERM")
    assert alone.double_confirm and "risk/var-batch" in alone.double_confirm_reason
    assert not (await ops.plan_container("restart", ["risk-var-batch-1"])).double_confirm
    assert not (await ops.plan_container("stop", ["md-feed-sse"])).double_confirm


async def test_swarm_tasks_warn_that_swarm_replaces_them(
        world: tuple[DemoCluster, Operations]) -> None:
    _, ops = world
    plan = await ops.plan_container("stop", [], match="pricing.*")
    # All three of the service's tasks, yet Swarm starts new ones: it does not ask twice.
    assert not plan.double_confirm
    assert [w for w in plan.warnings if "Swarm" in w] == [
        "pricing.1.k3j9x2a1, pricing.2.p8d0s7q4, pricing.3.x1m2n3b4 are tasks of Swarm "
        "service pricing: Swarm replaces a stopped task with a new one; to run fewer, scale "
        "the service instead"]
    assert plan.steps[0].endswith("(running, Swarm service pricing)")


async def test_many_at_once_asks_twice(world: tuple[DemoCluster, Operations]) -> None:
    _, ops = world
    plan = await ops.plan_container("pause", [], match="*")
    assert plan.double_confirm and "more than 5" in plan.double_confirm_reason
    assert not (await ops.plan_container("start", [], match="*")).double_confirm


async def test_an_isolated_container_warns_it_stays_isolated(
        world: tuple[DemoCluster, Operations]) -> None:
    _, ops = world
    await ops.execute(await ops.plan_isolate("fix-gateway", replace=False))
    plan = await ops.plan_container("stop", ["fix-gateway"])
    assert any("fix-gateway is isolated" in w and "does not release it" in w
               for w in plan.warnings)


async def test_viewers_are_refused_and_audited(world: tuple[DemoCluster, Operations]) -> None:
    _, ops = world
    viewer = Operations(ops.actions, ops.settings, "desk", True, ops.clock)
    with pytest.raises(Refused, match="viewer"):
        await viewer.plan_container("restart", ["md-feed-sse"])
    record = records(ops)[-1]
    assert record["outcome"] == "refused" and record["action"] == "restart"


async def test_one_failure_does_not_hide_the_others(world: tuple[DemoCluster, Operations],
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    cluster, ops = world
    actions = ops.actions
    assert isinstance(actions, DemoActions)
    real = actions.restart

    async def flaky(container_id: str) -> None:
        if cluster._spec(container_id).name == "agents-llm-infer-1":
            raise ActionFailed("cannot restart: device busy", 500)
        await real(container_id)

    monkeypatch.setattr(actions, "restart", flaky)
    plan = await ops.plan_container("restart", ["agents-llm-infer-1", "md-feed-sse"])
    with pytest.raises(Failed, match="1 of 2 not restarted: agents-llm-infer-1: cannot "
                                     "restart: device busy") as failed:
        await ops.execute(plan)
    assert "restarted md-feed-sse" in str(failed.value)
    rows = failed.value.result["containers"]
    assert [(r["name"], r["done"]) for r in rows] == [("agents-llm-infer-1", False),
                                                      ("md-feed-sse", True)]
    record = records(ops)[-1]
    assert record["outcome"] == "failed"
    assert record["result"]["containers"] == rows


async def test_the_same_through_the_agent(tmp_path: Path) -> None:
    """The agent plans, holds and runs a container act for its caller, as Operations does."""
    from fintui.agent.acts import ActDesk
    from fintui.ops.identity import current_identity
    from fintui.watch.watch import Watch
    from tests.tui.helpers import paging_demo_parts

    parts = paging_demo_parts(tmp_path)
    acts = ActDesk(Watch(parts, parts.operations()))
    me = current_identity()
    plan = await acts.plan(me, {"action": "kill", "targets": ["md-feed-sse"],
                                "signal": "15", "match": "agents-*"})
    assert plan["summary"] == ("send SIGTERM to 3 containers: md-feed-sse, agents-llm-infer-1, "
                               "agents-llm-infer-2")
    assert plan["double_confirm"]
    items = [item async for item in acts.execute(me, {"ticket": plan["ticket"]})]
    assert items[-1]["kind"] == "done", items
    assert [r["done"] for r in items[-1]["result"]["containers"]] == [True, True, True]
    with pytest.raises(Exception, match="unknown signal"):
        await acts.plan(me, {"action": "kill", "targets": ["md-feed-sse"], "signal": "NOPE"})


def test_the_json_document_names_each_container_when_one_fails(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    """`--json` prints the document also when the act fails: each container with done/error,
    exit 1, and the one line on stderr."""
    import json

    from fintui.cli import main
    from fintui.sources.demo_lifecycle import DemoLifecycle

    real = DemoLifecycle.stop

    async def flaky(self: DemoLifecycle, container_id: str) -> None:
        if self.cluster._spec(container_id).name == "md-feed-sse":
            raise ActionFailed("cannot stop: device busy", 500)
        await real(self, container_id)

    monkeypatch.setattr(DemoLifecycle, "stop", flaky)
    code = main(["--demo", "--no-agent", "stop", "md-feed-sse", "fix-gateway", "nightly-report",
                 "--json", "--yes"])
    out, err = capsys.readouterr()
    assert code == 1
    document = json.loads(out)
    assert document["action"] == "stop"
    assert [(c["name"], c["done"], c["error"]) for c in document["containers"]] == [
        ("md-feed-sse", False, "cannot stop: device busy"), ("fix-gateway", True, "")]
    assert document["skipped"][0]["name"] == "nightly-report"
    assert "not running" in document["skipped"][0]["reason"]
    assert document["error"].startswith("failed: 1 of 2 not stopped: md-feed-sse")
    assert "fintui: failed: 1 of 2 not stopped" in err


async def test_json_interrupted_still_prints_its_document(
        world: tuple[DemoCluster, Operations], capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    """^C while the act runs: a runbook reading --json still gets one document."""
    import asyncio
    import json
    from types import SimpleNamespace

    from fintui.cli_container import container_verb

    _, ops = world
    begun = asyncio.Event()

    async def hangs(plan: object, progress: object = None) -> None:
        begun.set()
        await asyncio.Event().wait()  # a stop's grace period that ^C cuts short

    monkeypatch.setattr(ops, "execute", hangs)
    args = SimpleNamespace(verb="stop", containers=["md-feed-sse"], match="", json=True,
                           yes=True, signal="")
    running = asyncio.create_task(container_verb(ops, args))  # type: ignore[arg-type]
    await begun.wait()
    running.cancel()
    with pytest.raises(asyncio.CancelledError):
        await running
    doc = json.loads(capsys.readouterr().out)
    assert doc["action"] == "stop" and doc["error"].startswith("interrupted")
    assert [(c["name"], c["done"]) for c in doc["containers"]] == [("md-feed-sse", False)]
