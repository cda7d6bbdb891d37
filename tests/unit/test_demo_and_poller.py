"""The demo cluster is deterministic; the poller turns a lost source into a visible state."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fintui.clock import FixedClock
from fintui.core.report import status_document
from fintui.model import Health
from fintui.poller import Poller
from fintui.sources.demo import DEMO_START, DemoCluster, DemoHost
from tests.fakes import FlakyCluster


async def sweeps(seed: int, n: int) -> list[dict[str, Any]]:
    cluster = DemoCluster(seed, FixedClock(DEMO_START), 2.0)
    poller = Poller(cluster, DemoHost(cluster), cluster.clock, 2.0, 4.0)
    return [status_document(await poller.sweep_once()) for _ in range(n)]


async def test_same_seed_same_cluster_different_seed_different_numbers() -> None:
    first, again, other = await sweeps(7, 5), await sweeps(7, 5), await sweeps(8, 5)
    assert first == again
    assert [c["cpu_percent"] for c in first[-1]["containers"]] != [
        c["cpu_percent"] for c in other[-1]["containers"]]


async def test_demo_has_the_promised_cast_and_it_moves() -> None:
    docs = await sweeps(7, 4)
    last = docs[-1]
    by_name = {c["name"]: c for c in last["containers"]}
    assert by_name["fix-gateway"]["health"] == Health.UNHEALTHY.value
    assert by_name["recon-worker"]["restart_count"] > docs[0]["containers"][
        [c["name"] for c in docs[0]["containers"]].index("recon-worker")]["restart_count"]
    assert any(c["service"] == "pricing" for c in last["containers"])
    assert {s["name"] for s in last["services"]} >= {"pricing", "risk/var-batch",
                                                     "agents/llm-infer"}
    assert docs[0]["taken_at"] != last["taken_at"]  # the fixed clock moves one step a sweep
    assert last["host"]["filesystems"][0]["used_bytes"] > docs[0]["host"]["filesystems"][0][
        "used_bytes"]  # storage grows


async def test_outage_keeps_last_data_stale_and_backs_off_then_recovers() -> None:
    source = FlakyCluster(seed=1, step_seconds=1.0)
    poller = Poller(source, DemoHost(source), source.clock, interval=2.0, max_backoff=4.0)
    good = await poller.sweep_once()
    assert good.source.connected and not good.stale
    source.down = "connection refused by /var/run/docker.sock"
    delays = []
    for _ in range(5):
        bad = await poller.sweep_once()
        delays.append(poller.next_delay())
    assert not bad.source.connected and bad.stale
    assert bad.source.error == "connection refused by /var/run/docker.sock"
    assert bad.containers == good.containers and bad.taken_at == good.taken_at
    assert delays == [0.5, 1.0, 2.0, 4.0, 4.0]
    source.down = None
    back = await poller.sweep_once()
    assert back.source.connected and not back.stale and poller.next_delay() == 2.0


async def test_first_sweep_failing_has_no_stale_data() -> None:
    source = FlakyCluster(seed=1, step_seconds=1.0)
    source.down = "permission denied on /var/run/docker.sock"
    poller = Poller(source, DemoHost(source), source.clock, 2.0, 4.0)
    snap = await poller.sweep_once()
    assert not snap.stale and snap.containers == () and not snap.source.connected
    doc = status_document(snap)
    assert doc["source"]["connected"] is False
    assert doc["source"]["error"] == "permission denied on /var/run/docker.sock"
    assert doc["gpus"] == [] and doc["alerts"] == [] and doc["volumes"] == []


def test_bind_mount_sources_add_their_filesystem_once(tmp_path: Path) -> None:
    import os

    from fintui.sources.host import mount_points

    (tmp_path / "a").mkdir()
    (tmp_path / "b.conf").write_text("")
    found = mount_points((str(tmp_path / "a"), str(tmp_path / "b.conf"), "/proc/1",
                          str(tmp_path / "gone")), [])
    assert len(found) == 1  # one filesystem holds both; /proc and missing paths add nothing
    assert os.path.ismount(found[0]) and str(tmp_path).startswith(found[0].rstrip("/") + "/")
    assert mount_points((str(tmp_path / "a"),), [found[0]]) == []  # already listed
