"""Why an act asks twice, said once in its plan and in its own words; and a clean's title,
after the operator unticks, counting only what it removes, in human units."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from fintui.clock import FixedClock
from fintui.config import load_settings
from fintui.core.cleanup import CleanupPlan
from fintui.model import CleanupItem
from fintui.ops import clean, scale
from fintui.ops.operations import Operations, Plan
from fintui.ops.plan import second_reason
from fintui.sources.demo import DEMO_START, DemoCluster
from fintui.sources.demo_actions import DemoActions

GIB = 1024 ** 3


@pytest.fixture
def ops(tmp_path: Path) -> Operations:
    settings = load_settings(None)
    settings = replace(settings, paths=replace(settings.paths, state_dir=tmp_path),
                       audit=replace(settings.audit, path=tmp_path / "audit.jsonl"))
    clock = FixedClock(DEMO_START)
    return Operations(DemoActions(DemoCluster(7, clock, 2.0)), settings, "alice", False, clock)


def test_scale_says_zero_or_how_many_it_touches() -> None:
    assert scale.why_twice("pricing", 3, 0) == (
        "this scales pricing to zero: all 3 of its instance(s) stop")
    assert scale.why_twice("pricing", 3, 9) == (
        "this touches 6 instances of pricing, more than 5")
    assert scale.why_twice("pricing", 9, 3) == (
        "this touches 6 instances of pricing, more than 5")
    assert scale.why_twice("pricing", 3, 8) == ""


async def test_scale_plans_carry_their_reason(ops: Operations) -> None:
    to_zero = await ops.plan_scale("pricing", 0)
    assert to_zero.double_confirm
    assert second_reason(to_zero) == (
        "This scales pricing to zero: all 3 of its instance(s) stop.")
    many = await ops.plan_scale("pricing", 9)
    assert many.double_confirm and "touches 6 instances" in many.double_confirm_reason
    few = await ops.plan_scale("pricing", 5)
    assert not few.double_confirm and few.double_confirm_reason == ""


async def test_drain_says_what_happens_to_its_tasks(ops: Operations) -> None:
    nodes = await ops.actions.nodes()
    busy = next(n for n in nodes if n.tasks)
    plan = await ops.plan_node(busy.hostname, "drain")
    assert plan.double_confirm
    assert plan.double_confirm_reason == (
        f"this drains node {busy.hostname} with {busy.tasks} running task(s): they move to "
        "other nodes (or stop if none can take them)")
    assert "more than 5" not in second_reason(plan)


def item(n: int, size: int) -> CleanupItem:
    return CleanupItem("volume", f"scratch-{n}", f"id{n}", size, "unused for 9d (volume_ttl)")


def clean_plan(count: int, size: int = GIB) -> Plan:
    plan = Plan("clean", "*", "", [], {"match": ""},
                cleanup=CleanupPlan([item(n, size) for n in range(count)], []))
    clean.describe(plan)
    return plan


def test_clean_title_counts_what_is_removed_in_human_units() -> None:
    plan = clean_plan(3, 1_243_611_136)  # 3 × 1.16GiB
    assert plan.summary == "remove 3 stale object(s), 3.47GiB"
    clean.choose(plan, {"id0", "id2"})  # the operator unticked one
    assert plan.summary == ("remove 2 stale object(s), 2.32GiB; 1 left out by the "
                            "operator")
    assert plan.steps[-1] == "leave volume scratch-1 (unticked by the operator)"


def test_clean_asks_twice_for_what_it_removes_not_what_it_found() -> None:
    plan = clean_plan(7)
    assert plan.double_confirm
    assert plan.double_confirm_reason == "this removes 7 objects, more than 5"
    clean.choose(plan, {f"id{n}" for n in range(5)})
    assert not plan.double_confirm and plan.double_confirm_reason == ""
    assert clean.why_twice(6) == "this removes 6 objects, more than 5"
    assert clean.why_twice(5) == ""


def test_a_plan_without_its_reason_still_says_why() -> None:
    plan = Plan("scale", "x", "", [], {}, double_confirm=True)  # as an older agent sends it
    assert second_reason(plan) == "This is a big change."
