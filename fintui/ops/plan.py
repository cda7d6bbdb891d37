"""What every act of the operations layer is made of: its plan, its outcome, how it says no,
and the context the act modules (scale, isolation, nodes, clean) run in. Operations
(operations.py) imports those modules; they import this, never operations."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from fintui.clock import Clock
from fintui.core.act_journal import Journal
from fintui.core.cleanup import CleanupPlan
from fintui.ops.guard import Decision

if TYPE_CHECKING:
    from fintui.config import Settings
    from fintui.model_ops import ContainerFacts
    from fintui.sources.base import ClusterActions, ClusterSource
    from fintui.store.isolations import IsolationStore
    from fintui.store.usage import UsageStore

Progress = Callable[[str], None]
BIG_CHANGE = 5  # touching more instances than this asks twice
CONTAINER_REF = re.compile(r"/?[A-Za-z0-9][A-Za-z0-9_.-]*")  # Docker's names, and ids


class Refused(Exception):
    """Guard or plan said no; the message is for the operator."""


class AwaitingApproval(Refused):
    """The act waits for a second operator ([guard] approve, or a policy's proposal): nothing
    was changed; `request_id` is what `fintui approve` takes."""

    def __init__(self, message: str, request_id: int) -> None:
        super().__init__(message)
        self.request_id = request_id


class Failed(Exception):
    """The action started and did not finish; the message says where it stopped, `result`
    what its audit record holds of what it did (as for a clean: removed, skipped, ...)."""

    def __init__(self, message: str, result: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.result: dict[str, Any] = result or {}


@dataclass
class Plan:
    action: str  # scale, isolate, release
    target: str
    summary: str
    steps: list[str]
    parameters: dict[str, Any]
    double_confirm: bool = False
    double_confirm_reason: str = ""  # why it asks twice, in the act's own words
    warnings: list[str] = field(default_factory=list)
    decision: Decision = field(default_factory=lambda: Decision(True))
    run: Callable[[Journal], Awaitable[dict[str, Any]]] | None = None
    cleanup: CleanupPlan | None = None  # for clean: what it would remove and what it spares
    ticket: str = ""  # made by the agent: what runs it there (fintui.agent.remote_ops)
    # The act as asked (the agent's /v1/plan body: action, target, ...), from which an
    # approval plans it again when a second operator lets it run (fintui.ops.approvals).
    request: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Outcome:
    plan: Plan
    result: dict[str, Any]
    lines: list[str]


def second_reason(plan: Plan) -> str:
    """Why a big act asks twice, as a sentence: the plan's own reason."""
    return capitalised(plan.double_confirm_reason or "this is a big change")


def capitalised(reason: str) -> str:
    return f"{reason[:1].upper()}{reason[1:]}."


def failure_line(message: str) -> str:
    """How a Failed act is said: "failed: ...", unless nobody knows whether it did."""
    return message if message.startswith("outcome unknown") else f"failed: {message}"


def now_iso(clock: Clock) -> str:
    return clock.now().isoformat().replace("+00:00", "Z")


Build = Callable[[Decision], Awaitable[Plan]]


class Acting(Protocol):
    """What an act module needs of Operations: its parts, and planning under the guard."""

    actions: ClusterActions
    settings: Settings
    clock: Clock
    isolations: IsolationStore
    usage: UsageStore
    source: ClusterSource | None
    endpoint: str

    async def planned(self, action: str, target: str, parameters: dict[str, Any],
                      build: Build) -> Plan:
        """Guard, then build the plan; a refusal (of the guard or the plan) is audited."""
        ...

    async def resolve(self, container: str) -> ContainerFacts:
        """The container named (id or name), or Refused."""
        ...
