"""What the operations layer knows of the objects it acts on: frozen facts a source reads and
returns, and what it is given to act with. No Engine JSON past this line: a source translates.

The isolation records and the audit keep networks and restart policies in the shape they have
always had (`to_record`/`from_record`), so old records stay readable and records unchanged."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

# Labels a container carries that say what it belongs to (written by compose and Swarm).
PROJECT = "com.docker.compose.project"
SERVICE = "com.docker.compose.service"
NUMBER = "com.docker.compose.container-number"
SWARM_SERVICE_ID = "com.docker.swarm.service.id"
SWARM_SERVICE_NAME = "com.docker.swarm.service.name"


@dataclass(frozen=True, slots=True)
class NetworkAttachment:
    """One network a container is on, with what is needed to put it back: the aliases that
    name the service (not the ones naming this one instance) and any fixed addresses."""

    network: str
    aliases: tuple[str, ...] = ()
    ipv4: str = ""
    ipv6: str = ""

    def to_record(self) -> dict[str, Any]:
        return {"network": self.network, "aliases": list(self.aliases), "ipv4": self.ipv4,
                "ipv6": self.ipv6}

    @classmethod
    def from_record(cls, record: Mapping[str, Any]) -> NetworkAttachment:
        return cls(str(record["network"]), tuple(str(a) for a in record.get("aliases") or ()),
                   str(record.get("ipv4") or ""), str(record.get("ipv6") or ""))

    def unaddressed(self) -> NetworkAttachment:
        """The same attachment without fixed addresses (two containers cannot share one)."""
        return replace(self, ipv4="", ipv6="")


@dataclass(frozen=True, slots=True)
class RestartPolicy:
    name: str = "no"  # no, always, unless-stopped, on-failure ("" from old daemons: no)
    max_retries: int | None = None  # None: not stated (records keep it absent)

    @property
    def label(self) -> str:
        return self.name or "no"

    def to_record(self) -> dict[str, Any]:
        record: dict[str, Any] = {"Name": self.name}
        if self.max_retries is not None:
            record["MaximumRetryCount"] = self.max_retries
        return record

    @classmethod
    def from_record(cls, record: Mapping[str, Any] | None) -> RestartPolicy:
        if not record:
            return cls("no")
        retries = record.get("MaximumRetryCount")
        return cls(str(record.get("Name") or ""), None if retries is None else int(retries))


NO_RESTART = RestartPolicy("no", 0)
LIVE_STATES = frozenset({"running", "restarting", "paused"})  # what counts as one it has


@dataclass(frozen=True, slots=True)
class ContainerFacts:
    """A container as ops needs it. Listed ones (`containers(labels)`) carry no networks, no
    workload and the default restart policy: only a container's own read has them."""

    id: str
    name: str
    state: str  # running, paused, restarting, exited, created, dead, removing
    image: str = ""
    labels: Mapping[str, str] = field(default_factory=dict)
    networks: tuple[NetworkAttachment, ...] = ()
    restart_policy: RestartPolicy = RestartPolicy("no")
    # The source's own description of the workload (image, command, mounts, limits), read
    # with the rest: a copy is made from the container as it was read, even when the source
    # stops answering before the create. Opaque to ops: only the source that made it reads it.
    workload: object = field(default=None, compare=False, repr=False)
    # Its own read only: "" (no health check, or not started), starting, healthy, unhealthy;
    # the exit code of its last run (None: it never ended); restarts by its restart policy.
    # A rollout waits on these.
    health: str = ""
    exit_code: int | None = None
    restarts: int = 0

    @property
    def paused(self) -> bool:
        return self.state == "paused"

    @property
    def live(self) -> bool:
        """Running, on its way back (restarting), or paused on purpose."""
        return self.state in LIVE_STATES

    @property
    def compose_number(self) -> int:
        try:
            return int(self.labels.get(NUMBER, "0"))
        except ValueError:
            return 0

    @property
    def compose_project(self) -> str:
        return self.labels.get(PROJECT, "")

    @property
    def compose_service(self) -> str:
        return self.labels.get(SERVICE, "")

    @property
    def swarm_service_id(self) -> str:
        return self.labels.get(SWARM_SERVICE_ID, "")

    @property
    def swarm_service_name(self) -> str:
        return self.labels.get(SWARM_SERVICE_NAME, "") or self.swarm_service_id


@dataclass(frozen=True, slots=True)
class ServiceFacts:
    """A Swarm service: replicated (with a replica count) or global (one task per node)."""

    id: str
    name: str
    replicated: bool
    replicas: int = 0
    stop_grace: float = 10.0  # seconds from a task's stop signal to its SIGKILL (Docker's 10)


@dataclass(frozen=True, slots=True)
class TaskFacts:
    """A Swarm task: where it is meant to be (desired state) and where it is (state)."""

    id: str
    state: str
    desired_state: str
    error: str = ""
    node_id: str = ""  # "" while no node took it
    service_id: str = ""
