"""The read door a view opens on one container (its details and its logs), owned
by the watch side: the screens never hold a source or a store. The exceptions they catch come
with it (StateUnavailable too: a state file a view's act or read could not use)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Protocol

from fintui.model import ContainerDetails
from fintui.sources.base import ContainerGone, SourceUnavailable
from fintui.store.db import StateUnavailable

if TYPE_CHECKING:
    from fintui.wiring import Parts

__all__ = ["ContainerGone", "ContainerReads", "SourceReads", "SourceUnavailable",
           "StateUnavailable"]


class ContainerReads(Protocol):
    async def details(self, container_id: str) -> ContainerDetails:
        """What the Details screen shows. Raises ContainerGone or SourceUnavailable."""
        ...

    def logs(self, container_id: str, tail: int, follow: bool,
             timestamps: bool = False) -> AsyncIterator[str]:
        """Log lines, oldest first; with follow, new lines as they come; with timestamps, each
        led by the daemon's RFC 3339 time of it and a space."""
        ...


class SourceReads:
    """ContainerReads from this process's own sources: the console's watch, and a console
    attached to an agent (the agent streams state, not logs; the daemon is read here, as
    before the agent, so a desk account without Docker access gets SourceUnavailable)."""

    parts: Parts

    async def details(self, container_id: str) -> ContainerDetails:
        return await self.parts.source.details(container_id)

    def logs(self, container_id: str, tail: int, follow: bool,
             timestamps: bool = False) -> AsyncIterator[str]:
        return self.parts.source.logs(container_id, tail, follow, timestamps)
