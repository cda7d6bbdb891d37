"""What the Policies pane and `fintui policies` show: each policy's state, and the requests
waiting for a second operator. Shared vocabulary of the watch, the agent's wire and the views;
no I/O."""

from __future__ import annotations

from dataclasses import dataclass

# A policy's states, in the words the pane shows.
ARMED = "armed"  # it will act when its condition or time comes
COOLING = "cooling down"  # it acted lately and waits out its cooldown
FROZEN = "frozen"  # a freeze window forbids its act now (and it names no override)
WAITING = "waiting for approval"  # its act (or proposal) waits for an operator
REFUSED = "refused"  # the guard refuses its identity (a viewer role, say)
ELSEWHERE = "run elsewhere"  # another process on this state folder runs the policies
UNKNOWN = "unknown"  # its service is not found, or its numbers are not known yet
HELD = "held"  # its act is due but held back (a Swarm scale-in with an isolated task)


@dataclass(frozen=True, slots=True)
class PolicyRow:
    name: str  # the policy's name; it acts as policy:<name>
    kind: str  # schedule, autoscale, isolate
    service: str  # what it acts on: a service, or an alert rule's scope in words
    state: str  # one of the states above
    detail: str = ""  # why that state, or the reading now ("cpu 74%, 2 of 3 over 70")
    last: str = ""  # its last act or proposal and how it ended, "" for none yet
    last_at: str = ""  # ISO 8601 UTC time of it
    next: str = ""  # what it does next and when ("09:00 Mon → 6", "out at 3 readings > 70")
    mode: str = "act"  # act, or propose


@dataclass(frozen=True, slots=True)
class ApprovalRow:
    id: int
    action: str  # the act's name (scale, clean, ...)
    target: str
    summary: str  # the plan's one line
    requester: str  # the OS account, or policy:<name>
    requested_at: str  # ISO 8601 UTC
    expires_at: str  # ISO 8601 UTC
    state: str  # pending, approved, rejected, expired, done, failed
    why: str = ""  # why it waits: "[guard] approve lists scale-to-zero", "proposed by ..."
    decided_by: str = ""  # who approved or rejected it
