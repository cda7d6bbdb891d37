"""The interface every cluster source offers: the real Engine API and the demo cluster alike."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any, Protocol

from fintui.model import ClusterSnapshot, DiskUsage, GpuReading, HostStats


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

    async def inspect(self, container_id: str) -> dict[str, Any]:
        """The container's inspect document. Raises ContainerGone or SourceUnavailable."""
        ...

    async def disk_usage(self) -> DiskUsage:
        """Volumes, images, containers' layers and build cache with sizes (slow)."""
        ...

    def logs(self, container_id: str, tail: int, follow: bool) -> AsyncIterator[str]:
        """Log lines, oldest first; with follow, new lines as they come."""
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


class ClusterActions(Protocol):
    """The daemon calls the operations layer acts through (Engine API primitives).
    Errors: ContainerGone for a 404 on a container, ActionFailed with the daemon's message."""

    async def inspect(self, container_id: str) -> dict[str, Any]: ...
    async def list_containers(self, labels: dict[str, str]) -> list[dict[str, Any]]: ...
    async def logs_text(self, container_id: str, lines: int) -> str: ...
    async def changes(self, container_id: str) -> list[dict[str, Any]]: ...
    async def stats_once(self, container_id: str) -> dict[str, Any]: ...
    async def top(self, container_id: str) -> dict[str, Any]: ...
    async def network_disconnect(self, network: str, container_id: str) -> None: ...
    async def network_connect(self, network: str, container_id: str,
                              endpoint: dict[str, Any]) -> None: ...
    async def set_restart_policy(self, container_id: str, policy: dict[str, Any]) -> None: ...
    async def pause(self, container_id: str) -> None: ...
    async def unpause(self, container_id: str) -> None: ...
    async def create(self, name: str, body: dict[str, Any]) -> str: ...
    async def start(self, container_id: str) -> None: ...
    async def stop_and_remove(self, container_id: str) -> None: ...
    async def service(self, service: str) -> dict[str, Any]: ...
    async def update_service(self, service_id: str, version: int,
                             spec: dict[str, Any]) -> None: ...
    async def service_tasks(self, service_id: str) -> list[dict[str, Any]]: ...
    async def nodes(self) -> list[dict[str, Any]]:
        """Every Swarm node (the daemon must be a manager)."""
        ...
    async def update_node(self, node_id: str, version: int, spec: dict[str, Any]) -> None: ...
    async def node_tasks(self, node_id: str) -> list[dict[str, Any]]:
        """Tasks meant to run on a node (desired state running)."""
        ...
    async def storage_labels(self, kind: str, object_id: str) -> dict[str, str]:
        """A volume's, image's or container's labels now. Raises ObjectGone."""
        ...
    async def storage_users(self, kind: str, object_id: str) -> list[str]:
        """Names of containers (running or stopped) using a volume or image now."""
        ...
    async def remove_storage(self, kind: str, object_id: str) -> None:
        """Delete one volume, container, image or build-cache entry by id, without force."""
        ...


class ActionFailed(Exception):
    """The daemon refused or failed a change; the message is the daemon's, for the operator."""

    def __init__(self, message: str, status: int = 0) -> None:
        super().__init__(message)
        self.status = status
