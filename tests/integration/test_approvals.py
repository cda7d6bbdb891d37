"""Four eyes against a real Swarm: a scale to zero asked by one operator waits (the service
keeps its replicas), the same operator cannot approve it, a second operator's approval runs
it, an expired request does nothing; every step audited. And the verbs' exit codes."""

from __future__ import annotations

import json
import os
import pwd
import subprocess
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import docker
import pytest
from docker.types import ServiceMode

from fintui.cli_parser import build_parser
from fintui.clock import FixedClock
from fintui.config import load_settings
from fintui.ops.identity import Identity
from fintui.ops.operations import Refused
from fintui.ops.plan import AwaitingApproval
from fintui.wiring import build_parts
from tests.integration.busybox_image import TEST_IMAGE
from tests.integration.conftest import (
    HOST,
    LABEL,
    PREFIX,
    RUN_ID,
    fintui,
    swarm_active,
    wait_until,
)

pytestmark = pytest.mark.integration


def write_config(tmp_path: Path) -> Path:
    path = tmp_path / "fintui.toml"
    path.write_text(f'[paths]\nstate_dir = "{tmp_path / "state"}"\n\n'
                    '[scale]\nconverge_timeout = 60.0\n\n'
                    '[guard]\napprove = ["scale-to-zero"]\napproval_ttl = "10m"\n',
                    encoding="utf-8")
    return path


def audit_records(tmp_path: Path) -> list[dict[str, Any]]:
    path = tmp_path / "state" / "audit.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines()]


def running(service: Any) -> int:
    return sum(1 for t in service.tasks(filters={"desired-state": "running"})
               if t["Status"]["State"] == "running")


def desired(client: docker.DockerClient, name: str) -> int:
    return int(client.services.get(name).attrs["Spec"]["Mode"]["Replicated"]["Replicas"])


@pytest.fixture
def service(client: docker.DockerClient, request: pytest.FixtureRequest) -> Iterator[Any]:
    if not swarm_active(client):
        pytest.skip("this daemon is not a Swarm manager (.ci/run initialises one)")
    name = PREFIX + "appr-" + request.node.name[-6:].strip("_")
    # A short stop grace: busybox's sleep as PID 1 ignores SIGTERM.
    made = client.services.create(TEST_IMAGE, ["sleep", "600"], name=name,
                                  mode=ServiceMode("replicated", 2), labels={LABEL: RUN_ID},
                                  container_labels={LABEL: RUN_ID},
                                  stop_grace_period=1_000_000_000)
    try:
        wait_until(lambda: running(made) == 2, 90, "two tasks running")
        yield made
    finally:
        made.remove()


async def test_a_scale_to_zero_waits_for_a_second_operator(client: docker.DockerClient,
                                                           service: Any,
                                                           tmp_path: Path) -> None:
    config = write_config(tmp_path)
    args = build_parser().parse_args(["--host", HOST, "--no-agent", "--config", str(config)])
    parts = build_parts(args, load_settings(config))
    clock = FixedClock(datetime.now(UTC))
    parts.clock = clock
    uid = os.getuid()
    alice = parts.operations(identity=Identity(uid, "alice"))
    bob = parts.operations(identity=Identity(uid, "bob"))
    name = service.name
    try:
        # One request left to expire: approving it then does nothing.
        with pytest.raises(AwaitingApproval) as first:
            await alice.execute(await alice.plan_scale(name, 0))
        clock.advance(parts.settings.guard.approval_ttl + 1)
        with pytest.raises(Refused, match="expired"):
            await bob.approve(first.value.request_id)
        assert desired(client, name) == 2 and running(service) == 2

        with pytest.raises(AwaitingApproval) as second:
            await alice.execute(await alice.plan_scale(name, 0))
        request = second.value.request_id
        assert f"fintui approve {request}" in str(second.value)
        assert desired(client, name) == 2  # it waits: the service keeps its replicas
        with pytest.raises(Refused, match="a second operator must approve it"):
            await alice.approve(request)
        assert desired(client, name) == 2
        outcome = await bob.approve(request)
        assert outcome.result["running"] == 0
        assert desired(client, name) == 0
        wait_until(lambda: running(service) == 0, 60, "no task running")
    finally:
        await parts.source.close()

    records = audit_records(tmp_path)
    assert [(r["outcome"], r["user"]) for r in records
            if r.get("request") == first.value.request_id] == [
        ("pending", "alice"), ("expired", "bob"), ("refused", "bob")]
    mine = [r for r in records if r.get("request") == request]
    assert [(r["outcome"], r["user"]) for r in mine] == [
        ("pending", "alice"), ("refused", "alice"), ("approved", "bob"), ("started", "bob"),
        ("ok", "bob")]
    for record in mine[2:]:
        assert (record["requester"], record["approver"]) == ("alice", "bob")
        assert record["action"] == "scale" and record["target"] == name
    assert "scale-to-zero" in mine[0]["why"]


