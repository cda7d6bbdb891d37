"""Acts cut short by a frozen or killed daemon: the operator is told exactly what changed, the
audit log holds it, and what was left half-done can be undone or finished. Each test runs on
a private dockerd of its own (tests/integration/private_daemon.py), never the host's."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import docker
import pytest
from docker.errors import NotFound

from fintui.clock import SystemClock
from fintui.config import Settings, load_settings
from fintui.ops.operations import Failed, Operations
from fintui.sources.docker_engine import DockerEngineSource
from fintui.sources.engine_actions import EngineActions
from fintui.sources.engine_client import EngineClient, parse_endpoint
from tests.integration.busybox_image import TEST_IMAGE
from tests.integration.conftest import wait_until
from tests.integration.private_daemon import PrivateDaemon, started_daemon

pytestmark = pytest.mark.integration
TIMEOUT = 3.0  # docker.request_timeout: how long a frozen daemon may hold an act


@pytest.fixture
def daemon() -> Iterator[PrivateDaemon]:
    with started_daemon() as d:
        client = d.client()
        client.networks.create("desk-net", driver="bridge")
        client.close()
        yield d


@pytest.fixture
def dc(daemon: PrivateDaemon) -> Iterator[docker.DockerClient]:
    client = daemon.client()
    yield client
    client.close()


def write_config(tmp_path: Path, extra: str = "") -> Path:
    path = tmp_path / "fintui.toml"
    path.write_text(f'[paths]\nstate_dir = "{tmp_path / "state"}"\n\n'
                    f'[docker]\nrequest_timeout = {TIMEOUT}\n\n'
                    f'[scale]\nconverge_timeout = 60.0\n\n{extra}', encoding="utf-8")
    return path


def cli(daemon: PrivateDaemon, config: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "fintui", "--host", daemon.url, "--config",
                           str(config), *args], capture_output=True, text=True, timeout=180)


Make = Callable[..., Operations]


@pytest.fixture
async def operations(daemon: PrivateDaemon) -> AsyncIterator[Make]:
    """Operations in this process, as the CLI builds them, over (a subclass of) the real
    EngineActions: a subclass injects a fault at the exact call."""
    sources: list[DockerEngineSource] = []

    def make(settings: Settings, actions: type[EngineActions] = EngineActions) -> Operations:
        engine = EngineClient(parse_endpoint(daemon.url), settings.docker.request_timeout,
                              settings.docker.connect_timeout)
        sources.append(DockerEngineSource(engine, SystemClock(), 8, 30))
        return Operations(actions(engine), settings, "alice", False, SystemClock(),
                          source=sources[-1])

    yield make
    for source in sources:
        await source.close()


def audit(tmp_path: Path) -> list[dict[str, Any]]:
    path = tmp_path / "state" / "audit.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines()]


def freeze_on(daemon: PrivateDaemon, step: str) -> Callable[[str], None]:
    """A progress callback that freezes the daemon (SIGSTOP) as soon as `step` is reported."""
    def progress(line: str) -> None:
        if line == step:
            daemon.pause()
    return progress


async def run_cut_short(ops: Operations, plan: Any, progress: Callable[[str], None]
                        ) -> tuple[str, float]:
    started = time.monotonic()
    with pytest.raises(Failed) as failed:
        await ops.execute(plan, progress)
    return str(failed.value), time.monotonic() - started


def named(dc: docker.DockerClient, prefix: str) -> list[Any]:
    return [c for c in dc.containers.list(all=True) if c.name.startswith(prefix)]


def quoter(dc: docker.DockerClient, name: str = "desk-quoter", **kwargs: Any) -> Any:
    return dc.containers.run(TEST_IMAGE, ["sleep", "600"], name=name, detach=True,
                             network="desk-net", restart_policy={"Name": "always"}, **kwargs)


async def test_isolate_frozen_after_pause_is_recorded_and_release_undoes_it(
        daemon: PrivateDaemon, dc: docker.DockerClient, tmp_path: Path,
        operations: Make) -> None:
    config = write_config(tmp_path)
    victim = quoter(dc)
    ops = operations(load_settings(str(config)))
    plan = await ops.plan_isolate("desk-quoter")
    message, took = await run_cut_short(ops, plan, freeze_on(daemon, "paused"))
    daemon.resume()
    assert took < 6 * TIMEOUT, f"a frozen daemon held the act {took:.1f} s"
    # What the operator reads: every change, the request left unanswered, and the way back.
    assert f"did not answer within {TIMEOUT:g} s" in message
    assert ("changed before it stopped: disconnected from desk-net; restart policy set to "
            "no; paused; no answer to 'creating desk-quoter-replacement-") in message
    assert "`fintui release desk-quoter` undoes it" in message
    # The daemon made the replacement it was asked for while frozen, and never started it.
    wait_until(lambda: bool(named(dc, "desk-quoter-replacement-")), 20, "the late create")
    replacement = named(dc, "desk-quoter-replacement-")[0]
    assert replacement.status == "created"
    victim.reload()
    assert victim.attrs["State"]["Paused"] and victim.attrs["NetworkSettings"]["Networks"] == {}
    assert victim.attrs["HostConfig"]["RestartPolicy"]["Name"] == "no"
    record = audit(tmp_path)[-1]
    assert (record["action"], record["outcome"]) == ("isolate", "failed")
    assert record["result"]["done"] == ["disconnected from desk-net",
                                        "restart policy set to no", "paused"]
    assert record["result"]["unanswered"].startswith("creating desk-quoter-replacement-")
    # Release works on the half-done isolation and puts everything back.
    released = cli(daemon, config, "release", "desk-quoter", "--yes")
    assert released.returncode == 0, released.stderr
    assert "stopped half-way" in released.stdout
    assert f"remove the replacement {replacement.name}" in released.stdout
    victim.reload()
    assert victim.attrs["State"]["Running"] and not victim.attrs["State"]["Paused"]
    assert list(victim.attrs["NetworkSettings"]["Networks"]) == ["desk-net"]
    assert victim.attrs["HostConfig"]["RestartPolicy"]["Name"] == "always"
    with pytest.raises(NotFound):
        dc.containers.get(replacement.name)
    shown = cli(daemon, config, "audit", "show").stdout.splitlines()
    assert "isolate desk-quoter  failed  error: daemon at" in shown[1]
    assert "paused; no answer to 'creating desk-quoter-replacement-" in shown[1]
    # Under each record, what it changed: readable without opening the JSON.
    assert shown[2].startswith("    changed: ") and "pause" in shown[2], shown
    assert shown[3].startswith("    no answer to: creating desk-quoter-replacement-"), shown
    released_at = next(i for i, line in enumerate(shown)
                       if line.endswith("release desk-quoter  ok"))
    assert shown[released_at + 1].startswith("    changed: "), shown
    assert cli(daemon, config, "audit", "verify").returncode == 0


async def test_isolating_again_after_a_cut_short_one_keeps_the_original_policy(
        daemon: PrivateDaemon, dc: docker.DockerClient, tmp_path: Path,
        operations: Make) -> None:
    config = write_config(tmp_path)
    victim = quoter(dc)
    ops = operations(load_settings(str(config)))
    plan = await ops.plan_isolate("desk-quoter")
    message, _ = await run_cut_short(ops, plan, freeze_on(daemon, "restart policy set to no"))
    daemon.resume()
    assert "restart policy set to no; no answer to 'pausing'" in message
    wait_until(lambda: dc.containers.get("desk-quoter").attrs["State"]["Paused"], 20,
               "the late pause")
    again = cli(daemon, config, "isolate", "desk-quoter", "--yes")
    assert again.returncode == 0, again.stderr
    assert "finish isolating desk-quoter" in again.stdout
    assert "original restart policy always kept" in again.stdout
    replacement = named(dc, "desk-quoter-replacement-")
    assert [c.status for c in replacement] == ["running"]
    assert audit(tmp_path)[-1]["outcome"] == "ok"
    released = cli(daemon, config, "release", "desk-quoter", "--yes")
    assert released.returncode == 0, released.stderr
    victim.reload()
    assert victim.attrs["HostConfig"]["RestartPolicy"]["Name"] == "always"
    assert victim.attrs["State"]["Running"] and not victim.attrs["State"]["Paused"]
    assert list(victim.attrs["NetworkSettings"]["Networks"]) == ["desk-net"]


async def test_isolate_acts_on_the_container_as_it_is_at_confirmation(
        daemon: PrivateDaemon, dc: docker.DockerClient, tmp_path: Path,
        operations: Make) -> None:
    config = write_config(tmp_path)
    dc.networks.create("desk-feed", driver="bridge")
    victim = dc.containers.create(TEST_IMAGE, ["sleep", "600"], name="desk-quoter",
                                  network="desk-net", restart_policy={"Name": "always"})
    ops = operations(load_settings(str(config)))
    plan = await ops.plan_isolate("desk-quoter", replace=False)
    assert "leave it stopped" in plan.steps
    # Between plan and confirmation it is started and joins another network.
    victim.start()
    dc.networks.get("desk-feed").connect(victim)
    lines: list[str] = []
    outcome = await ops.execute(plan, lines.append)
    assert ("changed since the plan: it is running now (was created); isolating it as it is "
            "now") in lines
    assert "disconnected from desk-feed" in lines and "paused" in lines
    victim.reload()
    assert victim.attrs["State"]["Paused"] and victim.attrs["NetworkSettings"]["Networks"] == {}
    record = audit(tmp_path)[-1]
    assert record["outcome"] == "ok"
    assert record["result"]["changed_since_plan"] == outcome.result["changed_since_plan"] == [
        "it is running now (was created)", "it joined network desk-feed"]
    assert {n["network"] for n in record["result"]["networks"]} == {"desk-net", "desk-feed"}
    released = cli(daemon, config, "release", "desk-quoter", "--yes")
    assert released.returncode == 0, released.stderr
    victim.reload()
    assert sorted(victim.attrs["NetworkSettings"]["Networks"]) == ["desk-feed", "desk-net"]
    assert victim.attrs["State"]["Running"] and not victim.attrs["State"]["Paused"]


def test_isolating_a_task_of_a_global_service(daemon: PrivateDaemon,
                                              dc: docker.DockerClient, tmp_path: Path) -> None:
    assert daemon.proc is not None
    # Swarm needs a loopback that is up in the daemon's own network namespace.
    subprocess.run(["nsenter", "-t", str(daemon.proc.pid), "-n", "ip", "link", "set", "lo",
                    "up"], check=True)
    dc.swarm.init(advertise_addr="127.0.0.1", listen_addr="127.0.0.1:2377")
    dc.services.create(TEST_IMAGE, ["sleep", "600"], name="desk-agent",
                       mode=docker.types.ServiceMode("global"))
    wait_until(lambda: bool(dc.containers.list(filters={"name": "desk-agent."})), 60,
               "the global task")
    task = dc.containers.list(filters={"name": "desk-agent."})[0]
    config = write_config(tmp_path)
    result = cli(daemon, config, "isolate", task.name, "--yes")
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    assert "desk-agent is a global-mode Swarm service" in result.stdout
    assert "start a replacement: none" in result.stdout
    task.reload()
    assert task.attrs["State"]["Paused"]
    record = audit(tmp_path)[-1]
    assert record["outcome"] == "ok" and record["result"]["replacement"] == ""
    assert dc.services.get("desk-agent").attrs["Spec"]["Mode"] == {"Global": {}}
    released = cli(daemon, config, "release", task.name, "--yes")
    assert released.returncode == 0, released.stderr
    task.reload()
    assert task.attrs["State"]["Running"] and not task.attrs["State"]["Paused"]


def compose_replica(dc: docker.DockerClient, number: int) -> Any:
    return dc.containers.run(
        TEST_IMAGE, ["sleep", "600"], name=f"desk-web-{number}", detach=True,
        network="desk-net", restart_policy={"Name": "unless-stopped"},
        labels={"com.docker.compose.project": "desk", "com.docker.compose.service": "web",
                "com.docker.compose.container-number": str(number)})


async def test_a_retried_compose_scale_counts_what_runs(
        daemon: PrivateDaemon, dc: docker.DockerClient, tmp_path: Path,
        operations: Make) -> None:
    config = write_config(tmp_path)
    for number in (1, 2):
        compose_replica(dc, number)

    class FreezeBeforeThird(EngineActions):
        async def create(self, name: str, body: dict[str, Any]) -> str:
            if name == "desk-web-3":
                daemon.pause()
            return await super().create(name, body)

    ops = operations(load_settings(str(config)), FreezeBeforeThird)
    plan = await ops.plan_scale("desk/web", 4)
    message, took = await run_cut_short(ops, plan, lambda _line: None)
    daemon.resume()
    assert took < 6 * TIMEOUT
    assert message.endswith("nothing is known to have changed; no answer to 'creating "
                            "desk-web-3': the daemon may still have done it")
    record = audit(tmp_path)[-1]
    assert (record["outcome"], record["result"]["done"], record["result"]["created"]) == (
        "failed", [], [])
    wait_until(lambda: bool(named(dc, "desk-web-3")), 20, "the late create")
    assert dc.containers.get("desk-web-3").status == "created"
    again = cli(daemon, config, "scale", "desk/web", "4", "--yes")
    assert again.returncode == 0, again.stderr
    assert "scale compose service desk/web from 2 running to 4" in again.stdout
    assert "remove and re-create (it never ran: it may be half-made) desk-web-3" in again.stdout
    running = sorted(c.name for c in dc.containers.list(filters={"label":
                                                                  "com.docker.compose.project=desk"}))
    assert running == ["desk-web-1", "desk-web-2", "desk-web-3", "desk-web-4"]
    record = audit(tmp_path)[-1]
    assert record["outcome"] == "ok"
    assert record["result"]["created"] == ["desk-web-3", "desk-web-4"]
    # Once more: nothing to do, because four run.
    same = cli(daemon, config, "scale", "desk/web", "4", "--yes")
    assert "nothing to do: 4 replica(s) already running" in same.stdout


async def test_clean_cut_short_by_a_killed_daemon_records_each_deletion(
        daemon: PrivateDaemon, dc: docker.DockerClient, tmp_path: Path,
        operations: Make) -> None:
    config = write_config(tmp_path, '[cleanup]\nnamed_volumes = true\nvolume_ttl = "1s"\n')
    for number in range(1, 41):
        dc.volumes.create(f"desk-scratch-{number:02d}", labels={"desk": "scratch"})
    time.sleep(1.5)  # older than volume_ttl

    class KillAtTwelfth(EngineActions):
        removals = 0

        async def remove_storage(self, kind: str, object_id: str) -> None:
            KillAtTwelfth.removals += 1
            if KillAtTwelfth.removals == 12:
                daemon.kill()
            await super().remove_storage(kind, object_id)

    ops = operations(load_settings(str(config)), KillAtTwelfth)
    plan = await ops.plan_clean("desk=scratch")
    assert plan.cleanup is not None and len(plan.cleanup.candidates) == 40
    message, _ = await run_cut_short(ops, plan, lambda _line: None)
    record = audit(tmp_path)[-1]
    assert (record["action"], record["outcome"]) == ("clean", "failed")
    removed = [r["name"] for r in record["result"]["removed"]]
    assert len(removed) == 11
    assert record["result"]["done"] == [f"removed volume {name}" for name in removed]
    assert record["result"]["unanswered"].startswith("remove volume desk-scratch-")
    assert message.startswith(f"connection refused by {daemon.url.removeprefix('unix://')}; "
                              "changed before it stopped: " + "; ".join(
                                  f"removed volume {name}" for name in removed)
                              + "; no answer to 'remove volume desk-scratch-")
    # Exactly the recorded ones are gone: read from the dead daemon's data root (the local
    # volume driver keeps one folder per volume), since a restart is not what is under test.
    left = {p.name for p in (daemon.dir / "data" / "volumes").glob("desk-scratch-*")}
    assert len(left) == 29 and not left & set(removed)
    shown = cli(daemon, config, "audit", "show").stdout
    assert f"clean desk=scratch  failed  error: {record['error']}" in shown
    assert "    removed: " + ", ".join(f"volume {name}" for name in removed) + "\n" in shown
    assert f"    no answer to: {record['result']['unanswered']}\n" in shown


def test_scaling_a_standalone_container_without_swarm_names_it(
        daemon: PrivateDaemon, dc: docker.DockerClient, tmp_path: Path) -> None:
    quoter(dc)
    result = cli(daemon, write_config(tmp_path), "scale", "desk-quoter", "3", "--yes")
    assert result.returncode == 1
    assert "desk-quoter is a standalone container" in result.stderr, result.stderr
