"""The kernel path against the daemon's own numbers: a container read from its cgroup and
/proc gives what GET /containers/{id}/stats gives, and a sweep through either path shows the
same CPU% and memory on screen."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import subprocess
from collections.abc import Callable
from typing import Any

import docker
import pytest

from fintui.clock import SystemClock
from fintui.core.stats import reading_from_json, stats_from
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


def pid_of(box: Any) -> int:
    """The container's main process now, as the daemon says."""
    box.reload()
    return int(box.attrs["State"]["Pid"])


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
    cid, pid = box.id, pid_of(box)
    api = api_stats(cid)
    kernel = cgroups.read_many({cid: pid})[cid]
    same = reading_from_json(api)  # the API's numbers, as the arithmetic takes them
    assert kernel.cpu is not None and same.cpu is not None
    # Counters read a moment apart: CPU only grows, by at most the moment's worth.
    assert 0 <= kernel.cpu.total_usage - same.cpu.total_usage < 2 * 10**9
    assert kernel.cpu.online_cpus == same.cpu.online_cpus
    assert kernel.mem_limit == same.mem_limit == 64 * 1024**2
    assert abs(kernel.mem_used - same.mem_used) <= max(same.mem_used * 0.2, 256 * 1024)
    assert kernel.pids == same.pids
    assert (kernel.net_rx, kernel.net_tx) == (same.net_rx, same.net_tx)
    system_gap = kernel.cpu.system_usage - same.cpu.system_usage
    assert 0 <= system_gap < 10 * 10**9 * (os.cpu_count() or 1)
    stats = stats_from(kernel, None)
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
    cid, pid = box.id, pid_of(box)
    first = cgroups.read_many({cid: pid})[cid]
    assert cgroups.read_many({cid: pid})[cid].pids == first.pids
    box.stop(timeout=1)
    assert cgroups.read_many({cid: pid}) == {}, "a stopped container's numbers go to the API"
    box.start()
    new_pid = pid_of(box)
    assert new_pid != pid
    again = cgroups.read_many({cid: new_pid})[cid]
    assert again.pids >= 1
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


def open_files_of(cid: str) -> int:
    """This process's descriptors on that container's files (cgroup paths name the id)."""
    count = 0
    for fd in os.listdir("/proc/self/fd"):
        with contextlib.suppress(OSError):
            count += cid in os.readlink(f"/proc/self/fd/{fd}")
    return count


def test_files_held_open_are_given_back_when_the_container_stops(
        run_container: Callable[..., Any]) -> None:
    cgroups = reader()
    box = run_container("cg-fds", ["sleep", "300"])
    cid, pid = box.id, pid_of(box)
    first = cgroups.read_many({cid: pid})[cid]
    held = open_files_of(cid)
    assert held > 0, "the cgroup files stay open between sweeps"
    again = cgroups.read_many({cid: pid})[cid]  # a re-read of the open files, not stale text
    assert again.cpu is not None and first.cpu is not None
    assert again.cpu.total_usage >= first.cpu.total_usage
    assert open_files_of(cid) == held
    box.stop(timeout=1)
    assert cgroups.read_many({cid: pid}) == {}
    assert open_files_of(cid) == 0, "a stopped container's files are closed"
    box.start()
    assert cid in cgroups.read_many({cid: pid_of(box)})
    assert open_files_of(cid) == held
    cgroups.close()
    assert open_files_of(cid) == 0


async def test_a_changed_memory_limit_shows_after_its_update_event(
        run_container: Callable[..., Any]) -> None:
    cgroups = reader()
    box = run_container("cg-update", ["sleep", "300"], mem_limit="64m")
    source = DockerEngineSource(EngineClient(parse_endpoint(HOST), 10, 5), SystemClock(),
                                32, 30, cgroups=cgroups)

    async def follow() -> None:
        async for _event in source.events():
            pass

    def limit(snap: Any) -> int | None:
        row = next(c for c in snap.containers if c.id == box.id)
        return row.stats.mem_limit_bytes if row.stats else None

    task = asyncio.create_task(follow())
    try:
        await asyncio.sleep(0.5)
        assert limit(await source.sweep()) == 64 * 1024**2
        relists = source.relists
        await asyncio.to_thread(box.update, mem_limit="96m", memswap_limit="192m")
        seen = None
        for _ in range(50):
            if (seen := limit(await source.sweep())) == 96 * 1024**2:
                break
            await asyncio.sleep(0.1)
        assert seen == 96 * 1024**2
        assert source.relists == relists, "through the update event, not a relist"
    finally:
        task.cancel()
        await source.close()
