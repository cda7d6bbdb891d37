"""Rollouts and rollbacks on the simulated cluster, end to end through the operations layer:
the pricing service moves to a new image a task at a time, a canary to a broken image
(`:bad`) is rolled back, `rollback` goes to the previous spec; refusals say why, and every
act is audited with its from and to image. (A real Swarm: tests/integration/
test_rollout_swarm.py.)"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest

from fintui.clock import FixedClock
from fintui.config import FreezeWindow, load_settings
from fintui.ops import rollout_follow
from fintui.ops.operations import Failed, Operations, Refused
from fintui.sources.demo import DEMO_START, DemoCluster
from fintui.sources.demo_actions import DemoActions

OLD, NEW, BAD = ("quant/pricing-engine:2.4.1", "quant/pricing-engine:2.5.0",
                 "quant/pricing-engine:bad")


@pytest.fixture
def world(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[DemoCluster, Operations]:
    monkeypatch.setattr(rollout_follow, "POLL", 0.01)
    settings = load_settings(None)
    settings = replace(settings, paths=replace(settings.paths, state_dir=tmp_path),
                       audit=replace(settings.audit, path=tmp_path / "audit.jsonl"),
                       rollout=replace(settings.rollout, converge_timeout=10.0))
    clock = FixedClock(DEMO_START)
    cluster = DemoCluster(7, clock, 2.0)
    return cluster, Operations(DemoActions(cluster), settings, "alice", False, clock)


def pricing_images(cluster: DemoCluster) -> list[str]:
    return [s.image for s in cluster.specs if s.service == "pricing" and not s.project]


async def test_rollout_moves_every_task_and_the_service_row_shows_the_new_image(
        world: tuple[DemoCluster, Operations]) -> None:
    cluster, ops = world
    plan = await ops.plan_rollout("pricing", NEW)
    assert plan.summary == f"roll out Swarm service pricing: 3 task(s) from {OLD} to {NEW}"
    lines: list[str] = []
    outcome = await ops.execute(plan, progress=lines.append)
    assert pricing_images(cluster) == [NEW] * 3
    assert "pricing: 1/3 tasks on quant/pricing-engine:2.5.0" in lines
    assert lines[-1] == "pricing: 3/3 tasks on quant/pricing-engine:2.5.0"
    assert outcome.result["outcome"] == "completed"
    snap = await cluster.sweep()
    assert next(s for s in snap.services if s.name == "pricing").image == NEW
    ok = ops.audit.records()[-1]
    assert (ok["action"], ok["outcome"]) == ("rollout", "ok")
    assert ok["parameters"]["from"] == OLD and ok["parameters"]["to"] == NEW
    assert ok["result"]["to_digests"][0].startswith("quant/pricing-engine@sha256:")
    assert ok["result"]["from_digests"]


async def test_a_canary_to_a_broken_image_is_rolled_back_and_named(
        world: tuple[DemoCluster, Operations]) -> None:
    cluster, ops = world
    plan = await ops.plan_rollout("pricing", BAD, canary=1, watch=5.0)
    assert "1 canary task(s) watched 5 s first" in plan.summary
    with pytest.raises(Failed, match=r"^rolled back: canary task pricing\.1 exited with code "
                                     r"1: task: non-zero exit \(1\)"):
        await ops.execute(plan)
    # Only the canary ever ran the broken image; every replica runs the old one again.
    assert pricing_images(cluster) == [OLD] * 3
    snap = await cluster.sweep()
    assert all(c.state == "running" for c in snap.containers if c.service == "pricing")
    failed = ops.audit.records()[-1]
    assert failed["outcome"] == "failed"
    assert failed["result"]["rolled_back"] is True
    assert failed["result"]["to"] == BAD and failed["result"]["from"] == OLD


async def test_a_healthy_canary_is_watched_then_the_rest_follows(
        world: tuple[DemoCluster, Operations]) -> None:
    cluster, ops = world
    lines: list[str] = []
    await ops.execute(await ops.plan_rollout("pricing", NEW, canary=1, watch=0.2),
                      progress=lines.append)
    assert pricing_images(cluster) == [NEW] * 3
    watched = lines.index("watching 1 canary task(s) of pricing for 0.2 s")
    # Only the canary moves before the verdict on it.
    assert lines[watched - 1:watched + 3] == [
        "pricing: 1/3 tasks on quant/pricing-engine:2.5.0",
        "watching 1 canary task(s) of pricing for 0.2 s",
        "the canary ran 0.2 s without a fault: the rest follows",
        "pricing: 2/3 tasks on quant/pricing-engine:2.5.0"]


async def test_rollback_goes_to_the_previous_spec(
        world: tuple[DemoCluster, Operations]) -> None:
    cluster, ops = world
    with pytest.raises(Refused, match="pricing has no previous spec to go back to"):
        await ops.plan_rollback("pricing")
    await ops.execute(await ops.plan_rollout("pricing", NEW))
    plan = await ops.plan_rollback("pricing")
    assert plan.summary == f"roll Swarm service pricing back from {NEW} to {OLD} " \
                           "(its previous spec)"
    await ops.execute(plan)
    assert pricing_images(cluster) == [OLD] * 3
    record = ops.audit.records()[-1]
    assert (record["action"], record["outcome"]) == ("rollback", "ok")
    assert (record["result"]["from"], record["result"]["to"]) == (NEW, OLD)
    # Swarm keeps one previous spec: a rollback uses it up.
    with pytest.raises(Refused, match="no previous spec"):
        await ops.plan_rollback("pricing")


@pytest.mark.parametrize(("service", "image", "kw", "why"), [
    ("pricing", "nope/model:9", {}, "image nope/model:9 is not on this endpoint"),
    ("pricing", OLD, {}, f"pricing already runs {OLD}"),
    ("pricing", NEW, {"canary": 3}, "a canary of 3 of pricing's 3 replica(s) is no canary"),
    ("pricing", "bad image", {}, "is not an image reference"),
    ("pricing", "", {}, "the image is empty"),
    ("pricing", NEW, {"parallelism": 0}, "parallelism must be 1 or more"),
    ("pricing", NEW, {"watch": -1.0}, "the watch must be longer than 0 s"),
    ("billing", NEW, {}, "no Swarm service 'billing'"),
])
async def test_a_rollout_that_cannot_be_is_refused_and_audited(
        world: tuple[DemoCluster, Operations], service: str, image: str,
        kw: dict[str, float], why: str) -> None:
    cluster, ops = world
    with pytest.raises(Refused, match=why.replace("(", r"\(").replace(")", r"\)")):
        await ops.plan_rollout(service, image, **kw)  # type: ignore[arg-type]
    assert pricing_images(cluster) == [OLD] * 3
    assert ops.audit.records()[-1]["outcome"] == "refused"


async def test_a_freeze_refuses_rollouts_unless_overridden(
        world: tuple[DemoCluster, Operations]) -> None:
    cluster, ops = world
    freeze = FreezeWindow("release-freeze", ("mon",), "00:00", "23:59", "Asia/Shanghai",
                          ("rollout", "rollback"))
    settings = replace(ops.settings, guard=replace(ops.settings.guard, freeze=(freeze,)))
    frozen = Operations(ops.actions, settings, "alice", False, ops.clock)
    with pytest.raises(Refused, match="release-freeze"):
        await frozen.plan_rollout("pricing", NEW)
    brave = Operations(ops.actions, settings, "alice", False, ops.clock,
                       override_reason="hotfix for the VaR bug")
    await brave.execute(await brave.plan_rollout("pricing", NEW))
    assert pricing_images(cluster) == [NEW] * 3
    records = ops.audit.records()
    assert [(r["action"], r["outcome"]) for r in records] == [
        ("rollout", "refused"), ("rollout", "started"), ("rollout", "ok")]
    assert records[-1]["override"] == "hotfix for the VaR bug"


@pytest.mark.parametrize(("argv", "said"), [
    (["rollout", "pricing", NEW, "--watch", "soon", "--yes"], "--watch 'soon'"),
    (["rollout", "pricing", NEW, "--watch", "0s", "--yes"], "--watch '0s'"),
    (["rollout", "pricing", NEW, "--canary", "-1", "--yes"], "--canary"),
    (["rollout", "pricing", NEW, "--parallelism", "0", "--yes"], "--parallelism"),
    (["rollout", "pricing", NEW, "--json"], "--json needs --yes"),
])
def test_bad_values_are_usage_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                     argv: list[str], said: str) -> None:
    from fintui.cli import main

    config = tmp_path / "fintui.toml"
    config.write_text(f'[paths]\nstate_dir = "{tmp_path / "state"}"\n', encoding="utf-8")
    assert main(["--demo", "--no-agent", "--config", str(config), *argv]) == 2
    assert said in capsys.readouterr().err
    assert not (tmp_path / "state" / "audit.jsonl").exists() or all(
        r["outcome"] != "started" for r in map(json.loads, (
            tmp_path / "state" / "audit.jsonl").read_text().splitlines()))


async def test_the_verb_json_document_and_its_exit_codes(
        world: tuple[DemoCluster, Operations], tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    from fintui import cli_rollout

    cluster, ops = world

    class Args:
        verb, service, image, canary, watch, parallelism = "rollout", "pricing", BAD, 1, \
            "1s", 1
        json, yes = True, True

    code = await cli_rollout.rollout_verb(ops, Args())  # type: ignore[arg-type]
    out, err = capsys.readouterr()
    assert code == 1
    assert err.startswith("fintui: rolled back: canary task pricing.1 exited with code 1")
    doc = json.loads(out)
    assert {k: doc[k] for k in ("action", "service", "kind", "from", "to", "canary",
                                "outcome", "rolled_back")} == {
        "action": "rollout", "service": "pricing", "kind": "swarm", "from": OLD, "to": BAD,
        "canary": 1, "outcome": "rolled_back", "rolled_back": True}
    assert doc["reason"].startswith("rolled back: canary task pricing.1 exited with code 1")
    assert doc["to_digests"] and doc["from_digests"]
    Args.image, Args.canary = NEW, 0
    assert await cli_rollout.rollout_verb(ops, Args()) == 0  # type: ignore[arg-type]
    done = json.loads(capsys.readouterr().out)
    assert (done["outcome"], done["rolled_back"], done["reason"]) == ("completed", False, "")
    assert pricing_images(cluster) == [NEW] * 3


async def test_the_verb_cut_short_says_what_is_left_and_how_to_undo_it(
        world: tuple[DemoCluster, Operations], capsys: pytest.CaptureFixture[str]) -> None:
    import asyncio

    from fintui import cli_rollout

    _, ops = world

    class Args:
        verb, service, image, canary, watch, parallelism = "rollout", "pricing", NEW, 1, \
            "60s", 1
        json, yes = False, True

    running = asyncio.create_task(cli_rollout.rollout_verb(ops, Args()))  # type: ignore[arg-type]
    for _ in range(500):  # until its canary is being watched
        if "watching" in capsys.readouterr().out:
            break
        await asyncio.sleep(0.01)
    running.cancel()  # ^C
    with pytest.raises(asyncio.CancelledError):
        await running
    err = capsys.readouterr().err.splitlines()
    assert err == ["interrupted: Swarm goes on with the rollout of pricing on its own, with "
                   "nobody watching its canary; `fintui audit show` says what was done, "
                   "`fintui rollback pricing` goes back"]


async def test_json_interrupted_still_prints_its_document(
        world: tuple[DemoCluster, Operations], capsys: pytest.CaptureFixture[str]) -> None:
    import asyncio
    import json

    from fintui import cli_rollout

    _, ops = world

    class Args:
        verb, service, image, canary, watch, parallelism = "rollout", "pricing", NEW, 1, \
            "60s", 1
        json, yes = True, True

    running = asyncio.create_task(cli_rollout.rollout_verb(ops, Args()))  # type: ignore[arg-type]
    for _ in range(500):  # until it has begun
        if any(r["outcome"] == "started" for r in ops.audit.records()):
            break
        await asyncio.sleep(0.01)
    await asyncio.sleep(0.2)
    running.cancel()  # ^C
    with pytest.raises(asyncio.CancelledError):
        await running
    doc = json.loads(capsys.readouterr().out)
    assert (doc["action"], doc["service"], doc["to"], doc["outcome"]) == (
        "rollout", "pricing", NEW, "interrupted")
    assert doc["reason"].startswith("interrupted: Swarm goes on with the rollout of pricing")


async def test_a_new_task_says_it_was_deployed_when_the_rollout_made_it(
        world: tuple[DemoCluster, Operations]) -> None:
    cluster, ops = world
    before = {c.name: c.created for c in (await cluster.sweep()).containers}
    await ops.execute(await ops.plan_rollout("pricing", NEW))
    snap = await cluster.sweep()
    new = [c for c in snap.containers if c.service == "pricing" and c.image == NEW]
    assert len(new) == 3
    for task in new:  # the demo keeps a slot's name: its creation is the rollout's now
        assert task.created != before[task.name]
        details = await cluster.details(task.id)
        assert details.deployed_how == "task created"
        assert task.created is not None
        assert details.deployed == task.created.isoformat().replace("+00:00", "Z")


async def test_a_rollout_without_a_canary_that_swarm_rolls_back_names_no_canary(
        world: tuple[DemoCluster, Operations]) -> None:
    _, ops = world
    lines: list[str] = []
    with pytest.raises(Failed) as failed:
        await ops.execute(await ops.plan_rollout("pricing", BAD), progress=lines.append)
    assert any(line.startswith("Swarm is rolling pricing back: ") for line in lines)
    assert not any("canary" in line for line in lines), lines
    assert "canary" not in str(failed.value)


async def test_a_rollout_to_another_repository_is_warned_of(
        world: tuple[DemoCluster, Operations]) -> None:
    _, ops = world
    plan = await ops.plan_rollout("pricing", "db/ledger-pg:15.4")
    assert ("db/ledger-pg:15.4 is of another repository than the running "
            "quant/pricing-engine: check that it is this service's image") in plan.warnings
    same = await ops.plan_rollout("pricing", NEW)
    assert not any("another repository" in w for w in same.warnings)


def test_only_a_change_of_repository_is_warned_of() -> None:
    from fintui.ops.rollout import other_repository

    assert other_repository("quant/px:2.4.1@sha256:" + "a" * 64, "quant/px:2.5.0") == ""
    assert other_repository("registry:5000/quant/px:1", "registry:5000/quant/px:2") == ""
    assert "another repository" in other_repository("quant/px:1", "fe-ra/nosh:v1")
    assert other_repository("quant/px:1", "sha256:" + "b" * 64) == ""  # an id: no name


async def test_a_short_image_id_is_resolved_to_the_full_id_before_anything_is_done() -> None:
    from fintui.model_release import ImageFacts
    from fintui.ops.rollout import full_id

    full = "sha256:436593aaee17" + "0" * 52

    class Images:
        async def image_facts(self, image: str) -> ImageFacts | None:
            known = {"436593aaee17": full, full: full, "deadbeefcafe": "sha256:" + "1" * 64}
            return ImageFacts(image, known[image]) if image in known else None

    class Ops:
        actions = Images()

    assert await full_id(Ops(), "436593aaee17") == full  # type: ignore[arg-type]
    assert await full_id(Ops(), full) == full  # type: ignore[arg-type]
    assert await full_id(Ops(), "quant/px:2.5.0") == "quant/px:2.5.0"  # type: ignore[arg-type]
    # Not here: left as given, for the planner to refuse as not on this endpoint.
    assert await full_id(Ops(), "0123456789ab") == "0123456789ab"  # type: ignore[arg-type]
    # A repository named in hex digits, which is no prefix of its id: a name, as given.
    assert await full_id(Ops(), "deadbeefcafe") == "deadbeefcafe"  # type: ignore[arg-type]
