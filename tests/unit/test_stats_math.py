"""The numbers `docker stats` prints, from the Engine API's JSON."""

from __future__ import annotations

from typing import Any

import pytest

from fintui.core.stats import CpuSample, cpu_percent, memory_used, reduce_stats


def reply(total: int, system: int, online: int = 4, pre: tuple[int, int] | None = None,
          mem: dict[str, Any] | None = None) -> dict[str, Any]:
    data: dict[str, Any] = {
        "cpu_stats": {"cpu_usage": {"total_usage": total}, "system_cpu_usage": system,
                      "online_cpus": online},
        "precpu_stats": {} if pre is None else {
            "cpu_usage": {"total_usage": pre[0]}, "system_cpu_usage": pre[1]},
        "memory_stats": mem or {"usage": 100 * 2**20, "limit": 2**30,
                                "stats": {"total_inactive_file": 20 * 2**20}},
        "networks": {"eth0": {"rx_bytes": 1000, "tx_bytes": 200},
                     "eth1": {"rx_bytes": 24, "tx_bytes": 56}},
        "blkio_stats": {"io_service_bytes_recursive": [
            {"major": 8, "minor": 0, "op": "Read", "value": 4096},
            {"major": 8, "minor": 0, "op": "Write", "value": 8192},
            {"major": 8, "minor": 16, "op": "read", "value": 4096},
            {"major": 8, "minor": 0, "op": "Total", "value": 12288}]},
        "pids_stats": {"current": 7},
    }
    return data


def test_cpu_percent_matches_docker_formula() -> None:
    # Half a CPU busy on a 4-CPU host: 0.5 s of CPU per 4 s of summed host time (1 s wall).
    before = CpuSample(total_usage=1_000_000_000, system_usage=10_000_000_000, online_cpus=4)
    after = CpuSample(total_usage=1_500_000_000, system_usage=14_000_000_000, online_cpus=4)
    assert cpu_percent(before, after) == pytest.approx(50.0)


def test_cpu_percent_unknown_without_two_samples_and_zero_after_restart() -> None:
    now = CpuSample(10, 100, 2)
    assert cpu_percent(None, now) is None
    assert cpu_percent(now, now) is None  # no host time passed: no honest number
    assert cpu_percent(CpuSample(50, 100, 2), CpuSample(10, 200, 2)) == 0.0  # counter reset


def test_one_shot_reply_uses_our_previous_sample() -> None:
    first, sample = reduce_stats(reply(1_000, 10_000), None)
    assert first.cpu_percent is None  # one-shot replies carry no precpu_stats
    second, _ = reduce_stats(reply(3_000, 18_000), sample)
    assert second.cpu_percent == pytest.approx(2_000 / 8_000 * 4 * 100)


def test_streamed_reply_uses_precpu_when_we_have_no_sample() -> None:
    stats, _ = reduce_stats(reply(3_000, 18_000, online=2, pre=(1_000, 10_000)), None)
    assert stats.cpu_percent == pytest.approx(2_000 / 8_000 * 2 * 100)


def test_memory_net_block_pids() -> None:
    stats, _ = reduce_stats(reply(1, 1), None)
    assert stats.mem_bytes == 80 * 2**20
    assert stats.mem_limit_bytes == 2**30
    assert (stats.net_rx_bytes, stats.net_tx_bytes) == (1024, 256)
    assert (stats.blk_read_bytes, stats.blk_write_bytes) == (8192, 8192)
    assert stats.pids == 7


@pytest.mark.parametrize(("detail", "expected"), [
    ({"total_inactive_file": 30}, 70),  # cgroup v1
    ({"inactive_file": 40}, 60),  # cgroup v2
    ({"cache": 10}, 90),  # old daemons
    ({"inactive_file": 500}, 100),  # nonsense: never below zero
    ({}, 100),
])
def test_memory_subtracts_reclaimable_cache(detail: dict[str, int], expected: int) -> None:
    assert memory_used({"memory_stats": {"usage": 100, "stats": detail}}) == expected


def test_stopped_container_reply_is_all_zero_not_an_error() -> None:
    stats, sample = reduce_stats({"read": "0001-01-01T00:00:00Z", "cpu_stats": {},
                                  "memory_stats": {}}, None)
    assert sample is None and stats.cpu_percent is None and stats.mem_bytes == 0
