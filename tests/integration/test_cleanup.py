"""Stale-storage cleanup against a real dockerd. Everything is made here, labelled with this
run's id, and --match selects by that label, so nothing else on the daemon is considered."""

from __future__ import annotations

import contextlib
import io
import json
import re
import subprocess
import tarfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import docker
import pytest
from docker.errors import NotFound

from fintui.clock import SystemClock
from fintui.config import load_settings
from fintui.ops.operations import Operations
from fintui.sources.docker_engine import DockerEngineSource
from fintui.sources.engine_actions import EngineActions
from fintui.sources.engine_client import EngineClient, parse_endpoint
from tests.integration.busybox_image import TEST_IMAGE
from tests.integration.conftest import HOST, LABEL, PREFIX, RUN_ID
from tests.integration.test_operations import audit_records, cli, write_config

pytestmark = pytest.mark.integration
MATCH = f"{LABEL}={RUN_ID}"
POLICY = ('[cleanup]\nnamed_volumes = true\nvolume_ttl = "15s"\ncontainer_ttl = "15s"\n'
          'image_ttl = "30d"\nkeep_recent_images = 3\ndangling_images = true\n')


def tiny_image(client: docker.DockerClient, repository: str, content: bytes) -> str:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        info = tarfile.TarInfo("payload.bin")
        info.size = len(content)
        tar.addfile(info, io.BytesIO(content))
    reply = client.api.import_image_from_data(buffer.getvalue(), repository=repository,
                                              tag="1", changes=[f"LABEL {LABEL}={RUN_ID}"])
    return str(json.loads(reply.strip().splitlines()[-1])["status"])


@pytest.fixture
def storage(client: docker.DockerClient) -> Iterator[dict[str, Any]]:
    """The acceptance cast: one of each kind the policy must take or spare."""
    yield from _cast(client, aged=True)


@pytest.fixture
def young_storage(client: docker.DockerClient) -> Iterator[dict[str, Any]]:
    """The same cast without the wait: for tests that never reach a stale object."""
    yield from _cast(client, aged=False)


def _cast(client: docker.DockerClient, aged: bool) -> Iterator[dict[str, Any]]:
    labels = {LABEL: RUN_ID}
    made: dict[str, Any] = {}
    stale = client.volumes.create(PREFIX + "stale", labels=labels)
    # Put a megabyte in it, then let go of it: an unused volume with a real size.
    client.containers.run(TEST_IMAGE, ["sh", "-c", "yes fintui | head -c 1048576 > /v/blob"],
                          volumes={stale.name: {"bind": "/v", "mode": "rw"}}, remove=True)
    old = client.containers.run(TEST_IMAGE, ["sh", "-c", "echo spill > /spill; exit 3"],
                                name=PREFIX + "old-exited", labels=labels, detach=True)
    old.wait(timeout=30)
    repo = PREFIX + "img"
    dangling = tiny_image(client, repo, b"first build " * 40000)
    tiny_image(client, repo, b"second build " * 40000)  # takes the tag: the first dangles
    # Older than the 15 s TTLs; what follows stays younger through the test, with room for
    # a loaded CI machine (a 5 s margin was once not enough for the CLI to start and plan).
    if aged:
        time.sleep(16)
    made.update(stale=stale, old=old, dangling=dangling)
    made["protected"] = client.volumes.create(PREFIX + "protected",
                                              labels={**labels, "fintui.protect": "true"})
    made["live_vol"] = client.volumes.create(PREFIX + "live", labels=labels)
    made["runner"] = client.containers.run(
        TEST_IMAGE, ["sleep", "600"], name=PREFIX + "runner", labels=labels, detach=True,
        volumes={made["live_vol"].name: {"bind": "/d", "mode": "rw"}})
    made["parked_vol"] = client.volumes.create(PREFIX + "parked", labels=labels)
    made["parked"] = client.containers.create(
        TEST_IMAGE, ["sleep", "600"], name=PREFIX + "parked-user", labels=labels,
        volumes={made["parked_vol"].name: {"bind": "/d", "mode": "rw"}})
    yield made
    for container in client.containers.list(all=True, filters={"label": MATCH}):
        container.remove(force=True)
    for volume in client.volumes.list(filters={"label": MATCH}):
        volume.remove(force=True)
    for image in client.images.list(all=True, filters={"label": MATCH}):
        with contextlib.suppress(NotFound):
            client.images.remove(image.id, force=True)


def df_bytes(client: docker.DockerClient) -> int:
    """What `docker system df` adds up: image layers, containers' writable layers, volumes."""
    df = client.df()
    return (int(df["LayersSize"]) + sum(int(c.get("SizeRw") or 0) for c in df["Containers"])
            + sum(max(int(v["UsageData"]["Size"]), 0) for v in df["Volumes"]))


