"""Four eyes on the simulated cluster: an act listed in [guard] approve waits for a second
operator, who approves (it runs, as planned then) or rejects it; it expires; all audited."""

from __future__ import annotations

import asyncio
import os
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from fintui.clock import FixedClock
from fintui.config import FreezeWindow, Settings, load_settings
from fintui.ops.identity import Identity
from fintui.ops.operations import Operations, Refused
from fintui.ops.plan import AwaitingApproval
from fintui.sources.demo import DEMO_START, DemoCluster
from fintui.sources.demo_actions import DemoActions


class World:
    def __init__(self, tmp: Path, approve: tuple[str, ...] = ("scale-to-zero",),
                 **guard: Any) -> None:
        settings = load_settings(None)
        self.settings: Settings = replace(
            settings, paths=replace(settings.paths, state_dir=tmp),
            audit=replace(settings.audit, path=tmp / "audit.jsonl"),
            scale=replace(settings.scale, converge_timeout=2.0),
            guard=replace(settings.guard, approve=approve, **guard))
        self.clock = FixedClock(DEMO_START)
        self.cluster = DemoCluster(7, self.clock, 2.0)

    def ops(self, name: str) -> Operations:
        """The operations layer as OS account `name` (all on this test's uid)."""
        return Operations(DemoActions(self.cluster), self.settings, name, False, self.clock,
                          identity=Identity(os.getuid(), name))

    def replicas(self, service: str) -> int:
        return sum(s.service == service for s in self.cluster.specs)

    def records(self) -> list[dict[str, Any]]:
        return self.ops("reader").audit.records()


async def ask_scale_to_zero(world: World, who: str = "alice") -> int:
    ops = world.ops(who)
    plan = await ops.plan_scale("pricing", 0)
    assert any("second operator" in w for w in plan.warnings)  # said before confirming
    with pytest.raises(AwaitingApproval) as waited:
        await ops.execute(plan)
    return waited.value.request_id


async def test_a_scale_to_zero_waits_and_a_second_operator_runs_it(tmp_path: Path) -> None:
    world = World(tmp_path)
    request = await ask_scale_to_zero(world)
    assert world.replicas("pricing") == 3  # nothing changed while it waits
    pending = world.records()[-1]
    assert pending["outcome"] == "pending" and pending["request"] == request
    assert pending["user"] == "alice" and "scale-to-zero" in pending["why"]

    with pytest.raises(Refused, match="a second operator must approve it"):
        await world.ops("alice").approve(request)
    assert world.replicas("pricing") == 3
    lines: list[str] = []
    outcome = await world.ops("bob").approve(request, lines.append)
    assert outcome.result["running"] == 0
    assert world.replicas("pricing") == 0
    assert any("approved request" in line and "alice" in line for line in lines)

    records = [r for r in world.records() if r.get("request") == request]
    assert [(r["outcome"], r["user"]) for r in records] == [
        ("pending", "alice"), ("refused", "alice"), ("approved", "bob"), ("started", "bob"),
        ("ok", "bob")]
    for record in records[2:]:  # the run names who asked and who let it run
        assert record["requester"] == "alice" and record["approver"] == "bob"
    row = world.ops("bob").approval_rows()[0]
    assert (row.id, row.state, row.requester, row.decided_by) == (request, "done", "alice",
                                                                  "bob")
    assert world.ops("bob").audit.verify().ok


async def test_the_message_names_the_request_and_what_the_other_operator_runs(
        tmp_path: Path) -> None:
    world = World(tmp_path)
    ops = world.ops("alice")
    with pytest.raises(AwaitingApproval) as waited:
        await ops.execute(await ops.plan_scale("pricing", 0))
    message = str(waited.value)
    number = waited.value.request_id
    assert f"request {number}" in message and f"fintui approve {number}" in message
    assert "nothing was changed" in message and "UTC" in message  # and until when


async def test_an_expired_request_does_nothing(tmp_path: Path) -> None:
    world = World(tmp_path)
    request = await ask_scale_to_zero(world)
    world.clock.advance(world.settings.guard.approval_ttl + 1)
    with pytest.raises(Refused, match="expired"):
        await world.ops("bob").approve(request)
    assert world.replicas("pricing") == 3
    rows = world.ops("bob").approval_rows()
    assert rows[0].state == "expired"
    outcomes = [r["outcome"] for r in world.records() if r.get("request") == request]
    assert outcomes == ["pending", "expired", "refused"]  # expired audited once


async def test_two_approvers_at_once_run_it_once(tmp_path: Path) -> None:
    world = World(tmp_path)
    request = await ask_scale_to_zero(world)
    results = await asyncio.gather(world.ops("bob").approve(request),
                                   world.ops("carol").approve(request),
                                   return_exceptions=True)
    assert sum(isinstance(r, Refused) for r in results) == 1
    assert sum(r["outcome"] == "started" for r in world.records()) == 1


