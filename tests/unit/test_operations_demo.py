"""The operations layer end to end on the simulated cluster: guard, plan, execute, audit.
(The same layer runs against a real daemon in tests/integration/test_operations.py.)"""

from __future__ import annotations

import hashlib
import json
from dataclasses import replace
from pathlib import Path

import pytest

from fintui.clock import FixedClock
from fintui.config import FreezeWindow, load_settings
from fintui.ops.operations import Failed, Operations, Refused
from fintui.sources.demo import DEMO_START, DemoActions, DemoCluster

FREEZE = FreezeWindow("market-open", ("mon",), "09:15", "09:45", "Asia/Shanghai",
                      ("scale", "isolate"))


@pytest.fixture
def world(tmp_path: Path) -> tuple[DemoCluster, Operations]:
    settings = load_settings(None)
    settings = replace(settings, state_dir=tmp_path,
                       ops=replace(settings.ops, audit_path=tmp_path / "audit.jsonl",
                                   converge_timeout=2.0))
    clock = FixedClock(DEMO_START)  # Monday 09:30 in Shanghai
    cluster = DemoCluster(7, clock, 2.0)
    return cluster, Operations(DemoActions(cluster), settings, "alice", False, clock)


def audit(ops: Operations) -> list[dict[str, object]]:
    return ops.audit.records()


async def test_scale_swarm_service_up_and_down(world: tuple[DemoCluster, Operations]) -> None:
    cluster, ops = world
    plan = await ops.plan_scale("pricing", 5)
    assert plan.parameters == {"replicas": 5, "from": 3, "kind": "swarm"}
    assert not plan.double_confirm
    outcome = await ops.execute(plan)
    assert outcome.result["running"] == 5
    assert sum(s.service == "pricing" for s in cluster.specs) == 5
    down = await ops.plan_scale("pricing", 0)
    assert down.double_confirm  # scaling to zero asks twice
    await ops.execute(down)
    assert sum(s.service == "pricing" for s in cluster.specs) == 0
    assert [r["outcome"] for r in audit(ops)] == ["started", "ok", "started", "ok"]
    assert ops.audit.verify().ok


async def test_touching_more_than_five_asks_twice(world: tuple[DemoCluster, Operations]) -> None:
    _, ops = world
    assert (await ops.plan_scale("pricing", 9)).double_confirm
    assert not (await ops.plan_scale("pricing", 8)).double_confirm


@pytest.mark.parametrize(("target", "replicas", "words"), [
    ("fix-gateway", 2, "standalone container"),
    ("nosuch", 2, "no Swarm service 'nosuch'"),
    ("pricing", 51, "between 0 and 50"),
    ("pricing", -1, "between 0 and 50"),
    ("ghost/svc", 2, "no containers of compose service ghost/svc"),
])
async def test_scale_refusals_are_clear_and_audited(world: tuple[DemoCluster, Operations],
                                                    target: str, replicas: int,
                                                    words: str) -> None:
    _, ops = world
    with pytest.raises(Refused, match=words):
        await ops.plan_scale(target, replicas)
    record = audit(ops)[-1]
    assert record["outcome"] == "refused" and record["target"] == target
    assert words in str(record["error"])


async def test_viewer_and_freeze_refuse_and_override_goes_through(
        world: tuple[DemoCluster, Operations]) -> None:
    _, ops = world
    viewer = Operations(ops.actions, ops.settings, "desk", True, ops.clock)
    with pytest.raises(Refused, match="viewer"):
        await viewer.plan_isolate("fix-gateway")
    frozen_settings = replace(ops.settings, guard=replace(ops.settings.guard, freeze=(FREEZE,)))
    frozen = Operations(ops.actions, frozen_settings, "alice", False, ops.clock)
    with pytest.raises(Refused, match="market-open"):
        await frozen.plan_scale("pricing", 4)
    brave = Operations(ops.actions, frozen_settings, "alice", False, ops.clock,
                       override_reason="index rebalance at the open")
    await brave.execute(await brave.plan_scale("pricing", 4))
    records = audit(ops)
    assert [(r["actor"], r["outcome"]) for r in records] == [
        ("desk", "refused"), ("alice", "refused"), ("alice", "started"), ("alice", "ok")]
    assert records[-1]["override"] == "index rebalance at the open"
    assert "market-open" in str(records[-1]["freeze"])


