"""Kernel text as the cgroup path reads it (v1 cgroupfs, v2 systemd), turned into stats."""

from __future__ import annotations

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
from fintui.core.stats import Reading, reduce_stats, stats_from

CID = "3f88dc7512cc" + "e" * 52

V1_CGROUP = f"""9:name=systemd:/docker/{CID}
8:pids:/docker/{CID}
4:memory:/docker/{CID}
2:cpu,cpuacct:/docker/{CID}
0::/docker/{CID}
"""
V2_CGROUP = f"0::/system.slice/docker-{CID}.scope\n"

MOUNTINFO = """\
25 30 0:22 / /sys/fs/cgroup ro,nosuid shared:9 - tmpfs tmpfs ro,mode=755
26 25 0:23 / /sys/fs/cgroup/unified rw,nosuid shared:10 - cgroup2 cgroup2 rw,nsdelegate
28 25 0:25 / /sys/fs/cgroup/cpu,cpuacct rw,nosuid shared:12 - cgroup cgroup rw,cpu,cpuacct
29 25 0:26 / /sys/fs/cgroup/memory rw,nosuid shared:13 - cgroup cgroup rw,memory
30 25 0:27 / /sys/fs/cgroup/pids rw,nosuid shared:14 - cgroup cgroup rw,pids
"""

NET_DEV = """Inter-|   Receive                            |  Transmit
 face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop
    lo:     100       1    0    0    0     0          0         0      100       1    0    0
  eth0:    1536      12    0    0    0     0          0         0      512       6    0    0
  eth1:      64       1    0    0    0     0          0         0       32       1    0    0
"""


def test_which_cgroup_a_process_is_in() -> None:
    v1, v2 = proc_cgroup_paths(V1_CGROUP)
    assert v1 == {"pids": f"/docker/{CID}", "memory": f"/docker/{CID}",
                  "cpu": f"/docker/{CID}", "cpuacct": f"/docker/{CID}"}
    assert v2 == f"/docker/{CID}"
    assert proc_cgroup_paths(V2_CGROUP) == ({}, f"/system.slice/docker-{CID}.scope")


def test_where_the_controllers_are_mounted() -> None:
    v1, v2 = cgroup_mounts(MOUNTINFO)
    assert v1 == {"cpu": "/sys/fs/cgroup/cpu,cpuacct", "cpuacct": "/sys/fs/cgroup/cpu,cpuacct",
                  "memory": "/sys/fs/cgroup/memory", "pids": "/sys/fs/cgroup/pids"}
    assert v2 == "/sys/fs/cgroup/unified"


def test_counters() -> None:
    assert stat_value("usage_usec 1500\nuser_usec 1000\nbogus\n", "usage_usec") == 1500
    assert stat_value("usage_usec 1500\nuser_usec 1000\nbogus\n", "user_usec") == 1000
    assert stat_value("bogus\n", "bogus") is None and stat_value("", "usage_usec") is None
    # v1 memory.stat names the page cache twice; only the line that starts with the name counts.
    memory_stat = "cache 9\ntotal_inactive_file 700\ninactive_file 300\ntotal_cache 9"
    assert stat_value(memory_stat, "inactive_file") == 300
    assert stat_value(memory_stat, "total_inactive_file") == 700
    assert stat_value("total_inactive_file 700", "inactive_file") is None
    assert blkio_v1("8:0 Read 4096\n8:0 Write 512\n8:16 Read 4\n8:0 Total 4608\nTotal 4612\n") \
        == (4100, 512)
    assert io_stat_v2("8:0 rbytes=4096 wbytes=512 rios=1\n8:16 rbytes=4 wbytes=0\n") \
        == (4100, 512)
    assert net_dev(NET_DEV) == {"eth0": {"rx_bytes": 1536, "tx_bytes": 512},
                                "eth1": {"rx_bytes": 64, "tx_bytes": 32}}
    assert system_cpu_ns("cpu  100 1 50 800 9 0 40 7 0 0\ncpu0 1 1 1 1\n", 100) \
        == 1000 * 10**7  # user..softirq ticks, steal left out as the daemon does


def test_the_same_arithmetic_as_the_api_path() -> None:
    def kernel(cpu_ns: int, system_ns: int) -> Reading:
        return kernel_reading(cpu_ns=cpu_ns, system_ns=system_ns, online_cpus=4,
                              mem_usage=300 * 2**20, mem_limit=2**63 - 4096,
                              mem_inactive=100 * 2**20, host_memory=8 * 2**30, blk=(10, 20),
                              networks={"eth0": {"rx_bytes": 5, "tx_bytes": 6}}, pids=3)

    def api(cpu_ns: int, system_ns: int) -> dict[str, object]:
        """What GET /containers/{id}/stats says of the same container at the same moment."""
        return {"cpu_stats": {"cpu_usage": {"total_usage": cpu_ns},
                              "system_cpu_usage": system_ns, "online_cpus": 4},
                "memory_stats": {"usage": 300 * 2**20, "limit": 8 * 2**30,
                                 "stats": {"total_inactive_file": 100 * 2**20}},
                "blkio_stats": {"io_service_bytes_recursive": [
                    {"op": "Read", "value": 10}, {"op": "Write", "value": 20}]},
                "networks": {"eth0": {"rx_bytes": 5, "tx_bytes": 6}},
                "pids_stats": {"current": 3}}

    first = kernel(1_000_000_000, 100_000_000_000)
    stats = stats_from(kernel(1_500_000_000, 102_000_000_000), first.cpu)
    assert stats.cpu_percent == 100.0  # 0.5 s of CPU in 2 s of 4 CPUs' time, times 4
    assert stats.mem_bytes == 200 * 2**20  # inactive file pages left out, as the CLI
    assert stats.mem_limit_bytes == 8 * 2**30  # "unlimited" is the host's memory
    assert (stats.net_rx_bytes, stats.net_tx_bytes, stats.blk_read_bytes,
            stats.blk_write_bytes, stats.pids) == (5, 6, 10, 20, 3)
    _, api_first = reduce_stats(api(1_000_000_000, 100_000_000_000), None)
    assert reduce_stats(api(1_500_000_000, 102_000_000_000), api_first)[0] == stats
    # A limit below the host's memory is the container's; above it, the host's.
    small = kernel_reading(cpu_ns=1, system_ns=1, online_cpus=1, mem_usage=10,
                           mem_limit=2**20, mem_inactive=None, host_memory=2**30, blk=(0, 0),
                           networks={}, pids=1)
    assert (small.mem_limit, small.mem_used, small.net_rx) == (2**20, 10, 0)
