"""Automatic isolation: an alert rule with `action = "isolate"` isolates the faulty
container it fires on, as the identity `policy:<rule>` through the operations layer (guard,
freezes, approvals, audit), within the rule's limits (fintui.core.isolate_limits decides:
isolate, only propose, or never). Only the watch that runs the policies acts (it pages, it
is not read-only, and it holds the state folder's policy lock); what each rule did is kept
in the state database (fintui.store.auto_isolations), so max_per_hour survives a restart."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from fintui.core import isolate_limits as limits
from fintui.core.alerts import Alert, alert_target
from fintui.core.policy_rows import ARMED, FROZEN, REFUSED, PolicyRow
from fintui.core.policy_view import scope_text
from fintui.core.text_safety import one_line
from fintui.model import AlertRule, ClusterSnapshot, Container
from fintui.ops.audit import AuditUnavailable
from fintui.ops.plan import Refused
from fintui.sources.base import ActionFailed, SourceUnavailable
from fintui.store.auto_isolations import AutoAct, AutoIsolationStore
from fintui.store.db import StateUnavailable
from fintui.watch.policy_acts import PolicyOutcome, policy_operations, run_as_policy

if TYPE_CHECKING:
    from fintui.ops.operations import Operations
    from fintui.watch.watch import Watch

log = logging.getLogger("fintui.watch")
COUNTED = (limits.ISOLATE,)  # what max_per_hour counts: isolations run, not proposals


@dataclass
class Timing:
    """Where the last automatic isolation's time went (seconds), for the benchmark and the
    log: from the alert firing to the decision, the plan, and the act itself."""

    container: str = ""
    fired_at: datetime | None = None
    decided: float = 0.0  # from the evaluation that fired to the decision
    planned: float = 0.0
    executed: float = 0.0  # forensics, cut off, pause, replacement asked for


class AutoIsolator:
    def __init__(self, watch: Watch) -> None:
        self.watch = watch
        self.rules = {r.name: r for r in watch.alert_rules if r.action == "isolate"}
        self.store: AutoIsolationStore | None = None  # opened when a rule first needs it
        self.recent: list[AutoAct] = []  # the last hour's decisions (and each rule's last)
        self.last: dict[str, AutoAct] = {}
        self.loaded = False
        self.problem = ""  # why the store cannot be used, "" when it can
        self.under_way: set[str] = set()  # container ids being decided or isolated now
        self.timing = Timing()
        self._lock = asyncio.Lock()  # one decision at a time: two faults, one hourly count
        self._ops: dict[tuple[str, str], Operations] = {}

    # -- the hook ------------------------------------------------------------------------

    def alerts_changed(self, changed: Sequence[Alert], snap: ClusterSnapshot) -> None:
        """Alerts that changed state in this evaluation (firing, resolved, ...)."""
        if not self.rules or self._why_not():
            return
        fired = time.monotonic()
        for alert in changed:
            rule = self.rules.get(alert.rule)
            if rule is None or alert.state != "firing":
                continue
            container = next((c for c in snap.containers if alert_target(c) == alert.target),
                             None)
            if container is None or container.id in self.under_way \
                    or container.id in self.watch.state.isolated:
                continue  # never twice for one container
            if container.state != "running":
                # A stopped one has nothing to pause or cut off, and its restart policy or
                # Swarm replaces it: neither isolated nor proposed.
                log.info("auto-isolate %s: not isolated: it is %s, not running",
                         one_line(container.name), container.state)
                continue
            self.under_way.add(container.id)
            self.watch.spawn(f"auto-isolate-{container.id[:12]}",
                             self._handle(rule, alert, container, snap, fired), single=True)

    def _why_not(self) -> str:
        """Why this watch does not isolate anything ("" when it does): the policy runner's
        answer (paging, read-only, the lock, an agent it yielded to)."""
        return self.watch.policies.handover.why_not()[0]

    # -- one fault -----------------------------------------------------------------------

    async def _handle(self, rule: AlertRule, alert: Alert, c: Container,
                      snap: ClusterSnapshot, fired: float) -> None:
        try:
            await self._decide_and_act(rule, alert, c, snap, fired)
        finally:
            self.under_way.discard(c.id)
            self.watch.wake()

    async def _decide_and_act(self, rule: AlertRule, alert: Alert, c: Container,
                              snap: ClusterSnapshot, fired: float) -> None:
        timing = Timing(c.name, alert.fired)
        # Names are untrusted text: flattened before they reach a row, a log or a request.
        why = (f"alert {one_line(rule.name)} fired on {one_line(alert.target)} "
               f"({rule.metric} {rule.op} {rule.threshold:g})")
        ops = self._operations(rule.name, c.endpoint)
        async with self._lock:  # the count and the note of one decision go together
            try:  # the marks as stored now (a watch's first sweep has not read them yet)
                marked = await asyncio.to_thread(ops.isolations.active_ids)
            except StateUnavailable:
                marked = set()  # the plan reads the record again, and refuses if it is held
            if c.id in marked:
                return
            group = limits.group_of(c, snap.containers, marked | self.watch.state.isolated
                                    | (self.under_way - {c.id}), snap.services)
            try:
                done = await self._count(group.name)
            except StateUnavailable as exc:
                verdict = limits.Verdict(limits.PROPOSE, "this hour's automatic isolations "
                                         f"cannot be counted ({exc}): proposed instead")
            else:
                verdict = limits.decide(group, done, rule.max_per_hour, rule.max_fraction)
            timing.decided = time.monotonic() - fired
            if verdict.kind == limits.NEVER:
                await self._never(ops, rule, c, group.name, why, verdict.why)
                return
            t0 = time.monotonic()
            try:
                plan = await ops.plan_isolate(c.id, replace=True)
            except Refused as exc:  # the guard, a freeze, isolated meanwhile: all audited
                await self._note(rule, c, group.name, "refused",
                                 PolicyOutcome(False, f"refused: {one_line(str(exc))}"))
                return
            except (ActionFailed, SourceUnavailable, StateUnavailable, OSError) as exc:
                await self._note(rule, c, group.name, "failed",
                                 PolicyOutcome(False, f"failed: {one_line(str(exc))}"))
                return
            timing.planned = time.monotonic() - t0
            if not limits.pauses(plan.steps):  # it stopped since the alert: as above
                log.info("auto-isolate %s: not isolated: it stopped before it could be",
                         one_line(c.name))
                return
            if verdict.kind == limits.ISOLATE and limits.replacement_missing(plan.steps):
                verdict = limits.Verdict(limits.PROPOSE, "no replacement would start: "
                                         "proposed instead", limits.NO_REPLACEMENT)
            # The audit says which limit held (or that none did), and what fired.
            plan.parameters = {**plan.parameters, "why": f"{why}; {verdict.why}"}
            try:
                act = await self._remember(AutoAct(0, self._now(), rule.name, group.name,
                                                   c.name, verdict.kind))
            except StateUnavailable as exc:
                if verdict.kind == limits.ISOLATE:  # uncounted, it could exceed the limit
                    verdict = limits.Verdict(limits.PROPOSE, "this isolation cannot be "
                                             f"counted ({exc}): proposed instead")
                act = None
        t0 = time.monotonic()
        try:
            outcome = await run_as_policy(ops, plan, "act" if verdict.kind == limits.ISOLATE
                                          else "propose", f"{why}; {verdict.why}")
        except NotImplementedError:  # proposals not there yet (fintui.ops.approvals)
            outcome = PolicyOutcome(False, "failed: proposals are not available")
        except (StateUnavailable, OSError) as exc:
            outcome = PolicyOutcome(False, f"failed: {one_line(str(exc))}")
        timing.executed = time.monotonic() - t0
        self.timing = timing
        bundle = ""
        if verdict.kind == limits.ISOLATE:
            bundle = await self._bundle(ops, c.id)
            log.info("auto-isolate %s: %s (decided %.2fs after the evaluation, planned in "
                     "%.2fs, executed in %.2fs)", one_line(c.name), outcome.text, timing.decided,
                     timing.planned, timing.executed)
        # The row says which limit held (a proposal), or where the evidence is.
        text = one_line(f"{c.name}: {outcome.text}" + (f"; bundle {bundle}" if bundle else "")
                        + (f"; {verdict.why}" if verdict.kind != limits.ISOLATE else ""))
        if act is not None:
            await self._finish(act, text, bundle)

    async def _never(self, ops: Operations, rule: AlertRule, c: Container, service: str,
                     fired: str, held: str) -> None:
        """Not even proposed: said in the row, the log and the audit (as a refusal)."""
        held = one_line(held)  # it names the service: untrusted text
        why = f"{fired}: {held}"
        log.warning("auto-isolate %s: %s", one_line(c.name), why)
        try:
            ops.record_outside("isolate", c.name, "refused", {"replace": True, "why": why},
                               {"error": why})
        except (Refused, AuditUnavailable) as exc:
            log.error("auto-isolate %s: not audited: %s", one_line(c.name), exc)
        await self._note(rule, c, service, limits.NEVER,
                         PolicyOutcome(False, f"not isolated: {held}"))

    async def _note(self, rule: AlertRule, c: Container, service: str, kind: str,
                    outcome: PolicyOutcome) -> None:
        # Kept in memory by _remember even when the store fails (the row says that fault).
        with contextlib.suppress(StateUnavailable):
            await self._remember(AutoAct(0, self._now(), rule.name, service, c.name, kind,
                                         f"{one_line(c.name)}: {outcome.text}"))

    async def _bundle(self, ops: Operations, container_id: str) -> str:
        try:
            record = await asyncio.to_thread(ops.isolations.active, container_id)
        except StateUnavailable:
            return ""
        return record.bundle if record is not None else ""

    # -- the store -----------------------------------------------------------------------

    async def _open(self) -> AutoIsolationStore:
        if self.store is None:
            path = self.watch.parts.settings.paths.state_dir / "state.sqlite"
            self.store = await asyncio.to_thread(AutoIsolationStore, path)
        if not self.loaded:
            store = self.store
            recent = await asyncio.to_thread(store.since, self._now() - limits.HOUR)
            last = await asyncio.to_thread(store.last_of_each)
            self.recent, self.last, self.loaded = recent, last, True
        return self.store

    async def _count(self, service: str) -> int:
        """Automatic isolations of `service` in the last hour, from the store (another run
        of the agent counts too)."""
        store = await self._open()
        since = self._now() - limits.HOUR
        acts = await asyncio.to_thread(store.since, since)
        self.recent = acts
        return sum(1 for a in acts if a.service == service and a.kind in COUNTED)

    async def _remember(self, act: AutoAct) -> AutoAct:
        """Keep a decision: in memory at once (the row), in the store (the count)."""
        try:
            store = await self._open()
            act = await asyncio.to_thread(store.note, act)
        except StateUnavailable as exc:
            self.problem = str(exc)
            self._keep(act)
            raise
        self.problem = ""
        self._keep(act)
        return act

    async def _finish(self, act: AutoAct, outcome: str, bundle: str) -> None:
        done = AutoAct(act.id, act.at, act.rule, act.service, act.container, act.kind,
                       outcome, bundle)
        self._keep(done)
        if self.store is not None and act.id:
            try:
                await asyncio.to_thread(self.store.finish, act.id, outcome, bundle)
            except StateUnavailable as exc:
                self.problem = str(exc)

    def _keep(self, act: AutoAct) -> None:
        self.recent = [a for a in self.recent if a.id != act.id or not act.id] + [act]
        self.last[act.rule] = act

    def _now(self) -> float:
        """The watch's clock (the demo's is fixed), as Unix time."""
        return self.watch.parts.clock.now().timestamp()

    def _operations(self, rule: str, endpoint: str) -> Operations:
        key = (rule, endpoint)
        if key not in self._ops:
            self._ops[key] = policy_operations(self.watch.parts, rule, endpoint)
        return self._ops[key]

    # -- rows ----------------------------------------------------------------------------

    def rows(self) -> list[PolicyRow]:
        if self.rules and not self.loaded:
            self._load_soon()
        return [self._row(rule) for rule in self.rules.values()]

    def _load_soon(self) -> None:
        """Each rule's last act from the store, in the watch's background (once)."""
        try:
            asyncio.get_running_loop()
        except RuntimeError:  # read outside a running watch: the rows say what is known
            return
        self.watch.spawn("auto-isolate-load", self._load(), single=True)

    async def _load(self) -> None:
        try:
            await self._open()
        except StateUnavailable as exc:
            self.problem = str(exc)

    def _row(self, rule: AlertRule) -> PolicyRow:
        last = self.last.get(rule.name)
        last_text, last_at = (one_line(last.outcome or f"{last.container}: {last.kind} "
                                       "under way"), _iso(last.at)) if last else ("", "")
        row = PolicyRow(rule.name, "isolate", scope_text(rule.scope), ARMED,
                        last=last_text, last_at=last_at)
        why, state = self.watch.policies.handover.why_not()
        if why:
            return _with(row, state, why, "")
        decision = self._operations(rule.name, "").may("isolate")
        if not decision.allowed:
            state = REFUSED if decision.reason.startswith("role") else FROZEN
            return _with(row, state, one_line(decision.reason.split("; use --")[0]), "")
        since = self._now() - limits.HOUR
        counts: dict[str, int] = {}
        for act in self.recent:
            if act.rule == rule.name and act.kind in COUNTED and act.at >= since:
                counts[act.service] = counts.get(act.service, 0) + 1
        full = sorted(s for s, n in counts.items() if n >= rule.max_per_hour)
        service = next((v for k, v in rule.scope if k == "service"), "")
        name = full[0] if full else service or (max(counts, key=counts.__getitem__)
                                                if counts else "any service")
        next_text = limits.hourly_note(name, counts.get(name, 0), rule.max_per_hour)
        if self.under_way:
            detail = f"isolating {len(self.under_way)} container(s) now"
        else:
            detail = self.problem and f"cannot count: {one_line(self.problem)}"
        # A service at its hourly limit has its next fault proposed, not ignored: the rule
        # stays armed (it has no cooldown), and `next` says what it does.
        return _with(row, ARMED, detail, next_text)


def _with(row: PolicyRow, state: str, detail: str, next_text: str) -> PolicyRow:
    return PolicyRow(row.name, row.kind, row.service, state, detail, row.last, row.last_at,
                     next_text, row.mode)


def _iso(at: float) -> str:
    return datetime.fromtimestamp(at, UTC).isoformat(timespec="seconds")
