"""Container numbers straight from the kernel when fintui runs on the daemon's own host:
cgroup files (v1 and v2, cgroupfs and systemd drivers alike, found through
/proc/<pid>/cgroup) and /proc/<pid>/net/dev. No daemon work at all, and about 0.15 ms a
container where a stats request costs the daemon milliseconds and waits for its collector.
Any container it cannot read goes back to the API."""

from __future__ import annotations

import os
from dataclasses import dataclass
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
        self._files: dict[str, _Files] = {}  # container id -> where its numbers are

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
        files = self._files.get(cid)
        if files is None or files.pid != pid:
            files = self._resolve(cid, pid)
            self._files[cid] = files
        try:
            return self._numbers(files, system_ns)
        except OSError:
            del self._files[cid]  # stopped or gone: look again next time
            raise

    def forget(self, alive: set[str]) -> None:
        """Drop the paths of containers no longer running."""
        for cid in set(self._files) - alive:
            del self._files[cid]

    def _resolve(self, cid: str, pid: int) -> _Files:
        """Where one container's numbers live; asked once per container process."""
        if pid <= 0:
            raise CgroupUnavailable("not running")
        v1_paths, v2_path = proc_cgroup_paths(_read(f"{self.proc}/{pid}/cgroup"))
        # A pid from cached inspect data may since belong to another process: the cgroup
        # path names the container (docker/<id>, docker-<id>.scope) or it is not ours.
        if not all(cid in path for path in [*v1_paths.values(), v2_path or cid]):
            raise CgroupUnavailable(f"pid {pid} is no longer container {cid[:12]}")
        net = f"{self.proc}/{pid}/net/dev"
        if "cpuacct" in v1_paths and "memory" in v1_paths and "cpuacct" in self.v1:
            def v1(controller: str, name: str) -> str:
                return f"{self.v1[controller]}{v1_paths[controller]}/{name}"
            blk = ""
            if "blkio" in v1_paths and "blkio" in self.v1:
                # The CFQ file when the kernel has one, else the throttle one (as runc reads).
                blk = next((path for name in ("blkio.io_service_bytes_recursive",
                                              "blkio.throttle.io_service_bytes_recursive")
                            if os.path.exists(path := v1("blkio", name))), "")
            return _Files(pid, 1, net, v1("cpuacct", "cpuacct.usage"),
                          v1("memory", "memory.usage_in_bytes"),
                          v1("memory", "memory.limit_in_bytes"), v1("memory", "memory.stat"),
                          blk, v1("pids", "pids.current")
                          if "pids" in v1_paths and "pids" in self.v1 else "")
        if v2_path is not None and self.v2 is not None:
            folder = f"{self.v2}{v2_path}"
            return _Files(pid, 2, net, f"{folder}/cpu.stat", f"{folder}/memory.current",
                          f"{folder}/memory.max", f"{folder}/memory.stat",
                          f"{folder}/io.stat" if os.path.exists(f"{folder}/io.stat") else "",
                          f"{folder}/pids.current")
        raise CgroupUnavailable(f"pid {pid}: no cgroup this reader knows")

    def _numbers(self, f: _Files, system_ns: int) -> dict[str, Any]:
        if f.version == 1:
            cpu_ns = int(_read(f.cpu))
            limit = int(_read(f.mem_limit))
            blk = blkio_v1(_read(f.blk)) if f.blk else (0, 0)
        else:
            cpu_ns = key_values(_read(f.cpu))["usage_usec"] * 1000
            limit_text = _read(f.mem_limit).strip()
            limit = 0 if limit_text == "max" else int(limit_text)
            blk = io_stat_v2(_read(f.blk)) if f.blk else (0, 0)
        return stats_json(
            cpu_ns=cpu_ns, system_ns=system_ns, online_cpus=self.online_cpus,
            mem_usage=int(_read(f.mem_usage)), mem_limit=limit,
            mem_stat=key_values(_read(f.mem_stat)), host_memory=self.host_memory, blk=blk,
            networks=net_dev(_read(f.net)), pids=int(_read(f.pids)) if f.pids else 0)


@dataclass(frozen=True, slots=True)
class _Files:
    """One container process's files: cgroup v1 or v2, and its network namespace's."""

    pid: int
    version: int
    net: str
    cpu: str
    mem_usage: str
    mem_limit: str
    mem_stat: str
    blk: str  # "" when the kernel keeps no block I/O numbers for it
    pids: str


def _read(path: str) -> str:
    """A small kernel file in one read: Path objects and text wrappers cost more than the
    read itself at hundreds of containers a second."""
    fd = os.open(path, os.O_RDONLY)
    try:
        return os.read(fd, 65536).decode("ascii", "replace")
    finally:
        os.close(fd)
