"""The operations layer end to end on the simulated cluster: guard, plan, execute, audit.
(The same layer runs against a real daemon in tests/integration/test_operations.py.)"""

from __future__ import annotations

import hashlib
import json
import re
import sqlite3
from dataclasses import replace
from pathlib import Path

import pytest

from fintui.clock import FixedClock
from fintui.config import FreezeWindow, load_settings
from fintui.ops.operations import Failed, Operations, Refused
from fintui.sources.base import ActionFailed
from fintui.sources.demo import DEMO_START, DemoCluster
from fintui.sources.demo_actions import DemoActions

FREEZE = FreezeWindow("market-open", ("mon",), "09:15", "09:45", "Asia/Shanghai",
                      ("scale", "isolate"))


@pytest.fixture
def world(tmp_path: Path) -> tuple[DemoCluster, Operations]:
    settings = load_settings(None)
    settings = replace(settings, paths=replace(settings.paths, state_dir=tmp_path),
                       audit=replace(settings.audit, path=tmp_path / "audit.jsonl"),
                       scale=replace(settings.scale, converge_timeout=2.0))
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
    assert cluster.restart_policy["risk-var-batch-1"].name == "no"
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
    assert cluster.restart_policy["risk-var-batch-1"].name == "always"
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
    with pytest.raises(Failed, match="container md-feed-sse vanished during the action"):
        await ops.execute(plan)  # named as the operator knows it, not by its 64-character id
    assert audit(ops)[-1]["outcome"] == "failed"
    assert not ops.isolations.active_ids()


async def test_no_audit_no_action(world: tuple[DemoCluster, Operations]) -> None:
    cluster, ops = world
    plan = await ops.plan_scale("pricing", 6)
    ops.audit.path.mkdir()  # the log can no longer be written
    with pytest.raises(Refused, match="cannot write the audit log"):
        await ops.execute(plan)
    assert sum(s.service == "pricing" for s in cluster.specs) == 3  # nothing happened


async def test_an_isolation_cut_short_says_what_changed_and_release_undoes_it(
        world: tuple[DemoCluster, Operations], monkeypatch: pytest.MonkeyPatch) -> None:
    cluster, ops = world

    async def refuse_pause(container_id: str) -> None:
        raise ActionFailed("cannot pause: the daemon is shutting down", 500)

    plan = await ops.plan_isolate("risk-var-batch-1")
    with monkeypatch.context() as patch:
        patch.setattr(ops.actions, "pause", refuse_pause)
        with pytest.raises(Failed) as failed:
            await ops.execute(plan)
    assert str(failed.value) == (
        "cannot pause: the daemon is shutting down; changed before it stopped: disconnected "
        "from desk-net; restart policy set to no (`fintui release risk-var-batch-1` undoes it)")
    record = audit(ops)[-1]
    assert record["outcome"] == "failed" and record["result"]["done"] == [
        "disconnected from desk-net", "restart policy set to no"]
    assert cluster.restart_policy["risk-var-batch-1"].name == "no"
    # Isolating again finishes it, keeping the policy it had before the first attempt.
    again = await ops.plan_isolate("risk-var-batch-1")
    assert again.summary == "finish isolating risk-var-batch-1"
    assert "set restart policy to no (was always)" in again.steps
    await ops.execute(again)
    assert "risk-var-batch-1" in cluster.paused
    await ops.execute(await ops.plan_release("risk-var-batch-1"))
    assert cluster.restart_policy["risk-var-batch-1"].name == "always"
    assert cluster.networks["risk-var-batch-1"] == {"desk-net": ["var-batch"]}
    assert "risk-var-batch-1" not in cluster.paused


async def test_a_fault_of_fintuis_own_mid_act_is_still_recorded(
        world: tuple[DemoCluster, Operations], monkeypatch: pytest.MonkeyPatch) -> None:
    cluster, ops = world

    async def broken(container_id: str) -> None:
        raise KeyError("Replicated")

    plan = await ops.plan_isolate("fix-gateway", replace=False)
    monkeypatch.setattr(ops.actions, "pause", broken)
    with pytest.raises(Failed, match="internal error, KeyError: 'Replicated'; changed before"):
        await ops.execute(plan)
    record = audit(ops)[-1]
    assert record["outcome"] == "failed" and "restart policy set to no" in record["result"][
        "done"]
    # Release can undo it: the isolation was on record before the first change.
    monkeypatch.undo()
    await ops.execute(await ops.plan_release("fix-gateway"))
    assert cluster.restart_policy["fix-gateway"].name != "no"


async def test_a_corrupt_state_database_refuses_clearly(
        world: tuple[DemoCluster, Operations]) -> None:
    cluster, ops = world
    path = ops.isolations.path
    for leftover in path.parent.glob(path.name + "*"):
        leftover.unlink()
    path.write_bytes(b"not a database at all" * 100)
    for attempt in (ops.plan_isolate("fix-gateway"), ops.plan_release("fix-gateway"),
                    ops.plan_scale("risk/var-batch", 2)):
        with pytest.raises(Refused, match=re.escape(f"state database {path}: file is not a "
                                                             "database")):
            await attempt
    assert [r["outcome"] for r in audit(ops)] == ["refused"] * 3
    assert "fix-gateway" not in cluster.paused