def test_the_verbs_say_waiting_and_refuse_the_requesters_approval(
        client: docker.DockerClient, service: Any, tmp_path: Path) -> None:
    config = write_config(tmp_path)
    name = service.name
    asked = fintui("--config", str(config), "scale", name, "0", "--yes")
    assert asked.returncode == 3, asked.stderr
    assert "waiting for approval: request 1 " in asked.stderr and "refused" not in asked.stderr
    assert "fintui approve 1" in asked.stderr

    own = fintui("--config", str(config), "approve", "1", "--yes")
    assert own.returncode == 1
    assert "a second operator must approve it" in own.stderr
    none = fintui("--config", str(config), "approve", "999")
    assert none.returncode == 1 and "no such request 999" in none.stderr
    as_json = fintui("--config", str(config), "approve", "1", "--yes", "--json")
    document = json.loads(as_json.stdout)
    assert (document["request"], document["outcome"]) == (1, "refused")
    assert desired(client, name) == 2 and running(service) == 2

    withdrawn = fintui("--config", str(config), "reject", "1", "--comment", "wrong service")
    assert withdrawn.returncode == 0 and "request 1 withdrawn" in withdrawn.stdout
    again = fintui("--config", str(config), "reject", "1")
    assert again.returncode == 1 and "rejected already" in again.stderr
    outcomes = [r["outcome"] for r in audit_records(tmp_path)]
    assert outcomes == ["pending", "refused", "refused", "refused", "rejected", "refused"]
    assert desired(client, name) == 2


@pytest.fixture
def second_account() -> Iterator[tuple[str, str]]:
    """An OS account made for the test (a second operator), in a group of its own."""
    if os.geteuid() != 0:
        pytest.skip("making a test account needs root (CI runs as root)")
    group, user = f"fta{RUN_ID}", f"fta{RUN_ID}u"
    subprocess.run(["groupadd", group], check=True)
    try:
        subprocess.run(["useradd", "-M", "-N", "-g", group, "-s", "/usr/sbin/nologin", user],
                       check=True)
        yield user, group
    finally:
        subprocess.run(["userdel", user], check=False)
        subprocess.run(["groupdel", group], check=False)


def test_through_the_agent_a_second_account_approves(
        client: docker.DockerClient, service: Any, short_dir: Path,
        second_account: tuple[str, str]) -> None:
    from tests.integration.test_agent import ROOT, Agent, settings_text

    user, group = second_account
    short_dir.chmod(0o755)  # the second account reaches the socket's folder (0660 socket)
    config = short_dir / "fintui.toml"
    config.write_text(settings_text(short_dir / "state", (
        '\n[guard]\napprove = ["scale-to-zero"]\n\n[scale]\nconverge_timeout = 60.0\n\n'
        f'[agent]\ngroup = "{group}"\n')))
    config.chmod(0o644)
    agent = Agent(config, short_dir / "run" / "agent.sock")
    entry = pwd.getpwnam(user)
    as_other = ("setpriv", f"--reuid={entry.pw_uid}", f"--regid={entry.pw_gid}",
                "--clear-groups")
    env = {"HOME": str(short_dir), "PATH": os.environ["PATH"], "PYTHONPATH": str(ROOT)}
    name = service.name
    try:
        agent.up()
        asked = agent.cli("scale", name, "0", "--yes")
        own = agent.cli("approve", "1", "--yes")
        kept = desired(client, name)
        approved = agent.cli("approve", "1", "--yes", prefix=as_other, env=env)
    finally:
        code, log = agent.stop()
    assert asked.returncode == 3 and "waiting for approval: request 1 " in asked.stderr, \
        asked.stderr
    assert own.returncode == 1 and "a second operator must approve it" in own.stderr
    assert kept == 2
    assert approved.returncode == 0, approved.stderr
    assert "done: request 1 approved and run" in approved.stdout
    assert desired(client, name) == 0
    me = pwd.getpwuid(os.getuid()).pw_name
    records = [json.loads(line) for line in
               (short_dir / "state" / "audit.jsonl").read_text().splitlines()]
    assert [(r["outcome"], r["user"], r.get("via")) for r in records] == [
        ("pending", me, "agent"), ("refused", me, "agent"), ("approved", user, "agent"),
        ("started", user, "agent"), ("ok", user, "agent")]
    assert {(r["requester"], r.get("approver")) for r in records[2:]} == {(me, user)}
    assert code == 0, log