async def test_rejected_and_withdrawn_requests_do_nothing(tmp_path: Path) -> None:
    world = World(tmp_path)
    first = await ask_scale_to_zero(world)
    said = world.ops("bob").reject(first, "not during the auction")
    assert "rejected" in said
    with pytest.raises(Refused, match="rejected by bob already"):
        await world.ops("carol").approve(first)
    second = await ask_scale_to_zero(world)
    assert "withdrawn" in world.ops("alice").reject(second)  # the requester's own
    assert world.replicas("pricing") == 3
    rejected = [r for r in world.records() if r["outcome"] == "rejected"]
    assert [(r["request"], r["user"], r.get("error")) for r in rejected] == [
        (first, "bob", "not during the auction"), (second, "alice", None)]


async def test_a_viewer_may_neither_approve_nor_reject(tmp_path: Path) -> None:
    world = World(tmp_path, roles={"victor": "viewer"})
    request = await ask_scale_to_zero(world)
    with pytest.raises(Refused, match="viewer"):
        await world.ops("victor").approve(request)
    with pytest.raises(Refused, match="viewer"):
        world.ops("victor").reject(request)
    assert world.ops("bob").approval_rows()[0].state == "pending"


async def test_a_freeze_refuses_the_approver_unless_overridden(tmp_path: Path) -> None:
    freeze = FreezeWindow("open", ("mon",), "09:15", "09:45", "Asia/Shanghai", ("scale",))
    world = World(tmp_path, freeze=(freeze,))
    asker = world.ops("alice")
    asker.override_reason = "asked before the freeze"
    with pytest.raises(AwaitingApproval) as waited:
        await asker.execute(await asker.plan_scale("pricing", 0))
    request = waited.value.request_id
    with pytest.raises(Refused, match="change freeze"):
        await world.ops("bob").approve(request)
    bob = world.ops("bob")
    bob.override_reason = "desk lead says so"
    await bob.approve(request)
    assert world.replicas("pricing") == 0
    approved = next(r for r in world.records() if r["outcome"] == "approved")
    assert approved["override"] == "desk lead says so" and "open" in approved["freeze"]


async def test_no_such_request_is_refused_and_audited(tmp_path: Path) -> None:
    world = World(tmp_path)
    with pytest.raises(Refused, match="no such request 999"):
        await world.ops("bob").approve(999)
    record = world.records()[-1]
    assert (record["action"], record["target"], record["outcome"]) == (
        "approve", "request 999", "refused")


async def test_acts_not_listed_run_at_once(tmp_path: Path) -> None:
    world = World(tmp_path)
    ops = world.ops("alice")
    plan = await ops.plan_scale("pricing", 2)
    assert not any("second operator" in w for w in plan.warnings)
    await ops.execute(plan)
    assert world.replicas("pricing") == 2
    assert ops.approval_rows() == []


async def test_a_target_gone_since_is_refused_by_the_plan_made_now(tmp_path: Path) -> None:
    world = World(tmp_path, approve=("isolate",))
    alice = world.ops("alice")
    with pytest.raises(AwaitingApproval) as waited:
        await alice.execute(await alice.plan_isolate("fix-gateway"))
    bob = world.ops("bob")
    await bob.execute(await bob.plan_container("remove", ["fix-gateway"]))
    with pytest.raises(Refused, match="no container 'fix-gateway'"):
        await bob.approve(waited.value.request_id)
    assert bob.approval_rows()[0].state == "failed"


async def test_a_clean_approved_removes_no_more_than_was_asked(tmp_path: Path) -> None:
    from fintui.ops.clean import choose

    world = World(tmp_path, approve=("clean-named-volumes",))
    world.settings = replace(world.settings, cleanup=replace(world.settings.cleanup,
                                                             named_volumes=True))
    alice = world.ops("alice")
    alice.source = world.cluster
    plan = await alice.plan_clean()
    assert plan.cleanup is not None
    named = next(i for i in plan.cleanup.candidates if i.name == "old-backtest-cache")
    choose(plan, {named.id})  # the operator kept one ticked
    with pytest.raises(AwaitingApproval) as waited:
        await alice.execute(plan)
    bob = world.ops("bob")
    bob.source = world.cluster
    outcome = await bob.approve(waited.value.request_id)
    # The anonymous volume and the image were candidates too, unticked: they stay.
    assert [r["name"] for r in outcome.result["removed"]] == ["old-backtest-cache"]


