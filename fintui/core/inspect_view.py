"""The parts of a container an on-call engineer reads first, as sections of lines. Pure.

Environment values are never shown (the details carry names only): they often hold
credentials, and screens get shared."""

from __future__ import annotations

import shlex

from fintui.core.format import human_bytes
from fintui.core.health_view import health_lines, troubled
from fintui.model import ContainerDetails, ContainerStats

MASK = "••••••"
Section = tuple[str, list[str]]


def _limits(d: ContainerDetails) -> list[str]:
    cpus = "unlimited" if d.cpus is None else f"{d.cpus:g}"
    memory = human_bytes(d.memory_bytes) if d.memory_bytes else "unlimited"
    lines = [f"cpus: {cpus}", f"memory: {memory}"]
    if d.memory_reservation:
        lines.append(f"memory reservation: {human_bytes(d.memory_reservation)}")
    if d.pids_limit:
        lines.append(f"pids: {d.pids_limit}")
    if d.cpuset:
        lines.append(f"cpuset: {d.cpuset}")
    lines += [f"devices: {driver} {which}" for driver, which in d.devices]
    return lines


def _network(d: ContainerDetails, name: str, ip: str, aliases: tuple[str, ...]) -> str:
    """The aliases asked for, then apart the ones Docker adds by itself: the release plan
    reconnects with the first kind only, and the two must read alike."""
    asked = [a for a in aliases if a not in d.instance_names]
    automatic = [a for a in aliases if a in d.instance_names]
    line = f"{name}: ip {ip or '-'}, aliases {', '.join(asked) or '-'}"
    return line + (f" (+ {', '.join(automatic)}, added by docker)" if automatic else "")


def short_digest(ref: str) -> str:
    """`repo@sha256:3f2a9c…` or `sha256:3f2a9c…` → `sha256:3f2a9c1e4b5d…`."""
    digest = ref.rsplit("@", 1)[-1]
    algorithm, _, hexdigits = digest.partition(":")
    return f"{algorithm}:{hexdigits[:12]}…" if len(hexdigits) > 12 else digest


def image_lines(d: ContainerDetails) -> list[str]:
    """What runs, one answer: the registry digest where the daemon knows one (else the local
    image id), and when it was deployed."""
    lines = []
    if d.digests:
        more = f" (+{len(d.digests) - 1} more)" if len(d.digests) > 1 else ""
        lines.append(f"digest: {short_digest(d.digests[0])}{more}")
    elif d.image_id:
        lines.append(f"image id: {short_digest(d.image_id)} (no registry digest)")
    if d.deployed:
        lines.append(f"deployed: {d.deployed} ({d.deployed_how or 'when'})")
    return lines


def highlights(d: ContainerDetails) -> list[Section]:
    restart = d.restart_policy or "no"
    if d.restart_retries:
        restart += f" (max {d.restart_retries} retries)"
    exit_code = "-" if d.exit_code is None else d.exit_code
    health: Section = ("Health", health_lines(d.health))
    sections: list[Section] = [
        ("Container", [f"id: {d.id}", f"image: {d.image}", *image_lines(d),
                       f"state: {d.state} (exit code {exit_code})",
                       f"restarts: {d.restarts}",
                       f"started: {d.started or 'never'}",
                       f"user: {d.user or 'root (default)'}"]),
        ("Command", [shlex.join(d.command) if d.command else "-"]),
        health,
        ("Environment (values hidden)",
         sorted(f"{name}={MASK}" if valued else name for name, valued in d.env) or ["-"]),
        ("Mounts", [f"{m.destination or '?'} ← {m.type or '?'} {m.name or m.source or '?'} "
                    f"({'rw' if m.rw else 'ro'})" for m in d.mounts] or ["-"]),
        ("Networks", [_network(d, name, ip, aliases)
                      for name, ip, aliases in sorted(d.networks)] or ["-"]),
        ("Labels", [f"{k}={v}" for k, v in sorted(d.labels)] or ["-"]),
        ("Restart policy", [restart]),
        ("Limits", _limits(d)),
    ]
    if troubled(d.health):  # why it is unhealthy comes first, before any scrolling
        sections.remove(health)
        sections.insert(0, health)
    return sections


def io_totals(stats: ContainerStats | None) -> Section:
    """What it moved since it started (the table shows rates): from the last stats sample."""
    if stats is None:
        return ("I/O since it started", ["- (not running)"])
    return ("I/O since it started", [
        f"network: {human_bytes(stats.net_rx_bytes)} in, {human_bytes(stats.net_tx_bytes)} out",
        f"block: {human_bytes(stats.blk_read_bytes)} read, "
        f"{human_bytes(stats.blk_write_bytes)} written"])
