"""The demo must not make operations look broken: what a scale, an isolation or a finished
container shows afterwards agrees with what a real daemon would show, and the command line
says plainly that each `--demo` run is a new cluster."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest

from fintui.cli import main
from fintui.cli_common import DEMO_NOTICE, NO_DEMO_ACTS
from fintui.clock import FixedClock
from fintui.config import load_settings
from fintui.core.swarm_nodes import node_table, service_table
from fintui.model import ClusterSnapshot, Container
from fintui.ops.operations import Operations
from fintui.sources.demo import DEMO_START, DemoCluster
from fintui.sources.demo_actions import DemoActions


@pytest.fixture
def world(tmp_path: Path) -> tuple[DemoCluster, Operations]:
    settings = load_settings(None)
    settings = replace(settings, paths=replace(settings.paths, state_dir=tmp_path),
                       audit=replace(settings.audit, path=tmp_path / "audit.jsonl"),
                       scale=replace(settings.scale, converge_timeout=2.0))
    clock = FixedClock(DEMO_START)
    cluster = DemoCluster(7, clock, 2.0)
    return cluster, Operations(DemoActions(cluster), settings, "alice", False, clock)


def named(snapshot: ClusterSnapshot, name: str) -> Container:
    return next(c for c in snapshot.containers if c.name == name)


async def test_after_scaling_pricing_the_nodes_pane_counts_agree(
        world: tuple[DemoCluster, Operations]) -> None:
    cluster, ops = world
    await cluster.sweep()
    await ops.execute(await ops.plan_scale("pricing", 5))
    snapshot = await cluster.sweep()
    [service] = service_table(snapshot.services)
    assert [service.text(c) for c in ("Service", "Mode", "Running")] == \
        ["pricing", "replicated", "5/5"]  # was 5/3: the desired count never moved
    tasks = {row.text("Node"): int(row.text("Tasks")) for row in node_table(snapshot.nodes)}
    assert sum(tasks.values()) == 5 and max(tasks.values()) - min(tasks.values()) <= 1
    # The new tasks are placed on the nodes: the service's spread says what Tasks counts.
    assert service.text("Tasks by node") == "  ".join(
        f"{node} ●{n}" for node, n in sorted(tasks.items()))
    await ops.execute(await ops.plan_scale("pricing", 2))
    snapshot = await cluster.sweep()
    assert service_table(snapshot.services)[0].text("Running") == "2/2"
    assert sum(n.tasks for n in snapshot.nodes) == 2


async def test_an_isolated_crash_looper_stops_restarting_and_its_replacement_takes_over(
        world: tuple[DemoCluster, Operations]) -> None:
    cluster, ops = world
    for _ in range(3):  # to where it is `restarting`: isolating cannot pause it
        snapshot = await cluster.sweep()
    assert named(snapshot, "recon-worker").state == "restarting"
    await ops.execute(await ops.plan_isolate("recon-worker"))
    seen = []
    for _ in range(12):
        snapshot = await cluster.sweep()
        seen.append(named(snapshot, "recon-worker"))
    last = seen[-1]
    # Restart policy `no`: after its next crash it stays exited, no CPU, no new restarts.
    assert last.state == "exited" and last.stats is None and last.exit_code == 1
    assert last.status.startswith("Exited (1)")
    assert len({c.restart_count for c in seen[-8:]}) == 1
    replacement = named(snapshot, "backoffice-recon-2")
    assert replacement.state == "running" and replacement.stats is not None


async def test_a_paused_crash_looper_keeps_its_restart_count(
        world: tuple[DemoCluster, Operations]) -> None:
    cluster, ops = world
    before = named(await cluster.sweep(), "recon-worker").restart_count
    await ops.execute(await ops.plan_isolate("recon-worker"))  # running now: it is paused
    counts = [named(await cluster.sweep(), "recon-worker") for _ in range(9)]
    assert {c.state for c in counts} == {"paused"}
    assert {c.restart_count for c in counts} == {before}  # not 0, and not growing


async def test_a_crash_looper_left_alone_keeps_restarting(
        world: tuple[DemoCluster, Operations]) -> None:
    cluster, _ = world
    counts = [named(await cluster.sweep(), "recon-worker").restart_count for _ in range(10)]
    assert counts[0] == 17 and counts[-1] == 20  # one more every third sweep


async def test_an_exited_containers_log_stream_ends_after_its_backlog(
        world: tuple[DemoCluster, Operations]) -> None:
    cluster, _ = world
    await cluster.sweep()

    async def read(name: str) -> list[str]:
        return [line async for line in cluster.logs(name, 5, follow=True)]

    lines = await asyncio.wait_for(read("nightly-report"), 5)
    assert len(lines) == 5
    stream = cluster.logs("md-feed-sse", 5, follow=True)  # a running one still follows
    got = [await asyncio.wait_for(anext(stream), 5) for _ in range(6)]
    assert len(got) == 6
    await stream.aclose()


def test_demo_verbs_say_each_run_is_a_new_cluster(tmp_path: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    config = tmp_path / "fintui.toml"
    config.write_text(f'[paths]\nstate_dir = "{tmp_path / "state"}"\n')
    assert main(["--demo", "--config", str(config), "isolate", "recon-worker", "--yes"]) == 0
    out, err = capsys.readouterr()
    assert "done: isolate recon-worker" in out and err == f"{DEMO_NOTICE}\n"
    # A second run is a new cluster: the release is refused, in its one line.
    assert main(["--demo", "--config", str(config), "release", "recon-worker", "--yes"]) == 1
    assert capsys.readouterr().err == \
        "fintui: refused: recon-worker is not isolated: nothing to release\n"
    assert main(["--demo", "--config", str(config), "audit", "show"]) == 0
    out, err = capsys.readouterr()
    assert out == f"{NO_DEMO_ACTS}\n" and err == f"{DEMO_NOTICE}\n"
    assert NO_DEMO_ACTS == "no acts recorded (the demo starts a new cluster each run)"
    # --json stays one document on stdout; the notice goes to stderr.
    assert main(["--demo", "--config", str(config), "status", "--json"]) == 0
    out, err = capsys.readouterr()
    assert out.lstrip().startswith("{") and err == f"{DEMO_NOTICE}\n"


def test_a_demo_run_leaves_no_folder_behind(tmp_path: Path) -> None:
    temp = tmp_path / "tmp"
    temp.mkdir()
    env = {**os.environ, "TMPDIR": str(temp)}
    result = subprocess.run([sys.executable, "-m", "fintui", "--demo", "status"], env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stderr == f"{DEMO_NOTICE}\n"
    assert sorted(p.name for p in temp.iterdir()) == []  # no fintui-demo-* left
