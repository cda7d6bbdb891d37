"""How a policy's proposal ended, once an operator decided it (or it expired): the row's last
line says so, an approved act starts the cooldowns of the service's autoscale policies (as
the policy's own act does), and a rejection holds that policy for one cooldown and until its
reading has left the threshold it was proposed for."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from fintui.config_policies import AutoscaleSettings
from fintui.core.autoscale import Tally
from fintui.core.policy_rows import ApprovalRow
from fintui.store.db import StateUnavailable
from fintui.store.policy_state import LastAct

if TYPE_CHECKING:
    from fintui.watch.policies import PolicyRunner, _Policy

ENDINGS = {"approved": "approved by {who}, running", "done": "approved by {who} and done",
           "failed": "approved by {who}, failed", "rejected": "rejected by {who}",
           "expired": "expired: nothing was done"}


def follow_requests(runner: PolicyRunner, waiting: list[_Policy], now: datetime) -> None:
    try:
        found = {r.id: r for r in runner.watch.ops.approval_rows()}
    except (StateUnavailable, NotImplementedError):
        return
    for p in waiting:
        asked = found.get(p.request) if p.request is not None else None
        if asked is not None and asked.state == "pending":
            continue
        ended(runner, p, asked, now)


def ended(runner: PolicyRunner, p: _Policy, asked: ApprovalRow | None, now: datetime) -> None:
    request, p.request, proposed, p.proposed = p.request, None, p.proposed, ""
    if asked is None:
        text = f"request {request} is gone"
    else:
        how = ENDINGS.get(asked.state, asked.state).format(who=asked.decided_by or "?")
        text = f"request {request} {how}: {asked.summary}"
    acted_at = p.last.acted_at if p.last else ""
    approved = asked is not None and asked.state in ("approved", "done", "failed")
    if approved:
        runner.changed(p.key, now)  # as if the policy had acted itself
    if isinstance(p.settings, AutoscaleSettings) and asked is not None:
        # Decided now: a cooldown from the decision, the count afresh; a rejection also
        # holds its side until the reading leaves it.
        side = proposed or ("over" if p.tally.over else "under" if p.tally.under else "")
        p.blocked = "" if approved else side  # (after a restart: the side the reading is on)
        p.tally = Tally(value=p.tally.value)
        p.cool_until = now + timedelta(seconds=p.settings.cooldown)
        acted_at = now.isoformat()
    p.detail = ""
    base = p.last or _blank(now)
    p.last = replace(base, at=now.isoformat(timespec="seconds"), text=text,
                     outcome="ok" if approved else "refused" if asked else "failed",
                     acted_at=acted_at, request=None)
    runner.note(p)


def _blank(now: datetime) -> LastAct:
    return LastAct(now.isoformat(timespec="seconds"), "", "")

