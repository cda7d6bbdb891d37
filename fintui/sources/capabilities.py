"""What the operations layer may ask of a cluster, as small capabilities (after k9s's
`dao/types.go`: Scalable, Nuker, NodeMaintainer, ...). Each takes and returns the facts of
fintui.model_ops; Engine JSON stays inside the Engine source. Errors: fintui.sources.base.

Each ops module depends on the capabilities it uses; `ClusterActions` (their union) is what a
source offers and what wiring hands to Operations."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol

from fintui.model import Node
from fintui.model_ops import (
    ContainerFacts,
    NetworkAttachment,
    RestartPolicy,
    ServiceFacts,
    TaskFacts,
)
from fintui.model_release import ImageFacts, ReleaseTask, ServiceRelease, UpdatePolicy

Document = dict[str, Any] | list[Any]  # raw evidence, written to a bundle as it is


class ContainerReader(Protocol):
    async def container(self, container_id: str) -> ContainerFacts:
        """One container, by id or name. Raises ContainerGone."""
        ...

    async def containers(self, labels: Mapping[str, str]) -> list[ContainerFacts]:
        """Every container (running or not) carrying all these labels (none: every one)."""
        ...


class Isolatable(Protocol):
    """Cutting a container off and giving it back. ContainerGone for a container that
    vanished, ActionFailed for a refusal."""

    async def network_disconnect(self, network: str, container_id: str) -> None: ...
    async def network_connect(self, attachment: NetworkAttachment,
                              container_id: str) -> None: ...
    async def set_restart_policy(self, container_id: str, policy: RestartPolicy) -> None: ...
    async def pause(self, container_id: str) -> None: ...
    async def unpause(self, container_id: str) -> None: ...
    async def start(self, container_id: str) -> None: ...
    async def stop_and_remove(self, container_id: str) -> None: ...


class Lifecycle(Protocol):
    """A container's everyday acts (start, pause and unpause: Isolatable). ContainerGone for
    a container that vanished, ActionFailed for a refusal."""

    async def restart(self, container_id: str) -> None:
        """Stop (with a grace period) and start again: a new start time."""
        ...

    async def stop(self, container_id: str) -> None:
        """SIGTERM, then SIGKILL after the grace period."""
        ...

    async def kill(self, container_id: str, signal: str) -> None:
        """Send one signal, by its name (SIGTERM)."""
        ...

    async def remove_container(self, container_id: str) -> None:
        """Delete a stopped container (ops stops a running one first), never its named
        volumes and never by force."""
        ...


class Replicator(Protocol):
    async def create_copy(self, template: ContainerFacts, name: str,
                          labels: Mapping[str, str], network: NetworkAttachment | None,
                          restart_policy: RestartPolicy, image: str = "") -> str:
        """Create (not start) a container named `name` with the template's workload (image,
        command, environment, mounts, limits, as read with it), these labels, this restart
        policy and on this network (None: the network mode it has). Returns the new id.
        `image` (a rollout's): run that image instead, with its own defaults (command,
        environment, health check) where the template only had its old image's."""
        ...


class Scalable(Protocol):
    async def service(self, service: str) -> ServiceFacts:
        """A Swarm service by name or id. Raises NoSuchService, NotSwarmManager."""
        ...

    async def set_replicas(self, service_id: str, replicas: int | None = None,
                           delta: int = 0) -> int:
        """Set (or shift by delta) a replicated service's count, again when another writer
        changed the service meanwhile; the new count. Raises NotReplicated for a global one."""
        ...

    async def service_tasks(self, service_id: str) -> list[TaskFacts]: ...


class Evidence(Protocol):
    """The failure scene, as documents for a forensics bundle (ActionFailed: not to be had)."""

    async def inspect_document(self, container_id: str) -> Document: ...
    async def logs_text(self, container_id: str, lines: int) -> str: ...
    async def changes(self, container_id: str) -> Document: ...
    async def stats_once(self, container_id: str) -> Document: ...
    async def top(self, container_id: str) -> Document: ...


class NodeMaintainer(Protocol):
    async def nodes(self) -> list[Node]:
        """Every Swarm node, `tasks` counting those meant to run on it. Raises
        NotSwarmManager."""
        ...

    async def set_availability(self, node_id: str, availability: str) -> None:
        """active, pause or drain; again when another writer changed the node meanwhile."""
        ...

    async def node_tasks(self, node_id: str) -> list[TaskFacts]:
        """Tasks meant to run on a node (desired state running)."""
        ...


class Nuker(Protocol):
    async def storage_labels(self, kind: str, object_id: str) -> dict[str, str]:
        """A volume's, image's or container's labels now. Raises ObjectGone."""
        ...

    async def storage_users(self, kind: str, object_id: str) -> list[str]:
        """Names of containers (running or stopped) using a volume or image now."""
        ...

    async def remove_storage(self, kind: str, object_id: str) -> None:
        """Delete one volume, container, image or build-cache entry by id, without force."""
        ...


class Releasable(Protocol):
    """Moving a Swarm service to another image and back (fintui.ops.rollout). NoSuchService,
    NotSwarmManager for the service; ActionFailed for a refusal."""

    async def image_facts(self, image: str) -> ImageFacts | None:
        """The image on this endpoint (by name:tag, name@digest or id), None if absent."""
        ...

    async def service_release(self, service: str) -> ServiceRelease: ...
    async def release_tasks(self, service_id: str) -> list[ReleaseTask]: ...

    async def update_image(self, service_id: str, image: str, policy: UpdatePolicy) -> None:
        """Its spec as it is, but this image and this update config (Swarm then moves it)."""
        ...

    async def rollback_service(self, service_id: str) -> None:
        """Swarm's own rollback to the previous spec."""
        ...


class ClusterActions(ContainerReader, Isolatable, Lifecycle, Replicator, Scalable, Evidence,
                     NodeMaintainer, Nuker, Releasable, Protocol):
    """Every capability: what a source offers the operations layer."""
