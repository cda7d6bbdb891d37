"""The limits of automatic isolation: at most max_per_hour a service, never the last running
replica (not even proposed), never more than max_fraction of a service at once, and a
replacement always started; beyond a limit the isolation is only proposed."""

from __future__ import annotations

import pytest

from fintui.core.isolate_limits import (
    FRACTION,
    ISOLATE,
    LAST_REPLICA,
    NEVER,
    NO_REPLACEMENT,
    NO_SERVICE,
    PER_HOUR,
    PROPOSE,
    Group,
    decide,
    group_of,
    hourly_note,
    pauses,
    replacement_missing,
)
from fintui.model import Container, Service


def task(name: str, state: str = "running", service: str = "pricing", project: str = "",
         endpoint: str = "") -> Container:
    return Container(name, name, "busybox", state, "", service=service, project=project,
                     endpoint=endpoint)


def swarm(name: str, mode: str = "replicated", endpoint: str = "") -> Service:
    return Service(name, name, mode, 3 if mode == "replicated" else None, 3,
                   endpoint=endpoint)


def test_a_service_with_running_siblings_is_isolated_and_says_its_hourly_count() -> None:
    sick = task("p1")
    group = group_of(sick, [sick, task("p2"), task("p3")], set(), [swarm("pricing")])
    assert group == Group("pricing", True, 2, 0, 3)
    verdict = decide(group, 0, 1, 0.5)
    assert verdict.kind == ISOLATE
    assert "1 of 1 this hour for pricing" in verdict.why


def test_beyond_max_per_hour_it_is_only_proposed() -> None:
    sick = task("p1")
    group = group_of(sick, [sick, task("p2"), task("p3")], set(), [swarm("pricing")])
    verdict = decide(group, 1, 1, 1.0)
    assert (verdict.kind, verdict.limit) == (PROPOSE, PER_HOUR)
    assert "pricing had 1 automatic isolation this hour" in verdict.why
    assert decide(group, 0, 0, 1.0).kind == PROPOSE  # max_per_hour 0: always proposed


def test_the_last_running_replica_is_never_isolated_nor_proposed() -> None:
    sick = task("solo")
    # Its sibling is stopped, another is isolated: neither runs the service's work.
    others = [task("stopped", "exited"), task("held", "paused")]
    group = group_of(sick, [sick, *others], {"held"}, [swarm("pricing")])
    verdict = decide(group, 0, 5, 1.0)
    assert (verdict.kind, verdict.limit) == (NEVER, LAST_REPLICA)
    assert "last running replica of pricing" in verdict.why
    assert "not even proposed" in verdict.why


def test_a_container_with_no_service_is_never_isolated() -> None:
    lone = task("adhoc", service="")
    verdict = decide(group_of(lone, [lone, task("other", service="")], set()), 0, 5, 1.0)
    assert (verdict.kind, verdict.limit) == (NEVER, NO_SERVICE)


def test_more_than_max_fraction_isolated_at_once_is_proposed() -> None:
    sick = task("p1")
    # Three of four: one isolated already, one more would make half plus one of three.
    group = group_of(sick, [sick, task("p2"), task("p3", "paused")], {"p3"},
                     [swarm("pricing")])
    assert group == Group("pricing", True, 1, 1, 3)
    verdict = decide(group, 0, 5, 0.5)
    assert (verdict.kind, verdict.limit) == (PROPOSE, FRACTION)
    assert "2 of 3 replicas of pricing" in verdict.why
    assert decide(group, 0, 5, 1.0).kind == ISOLATE


@pytest.mark.parametrize(("replicas", "isolated", "fraction", "kind"), [
    (2, 0, 0.5, ISOLATE),  # one of two is half: allowed
    (4, 1, 0.5, ISOLATE),  # two of four
    (4, 2, 0.5, PROPOSE),  # three of four
    (10, 0, 0.0, PROPOSE),  # a fraction of 0 allows none
])
def test_fraction_boundaries(replicas: int, isolated: int, fraction: float,
                             kind: str) -> None:
    group = Group("pricing", True, replicas - isolated - 1, isolated, replicas)
    assert decide(group, 0, 10, fraction).kind == kind


def test_a_global_service_gets_no_replacement_so_it_is_proposed() -> None:
    sick = task("agent1", service="node-agent")
    group = group_of(sick, [sick, task("agent2", service="node-agent")], set(),
                     [swarm("node-agent", "global")])
    verdict = decide(group, 0, 5, 1.0)
    assert (verdict.kind, verdict.limit) == (PROPOSE, NO_REPLACEMENT)


def test_the_last_replica_comes_before_every_other_limit() -> None:
    group = Group("pricing", False, 0, 3, 4)
    assert decide(group, 9, 1, 0.0).kind == NEVER


def test_only_the_same_endpoints_replicas_count() -> None:
    sick = task("p1", endpoint="east")
    elsewhere = [task("p2", endpoint="west"), task("p3", endpoint="west")]
    group = group_of(sick, [sick, *elsewhere], set(), [swarm("pricing", endpoint="east")])
    assert group.name == "pricing @east"
    assert decide(group, 0, 5, 1.0).kind == NEVER


def test_compose_replicas_group_by_project_and_service() -> None:
    sick = task("web-1", service="web", project="shop")
    group = group_of(sick, [sick, task("web-2", service="web", project="shop"),
                            task("web-1", service="web", project="blog")], set())
    assert (group.name, group.others_running, group.replaceable) == ("shop/web", 1, True)


def test_hourly_note_says_what_comes_next() -> None:
    assert hourly_note("pricing", 0, 1) == \
        "isolates the next fault of pricing; 0 of 1 this hour"
    assert hourly_note("pricing", 1, 1).startswith("proposes the next fault of pricing")


def test_a_plan_with_no_replacement_is_seen() -> None:
    assert replacement_missing(["pause it", "start a replacement: none"])
    assert not replacement_missing(["start a replacement: raise Swarm service p by one"])



def test_an_isolated_replica_that_has_since_stopped_counts_nowhere() -> None:
    # Swarm killed an isolated unhealthy task and started its own: the service runs three
    # again, and the dead one holds no replica's place for max_fraction.
    sick = task("p1")
    others = [task("p2"), task("p3"), task("p4"), task("dead", "exited")]
    group = group_of(sick, [sick, *others], {"dead"}, [swarm("pricing")])
    assert group == Group("pricing", True, 3, 0, 4)
    assert decide(group, 0, 5, 0.25).kind == ISOLATE
    # A stopped sibling, isolated or not, never counts as a running replica.
    alone = group_of(sick, [sick, task("dead", "exited"), task("gone", "exited")], {"dead"},
                     [swarm("pricing")])
    assert (alone.others_running, alone.isolated) == (0, 0)
    assert decide(alone, 0, 5, 1.0).kind == NEVER


def test_a_plan_that_pauses_nothing_is_seen() -> None:
    assert pauses(["capture forensics", "pause it (memory kept for inspection)"])
    assert not pauses(["capture forensics", "leave it stopped"])
