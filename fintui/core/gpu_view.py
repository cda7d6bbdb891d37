"""GPU blocks and process rows as plain text for the GPUs pane. Pure; "n/a" for every field the
device did not report."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from fintui.core.format import human_bytes, sparkline
from fintui.core.table_rows import Header, Row, headers, plain_row, stretch
from fintui.core.text_safety import one_line
from fintui.model import Container, Gpu, GpuProcess

NA = "n/a"


def bar(percent: float | None, width: int) -> str:
    if percent is None:
        return "·" * width
    filled = round(max(0.0, min(percent, 100.0)) / 100 * width)
    return "█" * filled + "░" * (width - filled)


def _fmt(value: float | int | None, unit: str = "", digits: int = 0) -> str:
    if value is None:
        return NA
    return f"{value:.{digits}f}{unit}" if isinstance(value, float) else f"{value}{unit}"


def gpu_block(gpu: Gpu, util_history: Sequence[float | None],
              mem_history: Sequence[float | None], width: int = 20) -> list[str]:
    mem_percent = (100.0 * gpu.mem_used_bytes / gpu.mem_total_bytes
                   if gpu.mem_used_bytes is not None and gpu.mem_total_bytes else None)
    memory = (f"{human_bytes(gpu.mem_used_bytes)} / {human_bytes(gpu.mem_total_bytes)}"
              if gpu.mem_used_bytes is not None else NA)
    power = (f"{_fmt(gpu.power_watts, ' W')} / {_fmt(gpu.power_limit_watts, ' W')}")
    throttle = (NA if gpu.throttle_reasons is None
                else ", ".join(gpu.throttle_reasons) or "none")
    ecc = (f"{_fmt(gpu.ecc_corrected)} corrected, {_fmt(gpu.ecc_uncorrected)} uncorrected")
    return [
        one_line(f"GPU {gpu.index}  {gpu.name}  {gpu.uuid}  MIG {gpu.mig_mode or NA}"),
        f"  util {bar(gpu.util_percent, width)} {_fmt(gpu.util_percent, '%'):>5}  "
        f"{sparkline(util_history, 12, top=100.0)}",
        f"  mem  {bar(mem_percent, width)} {_fmt(mem_percent, '%'):>5}  "
        f"{sparkline(mem_history, 12, top=100.0)}  {memory}",
        f"  {_fmt(gpu.temperature_c, ' °C')}   power {power}   fan {_fmt(gpu.fan_percent, '%')}"
        f"   SM {_fmt(gpu.sm_clock_mhz, ' MHz')}   mem clock {_fmt(gpu.mem_clock_mhz, ' MHz')}",
        one_line(f"  ECC {ecc}   throttle: {throttle}"),
    ]


# The command last and cut (…) where the width is short; the service before it goes first.
PROCESS_HEADERS = headers("GPU", "PID", "Container", Header("Service", "Service", 5),
                          Header("GPU mem", "GPU mem", 3), Header("Kind", "Kind", 4),
                          stretch("Command", 10, 6))


def _process_cells(gpu: Gpu, p: GpuProcess) -> tuple[str, ...]:
    return (str(gpu.index), str(p.pid), one_line(p.container_name or
                                                 ("-" if not p.container_id
                                                  else p.container_id[:12])),
            one_line(p.service or "-"), human_bytes(p.used_bytes), p.kind,
            one_line(p.command, 60))


def process_rows(gpus: Iterable[Gpu]) -> list[tuple[str, ...]]:
    return [_process_cells(gpu, p) for gpu in gpus for p in gpu.processes]


def process_table(gpus: Iterable[Gpu]) -> list[Row]:
    """The GPU processes table: a row a process, keyed by its device and pid."""
    return [plain_row(f"{gpu.index}:{p.pid}", PROCESS_HEADERS, _process_cells(gpu, p))
            for gpu in gpus for p in gpu.processes]


def idle_requests(gpus: Iterable[Gpu], containers: Iterable[Container]) -> list[str]:
    """Containers that asked for GPUs: which run something on one, which hold one idle."""
    busy = {p.container_id for g in gpus for p in g.processes if p.container_id}
    out = []
    for c in containers:
        if c.gpu_request and c.state == "running":
            state = "running on it" if c.id in busy else "IDLE: runs nothing on it"
            out.append(one_line(f"{c.name}  asked for {asked(c.gpu_request)}  {state}"))
    return out


def asked(request: str) -> str:
    """What a container's GPU request names: all of them, a count, or devices by index/id."""
    if request == "all":
        return "all GPUs"
    if request.endswith("GPU(s)"):  # a count: "2 GPU(s)"
        return request
    devices = [d.strip() for d in request.split(",") if d.strip()]
    return f"device{'s' if len(devices) > 1 else ''} {', '.join(devices)}"