async def test_a_locked_state_database_stops_isolate_before_any_change(
        world: tuple[DemoCluster, Operations]) -> None:
    cluster, ops = world
    plan = await ops.plan_isolate("fix-gateway")
    ops.isolations.BUSY_TIMEOUT = 0.1
    holder = sqlite3.connect(ops.isolations.path)
    holder.execute("BEGIN EXCLUSIVE")  # another fintui writing: readers go on, writers wait
    try:
        with pytest.raises(Failed, match=r"database is locked; nothing was changed$"):
            await ops.execute(plan)
    finally:
        holder.rollback()
        holder.close()
    assert "fix-gateway" not in cluster.paused and "fix-gateway" not in cluster.restart_policy
    assert audit(ops)[-1]["outcome"] == "failed"


async def test_a_full_disk_during_forensics_deletes_the_bundle_and_records_the_failure(
        world: tuple[DemoCluster, Operations], monkeypatch: pytest.MonkeyPatch) -> None:
    import errno

    from fintui.ops import forensics

    cluster, ops = world
    real_write = forensics.write_private

    def full_disk(path: Path, data: bytes) -> None:
        if path.name == "logs.txt":  # the big log fills the disk half-way through
            real_write(path, data[:10])
            raise OSError(errno.ENOSPC, "No space left on device")
        real_write(path, data)

    monkeypatch.setattr(forensics, "write_private", full_disk)
    plan = await ops.plan_isolate("fix-gateway")
    with pytest.raises(Failed) as failed:
        await ops.execute(plan)
    message = str(failed.value)
    assert "No space left on device" in message and "nothing was changed" in message
    assert "logs.txt" in message and str(tmp := ops.settings.paths.state_dir) in message
    assert "not in the audit log" not in message
    assert list((tmp / "forensics").iterdir()) == []  # the partial bundle is gone
    assert [r["outcome"] for r in audit(ops)] == ["started", "failed"]
    assert "fix-gateway" not in cluster.paused and not ops.isolations.active_ids()
    monkeypatch.setattr(forensics, "write_private", real_write)
    await ops.execute(await ops.plan_isolate("fix-gateway"))  # free to try again
    assert "fix-gateway" in cluster.paused


async def test_two_isolations_at_once_the_second_is_refused(
        world: tuple[DemoCluster, Operations], monkeypatch: pytest.MonkeyPatch) -> None:
    import asyncio

    cluster, ops = world
    other = Operations(ops.actions, ops.settings, "bob", False, ops.clock)  # another session
    first, second = await ops.plan_isolate("fix-gateway"), await other.plan_isolate(
        "fix-gateway")
    capturing, go_on = asyncio.Event(), asyncio.Event()
    real_logs = DemoActions.logs_text

    async def slow_logs(self: DemoActions, container: str, lines: int) -> str:
        if not capturing.is_set():  # the first session is taking its forensics
            capturing.set()
            await go_on.wait()
        return await real_logs(self, container, lines)

    monkeypatch.setattr(DemoActions, "logs_text", slow_logs)
    running = asyncio.create_task(ops.execute(first))
    await capturing.wait()
    with pytest.raises(Refused, match="fix-gateway is being isolated by another session"):
        await other.execute(second)
    go_on.set()
    await running
    assert len(list((ops.settings.paths.state_dir / "forensics").iterdir())) == 1  # one bundle
    assert [r["outcome"] for r in audit(ops)] == ["started", "started", "refused", "ok"]
    assert "fix-gateway" in cluster.paused


async def test_release_plan_reads_what_an_unanswered_request_did(
        world: tuple[DemoCluster, Operations], monkeypatch: pytest.MonkeyPatch) -> None:
    from fintui.sources.base import SourceUnavailable

    cluster, ops = world
    real_disconnect = ops.actions.network_disconnect

    async def done_but_no_answer(network: str, container_id: str) -> None:
        await real_disconnect(network, container_id)  # the daemon did it, then froze
        raise SourceUnavailable("no answer within 3 s")

    plan = await ops.plan_isolate("risk-var-batch-1")
    with monkeypatch.context() as patch:
        patch.setattr(ops.actions, "network_disconnect", done_but_no_answer)
        with pytest.raises(Failed, match="no answer to 'disconnecting from desk-net'"):
            await ops.execute(plan)
    assert cluster.networks["risk-var-batch-1"] == {}
    release = await ops.plan_release("risk-var-batch-1")
    assert "found on it now: off network desk-net" in release.warnings[0]
    assert any(s.startswith("reconnect network desk-net") for s in release.steps)
    await ops.execute(release)
    assert cluster.networks["risk-var-batch-1"] == {"desk-net": ["var-batch"]}


async def test_the_isolate_plan_names_the_clone_as_it_will_be_named(
        world: tuple[DemoCluster, Operations]) -> None:
    _, ops = world
    plan = await ops.plan_isolate("fix-gateway")
    assert "start a replacement: a clone named fix-gateway-replacement-<time stamp>" in plan.steps
    outcome = await ops.execute(plan)
    assert re.fullmatch(r"fix-gateway-replacement-\d{14}", outcome.result["replacement"])
