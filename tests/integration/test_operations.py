"""scale, isolate and release against a real dockerd, checked with docker inspect."""

from __future__ import annotations

import hashlib
import json
import re
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import docker
import pytest

from tests.integration.busybox_image import TEST_IMAGE
from tests.integration.conftest import HOST, LABEL, PREFIX, RUN_ID, swarm_active, wait_until

pytestmark = pytest.mark.integration


def write_config(tmp_path: Path, extra: str = "") -> Path:
    path = tmp_path / "fintui.toml"
    path.write_text(f'[paths]\nstate_dir = "{tmp_path / "state"}"\n\n'
                    f'[scale]\nconverge_timeout = 60.0\n\n{extra}', encoding="utf-8")
    return path


def cli(config: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "fintui", "--host", HOST, "--config",
                           str(config), *args], capture_output=True, text=True, timeout=180)


def audit_records(tmp_path: Path) -> list[dict[str, Any]]:
    path = tmp_path / "state" / "audit.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines()]


@pytest.fixture
def network(client: docker.DockerClient) -> Iterator[Any]:
    net = client.networks.create(PREFIX + "desk", driver="bridge", labels={LABEL: RUN_ID})
    yield net
    for container in client.containers.list(all=True, filters={"label": f"{LABEL}={RUN_ID}"}):
        container.remove(force=True)
    net.remove()


def compose_replica(client: docker.DockerClient, network: Any, project: str, number: int
                    ) -> Any:
    container = client.containers.create(
        TEST_IMAGE, ["sleep", "600"], name=f"{project}-web-{number}",
        labels={LABEL: RUN_ID, "com.docker.compose.project": project,
                "com.docker.compose.service": "web",
                "com.docker.compose.container-number": str(number)},
        restart_policy={"Name": "unless-stopped"}, network=network.name)
    # compose gives each replica the service name as an alias on its networks
    network.disconnect(container)
    network.connect(container, aliases=["web"])
    container.start()
    return container


def replicas(client: docker.DockerClient, project: str) -> dict[str, Any]:
    found = client.containers.list(all=True, filters={
        "label": [f"com.docker.compose.project={project}", "com.docker.compose.service=web"]})
    return {c.name: c for c in found}


def test_scale_compose_service_1_3_2(client: docker.DockerClient, network: Any,
                                     tmp_path: Path) -> None:
    project = PREFIX + "p"
    compose_replica(client, network, project, 1)
    config = write_config(tmp_path)
    up = cli(config, "scale", f"{project}/web", "3", "--yes")
    assert up.returncode == 0, up.stderr
    members = replicas(client, project)
    assert sorted(members) == [f"{project}-web-{n}" for n in (1, 2, 3)]
    for container in members.values():
        container.reload()
        assert container.status == "running"
        nets = container.attrs["NetworkSettings"]["Networks"]
        assert list(nets) == [network.name] and "web" in nets[network.name]["Aliases"]
        assert container.attrs["HostConfig"]["RestartPolicy"]["Name"] == "unless-stopped"
    down = cli(config, "scale", f"{project}/web", "2", "--yes")
    assert down.returncode == 0, down.stderr
    assert sorted(replicas(client, project)) == [f"{project}-web-1", f"{project}-web-2"]
    assert [r["outcome"] for r in audit_records(tmp_path)] == ["started", "ok", "started", "ok"]
    assert cli(config, "audit", "verify").returncode == 0


def test_scale_swarm_service_1_3_1(client: docker.DockerClient, tmp_path: Path) -> None:
    if not swarm_active(client):
        pytest.skip("this daemon is not a Swarm manager (.ci/run initialises one)")
    name = PREFIX + "pricer"
    service = client.services.create(TEST_IMAGE, ["sleep", "600"], name=name,
                                     labels={LABEL: RUN_ID}, container_labels={LABEL: RUN_ID})
    try:
        config = write_config(tmp_path)

        def running(n: int) -> bool:
            tasks = service.tasks(filters={"desired-state": "running"})
            return len(tasks) == n and all(t["Status"]["State"] == "running" for t in tasks)

        wait_until(lambda: running(1), 60, "the first task")
        up = cli(config, "scale", name, "3", "--yes")
        assert up.returncode == 0, up.stderr
        assert "3/3 tasks running" in up.stdout
        service.reload()
        assert service.attrs["Spec"]["Mode"]["Replicated"]["Replicas"] == 3
        assert running(3)
        down = cli(config, "scale", name, "1", "--yes")
        assert down.returncode == 0, down.stderr
        wait_until(lambda: running(1), 60, "back to one task")
        standalone = cli(config, "scale", name + "-none", "2", "--yes")
        assert standalone.returncode == 1 and "no Swarm service" in standalone.stderr
    finally:
        service.remove()


