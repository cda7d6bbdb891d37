"""Four eyes through the agent: an act that waits says so (with its request) to the caller;
approve and reject run there as the caller, over its act desk and over its real socket."""

from __future__ import annotations

import asyncio
import json
import os
from pathlib import Path
from typing import Any

import pytest

from fintui.agent.acts import ActDesk
from fintui.agent.backend import AgentError
from fintui.agent.remote_ops import RemoteOperations, reject_request
from fintui.agent.server import AgentServer
from fintui.cli import build_parser
from fintui.config import load_settings
from fintui.ops.identity import Identity, current_identity
from fintui.ops.operations import Refused
from fintui.ops.plan import AwaitingApproval
from fintui.watch.policy_acts import policy_identity
from fintui.watch.watch import Watch
from fintui.wiring import build_parts
from tests.tui.helpers import FAST_CONFIG
from tests.unit.test_agent_socket import FakeBackend


def desk(tmp: Path) -> tuple[ActDesk, Any]:
    tmp.mkdir(exist_ok=True)
    config = tmp / "fintui.toml"
    config.write_text(FAST_CONFIG.read_text().replace("/tmp/fintui-test-state", str(tmp / "s"))
                      + '\n[guard]\napprove = ["scale-to-zero"]\n')
    args = build_parser().parse_args(["--demo", "--config", str(config)])
    parts = build_parts(args, load_settings(args.config))
    return ActDesk(Watch(parts, parts.operations())), parts


def records(parts: Any) -> list[dict[str, Any]]:
    return [json.loads(line) for line in parts.settings.audit.path.read_text().splitlines()]


async def collect(lines: Any) -> list[dict[str, Any]]:
    return [item async for item in lines]


async def test_the_desk_files_a_request_and_runs_it_for_a_second_operator(
        tmp_path: Path) -> None:
    acts, parts = desk(tmp_path)
    alice, bob = Identity(os.getuid(), "alice"), Identity(os.getuid(), "bob")
    plan = await acts.plan(alice, {"action": "scale", "target": "pricing", "replicas": 0})
    assert any("second operator" in w for w in plan["warnings"])
    ended = (await collect(acts.execute(alice, {"ticket": plan["ticket"]})))[-1]
    assert ended["kind"] == "refused" and isinstance(ended["request"], int)
    request = ended["request"]

    own = await collect(acts.approve(alice, {"id": request}))
    assert own[0]["kind"] == "request" and own[0]["request"]["requester"] == "alice"
    assert own[-1]["kind"] == "refused" and "second operator" in own[-1]["message"]
    shown = await collect(acts.approve(bob, {"id": request, "preview": True}))
    assert [i["kind"] for i in shown] == ["request", "plan"]
    assert shown[1]["plan"]["summary"] == "scale Swarm service pricing from 3 to 0"
    ran = await collect(acts.approve(bob, {"id": request}))
    assert ran[-1]["kind"] == "done", ran
    assert any(i["kind"] == "step" and "approved request" in i["line"] for i in ran)
    run = [r for r in records(parts) if r["outcome"] in ("started", "ok")]
    assert [(r["user"], r["via"], r["requester"], r["approver"]) for r in run] == [
        ("bob", "agent", "alice", "bob")] * 2


async def test_the_desk_rejects_as_the_caller(tmp_path: Path) -> None:
    acts, parts = desk(tmp_path)
    alice = Identity(os.getuid(), "alice")
    plan = await acts.plan(alice, {"action": "scale", "target": "pricing", "replicas": 0})
    request = (await collect(acts.execute(alice, {"ticket": plan["ticket"]})))[-1]["request"]
    with pytest.raises(Refused, match="viewer"):  # a --read-only caller is judged a viewer
        await acts.reject(Identity(os.getuid(), "bob"), {"id": request, "read_only": True})
    said = await acts.reject(Identity(os.getuid(), "bob"), {"id": request, "comment": "no"})
    assert said["message"].startswith(f"request {request} rejected")
    assert [(r["outcome"], r["user"]) for r in records(parts)][-2:] == [
        ("refused", "bob"), ("rejected", "bob")]


async def test_over_the_socket_a_wait_is_no_refusal_and_a_proposal_is_approved(
        tmp_path: Path, short_dir: Path) -> None:
    acts, parts = desk(tmp_path)
    path = short_dir / "agent.sock"
    server = AgentServer(FakeBackend(), path, desk=acts)
    await server.start()
    try:
        remote = RemoteOperations(path)
        plan = await remote.plan_scale("pricing", 0)
        with pytest.raises(AwaitingApproval) as waited:
            await remote.execute(plan)
        mine = waited.value.request_id
        assert f"fintui approve {mine}" in str(waited.value)
        with pytest.raises(Refused, match="a second operator must approve it"):
            await remote.approve(mine)  # this account asked: it may not approve
        # A policy's proposal may be approved by any operator, this account too.
        policy = parts.operations(identity=policy_identity("close"))
        proposed = policy.propose(await policy.plan_scale("pricing", 1), "15:30")
        asked, now = await remote.preview_approval(proposed)
        assert asked["requester"] == "policy:close" and now.summary.endswith("from 3 to 1")
        lines: list[str] = []
        outcome = await remote.approve(proposed, lines.append)
        assert outcome.result["running"] == 1 and lines
        assert (outcome.plan.action, outcome.plan.target) == ("scale", "pricing")
        assert "withdrawn" in await reject_request(remote, mine)
    finally:
        await server.stop()
    me = current_identity().user
    assert [(r["outcome"], r.get("approver")) for r in records(parts)
            if r.get("request") == proposed] == [
        ("proposed", None), ("approved", me), ("started", me), ("ok", me)]


async def test_an_approved_act_goes_on_when_its_approver_stops_listening(
        tmp_path: Path) -> None:
    acts, parts = desk(tmp_path)
    alice, bob = Identity(os.getuid(), "alice"), Identity(os.getuid(), "bob")
    plan = await acts.plan(alice, {"action": "scale", "target": "pricing", "replicas": 0})
    request = (await collect(acts.execute(alice, {"ticket": plan["ticket"]})))[-1]["request"]
    lines = acts.approve(bob, {"id": request})
    assert (await anext(lines))["kind"] == "request"
    await lines.aclose()  # type: ignore[attr-defined]  # the terminal went away
    await asyncio.wait_for(acts.settle(10), 15)
    assert not acts.running
    assert [r["outcome"] for r in records(parts)][-2:] == ["started", "ok"]
    assert parts.operations().approval_rows()[0].state == "done"


async def test_the_desk_says_what_is_wrong_with_a_request(tmp_path: Path) -> None:
    acts, _ = desk(tmp_path)
    with pytest.raises(AgentError, match="'id' must be int"):
        acts.approve(current_identity(), {"id": "1"})
    with pytest.raises(AgentError, match="unknown action 'explode'"):
        await acts.plan(current_identity(), {"action": "explode", "target": "x"})
