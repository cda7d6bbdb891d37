"""The interface every cluster source offers: the real Engine API and the demo cluster alike,
and the one error vocabulary of every source (what ops may act on: capabilities.py)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any, Protocol

from fintui.model import ClusterSnapshot, ContainerDetails, DiskUsage, GpuReading, HostStats
from fintui.sources.capabilities import ClusterActions


class SourceUnavailable(Exception):
    """The source cannot be reached now; the message is shown to the operator as it is."""


class ObjectGone(Exception):
    """The object vanished (the daemon answered 404)."""


class ContainerGone(ObjectGone):
    """The container vanished (the daemon answered 404)."""


class ClusterSource(Protocol):
    endpoint: str

    async def sweep(self) -> ClusterSnapshot:
        """List everything and sample stats once. Raises SourceUnavailable."""
        ...

    def events(self) -> AsyncIterator[dict[str, Any]]:
        """Container events as they happen; ends or raises SourceUnavailable on a lost daemon."""
        ...

    async def details(self, container_id: str) -> ContainerDetails:
        """What the Details screen shows. Raises ContainerGone or SourceUnavailable."""
        ...

    async def disk_usage(self) -> DiskUsage:
        """Volumes, images, containers' layers and build cache with sizes (slow)."""
        ...

    def logs(self, container_id: str, tail: int, follow: bool,
             timestamps: bool = False) -> AsyncIterator[str]:
        """Log lines, oldest first; with follow, new lines as they come, ending when the
        container stops; with timestamps, each led by its RFC 3339 time and a space."""
        ...

    async def close(self) -> None: ...


class HostSource(Protocol):
    async def sample(self, data_root: str, bind_sources: tuple[str, ...] = ()) -> HostStats:
        """The host, with the filesystems of the data root and of the bind-mount sources."""
        ...


class GpuSource(Protocol):
    async def sample(self) -> GpuReading:
        """Never raises: a missing driver is a reading with no GPUs and the reason."""
        ...

    async def close(self) -> None: ...


class ActionFailed(Exception):
    """The daemon refused or failed a change; the message is the daemon's, for the operator.
    `status` is the HTTP status where there was one (for the record; ops branches on the
    named subclasses below, never on numbers)."""

    def __init__(self, message: str, status: int = 0) -> None:
        super().__init__(message)
        self.status = status


class NoSuchService(ActionFailed):
    """No Swarm service by that name or id."""

    def __init__(self, message: str) -> None:
        super().__init__(message, 404)


class NotSwarmManager(ActionFailed):
    """This daemon is not a Swarm manager: it has no services or nodes to tell of."""

    def __init__(self, message: str = "this daemon is not a Swarm manager") -> None:
        super().__init__(message, 503)


class NotReplicated(ActionFailed):
    """A global-mode service: it has no replica count to change."""


class NodeGone(ActionFailed):
    """The node has left the cluster."""

    def __init__(self, message: str) -> None:
        super().__init__(message, 404)


__all__ = ["ActionFailed", "ClusterActions", "ClusterSource", "ContainerGone", "GpuSource",
           "HostSource", "NoSuchService", "NodeGone", "NotReplicated", "NotSwarmManager",
           "ObjectGone", "SourceUnavailable"]