def test_isolate_and_release_a_compose_replica(client: docker.DockerClient, network: Any,
                                               tmp_path: Path) -> None:
    project = PREFIX + "q"
    victim = compose_replica(client, network, project, 1)
    assert victim.exec_run(["sh", "-c", "echo evidence > /spill.txt"]).exit_code == 0
    config = write_config(tmp_path)
    result = cli(config, "isolate", victim.name, "--yes")
    assert result.returncode == 0, result.stderr
    victim.reload()
    attrs = victim.attrs
    assert attrs["NetworkSettings"]["Networks"] == {}
    assert attrs["State"]["Paused"] is True
    assert attrs["HostConfig"]["RestartPolicy"]["Name"] == "no"
    # The replacement: a new replica on the same network with the same alias, running.
    members = replicas(client, project)
    replacement = members[f"{project}-web-2"]
    replacement.reload()
    assert replacement.status == "running"
    assert "web" in replacement.attrs["NetworkSettings"]["Networks"][network.name]["Aliases"]
    # The evidence: every file named in the manifest, hashes matching, the diff showing it.
    bundle = Path(re.search(r"forensics bundle: (.+)", result.stdout).group(1))  # type: ignore[union-attr]
    manifest = json.loads((bundle / "manifest.json").read_text())
    assert set(manifest["files"]) == {"inspect.json", "logs.txt", "diff.json", "stats.json",
                                      "top.json"}
    for name, digest in manifest["files"].items():
        assert hashlib.sha256((bundle / name).read_bytes()).hexdigest() == digest
    assert "/spill.txt" in (bundle / "diff.json").read_text()
    assert json.loads((bundle / "inspect.json").read_text())["Id"] == victim.id
    record = audit_records(tmp_path)[-1]
    assert record["outcome"] == "ok" and record["action"] == "isolate"
    assert record["result"]["manifest_sha256"] == hashlib.sha256(
        (bundle / "manifest.json").read_bytes()).hexdigest()
    status = json.loads(cli(config, "status", "--json").stdout)
    assert next(c for c in status["containers"] if c["id"] == victim.id)["isolated"] is True
    # Twice is refused, and changes nothing.
    again = cli(config, "isolate", victim.name, "--yes")
    assert again.returncode == 1 and "already isolated" in again.stderr
    assert len(replicas(client, project)) == 2
    # Release: back on its network with its alias, running, its restart policy restored.
    released = cli(config, "release", victim.name, "--yes")
    assert released.returncode == 0, released.stderr
    assert "keeps running" in released.stdout  # it says the replacement stays
    victim.reload()
    nets = victim.attrs["NetworkSettings"]["Networks"]
    assert list(nets) == [network.name] and "web" in nets[network.name]["Aliases"]
    assert victim.attrs["State"]["Running"] and not victim.attrs["State"]["Paused"]
    assert victim.attrs["HostConfig"]["RestartPolicy"]["Name"] == "unless-stopped"
    assert cli(config, "release", victim.name, "--yes").returncode == 1
    assert cli(config, "audit", "verify").returncode == 0


def test_isolating_a_container_that_does_not_exist(tmp_path: Path) -> None:
    result = cli(write_config(tmp_path), "isolate", PREFIX + "ghost", "--yes")
    assert result.returncode == 1 and f"no container '{PREFIX}ghost'" in result.stderr


@pytest.mark.parametrize("verb,name", [("isolate", ""), ("isolate", "/"),
                                       ("release", ""), ("isolate", "../json")])
