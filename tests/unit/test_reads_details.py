"""The read door offers a container's details as a model: the embedded watch and a console
attached to an agent both read them from this process's source."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any, cast

import pytest

from fintui.agent.attached import AttachedWatch
from fintui.clock import FixedClock
from fintui.core.inspect_view import highlights
from fintui.sources.demo import DEMO_START, DemoCluster
from fintui.watch.reads import ContainerGone, ContainerReads, SourceReads
from fintui.watch.watch import Watch


async def test_details_come_through_the_read_door() -> None:
    cluster = DemoCluster(seed=7, clock=FixedClock(DEMO_START), step_seconds=2.0)
    await cluster.sweep()
    reads = SourceReads()
    reads.parts = cast(Any, SimpleNamespace(source=cluster))
    door: ContainerReads = reads
    details = await door.details("ledger-db")
    assert details == await cluster.details("ledger-db")
    assert dict(highlights(details))["Mounts"] == ["/data ← volume ledger-data (rw)"]
    with pytest.raises(ContainerGone):
        await door.details("nowhere")
    assert not hasattr(door, "inspect")  # views get model objects, never Engine JSON
    assert issubclass(Watch, SourceReads) and issubclass(AttachedWatch, SourceReads)
