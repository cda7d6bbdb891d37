"""What a new user found in the everyday container acts, on the simulated cluster: a Swarm task
is never restarted or started beside Swarm's own replacement, nor asked about twice as if none
would run; a name no container has is said (exit 1, --json, stderr, audit); each slow call
shows a line before it; a kill says which signal it sent; `[exec] shells` is checked; `audit
show` reads a shell's end and skipped entries plainly; ^C in a verb says where to look."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from fintui.cli import main
from fintui.clock import FixedClock
from fintui.config import load_settings
from fintui.core.audit_details import details
from fintui.ops.operations import Operations, Refused
from fintui.sources.demo import DEMO_START, DemoCluster
from fintui.sources.demo_actions import DemoActions
from fintui.sources.demo_lifecycle import DemoLifecycle

TASK_WHY = ("is a task of Swarm service pricing: Swarm replaces a task that stops, and a "
            "restarted or started one runs outside Swarm; scale or roll out the service instead")


@pytest.fixture
def world(tmp_path: Path) -> tuple[DemoCluster, Operations]:
    settings = load_settings(None)
    settings = replace(settings, paths=replace(settings.paths, state_dir=tmp_path),
                       audit=replace(settings.audit, path=tmp_path / "audit.jsonl"))
    clock = FixedClock(DEMO_START)
    cluster = DemoCluster(7, clock, 2.0)
    return cluster, Operations(DemoActions(cluster), settings, "alice", False, clock)


def records(ops: Operations) -> list[dict[str, Any]]:
    return ops.audit.records()


@pytest.mark.parametrize("action", ["restart", "start"])
async def test_a_swarm_task_is_not_restarted_or_started(
        world: tuple[DemoCluster, Operations], action: str) -> None:
    _, ops = world
    with pytest.raises(Refused) as refused:
        await ops.plan_container(action, ["pricing.1.k3j9x2a1"])
    assert str(refused.value) == f"pricing.1.k3j9x2a1 {TASK_WHY}"
    assert records(ops)[-1]["outcome"] == "refused"


async def test_with_others_a_swarm_task_is_left_out_with_why(
        world: tuple[DemoCluster, Operations]) -> None:
    _, ops = world
    plan = await ops.plan_container("restart", ["pricing.2.p8d0s7q4", "md-feed-sse"])
    assert plan.parameters["containers"] == ["md-feed-sse"]
    assert plan.warnings == [f"left out pricing.2.p8d0s7q4: it {TASK_WHY}"]
    outcome = await ops.execute(plan)
    assert outcome.result["skipped"] == [{"name": "pricing.2.p8d0s7q4",
                                          "id": outcome.result["skipped"][0]["id"],
                                          "reason": f"it {TASK_WHY}"}]


@pytest.mark.parametrize(("action", "signal"), [("stop", ""), ("remove", ""),
                                                ("kill", "TERM")])
async def test_ending_every_task_of_a_swarm_service_asks_once_and_warns_once(
        world: tuple[DemoCluster, Operations], action: str, signal: str) -> None:
    _, ops = world
    plan = await ops.plan_container(action, [], signal=signal, match="pricing.*")
    assert not plan.double_confirm  # Swarm starts new tasks: some replica will run
    swarm = [w for w in plan.warnings if "Swarm" in w]
    assert len(swarm) == 1 and swarm[0].startswith(
        "pricing.1.k3j9x2a1, pricing.2.p8d0s7q4, pricing.3.x1m2n3b4 are tasks of Swarm "
        "service pricing: Swarm replaces a")
    # A compose service's last replicas still ask twice.
    both = await ops.plan_container(action, [], signal=signal, match="agents-llm-infer-*")
    assert both.double_confirm and "none of its replicas will run" in \
        both.double_confirm_reason


async def test_a_signal_that_does_not_end_a_task_neither_warns_nor_asks_twice(
        world: tuple[DemoCluster, Operations]) -> None:
    _, ops = world
    plan = await ops.plan_container("kill", [], signal="HUP", match="pricing.*")
    assert not [w for w in plan.warnings if "Swarm" in w]
    alone = await ops.plan_container("kill", ["risk-var-batch-1"], signal="USR1")
    assert not alone.double_confirm


async def test_kill_says_what_it_sent(world: tuple[DemoCluster, Operations]) -> None:
    _, ops = world
    lines: list[str] = []
    await ops.execute(await ops.plan_container("kill", ["fix-gateway"], signal="HUP"),
                      lines.append)
    assert lines[-1] == "sent SIGHUP to fix-gateway (it may still run)"
    assert not any("killed" in line for line in lines)
    lines.clear()
    await ops.execute(await ops.plan_container("kill", ["md-feed-sse"], signal="TERM"),
                      lines.append)
    assert lines[-1] == "sent SIGTERM to md-feed-sse"


async def test_a_missing_name_is_left_out_and_on_record(
        world: tuple[DemoCluster, Operations]) -> None:
    _, ops = world
    plan = await ops.plan_container("restart", ["ghost", "md-feed-sse"])
    outcome = await ops.execute(plan)
    assert {"name": "ghost", "id": "", "reason": "no such container"} in \
        outcome.result["skipped"]
    record = records(ops)[-1]
    assert record["outcome"] == "ok"
    assert record["parameters"]["missing"] == ["ghost"]
    assert "ghost" in record["parameters"]["skipped"]


async def test_a_refusal_names_the_missing_one_too(
        world: tuple[DemoCluster, Operations]) -> None:
    _, ops = world
    with pytest.raises(Refused) as refused:
        await ops.plan_container("start", ["ghost", "md-feed-sse"])
    assert str(refused.value) == ("cannot start md-feed-sse: it is already running; "
                                  "no container 'ghost'")


def test_the_verb_exits_1_naming_the_missing_name(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["--demo", "--no-agent", "restart", "ghost", "md-feed-sse", "--json", "--yes"])
    out, err = capsys.readouterr()
    assert code == 1
    document = json.loads(out)
    assert [(c["name"], c["done"]) for c in document["containers"]] == [("md-feed-sse", True)]
    assert {"name": "ghost", "id": "", "reason": "no such container"} in document["skipped"]
    assert document["error"] == "no container 'ghost': left out"
    assert err == "fintui: no container 'ghost': left out\n"


@pytest.mark.parametrize(("action", "said"), [
    ("stop", "stopping md-feed-sse (up to 10 s, then SIGKILL)…"),
    ("restart", "restarting md-feed-sse (its stop may take up to 10 s)…"),
    ("remove", "removing md-feed-sse…")])
async def test_a_line_is_shown_before_each_slow_call(
        world: tuple[DemoCluster, Operations], monkeypatch: pytest.MonkeyPatch,
        action: str, said: str) -> None:
    _, ops = world
    lines: list[str] = []
    seen_by_the_daemon: list[list[str]] = []
    actions = ops.actions
    assert isinstance(actions, DemoActions)
    name = {"remove": "remove_container"}.get(action, action)
    real = getattr(actions, name)

    async def slow(container_id: str) -> None:
        seen_by_the_daemon.append(list(lines))  # what the operator read while it waited
        await real(container_id)

    monkeypatch.setattr(actions, name, slow)
    if action == "remove":
        await ops.execute(await ops.plan_container("stop", ["md-feed-sse"]))
    await ops.execute(await ops.plan_container(action, ["md-feed-sse"]), lines.append)
    assert seen_by_the_daemon[-1][-1] == said


async def test_removing_a_running_one_says_it_stops_it_first(
        world: tuple[DemoCluster, Operations]) -> None:
    _, ops = world
    lines: list[str] = []
    await ops.execute(await ops.plan_container("remove", ["md-feed-sse"]), lines.append)
    assert lines == ["stopping md-feed-sse (up to 10 s, then SIGKILL)…", "stopped md-feed-sse",
                     "removing md-feed-sse…", "removed md-feed-sse"]


@pytest.mark.parametrize(("shells", "words"), [
    ("[]", "must name at least one shell"),
    ('["bash", "my shell"]', "one word naming a shell or its path (got 'my shell')"),
    ('["", "sh"]', "one word naming a shell or its path (got '')"),
    ('["//"]', "one word naming a shell or its path (got '//')")])
def test_config_check_refuses_unusable_shells(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                              shells: str, words: str) -> None:
    path = tmp_path / "fintui.toml"
    path.write_text(f"[exec]\nshells = {shells}\n")
    assert main(["config", "check", str(path)]) == 2
    err = capsys.readouterr().err
    assert "exec.shells" in err and words in err
    path.write_text('[exec]\nshells = ["/bin/ash", "sh"]\n')
    assert main(["config", "check", str(path)]) == 0


def test_audit_show_reads_a_shell_and_skipped_entries() -> None:
    shell = {"action": "shell", "outcome": "ok",
             "parameters": {"container": "fe-ra-a", "shell": "bash",
                            "endpoint_url": "ssh://ops@prod-1"},
             "result": {"exit_code": 130, "ended": "2026-11-25T07:30:00Z"}}
    assert details(shell) == [
        "    shell: bash on ssh://ops@prod-1, exit 130, ended 2026-11-25T07:30:00Z"]
    start = {"action": "start", "outcome": "ok",
             "result": {"skipped": [{"name": "fe-ra-b", "id": "1",
                                     "reason": "it is already running"}], "done": []}}
    assert details(start) == ["    skipped: fe-ra-b (it is already running)"]
    clean = {"action": "clean", "result": {"skipped": [
        {"kind": "image", "name": "old:1", "reason": "in use"}]}}
    assert details(clean) == ["    skipped: image old:1 (in use)"]


def test_interrupted_verb_says_where_to_look(monkeypatch: pytest.MonkeyPatch,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    async def interrupted(self: DemoLifecycle, container_id: str) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(DemoLifecycle, "stop", interrupted)
    assert main(["--demo", "--no-agent", "stop", "md-feed-sse", "--yes"]) == 130
    assert capsys.readouterr().err == ("fintui: interrupted: the act may have stopped half "
                                       "way; see fintui audit show\n")
