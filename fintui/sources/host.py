"""The host fintui runs on, through psutil: CPU, memory, load, Docker's filesystems."""

from __future__ import annotations

import asyncio
import os
import socket

import psutil

from fintui.model import Filesystem, HostStats


class PsutilHost:
    def __init__(self) -> None:
        psutil.cpu_percent(interval=None)  # prime: the first reading is since this call

    async def sample(self, data_root: str, bind_sources: tuple[str, ...] = ()) -> HostStats:
        # psutil reads /proc synchronously; keep it off the event loop.
        return await asyncio.to_thread(self._sample, data_root, bind_sources)

    def _sample(self, data_root: str, bind_sources: tuple[str, ...] = ()) -> HostStats:
        memory = psutil.virtual_memory()
        paths = [p for p in [data_root] if p and os.path.isdir(p)]
        paths += mount_points(("/", *bind_sources), paths)  # "/" only when apart from the root
        filesystems = []
        for path in paths:
            try:
                usage = psutil.disk_usage(path)
            except OSError:
                continue
            filesystems.append(Filesystem(path=path, total_bytes=usage.total,
                                          used_bytes=usage.used))
        try:
            load = os.getloadavg()
        except OSError:
            load = (0.0, 0.0, 0.0)
        return HostStats(
            hostname=socket.gethostname(),
            cpu_percent=psutil.cpu_percent(interval=None),
            cpu_count=psutil.cpu_count() or 1,
            mem_used_bytes=memory.total - memory.available,
            mem_total_bytes=memory.total,
            load=(load[0], load[1], load[2]),
            filesystems=tuple(filesystems),
        )


PSEUDO = ("/proc", "/sys", "/dev")  # kernel filesystems: nothing there fills up with data


def mount_points(sources: tuple[str, ...], known: list[str]) -> list[str]:
    """The mount points holding bind-mount sources, one per filesystem, leaving out those of
    `known` paths: a docker.sock or a config file under / adds nothing new."""
    seen = set()
    for path in known:
        try:
            seen.add(os.stat(path).st_dev)
        except OSError:
            continue
    out = []
    for source in sorted(sources):
        if not source.startswith("/") or source.startswith(PSEUDO):
            continue
        try:
            device = os.stat(source).st_dev
        except OSError:
            continue  # gone, or not ours to see
        if device in seen:
            continue
        seen.add(device)
        path = source if os.path.isdir(source) else os.path.dirname(source)
        while path != "/" and not os.path.ismount(path):
            path = os.path.dirname(path)
        out.append(path)
    return out
