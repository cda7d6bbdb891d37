"""A paging watch that restarts (the agent under systemd) neither pages an ongoing incident
again nor forgets the resolved message of one that paged before it stopped."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fintui.watch.watch import Watch
from tests.tui.helpers import paging_demo_parts


def queued(watch: Watch) -> list[Any]:
    assert watch.webhooks is not None
    return list(watch.webhooks.outboxes["desk"].queue)


async def test_a_restarted_watch_keeps_what_it_paged(tmp_path: Path) -> None:
    parts = paging_demo_parts(tmp_path)
    first = Watch(parts, parts.operations())
    first.open_history()
    key = ("crash-loop", "recon-worker")
    for _ in range(40):  # the demo's crash loop fires within a few simulated seconds
        first.arrived(await parts.source.sweep())
        if key in first.alert_engine.active:
            break
    assert first.alert_engine.active[key].state == "firing"
    assert len(queued(first)) == 1  # paged once

    again = Watch(parts, parts.operations())  # the agent, restarted
    again.open_history()
    assert again.alert_engine.active[key].state == "firing"
    for _ in range(3):
        again.arrived(await parts.source.sweep())
    assert queued(again) == []  # the same incident: no second page
    assert again.alert_engine.active[key].fired == first.alert_engine.active[key].fired
