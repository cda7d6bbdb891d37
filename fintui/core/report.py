"""`fintui status` output: the stable JSON document and the plain-text table. Pure."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from fintui.core.alerts import Alert
from fintui.core.container_rows import cells, ordered
from fintui.core.format import human_bytes
from fintui.core.text_safety import one_line
from fintui.model import ClusterSnapshot, Gpu


def iso_time(value: datetime | None) -> str | None:
    """ISO 8601 in UTC with a Z, as every JSON document of fintui writes times; None: null."""
    return value.isoformat().replace("+00:00", "Z") if value else None


def status_document(snap: ClusterSnapshot, isolated: frozenset[str] | None = frozenset(),
                    alerts: Iterable[Alert] = ()) -> dict[str, Any]:
    """Documented in the README; keys are only ever added, never renamed. `isolated` None:
    the isolation records could not be read, so each container's is null (unknown), not false."""
    host = snap.host
    return {
        "taken_at": iso_time(snap.taken_at),
        "stale": snap.stale,
        "source": {
            "endpoint": snap.source.endpoint,
            "connected": snap.source.connected,
            "error": snap.source.error or None,
            "engine_version": snap.source.engine_version or None,
            "api_version": snap.source.api_version or None,
        },
        "endpoints": [
            {"name": e.name, "url": e.endpoint, "connected": e.connected,
             "error": e.error or None, "engine_version": e.engine_version or None,
             "down_since": iso_time(e.since), "same_as": e.same_as or None}
            for e in snap.endpoints
        ],
        "host": None if host is None else {
            "hostname": host.hostname,
            "cpu_percent": host.cpu_percent,
            "cpu_count": host.cpu_count,
            "mem_used_bytes": host.mem_used_bytes,
            "mem_total_bytes": host.mem_total_bytes,
            "load": list(host.load),
            "filesystems": [{"path": f.path, "total_bytes": f.total_bytes,
                             "used_bytes": f.used_bytes} for f in host.filesystems],
            "error": host.error or None,
        },
        "containers": [
            {
                "id": c.id,
                "name": c.name,
                "service": c.service or None,
                "project": c.project or None,
                "image": c.image,
                "state": c.state,
                "status": c.status,
                "health": c.health.value,
                "restart_count": c.restart_count,
                "started_at": iso_time(c.started_at),
                "cpu_percent": None if c.stats is None or c.stats.cpu_percent is None
                else round(c.stats.cpu_percent, 2),
                "mem_bytes": c.stats.mem_bytes if c.stats else None,
                "mem_limit_bytes": c.stats.mem_limit_bytes if c.stats else None,
                "net_rx_bytes": c.stats.net_rx_bytes if c.stats else None,
                "net_tx_bytes": c.stats.net_tx_bytes if c.stats else None,
                "blk_read_bytes": c.stats.blk_read_bytes if c.stats else None,
                "blk_write_bytes": c.stats.blk_write_bytes if c.stats else None,
                "labels": dict(c.labels),
                "isolated": None if isolated is None else c.id in isolated,
                "gpu_request": c.gpu_request or None,
                "endpoint": c.endpoint or None,
            }
            for c in sorted(snap.containers, key=lambda c: (c.name, c.id))
        ],
        "services": [
            {"id": s.id, "name": s.name, "mode": s.mode, "desired": s.desired,
             "running": s.running, "image": s.image, "endpoint": s.endpoint or None}
            for s in snap.services
        ],
        "volumes": [],
        "gpus": [gpu_document(g) for g in snap.gpus],
        "gpu_error": snap.gpu_error or None,
        "alerts": [alert_document(a) for a in alerts],
    }


def alert_document(a: Alert) -> dict[str, Any]:
    """An alert as JSON (in `status --json`, `alerts --json` and from the agent)."""
    return {"rule": a.rule, "severity": a.severity, "state": a.state, "target": a.target,
            "value": a.value, "since": iso_time(a.started), "fired": iso_time(a.fired),
            "acked_by": a.acked_by or None, "silenced": bool(a.silenced_by),
            "fault": a.faulty, "runbook": a.runbook or None}


