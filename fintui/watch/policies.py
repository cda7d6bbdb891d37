"""Schedules and autoscaling, run by the watch that pages on every sweep: fintui.core.schedule
and .autoscale decide; this acts, one act at a time per service, in the watch's background, as
`policy:<name>` through the operations layer, and keeps what it did in the state database."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from fintui.config_policies import AutoscaleSettings, ScheduleSettings
from fintui.core import autoscale, schedule
from fintui.core.autoscale import Replicas, Tally, Thresholds
from fintui.core.policy_rows import (
    ARMED,
    COOLING,
    ELSEWHERE,
    FROZEN,
    HELD,
    REFUSED,
    UNKNOWN,
    WAITING,
    PolicyRow,
)
from fintui.core.text_safety import one_line
from fintui.model import ClusterSnapshot
from fintui.ops.plan import Failed, Refused
from fintui.sources.base import ActionFailed, SourceUnavailable
from fintui.store.db import StateUnavailable
from fintui.store.policy_state import LastAct, PolicyStateStore
from fintui.watch.policy_acts import PolicyOutcome, policy_operations, run_as_policy
from fintui.watch.policy_handover import Handover
from fintui.watch.policy_lock import PolicyLock
from fintui.watch.policy_requests import follow_requests

if TYPE_CHECKING:
    from fintui.ops.operations import Operations
    from fintui.watch.watch import Watch


RETRY_FAILED = 60.0  # seconds before a failed act is tried again, while it still applies
APPROVALS_EVERY = 5.0  # seconds between looks at whether a proposal was decided


@dataclass
class _Policy:
    """One policy as it runs: its settings and what the runner knows of it now."""

    settings: ScheduleSettings | AutoscaleSettings
    kind: str  # schedule, autoscale
    state: str = UNKNOWN
    detail: str = "no reading yet"
    next: str = ""
    last: LastAct | None = None
    applied: set[str] = field(default_factory=set)  # a schedule's applied occurrences
    busy: bool = False  # an act is under way (one at a time)
    retry_at: datetime | None = None  # after a failure, not before then
    cool_until: datetime | None = None
    tally: Tally = field(default_factory=Tally)
    request: int | None = None  # the approval request its last act waits in
    ops: Operations | None = None
    key: tuple[str | None, str] = (None, "")  # (endpoint, service) it acts on
    first_seen: datetime | None = None  # no catch-up of a schedule's occurrences before
    shown: str = ""  # an occurrence held or refused now: the row's last, never audited
    proposed: str = ""  # over/under: the side its pending proposal came from
    blocked: str = ""  # over/under: rejected there; not again until the reading leaves it

    @property
    def name(self) -> str:
        return self.settings.name


class PolicyRunner:
    def __init__(self, watch: Watch) -> None:
        self.watch = watch
        settings = watch.parts.settings
        self.policies = [_Policy(s, "schedule") for s in settings.policies.schedule] + [
            _Policy(a, "autoscale") for a in settings.policies.autoscale]
        state_dir = settings.paths.state_dir
        self.lock = PolicyLock(state_dir / "policies.lock")
        self._db_path = state_dir / "state.sqlite"
        self.store: PolicyStateStore | None = None  # opened by the first sweep that runs
        self.loaded = False  # what the store holds is known (nothing acts before)
        self._taken_at: datetime | None = None
        self._approvals_at = 0.0
        self.handover = Handover(self)
        self.isolating = any(r.action == "isolate" for r in settings.alerts.rules)
        self.acting: set[tuple[str | None, str]] = set()  # services with an act under way
        self.settled: dict[tuple[str | None, str], datetime] = {}  # when one last ended

    # -- the sweep -----------------------------------------------------------------------

    def sweep(self, snap: ClusterSnapshot) -> None:
        """One sweep: decide, and start (in the watch's background) what is due."""
        # Automatic isolation shares the lock and the hand-over to an agent: a watch with
        # only isolating rules keeps them each sweep too.
        if not (self.policies or self.isolating) or not self._may_run() or not self.policies:
            return
        if not self.loaded:
            self.watch.spawn("policy-state", self._load(), single=True)
            return
        now = self.watch.parts.clock.now()
        fresh = snap.taken_at != self._taken_at
        self._taken_at = snap.taken_at
        self._look_at_requests(now)
        for p in self.policies:
            endpoint = self._endpoint(p.settings.endpoint)
            p.key = (endpoint, p.settings.service)
            if not p.busy and p.key in self.acting:  # one act at a time on a service
                p.detail = "waits: another policy acts on the service"
            elif not p.busy and snap.taken_at < self.settled.get(p.key, snap.taken_at):
                pass  # read before the last act on the service ended: plan on the next
            elif endpoint == "?":
                p.state, p.detail = UNKNOWN, f"no endpoint named {p.settings.endpoint!r}"
            elif not snap.source.connected or snap.stale or any(
                    e.name == endpoint and not e.connected for e in snap.endpoints):
                p.detail = "the daemon does not answer: nothing is read or done"
            elif isinstance(p.settings, ScheduleSettings):
                self._schedule(p, p.settings, snap, endpoint, now)
            elif fresh:  # a reading is a new sweep's, never the same one twice
                self._autoscale(p, p.settings, snap, endpoint, now)

    def _may_run(self) -> bool:
        """Whether this watch runs the policies; if not, every row says why."""
        why, state = self.handover.why_not()
        if why:
            for p in self.policies:
                p.state, p.detail, p.next = state, why, ""
        return not why

    def give_up(self) -> None:
        """Leave the policies to the agent: the lock goes, and what the store holds is read
        again if this runner takes them back (the agent acted meanwhile)."""
        self.lock.release()
        self.loaded = False
        for p in self.policies:
            p.state, p.detail, p.next = ELSEWHERE, self.handover.why, ""

    async def _load(self) -> None:
        """What the policies did before this process (off the event loop: a write of another
        process may hold the database for seconds)."""
        try:
            if self.store is None:
                self.store = await asyncio.to_thread(PolicyStateStore, self._db_path)
            now = self.watch.parts.clock.now()
            last, applied, seen = await asyncio.to_thread(
                self.store.load, [p.name for p in self.policies], now.isoformat())
        except StateUnavailable as exc:
            self.watch.store_failed(exc, "policies")
            for p in self.policies:  # acting blind could repeat an act: wait for the file
                p.state, p.detail = UNKNOWN, f"nothing acts until it can read {exc.path}"
            return
        for p in self.policies:
            p.last = last.get(p.name)
            p.applied = applied.get(p.name, set())
            p.first_seen = datetime.fromisoformat(seen[p.name]) if p.name in seen else now
            p.request = p.last.request if p.last else None  # looked at again soon
            if isinstance(p.settings, AutoscaleSettings) and p.last and p.last.acted_at:
                acted = datetime.fromisoformat(p.last.acted_at)
                p.cool_until = acted + timedelta(seconds=p.settings.cooldown)
        self.loaded = True
        self.watch.wake()

    def _endpoint(self, name: str) -> str | None:
        """The configured endpoint a policy reads and acts on: None for the one unnamed
        daemon (every container), "?" for a name not configured."""
        endpoints = self.watch.parts.endpoints
        if not endpoints:
            return None if not name else "?"
        if not name:
            return endpoints[0].name
        return name if any(e.name == name for e in endpoints) else "?"

    def _replicas(self, p: _Policy, snap: ClusterSnapshot, endpoint: str | None
                  ) -> Replicas | None:
        found = autoscale.replicas(snap, p.settings.service, endpoint,
                                   self.watch.state.isolated)
        if found is None:
            p.state, p.next = UNKNOWN, ""
            p.detail = f"service {one_line(p.settings.service)} not found" + (
                f" on endpoint {endpoint}" if endpoint else "")
        return found

    def _guard(self, p: _Policy) -> Operations | None:
        """The policy's operations layer when the guard lets it scale now; else None, and the
        row says why (nothing is planned, so nothing floods the audit log)."""
        if p.ops is None:
            s = p.settings
            p.ops = policy_operations(self.watch.parts, s.name, s.endpoint, s.override_freeze)
        decision = p.ops.may("scale")
        if decision.allowed:
            return p.ops
        p.state = REFUSED if p.ops.role != "operator" else FROZEN
        p.detail = one_line(decision.reason.split("; use --override-freeze")[0])
        return None

    # -- schedules -----------------------------------------------------------------------

    def _schedule(self, p: _Policy, s: ScheduleSettings, snap: ClusterSnapshot,
                  endpoint: str | None, now: datetime) -> None:
        when = schedule.When(s.at, s.days, s.timezone)
        coming = schedule.upcoming(when, now)
        p.next = f"{schedule.local_text(when, coming)} → {s.replicas}" if coming else ""
        occurrence = schedule.latest(when, now)
        if p.busy or occurrence is None:
            return
        key = schedule.occurrence_key(occurrence)
        p.state, p.detail, p.shown = WAITING if p.request is not None else ARMED, "", ""
        ops = self._guard(p)
        if key in p.applied and p.last is not None and p.last.outcome == "refused":
            p.state, p.detail = REFUSED, "refused at this occurrence: waits for the next"
        if key in p.applied or (p.first_seen is not None and occurrence < p.first_seen):
            return  # applied, or from before the policy existed: the next one applies
        others = [schedule.When(o.at, o.days, o.timezone) for o in self.watch.parts.settings
                  .policies.schedule if o.name != s.name and o.service == s.service
                  and self._endpoint(o.endpoint) == endpoint]
        if not schedule.still_open(occurrence, others, now):
            p.detail = (f"{schedule.local_text(when, occurrence)} passed unapplied: a later "
                        "schedule of the service has come since")
            return
        if ops is None:  # kept in the row (not the audit log) while the window is open
            at = f"{schedule.local_text(when, occurrence)} → {s.replicas}"
            p.shown = f"{at}: held by {p.detail.split(' forbids')[0].removeprefix('change ')}" \
                "; applies when it ends" if p.state == FROZEN else \
                f"{at} refused: policy:{s.name} is a {p.ops.role if p.ops else 'viewer'}"
            return
        if p.retry_at is not None and now < p.retry_at:
            p.detail = f"{p.last.text if p.last else 'failed'}; {again(p.retry_at)}"
            return
        reps = self._replicas(p, snap, endpoint)
        if reps is None:
            return
        at = schedule.local_text(when, occurrence)
        if reps.own == s.replicas:  # nothing to change: applied, without an act
            self._finish(p, key, PolicyOutcome(True, f"{at}: already {s.replicas} "
                                                     "replica(s), nothing done"), now, False)
            return
        if reps.swarm and reps.isolated and s.replicas < reps.own:
            p.detail = (f"scale-in to {s.replicas} held: {reps.isolated} isolated task(s), "
                        "and Swarm chooses which task to remove")
            return
        self._start(p, ops, reps.desired(s.replicas), f"schedule {s.name} ({at})", key)

    # -- autoscaling ---------------------------------------------------------------------

    def _autoscale(self, p: _Policy, a: AutoscaleSettings, snap: ClusterSnapshot,
                   endpoint: str | None, now: datetime) -> None:
        t = Thresholds(a.metric, a.scale_out_above, a.scale_in_below, a.samples, a.step,
                       a.min, a.max)
        reps = self._replicas(p, snap, endpoint)
        if reps is None:
            p.tally = Tally()
            return
        p.tally = autoscale.count(p.tally, autoscale.reading(
            a.metric, reps.readable, self.watch.restarts), t)
        if p.blocked and getattr(p.tally, p.blocked) == 0:
            p.blocked = ""  # the reading left the rejected side: it may propose again
        p.detail = autoscale.detail(p.tally, reps, t)
        p.next = autoscale.upcoming(reps, t)
        if p.busy:
            return
        p.state = WAITING if p.request is not None else ARMED
        ops = self._guard(p)
        if ops is None:
            return
        if p.request is not None:  # one request at a time: an operator decides it first
            p.next = f"request {p.request} waits for an operator"
            return
        if p.cool_until is not None and now < p.cool_until:
            p.state = COOLING
            p.next = f"nothing {autoscale.until_text(p.cool_until)}"
            return
        if p.retry_at is not None and now < p.retry_at:
            p.detail += f" · {again(p.retry_at)}"
            return
        verdict = autoscale.decide(p.tally, reps, t)
        if verdict.held:
            p.state, p.detail = HELD, p.detail + f" · {verdict.why}"
        side = "" if verdict.target is None else "over" if verdict.target > reps.own else "under"
        if side and side == p.blocked:
            p.detail += " · rejected: proposes again once the reading has left the threshold"
            return
        if verdict.target is None:
            return
        p.proposed = side
        why = f"autoscale {a.name}: {p.detail.split(' · ')[0]}, {verdict.why}"
        p.tally = Tally(value=p.tally.value)  # counts restart after an act
        self._start(p, ops, reps.desired(verdict.target), why)

    # -- acting --------------------------------------------------------------------------

    def _start(self, p: _Policy, ops: Operations, desired: int, why: str,
               occurrence: str = "") -> None:
        p.busy, p.detail = True, f"scaling {one_line(p.settings.service)} to {desired}"
        self.acting.add(p.key)
        self.watch.spawn(f"policy-{p.name}", self._act(p, ops, desired, why, occurrence),
                         single=True)

    async def _act(self, p: _Policy, ops: Operations, desired: int, why: str,
                   occurrence: str) -> None:
        try:
            plan = await ops.plan_scale(p.settings.service, desired)
            outcome = await run_as_policy(ops, plan, p.settings.mode, why)
        except Refused as exc:  # the plan's refusal: audited by the operations layer
            outcome = PolicyOutcome(False, f"refused: {one_line(str(exc))}")
        except NotImplementedError:  # proposals not there yet (fintui.ops.approvals)
            outcome = PolicyOutcome(False, "failed: proposals are not available")
        except (Failed, ActionFailed, SourceUnavailable, StateUnavailable, OSError) as exc:
            outcome = PolicyOutcome(False, f"failed: {one_line(str(exc))}")
        finally:
            p.busy = False
            self.acting.discard(p.key)
            self.settled[p.key] = self.watch.parts.clock.now()
        now = self.watch.parts.clock.now()
        self._finish(p, occurrence, outcome, now, True)
        self.watch.wake()

    def _finish(self, p: _Policy, occurrence: str, outcome: PolicyOutcome, now: datetime,
                acted: bool) -> None:
        """Take an act's outcome in: when to try again, the cooldown, the row, the store."""
        refused = not outcome.ok and outcome.text.startswith("refused")
        failed = not outcome.ok and not refused
        p.retry_at = now + timedelta(seconds=RETRY_FAILED) if failed else None
        p.request = outcome.request_id
        kind = ("refused" if refused else "failed" if failed else
                "waiting" if outcome.request_id is not None else "ok" if acted else "applied")
        acted_at = p.last.acted_at if p.last else ""
        if outcome.ok and acted and outcome.request_id is None:
            self.changed(p.key, now)  # every autoscale of the service starts over
        if isinstance(p.settings, AutoscaleSettings):
            p.tally = Tally(value=p.tally.value)
            if outcome.ok:  # a proposal starts the cooldown too: one request, not one a sweep
                acted_at = now.isoformat()
                p.cool_until = now + timedelta(seconds=p.settings.cooldown)
        elif failed:
            occurrence = ""  # tried again while its window is open
        if occurrence:
            p.applied.add(occurrence)
        p.state = REFUSED if refused else WAITING if p.request is not None else ARMED
        p.detail = "" if outcome.ok else outcome.text
        p.last = LastAct(now.isoformat(timespec="seconds"), outcome.text, kind, acted_at,
                         p.request)
        self.note(p, occurrence)

    async def _note(self, name: str, last: LastAct, occurrence: str) -> None:
        store = self.store
        if store is None:
            return
        try:
            await asyncio.to_thread(store.note, name, last, occurrence)
        except StateUnavailable as exc:
            # Said once; this process still knows (a restart before the next write that
            # works may apply that occurrence again: the audit shows both).
            self.watch.store_failed(exc, "policies")
        else:
            self.watch.store_worked(store.path, "policies")

    def changed(self, key: tuple[str | None, str], now: datetime) -> None:
        """A policy changed the service: every autoscale policy of it counts afresh (readings
        from before describe another count) and cools down, as after its own act."""
        for q in self.policies:
            if q.key == key and isinstance(q.settings, AutoscaleSettings):
                q.tally = Tally(value=q.tally.value)
                q.cool_until = max(q.cool_until or now,
                                   now + timedelta(seconds=q.settings.cooldown))

    def note(self, p: _Policy, occurrence: str = "") -> None:
        if p.last is not None:
            self.watch.spawn(f"policy-note-{p.name}", self._note(p.name, p.last, occurrence))

    def _look_at_requests(self, now: datetime) -> None:
        """A proposal's row waits until its request is decided (or expires)."""
        waiting = [p for p in self.policies if p.request is not None]
        if not waiting or now.timestamp() - self._approvals_at < APPROVALS_EVERY:
            return
        self._approvals_at = now.timestamp()
        follow_requests(self, waiting, now)

    def rows(self) -> list[PolicyRow]:
        return [PolicyRow(p.name, p.kind, p.settings.service, p.state, p.detail,
                          p.shown or (p.last.text if p.last else ""),
                          "" if p.shown or not p.last else p.last.at,
                          p.next, p.settings.mode) for p in self.policies]


def again(at: datetime) -> str:
    return f"failed; tries again at {at:%H:%M:%S} UTC"
