"""The everyday container verbs against a real dockerd, through `fintui.cli.main` as a user
types them, checked with docker inspect and the audit log: restart changes the start time,
stop then start, kill with SIGTERM, rm of an exited container keeps its named volume, a viewer
is refused, and every act is audited."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import docker
import pytest

from fintui.cli import main
from fintui.cli_parser import build_parser
from fintui.config import load_settings
from fintui.ops.operations import Operations, Refused
from fintui.wiring import Parts, build_parts
from tests.integration.busybox_image import TEST_IMAGE
from tests.integration.conftest import (
    HOST,
    LABEL,
    PREFIX,
    RUN_ID,
    swarm_active,
    wait_until,
)

pytestmark = pytest.mark.integration

# PID 1 ignores SIGTERM unless it handles it: this one does, at once, as a service would.
POLITE = ["sh", "-c", "trap 'exit 143' TERM; while true; do sleep 1; done"]


def write_config(tmp_path: Path) -> Path:
    path = tmp_path / "fintui.toml"
    path.write_text(f'[paths]\nstate_dir = "{tmp_path / "state"}"\n', encoding="utf-8")
    return path


Run = Callable[..., tuple[int, str, str]]


@pytest.fixture
def fintui(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Run:
    """The CLI in this process, with a private config and state folder, never an agent."""
    config = write_config(tmp_path)

    def run(*args: str) -> tuple[int, str, str]:
        capsys.readouterr()
        code = main(["--host", HOST, "--no-agent", "--config", str(config), *args])
        out, err = capsys.readouterr()
        return code, out, err

    return run


def audit_records(tmp_path: Path) -> list[dict[str, Any]]:
    path = tmp_path / "state" / "audit.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines()]


def inspect(client: docker.DockerClient, name: str) -> dict[str, Any]:
    attrs: dict[str, Any] = client.api.inspect_container(name)
    return attrs


def test_restart_changes_the_start_time(run_container: Callable[..., Any],
                                        client: docker.DockerClient, fintui: Run,
                                        tmp_path: Path) -> None:
    container = run_container("restart", POLITE)
    before = inspect(client, container.name)["State"]["StartedAt"]
    code, out, err = fintui("restart", container.name, "--yes")
    assert code == 0, err
    assert f"restarted {container.name}" in out
    state = inspect(client, container.name)["State"]
    assert state["Running"] and state["StartedAt"] > before
    records = audit_records(tmp_path)
    assert [(r["action"], r["outcome"], r["target"]) for r in records] == [
        ("restart", "started", container.name), ("restart", "ok", container.name)]


def test_stop_then_start(run_container: Callable[..., Any], client: docker.DockerClient,
                         fintui: Run, tmp_path: Path) -> None:
    container = run_container("stopstart", POLITE)
    code, _, err = fintui("stop", container.name, "--yes")
    assert code == 0, err
    assert inspect(client, container.name)["State"]["Status"] == "exited"
    code, _, err = fintui("stop", container.name, "--yes")
    assert code == 1 and f"cannot stop {container.name}: it is not running" in err
    code, _, err = fintui("start", container.name, "--yes")
    assert code == 0, err
    assert inspect(client, container.name)["State"]["Running"]
    assert [(r["action"], r["outcome"]) for r in audit_records(tmp_path)] == [
        ("stop", "started"), ("stop", "ok"), ("stop", "refused"), ("start", "started"),
        ("start", "ok")]


def test_kill_with_sigterm(run_container: Callable[..., Any], client: docker.DockerClient,
                           fintui: Run, tmp_path: Path) -> None:
    container = run_container("kill", POLITE)
    code, _, err = fintui("kill", "--signal", "TERM", container.name, "--yes")
    assert code == 0, err
    client_state: dict[str, Any] = {}
    for _ in range(50):  # the trap runs when its `sleep 1` ends
        client_state = inspect(client, container.name)["State"]
        if not client_state["Running"]:
            break
        time.sleep(0.1)
    assert client_state["Status"] == "exited" and client_state["ExitCode"] == 143
    record = audit_records(tmp_path)[-1]
    assert record["outcome"] == "ok" and record["parameters"]["signal"] == "SIGTERM"
    code, _, err = fintui("kill", "--signal", "NOSUCH", container.name, "--yes")
    assert code == 1 and "unknown signal 'NOSUCH'" in err


def test_rm_keeps_the_named_volume(run_container: Callable[..., Any],
                                   client: docker.DockerClient, fintui: Run,
                                   tmp_path: Path) -> None:
    volume = client.volumes.create(PREFIX + "keep", labels={LABEL: RUN_ID})
    container = run_container("rm", POLITE, volumes={volume.name: {"bind": "/data"}})
    container.stop(timeout=5)
    code, out, err = fintui("rm", container.name, "--yes")
    assert code == 0, err
    assert "keeping its volumes" in out
    assert not client.containers.list(all=True, filters={"name": container.name})
    assert client.volumes.get(volume.name).name == volume.name
    assert [(r["action"], r["outcome"]) for r in audit_records(tmp_path)] == [
        ("remove", "started"), ("remove", "ok")]


def test_rm_of_a_running_container_stops_it_first(run_container: Callable[..., Any],
                                                  client: docker.DockerClient, fintui: Run,
                                                  tmp_path: Path) -> None:
    container = run_container("rmlive", POLITE)
    code, out, err = fintui("rm", container.name, "--yes")
    assert code == 0, err
    assert f"stop and remove {container.name} (running" in out
    assert f"stopped {container.name}" in out and f"removed {container.name}" in out
    assert not client.containers.list(all=True, filters={"name": container.name})


def test_a_viewer_is_refused_and_audited(run_container: Callable[..., Any],
                                         client: docker.DockerClient, fintui: Run,
                                         tmp_path: Path) -> None:
    container = run_container("viewer", POLITE)
    before = inspect(client, container.name)["State"]["StartedAt"]
    for verb in ("restart", "stop", "kill", "pause", "rm"):
        code, _, err = fintui("--read-only", verb, container.name, "--yes")
        assert code == 1 and "viewer" in err, (verb, err)
    state = inspect(client, container.name)["State"]
    assert state["Running"] and state["StartedAt"] == before
    assert [(r["action"], r["outcome"]) for r in audit_records(tmp_path)] == [
        (a, "refused") for a in ("restart", "stop", "kill", "pause", "remove")]


def test_match_and_json(run_container: Callable[..., Any], client: docker.DockerClient,
                        fintui: Run, tmp_path: Path) -> None:
    first = run_container("m-1", POLITE)
    second = run_container("m-2", POLITE)
    run_container("other", POLITE)
    code, out, err = fintui("pause", "--match", PREFIX + "m-*", "--json", "--yes")
    assert code == 0, err
    document = json.loads(out)
    assert document["action"] == "pause" and document["skipped"] == []
    assert sorted((c["name"], c["done"], c["error"]) for c in document["containers"]) == [
        (first.name, True, ""), (second.name, True, "")]
    assert {c["id"] for c in document["containers"]} == {first.id, second.id}
    assert inspect(client, first.name)["State"]["Paused"]
    assert not inspect(client, PREFIX + "other")["State"]["Paused"]
    # Again: both are paused now, so nothing is left to pause: refused, as a document too.
    code, out, err = fintui("pause", "--match", PREFIX + "m-*", "--json", "--yes")
    assert code == 1 and "nothing to pause" in err
    assert json.loads(out)["error"].startswith("refused: nothing to pause")
    code, out, err = fintui("unpause", first.name, second.name, "--json", "--yes")
    assert code == 0, err
    assert [c["done"] for c in json.loads(out)["containers"]] == [True, True]
    assert not inspect(client, second.name)["State"]["Paused"]
    code, _, err = fintui("stop", "--match", PREFIX + "nothing-*", "--yes")
    assert code == 1 and "no container name matches" in err
    code, _, err = fintui("stop", "--yes")
    assert code == 2 and "name the containers, or give --match GLOB" in err
    code, _, err = fintui("stop", first.name, "--json")
    assert code == 2 and "--json needs --yes" in err
    outcomes = [(r["action"], r["outcome"]) for r in audit_records(tmp_path)]
    assert outcomes == [("pause", "started"), ("pause", "ok"), ("pause", "refused"),
                        ("unpause", "started"), ("unpause", "ok"), ("stop", "refused")]


def engine_parts(tmp_path: Path) -> tuple[Parts, Operations]:
    args = build_parser().parse_args(["--config", str(write_config(tmp_path)), "--host", HOST,
                                      "--no-agent"])
    parts = build_parts(args, load_settings(args.config))
    return parts, parts.operations()


async def test_stopping_the_last_running_compose_replica_asks_twice(
        run_container: Callable[..., Any], tmp_path: Path) -> None:
    project = PREFIX + "desk"
    labels = {"com.docker.compose.project": project, "com.docker.compose.service": "web"}
    first = run_container("desk-web-1", POLITE, labels={**labels,
                          "com.docker.compose.container-number": "1"})
    second = run_container("desk-web-2", POLITE, labels={**labels,
                           "com.docker.compose.container-number": "2"})
    parts, ops = engine_parts(tmp_path)
    try:
        one = await ops.plan_container("stop", [first.name])
        assert not one.double_confirm  # the other runs on
        both = await ops.plan_container("kill", [first.name, second.name], signal="TERM")
        assert both.double_confirm
        assert both.double_confirm_reason == (
            f"this kills the last running replica(s) of compose service {project}/web: none "
            "of its replicas will run")
    finally:
        await parts.source.close()


async def test_a_swarm_task_warns_that_swarm_replaces_it(client: docker.DockerClient,
                                                         tmp_path: Path) -> None:
    """Stopping a task warns once and does not ask twice (Swarm starts another); restarting
    or starting one is refused before anything is done (it would run outside Swarm, beside
    Swarm's replacement)."""
    if not swarm_active(client):
        pytest.skip("this daemon is not a Swarm manager (.ci/run initialises one)")
    name = PREFIX + "quoter"
    service = client.services.create(TEST_IMAGE, ["sleep", "600"], name=name,
                                     labels={LABEL: RUN_ID}, container_labels={LABEL: RUN_ID})
    parts, ops = engine_parts(tmp_path)
    try:
        def task_container() -> str:
            tasks = service.tasks(filters={"desired-state": "running"})
            running = [t for t in tasks if t["Status"]["State"] == "running"]
            return str(running[0]["Status"]["ContainerStatus"]["ContainerID"]) if running \
                else ""

        wait_until(lambda: bool(task_container()), 60, "the service's task")
        task = task_container()
        plan = await ops.plan_container("stop", [task])
        assert not plan.double_confirm
        assert [w for w in plan.warnings if "Swarm" in w] == [
            f"{inspect(client, task)['Name'].lstrip('/')} is a task of Swarm service {name}: "
            "Swarm replaces a stopped task with a new one; to run fewer, scale the service "
            "instead"]
        before = inspect(client, task)["State"]["StartedAt"]
        with pytest.raises(Refused, match=f"is a task of Swarm service {name}: Swarm "
                                          "replaces a task that stops"):
            await ops.plan_container("restart", [task])
        assert inspect(client, task)["State"]["StartedAt"] == before  # untouched
        assert len(client.containers.list(filters={"label": f"com.docker.swarm.service.name="
                                                             f"{name}"})) == 1
    finally:
        await parts.source.close()
        service.remove()


def test_the_verbs_through_the_agent(run_container: Callable[..., Any],
                                     client: docker.DockerClient, tmp_path: Path) -> None:
    """Where an agent answers, it plans and runs the act as the caller's OS account; the
    verb's output and exit code are the same as local."""
    from tests.integration.test_agent import Agent, settings_text

    container = run_container("agent", POLITE)
    before = inspect(client, container.name)["State"]["StartedAt"]
    config = tmp_path / "agent.toml"
    config.write_text(settings_text(tmp_path / "agent-state"), encoding="utf-8")
    agent = Agent(config, tmp_path / "agent.sock")
    try:
        agent.up()
        done = agent.cli("restart", container.name, "--json", "--yes")
        assert done.returncode == 0, done.stderr
        assert json.loads(done.stdout)["containers"] == [
            {"name": container.name, "id": container.id, "done": True, "error": ""}]
        assert inspect(client, container.name)["State"]["StartedAt"] > before
        refused = agent.cli("start", container.name, "--yes")
        assert refused.returncode == 1
        assert f"cannot start {container.name}: it is already running" in refused.stderr
    finally:
        agent.stop()
    records = [json.loads(line) for line in
               (tmp_path / "agent-state" / "audit.jsonl").read_text().splitlines()]
    assert [(r["action"], r["outcome"], r.get("via")) for r in records] == [
        ("restart", "started", "agent"), ("restart", "ok", "agent"),
        ("start", "refused", "agent")]


def test_a_name_no_container_has_exits_1_after_the_rest(run_container: Callable[..., Any],
                                                        client: docker.DockerClient,
                                                        fintui: Run, tmp_path: Path) -> None:
    container = run_container("named", POLITE)
    ghost = PREFIX + "ghost"
    code, out, err = fintui("stop", ghost, container.name, "--json", "--yes")
    assert code == 1
    assert inspect(client, container.name)["State"]["Status"] == "exited"
    document = json.loads(out)
    assert document["containers"][0]["done"]
    assert {"name": ghost, "id": "", "reason": "no such container"} in document["skipped"]
    assert err == f"fintui: no container {ghost!r}: left out\n"
    assert audit_records(tmp_path)[-1]["parameters"]["missing"] == [ghost]
