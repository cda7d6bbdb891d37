"""The NVML layer against a fake NVML that refuses chosen fields on chosen devices, and the
PID → container resolution on recorded /proc/<pid>/cgroup contents."""

from __future__ import annotations

import types
from pathlib import Path
from typing import Any

import pytest

from fintui.core.gpu_join import attach_containers, container_id_from_cgroup
from fintui.model import Container
from fintui.sources.gpu import NvmlGpuSource

CID = "4f" * 32


class NVMLError(Exception):
    pass


class NotSupported(NVMLError):
    def __str__(self) -> str:
        return "Not Supported"


def fake_nvml(devices: int = 2, unsupported: dict[int, set[str]] | None = None,
              lost: set[int] | None = None, init_error: str = "") -> Any:
    """A stand-in pynvml: each call can be made to raise NotSupported per device."""
    unsupported = unsupported or {}
    lost = lost or set()
    nvml = types.SimpleNamespace(NVMLError=NVMLError, NVML_TEMPERATURE_GPU=0,
                                 NVML_CLOCK_SM=1, NVML_CLOCK_MEM=2, calls=[])

    def field(name: str, value: Any) -> Any:
        def call(handle: int, *args: Any) -> Any:
            if name in unsupported.get(handle, set()):
                raise NotSupported()
            return value(handle, *args) if callable(value) else value
        return call

    def init() -> None:
        if init_error:
            raise NVMLError(init_error)
        nvml.calls.append("init")

    def handle(index: int) -> int:
        if index in lost:
            raise NVMLError("GPU is lost")
        return index

    nvml.nvmlInit = init
    nvml.nvmlShutdown = lambda: nvml.calls.append("shutdown")
    nvml.nvmlDeviceGetCount = lambda: devices
    nvml.nvmlDeviceGetHandleByIndex = handle
    nvml.nvmlDeviceGetName = field("name", lambda h: f"Fake GPU {h}".encode())
    nvml.nvmlDeviceGetUUID = field("uuid", lambda h: f"GPU-fake-{h}")
    nvml.nvmlDeviceGetUtilizationRates = field(
        "util", types.SimpleNamespace(gpu=71, memory=30))
    nvml.nvmlDeviceGetMemoryInfo = field(
        "memory", types.SimpleNamespace(used=10 * 2**30, total=80 * 2**30))
    nvml.nvmlDeviceGetTemperature = field("temperature", 66)
    nvml.nvmlDeviceGetPowerUsage = field("power", 350_000)
    nvml.nvmlDeviceGetEnforcedPowerLimit = field("power_limit", 700_000)
    nvml.nvmlDeviceGetFanSpeed = field("fan", 40)
    nvml.nvmlDeviceGetClockInfo = field("clock", lambda h, kind: 1980 if kind == 1 else 2619)
    nvml.nvmlDeviceGetCurrentClocksThrottleReasons = field("throttle", 0x20 | 0x4)
    nvml.nvmlDeviceGetTotalEccErrors = field("ecc", lambda h, kind, counter: 5 if kind == 0
                                             else 0)
    nvml.nvmlDeviceGetMigMode = field("mig", [0, 0])
    nvml.nvmlDeviceGetComputeRunningProcesses = field("compute", lambda h: [
        types.SimpleNamespace(pid=1000 + h, usedGpuMemory=4 * 2**30)])
    nvml.nvmlDeviceGetGraphicsRunningProcesses = field("graphics", [])
    return nvml


def proc_tree(tmp_path: Path, pids: dict[int, str]) -> Path:
    for pid, cgroup in pids.items():
        (tmp_path / str(pid)).mkdir()
        (tmp_path / str(pid) / "cgroup").write_text(cgroup)
        (tmp_path / str(pid) / "cmdline").write_bytes(b"python\0serve.py\0")
    return tmp_path


