"""The demo's GPUs and host: what the simulated cluster's NVML and psutil would say."""

from __future__ import annotations

from typing import TYPE_CHECKING

from fintui.model import Gpu, GpuProcess, GpuReading, HostStats
from fintui.sources.demo_cast import GIB, MIB, _id

if TYPE_CHECKING:
    from fintui.sources.demo import DemoCluster


class DemoGpus:
    """Two simulated H100s: the inference agents on them, one card running hot, and the risk
    batch holding a GPU it does not use."""

    def __init__(self, cluster: DemoCluster) -> None:
        self.cluster = cluster

    async def sample(self) -> GpuReading:
        return self.reading()

    def reading(self) -> GpuReading:
        cluster = self.cluster
        gpus = []
        pids: list[tuple[int, str]] = []
        for index in (0, 1):
            rng = cluster._rng("gpu", index, cluster.tick)
            owners = [s for s in cluster.specs if index in s.gpus and s.name.startswith("agents")
                      and s.name not in cluster.paused]
            processes = []
            for n, spec in enumerate(owners):
                pid = 4242 + 100 * index + n
                processes.append(GpuProcess(pid, 58 * GIB + index * 9 * GIB,
                                            "python -m infer_agent.serve --model fin-llm-13b",
                                            "compute"))
                pids.append((pid, _id(spec.name)))
            hot = index == 1
            gpus.append(Gpu(
                index=index, name="NVIDIA H100 80GB HBM3 (simulated)",
                uuid=f"GPU-{_id(f'gpu{index}')[:8]}-demo",
                util_percent=round(min(99.0, (88 if hot else 64) + rng.uniform(-6, 6)), 0),
                mem_util_percent=round((41 if hot else 33) + rng.uniform(-4, 4), 0),
                mem_used_bytes=sum(p.used_bytes or 0 for p in processes) + 600 * MIB,
                mem_total_bytes=80 * GIB,
                temperature_c=83.0 if hot else 61.0,
                power_watts=round((612 if hot else 455) + rng.uniform(-20, 20), 1),
                power_limit_watts=700.0, fan_percent=None,  # data-centre cards have no fan
                sm_clock_mhz=1755 if hot else 1980, mem_clock_mhz=2619,
                throttle_reasons=("sw_thermal_slowdown",) if hot else (),
                ecc_corrected=3 if hot else 0, ecc_uncorrected=0, mig_mode="disabled",
                processes=tuple(processes)))
        return GpuReading(tuple(gpus), "", tuple(pids))

    async def close(self) -> None:
        return None


class DemoHost:
    """HostSource for the demo: the simulated host of the same cluster."""

    def __init__(self, cluster: DemoCluster) -> None:
        self.cluster = cluster

    async def sample(self, data_root: str, bind_sources: tuple[str, ...] = ()) -> HostStats:
        return self.cluster.host()
