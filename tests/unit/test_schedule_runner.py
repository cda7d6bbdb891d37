"""Schedules run by a paging watch over the demo cluster, with its clock moved by the test
(the demo starts on Monday 2026-03-02 at 01:30 UTC, 09:30 in Shanghai): each occurrence is
applied once, as policy:<name>; a restart neither repeats nor forgets; after an outage only the
schedule whose window is still open applies; a count already right is recorded without an
act; a refused act waits for the next occurrence."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

from fintui.config import Settings
from fintui.core.policy_rows import ARMED, REFUSED
from fintui.watch.watch import Watch
from fintui.wiring import Parts
from tests.unit.policy_demo import advance, audit, demo_parts, desired, row, seen_since, sweep

OPEN_CLOSE = """
[[policies.schedule]]
name = "open"
service = "pricing"
replicas = 5
at = "09:00"
days = ["mon", "tue", "wed", "thu", "fri"]
timezone = "Asia/Shanghai"

[[policies.schedule]]
name = "close"
service = "pricing"
replicas = 2
at = "15:30"
days = ["mon", "tue", "wed", "thu", "fri"]
timezone = "Asia/Shanghai"
"""
HOUR = 3600.0
SUNDAY = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)  # the policies ran since before Monday

def scales(parts: Parts) -> list[tuple[str, str, int]]:
    return [(r["actor"], r["outcome"], r["parameters"]["replicas"])
            for r in audit(parts) if r["action"] == "scale"]


async def test_each_occurrence_applies_once_and_a_restart_does_not_repeat_it(
        tmp_path: Path) -> None:
    parts = demo_parts(tmp_path, OPEN_CLOSE)
    seen_since(parts, SUNDAY)
    watch = Watch(parts, parts.operations())
    for _ in range(2):  # a start at 09:30: the 09:00 open is due (its window is open)
        await sweep(watch)
    assert desired(await sweep(watch)) == 5
    for _ in range(5):
        await sweep(watch)
    assert scales(parts) == [("policy:open", "started", 5), ("policy:open", "ok", 5)]
    opened = row(watch, "open")
    assert opened.state == ARMED
    assert opened.last == "done: scale Swarm service pricing from 3 to 5"
    assert opened.next == "Tue 09:00 Asia/Shanghai → 5"
    assert row(watch, "close").next == "Mon 15:30 Asia/Shanghai → 2"

    advance(parts, 6 * HOUR)  # 15:30:04 local
    await sweep(watch)
    assert desired(await sweep(watch)) == 2
    watch.policies.lock.release()
    again = Watch(parts, parts.operations())  # the agent restarted: nothing is repeated
    for _ in range(5):
        await sweep(again)
    assert [s[0] for s in scales(parts)] == ["policy:open"] * 2 + ["policy:close"] * 2
    assert row(again, "close").last == "done: scale Swarm service pricing from 5 to 2"

    advance(parts, 18 * HOUR)  # Tuesday 09:30 local
    await sweep(again)
    assert desired(await sweep(again)) == 5
    assert len(scales(parts)) == 6


async def test_after_an_outage_only_the_schedule_that_came_last_applies(
        tmp_path: Path) -> None:
    parts = demo_parts(tmp_path, OPEN_CLOSE)
    seen_since(parts, SUNDAY)
    advance(parts, 6.5 * HOUR)  # down until 16:00 local
    watch = Watch(parts, parts.operations())
    for _ in range(4):
        await sweep(watch)
    assert scales(parts) == [("policy:close", "started", 2), ("policy:close", "ok", 2)]
    assert "passed unapplied" in row(watch, "open").detail


async def test_a_count_already_right_is_applied_without_an_act(tmp_path: Path) -> None:
    parts = demo_parts(tmp_path, OPEN_CLOSE.replace("replicas = 5", "replicas = 3"))
    seen_since(parts, SUNDAY)
    watch = Watch(parts, parts.operations())
    for _ in range(4):
        await sweep(watch)
    assert scales(parts) == []
    assert row(watch, "open").last == "Mon 09:00 Asia/Shanghai: already 3 replica(s), " \
                                      "nothing done"


async def test_a_refused_act_is_audited_once_and_waits_for_the_next_occurrence(
        tmp_path: Path) -> None:
    parts = demo_parts(tmp_path, OPEN_CLOSE, edit=over_the_limit)
    seen_since(parts, SUNDAY)
    watch = Watch(parts, parts.operations())
    for _ in range(8):
        await sweep(watch)
    assert scales(parts) == [("policy:open", "refused", 60)]  # above scale.max_replicas
    assert row(watch, "open").state == REFUSED
    assert row(watch, "open").last.startswith("refused: replicas must be between 0 and 50")


def over_the_limit(settings: Settings) -> Settings:
    """"open" to 60, above [scale] max_replicas (the config check refuses it when it reads
    the file; the plan refuses it too, say after max_replicas was lowered)."""
    opened = replace(settings.policies.schedule[0], replicas=60)
    return replace(settings, policies=replace(
        settings.policies, schedule=(opened, *settings.policies.schedule[1:])))
