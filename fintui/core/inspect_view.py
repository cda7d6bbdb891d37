"""The parts of `docker inspect` an on-call engineer reads first, as sections of lines. Pure.

Environment values are masked: they often hold credentials, and screens get shared."""

from __future__ import annotations

import shlex
from collections.abc import Mapping
from typing import Any

from fintui.core.format import human_bytes

MASK = "••••••"
Section = tuple[str, list[str]]


def _command(config: Mapping[str, Any]) -> str:
    parts = list(config.get("Entrypoint") or []) + list(config.get("Cmd") or [])
    return shlex.join(str(p) for p in parts) if parts else "-"


def _env(config: Mapping[str, Any]) -> list[str]:
    out = []
    for item in config.get("Env") or []:
        key, sep, _value = str(item).partition("=")
        out.append(f"{key}={MASK}" if sep else key)
    return sorted(out) or ["-"]


def _mounts(data: Mapping[str, Any]) -> list[str]:
    out = []
    for m in data.get("Mounts") or []:
        mode = "rw" if m.get("RW", True) else "ro"
        origin = m.get("Name") or m.get("Source") or "?"
        out.append(f"{m.get('Destination', '?')} ← {m.get('Type', '?')} {origin} ({mode})")
    return out or ["-"]


def _networks(data: Mapping[str, Any]) -> list[str]:
    networks = ((data.get("NetworkSettings") or {}).get("Networks") or {})
    out = []
    for name, net in sorted(networks.items()):
        aliases = ", ".join(net.get("Aliases") or []) or "-"
        out.append(f"{name}: ip {net.get('IPAddress') or '-'}, aliases {aliases}")
    return out or ["-"]


def _limits(host: Mapping[str, Any]) -> list[str]:
    nano = host.get("NanoCpus") or 0
    quota, period = host.get("CpuQuota") or 0, host.get("CpuPeriod") or 0
    if nano:
        cpus = f"{nano / 1e9:g}"
    elif quota and period:
        cpus = f"{quota / period:g}"
    else:
        cpus = "unlimited"
    memory = host.get("Memory") or 0
    lines = [f"cpus: {cpus}", f"memory: {human_bytes(memory) if memory else 'unlimited'}"]
    if host.get("MemoryReservation"):
        lines.append(f"memory reservation: {human_bytes(host['MemoryReservation'])}")
    if host.get("PidsLimit"):
        lines.append(f"pids: {host['PidsLimit']}")
    if host.get("CpusetCpus"):
        lines.append(f"cpuset: {host['CpusetCpus']}")
    for request in host.get("DeviceRequests") or []:
        ids = ",".join(request.get("DeviceIDs") or []) or f"count {request.get('Count')}"
        lines.append(f"devices: {request.get('Driver') or 'gpu'} {ids}")
    return lines


def _started(state: Mapping[str, Any]) -> str:
    value = str(state.get("StartedAt") or "")
    return "never" if not value or value.startswith("0001-") else value


def highlights(data: Mapping[str, Any]) -> list[Section]:
    config = data.get("Config") or {}
    host = data.get("HostConfig") or {}
    state = data.get("State") or {}
    policy = host.get("RestartPolicy") or {}
    restart = str(policy.get("Name") or "no")
    if policy.get("MaximumRetryCount"):
        restart += f" (max {policy['MaximumRetryCount']} retries)"
    labels = config.get("Labels") or {}
    return [
        ("Container", [f"id: {data.get('Id', '?')}", f"image: {config.get('Image', '?')}",
                       f"state: {state.get('Status', '?')} (exit code "
                       f"{state.get('ExitCode', '-')})",
                       f"restarts: {data.get('RestartCount', 0)}",
                       f"started: {_started(state)}",
                       f"user: {config.get('User') or 'root (default)'}"]),
        ("Command", [_command(config)]),
        ("Environment (values hidden)", _env(config)),
        ("Mounts", _mounts(data)),
        ("Networks", _networks(data)),
        ("Labels", [f"{k}={v}" for k, v in sorted(labels.items())] or ["-"]),
        ("Restart policy", [restart]),
        ("Limits", _limits(host)),
    ]
