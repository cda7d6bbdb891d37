"""The agent's act desk: a plan runs only for the account that made it, once; a run goes on
to its end when its caller stops listening; a clean runs only what the caller kept ticked."""

from __future__ import annotations

import asyncio
import contextlib
import json
from pathlib import Path
from typing import Any

import pytest

from fintui.agent.acts import ActDesk
from fintui.agent.backend import AgentError
from fintui.ops.identity import Identity, current_identity
from fintui.watch.watch import Watch
from tests.tui.helpers import paging_demo_parts


def desk(tmp: Path) -> tuple[ActDesk, Any]:
    parts = paging_demo_parts(tmp)
    return ActDesk(Watch(parts, parts.operations())), parts


def records(parts: Any) -> list[tuple[str, str, str]]:
    path = parts.settings.audit.path
    return [(r["action"], r["outcome"], r["user"]) for r in
            map(json.loads, path.read_text().splitlines())] if path.exists() else []


async def collect(lines: Any) -> list[dict[str, Any]]:
    return [item async for item in lines]


async def test_a_plan_runs_once_and_only_for_the_account_that_made_it(tmp_path: Path) -> None:
    acts, parts = desk(tmp_path)
    me = current_identity()
    other = Identity(me.uid + 4242, "mallory", ())
    plan = await acts.plan(me, {"action": "isolate", "target": "fix-gateway"})
    assert plan["action"] == "isolate" and "capture forensics" in " ".join(plan["steps"])
    with pytest.raises(AgentError, match="no such plan"):
        acts.execute(other, {"ticket": plan["ticket"]})  # another account's ticket: none
    acts.drop(other, plan["ticket"])  # nor may it drop it
    items = await collect(acts.execute(me, {"ticket": plan["ticket"]}))
    assert items[-1]["kind"] == "done", items
    assert any(i["kind"] == "step" and "paused" in i["line"] for i in items)
    with pytest.raises(AgentError, match="no such plan"):
        acts.execute(me, {"ticket": plan["ticket"]})  # it ran: the ticket is spent
    assert records(parts) == [("isolate", "started", me.user), ("isolate", "ok", me.user)]


async def test_an_act_goes_on_when_its_caller_stops_listening(tmp_path: Path) -> None:
    acts, parts = desk(tmp_path)
    me = current_identity()
    plan = await acts.plan(me, {"action": "isolate", "target": "fix-gateway"})
    lines = acts.execute(me, {"ticket": plan["ticket"]})
    with contextlib.suppress(StopAsyncIteration):
        await anext(lines)
    await lines.aclose()  # type: ignore[attr-defined]  # the terminal went away
    await asyncio.wait_for(acts.settle(10), 15)
    assert not acts.running
    assert records(parts)[-1] == ("isolate", "ok", me.user)


async def test_a_dropped_plan_cannot_run(tmp_path: Path) -> None:
    acts, parts = desk(tmp_path)
    me = current_identity()
    plan = await acts.plan(me, {"action": "scale", "target": "pricing", "replicas": 2})
    acts.drop(me, plan["ticket"])
    with pytest.raises(AgentError, match="no such plan"):
        acts.execute(me, {"ticket": plan["ticket"]})
    assert records(parts) == []


async def test_a_stopping_agent_begins_no_act(tmp_path: Path) -> None:
    acts, parts = desk(tmp_path)
    me = current_identity()
    plan = await acts.plan(me, {"action": "isolate", "target": "fix-gateway"})
    acts.stopping = True
    with pytest.raises(AgentError, match="the agent is stopping: nothing was changed"):
        acts.execute(me, {"ticket": plan["ticket"]})
    with pytest.raises(AgentError, match="the agent is stopping"):
        await acts.plan(me, {"action": "release", "target": "fix-gateway"})
    assert records(parts) == []


async def test_bad_requests_are_said_plainly(tmp_path: Path) -> None:
    acts, _ = desk(tmp_path)
    me = current_identity()
    for body, said in [({"action": "format-disk"}, "unknown action"),
                       ({"action": "scale", "target": "pricing"}, "'replicas' is missing"),
                       ({"action": "scale", "target": "pricing", "replicas": True},
                        "'replicas' must be int"),
                       ({"action": "isolate", "target": ""}, "must not be empty")]:
        with pytest.raises(AgentError, match=said):
            await acts.plan(me, body)


