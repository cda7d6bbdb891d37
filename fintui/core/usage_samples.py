"""What the history records from each reading: every series a forecast can be made of, with
the capacity it can grow into. Pure."""

from __future__ import annotations

from fintui.model import ClusterSnapshot, DiskUsage, Filesystem, UsageSample

KIND_TITLES = {
    "filesystem": "fs", "volume": "volume", "images": "images", "build-cache": "build cache",
    "host-memory": "memory", "container-memory": "mem", "gpu-memory": "gpu mem",
}


def title(kind: str, name: str) -> str:
    """The target as the operator reads it: `fs /var/lib/docker`, `volume ledger-data`."""
    prefix = KIND_TITLES.get(kind, kind)
    return prefix if kind in ("images", "build-cache") else f"{prefix} {name}"


def from_snapshot(snap: ClusterSnapshot) -> list[UsageSample]:
    """Filesystems, host memory, memory of running containers, GPU memory."""
    out: list[UsageSample] = []
    host = snap.host
    if host is not None and not host.error:
        out += [UsageSample("filesystem", fs.path, fs.used_bytes, fs.total_bytes)
                for fs in host.filesystems]
        if host.mem_total_bytes:
            out.append(UsageSample("host-memory", host.hostname, host.mem_used_bytes,
                                   host.mem_total_bytes))
    if snap.source.connected and not snap.stale:
        for c in snap.containers:
            if c.state == "running" and c.stats is not None:
                out.append(UsageSample("container-memory", c.name, c.stats.mem_bytes,
                                       c.stats.mem_limit_bytes or None))
    for gpu in snap.gpus:
        if gpu.mem_used_bytes is not None:
            out.append(UsageSample("gpu-memory", f"gpu{gpu.index}", gpu.mem_used_bytes,
                                   gpu.mem_total_bytes))
    return out


def data_root_fs(snap: ClusterSnapshot | None, data_root: str) -> Filesystem | None:
    if snap is None or snap.host is None or not data_root:
        return None
    return next((fs for fs in snap.host.filesystems if fs.path == data_root), None)


def from_disk_usage(disk: DiskUsage, fs: Filesystem | None, endpoint: str = ""
                    ) -> list[UsageSample]:
    """Volumes, images and build cache. They live on the daemon's data root, so each can grow
    into its own size plus that filesystem's free space (unknown for a remote daemon). With
    several endpoints each series is named `name@endpoint`: two daemons' `data` volumes are
    two series."""
    free = fs.total_bytes - fs.used_bytes if fs is not None else None

    def sample(kind: str, name: str, size: int) -> UsageSample:
        return UsageSample(kind, f"{name}@{endpoint}" if endpoint else name, size,
                           None if free is None else size + free)

    out = [sample("volume", v.name, v.size_bytes) for v in disk.volumes
           if v.size_bytes is not None and v.size_bytes >= 0]
    out.append(sample("images", "all", disk.layers_size))  # shared layers counted once
    out.append(sample("build-cache", "all", sum(b.size_bytes for b in disk.build_cache)))
    return out


def from_disk_reading(disk: DiskUsage, snap: ClusterSnapshot | None,
                      local_host: bool, endpoint: str = "") -> list[UsageSample]:
    """from_disk_usage with the data root's filesystem looked up in the snapshot; only a local
    daemon's data root is on a disk we can measure."""
    root = data_root_fs(snap, disk.data_root or (snap.source.data_root if snap else "")) \
        if local_host else None
    return from_disk_usage(disk, root, endpoint)
