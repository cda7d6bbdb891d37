"""The kernel's cgroup and /proc text, turned into the counters the Engine API's stats give,
so one piece of arithmetic (core/stats) serves both paths. Pure: text in, numbers out."""

from __future__ import annotations

from collections.abc import Mapping

from fintui.core.stats import CpuSample, Reading, used_memory

UNLIMITED_V1 = 1 << 62  # a v1 limit above this means "no limit" (9223372036854771712)


def proc_cgroup_paths(text: str) -> tuple[dict[str, str], str | None]:
    """/proc/<pid>/cgroup: v1 controller -> path, and the v2 path ("0::/...") if any."""
    v1: dict[str, str] = {}
    v2: str | None = None
    for line in text.splitlines():
        parts = line.split(":", 2)
        if len(parts) != 3:
            continue
        _, controllers, path = parts
        if controllers == "":
            v2 = path
        for name in controllers.split(","):
            if name and not name.startswith("name="):
                v1[name] = path
    return v1, v2


def cgroup_mounts(mountinfo: str) -> tuple[dict[str, str], str | None]:
    """/proc/self/mountinfo: v1 controller -> mount point, and the cgroup2 mount point."""
    v1: dict[str, str] = {}
    v2: str | None = None
    for line in mountinfo.splitlines():
        left, sep, right = line.partition(" - ")
        if not sep:
            continue
        fields, tail = left.split(), right.split()
        if len(fields) < 5 or len(tail) < 3:
            continue
        mount_point, fstype, options = fields[4], tail[0], tail[2]
        if fstype == "cgroup2":
            v2 = v2 or mount_point
        elif fstype == "cgroup":
            for option in options.split(","):
                if option in ("cpu", "cpuacct", "memory", "blkio", "pids"):
                    v1.setdefault(option, mount_point)
    return v1, v2


def stat_value(text: str, name: str) -> int | None:
    """One "name value" line of memory.stat or cpu.stat, found without parsing the other
    thirty: this runs for every container every second."""
    at = 0
    while (at := text.find(name + " ", at)) >= 0:
        if at == 0 or text[at - 1] == "\n":  # "inactive_file" is also in "total_inactive_file"
            end = text.find("\n", at)
            value = text[at + len(name) + 1:end if end >= 0 else len(text)].strip()
            return int(value) if value.lstrip("-").isdigit() else None
        at += len(name)
    return None


def blkio_v1(text: str) -> tuple[int, int]:
    """blkio.*io_service_bytes_recursive: "8:0 Read 4096" lines; bytes read and written."""
    read = write = 0
    for line in text.splitlines():
        parts = line.split()
        if len(parts) == 3 and parts[2].isdigit():
            if parts[1] == "Read":
                read += int(parts[2])
            elif parts[1] == "Write":
                write += int(parts[2])
    return read, write


def io_stat_v2(text: str) -> tuple[int, int]:
    """io.stat: "8:0 rbytes=... wbytes=..." lines."""
    read = write = 0
    for line in text.splitlines():
        for item in line.split()[1:]:
            name, _, value = item.partition("=")
            if value.isdigit():
                if name == "rbytes":
                    read += int(value)
                elif name == "wbytes":
                    write += int(value)
    return read, write


def net_dev(text: str) -> dict[str, dict[str, int]]:
    """/proc/<pid>/net/dev: rx and tx bytes per interface, loopback left out (as the API)."""
    out: dict[str, dict[str, int]] = {}
    for line in text.splitlines()[2:]:
        name, _, rest = line.partition(":")
        fields = rest.split()
        name = name.strip()
        if name and name != "lo" and len(fields) >= 9:
            out[name] = {"rx_bytes": int(fields[0]), "tx_bytes": int(fields[8])}
    return out


def system_cpu_ns(proc_stat: str, clock_ticks: int) -> int:
    """Host CPU time as the daemon counts it: user..softirq of /proc/stat's cpu line."""
    for line in proc_stat.splitlines():
        if line.startswith("cpu "):
            ticks = sum(int(v) for v in line.split()[1:8])
            return ticks * 1_000_000_000 // clock_ticks
    raise ValueError("no cpu line in /proc/stat")


def kernel_reading(*, cpu_ns: int, system_ns: int, online_cpus: int, mem_usage: int,
                   mem_limit: int, mem_inactive: int | None, host_memory: int,
                   blk: tuple[int, int], networks: Mapping[str, Mapping[str, int]],
                   pids: int) -> Reading:
    """One container's counters as GET /containers/{id}/stats would give them: memory less
    the inactive file cache, "no limit" as the host's memory, loopback left out."""
    limit = mem_limit if 0 < mem_limit < UNLIMITED_V1 else host_memory
    return Reading(
        cpu=CpuSample(cpu_ns, system_ns, online_cpus),
        mem_used=used_memory(mem_usage, mem_inactive), mem_limit=min(limit, host_memory),
        net_rx=sum(v["rx_bytes"] for v in networks.values()),
        net_tx=sum(v["tx_bytes"] for v in networks.values()),
        blk_read=blk[0], blk_write=blk[1], pids=pids)