def test_a_second_agent_on_the_same_state_is_refused_while_the_first_runs(
        tmp_path: Path) -> None:
    from fintui.agent.run import _one_agent

    first, why = _one_agent(tmp_path / "state", tmp_path / "a.sock")
    assert first is not None and why == ""
    second, why = _one_agent(tmp_path / "state", tmp_path / "b.sock")
    assert second is None
    assert "another fintui agent watches with the state folder" in why
    assert f"socket {tmp_path / 'a.sock'}" in why and "page everything twice" in why
    first.close()  # the first one stops: the next may start
    third, why = _one_agent(tmp_path / "state", tmp_path / "b.sock")
    assert third is not None, why
    third.close()


def test_an_act_the_agent_never_finished_is_closed_as_unknown_at_its_next_start(
        tmp_path: Path) -> None:
    from fintui.agent.acts import close_unfinished
    from fintui.ops.audit import AuditLog

    log = AuditLog(tmp_path / "audit.jsonl")
    act = {"actor": "ana", "uid": 1001, "user": "ana", "role": "operator", "plan": [],
           "parameters": {}, "via": "agent"}
    log.append({**act, "time": "t1", "action": "isolate", "target": "a", "outcome": "started"})
    log.append({**act, "time": "t2", "action": "scale", "target": "s", "outcome": "started"})
    log.append({**act, "time": "t3", "action": "isolate", "target": "a", "outcome": "ok"})
    # The CLI's own acts are not the agent's to close, even when cut off.
    log.append({**act, "via": "", "time": "t4", "action": "drain", "target": "n",
                "outcome": "started"})
    written = close_unfinished(log, "t9")
    assert [(r["action"], r["target"], r["outcome"], r["user"]) for r in written] == [
        ("scale", "s", "unknown", "ana")]
    assert "begun t2" in written[0]["error"]
    assert log.records()[-1]["outcome"] == "unknown"
    assert log.verify().ok  # chained like every other record
    assert close_unfinished(log, "t10") == []  # closed once


async def test_a_stopping_agent_waits_stop_grace_for_acts_under_way(tmp_path: Path) -> None:
    """[agent] stop_grace: how long a stopping agent lets an act under way finish (then it
    stops without it: systemd would kill it anyway), and a value past its range is refused."""
    from fintui.config import ConfigError, load_settings

    config = tmp_path / "c.toml"
    config.write_text('[agent]\nstop_grace = "0.3s"\n')
    grace = load_settings(str(config)).agent.stop_grace
    assert grace == 0.3
    acts, _ = desk(tmp_path)
    stuck = asyncio.create_task(asyncio.sleep(30))  # an act whose daemon stopped answering
    acts.running.add(stuck)
    started = asyncio.get_running_loop().time()
    await acts.settle(grace)
    waited = asyncio.get_running_loop().time() - started
    assert 0.25 <= waited < 5 and not stuck.done()
    stuck.cancel()
    config.write_text('[agent]\nstop_grace = "2h"\n')
    with pytest.raises(ConfigError, match=r"c.toml:2: key 'agent.stop_grace': .*1h"):
        load_settings(str(config))


async def test_why_a_plan_asks_twice_crosses_the_agent(tmp_path: Path) -> None:
    """The second confirmation says why in the act's own words, through the agent too."""
    from fintui.agent.remote_ops import _plan_of

    acts, _ = desk(tmp_path)
    document = await acts.plan(current_identity(), {"action": "scale", "target": "pricing",
                                                    "replicas": 0})
    plan = _plan_of(document)
    assert plan.double_confirm and "pricing to zero" in plan.double_confirm_reason


async def test_a_shell_run_by_a_console_is_recorded_by_the_agent_as_its_caller(
        tmp_path: Path) -> None:
    from fintui.ops.operations import Refused

    acts, parts = desk(tmp_path)
    me = current_identity()
    shell = {"action": "shell", "target": "fix-gateway", "parameters": {"shell": "sh"}}
    acts.record_outside(me, {**shell, "outcome": "started"})
    acts.record_outside(me, {**shell, "outcome": "ok", "result": {"exit_code": 3}})
    assert records(parts) == [("shell", "started", me.user), ("shell", "ok", me.user)]
    last = json.loads(parts.settings.audit.path.read_text().splitlines()[-1])
    assert last["via"] == "agent" and last["result"] == {"exit_code": 3}
    with pytest.raises(Refused, match="viewer"):  # a viewer's shell: refused, and audited
        acts.record_outside(me, {**shell, "outcome": "started", "read_only": True})
    assert records(parts)[-1] == ("shell", "refused", me.user)
    with pytest.raises(AgentError, match="only shell"):  # not a way round the act desk
        acts.record_outside(me, {**shell, "action": "scale", "outcome": "ok"})