async def test_every_field_on_a_fully_supported_device(tmp_path: Path) -> None:
    nvml = fake_nvml(devices=1)
    source = NvmlGpuSource(nvml, proc_tree(tmp_path, {1000: f"0::/docker/{CID}\n"}))
    reading = await source.sample()
    assert reading.error == ""
    gpu = reading.gpus[0]
    assert (gpu.name, gpu.uuid, gpu.util_percent, gpu.mem_util_percent) == (
        "Fake GPU 0", "GPU-fake-0", 71.0, 30.0)
    assert (gpu.mem_used_bytes, gpu.temperature_c, gpu.power_watts, gpu.power_limit_watts) == (
        10 * 2**30, 66.0, 350.0, 700.0)
    assert (gpu.sm_clock_mhz, gpu.mem_clock_mhz, gpu.fan_percent) == (1980, 2619, 40.0)
    assert gpu.throttle_reasons == ("sw_power_cap", "sw_thermal_slowdown")
    assert (gpu.ecc_corrected, gpu.ecc_uncorrected, gpu.mig_mode) == (5, 0, "disabled")
    assert gpu.processes[0].pid == 1000 and gpu.processes[0].command == "python serve.py"
    assert dict(reading.pid_containers) == {1000: CID}
    await source.close()
    assert nvml.calls == ["init", "shutdown"]  # initialised once, shut down on close


async def test_unsupported_fields_are_na_and_never_hide_the_rest(tmp_path: Path) -> None:
    nvml = fake_nvml(devices=2, unsupported={1: {"fan", "ecc", "power", "mig", "throttle",
                                                 "compute"}})
    reading = await NvmlGpuSource(nvml, proc_tree(tmp_path, {})).sample()
    first, second = reading.gpus
    assert first.fan_percent == 40.0 and first.ecc_corrected == 5
    assert second.fan_percent is None and second.ecc_corrected is None
    assert second.power_watts is None and second.mig_mode is None
    assert second.throttle_reasons is None and second.processes == ()
    assert second.temperature_c == 66.0 and second.util_percent == 71.0  # the rest is there


async def test_a_lost_device_does_not_hide_the_others(tmp_path: Path) -> None:
    reading = await NvmlGpuSource(fake_nvml(devices=2, lost={0}), tmp_path).sample()
    assert reading.gpus[0].name.startswith("unavailable: ")
    assert reading.gpus[1].util_percent == 71.0


async def test_no_driver_is_a_reason_not_a_crash() -> None:
    reading = await NvmlGpuSource(fake_nvml(init_error="NVML Shared Library Not Found")).sample()
    assert reading.gpus == () and reading.error == "NVML Shared Library Not Found"


async def test_the_real_module_without_a_driver_says_why() -> None:
    pynvml = pytest.importorskip("pynvml")
    try:
        pynvml.nvmlInit()
    except pynvml.NVMLError:
        pass
    else:
        pynvml.nvmlShutdown()
        pytest.skip("this machine has an NVIDIA driver")
    reading = await NvmlGpuSource().sample()
    assert reading.gpus == () and reading.error  # e.g. "NVML Shared Library Not Found"


@pytest.mark.parametrize(("text", "expected"), [
    # cgroup v1, cgroupfs driver
    (f"12:memory:/docker/{CID}\n11:cpu,cpuacct:/docker/{CID}\n", CID),
    # cgroup v2, systemd driver
    (f"0::/system.slice/docker-{CID}.scope\n", CID),
    # cgroup v2, cgroupfs driver
    (f"0::/docker/{CID}\n", CID),
    # containerd (CRI) under Kubernetes
    (f"0::/kubepods.slice/kubepods-pod1.slice/cri-containerd-{CID}.scope\n", CID),
    # dockerd nested in a container (moby): the inner container is the one it knows
    (f"0::/docker/{'ab' * 32}/moby/{CID}\n", CID),
    # not in a container
    ("0::/user.slice/user-1000.slice/session-2.scope\n", ""),
    ("12:memory:/\n", ""),
])
def test_cgroup_to_container_id(text: str, expected: str) -> None:
    assert container_id_from_cgroup(text) == expected


def test_join() -> None:
    from fintui.model import Gpu, GpuProcess

    gpus = (Gpu(0, "g", "u", processes=(GpuProcess(7, 100, "x", "compute"),
                                        GpuProcess(8, 50, "y", "compute"))),)
    infer = Container(id=CID, name="infer-1", image="i", state="running", status="",
                      service="infer", project="agents")
    joined = attach_containers(gpus, {7: CID, 8: ""}, [infer])
    assert joined[0].processes[0].container_name == "infer-1"
    assert joined[0].processes[0].service == "agents/infer"
    assert joined[0].processes[1].container_name == ""
