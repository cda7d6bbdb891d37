"""A container's inspect document → ContainerDetails (sources/engine_details.py), and the
sections the Details screen draws from them (core/inspect_view.py)."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from fintui.clock import FixedClock
from fintui.core.inspect_view import MASK, highlights
from fintui.model import ContainerDetails
from fintui.sources.demo import DEMO_START, DemoCluster
from fintui.sources.demo_actions import DemoActions
from fintui.sources.engine_details import details_from

INSPECT: dict[str, Any] = {
    "Id": "c0ffee", "Name": "/pricing", "RestartCount": 3,
    "State": {"Status": "running", "StartedAt": "2026-03-02T01:00:00Z", "ExitCode": 0},
    "Config": {"Image": "quant/pricing:2", "Entrypoint": ["/init"], "Cmd": ["run", "a b"],
               "User": "", "Env": ["DB_PASSWORD=s3cret", "EMPTY=", "BARE"],
               "Labels": {"z": "1", "desk": "equities"}},
    "HostConfig": {"RestartPolicy": {"Name": "on-failure", "MaximumRetryCount": 5},
                   "CpuQuota": 150000, "CpuPeriod": 100000, "Memory": 2 * 1024**3,
                   "MemoryReservation": 1024**3, "PidsLimit": 512, "CpusetCpus": "0-3",
                   "DeviceRequests": [{"Driver": "nvidia", "DeviceIDs": ["0", "1"]},
                                      {"Driver": "", "Count": -1}]},
    "Mounts": [{"Type": "volume", "Name": "data", "Source": "/v/data", "Destination": "/data",
                "RW": False}],
    "NetworkSettings": {"Networks": {"zeta": {"IPAddress": "", "Aliases": None},
                                     "desk-net": {"IPAddress": "10.0.0.2",
                                                  "Aliases": ["pricing", "px"]}}},
}


def test_the_highlights_of_an_inspect_document() -> None:
    details = details_from(INSPECT)
    assert ("DB_PASSWORD", True) in details.env  # the name, never the value
    assert "s3cret" not in repr(details)
    assert dict(highlights(details)) == {
        "Container": ["id: c0ffee", "image: quant/pricing:2", "state: running (exit code 0)",
                      "restarts: 3", "started: 2026-03-02T01:00:00Z", "user: root (default)"],
        "Command": ["/init run 'a b'"],
        "Health": ["no health check configured"],
        "Environment (values hidden)": ["BARE", f"DB_PASSWORD={MASK}", f"EMPTY={MASK}"],
        "Mounts": ["/data ← volume data (ro)"],
        # Its own name is an alias Docker adds by itself: shown apart, as the release plan
        # (which reconnects with `px` only) says it.
        "Networks": ["desk-net: ip 10.0.0.2, aliases px (+ pricing, added by docker)",
                     "zeta: ip -, aliases -"],
        "Labels": ["desk=equities", "z=1"],
        "Restart policy": ["on-failure (max 5 retries)"],
        "Limits": ["cpus: 1.5", "memory: 2GiB", "memory reservation: 1GiB", "pids: 512",
                   "cpuset: 0-3", "devices: nvidia 0,1", "devices: gpu count -1"],
    }


def test_a_bare_document_says_what_is_missing() -> None:
    sections = dict(highlights(details_from({"Id": "x", "State": {
        "Status": "created", "StartedAt": "0001-01-01T00:00:00Z"}})))
    assert sections["Container"][2:5] == ["state: created (exit code -)", "restarts: 0",
                                          "started: never"]
    assert sections["Command"] == ["-"] and sections["Mounts"] == ["-"]
    assert sections["Limits"] == ["cpus: unlimited", "memory: unlimited"]
    assert sections["Restart policy"] == ["no"]


async def test_the_demos_evidence_document_says_what_its_details_say() -> None:
    cluster = DemoCluster(seed=7, clock=FixedClock(DEMO_START), step_seconds=2.0)
    await cluster.sweep()
    actions = DemoActions(cluster)
    for spec in cluster.specs:
        document = await actions.inspect_document(spec.name)
        assert "DB_PASSWORD=s3cr3t-demo" in document["Config"]["Env"]  # evidence keeps values
        # What runs (digests, the service's update) comes from other documents than this.
        assert bare(details_from(document)) == bare(await cluster.details(spec.name))


def bare(details: ContainerDetails) -> ContainerDetails:
    return replace(details, image_id="", digests=(), deployed="", deployed_how="")
