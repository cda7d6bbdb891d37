"""What the metric history records of storage: with several endpoints, each daemon's volumes,
images and build cache are series of their own."""

from __future__ import annotations

from datetime import UTC, datetime

from fintui.core.usage_samples import from_disk_usage
from fintui.model import DiskUsage, Filesystem, VolumeInfo

T0 = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)


def disk(size: int) -> DiskUsage:
    return DiskUsage(T0, 1000, (VolumeInfo("data", "local", "/m", T0, (), size, 1),), (), (), ())


def test_the_same_volume_name_on_two_daemons_is_two_series() -> None:
    a = {(s.kind, s.name): s.value for s in from_disk_usage(disk(10), None, "desk-a")}
    b = {(s.kind, s.name): s.value for s in from_disk_usage(disk(99), None, "desk-b")}
    assert a == {("volume", "data@desk-a"): 10, ("images", "all@desk-a"): 1000,
                 ("build-cache", "all@desk-a"): 0}
    assert b[("volume", "data@desk-b")] == 99
    one = {(s.kind, s.name) for s in from_disk_usage(disk(10), None)}
    assert one == {("volume", "data"), ("images", "all"), ("build-cache", "all")}


def test_a_volume_can_grow_into_its_filesystems_free_space() -> None:
    fs = Filesystem("/var/lib/docker", used_bytes=600, total_bytes=1000)
    volume = next(s for s in from_disk_usage(disk(100), fs) if s.kind == "volume")
    assert (volume.value, volume.capacity) == (100, 500)