def test_dry_run_then_clean_take_exactly_the_stale_objects(
        client: docker.DockerClient, storage: dict[str, Any], tmp_path: Path) -> None:
    config = write_config(tmp_path, POLICY)
    dry = cli(config, "clean", "--dry-run", "--json", "--match", MATCH)
    assert dry.returncode == 0, dry.stderr
    plan = json.loads(dry.stdout)
    taken = {(c["kind"], c["name"]) for c in plan["candidates"]}
    assert taken == {("volume", PREFIX + "stale"), ("container", PREFIX + "old-exited"),
                     ("image", f"<none> {storage['dangling'].removeprefix('sha256:')[:12]}")}
    for item in plan["candidates"] + plan["spared"]:
        assert set(item) >= {"kind", "name", "id", "bytes", "reason"}
    spared = {c["name"]: c["reason"] for c in plan["spared"]}
    assert "protected" in spared[PREFIX + "protected"]
    assert spared[PREFIX + "live"] == f"in use by {PREFIX}runner"
    assert spared[PREFIX + "parked"] == f"in use by {PREFIX}parked-user"
    assert "younger than" in spared[PREFIX + "parked-user"]
    # The dry run changed nothing.
    client.volumes.get(PREFIX + "stale")
    client.containers.get(PREFIX + "old-exited")
    client.images.get(storage["dangling"])

    before = df_bytes(client)
    real = cli(config, "clean", "--yes", "--json", "--match", MATCH)
    assert real.returncode == 0, real.stderr
    result = json.loads(real.stdout)
    assert {(r["kind"], r["name"]) for r in result["removed"]} == taken
    assert result["failed"] == [] and result["skipped"] == []
    after = df_bytes(client)
    assert result["freed_total"] == before - after
    assert result["freed_bytes"]["volume"] >= 1048576
    for gone in (lambda: client.volumes.get(PREFIX + "stale"),
                 lambda: client.containers.get(PREFIX + "old-exited"),
                 lambda: client.images.get(storage["dangling"])):
        with pytest.raises(NotFound):
            gone()
    for kept in (PREFIX + "protected", PREFIX + "live", PREFIX + "parked"):
        client.volumes.get(kept)
    client.containers.get(PREFIX + "parked-user")
    record = audit_records(tmp_path)[-1]
    assert record["action"] == "clean" and record["outcome"] == "ok"
    assert len(record["result"]["removed"]) == 3
    assert cli(config, "audit", "verify").returncode == 0


async def test_a_volume_used_after_the_plan_is_skipped(
        client: docker.DockerClient, storage: dict[str, Any], tmp_path: Path) -> None:
    settings = load_settings(str(write_config(tmp_path, POLICY)))
    engine = EngineClient(parse_endpoint(HOST), 30, 5)
    source = DockerEngineSource(engine, SystemClock(), 32, 30)
    ops = Operations(EngineActions(engine), settings, "alice", False, SystemClock(),
                     source=source)
    try:
        plan = await ops.plan_clean(MATCH)
        assert plan.cleanup is not None
        assert PREFIX + "stale" in {i.name for i in plan.cleanup.candidates}
        client.containers.create(TEST_IMAGE, ["true"], name=PREFIX + "late-user",
                                 labels={LABEL: RUN_ID},
                                 volumes={PREFIX + "stale": {"bind": "/d", "mode": "rw"}})
        outcome = await ops.execute(plan)
    finally:
        await source.close()
    skipped = {s["name"]: s["reason"] for s in outcome.result["skipped"]}
    assert skipped[PREFIX + "stale"] == f"in use now by {PREFIX}late-user"
    client.volumes.get(PREFIX + "stale")  # still there
    assert PREFIX + "old-exited" in {r["name"] for r in outcome.result["removed"]}


def test_viewer_and_freeze_refuse_clean_audited(young_storage: dict[str, Any],
                                                tmp_path: Path) -> None:
    config = write_config(tmp_path, POLICY + '\n[[guard.freeze]]\nname = "eod-batch"\n'
                          'days = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]\n'
                          'start = "00:00"\nend = "23:59"\ntimezone = "UTC"\n'
                          'actions = ["clean"]\n')
    viewer = cli(config, "--read-only", "--as", "desk", "clean", "--yes", "--match", MATCH)
    assert viewer.returncode == 1 and "viewer" in viewer.stderr
    frozen = cli(config, "--as", "alice", "clean", "--yes", "--match", MATCH)
    assert frozen.returncode == 1 and "eod-batch" in frozen.stderr
    # A dry run is only a look: viewers may, freezes allow it.
    assert cli(config, "--read-only", "--as", "desk", "clean", "--dry-run",
               "--match", MATCH).returncode == 0
    assert [(r["actor"], r["outcome"]) for r in audit_records(tmp_path)] == [
        ("desk", "refused"), ("alice", "refused")]


def _docker_df_cli() -> dict[str, tuple[float, float]]:
    out = subprocess.run(["docker", "-H", HOST, "system", "df", "--format", "{{json .}}"],
                         capture_output=True, text=True, timeout=120, check=True).stdout
    units = {"B": 1, "kB": 1e3, "KB": 1e3, "MB": 1e6, "GB": 1e9, "TB": 1e12}

    def parse(text: str) -> float:
        number, unit = re.match(r"([\d.]+)\s*([kKMGT]?B)", text).groups()  # type: ignore[union-attr]
        return float(number) * units[unit]

    rows = {}
    for line in out.splitlines():
        row = json.loads(line)
        rows[row["Type"]] = (parse(row["Size"]), parse(row["Reclaimable"]))
    return rows


def test_pane_totals_agree_with_docker_system_df(client: docker.DockerClient,
                                                 young_storage: dict[str, Any],
                                                 run_container: Callable[..., Any]) -> None:
    import asyncio

    from fintui.core.disk_usage import totals

    engine = EngineClient(parse_endpoint(HOST), 60, 5)
    source = DockerEngineSource(engine, SystemClock(), 32, 30)

    async def ours() -> Any:
        try:
            return totals(await source.disk_usage())
        finally:
            await source.close()

    mine = {t.kind: t for t in asyncio.run(ours())}
    theirs = _docker_df_cli()
    names = {"images": "Images", "containers": "Containers", "volumes": "Local Volumes",
             "build-cache": "Build Cache"}
    for kind, label in names.items():
        size, reclaimable = theirs[label]
        # The CLI prints 3-4 significant digits: agree within its rounding.
        assert mine[kind].size == pytest.approx(size, rel=0.01, abs=1)
        assert mine[kind].reclaimable == pytest.approx(reclaimable, rel=0.01, abs=1)
