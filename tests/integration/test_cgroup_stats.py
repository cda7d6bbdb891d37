"""The kernel path against the daemon's own numbers: a container read from its cgroup and
/proc gives what GET /containers/{id}/stats gives, and a sweep through either path shows the
same CPU% and memory on screen."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
from collections.abc import Callable
from typing import Any

import docker
import pytest

from fintui.clock import SystemClock
from fintui.core.stats import memory_used, network_bytes, reduce_stats
from fintui.sources.cgroup_stats import CgroupReader, CgroupUnavailable
from fintui.sources.docker_engine import DockerEngineSource
from fintui.sources.engine_client import EngineClient, parse_endpoint
from tests.integration.conftest import HOST, PREFIX

pytestmark = pytest.mark.integration

BUSY = "while true; do i=0; while [ $i -lt 5000 ]; do i=$((i+1)); done; done"


def reader() -> CgroupReader:
    if not HOST.startswith("unix://"):
        pytest.skip("the kernel path needs the daemon on this host")
    try:
        return CgroupReader()
    except CgroupUnavailable as exc:
        pytest.skip(str(exc))


def api_stats(cid: str) -> dict[str, Any]:
    socket = HOST.removeprefix("unix://")
    out = subprocess.run(["curl", "-s", "--unix-socket", socket,
                          f"http://docker/containers/{cid}/stats?stream=false"],
                         capture_output=True, text=True, timeout=30, check=True).stdout
    return dict(json.loads(out))


def test_kernel_numbers_equal_the_daemons(client: docker.DockerClient,
                                          run_container: Callable[..., Any]) -> None:
    cgroups = reader()
    box = run_container("cg-busy", ["sh", "-c", BUSY], mem_limit="64m")
    box.reload()
    cid, pid = box.id, int(box.attrs["State"]["Pid"])
    api = api_stats(cid)
    kernel = cgroups.read_many({cid: pid})[cid]
    # Counters read a moment apart: CPU only grows, by at most the moment's worth.
    api_cpu = api["cpu_stats"]["cpu_usage"]["total_usage"]
    kernel_cpu = kernel["cpu_stats"]["cpu_usage"]["total_usage"]
    assert 0 <= kernel_cpu - api_cpu < 2 * 10**9
    assert kernel["cpu_stats"]["online_cpus"] == api["cpu_stats"]["online_cpus"]
    assert kernel["memory_stats"]["limit"] == api["memory_stats"]["limit"] == 64 * 1024**2
    assert abs(memory_used(kernel) - memory_used(api)) <= max(memory_used(api) * 0.2, 256 * 1024)
    assert kernel["pids_stats"]["current"] == api["pids_stats"]["current"]
    assert network_bytes(kernel) == network_bytes(api)
    system_gap = kernel["cpu_stats"]["system_cpu_usage"] - api["cpu_stats"]["system_cpu_usage"]
    assert 0 <= system_gap < 10 * 10**9 * (os.cpu_count() or 1)
    stats, _ = reduce_stats(kernel, None)
    assert stats.mem_limit_bytes == 64 * 1024**2 and stats.pids >= 1


def test_a_pid_that_is_not_the_containers_is_refused(run_container: Callable[..., Any]) -> None:
    cgroups = reader()
    box = run_container("cg-other", ["sleep", "300"])
    box.reload()
    with pytest.raises(CgroupUnavailable, match="no longer container"):
        cgroups.read(box.id, os.getpid(), 0)  # this test's own pid: not in that cgroup
    assert cgroups.read_many({box.id: os.getpid()}) == {}  # left to the API


def test_a_stopped_or_restarted_container_is_never_read_from_old_paths(
        run_container: Callable[..., Any]) -> None:
    cgroups = reader()
    box = run_container("cg-restart", ["sleep", "300"])
    box.reload()
    cid, pid = box.id, int(box.attrs["State"]["Pid"])
    first = cgroups.read_many({cid: pid})[cid]
    assert cgroups.read_many({cid: pid})[cid]["pids_stats"] == first["pids_stats"]  # cached
    box.stop(timeout=1)
    assert cgroups.read_many({cid: pid}) == {}, "a stopped container's numbers go to the API"
    box.start()
    box.reload()
    new_pid = int(box.attrs["State"]["Pid"])
    assert new_pid != pid
    again = cgroups.read_many({cid: new_pid})[cid]
    assert again["pids_stats"]["current"] >= 1
    # Its old process id now names nothing of this container: refused, not misread.
    assert cgroups.read_many({cid: pid}) == {}


async def test_a_sweep_shows_the_same_numbers_through_either_path(
        run_container: Callable[..., Any]) -> None:
    cgroups = reader()
    run_container("cg-sweep", ["sh", "-c", BUSY])
    sources = [DockerEngineSource(EngineClient(parse_endpoint(HOST), 10, 5), SystemClock(),
                                  32, 30, cgroups=kernel) for kernel in (cgroups, None)]
    try:
        seen: list[dict[str, Any]] = []
        for _ in range(3):  # CPU% needs two samples; the third is compared
            snaps = await asyncio.gather(*(s.sweep() for s in sources))
            seen = [{c.name: c for c in snap.containers} for snap in snaps]
            await asyncio.sleep(1.0)
        kernel_row, api_row = (rows[PREFIX + "cg-sweep"] for rows in seen)
        assert kernel_row.stats is not None and api_row.stats is not None
        assert kernel_row.stats.cpu_percent is not None and api_row.stats.cpu_percent
        assert abs(kernel_row.stats.cpu_percent - api_row.stats.cpu_percent) < 25
        assert kernel_row.stats.cpu_percent > 30  # a busy loop, seen as busy
        assert kernel_row.stats.mem_limit_bytes == api_row.stats.mem_limit_bytes
    finally:
        for source in sources:
            await source.close()
