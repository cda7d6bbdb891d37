"""The arithmetic of `docker stats`, on the Engine API's stats JSON. Pure functions."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from fintui.model import ClusterSnapshot, Container, ContainerStats

JSON = Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class CpuSample:
    """What one stats reply says about CPU, kept to compute the next reply's CPU%."""

    total_usage: int
    system_usage: int
    online_cpus: int


def cpu_sample(stats: JSON) -> CpuSample | None:
    cpu = stats.get("cpu_stats") or {}
    usage = cpu.get("cpu_usage") or {}
    total = usage.get("total_usage")
    system = cpu.get("system_cpu_usage")
    if total is None or system is None:
        return None  # a one-shot reply's empty precpu_stats, or a stopped container
    online = cpu.get("online_cpus") or len(usage.get("percpu_usage") or ()) or 1
    return CpuSample(int(total), int(system), int(online))


def cpu_percent(previous: CpuSample | None, current: CpuSample | None) -> float | None:
    """CPU% as `docker stats` computes it: share of the host's time, times the online CPUs."""
    if previous is None or current is None:
        return None
    cpu_delta = current.total_usage - previous.total_usage
    system_delta = current.system_usage - previous.system_usage
    if system_delta <= 0 or cpu_delta < 0:
        return 0.0 if system_delta > 0 else None  # counter reset (restart) or no time passed
    return cpu_delta / system_delta * current.online_cpus * 100.0


def memory_used(stats: JSON) -> int:
    """Usage minus the page cache that the kernel can drop, as the docker CLI shows it."""
    mem = stats.get("memory_stats") or {}
    usage = int(mem.get("usage") or 0)
    detail = mem.get("stats") or {}
    # cgroup v1 reports total_inactive_file, cgroup v2 inactive_file; older CLIs used cache.
    for key in ("total_inactive_file", "inactive_file", "cache"):
        if key in detail and detail[key] < usage:
            return used_memory(usage, int(detail[key]))
    return usage


def network_bytes(stats: JSON) -> tuple[int, int]:
    rx = tx = 0
    for iface in (stats.get("networks") or {}).values():
        rx += int(iface.get("rx_bytes") or 0)
        tx += int(iface.get("tx_bytes") or 0)
    return rx, tx


def block_bytes(stats: JSON) -> tuple[int, int]:
    read = write = 0
    entries = (stats.get("blkio_stats") or {}).get("io_service_bytes_recursive") or ()
    for entry in entries:
        op = str(entry.get("op", "")).lower()
        if op == "read":
            read += int(entry.get("value") or 0)
        elif op == "write":
            write += int(entry.get("value") or 0)
    return read, write


@dataclass(frozen=True, slots=True)
class Reading:
    """One container's counters as either path reads them (the API's stats JSON, or the
    kernel's cgroup files): all the arithmetic below needs."""

    cpu: CpuSample | None
    mem_used: int  # usage less the page cache the kernel can drop
    mem_limit: int
    net_rx: int
    net_tx: int
    blk_read: int
    blk_write: int
    pids: int


def used_memory(usage: int, reclaimable: int | None) -> int:
    return usage - reclaimable if reclaimable is not None and reclaimable < usage else usage


def reading_from_json(stats: JSON) -> Reading:
    rx, tx = network_bytes(stats)
    read, write = block_bytes(stats)
    mem = stats.get("memory_stats") or {}
    return Reading(cpu_sample(stats), memory_used(stats), int(mem.get("limit") or 0), rx, tx,
                   read, write, int((stats.get("pids_stats") or {}).get("current") or 0))


def stats_from(reading: Reading, previous: CpuSample | None) -> ContainerStats:
    return ContainerStats(
        cpu_percent=cpu_percent(previous, reading.cpu), mem_bytes=reading.mem_used,
        mem_limit_bytes=reading.mem_limit, net_rx_bytes=reading.net_rx,
        net_tx_bytes=reading.net_tx, blk_read_bytes=reading.blk_read,
        blk_write_bytes=reading.blk_write, pids=reading.pids)


def reduce_stats(
    stats: JSON, previous: CpuSample | None
) -> tuple[ContainerStats, CpuSample | None]:
    """Reduce one stats reply; `previous` is the last sample (one-shot replies lack precpu)."""
    reading = reading_from_json(stats)
    before = previous if previous is not None else cpu_sample(
        {"cpu_stats": stats.get("precpu_stats") or {}}
    )
    return stats_from(reading, before), reading.cpu


def _rate(before: int, after: int, seconds: float) -> float | None:
    """Bytes a second between two counter readings; None where the counter went back (the
    container restarted and its counters began again)."""
    return None if after < before else (after - before) / seconds


def io_rates(previous: ContainerStats | None, current: ContainerStats,
             seconds: float) -> ContainerStats:
    """`current` with its network and block I/O as rates since `previous`, `seconds` before
    (as CPU% comes from two samples, and as `docker stats` would if it showed rates)."""
    if previous is None or seconds <= 0:
        return replace(current, net_rx_rate=None, net_tx_rate=None, blk_read_rate=None,
                       blk_write_rate=None)
    return replace(
        current,
        net_rx_rate=_rate(previous.net_rx_bytes, current.net_rx_bytes, seconds),
        net_tx_rate=_rate(previous.net_tx_bytes, current.net_tx_bytes, seconds),
        blk_read_rate=_rate(previous.blk_read_bytes, current.blk_read_bytes, seconds),
        blk_write_rate=_rate(previous.blk_write_bytes, current.blk_write_bytes, seconds))


def with_io_rates(previous: ClusterSnapshot | None, snapshot: ClusterSnapshot
                  ) -> ClusterSnapshot:
    """Each container's I/O rates from the snapshot before. A container on an endpoint that
    is not answering keeps the rates it last had (its counters are the last ones seen, not
    an idle container's)."""
    if not any(c.stats is not None for c in snapshot.containers):
        return snapshot
    before: dict[tuple[str, str], Container] = {
        (c.endpoint, c.id): c for c in previous.containers} if previous is not None else {}
    seconds = (snapshot.taken_at - previous.taken_at).total_seconds() if previous else 0.0
    down = {e.name for e in snapshot.down_endpoints}
    out = []
    for c in snapshot.containers:
        old = before.get((c.endpoint, c.id))
        if c.stats is None:
            out.append(c)
        elif c.endpoint in down and old is not None and old.stats is not None:
            out.append(replace(c, stats=old.stats))
        else:
            out.append(replace(c, stats=io_rates(old.stats if old else None, c.stats,
                                                 seconds)))
    return replace(snapshot, containers=tuple(out))
