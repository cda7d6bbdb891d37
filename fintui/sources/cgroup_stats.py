"""Container numbers straight from the kernel when fintui runs on the daemon's own host:
cgroup files (v1 and v2, cgroupfs and systemd drivers alike, found through
/proc/<pid>/cgroup) and /proc/<pid>/net/dev. No daemon work at all, and about 0.15 ms a
container where a stats request costs the daemon milliseconds and waits for its collector.
Any container it cannot read goes back to the API."""

from __future__ import annotations

import contextlib
import os
import resource
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from fintui.core.cgroup_parse import (
    blkio_v1,
    cgroup_mounts,
    io_stat_v2,
    kernel_reading,
    net_dev,
    proc_cgroup_paths,
    stat_value,
    system_cpu_ns,
)
from fintui.core.stats import Reading


class CgroupUnavailable(Exception):
    pass


# A container's memory limit changes only by `docker update`; the source says so on its
# update event (forget), and this bounds it otherwise.
LIMIT_REFRESH = 30.0
# File descriptors left for everything else (sockets, SQLite, the terminal) when cgroup
# files are kept open.
FD_RESERVE = 512
FD_CEILING = 16384  # what the soft limit is raised to at most


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
        self._fd_budget = _fd_budget()
        self._fds_open = 0
        # read_many runs in a worker thread; forget and close come from the event loop.
        # Never both at once: a closed descriptor's number can be reused by another file.
        self._lock = threading.Lock()

    def read_many(self, pids: dict[str, int]) -> dict[str, Reading]:
        """Counters by container id for every pid that could be read; the rest are left
        out (the caller asks the API for them). One /proc/stat read for all: the same
        system time for every container of a sweep, as one docker stats collector cycle."""
        try:
            system_ns = system_cpu_ns((self.proc / "stat").read_text(), self.clock_ticks)
        except (OSError, ValueError):
            return {}
        out: dict[str, Reading] = {}
        now = time.monotonic()
        with self._lock:
            for cid, pid in pids.items():
                try:
                    out[cid] = self._read_locked(cid, pid, system_ns, now)
                except (OSError, ValueError, KeyError, CgroupUnavailable):
                    continue
        return out

    def read(self, cid: str, pid: int, system_ns: int) -> Reading:
        with self._lock:
            return self._read_locked(cid, pid, system_ns, time.monotonic())

    def _read_locked(self, cid: str, pid: int, system_ns: int, now: float) -> Reading:
        files = self._files.get(cid)
        if files is None or files.pid != pid:
            self._drop(cid)
            files = self._resolve(cid, pid)
            self._files[cid] = files
        try:
            if now - files.limit_at >= LIMIT_REFRESH:
                files.limit = _limit(_read(files.mem_limit))
                files.limit_at = now
            return self._numbers(files, system_ns)
        except OSError:
            self._drop(cid)  # stopped or gone: look again next time
            raise

    def forget(self, alive: set[str]) -> None:
        """Drop the files of containers no longer running."""
        with self._lock:
            for cid in set(self._files) - alive:
                self._drop(cid)

    def changed(self, cid: str) -> None:
        """An event named this container (an update, a restart): find its files afresh."""
        with self._lock:
            self._drop(cid)

    def close(self) -> None:
        with self._lock:
            for cid in list(self._files):
                self._drop(cid)

    def _drop(self, cid: str) -> None:
        files = self._files.pop(cid, None)
        if files is not None:
            for fd in files.fds.values():
                with contextlib.suppress(OSError):
                    os.close(fd)
            self._fds_open -= len(files.fds)

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
            files = _Files(pid, 1, net, v1("cpuacct", "cpuacct.usage"),
                           v1("memory", "memory.usage_in_bytes"),
                           v1("memory", "memory.limit_in_bytes"), v1("memory", "memory.stat"),
                           "total_inactive_file", blk, v1("pids", "pids.current")
                           if "pids" in v1_paths and "pids" in self.v1 else "")
        elif v2_path is not None and self.v2 is not None:
            folder = f"{self.v2}{v2_path}"
            files = _Files(pid, 2, net, f"{folder}/cpu.stat", f"{folder}/memory.current",
                           f"{folder}/memory.max", f"{folder}/memory.stat", "inactive_file",
                           f"{folder}/io.stat" if os.path.exists(f"{folder}/io.stat") else "",
                           f"{folder}/pids.current")
        else:
            raise CgroupUnavailable(f"pid {pid}: no cgroup this reader knows")
        self._keep_open(files)
        return files

    def _keep_open(self, files: _Files) -> None:
        """Hold the files open while the budget allows: a re-read at offset 0 makes the
        kernel write them afresh, at a third of the cost of open, read and close. (An open
        /proc/<pid>/net file holds the network namespace: it is closed with the others as
        soon as a read finds the container's cgroup gone, within a sweep of its end.)"""
        paths = [p for p in (files.cpu, files.mem_usage, files.mem_stat, files.blk,
                             files.pids, files.net) if p]
        if self._fds_open + len(paths) > self._fd_budget:
            return
        for path in paths:
            try:
                files.fds[path] = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
            except OSError:
                break  # read by path instead; the error shows at the read
        self._fds_open += len(files.fds)

    def _numbers(self, f: _Files, system_ns: int) -> Reading:
        fds = f.fds
        if f.version == 1:
            cpu_ns = int(_reread(fds, f.cpu))
        else:
            cpu_ns = (stat_value(_reread(fds, f.cpu), "usage_usec") or 0) * 1000
        return kernel_reading(
            cpu_ns=cpu_ns, system_ns=system_ns, online_cpus=self.online_cpus,
            mem_usage=int(_reread(fds, f.mem_usage)), mem_limit=f.limit,
            mem_inactive=stat_value(_reread(fds, f.mem_stat), f.inactive_key),
            host_memory=self.host_memory,
            blk=((blkio_v1 if f.version == 1 else io_stat_v2)(_reread(fds, f.blk))
                 if f.blk else (0, 0)),
            networks=net_dev(_reread(fds, f.net)),
            pids=int(_reread(fds, f.pids)) if f.pids else 0)


