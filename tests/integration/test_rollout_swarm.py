"""Swarm rollouts and rollbacks against a real daemon (issue 21's acceptance): a rollout from
one tag of the busybox test image to another puts every task on the new one; a freeze window
refuses it without --override-freeze (audited either way); `rollback` returns to the previous
image; a canary to an image whose command exits 1 is rolled back by itself and the verb exits
1 naming the failure."""

from __future__ import annotations

import contextlib
import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import docker
import pytest
from docker.errors import NotFound
from docker.types import ServiceMode

from tests.integration.busybox_image import TEST_IMAGE
from tests.integration.conftest import HOST, LABEL, PREFIX, RUN_ID, swarm_active, wait_until

pytestmark = pytest.mark.integration
REPO = f"{PREFIX}app".rstrip("-")
GOOD_A, GOOD_B, BAD = f"{REPO}:a", f"{REPO}:b", f"{REPO}:bad"


@pytest.fixture
def images(client: docker.DockerClient) -> Iterator[None]:
    """Two tags of one image whose command sleeps, and one whose command exits 1, made with
    the Engine's commit (no registry, no build) and removed after."""
    holder = client.containers.create(TEST_IMAGE, ["true"], name=PREFIX + "image-holder",
                                      labels={LABEL: RUN_ID})
    try:
        good = holder.commit(REPO, "a", changes=['CMD ["sleep", "600"]'])
        good.tag(REPO, "b")  # docker tag: a second name for the same image
        holder.commit(REPO, "bad", changes=['CMD ["sh", "-c", "exit 1"]'])
    finally:
        holder.remove(force=True)
    yield
    ids = {client.images.get(tag).id for tag in (GOOD_A, BAD)}

    def unused() -> bool:  # a removed service's task containers go a moment later
        return not any(c.attrs.get("Image") in ids for c in client.containers.list(
            all=True, filters={"label": f"{LABEL}={RUN_ID}"}))

    wait_until(unused, 60, "the test service's containers to go")
    for tag in (GOOD_A, GOOD_B, BAD):
        with contextlib.suppress(NotFound):
            client.images.remove(tag)


def write_config(tmp_path: Path, frozen: bool) -> Path:
    freeze = ('[[guard.freeze]]\nname = "release-freeze"\n'
              'days = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]\n'
              'start = "00:00"\nend = "23:59"\ntimezone = "UTC"\nactions = ["rollout"]\n'
              if frozen else "")
    path = tmp_path / ("frozen.toml" if frozen else "fintui.toml")
    path.write_text(f'[paths]\nstate_dir = "{tmp_path / "state"}"\n\n'
                    f'[rollout]\nconverge_timeout = "3m"\n\n{freeze}', encoding="utf-8")
    return path


def cli(config: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "fintui", "--host", HOST, "--no-agent",
                           "--config", str(config), *args],
                          capture_output=True, text=True, timeout=300)


def audit_records(tmp_path: Path) -> list[dict[str, Any]]:
    path = tmp_path / "state" / "audit.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines()]


def task_images(service: Any) -> list[str]:
    """The image of each task meant to run, once all of them run (else [])."""
    tasks = service.tasks(filters={"desired-state": "running"})
    if not all(t["Status"]["State"] == "running" for t in tasks):
        return []
    return sorted(t["Spec"]["ContainerSpec"]["Image"].split("@")[0] for t in tasks)


def test_rollout_freeze_rollback_and_a_failed_canary(client: docker.DockerClient,
                                                      images: None, tmp_path: Path) -> None:
    if not swarm_active(client):
        pytest.skip("this daemon is not a Swarm manager (.ci/run initialises one)")
    name = PREFIX + "roll"
    # A short stop grace: busybox's sleep as PID 1 ignores SIGTERM.
    service = client.services.create(GOOD_A, name=name, mode=ServiceMode("replicated", 3),
                                     labels={LABEL: RUN_ID}, container_labels={LABEL: RUN_ID},
                                     stop_grace_period=1_000_000_000)
    try:
        wait_until(lambda: task_images(service) == [GOOD_A] * 3, 90, "three tasks on tag a")
        config, frozen = write_config(tmp_path, False), write_config(tmp_path, True)

        refused = cli(frozen, "rollout", name, GOOD_B, "--yes")
        assert refused.returncode == 1
        assert "refused" in refused.stderr and "release-freeze" in refused.stderr

        done = cli(frozen, "rollout", name, GOOD_B, "--yes",
                   "--override-freeze", "hotfix for the pricing bug")
        assert done.returncode == 0, done.stderr
        assert f"3/3 tasks on {GOOD_B}" in done.stdout
        assert task_images(service) == [GOOD_B] * 3
        records = audit_records(tmp_path)
        assert [(r["action"], r["outcome"]) for r in records] == [
            ("rollout", "refused"), ("rollout", "started"), ("rollout", "ok")]
        ok = records[-1]
        assert ok["override"] == "hotfix for the pricing bug"
        assert ok["result"]["from"].split("@")[0] == GOOD_A
        assert ok["result"]["to"] == GOOD_B
        assert ok["result"]["to_id"].startswith("sha256:")

        back = cli(config, "rollback", name, "--yes")
        assert back.returncode == 0, back.stderr
        wait_until(lambda: task_images(service) == [GOOD_A] * 3, 60, "every task back on a")
        rollback = audit_records(tmp_path)[-1]
        assert (rollback["action"], rollback["outcome"]) == ("rollback", "ok")
        assert rollback["result"]["to"].split("@")[0] == GOOD_A
        # Swarm still keeps a previous spec (b's): a second rollback would put b back.
        again = cli(config, "rollback", name, "--yes")
        assert again.returncode == 1 and "its last change was a rollback" in again.stderr

        canary = cli(config, "rollout", name, BAD, "--canary", "1", "--watch", "20s",
                     "--yes", "--json")
        assert canary.returncode == 1, canary.stdout
        assert "rolled back: canary task" in canary.stderr
        assert "exited with code 1" in canary.stderr
        doc = json.loads(canary.stdout)
        assert (doc["outcome"], doc["rolled_back"], doc["to"], doc["canary"]) == (
            "rolled_back", True, BAD, 1)
        assert "exited with code 1" in doc["reason"]
        wait_until(lambda: task_images(service) == [GOOD_A] * 3, 60, "every task on a again")
        failed = audit_records(tmp_path)[-1]
        assert (failed["action"], failed["outcome"]) == ("rollout", "failed")
        assert failed["result"]["rolled_back"] is True

        # A short image id (as `docker images` shows it) is the full id, not a name.
        short = client.images.get(GOOD_B).id.removeprefix("sha256:")[:12]
        by_id = cli(config, "rollout", name, short, "--yes", "--json")
        assert by_id.returncode == 0, by_id.stderr
        assert json.loads(by_id.stdout)["to"] == client.images.get(GOOD_B).id
        wait_until(lambda: task_images(service) == [client.images.get(GOOD_B).id] * 3, 60,
                   "every task on the image by its id")

        # No canary: Swarm's own rollback is said without a word of a canary.
        plain = cli(config, "rollout", name, BAD, "--yes")
        assert plain.returncode == 1, plain.stdout
        assert "rolled back" in plain.stderr and "canary" not in plain.stdout + plain.stderr

        bad_watch = cli(config, "rollout", name, GOOD_B, "--watch", "soon", "--yes")
        assert bad_watch.returncode == 2 and "--watch" in bad_watch.stderr
    finally:
        service.remove()
