"""Container numbers straight from the kernel when fintui runs on the daemon's own host:
cgroup files (v1 and v2, cgroupfs and systemd drivers alike, found through
/proc/<pid>/cgroup) and /proc/<pid>/net/dev. No daemon work at all, and about 0.15 ms a
container where a stats request costs the daemon milliseconds and waits for its collector.
Any container it cannot read goes back to the API."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from fintui.core.cgroup_parse import (
    blkio_v1,
    cgroup_mounts,
    io_stat_v2,
    key_values,
    net_dev,
    proc_cgroup_paths,
    stats_json,
    system_cpu_ns,
)


class CgroupUnavailable(Exception):
    pass


class CgroupReader:
    def __init__(self, proc: Path = Path("/proc")) -> None:
        self.proc = proc
        try:
            self.v1, self.v2 = cgroup_mounts((proc / "self" / "mountinfo").read_text())
            self.clock_ticks = os.sysconf("SC_CLK_TCK")
            self.online_cpus = os.sysconf("SC_NPROCESSORS_ONLN")
            meminfo = (proc / "meminfo").read_text().split()
            self.host_memory = int(meminfo[meminfo.index("MemTotal:") + 1]) * 1024
        except (OSError, ValueError, IndexError) as exc:
            raise CgroupUnavailable(f"cgroups not readable here: {exc}") from None
        if not self.v1 and not self.v2:
            raise CgroupUnavailable("no cgroup file system mounted")

    def read_many(self, pids: dict[str, int]) -> dict[str, dict[str, Any]]:
        """Stats JSON by container id for every pid that could be read; the rest are left
        out (the caller asks the API for them). One /proc/stat read for all: the same
        system time for every container of a sweep, as one docker stats collector cycle."""
        try:
            system_ns = system_cpu_ns((self.proc / "stat").read_text(), self.clock_ticks)
        except (OSError, ValueError):
            return {}
        out: dict[str, dict[str, Any]] = {}
        for cid, pid in pids.items():
            try:
                out[cid] = self.read(cid, pid, system_ns)
            except (OSError, ValueError, KeyError, CgroupUnavailable):
                continue
        return out

    def read(self, cid: str, pid: int, system_ns: int) -> dict[str, Any]:
        if pid <= 0:
            raise CgroupUnavailable("not running")
        v1_paths, v2_path = proc_cgroup_paths((self.proc / str(pid) / "cgroup").read_text())
        # A pid from cached inspect data may since belong to another process: the cgroup
        # path names the container (docker/<id>, docker-<id>.scope) or it is not ours.
        if not all(cid in path for path in [*v1_paths.values(), v2_path or cid]):
            raise CgroupUnavailable(f"pid {pid} is no longer container {cid[:12]}")
        networks = net_dev((self.proc / str(pid) / "net" / "dev").read_text())
        if "cpuacct" in v1_paths and "memory" in v1_paths and "cpuacct" in self.v1:
            return self._v1(v1_paths, system_ns, networks)
        if v2_path is not None and self.v2 is not None:
            return self._v2(Path(self.v2 + v2_path), system_ns, networks)
        raise CgroupUnavailable(f"pid {pid}: no cgroup this reader knows")

    def _file(self, controller: str, paths: dict[str, str], name: str) -> str:
        return Path(self.v1[controller] + paths[controller], name).read_text()

    def _v1(self, paths: dict[str, str], system_ns: int,
            networks: dict[str, dict[str, int]]) -> dict[str, Any]:
        blk = (0, 0)
        if "blkio" in paths and "blkio" in self.v1:
            # The CFQ file when the kernel has one, else the throttle one (as runc reads).
            for name in ("blkio.io_service_bytes_recursive",
                         "blkio.throttle.io_service_bytes_recursive"):
                try:
                    blk = blkio_v1(self._file("blkio", paths, name))
                    break
                except FileNotFoundError:
                    continue
        pids = 0
        if "pids" in paths and "pids" in self.v1:
            pids = int(self._file("pids", paths, "pids.current"))
        return stats_json(
            cpu_ns=int(self._file("cpuacct", paths, "cpuacct.usage")), system_ns=system_ns,
            online_cpus=self.online_cpus,
            mem_usage=int(self._file("memory", paths, "memory.usage_in_bytes")),
            mem_limit=int(self._file("memory", paths, "memory.limit_in_bytes")),
            mem_stat=key_values(self._file("memory", paths, "memory.stat")),
            host_memory=self.host_memory, blk=blk, networks=networks, pids=pids)

    def _v2(self, folder: Path, system_ns: int,
            networks: dict[str, dict[str, int]]) -> dict[str, Any]:
        limit_text = (folder / "memory.max").read_text().strip()
        try:
            blk = io_stat_v2((folder / "io.stat").read_text())
        except FileNotFoundError:
            blk = (0, 0)
        return stats_json(
            cpu_ns=key_values((folder / "cpu.stat").read_text())["usage_usec"] * 1000,
            system_ns=system_ns, online_cpus=self.online_cpus,
            mem_usage=int((folder / "memory.current").read_text()),
            mem_limit=0 if limit_text == "max" else int(limit_text),
            mem_stat=key_values((folder / "memory.stat").read_text()),
            host_memory=self.host_memory, blk=blk, networks=networks,
            pids=int((folder / "pids.current").read_text()))
