"""Compose replicas: which to copy, how to name the next one, which to remove. Pure, over the
facts a source reads (fintui.model_ops): how a copy is made is the source's business."""

from __future__ import annotations

from collections.abc import Iterable

from fintui.model_ops import (
    LIVE_STATES,
    NUMBER,
    PROJECT,
    SERVICE,
    SWARM_SERVICE_ID,
    SWARM_SERVICE_NAME,
    ContainerFacts,
    NetworkAttachment,
)

__all__ = ["LIVE_STATES", "NUMBER", "PROJECT", "SERVICE", "SWARM_SERVICE_ID",
           "SWARM_SERVICE_NAME", "UNDETACHABLE", "by_number", "compose_count", "copy_networks",
           "next_number", "replica_labels", "replica_name", "revive_by_starting",
           "scale_down_victims"]

UNDETACHABLE = frozenset({"host", "none"})  # network modes a container cannot leave


def by_number(replicas: Iterable[ContainerFacts]) -> list[ContainerFacts]:
    return sorted(replicas, key=lambda c: (c.compose_number, c.id))


def replica_name(example_name: str, project: str, service: str, number: int) -> str:
    """Follow the naming the project already uses: compose v2 `p-s-1` or v1 `p_s_1`."""
    name = example_name.lstrip("/")
    sep = "_" if name.startswith(f"{project}_{service}_") else "-"
    return f"{project}{sep}{service}{sep}{number}"


def replica_labels(template: ContainerFacts, number: int) -> dict[str, str]:
    """A new replica's labels: the template's, with its own number."""
    return {**template.labels, NUMBER: str(number)}


def copy_networks(networks: Iterable[NetworkAttachment]
                  ) -> tuple[NetworkAttachment | None, list[NetworkAttachment]]:
    """The networks a copy joins: the one it is created on, and those it is connected to after
    (the API attaches only one at create time). Addresses fixed by the operator cannot be
    shared by two containers, so copies get none; host and none are modes, not networks."""
    usable = sorted((n.unaddressed() for n in networks if n.network not in UNDETACHABLE),
                    key=lambda n: n.network)
    return (usable[0], usable[1:]) if usable else (None, [])


def scale_down_victims(replicas: Iterable[ContainerFacts], keep: int,
                       isolated: set[str]) -> list[ContainerFacts]:
    """The highest-numbered replicas beyond `keep`; isolated ones are never touched."""
    candidates = [r for r in by_number(replicas) if r.id not in isolated]
    return candidates[keep:][::-1]


def compose_count(members: Iterable[ContainerFacts], isolated: set[str]
                  ) -> tuple[list[ContainerFacts], list[ContainerFacts]]:
    """The replicas that count (live, not isolated) and the leftovers (not isolated, not
    live: e.g. one a cut-short scale created and never started), each by number."""
    mine = [c for c in by_number(members) if c.id not in isolated]
    return [c for c in mine if c.live], [c for c in mine if not c.live]


def revive_by_starting(leftover: ContainerFacts) -> bool:
    """Start a leftover again, or replace it? One that ran (exited) is whole; one that never
    ran (created) may be half-built (a create cut short before its networks were joined),
    and a dead one cannot be started: those are removed and made anew."""
    return leftover.state == "exited"


def next_number(members: Iterable[ContainerFacts]) -> int:
    return max((c.compose_number for c in members), default=0) + 1