async def test_a_policy_proposes_once_and_any_operator_approves(tmp_path: Path) -> None:
    world = World(tmp_path, approve=())
    policy = world.ops("policy:close")
    policy.actor = "policy:close"
    plan = await policy.plan_scale("pricing", 1)
    first = policy.propose(plan, "15:30 Asia/Shanghai")
    assert policy.propose(await policy.plan_scale("pricing", 1), "again") == first
    assert [r["outcome"] for r in world.records()] == ["proposed"]
    row = world.ops("me").approval_rows()[0]
    assert row.requester == "policy:close" and row.why.startswith("proposed by policy:close")
    await world.ops("me").approve(first)
    assert world.replicas("pricing") == 1
    ran = world.records()[-1]
    assert (ran["outcome"], ran["requester"], ran["approver"]) == ("ok", "policy:close", "me")


async def test_rows_list_pending_first_then_decided(tmp_path: Path) -> None:
    world = World(tmp_path)
    first = await ask_scale_to_zero(world)
    world.ops("bob").reject(first)
    second = await ask_scale_to_zero(world)
    rows = world.ops("bob").approval_rows()
    assert [(r.id, r.state) for r in rows] == [(second, "pending"), (first, "rejected")]
    world.clock.advance(2 * 86400)  # a day later the decided ones are gone from the list
    assert [r.state for r in world.ops("bob").approval_rows()] == ["expired"]


async def test_a_plan_that_cannot_be_planned_again_is_refused_not_filed(
        tmp_path: Path) -> None:
    world = World(tmp_path)
    ops = world.ops("alice")
    plan = await ops.plan_scale("pricing", 0)
    plan.request = {}  # made outside Operations.plan_*: nothing to plan again on approval
    with pytest.raises(Refused, match="cannot be filed for approval") as refused:
        await ops.execute(plan)
    assert not isinstance(refused.value, AwaitingApproval)
    assert world.replicas("pricing") == 3 and ops.approval_rows() == []


async def test_the_approve_verb_shows_who_asked_and_the_plan_made_now_then_asks(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    import argparse
    import sys

    from fintui.cli_approvals import _approve

    world = World(tmp_path)
    request = await ask_scale_to_zero(world)
    questions: list[str] = []
    monkeypatch.setattr("fintui.cli_confirm.ask", lambda q: questions.append(q) or "y\n")
    monkeypatch.setattr(sys.stdin, "isatty", lambda: True)
    args = argparse.Namespace(id=request, yes=False, json=False)
    assert await _approve(world.ops("bob"), args) == 0
    out = capsys.readouterr().out
    assert f"request {request}: scale pricing" in out and "asked by alice at " in out
    assert "why: [guard] approve lists scale-to-zero" in out
    assert "the act as planned now:\nscale Swarm service pricing from 3 to 0" in out
    assert len(questions) == 2  # a scale to zero asks twice, approved or not
    assert out.rstrip().endswith(f"done: request {request} approved and run")
    assert world.replicas("pricing") == 0


@pytest.mark.parametrize(("verb", "fields"), [
    (["restart", "fix-gateway"], {"action": "restart"}),
    (["rollout", "pricing", "quant/pricing-engine:2.5.0"],
     {"action": "rollout", "service": "pricing", "to": "quant/pricing-engine:2.5.0"}),
    (["clean"], {"removed": [], "freed_total": 0}),
])
def test_a_json_verb_whose_act_waits_prints_pending_and_exits_3(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], verb: list[str],
        fields: dict[str, Any]) -> None:
    import json

    from fintui.cli import main

    config = tmp_path / "fintui.toml"
    config.write_text(f'[paths]\nstate_dir = "{tmp_path / "s"}"\n\n[guard]\n'
                      'approve = ["restart", "rollout", "clean"]\n', encoding="utf-8")
    code = main(["--demo", "--no-agent", "--config", str(config), *verb, "--json", "--yes"])
    out, err = capsys.readouterr()
    assert code == 3, err
    document = json.loads(out)
    assert (document["outcome"], document["request"]) == ("pending", 1)
    assert fields.items() <= document.items()
    assert "fintui: waiting for approval: request 1 " in err and "refused" not in err


async def test_asking_twice_for_the_same_act_keeps_one_request(tmp_path: Path) -> None:
    """A requester who asks again (a retried runbook) is given the request that waits: two
    identical requests would let one be approved and the other forgotten."""
    world = World(tmp_path, approve=("scale",))
    first = await ask_scale_to_zero(world)
    assert await ask_scale_to_zero(world) == first
    ops = world.ops("alice")
    with pytest.raises(AwaitingApproval) as other:  # another count is another request
        await ops.execute(await ops.plan_scale("pricing", 1))
    assert other.value.request_id != first
    pending = [r for r in world.ops("bob").approval_rows() if r.state == "pending"]
    assert sorted(r.id for r in pending) == sorted({first, other.value.request_id})
