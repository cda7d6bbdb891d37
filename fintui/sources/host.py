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

    async def sample(self, data_root: str) -> HostStats:
        # psutil reads /proc synchronously; keep it off the event loop.
        return await asyncio.to_thread(self._sample, data_root)

    def _sample(self, data_root: str) -> HostStats:
        memory = psutil.virtual_memory()
        paths = [p for p in dict.fromkeys([data_root, "/"]) if p and os.path.isdir(p)]
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
