"""A console's watch when an agent runs: everything it shows comes from the agent's update
stream, and acks and silences go back through the socket as this OS account. It polls
nothing, evaluates nothing and delivers nothing of its own.

The stream sends a snapshot whole, then a delta a sweep (fintui.agent.service has the lines).
A delta applies only to the snapshot it names as its base: one that does not fit means the
stream is broken, and the console attaches again (a whole snapshot first) rather than show a
wrong picture."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterable
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from fintui.agent.client import AgentClient, AgentFailed, AgentRefused, AgentUnavailable
from fintui.core.alerts import Alert, Silence
from fintui.core.policy_rows import ApprovalRow, PolicyRow
from fintui.core.policy_view import rows_of
from fintui.core.snapshot_delta import DeltaError, apply_delta
from fintui.core.text_safety import one_line
from fintui.core.webhook_outbox import DeliveryLine
from fintui.core.wire import WireError, decode
from fintui.model import ClusterSnapshot, DiskUsage
from fintui.watch.forecasting import TargetForecast
from fintui.watch.reads import SourceReads, StateUnavailable
from fintui.watch.state import ClusterState

if TYPE_CHECKING:
    from fintui.ops.operations import Operations
    from fintui.watch.listener import WatchListener
    from fintui.wiring import Parts

READ_DISKS_TIMEOUT = 120.0  # /system/df on a big host takes a while
STREAM_SILENCE = 3.0  # seconds without a line (the agent writes one at least every 1 s)
POLICIES_EVERY = 2.0  # the Policies pane asks the agent at most this often (unless fresh)


class AgentGone(Exception):
    """The agent stopped answering; the message says how."""


class AttachedWatch(SourceReads):
    """Logs and details are read here, from this console's own source (see
    SourceReads): the agent streams state, not logs."""

    def __init__(self, parts: Parts, ops: Operations, path: Path, state: ClusterState) -> None:
        self.parts = parts
        self.ops = ops
        self.path = path
        self.state = state
        self.listeners: list[WatchListener] = []
        self.agent: dict[str, Any] = {}  # the agent's own info: up_since, pid, receivers
        self.forecasts: list[TargetForecast] = []
        self.forecast_rounds = 0
        self._forecast_status = "Forecasts come from the agent: waiting for its first round"
        self._alerts: list[Alert] = []
        self._history: list[Alert] = []
        self._deliveries: list[DeliveryLine] = []
        self.disks: dict[str, DiskUsage] = {}
        self.sweeps = 0
        self._snap: ClusterSnapshot | None = None  # the base of the next delta
        self._seq: object = None  # its number in the stream (None: none, or an old agent)
        # The agent's policy and approval rows, read when the Policies pane asks (the update
        # stream does not carry them: most consoles never look).
        self._policies: list[PolicyRow] = []
        self._approvals: list[ApprovalRow] = []
        self.policies_problem = "not read from the agent yet"
        # The agent did not answer the last read: nothing runs the policies now (the rows
        # read last say what it did, not what runs).
        self.policies_away = False
        self._policies_at = -float("inf")
        self._policies_reading = False

    def subscribe(self, listener: WatchListener) -> Callable[[], None]:
        self.listeners.append(listener)
        return lambda: self.listeners.remove(listener) if listener in self.listeners else None

    def open_history(self) -> None:
        """The agent keeps the history: nothing to open here."""

    def wake(self) -> None:
        """The agent sweeps on the daemon's events: an act shows without a nudge."""

    @property
    def up_since(self) -> datetime | None:
        text = self.agent.get("up_since")
        with contextlib.suppress(TypeError, ValueError):
            return datetime.fromisoformat(str(text).replace("Z", "+00:00"))
        return None

    async def run(self) -> None:
        """Follow the agent until it goes: raises AgentGone (never returns)."""
        async with AgentClient(self.path, timeout=5.0) as client:
            try:
                self.agent = await client.info()
                async for item in client.updates(read_timeout=STREAM_SILENCE):
                    self._take(item)
            except AgentUnavailable as exc:
                raise AgentGone(exc.reason) from None
            except (AgentFailed, WireError) as exc:
                raise AgentGone(f"the agent at {self.path} sent what this console cannot "
                                f"read: {one_line(str(exc))}") from None
        raise AgentGone(f"the agent at {self.path} stopped")

    def _take(self, item: dict[str, Any]) -> None:
        kind = item.get("kind")
        if kind == "snapshot":
            self._show(decode(ClusterSnapshot, item["snapshot"]), item)
        elif kind == "delta":
            self._show(self._applied(item), item)
        elif kind == "alerts":
            self._alerts = decode(list[Alert], item.get("alerts") or [])
            self._history = decode(list[Alert], item.get("history") or [])
            self._deliveries = decode(list[DeliveryLine], item.get("deliveries") or [])
            for listener in list(self.listeners):
                listener.alerts_changed()
        elif kind == "forecasts":
            self.forecasts = decode(list[TargetForecast], item.get("forecasts") or [])
            self._forecast_status = str(item.get("status") or "")
            self.forecast_rounds += 1
            for listener in list(self.listeners):
                listener.forecasts_changed()
        elif kind == "disk":
            endpoint = str(item.get("endpoint", ""))
            self.disks[endpoint] = decode(DiskUsage, item.get("disk"))
            for listener in list(self.listeners):
                listener.disk_changed(endpoint)
        elif kind == "notice":
            for listener in list(self.listeners):
                listener.notice(str(item.get("text", "")), str(item.get("title", "agent")),
                                bool(item.get("error")))

    def _applied(self, item: dict[str, Any]) -> ClusterSnapshot:
        base = item.get("base")
        if self._snap is None or self._seq is None or base != self._seq:
            raise AgentGone(one_line(f"the agent at {self.path} sent changes to snapshot "
                                     f"{base!r}, not to the one this console holds "
                                     f"({self._seq!r}); attaching again"))
        try:
            return apply_delta(self._snap, item.get("delta") or {})
        except DeltaError as exc:
            raise AgentGone(f"the agent at {self.path} sent changes that do not fit: "
                            f"{one_line(str(exc))}; attaching again") from None

    def _show(self, snap: ClusterSnapshot, item: dict[str, Any]) -> None:
        self._snap, self._seq = snap, item.get("seq")
        self.state.update(snap)
        self.state.isolated = set(item.get("isolated") or ())
        self.sweeps += 1
        for listener in list(self.listeners):
            listener.snapshot(snap)

    # -- what the panes ask ----------------------------------------------------------------

    def shown_alerts(self) -> list[Alert]:
        return list(self._alerts)

    def alert_history(self) -> list[Alert]:
        return list(self._history)

    def delivery_lines(self) -> list[DeliveryLine]:
        return list(self._deliveries)

    def forecast_status(self) -> str:
        return self._forecast_status

    def policy_rows(self) -> list[PolicyRow]:
        """The agent's policies, as last read (read_policies)."""
        return list(self._policies)

    def approval_rows(self) -> list[ApprovalRow]:
        return list(self._approvals)

    @property
    def policies_read(self) -> bool:
        """Whether the agent was asked for its rows yet (answered or not)."""
        return self._policies_at > -float("inf")

    async def read_policies(self, fresh: bool = False) -> bool:
        """Ask the agent for its policy and approval rows: at most every POLICIES_EVERY
        seconds unless `fresh` (an act was just decided), never two requests at once.
        Whether what is shown changed; `policies_problem` says why they could not be read."""
        if self._policies_reading or (
                not fresh and time.monotonic() - self._policies_at < POLICIES_EVERY):
            return False
        self._policies_reading = True
        before = (self._policies, self._approvals, self.policies_problem)
        away = self.policies_away
        try:
            async with AgentClient(self.path, timeout=5.0) as client:
                document = await client.policies()
            self._policies, self._approvals = rows_of(document)
            self.policies_problem = one_line(str(document.get("problem") or ""))
            self.policies_away = False
        except (AgentUnavailable, AgentFailed, AgentRefused, WireError) as exc:
            self.policies_away = isinstance(exc, AgentUnavailable)
            # The rows read last stay, said to be old: a blip must not blank the pane.
            self.policies_problem = one_line(
                f"the agent's policies could not be read: {getattr(exc, 'reason', exc)}")
        finally:
            self._policies_reading = False
            self._policies_at = time.monotonic()
        return (self._policies, self._approvals, self.policies_problem) != before or (
            self.policies_away != away)

    async def ack(self, ops: Operations, rule: str, target: str, actor: str) -> str:
        return await self._ask(lambda c: c.ack(rule, target, self.parts.read_only))

    async def silence(self, ops: Operations, silence: Silence) -> str:
        seconds = (silence.until - self.parts.clock.now()).total_seconds()
        return await self._ask(lambda c: c.silence(silence.rule, silence.target, seconds,
                                                   silence.comment, self.parts.read_only))

    async def _ask(self, call: Callable[[AgentClient], Any]) -> str:
        from fintui.ops.operations import Refused

        try:
            async with AgentClient(self.path, timeout=5.0) as client:
                return str(await call(client))
        except AgentRefused as exc:
            raise Refused(str(exc)) from None
        except (AgentFailed, AgentUnavailable) as exc:
            raise Refused(f"the agent did not take it: {getattr(exc, 'reason', exc)}"
                          ) from None

    async def read_disks(self, endpoints: Iterable[str]) -> dict[str, str]:
        """Storage sizes read by the agent (a desk account may not reach the daemon); they
        arrive on the stream. Returns the endpoints that failed, with why."""
        wanted = list(endpoints)
        try:
            async with AgentClient(self.path, timeout=READ_DISKS_TIMEOUT) as client:
                return await client.read_disks(wanted)
        except (AgentUnavailable, AgentFailed, AgentRefused) as exc:
            why = f"the agent did not read it: {getattr(exc, 'reason', exc)}"
            return {e: why for e in wanted}

    def store_failed(self, exc: StateUnavailable, use: str) -> None:
        for listener in list(self.listeners):
            listener.notice(str(exc), "state file", True)

    def store_worked(self, path: Path, use: str, extra: str = "") -> None:
        """Said by the agent for its files; nothing to say here."""
