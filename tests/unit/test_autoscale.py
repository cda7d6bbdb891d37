"""Autoscaling's arithmetic: which containers are a service's replicas on an endpoint, the
reading (mean of the running, not isolated ones), consecutive readings, and the decision
(step, min and max, a Swarm scale-in held while a task is isolated)."""

from __future__ import annotations

from datetime import UTC, datetime

from fintui.core.autoscale import (
    Replicas,
    Tally,
    Thresholds,
    count,
    decide,
    detail,
    reading,
    replicas,
    upcoming,
)
from fintui.model import ClusterSnapshot, Container, ContainerStats, Service, SourceStatus

T = Thresholds("cpu", 70, 20, 3, 1, 2, 4)
NOW = datetime(2026, 3, 2, 1, 30, tzinfo=UTC)


def stats(cpu: float | None, mem: int = 0, limit: int = 0) -> ContainerStats:
    return ContainerStats(cpu, mem, limit, 0, 0, 0, 0)


def box(cid: str, service: str = "pricing", cpu: float | None = 50.0, state: str = "running",
        project: str = "", endpoint: str = "", mem: int = 0, limit: int = 0) -> Container:
    return Container(cid, f"{service}.{cid}", "img", state, "Up", service=service,
                     project=project, stats=stats(cpu, mem, limit), endpoint=endpoint)


def snap(*containers: Container, desired: int = 3, endpoint: str = "") -> ClusterSnapshot:
    return ClusterSnapshot(NOW, SourceStatus("local", True), containers, (
        Service("s1", "pricing", "replicated", desired, 3, endpoint=endpoint),))


def test_a_swarm_services_count_is_its_desired_less_its_isolated_tasks() -> None:
    s = snap(box("a", cpu=90), box("b", cpu=70), box("c", state="paused"),
             box("d", state="exited"), box("x", service="other"), desired=3)
    found = replicas(s, "pricing", None, isolated={"c"})
    assert found is not None
    assert (found.swarm, found.own, found.isolated) == (True, 2, 1)
    assert [c.id for c in found.readable] == ["a", "b"]
    assert found.desired(3) == 4  # the isolated task keeps its slot
    assert reading("cpu", found.readable) == 80.0


def test_a_compose_service_counts_its_running_replicas_on_its_endpoint() -> None:
    s = snap(box("a", "web", project="shop", endpoint="east"),
             box("b", "web", project="shop", endpoint="east"),
             box("c", "web", project="shop", endpoint="west"),
             box("d", "web", project="shop", endpoint="east", state="exited"))
    found = replicas(s, "shop/web", "east", isolated={"b"})
    assert found is not None
    assert (found.swarm, found.own, found.isolated) == (False, 1, 1)
    assert found.desired(3) == 3  # compose's count already leaves isolated replicas out
    assert replicas(s, "shop/db", "east", set()) is None
    assert replicas(s, "nothing", None, set()) is None


def test_memory_and_alert_metrics_are_means_of_the_replicas_that_have_them() -> None:
    reps = (box("a", mem=50, limit=100), box("b", mem=25, limit=100), box("c"))
    assert reading("memory", reps) == 37.5  # c has no limit: no value
    assert reading("container.cpu_percent", (box("a", cpu=10), box("b", cpu=None))) == 10.0
    assert reading("cpu", ()) is None


def test_consecutive_readings_past_a_threshold_and_a_reading_between_restarts_both() -> None:
    tally = Tally()
    for value in (80, 90):
        tally = count(tally, value, T)
    assert (tally.over, tally.under) == (2, 0)
    tally = count(tally, 50, T)  # between: both counts restart
    assert (tally.over, tally.under) == (0, 0)
    tally = count(count(tally, 10, T), None, T)  # no reading: no count either
    assert (tally.over, tally.under) == (0, 0)


def reps(own: int, isolated: int = 0, swarm: bool = True) -> Replicas:
    return Replicas(swarm, own, isolated, ())


def test_three_readings_over_scale_out_by_step_to_at_most_max() -> None:
    assert decide(Tally(2, 0, 80), reps(2), T).target is None  # two are not enough
    assert decide(Tally(3, 0, 80), reps(2), T).target == 3
    stepped = Thresholds("cpu", 70, 20, 3, 5, 2, 4)
    assert decide(Tally(3, 0, 80), reps(2), stepped).target == 4  # capped at max
    at_max = decide(Tally(3, 0, 80), reps(4), T)
    assert at_max.target is None and at_max.why == "at max 4"


def test_three_readings_under_scale_in_to_at_least_min() -> None:
    assert decide(Tally(0, 3, 5), reps(4), T).target == 3
    assert decide(Tally(0, 3, 5), reps(2), T).target is None  # at min
    assert decide(Tally(0, 3, 5), reps(3, isolated=1, swarm=False), T).target == 2


def test_a_swarm_scale_in_is_held_while_a_task_is_isolated() -> None:
    held = decide(Tally(0, 3, 5), reps(3, isolated=1), T)
    assert held.target is None and held.held
    assert "isolated" in held.why
    assert decide(Tally(3, 0, 90), reps(3, isolated=1), T).target == 4  # out is fine


def test_the_row_says_the_reading_the_count_and_what_comes_next() -> None:
    assert detail(Tally(2, 0, 74.2), reps(3), T) == "cpu 74% · 2 of 3 over 70 · 3 replica(s)"
    assert detail(Tally(), None, T) == "no reading"
    assert upcoming(reps(3), T) == ("scales out to 4 after 3 readings > 70% · scales in to 2 "
                                    "after 3 readings < 20%")
    assert upcoming(reps(4), T) == "scales in to 3 after 3 readings < 20%"
    # The count never says more than the samples it needs, however long the run.
    assert detail(Tally(40, 0, 90), reps(3), T) == "cpu 90% · 3 of 3 over 70 · 3 replica(s)"
    assert detail(Tally(0, 108, 5), reps(3), T) == "cpu 5% · 3 of 3 under 20 · 3 replica(s)"
