"""The alert rule engine on synthetic series: `for` durations, hysteresis, restart windows,
silences with matchers and expiry."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from fintui.core.alerts import (
    CAPACITY,
    SIGNATURES,
    AlertEngine,
    Observation,
    RestartWindow,
    Rule,
    Silence,
    firing_counts,
    observe,
)
from fintui.model import (
    ClusterSnapshot,
    Container,
    ContainerStats,
    Forecast,
    Health,
    SourceStatus,
)

T0 = datetime(2026, 3, 2, 1, 30, tzinfo=UTC)
HOT = Rule("pricer-cpu-hot", "container.cpu_percent", ">", 90, 30, "warning",
           scope=(("service", "pricing"),), runbook="Check the quote feed lag.")


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def box(name: str, cpu: float = 10, restarts: int = 0, health: Health = Health.NONE,
        service: str = "pricing", state: str = "running", exit_code: int | None = None
        ) -> Container:
    return Container(id=f"id-{name}", name=name, image="i", state=state, status="",
                     health=health, restart_count=restarts, service=service,
                     exit_code=exit_code,
                     stats=ContainerStats(cpu, 100, 400, 0, 0, 0, 0) if state == "running"
                     else None)


def snap(*containers: Container) -> ClusterSnapshot:
    return ClusterSnapshot(T0, SourceStatus("demo://", True), containers=containers)


def run(engine: AlertEngine, series: list[tuple[float, float]]) -> list[tuple[float, str]]:
    """Feed (time, value) of one target; return (time, state) after each step."""
    states = []
    for t, value in series:
        engine.evaluate([Observation(HOT, "pricing.1", value)], at(t))
        alert = engine.active.get(("pricer-cpu-hot", "pricing.1"))
        states.append((t, alert.state if alert else (
            engine.history[0].state if engine.history else "none")))
    return states


def test_for_duration_pending_then_firing() -> None:
    engine = AlertEngine(resolve_after=20)
    states = run(engine, [(0, 95), (10, 96), (29, 97), (30, 99)])
    assert [s for _, s in states] == ["pending", "pending", "pending", "firing"]


def test_a_blip_shorter_than_for_never_fires() -> None:
    engine = AlertEngine(resolve_after=20)
    states = run(engine, [(0, 95), (10, 50), (20, 95)])
    assert [s for _, s in states] == ["pending", "none", "pending"]
    assert not engine.history


def test_hysteresis_flapping_does_not_resolve_or_refire() -> None:
    engine = AlertEngine(resolve_after=20)
    changes = []
    for t, v in [(0, 95), (30, 95), (40, 50), (50, 95), (55, 50), (70, 50), (76, 50)]:
        changes += [(t, a.state) for a in engine.evaluate([Observation(HOT, "p1", v)], at(t))]
    # fired once at 30; the dips at 40 and 55 are shorter than resolve_after; resolved at 76
    assert changes == [(30, "firing"), (76, "resolved")]


def test_alerts_are_keyed_by_rule_and_target() -> None:
    engine = AlertEngine(resolve_after=0)
    for t in (0, 30, 60):
        engine.evaluate([Observation(HOT, "p1", 95), Observation(HOT, "p2", 95)], at(t))
    assert sorted(engine.active) == [("pricer-cpu-hot", "p1"), ("pricer-cpu-hot", "p2")]


def test_scope_and_observations_from_a_snapshot() -> None:
    restarts = RestartWindow(timedelta(minutes=5))
    s = snap(box("pricing.1", cpu=97), box("risk.1", cpu=99, service="risk"))
    observed = {(o.rule.name, o.target): o.value for o in observe([HOT], s, restarts)}
    assert observed == {("pricer-cpu-hot", "pricing.1"): 97}


def test_crash_loop_counts_restarts_within_the_window() -> None:
    restarts = RestartWindow(timedelta(minutes=5))
    engine = AlertEngine(resolve_after=60)
    fired = []
    for minute, count in [(0, 5), (1, 6), (2, 7), (3, 8), (9, 8), (10, 8), (15, 8)]:
        now = at(minute * 60)
        s = snap(box("recon", restarts=count, service="recon"))
        restarts.note(s.containers, now)
        fired += [(minute, a.state) for a in engine.evaluate(observe(SIGNATURES, s, restarts),
                                                              now)]
    # 3 restarts within 5 min fire it; clear from minute 9, resolved a minute later
    assert fired == [(3, "firing"), (10, "resolved")]
    assert engine.history[0].faulty


def test_restarts_sampled_every_second_for_an_hour_keep_only_their_changes() -> None:
    restarts = RestartWindow(timedelta(minutes=5))
    for t in range(3600):  # a console at 1 Hz: restarts at 3400 s and 3500 s
        count = 2 + (t >= 3400) + (t >= 3500)
        restarts.note([box("recon", restarts=count)], at(t))
        assert len(restarts.seen["id-recon"]) <= 3, "every sample kept: memory grows"
    assert restarts.increase("id-recon") == 2  # both within the last five minutes
    restarts.note([box("recon", restarts=4)], at(3400 + 301))
    assert restarts.increase("id-recon") == 1  # the first has left the window
    restarts.note([box("recon", restarts=0)], at(3900))  # restarted by hand: count reset
    assert restarts.increase("id-recon") == 0
    restarts.note([box("recon", restarts=3)], at(3960))
    assert restarts.increase("id-recon") == 3


def test_unhealthy_and_exited_nonzero_signatures() -> None:
    restarts = RestartWindow(timedelta(minutes=5))
    engine = AlertEngine(resolve_after=30)
    s = snap(box("fix-gw", health=Health.UNHEALTHY, service=""),
             box("job", state="exited", exit_code=2, service=""),
             box("ok-job", state="exited", exit_code=0, service=""))
    engine.evaluate(observe(SIGNATURES, s, restarts), at(0))
    engine.evaluate(observe(SIGNATURES, s, restarts), at(31))
    firing = {(a.rule, a.target) for a in engine.active.values() if a.state == "firing"}
    assert firing == {("unhealthy", "fix-gw"), ("exited-nonzero", "job")}


def test_a_swarm_task_swarm_stopped_is_history_not_a_fault() -> None:
    """An update or a scale down stops old tasks with SIGTERM/SIGKILL; Swarm keeps them."""
    from dataclasses import replace as copy

    restarts = RestartWindow(timedelta(minutes=5))
    engine = AlertEngine(resolve_after=30)
    task = (("com.docker.swarm.task.id", "t1"),)
    s = snap(copy(box("web.1.old", state="exited", exit_code=137), labels=task),
             copy(box("web.2.old", state="exited", exit_code=143), labels=task),
             copy(box("web.3.bad", state="exited", exit_code=1), labels=task),
             box("killed-by-hand", state="exited", exit_code=137, service=""))
    engine.evaluate(observe(SIGNATURES, s, restarts), at(0))
    firing = {a.target for a in engine.active.values() if a.state == "firing"}
    assert firing == {"web.3.bad", "killed-by-hand"}


def test_a_target_that_disappears_resolves() -> None:
    engine = AlertEngine(resolve_after=300)
    engine.evaluate([Observation(HOT, "p1", 95)], at(0))
    engine.evaluate([Observation(HOT, "p1", 95)], at(30))
    changed = engine.evaluate([], at(40))
    assert [(a.target, a.state) for a in changed] == [("p1", "resolved")]


def test_silences_match_by_glob_and_expire_and_acks_mark() -> None:
    engine = AlertEngine(resolve_after=0)
    engine.evaluate([Observation(HOT, "pricing.1", 95), Observation(HOT, "risk.1", 95)], at(0))
    engine.evaluate([Observation(HOT, "pricing.1", 95), Observation(HOT, "risk.1", 95)], at(30))
    silence = Silence("pricer-*", "pricing.*", at(600), "known: feed replay", "alice")
    acks = {("pricer-cpu-hot", "risk.1"): ("bob", at(40))}
    shown = {a.target: a for a in engine.shown([silence], acks, at(60))}
    assert shown["pricing.1"].silenced_by == "known: feed replay"
    assert shown["risk.1"].acked_by == "bob" and not shown["risk.1"].silenced_by
    assert firing_counts(shown.values()) == {"warning": 1}  # silenced ones are not counted
    later = {a.target: a for a in engine.shown([silence], acks, at(601))}
    assert later["pricing.1"].silenced_by == ""  # expired


def test_worst_first_then_oldest() -> None:
    engine = AlertEngine(resolve_after=0)
    crit = Rule("disk", "host.fs_percent", ">", 90, 0, "critical")
    engine.evaluate([Observation(HOT, "p1", 95)], at(0))
    engine.evaluate([Observation(HOT, "p1", 95), Observation(crit, "host", 95)], at(30))
    assert [a.rule for a in engine.shown([], {}, at(31))] == ["disk", "pricer-cpu-hot"]


def test_oom_and_cpu_pinned_while_siblings_idle() -> None:
    from dataclasses import replace as copy

    restarts = RestartWindow(timedelta(minutes=5))
    engine = AlertEngine(resolve_after=30)
    hot = copy(box("pricing.1", cpu=99), cpu_limit=1.0)
    calm = [copy(box(f"pricing.{n}", cpu=5), cpu_limit=1.0) for n in (2, 3)]
    busy_all = [copy(box(f"risk.{n}", cpu=98, service="risk"), cpu_limit=1.0) for n in (1, 2)]
    oom = copy(box("ledger", state="exited", exit_code=137, service=""), oom_killed=True)
    s = snap(hot, *calm, *busy_all, oom)
    for t in (0, 61):
        engine.evaluate(observe(SIGNATURES, s, restarts), at(t))
    firing = {(a.rule, a.target) for a in engine.active.values() if a.state == "firing"}
    assert ("cpu-pinned", "pricing.1") in firing
    assert not any(rule == "cpu-pinned" and target.startswith("risk")
                   for rule, target in firing)  # all busy: load, not a fault
    assert ("oom-killed", "ledger") in firing


def test_cpu_pinned_compares_only_siblings_on_the_same_endpoint() -> None:
    from dataclasses import replace as copy

    engine = AlertEngine(resolve_after=30)
    # desk-a's one pricer is pinned with no sibling there; desk-b's same-named service idles.
    # Averaged together, desk-a's replica would look pinned while "siblings" idle.
    hot = copy(box("pricing.1", cpu=99), cpu_limit=1.0, endpoint="desk-a")
    idle = [copy(box(f"pricing.{n}", cpu=3), cpu_limit=1.0, endpoint="desk-b") for n in (2, 3)]
    s = snap(hot, *idle)
    for t in (0, 61):
        engine.evaluate(observe(SIGNATURES, s, RestartWindow(timedelta(minutes=5))), at(t))
    assert not any(a.rule == "cpu-pinned" for a in engine.active.values())
    sibling = copy(box("pricing.4", cpu=2), cpu_limit=1.0, endpoint="desk-a")
    for t in (62, 123):
        engine.evaluate(observe(SIGNATURES, snap(hot, sibling, *idle),
                                RestartWindow(timedelta(minutes=5))), at(t))
    firing = {(a.rule, a.target) for a in engine.active.values() if a.state == "firing"}
    assert firing == {("cpu-pinned", "pricing.1@desk-a")}


def test_capacity_forecasts_fire_warning_or_critical_per_target() -> None:
    from fintui.core.forecast import ForecastRules, forecast

    def grow(capacity: float) -> Forecast:
        series = [(h * 3600.0, 100.0 + h / 24) for h in range(10 * 24 + 1)]  # +1 a day
        return forecast(f"fs cap{capacity:g}", "filesystem", series, capacity,
                        ForecastRules())

    soon, tight, roomy = grow(113), grow(140), grow(500)  # 3 days, 30 days, years
    engine = AlertEngine(30)
    engine.evaluate(observe(CAPACITY, snap(), RestartWindow(timedelta(minutes=5)),
                            [soon, tight, roomy]), at(0))
    firing = {(a.rule, a.target, a.severity) for a in engine.active.values()}
    assert firing == {("capacity-critical", "fs cap113", "critical"),
                      ("capacity-warning", "fs cap140", "warning")}


def test_with_several_endpoints_alerts_name_the_endpoint_and_a_down_one_holds() -> None:
    from dataclasses import replace

    engine = AlertEngine(resolve_after=0)
    restarts = RestartWindow(timedelta(minutes=10))
    sick = [replace(box("risk", health=Health.UNHEALTHY), id=f"id-{e}", endpoint=e)
            for e in ("desk-a", "desk-b")]
    for t in (0, 31):
        engine.evaluate(observe(SIGNATURES, snap(*sick), restarts), at(t))
    assert {(a.target, a.state) for a in engine.active.values()} == {
        ("risk@desk-a", "firing"), ("risk@desk-b", "firing")}
    # desk-b is down: its rows are left out, and its alert is held, not resolved as gone.
    changed = engine.evaluate(observe(SIGNATURES, snap(sick[0]), restarts), at(40),
                              held=("@desk-b",))
    assert changed == []
    assert ("unhealthy", "risk@desk-b") in engine.active
    # Without the hold the same snapshot resolves it: the hold is what keeps it.
    changed = engine.evaluate(observe(SIGNATURES, snap(sick[0]), restarts), at(41))
    assert [(a.target, a.state) for a in changed] == [("risk@desk-b", "resolved")]


def test_a_crash_loop_stays_firing_through_its_endpoints_outage() -> None:
    """With two endpoints, one down for a while (its rows kept, stale) neither resolves its
    crash loop nor forgets its restarts: it goes on firing when the endpoint answers again."""
    from dataclasses import replace as copy

    from fintui.core.alerts import split_down_endpoints

    restarts = RestartWindow(timedelta(minutes=5))
    engine = AlertEngine(resolve_after=30)
    endpoints = (SourceStatus("unix:///a.sock", True, name="a"),
                 SourceStatus("unix:///b.sock", True, name="b"))
    states: list[tuple[int, str]] = []
    count = 0
    for t in range(0, 300, 2):
        b_down = 120 <= t < 140  # b frozen for 20 s
        if not b_down and t % 30 == 0:
            count += 1  # every 30 s: Docker's restart backoff grows to a minute
        crash = copy(box("crash1", restarts=count), id="id-crash1@b", endpoint="b")
        eps = (endpoints[0], copy(endpoints[1], connected=not b_down))
        s = copy(snap(crash), taken_at=at(t), endpoints=eps)
        live, unseen, held = split_down_endpoints(s)
        restarts.note(live.containers, at(t), held=unseen)
        states += [(t, a.state) for a in engine.evaluate(
            observe(SIGNATURES, live, restarts), at(t), held=held)]
    assert states[0][1] == "firing"
    assert [state for _, state in states] == ["firing"], f"resolved by the outage: {states}"