@dataclass(slots=True)
class _Files:
    """One container process's files: cgroup v1 or v2, and its network namespace's."""

    pid: int
    version: int
    net: str
    cpu: str
    mem_usage: str
    mem_limit: str
    mem_stat: str
    inactive_key: str  # memory.stat's page cache the kernel can drop, as v1 or v2 names it
    blk: str  # "" when the kernel keeps no block I/O numbers for it
    pids: str
    limit: int = 0
    limit_at: float = -LIMIT_REFRESH  # read at the first sweep
    fds: dict[str, int] = field(default_factory=dict)  # path -> descriptor held open


def _limit(text: str) -> int:
    text = text.strip()
    return 0 if text == "max" else int(text)


def _fd_budget() -> int:
    """How many cgroup files may stay open: the soft limit raised towards the hard one
    (as Go programs, dockerd among them, do at start), less a reserve for everything else."""
    try:
        soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        wanted = FD_CEILING if hard == resource.RLIM_INFINITY else min(hard, FD_CEILING)
        if soft != resource.RLIM_INFINITY and soft < wanted:
            resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))
            soft = wanted
    except (OSError, ValueError):
        return 0
    return max(0, min(soft, FD_CEILING) - FD_RESERVE)


def _reread(fds: dict[str, int], path: str) -> str:
    fd = fds.get(path)
    if fd is None:
        return _read(path)
    return os.pread(fd, 65536, 0).decode("ascii", "replace")


def _read(path: str) -> str:
    """A small kernel file in one read: Path objects and text wrappers cost more than the
    read itself at hundreds of containers a second."""
    fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    try:
        return os.read(fd, 65536).decode("ascii", "replace")
    finally:
        os.close(fd)
