"""The Engine's /system/df JSON → DiskUsage (sources/engine_disk.py), and the totals of it that
`docker system df` prints."""

from __future__ import annotations

from datetime import UTC, datetime

from fintui.core.disk_usage import totals
from fintui.model import Mount
from fintui.sources.engine_disk import mounts_from_inspect, parse_df

NOW = datetime(2026, 3, 2, 1, 30, tzinfo=UTC)


def test_totals_follow_the_docker_cli() -> None:
    raw = {
        "LayersSize": 1000,
        "Images": [{"Id": "a", "RepoTags": ["x:1"], "Size": 600, "SharedSize": 100,
                    "Containers": 1}, {"Id": "b", "RepoTags": [], "Size": 300, "SharedSize": 0,
                                       "Containers": 0}],
        "Containers": [{"Id": "c1", "Names": ["/c1"], "State": "running", "SizeRw": 10},
                       {"Id": "c2", "Names": ["/c2"], "State": "exited", "SizeRw": 30},
                       {"Id": "c3", "Names": ["/c3"], "State": "paused", "SizeRw": 5}],
        "Volumes": [{"Name": "v1", "UsageData": {"Size": 70, "RefCount": 1}},
                    {"Name": "v2", "UsageData": {"Size": 20, "RefCount": 0}},
                    {"Name": "v3", "UsageData": {"Size": -1, "RefCount": 0}}],
        "BuildCache": [{"ID": "b1", "Size": 40, "InUse": False, "Shared": False},
                       {"ID": "b2", "Size": 8, "InUse": True, "Shared": False},
                       {"ID": "b3", "Size": 99, "InUse": False, "Shared": True}],
    }
    rows = {t.kind: t for t in totals(parse_df(raw, NOW))}
    assert (rows["images"].size, rows["images"].reclaimable, rows["images"].active) == (
        1000, 500, 1)
    assert (rows["containers"].size, rows["containers"].reclaimable) == (45, 30)
    assert (rows["volumes"].size, rows["volumes"].reclaimable, rows["volumes"].active) == (
        90, 20, 1)
    assert (rows["build-cache"].size, rows["build-cache"].reclaimable) == (48, 40)


def test_one_document_each_as_typed_data() -> None:
    raw = {"Volumes": [{"Name": "v1", "Driver": "local", "Mountpoint": "/m",
                        "CreatedAt": "2026-03-01T00:00:00Z", "Labels": {"b": "2", "a": "1"},
                        "UsageData": {"Size": -1, "RefCount": 0}}],
           "Images": [{"Id": "sha256:i", "RepoTags": ["<none>:<none>"], "Size": 5}],
           "Containers": [{"Id": "c", "Names": ["/ledger"], "Image": "x", "State": "exited",
                           "SizeRw": 7}],
           "BuildCache": [{"ID": "b", "Type": "regular", "Size": 3, "InUse": True,
                           "Description": "RUN x"}]}
    df = parse_df(raw, NOW, "overlay2", "/var/lib/docker")
    assert (df.volumes[0].size_bytes, df.volumes[0].labels) == (None, (("a", "1"), ("b", "2")))
    assert df.volumes[0].created == datetime(2026, 3, 1, tzinfo=UTC)
    assert (df.images[0].tags, df.images[0].containers) == ((), -1)
    assert (df.containers[0].name, df.containers[0].size_rw) == ("ledger", 7)
    assert (df.build_cache[0].in_use, df.storage_driver, df.data_root) == (
        True, "overlay2", "/var/lib/docker")


def test_mounts_from_an_inspect_document() -> None:
    inspect = {"Mounts": [{"Type": "volume", "Name": "data", "Source": "/v/data",
                           "Destination": "/data", "RW": False},
                          {"Type": "bind", "Source": "/srv", "Destination": "/srv"}]}
    assert mounts_from_inspect(inspect) == (Mount("volume", "data", "/v/data", "/data", False),
                                            Mount("bind", "", "/srv", "/srv", True))
    assert mounts_from_inspect({}) == ()