def gpu_document(g: Gpu) -> dict[str, Any]:
    """A GPU as JSON: every field NVML could not give is null."""
    return {
        "index": g.index, "name": g.name, "uuid": g.uuid,
        "util_percent": g.util_percent, "mem_util_percent": g.mem_util_percent,
        "mem_used_bytes": g.mem_used_bytes, "mem_total_bytes": g.mem_total_bytes,
        "temperature_c": g.temperature_c, "power_watts": g.power_watts,
        "power_limit_watts": g.power_limit_watts, "fan_percent": g.fan_percent,
        "sm_clock_mhz": g.sm_clock_mhz, "mem_clock_mhz": g.mem_clock_mhz,
        "throttle_reasons": None if g.throttle_reasons is None else list(g.throttle_reasons),
        "ecc_corrected": g.ecc_corrected, "ecc_uncorrected": g.ecc_uncorrected,
        "mig_mode": g.mig_mode,
        "processes": [{"pid": p.pid, "used_bytes": p.used_bytes, "command": p.command,
                       "kind": p.kind, "container_id": p.container_id or None,
                       "container": p.container_name or None, "service": p.service or None}
                      for p in g.processes],
    }


def status_text(snap: ClusterSnapshot, isolated: frozenset[str] = frozenset()) -> str:
    """A compact table for a terminal or a runbook log; every string made escape-safe."""
    lines = []
    src = snap.source
    state = "connected" if src.connected else f"DISCONNECTED: {one_line(src.error)}"
    if snap.endpoints:
        for e in snap.endpoints:
            state = "connected" if e.connected else f"DOWN: {one_line(e.error)}"
            if e.same_as:
                state += f" (same daemon as {one_line(e.same_as)}: its rows show once)"
            lines.append(f"endpoint {one_line(e.name)}  {one_line(e.endpoint)}  {state}"
                         + (f"  engine {one_line(e.engine_version)}" if e.engine_version
                            else ""))
    else:
        lines.append(f"source  {one_line(src.endpoint)}  {state}"
                     + (f"  engine {one_line(src.engine_version)}" if src.engine_version
                        else ""))
    if snap.host:
        h = snap.host
        lines.append(f"host    {one_line(h.hostname)}  cpu {h.cpu_percent:.0f}% of {h.cpu_count}"
                     f"  mem {human_bytes(h.mem_used_bytes)}/{human_bytes(h.mem_total_bytes)}"
                     f"  load {h.load[0]:.2f}")
    lines.append("")
    keys: tuple[str, ...] = ("name", "service", "image", "state", "health", "uptime",
                             "restarts", "cpu", "mem")
    header = ["NAME", "SERVICE", "IMAGE", "STATE", "HEALTH", "UP", "RST", "CPU%", "MEM / LIMIT"]
    if snap.endpoints:
        keys, header = ("name", "endpoint", *keys[1:]), ["NAME", "ENDPOINT", *header[1:]]
    down = {e.name for e in snap.down_endpoints}
    rows = [[cells(c, snap.taken_at, (), 0, isolated=c.id in isolated,
                   endpoint_down=c.endpoint in down)[k] for k in keys]
            for c in ordered(snap.containers, snap.taken_at, "name", False, False)]
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    for row in [header, *rows]:
        lines.append("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True))
                     .rstrip())
    if snap.services:
        lines.append("")
        for s in snap.services:
            desired = "-" if s.desired is None else str(s.desired)
            where = f"  @{one_line(s.endpoint)}" if s.endpoint else ""
            lines.append(f"service {one_line(s.name)}  {s.mode}  {s.running}/{desired} running"
                         + where)
    return "\n".join(lines)
