"""May a faulty container be isolated automatically now, only proposed to an operator, or
never, and why: the limits of an alert rule with `action = "isolate"`. Pure: the snapshot,
the isolation marks and the count of this hour's automatic isolations come in."""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass

from fintui.model import Container, Service

ISOLATE = "isolate"  # act now
PROPOSE = "propose"  # file it for an operator's approval instead
NEVER = "never"  # not even proposed

# Which limit held, in the words the audit and the Policies pane use.
NO_SERVICE = "no service"
LAST_REPLICA = "last replica"
NO_REPLACEMENT = "no replacement"
PER_HOUR = "max_per_hour"
FRACTION = "max_fraction"

HELD = ("running", "paused")  # an isolated replica that still holds its place
HOUR = 3600.0  # seconds: the window max_per_hour counts in


@dataclass(frozen=True, slots=True)
class Group:
    """A faulty container's service on its own endpoint, as the snapshot shows it."""

    name: str  # Swarm service or compose project/service (with @endpoint), "" standalone
    replaceable: bool  # isolating one starts a replacement (not a global-mode Swarm service)
    others_running: int  # its other replicas running and not isolated
    isolated: int  # its replicas isolated now (paused, or being isolated), not stopped ones
    total: int  # every replica counted: running, isolated, and the faulty one


@dataclass(frozen=True, slots=True)
class Verdict:
    kind: str  # ISOLATE, PROPOSE or NEVER
    why: str  # one line for the row, the log and the audit
    limit: str = ""  # which limit held ("" when none did)


def group_of(faulty: Container, containers: Iterable[Container],
             isolated: Collection[str], services: Iterable[Service] = ()) -> Group:
    """The faulty container's replicas on its endpoint. `isolated` holds the ids isolated or
    being isolated. Only one endpoint's containers count: another daemon's replicas of a
    same-named service are another service (and another daemon may be down)."""
    key = faulty.group_key
    if not faulty.group:
        return Group("", False, 0, 0, 1)
    members = [c for c in containers if c.group_key == key and c.id != faulty.id]
    # An isolated replica that has since stopped (Swarm kills an unhealthy task, paused or
    # not, and starts its own) holds no replica's place any more: it counts nowhere.
    marked = [c for c in members if c.id in isolated and c.state in HELD]
    running = [c for c in members if c.id not in isolated and c.state == "running"]
    mode = next((s.mode for s in services if s.name == faulty.service
                 and s.endpoint == faulty.endpoint), "")
    # A compose service gets a new replica; a Swarm task is replaced by raising its
    # service by one, which a global-mode service cannot be.
    return Group(key, mode != "global", len(running), len(marked),
                 len(marked) + len(running) + 1)


def decide(group: Group, done_this_hour: int, max_per_hour: int,
           max_fraction: float) -> Verdict:
    """Isolate, propose or never, most binding limit first: a step that would leave a
    service with no running replica is never taken, not even by an operator's approval."""
    name = group.name
    if not name:
        return Verdict(NEVER, "it belongs to no service, so it is its own last running "
                              "replica: never isolated automatically, not even proposed",
                       NO_SERVICE)
    if group.others_running == 0:
        return Verdict(NEVER, f"it is the last running replica of {name}: never isolated "
                              "automatically, not even proposed", LAST_REPLICA)
    if not group.replaceable:
        return Verdict(PROPOSE, f"no replacement would start ({name} is a global-mode Swarm "
                                "service): proposed instead", NO_REPLACEMENT)
    if done_this_hour >= max_per_hour:
        return Verdict(PROPOSE, f"{name} had {done_this_hour} automatic isolation"
                                f"{'' if done_this_hour == 1 else 's'} this hour, "
                                f"max_per_hour is {max_per_hour}: proposed instead", PER_HOUR)
    after = group.isolated + 1
    if after > max_fraction * group.total + 1e-9:
        return Verdict(PROPOSE, f"it would leave {after} of {group.total} replicas of {name} "
                                f"isolated, over max_fraction {max_fraction:g}: proposed "
                                "instead", FRACTION)
    return Verdict(ISOLATE, f"{done_this_hour + 1} of {max_per_hour} this hour for {name}; "
                            f"{after} of {group.total} replicas isolated")


def hourly_note(name: str, done_this_hour: int, max_per_hour: int) -> str:
    """What the rule does next for one service, for the Policies pane."""
    if done_this_hour >= max_per_hour:
        return (f"proposes the next fault of {name}; {done_this_hour} of {max_per_hour} "
                "this hour")
    return f"isolates the next fault of {name}; {done_this_hour} of {max_per_hour} this hour"


def pauses(steps: Iterable[str]) -> bool:
    """A planned isolation of a running container (it pauses it): one that stopped between
    the alert and the plan is not isolated automatically."""
    return any(s.startswith("pause it") for s in steps)


def replacement_missing(steps: Iterable[str]) -> bool:
    """A planned isolation that would start no replacement (its service is gone, or it is a
    global-mode task): the plan's last step says "start a replacement: none ..."."""
    return any(s.startswith("start a replacement: none") for s in steps)
