"""A paging watch that restarts (the agent under systemd) neither pages an ongoing incident
again nor forgets the resolved message of one that paged before it stopped."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fintui.cli import build_parser
from fintui.config import load_settings
from fintui.watch.watch import Watch
from fintui.wiring import build_parts
from tests.tui.helpers import FAST_CONFIG


def demo_parts(tmp: Path) -> Any:
    config = tmp / "fintui.toml"
    config.write_text(FAST_CONFIG.read_text().replace("/tmp/fintui-test-state", str(tmp / "s"))
                      + '\n[[alerts.receivers]]\nname = "desk"\nurl = "http://127.0.0.1:9/x"\n'
                        'format = "slack"\nseverities = ["critical"]\n')
    args = build_parser().parse_args(["--demo", "--as", "ops", "--config", str(config)])
    return build_parts(args, load_settings(args.config))


def queued(watch: Watch) -> list[Any]:
    assert watch.webhooks is not None
    return list(watch.webhooks.outboxes["desk"].queue)


async def test_a_restarted_watch_keeps_what_it_paged(tmp_path: Path) -> None:
    parts = demo_parts(tmp_path)
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
