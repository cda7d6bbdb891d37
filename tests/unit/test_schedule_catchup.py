"""A schedule catches up only occurrences since a runner first saw it (the demo starts on
Monday 2026-03-02 at 09:30 in Shanghai): one added after today's time applies from the next
occurrence, a restart still catches up one that fell while it was down; an occurrence held by
a freeze or refused by the role stays in the row without an audit record each sweep."""

from __future__ import annotations

from pathlib import Path

from fintui.core.policy_rows import FROZEN, REFUSED
from fintui.watch.watch import Watch
from fintui.wiring import Parts
from tests.unit.policy_demo import advance, audit, demo_parts, desired, row, sweep

OPEN = """
[[policies.schedule]]
name = "open"
service = "pricing"
replicas = 5
at = "09:00"
days = ["mon", "tue", "wed", "thu", "fri"]
timezone = "Asia/Shanghai"
"""
SOON = OPEN.replace('at = "09:00"', 'at = "09:31"')
ALWAYS = """
[[guard.freeze]]
name = "all-day"
days = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
start = "00:00"
end = "23:59"
timezone = "UTC"
actions = ["scale"]
"""
DAY = 86400.0


def scales(parts: Parts) -> list[tuple[str, str]]:
    return [(r["actor"], r["outcome"]) for r in audit(parts) if r["action"] == "scale"]


async def test_a_new_schedule_waits_for_its_next_occurrence_and_a_restart_catches_up(
        tmp_path: Path) -> None:
    parts = demo_parts(tmp_path, OPEN)
    watch = Watch(parts, parts.operations())
    for _ in range(5):  # added at 09:30: today's 09:00 came before it existed
        snap = await sweep(watch)
    assert desired(snap) == 3
    assert scales(parts) == []
    assert row(watch, "open").last == ""
    assert row(watch, "open").next == "Tue 09:00 Asia/Shanghai → 5"
    watch.policies.lock.release()  # the agent goes down; it is back on Tuesday at 09:30
    advance(parts, DAY)
    again = Watch(parts, parts.operations())
    for _ in range(3):
        snap = await sweep(again)
    assert desired(snap) == 5  # Tuesday's 09:00 fell while it was down: caught up
    assert scales(parts) == [("policy:open", "started"), ("policy:open", "ok")]


async def test_an_occurrence_held_by_a_freeze_shows_in_the_row_and_audits_nothing(
        tmp_path: Path) -> None:
    parts = demo_parts(tmp_path, SOON + ALWAYS)
    watch = Watch(parts, parts.operations())
    await sweep(watch)
    advance(parts, 60)  # 09:31: due, and frozen
    for _ in range(6):
        await sweep(watch)
    state = row(watch, "open")
    assert state.state == FROZEN
    assert state.last == ("Mon 09:31 Asia/Shanghai → 5: held by freeze 'all-day' "
                          "(00:00-23:59 UTC); applies when it ends")
    assert scales(parts) == []


async def test_an_occurrence_refused_by_the_role_shows_in_the_row(tmp_path: Path) -> None:
    parts = demo_parts(tmp_path, SOON + '\n[guard]\nroles = { "policy:open" = "viewer" }\n')
    watch = Watch(parts, parts.operations())
    await sweep(watch)
    advance(parts, 60)
    for _ in range(6):
        await sweep(watch)
    state = row(watch, "open")
    assert state.state == REFUSED
    assert state.last == "Mon 09:31 Asia/Shanghai → 5 refused: policy:open is a viewer"
    assert scales(parts) == []