def test_an_empty_or_path_like_name_is_no_container(tmp_path: Path, verb: str,
                                                     name: str) -> None:
    # "/containers//json" is the daemon's list of every container, not an inspect.
    result = cli(write_config(tmp_path), verb, name, "--yes")
    assert result.returncode == 1, result.stderr
    assert f"refused: no container {name!r}" in result.stderr
    assert "Traceback" not in result.stderr
    assert [(r["action"], r["outcome"]) for r in audit_records(tmp_path)] == [(verb, "refused")]


def test_viewer_and_freeze_refuse_from_the_cli_and_are_audited(
        client: docker.DockerClient, network: Any, tmp_path: Path,
        run_container: Callable[..., Any]) -> None:
    project = PREFIX + "r"
    member = compose_replica(client, network, project, 1)
    config = write_config(tmp_path, '[[guard.freeze]]\nname = "all-day"\n'
                          'days = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]\n'
                          'start = "00:00"\nend = "23:59"\ntimezone = "UTC"\n'
                          'actions = ["scale", "isolate"]\n')
    # The desk's console is --read-only: a name typed with --as makes no viewer (nor operator).
    viewer = cli(config, "--read-only", "--as", "desk", "isolate", member.name, "--yes")
    assert viewer.returncode == 1 and "viewer" in viewer.stderr
    frozen = cli(config, "--as", "alice", "scale", f"{project}/web", "2", "--yes")
    assert frozen.returncode == 1 and "all-day" in frozen.stderr
    assert len(replicas(client, project)) == 1
    brave = cli(config, "--as", "alice", "scale", f"{project}/web", "2", "--yes",
                "--override-freeze", "desk asked for capacity")
    assert brave.returncode == 0, brave.stderr
    assert len(replicas(client, project)) == 2
    records = audit_records(tmp_path)
    assert [(r["actor"], r["action"], r["outcome"]) for r in records] == [
        ("desk", "isolate", "refused"), ("alice", "scale", "refused"),
        ("alice", "scale", "started"), ("alice", "scale", "ok")]
    assert records[-1]["override"] == "desk asked for capacity"


def test_isolating_a_swarm_task_raises_its_service_by_one(client: docker.DockerClient,
                                                           tmp_path: Path) -> None:
    if not swarm_active(client):
        pytest.skip("this daemon is not a Swarm manager (.ci/run initialises one)")
    name = PREFIX + "quoter"
    service = client.services.create(TEST_IMAGE, ["sleep", "600"], name=name,
                                     labels={LABEL: RUN_ID}, container_labels={LABEL: RUN_ID},
                                     mode=docker.types.ServiceMode("replicated", replicas=2))
    try:
        def tasks_running() -> list[Any]:
            return client.containers.list(filters={
                "label": f"com.docker.swarm.service.name={name}", "status": "running"})

        wait_until(lambda: len(tasks_running()) == 2, 60, "two running tasks")
        victim = tasks_running()[0]
        config = write_config(tmp_path)
        result = cli(config, "isolate", victim.name, "--yes")
        assert result.returncode == 0, result.stderr
        service.reload()
        assert service.attrs["Spec"]["Mode"]["Replicated"]["Replicas"] == 3
        victim.reload()
        assert victim.attrs["State"]["Paused"]
        assert victim.attrs["NetworkSettings"]["Networks"] == {}
        wait_until(lambda: len(tasks_running()) == 2, 60, "a replacement beside the paused task")
    finally:
        service.remove()


def test_status_never_calls_an_isolated_container_not_isolated(
        client: docker.DockerClient, tmp_path: Path,
        run_container: Callable[..., Any]) -> None:
    """With the state database unreadable, status says isolation is unknown (null, exit 1,
    the file named), and with it readable the text table marks the isolated one."""
    victim = run_container("status-iso", ["sleep", "600"], network_mode="none")
    config = write_config(tmp_path)
    assert cli(config, "isolate", victim.name, "--yes", "--no-replace").returncode == 0
    text = cli(config, "status")
    row = next(line for line in text.stdout.splitlines() if line.startswith(victim.name))
    assert "ISOLATED" in row
    (tmp_path / "state" / "state.sqlite").write_bytes(b"\x13 not a database" * 2000)
    result = cli(config, "status", "--json")
    assert result.returncode == 1
    assert "state.sqlite" in result.stderr and "not a database" in result.stderr
    mine = [c for c in json.loads(result.stdout)["containers"] if c["name"] == victim.name]
    assert mine and mine[0]["isolated"] is None
