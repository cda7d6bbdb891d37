"""GPUs through NVML (the `pynvml` module of nvidia-ml-py). Every call is blocking, so a sample
runs in a thread; every field is asked for on its own, so one unsupported call (NVML raises
NotSupported per call on many GPUs) never hides the rest."""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any, TypeVar

from fintui.core.gpu_join import container_id_from_cgroup
from fintui.model import Gpu, GpuProcess, GpuReading

T = TypeVar("T")

# nvmlClocksEventReason* bits (formerly ClocksThrottleReason*), as nvidia-smi names them.
THROTTLE_BITS = {
    0x1: "gpu_idle", 0x2: "applications_clocks_setting", 0x4: "sw_power_cap",
    0x8: "hw_slowdown", 0x10: "sync_boost", 0x20: "sw_thermal_slowdown",
    0x40: "hw_thermal_slowdown", 0x80: "hw_power_brake_slowdown",
    0x100: "display_clock_setting",
}


class NvmlGpuSource:
    def __init__(self, nvml: ModuleType | None = None, proc_root: Path = Path("/proc")) -> None:
        self._nvml = nvml
        self._proc = proc_root
        self._ready = False
        self._error = ""
        self._lock = threading.Lock()

    def _init(self) -> str:
        """Initialise NVML once; the reason it cannot be used, or ""."""
        if self._ready:
            return ""
        if self._error:
            return self._error
        try:
            if self._nvml is None:
                import pynvml

                self._nvml = pynvml
            self._nvml.nvmlInit()
            self._ready = True
            return ""
        except ImportError:
            self._error = "nvidia-ml-py is not installed"
        except Exception as exc:  # NVMLError_LibraryNotFound, DriverNotLoaded, ...
            self._error = _nvml_reason(exc)
        return self._error

    async def sample(self) -> GpuReading:
        return await asyncio.to_thread(self._sample)

    def _sample(self) -> GpuReading:
        with self._lock:
            error = self._init()
            if error:
                return GpuReading((), error)
            nvml = self._nvml
            assert nvml is not None
            try:
                count = nvml.nvmlDeviceGetCount()
            except Exception as exc:
                return GpuReading((), _nvml_reason(exc))
            gpus = []
            pids: dict[int, str] = {}
            for index in range(count):
                try:
                    handle = nvml.nvmlDeviceGetHandleByIndex(index)
                except Exception as exc:
                    gpus.append(Gpu(index, f"unavailable: {_nvml_reason(exc)}", ""))
                    continue
                gpu = self._device(nvml, index, handle)
                for proc in gpu.processes:
                    pids.setdefault(proc.pid, self._container_of(proc.pid))
                gpus.append(gpu)
            return GpuReading(tuple(gpus), "", tuple(pids.items()))

    def _device(self, nvml: Any, index: int, handle: Any) -> Gpu:
        def get(call: Callable[..., T], *args: Any) -> T | None:
            try:
                return call(handle, *args)
            except Exception:  # NotSupported, NoPermission, GpuIsLost: n/a for this field
                return None

        util = get(nvml.nvmlDeviceGetUtilizationRates)
        memory = get(nvml.nvmlDeviceGetMemoryInfo)
        power = get(nvml.nvmlDeviceGetPowerUsage)
        limit = get(nvml.nvmlDeviceGetEnforcedPowerLimit)
        throttle = get(nvml.nvmlDeviceGetCurrentClocksThrottleReasons)
        mig = get(nvml.nvmlDeviceGetMigMode)
        name = get(nvml.nvmlDeviceGetName)
        uuid = get(nvml.nvmlDeviceGetUUID)
        ecc_kind = getattr(nvml, "NVML_VOLATILE_ECC", 0)
        return Gpu(
            index=index,
            name=_text(name) or f"GPU {index}",
            uuid=_text(uuid) or "",
            util_percent=None if util is None else float(util.gpu),
            mem_util_percent=None if util is None else float(util.memory),
            mem_used_bytes=None if memory is None else int(memory.used),
            mem_total_bytes=None if memory is None else int(memory.total),
            temperature_c=_num(get(nvml.nvmlDeviceGetTemperature,
                                   getattr(nvml, "NVML_TEMPERATURE_GPU", 0))),
            power_watts=None if power is None else power / 1000.0,
            power_limit_watts=None if limit is None else limit / 1000.0,
            fan_percent=_num(get(nvml.nvmlDeviceGetFanSpeed)),
            sm_clock_mhz=_int(get(nvml.nvmlDeviceGetClockInfo,
                                  getattr(nvml, "NVML_CLOCK_SM", 1))),
            mem_clock_mhz=_int(get(nvml.nvmlDeviceGetClockInfo,
                                   getattr(nvml, "NVML_CLOCK_MEM", 2))),
            throttle_reasons=None if throttle is None else tuple(
                name for bit, name in THROTTLE_BITS.items() if int(throttle) & bit),
            ecc_corrected=_int(get(nvml.nvmlDeviceGetTotalEccErrors,
                                   getattr(nvml, "NVML_MEMORY_ERROR_TYPE_CORRECTED", 0),
                                   ecc_kind)),
            ecc_uncorrected=_int(get(nvml.nvmlDeviceGetTotalEccErrors,
                                     getattr(nvml, "NVML_MEMORY_ERROR_TYPE_UNCORRECTED", 1),
                                     ecc_kind)),
            mig_mode=None if mig is None else ("enabled" if _first(mig) else "disabled"),
            processes=self._processes(nvml, get),
        )

    def _processes(self, nvml: Any, get: Callable[..., Any]) -> tuple[GpuProcess, ...]:
        out: dict[int, GpuProcess] = {}
        for kind, call in (("compute", "nvmlDeviceGetComputeRunningProcesses"),
                           ("graphics", "nvmlDeviceGetGraphicsRunningProcesses")):
            function = getattr(nvml, call, None)
            for proc in (get(function) or []) if function else []:
                pid = int(proc.pid)
                used = getattr(proc, "usedGpuMemory", None)
                out.setdefault(pid, GpuProcess(pid, int(used) if isinstance(used, int) else None,
                                               self._command(pid), kind))
        return tuple(out[pid] for pid in sorted(out))

    def _command(self, pid: int) -> str:
        try:
            raw = (self._proc / str(pid) / "cmdline").read_bytes()
        except OSError:
            return "?"  # another PID namespace, or gone
        return raw.replace(b"\0", b" ").decode("utf-8", "replace").strip() or "?"

    def _container_of(self, pid: int) -> str:
        try:
            return container_id_from_cgroup((self._proc / str(pid) / "cgroup").read_text())
        except OSError:
            return ""

    async def close(self) -> None:
        await asyncio.to_thread(self._shutdown)

    def _shutdown(self) -> None:
        with self._lock:
            if self._ready and self._nvml is not None:
                with contextlib.suppress(Exception):
                    self._nvml.nvmlShutdown()
                self._ready = False


def _nvml_reason(exc: BaseException) -> str:
    text = str(exc) or type(exc).__name__
    return f"NVML: {text}" if not text.lower().startswith("nvml") else text


def _text(value: Any) -> str:
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return "" if value is None else str(value)


def _num(value: Any) -> float | None:
    return None if value is None else float(value)


def _int(value: Any) -> int | None:
    return None if value is None else int(value)


def _first(value: Any) -> Any:
    return value[0] if isinstance(value, list | tuple) else value
