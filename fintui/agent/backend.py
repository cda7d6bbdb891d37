"""What the agent's server asks of whatever holds the state (the headless watch).

The server only moves JSON; the backend decides. Acts get the caller's Identity from the
socket's peer credentials, never a name from the request."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any, Protocol

from fintui.ops.identity import Identity


class AgentError(Exception):
    """A request (or a setting) the agent cannot take; the message is for the operator.
    Raised by a backend, the server answers 400 with the message."""


class AgentStarting(AgentError):
    """Asked for what the first sweep brings before it came: ask again (503)."""


class AgentBackend(Protocol):
    def info(self) -> dict[str, Any]:
        """About the agent itself: {"up_since": ISO time, "pid": int, ...}."""
        ...

    async def status(self) -> dict[str, Any]:
        """The `fintui status --json` document."""
        ...

    def alerts(self) -> list[dict[str, Any]]:
        """The alerts now, as JSON objects."""
        ...

    async def ack(self, who: Identity, rule: str, target: str, read_only: bool = False
                  ) -> str:
        """Acknowledge an alert; returns a message. Raises Refused (role, freeze, ...)."""
        ...

    async def silence(self, who: Identity, rule: str, target: str, seconds: float,
                      comment: str, read_only: bool = False) -> str:
        """Silence an alert for `seconds`; returns a message. Raises Refused."""
        ...

    async def read_disks(self, endpoints: list[str]) -> dict[str, str]:
        """Read these endpoints' storage sizes now; the endpoints that failed, with why."""
        ...

    def updates(self) -> AsyncIterator[dict[str, Any]]:
        """JSON-able objects: first the current state, then each change. Ends when the
        backend stops. The server may stop iterating early (client gone): an async
        generator gets aclose(), and must not mind being cancelled while it waits."""
        ...