async def test_isolate_keeps_evidence_cuts_off_and_replaces(
        world: tuple[DemoCluster, Operations]) -> None:
    cluster, ops = world
    plan = await ops.plan_isolate("risk-var-batch-1")
    assert any("disconnect from network desk-net" in s for s in plan.steps)
    outcome = await ops.execute(plan)
    bundle = Path(outcome.result["bundle"])
    manifest = json.loads((bundle / "manifest.json").read_text())
    for name, digest in manifest["files"].items():
        assert hashlib.sha256((bundle / name).read_bytes()).hexdigest() == digest
    assert set(manifest["files"]) == {"inspect.json", "logs.txt", "diff.json", "stats.json",
                                      "top.json"}
    assert hashlib.sha256((bundle / "manifest.json").read_bytes()).hexdigest() == \
        outcome.result["manifest_sha256"] == audit(ops)[-1]["result"]["manifest_sha256"]
    assert "risk-var-batch-1" in cluster.paused
    assert cluster.networks["risk-var-batch-1"] == {}
    assert cluster.restart_policy["risk-var-batch-1"]["Name"] == "no"
    assert outcome.result["replacement"] == "risk-var-batch-2"
    assert any(s.name == "risk-var-batch-2" for s in cluster.specs)
    with pytest.raises(Refused, match="already isolated"):
        await ops.plan_isolate("risk-var-batch-1")
    # Scaling the service down never removes the isolated replica.
    down = await ops.plan_scale("risk/var-batch", 0)
    await ops.execute(down)
    assert [s.name for s in cluster.specs if s.service == "var-batch"] == ["risk-var-batch-1"]
    # Release puts it back as it was.
    release = await ops.plan_release("risk-var-batch-1")
    assert any("replacement" in w for w in release.warnings)
    await ops.execute(release)
    assert "risk-var-batch-1" not in cluster.paused
    assert cluster.networks["risk-var-batch-1"] == {"desk-net": ["var-batch"]}
    assert cluster.restart_policy["risk-var-batch-1"]["Name"] == "always"
    with pytest.raises(Refused, match="not isolated"):
        await ops.plan_release("risk-var-batch-1")
    assert ops.audit.verify().ok


async def test_isolated_mark_survives_a_new_operations_object(
        world: tuple[DemoCluster, Operations]) -> None:
    cluster, ops = world
    await ops.execute(await ops.plan_isolate("fix-gateway"))
    again = Operations(ops.actions, ops.settings, "bob", False, ops.clock)
    assert cluster._spec("fix-gateway") and again.isolations.active_ids() == {
        cluster._container(cluster._spec("fix-gateway")).id}


async def test_vanished_between_plan_and_execute_fails_cleanly(
        world: tuple[DemoCluster, Operations]) -> None:
    cluster, ops = world
    plan = await ops.plan_isolate("md-feed-sse")
    cluster.specs.remove(cluster._spec("md-feed-sse"))
    with pytest.raises(Failed, match="vanished"):
        await ops.execute(plan)
    assert audit(ops)[-1]["outcome"] == "failed"
    assert not ops.isolations.active_ids()


async def test_no_audit_no_action(world: tuple[DemoCluster, Operations]) -> None:
    cluster, ops = world
    plan = await ops.plan_scale("pricing", 6)
    ops.audit.path.mkdir()  # the log can no longer be written
    with pytest.raises(Refused, match="cannot write the audit log"):
        await ops.execute(plan)
    assert sum(s.service == "pricing" for s in cluster.specs) == 3  # nothing happened
