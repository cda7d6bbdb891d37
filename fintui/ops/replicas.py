"""Making a copy of a container and finding a compose service's replicas: shared by scale and
isolation (a replacement is a new replica, or a clone)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Protocol

from fintui.core import scaling
from fintui.core.act_journal import Journal
from fintui.model_ops import ContainerFacts, NetworkAttachment, RestartPolicy
from fintui.ops.plan import Refused
from fintui.sources.capabilities import ContainerReader, Isolatable, Replicator


class Copying(Replicator, Isolatable, Protocol):
    """Create, join networks, start."""


async def compose_replicas(reader: ContainerReader, project: str,
                           service: str) -> list[ContainerFacts]:
    listed = await reader.containers({scaling.PROJECT: project, scaling.SERVICE: service})
    return scaling.by_number(listed)


async def compose_members(reader: ContainerReader, target: str) -> list[ContainerFacts]:
    """The replicas of compose service `target` ("project/service"), by number; Refused
    (saying which labels were looked for) when it has none."""
    project, _, service = target.partition("/")
    members = await compose_replicas(reader, project, service)
    if not members:
        raise Refused(f"no containers of compose service {target} (labels "
                      f"{scaling.PROJECT}={project}, {scaling.SERVICE}={service})")
    return members


async def create_started(actions: Copying, template: ContainerFacts, name: str,
                         labels: Mapping[str, str], networks: Iterable[NetworkAttachment],
                         policy: RestartPolicy, note: Journal,
                         made: Callable[[str], None] | None = None, image: str = "") -> str:
    """Create a copy of the container read as `template` (on `image`, a rollout's, if given),
    join its other networks, start it; `made` learns the new id first."""
    first, rest = scaling.copy_networks(networks)
    note(f"creating {name}")
    note.trying(f"creating {name}")
    new_id = await actions.create_copy(template, name, labels, first, policy, image)
    note.changed(f"created {name}", report=False)
    if made is not None:
        made(new_id)
    for attachment in rest:
        note.trying(f"connecting {name} to {attachment.network}")
        await actions.network_connect(attachment, new_id)
        note.changed(f"connected {name} to {attachment.network}", report=False)
    note.trying(f"starting {name}")
    await actions.start(new_id)
    note.changed(f"started {name}")
    return name


async def start_replica(actions: Copying, template: ContainerFacts, number: int,
                        note: Journal) -> str:
    """A new compose replica numbered `number`, made from `template` (its own read)."""
    name = scaling.replica_name(template.name, template.compose_project,
                                template.compose_service, number)
    return await create_started(actions, template, name,
                                scaling.replica_labels(template, number), template.networks,
                                template.restart_policy, note)
