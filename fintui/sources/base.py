"""The interface every cluster source offers: the real Engine API and the demo cluster alike."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any, Protocol

from fintui.model import ClusterSnapshot, HostStats


class SourceUnavailable(Exception):
    """The source cannot be reached now; the message is shown to the operator as it is."""


class ContainerGone(Exception):
    """The container vanished (the daemon answered 404)."""


class ClusterSource(Protocol):
    endpoint: str

    async def sweep(self) -> ClusterSnapshot:
        """List everything and sample stats once. Raises SourceUnavailable."""
        ...

    def events(self) -> AsyncIterator[dict[str, Any]]:
        """Container events as they happen; ends or raises SourceUnavailable on a lost daemon."""
        ...

    async def inspect(self, container_id: str) -> dict[str, Any]:
        """The container's inspect document. Raises ContainerGone or SourceUnavailable."""
        ...

    def logs(self, container_id: str, tail: int, follow: bool) -> AsyncIterator[str]:
        """Log lines, oldest first; with follow, new lines as they come."""
        ...

    async def close(self) -> None: ...


class HostSource(Protocol):
    async def sample(self, data_root: str) -> HostStats: ...
